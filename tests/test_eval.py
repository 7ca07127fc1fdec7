"""`magnet-graph eval`: BFCL scoring of every category against scripted endpoints over real HTTP (and a
local tiny model), BFCL's own overall, `eval compare`, and the data report of a real synthesize run
with its contamination guard."""

from __future__ import annotations

import hashlib
import json

import pytest

from magnet_graph.bfcl.categories import MULTI_TURN_CATEGORY, RUNNABLE
from magnet_graph.bfcl.multi_turn import load_category
from tests.bfcl_endpoints import EntryIndex, coin, oracle, random_caller, replay, silent
from tests.helpers import cli, rows, synthesize_run
from tests.openai_stub_server import ScriptedChatServer

pytestmark = pytest.mark.slow  # the whole module: BFCL eval over local endpoints and synthesize runs


def _eval(server, out, *extra):
    done = cli("eval", "bfcl", "--model", "scripted", "--base-url", server.base_url, "--out", str(out), *extra)
    return json.loads(done.stdout)


def test_ground_truth_replay_scores_100_percent_on_every_multi_turn_category(tmp_path):
    limit = 12
    server = ScriptedChatServer(replay(EntryIndex(MULTI_TURN_CATEGORY, limit)))
    try:
        summary = _eval(server, tmp_path / "replay", "--category", "multi_turn", "--limit", str(limit))
    finally:
        server.close()
    assert set(summary["categories"]) == set(MULTI_TURN_CATEGORY)
    for category, score in summary["categories"].items():
        assert (score["correct"], score["total"], score["accuracy"]) == (limit, limit, 1.0), (category, score)
    assert summary["sections"]["multi_turn"] == 1.0 and summary["overall"] == 0.3  # BFCL weighs multi-turn 30%
    assert summary["bfcl_eval"] == "2026.3.23" and "v4" in summary["data"]
    results = rows(tmp_path / "replay" / "multi_turn_base" / "result.jsonl")
    assert any(m.get("tool_calls") for r in results for m in r["messages"])  # the calls went through the protocol
    # miss_func: the held-out function is offered only from its turn on, with BFCL's own message
    entry = next(e for e in load_category("miss_func", limit)[0] if e.get("missed_function"))
    held = next(iter(entry["missed_function"].values()))[0]
    conversation = [r for r in server.requests if f"[entry {entry['id']}]" in json.dumps(r["messages"])]
    offered = [held in {t["function"]["name"] for t in r["tools"]} for r in conversation]
    told = ["I have updated some more functions" in json.dumps(r["messages"]) for r in conversation]
    assert offered == told and any(offered) and not all(offered)


def _serve(reply, out, *extra):
    server = ScriptedChatServer(reply)
    try:
        return _eval(server, out, *extra), server.requests
    finally:
        server.close()


LEADERBOARD = """
import sys
from pathlib import Path

from magnet_graph.bfcl import scoring

scoring._load_vendor_handlers()  # BFCL's registry imports every vendor's SDK
scoring._register("scripted", True)
from bfcl_eval.eval_checker.eval_runner_helper import (
    generate_leaderboard_csv,
    update_leaderboard_table_with_local_score_file,
)

table = {}
update_leaderboard_table_with_local_score_file(table, Path(sys.argv[1]))
generate_leaderboard_csv(table, Path(sys.argv[2]))
"""


