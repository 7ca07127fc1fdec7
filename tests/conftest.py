"""Shared fixtures: real graph servers (embedded ArcadeDB and real Neo4j), one graph per test."""

from __future__ import annotations

import os
import re
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


def _requests_neo4j(item) -> bool:
    callspec = getattr(item, "callspec", None)
    return "neo4j_uri" in item.fixturenames or (callspec is not None and "neo4j" in callspec.params.values())


def pytest_collection_modifyitems(config, items):
    """A test on the real Neo4j server is slow: the server starts in a JVM the first time (~15-45 s)."""
    for item in items:
        if _requests_neo4j(item):
            item.add_marker(pytest.mark.slow)


SLOW_MODULE = re.compile(r"^pytestmark = pytest\.mark\.slow\b", re.M)


def pytest_ignore_collect(collection_path, config):
    """With slow tests deselected (``-m "not slow"``), a module marked slow as a whole is not even
    imported: several load torch, transformers or Streamlit, which alone costs ~15 s."""
    if collection_path.suffix != ".py" or "not slow" not in (config.getoption("markexpr") or ""):
        return None
    return True if SLOW_MODULE.search(collection_path.read_text(encoding="utf-8")) else None
