"""Catalog files: OpenAI tools (JSON or JSONL) and MCP ``tools/list`` results, each entry read by its shape."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..errors import CatalogError
from ..signature import FunctionSignature
from .common import dedupe, make_signature


def load_catalog_file(path: Path) -> list[FunctionSignature]:
    """Read an OpenAI tools or MCP tools/list file; the toolkit is the file's stem.

    Each entry is read by its own shape: one with ``inputSchema``/``outputSchema`` is an MCP tool,
    any other an OpenAI one.
    """
    source = str(path)
    toolkit = path.stem
    sigs = []
    for i, entry in enumerate(_entries(path, source)):
        is_mcp = isinstance(entry, dict) and ("inputSchema" in entry or "outputSchema" in entry)
        sigs.append((mcp_signature if is_mcp else _from_openai)(entry, source, toolkit, i))
    if not sigs:
        raise CatalogError(source, None, None, "no tools found")
    return dedupe(sigs, source)


def _entries(path: Path, source: str) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(source, None, None, f"cannot read: {exc}") from None
    try:
        data = _parse(text, source)
    except RecursionError:
        raise CatalogError(source, None, None, "invalid JSON: nested too deeply") from None
    if isinstance(data, dict):
        if isinstance(data.get("result"), dict):  # a JSON-RPC response to tools/list
            data = data["result"]
        if "tools" in data:
            data = data["tools"]
        elif "name" in data or "function" in data:
            data = [data]
    if not isinstance(data, list):
        raise CatalogError(source, None, None, 'expected a list of tools, a {"tools": [...]} object or JSONL')
    return data


def _parse(text: str, source: str) -> Any:
    """One JSON document, or JSONL; a syntax error names the line of whichever parse got further."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        whole = exc
    except ValueError:  # an integer of more digits than int() converts
        limit = sys.get_int_max_str_digits()
        raise CatalogError(source, None, None, f"invalid JSON: an integer of more than {limit} digits") from None
    rows = []
    for lineno, line in enumerate(text.split("\n"), start=1):  # as JSON counts lines (not U+2028...)
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as line_error:
                error = line_error
                if whole.lineno > lineno:  # a multi-line JSON document, not JSONL
                    error, lineno = whole, whole.lineno
                raise CatalogError(f"{source}:{lineno}", None, None, f"invalid JSON: {error.msg}") from None
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


def mcp_signature(
    entry: Any, source: str, toolkit: str, i: int, execution: dict[str, Any] | None = None
) -> FunctionSignature:
    """One MCP tool (a ``tools/list`` entry); ``execution``: how it runs (default: simulated, for a
    saved listing with no server behind it)."""
    if not isinstance(entry, dict):
        raise CatalogError(source, f"#{i}", None, "tool entry must be a JSON object")
    annotations = entry.get("annotations")
    title = annotations.get("title") if isinstance(annotations, dict) else None
    return make_signature(
        source=source,
        original_name=entry.get("name"),
        description=entry.get("description") or title,
        parameters=entry.get("inputSchema"),
        output=entry.get("outputSchema"),
        toolkit=toolkit,
        category=toolkit,
        execution=execution or {"kind": "simulated"},
        position=i,
    )