def test_an_oracle_scores_every_category_and_the_overall_is_bfcls_own(tmp_path):
    limit = 6
    summary, requests = _serve(oracle(RUNNABLE, limit), tmp_path / "oracle", "--limit", str(limit))
    assert set(summary["categories"]) == set(RUNNABLE) and len(RUNNABLE) == 17
    for category, score in summary["categories"].items():
        assert (score["correct"], score["total"]) == (limit, limit), (category, score)
    assert {"web_search_base", "memory_kv"} <= set(summary["not_run"])
    assert summary["sections"]["agentic"] is None and summary["overall_without_agentic"] == 1.0
    # the overall BFCL's own generate_leaderboard_csv computes from the same score files
    script = tmp_path / "leaderboard.py"
    script.write_text(LEADERBOARD)
    import subprocess
    import sys

    board = tmp_path / "board"
    board.mkdir()
    subprocess.run([sys.executable, str(script), str(tmp_path / "oracle" / "score"), str(board)], check=True)
    header, row = (line.split(",") for line in (board / "data_overall.csv").read_text().splitlines())
    official = dict(zip(header, row))
    ours = {
        "Overall Acc": summary["overall"],
        "Non-Live AST Acc": summary["sections"]["non_live"],
        "Live Acc": summary["sections"]["live"],
        "Multi Turn Acc": summary["sections"]["multi_turn"],
        "Irrelevance Detection": summary["sections"]["irrelevance"],
        "Relevance Detection": summary["relevance"],
    }
    assert {k: official[k] for k in ours} == {k: f"{v * 100:.2f}%" for k, v in ours.items()}
    assert official["Overall Acc"] == "60.00%"  # the agentic 40% is not run and counts 0, as in BFCL
    ours_csv = dict(
        zip(
            *(line.split(",") for line in (tmp_path / "oracle" / "score" / "data_overall.csv").read_text().splitlines())
        )
    )
    assert ours_csv["Overall Acc"] == official["Overall Acc"]
    # the single-turn protocol: BFCL's tools (dots become underscores), one request per entry
    single = [r for r in requests if r.get("tools") and "[entry" not in json.dumps(r["messages"])]
    assert all("." not in t["function"]["name"] for r in single for t in r["tools"])


@pytest.mark.parametrize("kind", ["never_calls", "random"])
def test_a_model_that_never_calls_or_calls_at_random_scores_near_zero(kind, tmp_path):
    reply = silent if kind == "never_calls" else random_caller(seed=7)
    summary, _ = _serve(reply, tmp_path / kind, "--limit", "5")
    scores = {c: s["accuracy"] for c, s in summary["categories"].items()}
    assert set(scores) == set(RUNNABLE)
    if kind == "never_calls":
        assert {c: a for c, a in scores.items() if a} == {"irrelevance": 1.0, "live_irrelevance": 1.0}
    else:  # any call answers live_relevance; a call of the right function with random values, nothing else
        assert scores["live_relevance"] >= 0.8 and scores["irrelevance"] <= 0.2
        assert max(a for c, a in scores.items() if c != "live_relevance") <= 0.2, scores
    assert summary["overall"] <= 0.1


def test_prompt_mode_asks_with_bfcls_system_prompt_and_parses_the_text(tmp_path):
    categories = ("simple_python", "multiple", "parallel", "live_simple", "irrelevance", "live_relevance")
    categories += ("multi_turn_base", "multi_turn_miss_func")
    summary, requests = _serve(
        oracle(categories, 5),
        tmp_path / "prompt",
        "--mode",
        "prompt",
        "--category",
        ",".join(categories),
        "--limit",
        "5",
    )
    assert summary["mode"] == "prompt" and set(summary["categories"]) == set(categories)
    assert all(s["accuracy"] == 1.0 for s in summary["categories"].values()), summary["categories"]
    assert requests and all(not r.get("tools") and r["messages"][0]["role"] == "system" for r in requests)


def test_eval_compare_puts_models_side_by_side(tmp_path):
    _serve(
        oracle(("simple_python", "irrelevance"), 4),
        tmp_path / "good",
        "--category",
        "simple_python,irrelevance",
        "--limit",
        "4",
    )
    _serve(silent, tmp_path / "quiet", "--category", "simple_python,irrelevance", "--limit", "4")
    plot = tmp_path / "compare.png"
    done = cli("eval", "compare", str(tmp_path / "good"), str(tmp_path / "quiet"), "--plot", str(plot))
    lines = done.stdout.splitlines()
    assert lines[0].split("|")[2:4] == [" good ", " quiet "]
    row = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:4]] for line in lines[2:]}
    assert row["simple_python"] == ["100.00%", "0.00%"] and row["irrelevance"] == ["100.00%", "100.00%"]
    # BFCL's weighting: non-live 10% (simple_python is a third of simple, a quarter of non-live),
    # irrelevance 10% (irrelevance is half of it); categories not run count 0
    assert row["overall"] == ["5.83%", "5.00%"] and row["non_live (section)"] == ["8.33%", "0.00%"]
    assert row["irrelevance (section)"] == ["50.00%", "50.00%"]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 5000
    missing = cli("eval", "compare", str(tmp_path / "good"), str(tmp_path / "nothing"), check=False)
    assert missing.returncode == 1 and "nothing" in missing.stderr and "scores.json" in missing.stderr


