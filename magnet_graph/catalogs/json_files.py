"""Catalog files: OpenAI tools (JSON or JSONL) and MCP ``tools/list`` results, told apart by shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import CatalogError
from ..signature import FunctionSignature
from .common import dedupe, make_signature


def load_catalog_file(path: Path) -> list[FunctionSignature]:
    """Read an OpenAI tools or MCP tools/list file; the toolkit is the file's stem."""
    source = str(path)
    entries, kind = _entries(path, source)
    toolkit = path.stem
    sigs = []
    for i, entry in enumerate(entries):
        if kind == "mcp":
            sigs.append(_from_mcp(entry, source, toolkit, i))
        else:
            sigs.append(_from_openai(entry, source, toolkit, i))
    if not sigs:
        raise CatalogError(source, None, None, "no tools found")
    return dedupe(sigs, source)


def _entries(path: Path, source: str) -> tuple[list[Any], str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(source, None, None, f"cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = _jsonl(text, source)
    if isinstance(data, dict):
        if isinstance(data.get("result"), dict):  # a JSON-RPC response to tools/list
            data = data["result"]
        if "tools" in data:
            data = data["tools"]
        elif "name" in data or "function" in data:
            data = [data]
    if not isinstance(data, list):
        raise CatalogError(source, None, None, "expected a list of tools, a {\"tools\": [...]} object or JSONL")
    is_mcp = any(isinstance(e, dict) and ("inputSchema" in e or "outputSchema" in e) for e in data)
    return data, "mcp" if is_mcp else "openai"


def _jsonl(text: str, source: str) -> list[Any]:
    rows = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CatalogError(f"{source}:{lineno}", None, None, f"invalid JSON: {exc.msg}") from None
    return rows


def _from_openai(entry: Any, source: str, toolkit: str, i: int) -> FunctionSignature:
    if not isinstance(entry, dict):
        raise CatalogError(source, f"#{i}", None, "tool entry must be a JSON object")
    if "function" in entry:
        if entry.get("type", "function") != "function":
            raise CatalogError(source, f"#{i}", "type", f"unsupported tool type {entry.get('type')!r}")
        entry = entry["function"]
        if not isinstance(entry, dict):
            raise CatalogError(source, f"#{i}", "function", "must be a JSON object")
    return make_signature(
        source=source,
        original_name=entry.get("name"),
        description=entry.get("description"),
        parameters=entry.get("parameters"),
        output=entry.get("response", entry.get("output")),
        output_description=entry.get("output_description", ""),
        toolkit=toolkit,
        category=entry.get("category") or toolkit,
        execution={"kind": "simulated"},
        position=i,
    )


def _from_mcp(entry: Any, source: str, toolkit: str, i: int) -> FunctionSignature:
    if not isinstance(entry, dict):
        raise CatalogError(source, f"#{i}", None, "tool entry must be a JSON object")
    return make_signature(
        source=source,
        original_name=entry.get("name"),
        description=entry.get("description") or (entry.get("annotations") or {}).get("title"),
        parameters=entry.get("inputSchema"),
        output=entry.get("outputSchema"),
        toolkit=toolkit,
        category=toolkit,
        execution={"kind": "simulated"},
        position=i,
    )
