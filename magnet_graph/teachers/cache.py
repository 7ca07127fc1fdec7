"""Content-addressed cache of teacher responses: same model, messages, decoding and prompt version -> same file.

Files are private to the user (0600: replies can quote prompts and tool state) and written
atomically through a temporary file that is removed whatever happens, so a crash or a failed
write never leaves half a response or a stray ``.tmp`` behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from ..records import strict


class ResponseCache:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.removed_temp_files = _remove_stale_temp_files(self.directory)

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
            return strict.loads((self.directory / key[:2] / f"{key}.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):  # absent, or not JSON (a file from before atomic writes)
            return None

    def put(self, key: str, value: dict) -> None:
        """Store ``value`` (which must be standard JSON: ValueError otherwise, nothing written)."""
        text = strict.dumps(value)
        path = self.directory / key[:2] / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")  # per writer thread
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)  # atomic: a crash never leaves half a response in the cache
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _remove_stale_temp_files(directory: Path) -> int:
    """Delete ``*.PID.TID.tmp`` files whose writing process is gone (a kill -9 mid-write); how many."""
    removed = 0
    for tmp in directory.glob("*/*.tmp") if directory.is_dir() else ():
        parts = tmp.name.split(".")
        pid = int(parts[-3]) if len(parts) >= 4 and parts[-3].isdigit() else 0
        if pid and _running(pid):
            continue  # another run sharing this cache is writing it now
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed += 1
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