def test_an_endpoint_that_never_calls_a_tool_scores_near_zero(tmp_path):
    server = ScriptedChatServer(silent)
    try:
        summary = _eval(server, tmp_path / "silent", "--category", "base", "--limit", "30")
    finally:
        server.close()
    assert summary["categories"]["multi_turn_base"]["total"] == 30  # the short name is BFCL's multi_turn_base
    assert summary["categories"]["multi_turn_base"]["accuracy"] <= 0.05


def test_a_coin_flipping_endpoint_lands_in_between_exactly_on_its_heads(tmp_path):
    limit = 30
    server = ScriptedChatServer(coin(EntryIndex(("base",), limit), seed=3))
    try:
        summary = _eval(server, tmp_path / "coin", "--category", "base", "--limit", str(limit), "--concurrency", "1")
    finally:
        server.close()
    heads = {
        e["id"] for e in load_category("base", limit)[0] if hashlib.sha256(f"3:{e['id']}".encode()).digest()[0] % 2 == 0
    }
    verdicts = json.loads((tmp_path / "coin" / "multi_turn_base" / "verdicts.json").read_text())
    assert {i for i, reason in verdicts.items() if not reason} == heads
    assert 0.2 < summary["categories"]["multi_turn_base"]["accuracy"] == round(len(heads) / limit, 4) < 0.8


def test_a_rerun_resumes_and_asks_only_for_new_entries(tmp_path):
    server = ScriptedChatServer(replay(EntryIndex(("base",), 4)))
    try:
        _eval(server, tmp_path / "r", "--category", "base", "--limit", "2", "--concurrency", "1")
        first = len(server.requests)
        summary = _eval(server, tmp_path / "r", "--category", "base", "--limit", "4", "--concurrency", "1")
    finally:
        server.close()
    asked = {r["messages"][0]["content"] for r in server.requests[first:]}
    entries = load_category("base", 4)[0]
    assert asked == {e["question"][0][0]["content"] for e in entries[2:]}
    assert summary["categories"]["multi_turn_base"] == {
        "accuracy": 1.0,
        "correct": 4,
        "total": 4,
        "errors": {},
        "inference_errors": 0,
    }
    assert [r["id"] for r in rows(tmp_path / "r" / "multi_turn_base" / "result.jsonl")] == [e["id"] for e in entries]


def test_a_local_transformers_model_runs_the_same_protocol(tmp_path):
    from magnet_graph.bfcl.catalog import function_docs
    from magnet_graph.training.tiny import build_tiny_model

    entry = load_category("base", 1)[0][0]
    corpus = [json.dumps(d) for cls in entry["involved_classes"] for d in function_docs(cls)]
    model = build_tiny_model(tmp_path / "tiny", corpus + [json.dumps(entry["question"])])
    done = cli(
        "eval",
        "bfcl",
        "--model",
        "tiny",
        "--local",
        str(model),
        "--category",
        "base,simple_python",
        "--limit",
        "1",
        "--max-new-tokens",
        "16",
        "--out",
        str(tmp_path / "local"),
    )
    summary = json.loads(done.stdout)
    assert summary["model"] == "local:tiny" and summary["categories"]["multi_turn_base"]["total"] == 1
    assert summary["categories"]["simple_python"]["total"] == 1  # single-turn through the same model
    result = rows(tmp_path / "local" / "multi_turn_base" / "result.jsonl")[0]
    assert len(result["result"]) == len(load_category("base", 1)[0][0]["question"])  # every turn was asked
    assert result["messages"][-1]["role"] == "assistant"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "m"], "give exactly one of --base-url URL and --local PATH"),
        (["--model", "m", "--base-url", "http://127.0.0.1:9", "--category", "web_search"], "nothing to run (agentic"),
        (["--model", "m", "--base-url", "http://127.0.0.1:9", "--category", "simple"], "valid: all, multi_turn"),
        (["--model", "m", "--base-url", "http://127.0.0.1:9", "--mode", "chat"], "Invalid value for '--mode'"),
    ],
)
def test_bad_eval_arguments_are_one_line(args, message, tmp_path):
    done = cli("eval", "bfcl", *args, "--out", str(tmp_path / "x"), check=False)
    assert done.returncode == 1 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


# --- eval data -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return synthesize_run(tmp_path_factory.mktemp("evaldata"), n=12, seed=5)


