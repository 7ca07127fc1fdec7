"""Catalog importers: every source becomes a list of FunctionSignature, or a CatalogError."""

from __future__ import annotations

from pathlib import Path

from ..errors import CatalogError
from ..signature import FunctionSignature
from .bfcl import load_bfcl
from .common import dedupe
from .json_files import load_catalog_file
from .python_class import load_python_class

SOURCE_HELP = (
    "bfcl | bfcl:ClassName | python:package.module:ClassName | PATH (OpenAI tools JSON/JSONL or MCP tools/list JSON)"
)


def load_catalog(source: str) -> list[FunctionSignature]:
    """Import one catalog source (see SOURCE_HELP); nothing is written anywhere."""
    if source == "bfcl" or source.startswith("bfcl:"):
        return load_bfcl(source)
    if source.startswith("python:"):
        return load_python_class(source)
    path = Path(source)
    if path.is_dir():
        raise CatalogError(source, None, None, "is a directory; name the catalog file")
    if not path.is_file():
        raise CatalogError(source, None, None, f"no such file, and not one of: {SOURCE_HELP}")
    return load_catalog_file(path)


def load_catalogs(sources: list[str]) -> list[FunctionSignature]:
    """Import several sources, all validated before any is returned (a bad one rejects the lot).

    A function that two sources both define (same toolkit and name) is kept once if the definitions
    agree and rejected if they differ.
    """
    return dedupe([sig for source in sources for sig in load_catalog(source)], ", ".join(sources))
