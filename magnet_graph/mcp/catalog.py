"""Catalogs from live MCP servers: each server is started once, asked for ``tools/list``, and stopped.

Every tool becomes a signature of execution kind ``mcp`` that carries its server's spec, so any
later process (a synthesis worker, a replay) can start the server again and run the tool.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from ..catalogs.common import dedupe
from ..catalogs.json_files import mcp_signature
from ..errors import CatalogError
from ..signature import FunctionSignature
from .client import McpClient, McpError
from .servers import ServerSpec, clean_name, parse_source
from .toolkit import KIND


def load_mcp(source: str) -> list[FunctionSignature]:
    """The tools of every server an ``mcp:`` source names (``servers.parse_source``); each server
    is its own toolkit. All servers are asked before any error is raised, and every problem is named."""
    sigs, problems = [], []
    for spec in parse_source(source):
        try:
            sigs += _server_tools(source, spec)
        except (McpError, CatalogError) as exc:
            problems.append(str(exc))
    if problems:
        raise CatalogError(source, None, None, "; ".join(problems))
    return dedupe(sigs, source)


def _server_tools(source: str, spec: ServerSpec) -> list[FunctionSignature]:
    with tempfile.TemporaryDirectory(prefix="magnet-graph-mcp-list-") as box:
        client = McpClient(spec.in_sandbox(Path(box)) if spec.sandboxed else spec)
        try:
            tools = client.tools()
        finally:
            client.close()
    spec = replace(spec, name=spec.name or clean_name(client.server_name))
    if not tools:
        raise CatalogError(source, spec.name, None, "the server lists no tools")
    return [
        mcp_signature(tool, source, spec.name, i, {"kind": KIND, "server": spec.to_dict(), "tool": tool.get("name")})
        for i, tool in enumerate(tools)
    ]