def test_data_report_matches_the_run_files(run_dir, tmp_path):
    out = tmp_path / "report"
    done = cli("eval", "data", str(run_dir), "--out", str(out))
    assert "contamination bfcl 0 query / 0 state hits" in done.stdout
    report = json.loads((out / "eval_data.json").read_text())
    records = rows(run_dir / "trajectories.jsonl")
    multi = [r for r in records if r["kind"] == "multi_turn"]
    assert report["records"] == len(records) == sum(report["records_by_kind"].values())
    assert report["paths"] == len(rows(run_dir / "paths.jsonl"))
    turns = report["lengths"]["turns_per_multi_turn"]
    assert sum(turns["histogram"].values()) == len(multi)
    assert turns["mean"] == round(sum(len(r["turns"]) for r in multi) / len(multi), 2)
    shown = report["phenomena"]["records"]
    assert shown["irrelevance"] == report["records_by_kind"].get("irrelevance", 0)
    assert shown["miss_func"] == sum(
        1 for r in records if any((t.get("missing") or {}).get("kind") == "miss_func" for t in r["turns"])
    )
    assert report["phenomena"]["turns"]["miss_func"] >= shown["miss_func"]
    synthesis = json.loads((run_dir / "report.json").read_text())  # the run's own report: the same figures
    assert (synthesis["phenomena"], synthesis["lengths"]) == (report["phenomena"], report["lengths"])
    used = {c["name"] for r in records for t in r["turns"] for s in t["calls"] for c in s}
    assert report["coverage"]["functions_used"] == len(used) and report["coverage"]["functions_in_graph"] == 128
    assert report["executability"]["executed_ok"] == report["executability"]["reference_calls"] > 0
    assert report["checks"]["bfcl"]["positive_accept_rate"] == 1.0
    assert 0 < report["diversity"]["function_usage_entropy"] <= 1
    guard = report["contamination"]["bfcl"]
    assert guard["queries_checked"] > 0 and guard["states_checked"] > 0
    markdown = (out / "eval_data.md").read_text()
    for plot in ("kinds", "phenomena", "turns", "calls", "negatives"):
        png = out / f"{plot}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        assert f"({plot}.png)" in markdown


def test_data_report_reads_the_graph_edge_count_from_the_store(run_dir, tmp_path):
    store = f"embedded://{tmp_path / 'store'}"
    cli("load", "bfcl", "--store", store)
    try:
        cli("eval", "data", str(run_dir), "--out", str(tmp_path / "r"), "--store", store)
        stats = json.loads(cli("graph", "stats", "--json", "--store", store).stdout)
    finally:
        cli("store", "stop", "--store", store, check=False)
    coverage = json.loads((tmp_path / "r" / "eval_data.json").read_text())["coverage"]
    assert coverage["edges_in_graph"] == stats["edges"] > 0
    assert coverage["edge_share"] == round(coverage["edges_walked"] / stats["edges"], 4)


