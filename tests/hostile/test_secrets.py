"""Secrets stay where the user put them: error text is redacted before it is stored or printed, and
the embedded graph server, which needs none, is started without them in its environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from magnet_graph.errors import REDACTED, redact
from tests.helpers import cli

KEY = "sk-proj-" + "Zx81" * 10


@pytest.mark.parametrize(
    "text",
    [
        f"401: {{'authorization': 'Bearer {KEY}'}}",
        f'{{"headers": {{"Authorization": "Bearer {KEY}"}}}}',
        f"invalid api_key={KEY}",
        f"x-api-key: {KEY}",
        f"unknown key {KEY} for this deployment",
        f"unknown key {KEY[:22]}",  # a prefix cut by a log line
    ],
)
def test_key_shapes_and_pieces_of_secret_variables_are_redacted(text, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    cleaned = redact(text)
    assert REDACTED in cleaned and KEY not in cleaned and KEY[8:22] not in cleaned, cleaned


def test_redaction_leaves_ordinary_text_alone(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    text = "turn 2: get_order_history: order ord-20931 not found (retry after login)"
    assert redact(text) == text


@pytest.mark.slow
def test_the_embedded_server_runs_without_the_callers_secrets(tmp_path):
    uri = f"embedded://{tmp_path / 'store'}"
    env = {**os.environ, "OPENAI_API_KEY": KEY, "MY_SERVICE_TOKEN": "tok-" + "q" * 20}
    try:
        cli("graph", "stats", "--store", uri, env=env)  # starts the server with the caller's environment
        status = cli("store", "status", "--store", uri).stdout
        pid = int(status.split("running pid ")[1].split()[0])
        server_env = Path(f"/proc/{pid}/environ").read_bytes()
        assert b"PATH=" in server_env  # it is the server's real environment
        assert KEY.encode() not in server_env and b"MY_SERVICE_TOKEN" not in server_env
    finally:
        cli("store", "stop", "--store", uri, check=False)
