"""``ast.parse`` behind one lock.

CPython 3.11 keeps the AST converter's recursion counter per interpreter, not per thread
(python/cpython#106905): two threads parsing at once (synthesis translates paths on a thread
pool, and both the literal miner and the call parser parse) can fail with ``SystemError: AST
constructor recursion depth mismatch``. Parsing is short; serialising it costs nothing measurable.
"""

from __future__ import annotations

import ast
import os
import threading

_LOCK = threading.Lock()


def _fresh_lock() -> None:
    """A tool worker is forked from a process whose other threads may be parsing: the child's copy
    of a held lock would never be released, and its first parse would hang."""
    global _LOCK
    _LOCK = threading.Lock()


os.register_at_fork(after_in_child=_fresh_lock)


def parse(source: str, mode: str = "exec") -> ast.AST:
    """``ast.parse(source, mode=mode)``, one thread at a time."""
    with _LOCK:
        return ast.parse(source, mode=mode)
