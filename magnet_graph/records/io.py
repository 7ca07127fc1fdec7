"""JSONL reading and crash-safe writes for run directories (synthesis runs, eval results, training rows).

Rows are appended one line at a time, each flushed and fsynced (``JsonlAppender``); whole files are
replaced atomically (``write_jsonl``); a line cut short by a crash is dropped on recovery, so the
work it recorded is done again (``recover_jsonl``). Errors name ``file:line``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError
from .codec import RecordError, Serializable
from .model import Drop, Record

TRAJECTORIES = "trajectories.jsonl"
DROPPED = "dropped.jsonl"


def iter_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, row)`` for every non-blank line; a line that is not JSON is an error naming file:line."""
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                raise MagnetGraphError(f"{path}:{number}: not JSON ({exc.msg})") from None


def read_jsonl(path: Path) -> list[Any]:
    """The rows of a JSONL file ([] if it does not exist)."""
    if not Path(path).exists():
        return []
    return [row for _, row in iter_jsonl(path)]


def recover_jsonl(path: Path) -> list[Any]:
    """The rows of an append-only JSONL file after a crash: a last line cut short (no newline) is
    removed from the file, so the work it recorded is done again; [] if the file does not exist."""
    path = Path(path)
    if not path.exists():
        return []
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])
    return read_jsonl(path)


def _line(row: Any) -> str:
    value = row.to_dict() if isinstance(row, Serializable) else row
    return json.dumps(value, ensure_ascii=False, sort_keys=True) + "\n"


class JsonlAppender:
    """Appends rows (dicts or records) as lines, each flushed and fsynced before the next, from any thread."""

    def __init__(self):
        self._lock = threading.Lock()

    def append(self, path: Path, row: Any) -> None:
        with self._lock, open(path, "a", encoding="utf-8") as f:
            f.write(_line(row))
            f.flush()
            os.fsync(f.fileno())


def atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash leaves the old file or the new one."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_jsonl(path: Path, rows: Iterable[Any]) -> None:
    """Replace ``path`` with one line per row (dicts or records), atomically."""
    atomic_write(path, "".join(_line(r) for r in rows))


def read_typed(path: Path, cls: type) -> list[Any]:
    """The rows of a JSONL file as ``cls`` (a record class); an error names file:line and the field."""
    path = Path(path)
    if not path.exists():
        return []
    rows = []
    for number, row in iter_jsonl(path):
        try:
            rows.append(cls.from_dict(row))
        except RecordError as exc:
            raise RecordError(f"{path}:{number}: {exc}") from None
    return rows


def read_records(run_dir: str | Path) -> list[Record]:
    """A synthesize run's trajectories (any schema version this magnet-graph reads)."""
    path = Path(run_dir) / TRAJECTORIES
    if not path.is_file():
        raise MagnetGraphError(f"{run_dir}: no {TRAJECTORIES} (not a synthesize run directory)")
    return read_typed(path, Record)


def read_drops(run_dir: str | Path) -> list[Drop]:
    """A synthesize run's dropped paths ([] if none were dropped)."""
    return read_typed(Path(run_dir) / DROPPED, Drop)
