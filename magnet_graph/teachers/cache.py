"""Content-addressed cache of teacher responses: same model, messages, decoding and prompt version -> same file."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any


class ResponseCache:
    def __init__(self, directory: Path):
        self.directory = Path(directory)

    @staticmethod
    def key(model: str, messages: list[dict], params: dict[str, Any], prompt_version: str) -> str:
        blob = json.dumps(
            {"model": model, "messages": messages, "params": params, "prompt": prompt_version},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def get(self, key: str) -> dict | None:
        try:
            return json.loads((self.directory / key[:2] / f"{key}.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def put(self, key: str, value: dict) -> None:
        path = self.directory / key[:2] / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")  # per writer thread
        tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash never leaves half a response in the cache
