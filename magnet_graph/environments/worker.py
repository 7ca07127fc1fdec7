"""A toolkit in a child process: a call that hangs past its time limit, floods past the output cap
or crashes the interpreter is stopped by killing the child, and the caller carries on.

Requests go over a pipe; outputs travel as JSON text, so only data leaves the child. After a kill
the toolkit's state is gone: the environment reports the failure and must be reset.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sys
from typing import Any, Callable

_CONTEXT = multiprocessing.get_context("fork")  # the child inherits imported catalog modules


def _serve(conn, factory: Callable[[], Any], output_cap: int) -> None:
    sys.stdout = sys.stderr = open(os.devnull, "w")  # a tool that prints a flood floods nothing
    toolkit = factory()
    while True:
        try:
            op, args = conn.recv()
        except EOFError:
            return
        try:
            if op == "reset":
                toolkit.reset(*args)
                reply = ("ok", None)
            elif op == "call":
                reply = ("ok", toolkit.invoke(*args))
            elif op == "snapshot":
                reply = ("ok", toolkit.snapshot())
            else:
                reply = ("error", f"unknown request {op!r}")
        except Exception as exc:  # the tool's failure is an observation for the caller
            reply = ("error", f"{type(exc).__name__}: {exc}")
        text = json.dumps(reply[1], default=_json_default, sort_keys=True) if reply[0] == "ok" else reply[1]
        if reply[0] == "ok" and len(text) > output_cap:
            reply, text = ("error", f"output of {len(text)} characters exceeds the cap of {output_cap}"), None
        conn.send((reply[0], text if reply[0] == "ok" else reply[1]))


def _json_default(value: Any) -> Any:
    """Numbers of other kinds (mpmath's mpf, Decimal) stay numbers, with the digits their repr shows
    (``mpf('1.3027')`` -> 1.3027, as BFCL prints it, not the binary value); anything else is text."""
    if hasattr(value, "__float__"):
        shown = re.fullmatch(r"\w+\('([-+0-9.eE]+)'\)", repr(value))
        return float(shown.group(1)) if shown else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return str(value)


class WorkerTimeout(Exception):
    pass


class Worker:
    """A child process running ``factory()``; ``request`` returns (ok, value) or raises WorkerTimeout."""

    def __init__(self, factory: Callable[[], Any], output_cap: int):
        self._factory, self._output_cap = factory, output_cap
        self._proc = self._conn = None

    def request(self, op: str, args: Any, timeout: float) -> tuple[bool, Any]:
        if self._proc is None or not self._proc.is_alive():
            self._start()
        self._conn.send((op, args))
        if not self._conn.poll(timeout):
            self.kill()
            raise WorkerTimeout(f"no answer within {timeout:g}s")
        try:
            status, payload = self._conn.recv()
        except EOFError:  # the child died (a hard crash inside the tool)
            self.kill()
            return False, "the tool crashed its process"
        return (True, json.loads(payload)) if status == "ok" else (False, payload)

    def _start(self) -> None:
        self._conn, child = _CONTEXT.Pipe()
        self._proc = _CONTEXT.Process(target=_serve, args=(child, self._factory, self._output_cap), daemon=True)
        self._proc.start()
        child.close()

    def kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
            self._conn.close()
        self._proc = self._conn = None

    def __del__(self):
        self.kill()
