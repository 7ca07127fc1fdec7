"""`magnet-graph synthesize` end to end: the embedded store, BFCL's real classes, the offline teacher,
a teacher over real HTTP, a killed and resumed run, and BFCL's own checker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import magnet_graph as mg
from magnet_graph.environments import Episode, initial_state, open_environment
from magnet_graph.records import read_records
from magnet_graph.store import open_store
from magnet_graph.synthesis import prompts
from magnet_graph.teachers import OpenAICompatibleTeacher
from tests.helpers import cli, rows
from tests.openai_stub_server import ScriptedChatServer, chat_completion, offline_teacher_reply

pytestmark = pytest.mark.slow  # the whole module: synthesize runs on the BFCL graph

RUN_FILES = (
    "manifest.json",
    "paths.jsonl",
    "trajectories.jsonl",
    "sft.jsonl",
    "dpo.jsonl",
    "mdpo.jsonl",
    "report.json",
    "sharegpt.jsonl",
)
BFCL_FILES = ("entries.jsonl", "ground_truth.jsonl", "positive_result.jsonl", "negative_result.jsonl")
SMALL_MIX = "multi_turn=1,single=0.3,parallel=0.2,multiple=0.2,irrelevance=0.3"


@pytest.fixture(scope="module")
def bfcl_store(tmp_path_factory):
    """An embedded store holding the BFCL graph (loaded once, edges inferred)."""
    root = tmp_path_factory.mktemp("synth") / "store"
    uri = f"embedded://{root}"
    cli("load", "bfcl", "--store", uri)
    yield uri
    cli("store", "stop", "--store", uri, check=False)


@pytest.fixture(scope="module")
def offline_run(bfcl_store, tmp_path_factory):
    """The README's main command: synthesize -n 30 on the embedded store with the offline teacher."""
    here = tmp_path_factory.mktemp("run")
    done = cli(
        "synthesize", "--catalog", "bfcl", "-n", "30", "--seed", "0", "--out", "out", "--store", bfcl_store, cwd=here
    )  # a relative --out, as users type it
    assert "bfcl checker: positives accepted" in done.stdout
    return here / "out"


def test_no_identifier_is_carried_into_a_name_or_another_entitys_id(offline_run, bfcl_store):
    """Every value a demo conversation carries from an output into a later call fits the roles."""
    from magnet_graph.api import open_store, read_run
    from magnet_graph.synthesis.role_check import role_mismatches

    records = read_run(offline_run).records
    with open_store(bfcl_store) as store:
        signatures = {s.name: s for s in store.functions()}
    carried = role_mismatches(records, signatures)
    assert carried == [], carried[:5]
    report = json.loads((offline_run / "report.json").read_text())
    assert report["role_mismatches"] == []


def test_run_directory_has_every_file_and_bfcl_formats(offline_run):
    for name in RUN_FILES:
        assert (offline_run / name).stat().st_size > 0, name
    for name in BFCL_FILES:
        assert (offline_run / "bfcl" / name).stat().st_size > 0, name
    manifest = json.loads((offline_run / "manifest.json").read_text())
    assert manifest["teacher"] == "offline-template"
    assert manifest["config"]["n"] == 30 and manifest["versions"]["bfcl-eval"] == "2026.3.23"
    assert manifest["counts"]["records"] == len(rows(offline_run / "trajectories.jsonl"))
    assert manifest["counts"]["records"] + manifest["counts"]["dropped"] == len(rows(offline_run / "paths.jsonl"))
    assert sum(manifest["drops"].values()) == manifest["counts"]["dropped"]
    entry = rows(offline_run / "bfcl" / "entries.jsonl")[0]
    assert set(entry) >= {"id", "question", "initial_config", "involved_classes", "function", "missed_function"}
    truth = rows(offline_run / "bfcl" / "ground_truth.jsonl")[0]
    assert all("=" in call or call.endswith("()") for turn in truth["ground_truth"] for call in turn)


def test_bfcl_checker_accepts_positives_and_rejects_negatives(offline_run):
    bfcl = json.loads((offline_run / "report.json").read_text())["checks"]["bfcl"]
    assert bfcl["positives"] >= 10 and bfcl["error"] == ""
    assert bfcl["positive_accept_rate"] == 1.0, bfcl["details"]["positive"]["unexpected"]
    assert bfcl["negatives"] >= 10
    assert bfcl["negative_reject_rate"] >= 0.9, bfcl["details"]["negative"]["unexpected"]


def test_every_reference_call_executes_again_from_the_initial_state(offline_run, bfcl_store):
    """Independent of the run: replay each record's reference calls in a fresh environment."""
    with open_store(bfcl_store, "default") as store:
        signatures = {s.name: s for s in store.functions()}
    checked = 0
    for record in read_records(offline_run)[:40]:
        names = [t.name for t in record.tools] + [n for t in record.turns for n in t.added]
        names += [t.missing.function for t in record.turns if t.missing]
        with Episode([signatures[n] for n in dict.fromkeys(names)], record.initial_state) as episode:
            executor = episode.reset()
            for turn in record.turns:
                for step, outputs in zip(turn.calls, turn.outputs):
                    for call, expected in zip(step, outputs):
                        obs = executor.execute(call)
                        assert obs.ok, (record.id, call, obs.error)
                        assert json.dumps(obs.output, sort_keys=True) == json.dumps(expected, sort_keys=True)
                        checked += 1
                assert episode.state_hash() == turn.state_hash
    assert checked >= 20


