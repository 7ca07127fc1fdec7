"""Where the explorer reads from, set by ``magnet-graph app``: the store (``MAGNET_GRAPH_STORE``, read
by ``store.open_store``), the graph partition (``MAGNET_GRAPH_GRAPH``) and a synthesize run
directory (``MAGNET_GRAPH_RUN``)."""

from __future__ import annotations

import os
from pathlib import Path


def graph_name() -> str:
    from ..store import DEFAULT_GRAPH

    return os.environ.get("MAGNET_GRAPH_GRAPH") or DEFAULT_GRAPH


def run_dir() -> Path | None:
    value = os.environ.get("MAGNET_GRAPH_RUN")
    return Path(value) if value else None
