"""JSONL reading and crash-safe writes for run directories (synthesis runs and eval results)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, row)`` for every non-blank line; a line that is not JSON is an error naming file:line."""
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                raise MagnetGraphError(f"{path}:{number}: not JSON ({exc.msg})") from None


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSONL file ([] if it does not exist)."""
    if not Path(path).exists():
        return []
    return [row for _, row in iter_jsonl(path)]


def recover_jsonl(path: Path) -> list[dict[str, Any]]:
    """The rows of an append-only JSONL file after a crash: a last line cut short (no newline) is
    removed from the file, so the work it recorded is done again; [] if the file does not exist."""
    path = Path(path)
    if not path.exists():
        return []
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])
    return read_jsonl(path)


class JsonlAppender:
    """Appends rows as lines, each flushed and fsynced before the next, from any thread."""

    def __init__(self):
        self._lock = threading.Lock()

    def append(self, path: Path, row: dict[str, Any]) -> None:
        with self._lock, open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())


def atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash leaves the old file or the new one."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    atomic_write(path, "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows))


def read_records(run_dir: str | Path) -> list[dict[str, Any]]:
    """A synthesize run's trajectories; an error if ``run_dir`` is not one."""
    path = Path(run_dir) / "trajectories.jsonl"
    if not path.is_file():
        raise MagnetGraphError(f"{run_dir}: no trajectories.jsonl (not a synthesize run directory)")
    return read_jsonl(path)
