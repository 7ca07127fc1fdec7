"""The graph store: ``open_store(uri, graph)`` for the embedded default or a Neo4j server."""

from __future__ import annotations

import os
from pathlib import Path

import neo4j
from neo4j.exceptions import AuthError, ServiceUnavailable

from ..errors import StoreError
from . import embedded
from .feeds import EDGE_KINDS, FeedsEdge
from .graph_store import GraphStore, LoadResult

DEFAULT_GRAPH = "default"
SERVER_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")
URI_HELP = "embedded://PATH, neo4j://HOST:PORT or bolt://HOST:PORT"

__all__ = [
    "DEFAULT_GRAPH",
    "EDGE_KINDS",
    "FeedsEdge",
    "GraphStore",
    "LoadResult",
    "default_uri",
    "embedded_root",
    "embedded_status",
    "open_store",
    "stop_embedded",
]


def default_uri() -> str:
    """``$MAGNET_GRAPH_STORE``, else the embedded store in ./.magnet-graph."""
    return os.environ.get("MAGNET_GRAPH_STORE") or f"embedded://{embedded.DEFAULT_ROOT}"


def embedded_root(uri: str) -> Path | None:
    """The folder of an ``embedded://`` URI, or None for a server URI."""
    if uri == "embedded":
        return embedded.DEFAULT_ROOT
    if uri.startswith("embedded://"):
        return Path(uri.removeprefix("embedded://") or embedded.DEFAULT_ROOT)
    return None


def _embedded_root_of(uri: str | None) -> Path:
    root = embedded_root(uri or default_uri())
    if root is None:
        raise StoreError(f"{uri}: not an embedded:// store (the embedded server is the only one magnet-graph runs)")
    return root


def embedded_status(uri: str | None = None) -> str:
    """Whether the embedded store's server at ``uri`` (default: the default store) is running, in words."""
    root = _embedded_root_of(uri)
    state = embedded.server_state(root.resolve())
    return state if isinstance(state, str) else f"running pid {state['pid']} at {state['uri']} ({root})"


def stop_embedded(uri: str | None = None) -> bool:
    """Stop the embedded store's server cleanly; False if it was not running."""
    return embedded.stop_server(_embedded_root_of(uri))


def open_store(uri: str | None = None, graph: str = DEFAULT_GRAPH) -> GraphStore:
    """Connect to the store at ``uri`` (starting the embedded server if needed)."""
    uri = uri or default_uri()
    root = embedded_root(uri)
    if root is not None:
        info = embedded.ensure_server(root)
        driver = neo4j.GraphDatabase.driver(info["uri"], auth=(info["user"], info["password"]))
        database, on_query = info["database"], (lambda: embedded.touch(root.resolve()))
    elif uri.split("://", 1)[0] in SERVER_SCHEMES:
        user = os.environ.get("MAGNET_GRAPH_USER") or os.environ.get("NEO4J_USERNAME") or "neo4j"
        password = os.environ.get("MAGNET_GRAPH_PASSWORD") or os.environ.get("NEO4J_PASSWORD")
        # Schema hints ("property key does not exist" on a fresh database) are noise for a tool.
        driver = neo4j.GraphDatabase.driver(
            uri,
            auth=(user, password) if password else None,
            notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF,
        )
        database, on_query = os.environ.get("MAGNET_GRAPH_DATABASE") or None, None
    else:
        raise StoreError(f"unknown store URI {uri!r}; expected {URI_HELP}")
    try:
        driver.verify_connectivity()
    except (ServiceUnavailable, AuthError, OSError, ValueError) as exc:
        driver.close()
        raise StoreError(f"cannot reach graph store {uri}: {exc}") from None
    return GraphStore(driver, database=database, graph=graph, uri=uri, on_query=on_query)
