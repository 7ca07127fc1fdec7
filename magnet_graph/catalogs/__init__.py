"""Catalog importers: every source becomes a list of FunctionSignature, or a CatalogError.

Built in: ``python:package.module:ClassName`` and files (OpenAI tools JSON/JSONL, MCP tools/list
results). Integrations claim sources of their own (``bfcl``, ``bfcl:ClassName``).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CatalogError
from ..integrations import installed
from ..signature import FunctionSignature
from .common import dedupe
from .json_files import load_catalog_file
from .python_class import load_python_class

BUILT_IN_SOURCES = "python:package.module:ClassName | PATH (OpenAI tools JSON/JSONL or MCP tools/list JSON)"


def source_help() -> str:
    """Every kind of source ``load_catalog`` reads, for help texts and errors."""
    return " | ".join([i.source_help for i in installed() if i.source_help] + [BUILT_IN_SOURCES])


def load_catalog(source: str) -> list[FunctionSignature]:
    """Import one catalog source (see ``source_help()``); nothing is written anywhere."""
    for integration in installed():
        found = integration.load_catalog(source)
        if found is not None:
            return found
    if source.startswith("python:"):
        return load_python_class(source)
    path = Path(source)
    if path.is_dir():
        raise CatalogError(source, None, None, "is a directory; name the catalog file")
    if path.exists() and not path.is_file():  # /dev/zero, a FIFO: reading it would never end
        raise CatalogError(source, None, None, "not a regular file; name a catalog file")
    if not path.is_file():
        raise CatalogError(source, None, None, f"no such file, and not one of: {source_help()}")
    return load_catalog_file(path)


def load_catalogs(sources: list[str]) -> list[FunctionSignature]:
    """Import several sources, all validated before any is returned (a bad one rejects the lot).

    A function that two sources both define (same toolkit and name) is kept once if the definitions
    agree and rejected if they differ.
    """
    return dedupe([sig for source in sources for sig in load_catalog(source)], ", ".join(sources))
