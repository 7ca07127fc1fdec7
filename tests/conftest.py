"""Shared fixtures: real graph servers (embedded ArcadeDB and real Neo4j), one graph per test."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from magnet_graph.store import embedded, open_store

FIXTURES = Path(__file__).parent / "fixtures"
STORES = ("arcadedb", "neo4j")


@pytest.fixture(scope="session")
def arcadedb_uri(tmp_path_factory):
    """The embedded default, started exactly as users get it: a server process on loopback."""
    root = tmp_path_factory.mktemp("arcadedb") / "store"
    embedded.ensure_server(root)
    yield f"embedded://{root}"
    embedded.stop_server(root)


@pytest.fixture(scope="session")
def neo4j_uri(tmp_path_factory):
    """Real Neo4j 5.26 Community from Maven Central jars (tests/servers/neo4j)."""
    if os.environ.get("MAGNET_GRAPH_SKIP_NEO4J") == "1":
        pytest.skip("MAGNET_GRAPH_SKIP_NEO4J=1")
    from tests.servers.neo4j_server import Neo4jServer

    with Neo4jServer(tmp_path_factory.mktemp("neo4j")) as server:
        yield server.uri


@pytest.fixture(params=STORES)
def store_uri(request):
    """Each contract test runs once per server."""
    return request.getfixturevalue(f"{request.param}_uri")


@pytest.fixture
def graph_name():
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def store(store_uri, graph_name):
    """A fresh graph partition on a real server, cleared afterwards."""
    with open_store(store_uri, graph_name) as s:
        yield s
        s.clear()
