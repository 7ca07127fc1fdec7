"""Environments and the executor: real tools in a worker process; misbehaving tools cost one call."""

from __future__ import annotations

import importlib
import os
import select
import sys
import threading
import time

import pytest

os.environ.setdefault("BFCL_PROJECT_ROOT", os.path.join(os.path.dirname(__file__), ".bfcl-root"))

from magnet_graph.catalogs import load_catalog  # noqa: E402
from magnet_graph.environments import environment, initial_state, open_environment  # noqa: E402
from magnet_graph.execution import Executor  # noqa: E402
from magnet_graph.signature import FunctionSignature  # noqa: E402

from .test_embedded_store import _running  # noqa: E402

HAZARDS = "python:tests.fixtures.sample_tools:MoreHazards"  # every hazard: hang, flood, crash, fork...


@pytest.fixture
def hazards():
    env = open_environment(load_catalog(HAZARDS), timeout=1.0, output_cap=10_000)
    env.reset()
    yield env, Executor(env)
    env.close()


def test_a_hanging_tool_is_stopped_and_the_run_goes_on(hazards):
    env, ex = hazards
    start = time.perf_counter()
    hung = ex.execute("hang(seconds=60)")
    assert not hung.ok and "timed out" in hung.error and time.perf_counter() - start < 5
    env.reset()  # a fresh toolkit for the next trajectory
    assert ex.execute("echo(text='still here')").output == {"text": "still here", "calls": 1}


def test_floods_and_crashes_are_observations(hazards):
    env, ex = hazards
    flood = ex.execute("flood(size=50000)")
    assert not flood.ok and "exceeds the cap of 10000" in flood.error
    assert ex.execute("shout(times=10000)").output == {"printed": 10000}  # prints go nowhere
    crash = ex.execute("crash()")
    assert not crash.ok and "crashed" in crash.error
    env.reset()
    assert ex.execute("echo(text='ok')").ok


def test_wrong_calls_are_structured_errors_not_exceptions(hazards):
    _, ex = hazards
    cases = {
        "echo(text=3)": "invalid arguments: text: 3 is not of type 'string'",
        "echo()": "invalid arguments: arguments: 'text' is a required property",
        "rm(path='/')": "'rm' is not a tool of this environment",
        "echo(text=open('/etc/passwd').read())": "nested calls are not allowed",
    }
    for call, error in cases.items():
        obs = ex.execute(call)
        assert not obs.ok and error in obs.error, (call, obs)
    assert ex.execute({"name": "echo", "arguments": {"text": "hi"}}).output == {"text": "hi", "calls": 1}


def test_bfcl_environment_fresh_state_per_trajectory_and_snapshots():
    sigs = load_catalog("bfcl:TravelAPI") + load_catalog("bfcl:MathAPI")
    state = initial_state(sigs, seed=5)
    assert set(state) == {"TravelAPI", "MathAPI"} and state == initial_state(sigs, seed=5)
    env = open_environment(sigs)
    ex = Executor(env)
    try:
        env.reset(state)
        start_hash = env.state_hash()
        cards = ex.execute("get_all_credit_cards()")
        assert cards.ok and cards.output["credit_card_list"]
        card_id = sorted(cards.output["credit_card_list"])[0]
        budget = ex.execute(
            {"name": "get_credit_card_balance", "arguments": {"access_token": "wrong", "card_id": card_id}}
        )
        assert not budget.ok and budget.error  # a BFCL error result is an observation
        assert env.state_hash() == start_hash  # reads and failures leave the state alone
        changed = ex.execute("set_budget_limit(access_token='x', budget_limit=900.0)")
        after = env.state_hash()
        env.reset(state)
        assert env.state_hash() == start_hash and (changed.ok is False or after != start_hash)
        assert env.snapshot()["TravelAPI"]["credit_card_list"] == state["TravelAPI"]["credit_card_list"]
        assert env.kind == "bfcl"
    finally:
        env.close()


def test_simulated_environment_follows_the_output_schema_and_replays():
    sigs = load_catalog(os.path.join(os.path.dirname(__file__), "fixtures", "openai_tools.json"))
    outputs = []
    for _ in range(2):
        env = open_environment(sigs, seed=3)
        env.reset()
        ex = Executor(env)
        obs = ex.execute("search_flights(origin='SFO', destination='JFK', date='2026-12-01')")
        outputs.append(obs.output)
        assert env.kind == "simulated" and obs.ok and obs.output["simulated"] is True
        assert isinstance(obs.output["flight_ids"], list) and all(isinstance(f, str) for f in obs.output["flight_ids"])
        assert env.snapshot()["log"] == [
            {"tool": "search_flights", "arguments": {"origin": "SFO", "destination": "JFK", "date": "2026-12-01"}}
        ]
        other = ex.execute("search_flights(origin='SFO', destination='LAX', date='2026-12-01')")
        assert other.output != obs.output
        env.close()
    assert outputs[0] == outputs[1]  # replayable: same seed and call, same output