def test_records_carry_lineage_and_no_hints(offline_run):
    records = read_records(offline_run)
    kinds = {r.kind for r in records}
    assert {"multi_turn", "single", "irrelevance"} <= kinds
    for r in records:
        lineage = r.lineage
        assert lineage.teacher == "offline-template" and lineage.prompt_versions == prompts.PROMPT_VERSIONS
        assert lineage.environment == "bfcl" and len(lineage.state_hashes) == len(r.turns)
        text = json.dumps([m.to_dict() for m in r.messages])
        assert "hint" not in text and prompts.TASK_MARKER not in text
        assert sum(m.role == "user" for m in r.messages) == len(r.turns)
        offered = {t.name for t in r.tools}
        assert len(offered) <= min(40, lineage.toolkit_tools) and set(lineage.distractors) <= offered
        assert {c.name for t in r.turns for step in t.calls for c in step} <= offered | {
            t.missing.function for t in r.turns if t.missing
        } | {a for t in r.turns for a in t.added}
    phenomena = json.loads((offline_run / "report.json").read_text())["phenomena"]["records"]
    assert phenomena["merge"] > 0 and phenomena["irrelevance"] > 0 and phenomena["miss_func"] > 0


def test_dpo_prompts_are_byte_identical_prefixes(offline_run):
    sft = {json.dumps(r["messages"], sort_keys=True) for r in rows(offline_run / "sft.jsonl")}
    pairs = rows(offline_run / "dpo.jsonl")
    mdpo = rows(offline_run / "mdpo.jsonl")
    assert len(pairs) == len(mdpo) > 0
    by_id = {r["id"]: r for r in rows(offline_run / "trajectories.jsonl")}
    for pair in pairs:
        chosen = by_id[pair["id"]]["messages"]
        prefix = json.dumps(chosen[: len(pair["prompt"])], sort_keys=True)
        assert json.dumps(pair["prompt"], sort_keys=True) == prefix
        assert pair["chosen"][0] != pair["rejected"][0] and pair["chosen"][0]["role"] == "assistant"
    assert all(any(row["chosen_assistant_mask"]) for row in mdpo)
    assert len(sft) == len(rows(offline_run / "sft.jsonl"))


def test_sft_rows_render_through_trl_qwen_template_with_assistant_masks(offline_run):
    from magnet_graph.training.render import training_chat_template
    from magnet_graph.training.tiny import build_tiny_tokenizer

    sft = rows(offline_run / "sft.jsonl")
    tokenizer = build_tiny_tokenizer([json.dumps(r) for r in sft[:50]], vocab_size=600)
    template = training_chat_template(tokenizer)  # trl's Qwen2.5 variant with {% generation %} markers
    for row in sft:
        for m in row["messages"]:
            for call in m.get("tool_calls") or []:
                assert isinstance(call["function"]["arguments"], dict)
                assert None not in call["function"]["arguments"].values()
        out = tokenizer.apply_chat_template(
            row["messages"],
            tools=json.loads(row["tools"]),
            chat_template=template,
            tokenize=True,
            return_dict=True,
            return_assistant_tokens_mask=True,
        )
        mask = out["assistant_masks"]
        assert 0 < sum(mask) < len(mask)
        text = tokenizer.decode([t for t, keep in zip(out["input_ids"], mask) if keep])
        last = row["messages"][-1]
        assert last["role"] == "assistant" and last["content"] in text  # the closing reply is trained on
        assert all(m["content"] not in text for m in row["messages"] if m["role"] == "user")


def test_same_run_with_a_teacher_and_student_over_http(bfcl_store, tmp_path):
    config = mg.SynthesisConfig(n=4, seed=5, mix={"multi_turn": 1, "single": 0.5, "irrelevance": 0.5}, concurrency=2)
    server = ScriptedChatServer(offline_teacher_reply)
    student = ScriptedChatServer(lambda request: (200, chat_completion('{"content": "All done."}')))
    try:
        with open_store(bfcl_store, "default") as store:
            offline = mg.synthesize(store, tmp_path / "offline", config)  # the offline teacher by default
            teacher = OpenAICompatibleTeacher("scripted", server.base_url, tmp_path / "cache")
            http = mg.synthesize(
                store,
                tmp_path / "http",
                config,
                teacher=teacher,
                student=OpenAICompatibleTeacher("student", student.base_url, tmp_path / "cache"),
            )
    finally:
        server.close()
        student.close()
    offline_rows, http_rows = rows(offline.out / "sft.jsonl"), rows(http.out / "sft.jsonl")
    assert offline_rows == http_rows and len(http_rows) > 0
    assert http.manifest["teacher_usage"]["calls"] == len(server.requests) > 0
    sources = http.report["negatives_by_source"]
    assert sources.get("student", 0) > 0
    labelled = [n for r in rows(http.out / "trajectories.jsonl") for n in r["negatives"] if n["source"] == "student"]
    assert all(n["error_type"] in prompts.ERROR_TYPES for n in labelled)