@pytest.mark.parametrize("leak", ["query", "state"])
def test_contamination_guard_catches_a_test_entry(run_dir, tmp_path, leak):
    leaked = tmp_path / "leaked"
    leaked.mkdir()
    for name in ("paths.jsonl", "dropped.jsonl", "report.json"):
        (leaked / name).write_text((run_dir / name).read_text())
    test = load_category("base", 5)[0][4]
    records = rows(run_dir / "trajectories.jsonl")
    target = next(r for r in records if r["kind"] == "multi_turn")
    if leak == "query":
        next(m for m in target["messages"] if m["role"] == "user")["content"] = test["question"][0][0]["content"]
    else:
        cls, state = next((c, s) for c, s in test["initial_config"].items() if s)
        target["initial_state"] = {cls: state}
    (leaked / "trajectories.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    done = cli("eval", "data", str(leaked), check=False)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    assert f"record {target['id']}" in done.stderr and test["id"] in done.stderr
    report = json.loads((leaked / "eval" / "eval_data.json").read_text())  # the report is still written
    assert report["contamination"]["bfcl"][f"{leak}_hits"] == 1
    assert cli("eval", "data", str(leaked), "--allow-contamination").returncode == 0


def test_near_copies_of_test_questions_are_caught_by_13_grams():
    from magnet_graph.bfcl.contamination import TestIndex

    test = load_category("long_context", 3)[0][2]
    question = test["question"][0][0]["content"]
    index = TestIndex([test])
    assert len(question.split()) >= 13
    words = question.split()
    assert index.query_hit("Please, " + " ".join(words[:13]).upper() + " thanks") == ("13-gram", test["id"])
    assert index.query_hit(" ".join(words[:12])) is None
    assert index.query_hit("Tell me the weather in Paris.") is None


def test_a_failed_inference_fails_its_entry_and_is_retried_on_rerun(tmp_path):
    index = EntryIndex(("base",), 3)
    play, broken = replay(index), {"multi_turn_base_1"}

    def flaky(request):
        if index.locate(request)[0] in broken:
            return 400, {"error": {"message": "context length exceeded"}}
        return play(request)

    server = ScriptedChatServer(flaky)
    try:
        first = _eval(server, tmp_path / "f", "--category", "base", "--limit", "3", "--concurrency", "1")
        base = first["categories"]["multi_turn_base"]
        assert base["correct"] == 2 and base["inference_errors"] == 1
        failed = next(r for r in rows(tmp_path / "f" / "multi_turn_base" / "result.jsonl") if r["error"])
        assert failed["id"] == "multi_turn_base_1" and "rejected the request" in failed["error"]
        broken.clear()
        index.started.clear()
        again = _eval(server, tmp_path / "f", "--category", "base", "--limit", "3", "--concurrency", "1")
        base = again["categories"]["multi_turn_base"]
        assert base["correct"] == 3 and base["inference_errors"] == 0
        other = cli(
            "eval",
            "bfcl",
            "--model",
            "another",
            "--base-url",
            server.base_url,
            "--out",
            str(tmp_path / "f"),
            "--category",
            "base",
            "--limit",
            "3",
            check=False,
        )
        assert other.returncode == 1 and "choose another --out" in other.stderr
    finally:
        server.close()


def test_every_entry_failing_is_one_error_not_a_zero_score(tmp_path):
    server = ScriptedChatServer(lambda request: (400, {"error": {"message": "no such model"}}))
    try:
        done = cli(
            "eval",
            "bfcl",
            "--model",
            "nope",
            "--base-url",
            server.base_url,
            "--out",
            str(tmp_path / "x"),
            "--category",
            "base",
            "--limit",
            "2",
            check=False,
        )
    finally:
        server.close()
    errors = [line for line in done.stderr.splitlines() if line.startswith("error")]  # besides the progress label
    assert done.returncode == 1 and len(errors) == 1 and "Traceback" not in done.stderr
    assert "every entry failed at inference" in errors[0] and "no such model" in errors[0]


class _Scripted:
    """A model that answers from a list, for the protocol's own edge cases (no network involved)."""

    name = "scripted-list"

    def __init__(self, replies):
        self.replies, self.seen = list(replies), []

    def respond(self, messages, tools):
        self.seen.append([m["role"] for m in messages])
        return self.replies.pop(0) if self.replies else {"role": "assistant", "content": "done"}


def _call(name, arguments, call_id="c"):
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments)},
    }


def test_rejected_calls_are_answered_with_errors_and_undecodable_ones_end_the_turn():
    from magnet_graph.bfcl.multi_turn import run_entry

    entry = load_category("base", 1)[0][0]
    model = _Scripted(
        [
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [_call("rm_everything", {}, "a"), _call("ls", {"a": True}, "b")],
            },
            {"role": "assistant", "content": "", "tool_calls": [_call("cd", {"folder=1,x": "y"}, "c")]},
            {"role": "assistant", "content": "", "tool_calls": [_call("pwd", "{not json", "d")]},
        ]
    )
    result = run_entry(entry, model, long_context=False)
    first_turn = [m for m in result.messages if m["role"] == "tool"][:4]
    assert first_turn[0]["tool_call_id"] == "a" and first_turn[0]["content"].startswith("Error during execution")
    assert first_turn[1]["tool_call_id"] == "b" and "error" not in first_turn[1]["content"].lower()
    assert first_turn[2]["content"].startswith("Error during execution") and "identifier" in first_turn[2]["content"]
    assert first_turn[3]["tool_call_id"] == "d" and "could not be decoded" in first_turn[3]["content"]
    assert result.result[0] == [[{"ls": '{"a": true}'}]]  # only what really ran is scored; the bad key never is
    assert len(result.result) == len(entry["question"]) and not result.force_terminated
