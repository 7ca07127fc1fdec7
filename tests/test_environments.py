"""Environments and the executor: real tools in a worker process; misbehaving tools cost one call."""

from __future__ import annotations

import importlib
import os
import select
import subprocess
import sys
import threading
import time

import pytest

os.environ.setdefault("BFCL_PROJECT_ROOT", os.path.join(os.path.dirname(__file__), ".bfcl-root"))

from magnet_graph.catalogs import load_catalog  # noqa: E402
from magnet_graph.environments import environment, forkserver, initial_state, open_environment  # noqa: E402
from magnet_graph.environments.worker import Worker, WorkerLost, stop_workers  # noqa: E402
from magnet_graph.execution import Executor  # noqa: E402
from magnet_graph.signature import FunctionSignature  # noqa: E402

from .test_embedded_store import _running  # noqa: E402

HAZARDS = "python:tests.fixtures.sample_tools:MoreHazards"  # every hazard: hang, flood, crash, fork...


@pytest.fixture(params=["fork server", "forked here"])
def where_forked(request, monkeypatch):
    """Workers made by the fork server, or (as where it cannot: no pidfd, a factory that does not
    pickle) forked from this process."""
    if request.param == "forked here":
        monkeypatch.setattr(forkserver, "_GAVE_UP", os.getpid())
    return request.param


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


def test_a_class_another_thread_is_importing_at_the_fork_still_resets(tmp_path, monkeypatch, where_forked):
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


def test_a_worker_holds_no_pipe_of_its_parent(where_forked):
    """A pipe the parent had open when the worker forked (here: one made just before, as a
    subprocess's exec-status pipe is while another thread starts it) reaches EOF once the parent
    closes its write end, though the worker lives on: a Popen in another thread never waits for it."""
    env = open_environment(load_catalog(HAZARDS), timeout=1.0, output_cap=10_000)
    ex = Executor(env)
    read_end, write_end = os.pipe()
    env.reset()  # a fresh worker, forked while the pipe is open
    try:
        os.close(write_end)
        ready, _, _ = select.select([read_end], [], [], 5)
        assert ready and os.read(read_end, 1) == b"", "the worker kept the parent's pipe open"
        assert ex.execute("echo(text='alive')").output["text"] == "alive"
    finally:
        os.close(read_end)


COUNTER_TOOLS = """\
import os

CALLS = []  # module state, as BFCL's post_tweet keeps its mutable default list


class Counter:
    def bump(self) -> dict:
        CALLS.append(1)
        return {"calls": len(CALLS), "ppid": os.getppid(), "cwd": os.getcwd(), "env": os.environ.get("MG_SEEN")}
"""


def counter_signature() -> FunctionSignature:
    """``bump`` of ``counter_tools.Counter`` (COUNTER_TOOLS, written where sys.path finds it)."""
    return FunctionSignature(
        name="bump", original_name="bump", description="Count.", parameters={"type": "object", "properties": {}},
        required=(), output=None, output_description="", toolkit="counter", category="test", source="test",
        execution={"kind": "python", "target": "counter_tools:Counter", "method": "bump"},
    )  # fmt: skip


def _counter(tmp_path, monkeypatch) -> FunctionSignature:
    (tmp_path / "counter_tools.py").write_text(COUNTER_TOOLS)
    monkeypatch.syspath_prepend(str(tmp_path))
    return counter_signature()


def test_each_environment_gets_a_fresh_process_from_the_fork_server(tmp_path, monkeypatch):
    """Workers come from the fork server, not from this big process, and a tool module's state
    never carries from one environment to the next (each still gets a process of its own). What
    this process set after the server started (a folder, a variable) reaches the worker."""
    sig = _counter(tmp_path, monkeypatch)
    seen = []
    for _ in range(3):
        env = open_environment([sig])
        try:
            env.reset()
            env.call("bump", {})
            seen.append(env.call("bump", {})[1])
        finally:
            env.close()
        monkeypatch.chdir(tmp_path)  # changed after the server started
        monkeypatch.setenv("MG_SEEN", "yes")
    server = forkserver.running()
    assert server is not None and {s["ppid"] for s in seen} == {server.pid} != {os.getpid()}
    assert [s["calls"] for s in seen] == [2, 2, 2]  # never 4 or 6: the module starts anew each time
    assert [s["env"] for s in seen[1:]] == ["yes", "yes"] and seen[2]["cwd"] == str(tmp_path)


def test_a_factory_the_fork_server_cannot_take_is_forked_here(tmp_path, monkeypatch):
    """A toolkit made by a closure does not pickle: its worker is forked from this process, and
    serves as well."""
    sig = _counter(tmp_path, monkeypatch)
    from magnet_graph.environments.toolkit import ClassToolkit

    worker = Worker(lambda: ClassToolkit([sig]), output_cap=10_000)
    try:
        assert worker.request("reset", [None, {}], 30) == (True, None)
        ok, value = worker.request("call", ["bump", {}], 30)
        assert ok and value["calls"] == 1 and value["ppid"] == os.getpid()
    finally:
        worker.kill()
    assert not worker.alive


def test_a_killed_owner_takes_its_fork_server_and_workers_with_it(tmp_path):
    """SIGKILL to the process that asked for the workers (nothing of it runs any more): its fork
    server sees the socket close and ends, and each worker sees its parent gone and ends."""
    (tmp_path / "counter_tools.py").write_text(COUNTER_TOOLS)
    script = tmp_path / "owner.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path[:0] = [{str(tmp_path)!r}, {os.getcwd()!r}]\n"
        "from magnet_graph.environments import open_environment\n"
        "from tests.test_environments import counter_signature\n"
        "env = open_environment([counter_signature()])\n"
        "env.reset()\n"
        "print(env.call('bump', {})[1]['ppid'], env._worker._proc.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    try:
        server, worker = map(int, owner.stdout.readline().split())
        assert _running(server) and _running(worker)
    finally:
        owner.kill()
        owner.wait()
    deadline = time.monotonic() + 10
    while _running(server) or _running(worker):
        assert time.monotonic() < deadline, "the fork server or its worker outlived their owner"
        time.sleep(0.1)


def test_a_worker_killed_from_another_thread_mid_request_is_lost_not_broken():
    """What a stopping run does (``stop_workers`` from the main thread) while a path waits on its
    tool: that path's request fails as WorkerLost, and a second kill finds nothing to do."""
    env = open_environment(load_catalog(HAZARDS), timeout=60.0, output_cap=10_000)
    env.reset()
    raised: list[BaseException] = []

    def wait_on_a_hung_tool():
        try:
            env._worker.request("call", ["hang", {"seconds": 60}], 60)
        except BaseException as exc:  # noqa: BLE001 - what it raised is what the test looks at
            raised.append(exc)

    thread = threading.Thread(target=wait_on_a_hung_tool)
    thread.start()
    time.sleep(0.5)
    try:
        stop_workers()
        thread.join(15)
        assert not thread.is_alive() and len(raised) == 1 and isinstance(raised[0], WorkerLost), raised
        env._worker.kill()
    finally:
        stop_workers(False)
        env.close()
