"""A blocking client for one live MCP server, over the official ``mcp`` SDK (stdio or streamable HTTP).

The SDK is asynchronous; the rest of magnet-graph is not. ``McpClient`` runs the SDK's session in
an event loop on a thread of its own and answers each request within a time limit. A server that
hangs past it, or dies, is stopped; the client says so and the caller decides what to restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from typing import IO, Any

from .servers import ServerSpec

START_TIMEOUT = 60.0  # `npx -y` may fetch a package on its first start


class McpError(Exception):
    """The server could not be started, did not answer in time, or died."""


class McpClient:
    """One session with one server: ``tools()``, ``call(name, arguments)``, ``close()``."""

    def __init__(self, spec: ServerSpec, *, errlog: IO[str] | None = None, start_timeout: float = START_TIMEOUT):
        self.spec = spec
        self.pid: int | None = None  # the stdio server's process, which leads a process group of its own
        self._errlog = errlog
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"mcp-{spec.name}", daemon=True)
        self._thread.start()
        self._session = None
        self.server_name = ""  # as the server introduces itself in initialize
        self._closing: asyncio.Event | None = None
        self._task = None
        try:
            with _STARTING:
                before = _children()
                try:
                    self._wait(self._start(), start_timeout, "start")
                finally:  # known even when the start failed, so close() can kill what it spawned
                    spawned = _children() - before
                    self.pid = spawned.pop() if len(spawned) == 1 else None
        except BaseException:
            self.close()
            raise

    def tools(self, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The server's tools (every page of ``tools/list``), as JSON objects."""

        from mcp.types import PaginatedRequestParams

        async def listing():
            tools, cursor = [], None
            while True:
                page = await self._session.list_tools(params=PaginatedRequestParams(cursor=cursor) if cursor else None)
                tools += [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in page.tools]
                cursor = page.next_cursor
                if not cursor:
                    return tools

        return self._wait(listing(), timeout, "tools/list")

    def call(self, name: str, arguments: dict[str, Any], timeout: float = 30.0) -> tuple[bool, Any]:
        """(ok, output): the structured content where the server gives one, else the text (parsed as
        JSON where it is JSON). A result marked ``isError`` is (False, its text). Raises McpError
        when the server hangs past ``timeout`` or is gone."""

        async def calling():
            return await self._session.call_tool(name, arguments)

        result = self._wait(calling(), timeout, f"tools/call {name}")
        text = "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")
        if result.is_error:
            return False, text or "the tool reported an error"
        if result.structured_content is not None:
            return True, result.structured_content
        if text and len(result.content) == 1:
            try:
                return True, json.loads(text, parse_constant=_no_constant)
            except ValueError:
                return True, text
        return True, [c.model_dump(mode="json", by_alias=True, exclude_none=True) for c in result.content]

    def close(self) -> None:
        """End the session and stop the server (the SDK closes stdin, then terminates, then kills)."""
        if self._closing is not None and self._task is not None and not self._task.done():
            self._loop.call_soon_threadsafe(self._closing.set)
            wait = asyncio.wait_for(asyncio.shield(self._task), 10)
            with contextlib.suppress(Exception):  # a server that will not stop is killed below
                asyncio.run_coroutine_threadsafe(wait, self._loop).result(12)
        self.kill_server()
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def kill_server(self) -> None:
        """SIGKILL the stdio server's process group (it runs in one of its own)."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)

    # -- the event loop side --------------------------------------------------------------------

    def _submit(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def _wait(self, coro, timeout: float, what: str) -> Any:
        if self._task is not None and self._task.done():
            raise McpError(f"{self.spec.name}: the server is gone ({self._ended()})")
        future = self._submit(coro)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            self.kill_server()
            raise McpError(f"{self.spec.name}: {what} got no answer within {timeout:g}s") from None
        except McpError:
            raise
        except Exception as exc:  # noqa: BLE001 - the SDK's own errors: a dead pipe, a bad message
            if self._task is not None and self._task.done():
                raise McpError(f"{self.spec.name}: {what} failed: the server is gone ({self._ended()})") from None
            raise McpError(f"{self.spec.name}: {what} failed: {type(exc).__name__}: {exc}") from None

    def _ended(self) -> str:
        exc = self._task.exception() if self._task.done() and not self._task.cancelled() else None
        return f"{type(exc).__name__}: {exc}" if exc else "it exited"

    async def _start(self) -> None:
        self._closing = asyncio.Event()
        started: asyncio.Future = self._loop.create_future()
        self._task = self._loop.create_task(self._serve(started))
        done, _ = await asyncio.wait({started, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if started in done:
            return started.result()
        started.cancel()
        raise McpError(f"{self.spec.name}: the server did not start ({self._ended()})")

    async def _serve(self, started: asyncio.Future) -> None:
        """Hold the transport and the session open until ``close`` (the SDK's contexts must be
        entered and left by the same task)."""
        from mcp import ClientSession

        async with self._transport() as (read, write), ClientSession(read, write) as session:
            info = await session.initialize()
            self.server_name = info.server_info.name
            self._session = session
            if not started.done():
                started.set_result(None)
            await self._closing.wait()

    def _transport(self):
        spec = self.spec
        if spec.url:
            from mcp.client.streamable_http import streamable_http_client

            return streamable_http_client(spec.url)
        from mcp.client.stdio import StdioServerParameters, stdio_client

        params = StdioServerParameters(command=spec.command, args=list(spec.args), env=dict(spec.env), cwd=spec.cwd)
        return stdio_client(params, errlog=self._errlog or _devnull())


def _children() -> set[int]:
    """This process's child processes (Linux /proc; empty elsewhere)."""
    found: set[int] = set()
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as f:
                found |= {int(p) for p in f.read().split()}
    except OSError:
        pass
    return found


_STARTING = threading.Lock()  # one start at a time, so the one new child is the server


def _fresh_start_lock() -> None:
    """A tool worker forked while another thread starts a server must not inherit the held lock."""
    global _STARTING
    _STARTING = threading.Lock()


os.register_at_fork(after_in_child=_fresh_start_lock)


def _devnull() -> IO[str]:
    return open(os.devnull, "w")  # noqa: SIM115 - the server's stderr for as long as it runs


def _no_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")
