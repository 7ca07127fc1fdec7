"""magnet-graph: Magnet multi-turn tool-use data synthesis on a graph database.

The public API lives in ``magnet_graph.api`` and is re-exported here on first use, so that
``import magnet_graph`` (and ``magnet-graph --help``) stays light: ``magnet_graph.open_store``,
``load``, ``sample_paths``, ``synthesize``, ``read_run``, ``export``, ``Record``... (docs/python-api.md).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    api = importlib.import_module("magnet_graph.api")
    if name in api.__all__:
        return getattr(api, name)
    if name in globals():  # a submodule the import above bound (``magnet_graph.api`` itself)
        return globals()[name]
    raise AttributeError(f"module 'magnet_graph' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(["__version__", *importlib.import_module("magnet_graph.api").__all__])