def test_killed_run_resumes_with_nothing_lost_or_duplicated(bfcl_store, tmp_path):
    server = ScriptedChatServer(lambda request: (time.sleep(0.02), offline_teacher_reply(request))[1])
    args = [
        "-n",
        "6",
        "--seed",
        "11",
        "--mix",
        SMALL_MIX,
        "--store",
        bfcl_store,
        "--teacher",
        "openai:scripted",
        "--base-url",
        server.base_url,
        "--concurrency",
        "2",
    ]
    env = {**os.environ, "OPENAI_API_KEY": "test"}
    try:
        whole = tmp_path / "whole"
        cli("synthesize", "--out", str(whole), *args, "--cache-dir", str(tmp_path / "warm"), env=env)
        cut = tmp_path / "cut"
        args += ["--cache-dir", str(tmp_path / "cold")]
        proc = subprocess.Popen(
            [sys.executable, "-m", "magnet_graph.cli", "synthesize", "--out", str(cut), *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.time() + 120
        while (
            time.time() < deadline
            and len(rows(cut / "trajectories.jsonl") if (cut / "trajectories.jsonl").exists() else []) < 2
        ):
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        partial = len(rows(cut / "trajectories.jsonl"))
        total = len(rows(whole / "paths.jsonl"))
        assert partial >= 2 and not (cut / "manifest.json").exists()
        assert partial + (len(rows(cut / "dropped.jsonl")) if (cut / "dropped.jsonl").exists() else 0) < total
        cli("synthesize", "--out", str(cut), "--resume", *args, env=env)
    finally:
        server.close()
    for name in ("trajectories.jsonl", "sft.jsonl", "dpo.jsonl", "mdpo.jsonl", "dropped.jsonl"):
        assert (cut / name).read_text() == (whole / name).read_text(), name
    ids = [r["id"] for r in rows(cut / "trajectories.jsonl")]
    assert len(ids) == len(set(ids))


def test_bad_resume_and_bad_teacher_are_one_line_errors(bfcl_store, tmp_path):
    out = tmp_path / "run"
    cli("synthesize", "-n", "2", "--mix", SMALL_MIX, "--out", str(out), "--store", bfcl_store)
    before = (out / "trajectories.jsonl").read_bytes()
    for args, needle in (
        (["-n", "2", "--mix", SMALL_MIX, "--out", str(out)], "already holds a run"),
        (["-n", "3", "--mix", SMALL_MIX, "--out", str(out), "--resume"], "config.n"),
        (["-n", "2", "--out", str(tmp_path / "x"), "--teacher", "gpt-4"], "unknown teacher"),
        (["-n", "2", "--out", str(tmp_path / "y"), "--mix", "multi_turn=x"], "--mix"),
    ):
        done = cli("synthesize", *args, "--store", bfcl_store, check=False)
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1 and needle in done.stderr, (
            done.stderr
        )
    assert (out / "trajectories.jsonl").read_bytes() == before


def test_dry_run_estimates_and_writes_nothing(bfcl_store, tmp_path):
    done = cli("synthesize", "-n", "5", "--out", str(tmp_path / "dry"), "--dry-run", "--store", bfcl_store)
    estimate = json.loads(done.stdout)
    assert estimate["paths"] > 5 and estimate["teacher_calls"] > estimate["paths"] and estimate["prompt_tokens"] > 0
    assert not (tmp_path / "dry").exists()


def test_checkpoint_and_rollback_restore_tool_state(bfcl_store):
    with open_store(bfcl_store, "default") as store:
        sigs = [s for s in store.functions() if s.toolkit == "GorillaFileSystem"]
    env = open_environment(sigs)
    try:
        env.reset(initial_state(sigs, 1))
        before = env.state_hash()
        env.checkpoint()
        assert env.call("mkdir", {"dir_name": "fresh_dir"})[0]
        made = env.state_hash()
        assert made != before
        env.checkpoint()  # checkpoints nest: an inner try rolls back to the outer one's changes
        assert env.call("mkdir", {"dir_name": "second_dir"})[0]
        env.rollback()
        assert env.state_hash() == made
        env.checkpoint()  # a kept inner try stays until the outer rollback
        assert env.call("mkdir", {"dir_name": "third_dir"})[0]
        env.release()
        assert env.state_hash() not in (made, before)
        env.rollback()
        assert env.state_hash() == before
    finally:
        env.close()


def test_paths_file_round_trips_and_refuses_edits(offline_run):
    from magnet_graph.errors import MagnetGraphError
    from magnet_graph.paths import SignaturePath

    lines = (offline_run / "paths.jsonl").read_text().splitlines()
    assert [SignaturePath.from_json(line).to_json() for line in lines] == lines
    edited = json.loads(lines[0])
    edited["turns"][0]["op"] = "forged"
    with pytest.raises(MagnetGraphError, match="do not match its id"):
        SignaturePath.from_json(json.dumps(edited))
