"""Fixtures of the hostile corpus: a small BFCL graph on the embedded store, a slow scripted teacher."""

from __future__ import annotations

import time

import pytest

from tests.helpers import cli
from tests.openai_stub_server import ScriptedChatServer, offline_teacher_reply

CLASSES = ("bfcl:GorillaFileSystem", "bfcl:TwitterAPI", "bfcl:MathAPI")


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    """An embedded store holding three BFCL classes, edges inferred."""
    root = tmp_path_factory.mktemp("hostile") / "store"
    uri = f"embedded://{root}"
    cli("load", *CLASSES, "--store", uri)
    yield uri
    cli("store", "stop", "--store", uri, check=False)


@pytest.fixture
def slow_teacher():
    """The offline templates over real HTTP, 30 ms a reply: a run lasts long enough to be killed."""
    server = ScriptedChatServer(lambda request: (time.sleep(0.03), offline_teacher_reply(request))[1])
    yield server
    server.close()
