"""JSONL reading and crash-safe writes for run directories (synthesis runs, eval results, training rows).

Rows are appended one line at a time, each flushed and fsynced (``JsonlAppender``); whole files are
replaced atomically (``write_jsonl``); a line cut short by a crash is dropped on recovery, so the
work it recorded is done again (``recover_jsonl``). Errors name ``file:line``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError
from . import strict
from .codec import RecordError, Serializable
from .model import Drop, Record

TRAJECTORIES = "trajectories.jsonl"
DROPPED = "dropped.jsonl"
ERRORS = "errors.jsonl"  # every teacher or environment failure of a path, one line per try (kept across resumes)


def iter_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, row)`` for every non-blank line; a line that is not JSON is an error naming file:line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MagnetGraphError(f"{path}: not UTF-8 text (byte {exc.start}); the file is damaged") from None
    for number, line in enumerate(text.splitlines(), start=1):
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
    try:
        return strict.dumps(value, sort_keys=True) + "\n"
    except ValueError as exc:
        what = f"row {value.get('id')!r}" if isinstance(value, dict) and "id" in value else "a row"
        raise RecordError(f"{what} is not standard JSON: {exc}") from None


def check_row(row: Any) -> str:
    """'' if ``row`` can be written as a JSONL line, else why not (so a caller can drop it instead)."""
    try:
        _line(row)
    except RecordError as exc:
        return str(exc)
    return ""


@contextlib.contextmanager
def _named(path: Path):
    """An OSError while writing ``path`` (a full disk, a read-only folder) as one line naming it."""
    try:
        yield
    except OSError as exc:
        hint = "; free some space and run again (a run resumes with --resume)" if exc.errno == errno.ENOSPC else ""
        raise MagnetGraphError(f"cannot write {path}: {exc.strerror or exc}{hint}") from None


class JsonlAppender:
    """Appends rows (dicts or records) as lines, each flushed and fsynced before the next, from any thread."""

    def __init__(self):
        self._lock = threading.Lock()

    def append(self, path: Path, row: Any) -> None:
        line = _line(row)
        with self._lock, _finishing_write(), _named(path), open(path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())


def atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash leaves the old file or the new one (and a
    failed write, such as a full disk, leaves no temporary file behind)."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with _finishing_write(), _named(path):
        try:
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


# SIGINT and SIGTERM in the middle of a write: the main thread finishes the line or file it is
# writing, then stops as Ctrl-C does (KeyboardInterrupt). Writes from other threads are not
# interrupted at all: Python runs signal handlers in the main thread only.
_writes = {"open": 0, "pending": None}


@contextlib.contextmanager
def _finishing_write():
    main = threading.current_thread() is threading.main_thread()
    if main:
        _writes["open"] += 1
    try:
        yield
    finally:
        if main:
            _writes["open"] -= 1
            if not _writes["open"] and _writes["pending"] is not None:
                _writes["pending"] = None
                raise KeyboardInterrupt


def interrupt(signum: int, frame: Any = None) -> None:
    """A signal handler (SIGINT, SIGTERM) that stops the program like Ctrl-C, after the current write."""
    if _writes["open"]:
        _writes["pending"] = signum
    else:
        raise KeyboardInterrupt


def stop_on_signals() -> None:
    """SIGTERM (``timeout``, docker stop, Slurm) and SIGINT both end the program as Ctrl-C does,
    never in the middle of a line of a run file."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, interrupt)


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