def test_hostile_inputs_never_raise(hazards):
    _, ex = hazards
    hostile = [
        "echo(text=0x" + "f" * 5000 + ")",
        "echo(text=" + "-" * 19000 + "1)",
        "echo(text=" + "9" * 30 + ")",
        {"function": "x"},
        {"name": None, "function": 5},
        {"name": "echo", "arguments": '{"text": ' + "9" * 5000 + "}"},
        {"name": "echo", "arguments": {"text": 10**40}},
        {"name": "echo", "arguments": {"text": "a", "x": lambda: 0}},
        {"name": "echo", "arguments": {"text": "a", "k" * 10**6: 1}},
        42,
        None,
    ]
    nested: list = []
    for _ in range(100):
        nested = [nested]
    hostile.append({"name": "echo", "arguments": {"text": "a", "x": nested}})
    for call in hostile:
        obs = ex.execute(call)
        assert not obs.ok and obs.error and len(obs.error) < 3000, (str(call)[:80], obs.error[:200])
    assert ex.execute("echo(text='((((((((((((((((((((((((((((((((((((((((')").ok  # brackets in strings are text


def test_unserialisable_output_is_an_error_and_the_state_survives(hazards):
    env, ex = hazards
    weird = ex.execute("weird_output()")
    assert not weird.ok and "TypeError" in weird.error
    assert ex.execute("echo(text='next')").output == {"text": "next", "calls": 2}  # no silent restart


def test_after_a_kill_calls_fail_until_reset(hazards):
    env, ex = hazards
    assert not ex.execute("hang(seconds=60)").ok
    after = ex.execute("echo(text='x')")
    assert not after.ok and "reset required" in after.error
    with pytest.raises(Exception, match="reset required"):
        env.snapshot()
    env.reset()
    assert ex.execute("echo(text='x')").output == {"text": "x", "calls": 1}


def test_processes_a_tool_forks_die_with_the_environment(hazards):
    env, ex = hazards
    child = ex.execute("fork()").output["child"]
    env.close()
    deadline = time.monotonic() + 10
    while _running(child):
        assert time.monotonic() < deadline, "a forked child outlived its environment"
        time.sleep(0.1)


def test_a_class_another_thread_is_importing_at_the_fork_still_resets(tmp_path, monkeypatch):
    """A worker forked while another thread is half-way through importing the tools' module: the
    child's copy of that import's lock is held by a thread it does not have, and without care its
    own import waits forever (a 'no answer within 60s' reset, seen in CI)."""
    (tmp_path / "slow_tools.py").write_text(
        "import time\ntime.sleep(1.5)\n\n\nclass Slow:\n    def ping(self) -> dict:\n        return {'pong': True}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(environment, "STATE_TIMEOUT", 8.0)
    sig = FunctionSignature(
        name="ping", original_name="ping", description="Ping.", parameters={"type": "object", "properties": {}},
        required=(), output=None, output_description="", toolkit="slow", category="test", source="test",
        execution={"kind": "python", "target": "slow_tools:Slow", "method": "ping"},
    )  # fmt: skip
    importing = threading.Thread(target=importlib.import_module, args=("slow_tools",))
    importing.start()
    while "slow_tools" not in sys.modules:  # the other thread is inside the module's body now
        time.sleep(0.01)
    env = open_environment([sig], timeout=1.0)
    try:
        env.reset()
        assert env.call("ping", {}) == (True, {"pong": True})
    finally:
        env.close()
        importing.join()


def test_a_worker_holds_no_pipe_of_its_parent(hazards):
    """A pipe the parent had open when the worker forked (here: one made just before, as a
    subprocess's exec-status pipe is while another thread starts it) reaches EOF once the parent
    closes its write end, though the worker lives on: a Popen in another thread never waits for it."""
    env, ex = hazards
    env.close()
    read_end, write_end = os.pipe()
    env.reset()  # a fresh worker, forked while the pipe is open
    try:
        os.close(write_end)
        ready, _, _ = select.select([read_end], [], [], 5)
        assert ready and os.read(read_end, 1) == b"", "the worker kept the parent's pipe open"
        assert ex.execute("echo(text='alive')").output["text"] == "alive"
    finally:
        os.close(read_end)
