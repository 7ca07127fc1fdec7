"""MCP: live Model Context Protocol servers as catalogs and as executable environments.

An integration (entry point ``magnet_graph.integrations: mcp``), built on the official ``mcp``
SDK's client side. What it adds:

- catalogs ``mcp:stdio:COMMAND``, ``mcp:http(s)://URL`` and ``mcp:FILE.json`` (an ``mcpServers``
  config), each server its own toolkit (``servers``, ``catalog``);
- an environment of live servers, one session per conversation, each server isolated in a
  sandbox directory of its own or restarted per conversation (``toolkit``, ``client``).
"""

from __future__ import annotations

import random
from typing import Any

from ..integrations import Integration
from ..signature import FunctionSignature
from .servers import ServerSpec, is_mcp_source
from .toolkit import KIND, McpToolkit, initial_state

CALL_TIMEOUT = 20.0  # a tool call's limit inside the worker: a hang costs that call, not the conversation


class McpBackend:
    """Runs ``mcp`` tools: an ``McpToolkit`` per conversation, sandboxes drawn per trajectory."""

    request_timeout = 120.0  # a worker request may start several servers (``npx`` may fetch one)

    def __init__(self, call_timeout: float = CALL_TIMEOUT):
        self.call_timeout = call_timeout  # travels with the toolkit's factory to the worker

    def toolkit(self, signatures: list[FunctionSignature], *, log_path: str | None = None) -> McpToolkit:
        return McpToolkit(signatures, call_timeout=self.call_timeout, log_path=log_path)

    def initial_state(self, signatures: list[FunctionSignature], rng: random.Random) -> dict[str, Any]:
        specs = {s.execution["server"]["name"]: ServerSpec.from_dict(s.execution["server"]) for s in signatures}
        states = {name: initial_state(specs[name], rng) for name in sorted(specs)}
        return {name: state for name, state in states.items() if state is not None}


class McpIntegration(Integration):
    name = "mcp"
    source_help = "mcp:stdio:COMMAND | mcp:http(s)://HOST/PATH | mcp:SERVERS.json"
    packages = ("mcp",)
    toolkit_backends = {KIND: McpBackend()}

    def load_catalog(self, source: str) -> list[FunctionSignature] | None:
        if not is_mcp_source(source):
            return None
        from .catalog import load_mcp

        return load_mcp(source)


integration = McpIntegration()

__all__ = ["McpIntegration", "integration"]
