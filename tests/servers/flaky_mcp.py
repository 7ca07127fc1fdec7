"""A small MCP server (the SDK's server side) whose tools fail the ways real servers do.

Run over stdio: ``python tests/servers/flaky_mcp.py``. Its state (a counter) lives in the process,
so a client that restarts it must replay its calls to get the state back.
"""

from __future__ import annotations

import os
import sys
import time

from mcp.server.mcpserver import MCPServer

server = MCPServer("flaky")
_total = {"value": 0}


@server.tool()
def add(amount: int) -> dict:
    """Add an amount to the running total and return the new total."""
    _total["value"] += amount
    return {"total": _total["value"]}


@server.tool()
def total() -> dict:
    """The running total."""
    return {"total": _total["value"]}


@server.tool()
def hang(seconds: float = 600) -> str:
    """Sleep (a tool that never answers in time)."""
    time.sleep(seconds)
    return "woke"


@server.tool()
def crash() -> str:
    """Kill this server's process."""
    sys.stdout.flush()
    os._exit(3)


@server.tool()
def garbage() -> str:
    """Write a line that is not JSON-RPC onto the transport, then answer."""
    sys.stdout.write("this is not json\n")
    sys.stdout.flush()
    return "after garbage"


@server.tool()
def huge(size: int) -> str:
    """Return ``size`` characters."""
    return "x" * size


@server.tool()
def fail(reason: str) -> str:
    """Fail with the given reason (a tool error, isError)."""
    raise ValueError(reason)


if __name__ == "__main__":
    print("flaky server starting", file=sys.stderr)
    server.run("stdio")
