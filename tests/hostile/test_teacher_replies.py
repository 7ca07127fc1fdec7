"""Teachers that fail: down, answering with text that is not Unicode, echoing the API key. Each
costs the paths it touched (recorded, retried by ``--resume``), never the run or a secret."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from tests.helpers import cli, rows
from tests.hostile.corpus import REPLIES, check_strict_json, written_files
from tests.openai_stub_server import ScriptedChatServer, offline_teacher_reply

pytestmark = pytest.mark.slow

KEY = "sk-hostile-" + "0123456789abcdefghijklmnopqrstuvwxyzABCD"
DATA_FILES = ("trajectories.jsonl", "dropped.jsonl", "sft.jsonl", "dpo.jsonl", "mdpo.jsonl")


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # nothing listens there now: connection refused


def _args(store: str, url: str, cache: Path) -> list[str]:
    return ["-n", "5", "--seed", "4", "--store", store, "--concurrency", "1", "--teacher", "openai:scripted",
            "--base-url", url, "--cache-dir", str(cache), "--teacher-retries", "0"]  # fmt: skip


def _env() -> dict[str, str]:
    return {**os.environ, "OPENAI_API_KEY": KEY}


def test_an_unreachable_teacher_fails_the_run_and_resume_against_a_working_one_finishes_it(small_store, tmp_path):
    server = ScriptedChatServer(offline_teacher_reply)
    try:
        whole, cut = tmp_path / "whole", tmp_path / "cut"
        cli("synthesize", "--out", str(whole), *_args(small_store, server.base_url, tmp_path / "c1"), env=_env())
        down = cli("synthesize", "--out", str(cut), *_args(small_store, _closed_port_url(), tmp_path / "c2"),
                   env=_env(), check=False)  # fmt: skip
        assert down.returncode == 1, down.stdout + down.stderr
        assert "failed on teacher or environment errors" in down.stderr and "--resume" in down.stderr
        assert "stopped after 8 paths failed on errors" in down.stderr
        errors = rows(cut / "errors.jsonl")
        assert len(errors) == 8 and all(e["stage"] == "error" for e in errors)
        back = cli("synthesize", "--out", str(cut), "--resume", *_args(small_store, server.base_url, tmp_path / "c2"),
                   env=_env())  # fmt: skip
        assert back.returncode == 0
    finally:
        server.close()
    for name in DATA_FILES:
        assert (cut / name).read_bytes() == (whole / name).read_bytes(), name
    report = json.loads((cut / "report.json").read_text())
    assert report["errors"] == {"paths_failed": 8, "tries": 8, "retryable": 0, "given_up": 0}
    assert report["failure"] == ""
    paid, whole_paid = report["teacher"], json.loads((whole / "report.json").read_text())["teacher"]
    assert paid["sessions"] == 2 and paid["calls"] == whole_paid["calls"] > 0  # the resumed session's calls count
    assert paid["failures"] >= 8 and [s["failures"] > 0 for s in paid["by_session"]] == [True, False]
    cli("eval", "data", str(cut))
    assert json.loads((cut / "eval" / "eval_data.json").read_text())["teacher"]["calls"] == whole_paid["calls"]


def test_resume_retries_an_error_path_at_most_three_times_then_reports_it(small_store, tmp_path):
    """A path whose teacher always fails is tried 3 times over three sessions, then counted as dropped."""
    calls = {"n": 0}
    lock = threading.Lock()

    def flaky(request):  # every request of one path fails: the one whose task mentions "sort"
        with lock:
            calls["n"] += 1
        if "sort" in json.dumps(request["messages"]):
            return 400, {"error": {"message": "bad request"}}
        return offline_teacher_reply(request)

    server = ScriptedChatServer(flaky)
    try:
        out = tmp_path / "run"
        args = _args(small_store, server.base_url, tmp_path / "c")
        codes = [cli("synthesize", "--out", str(out), *(["--resume"] if i else []), *args, env=_env(),
                     check=False).returncode for i in range(4)]  # fmt: skip
    finally:
        server.close()
    report = json.loads((out / "report.json").read_text())
    failed = report["errors"]["paths_failed"]
    assert failed >= 1, "no path hit the failing teacher: the fixture no longer exercises retries"
    assert codes[:2] == [1, 1] and codes[3] == codes[2]
    tries = {}
    for row in rows(out / "errors.jsonl"):
        tries[row["id"]] = tries.get(row["id"], 0) + 1
    assert set(tries.values()) == {3}
    assert report["errors"]["given_up"] == failed and report["errors"]["retryable"] == 0


@pytest.mark.parametrize("name", sorted(REPLIES))
def test_a_hostile_reply_costs_one_path_and_leaves_the_files_clean(small_store, tmp_path, name):
    bad = REPLIES[name](KEY)
    seen = {"n": 0}
    lock = threading.Lock()

    def reply(request):
        with lock:
            seen["n"] += 1
            n = seen["n"]
        return bad if n == 4 else offline_teacher_reply(request)

    server = ScriptedChatServer(reply)
    cache = tmp_path / "cache"
    try:
        done = cli("synthesize", "--out", str(tmp_path / "run"), *_args(small_store, server.base_url, cache),
                   env=_env(), check=False)  # fmt: skip
    finally:
        server.close()
    out = tmp_path / "run"
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    assert rows(out / "trajectories.jsonl"), "the run did not continue past the bad reply"
    dropped = rows(out / "dropped.jsonl")
    assert [d for d in dropped if d["stage"] in ("error", "distill", "translate")], "the bad reply left no trace"
    for path in written_files(out, cache):
        text = path.read_text(encoding="utf-8")  # strict UTF-8: a lone surrogate cannot be in it
        assert KEY not in text and KEY[:22] not in text, f"{path} holds the API key"
    assert check_strict_json(out) >= 8 and check_strict_json(cache) >= 1
    leftovers = list(cache.glob("**/*.tmp"))
    assert not leftovers
    for path in cache.glob("*/*.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert KEY not in done.stdout + done.stderr
