"""RL tasks from a real synthesis run on BFCL's classes, and the reward of scripted rollouts in them."""

from __future__ import annotations

import json

import pytest

import magnet_graph as mg
from magnet_graph.records import ToolCall
from magnet_graph.training.rl_environment import TaskEnvironment, environment_class, rollout_reward, task_tool_names
from magnet_graph.training.tasks import RLTask, build_tasks, open_task
from tests.helpers import cli, synthesize_run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(records, signatures, tasks) of a BFCL run of 8 walks with the offline teacher."""
    folder = tmp_path_factory.mktemp("tasks")
    run_dir = synthesize_run(folder, 8, 1)
    records = mg.read_run(run_dir).records
    with mg.open_store(f"embedded://{folder / 'store'}") as store:
        signatures = {s.name: s for s in store.functions()}
    tasks, problems = build_tasks(records, signatures)
    yield records, signatures, tasks, problems, run_dir
    cli("store", "stop", "--store", f"embedded://{folder / 'store'}", check=False)


def test_every_conversation_yields_a_task_per_turn_and_the_tasks_file_round_trips(run):
    records, _, tasks, problems, run_dir = run
    assert problems == []
    done = cli("tasks", str(run_dir), "--store", f"embedded://{run_dir.parent / 'store'}")
    assert f"wrote {len(tasks)} tasks from {len(records)} records" in done.stdout
    written = [json.loads(line) for line in (run_dir / "tasks.jsonl").read_text().splitlines()]
    assert written == [json.loads(json.dumps(t.to_dict())) for t in tasks]
    assert len(tasks) == sum(len(r.turns) for r in records) > len(records) > 5
    for task in tasks:
        assert RLTask.from_dict(json.loads(json.dumps(task.to_dict()))) == task
        assert task.messages[-1].role == "user"


def test_replaying_each_tasks_reference_from_its_state_reaches_the_recorded_hash(run):
    _, signatures, tasks, _, _ = run
    for task in tasks:
        with open_task(task, signatures) as episode:  # checks the starting state's hash too
            for call in task.calls:
                episode.executor.execute(call)
            assert episode.state_hash() == task.expected_state_hash, task.id


def _with_calls(run, predicate):
    _, signatures, tasks, _, _ = run
    found = [t for t in tasks if predicate(t)]
    assert found, "no task of that kind in the run"
    return found, signatures


def test_the_reference_scores_one_and_no_call_zero(run):
    tasks, signatures = _with_calls(run, lambda t: bool(t.calls))
    for task in tasks[:6]:
        assert rollout_reward(task, task.calls, signatures).total == pytest.approx(1.0), task.id
        assert rollout_reward(task, [], signatures).total == 0.0


def test_a_wrong_argument_breaks_the_state_or_the_response(run):
    """Outcomes are scored, not the calls' text (as BFCL's checker does): an argument a tool ignores
    (TravelAPI's authenticate takes any client_id) costs nothing, one it uses costs its part."""

    def string_arguments(t):
        return [(i, k) for i, c in enumerate(t.calls) for k, v in c.arguments.items() if isinstance(v, str)]

    tasks, signatures = _with_calls(run, string_arguments)
    broke, tried = [], 0
    for task in tasks[:8]:
        for i, key in string_arguments(task):
            calls = list(task.calls)
            calls[i] = ToolCall(calls[i].name, {**calls[i].arguments, key: calls[i].arguments[key] + "_wrong"})
            reward = rollout_reward(task, calls, signatures)
            tried += 1
            assert reward.forbidden == reward.format == 1.0
            if reward.total < 1.0:
                assert reward.state < 1.0 or reward.response < 1.0
                broke.append((reward.state < 1.0, reward.response < 1.0))
                break
    assert len(broke) >= 5, (len(broke), tried)
    assert any(s for s, _ in broke) and any(r for _, r in broke)  # both parts are seen to break


def test_calling_a_function_the_turn_must_not_call_costs_the_forbidden_part(run):
    tasks, signatures = _with_calls(run, lambda t: bool(t.forbidden))
    for task in tasks[:4]:
        name = task.forbidden[0]
        reward = rollout_reward(task, [*task.calls, ToolCall(name, {})], signatures)
        assert reward.forbidden == 0.0 and reward.total < 1.0, task.id
        assert rollout_reward(task, task.calls, signatures).total == pytest.approx(1.0)


def test_a_missing_long_dependency_value_scores_below_the_reference(run):
    """A turn whose call takes a value an earlier turn's call returned: given another value, it loses."""

    tasks, signatures = _with_calls(run, _fed_from_history)
    for task in tasks[:4]:
        calls = list(task.calls)
        i, key = _fed_from_history(task)
        calls[i] = ToolCall(calls[i].name, {**calls[i].arguments, key: "unknown"})
        reward = rollout_reward(task, calls, signatures)
        assert reward.total < 1.0 and (reward.state < 1.0 or reward.response < 1.0), task.id


def _fed_from_history(task: RLTask):
    """(call index, argument) of a reference call whose string value an earlier turn's tool output held."""
    seen = set()
    for message in task.messages:
        if message.role == "tool" and message.content:
            seen.add(message.content)
    for i, call in enumerate(task.calls):
        for key, value in call.arguments.items():
            if isinstance(value, str) and len(value) > 3 and any(value in text for text in seen):
                return i, key
    return None


def test_a_tool_method_runs_the_call_in_the_tasks_state_and_the_reference_scores_one(run):
    """What GRPO's rollouts go through: trl calls ``environment.NAME(**arguments)`` and shows the model
    the text it returns."""
    _, signatures, tasks, _, _ = run
    environment = environment_class(task_tool_names(tasks))({t.id: t for t in tasks}, signatures)
    checked = 0
    for task in [t for t in tasks if t.calls][:6]:
        environment.reset(task_id=task.id, prompt=[])  # trl passes the whole dataset row
        outputs = [json.loads(getattr(environment, c.name)(**c.arguments)) for c in task.calls]
        assert outputs == [json.loads(json.dumps(o)) for step in task.outputs for o in step], task.id
        assert environment.reward().total == pytest.approx(1.0), task.id
        checked += 1
    assert checked == 6


def test_a_tool_the_task_does_not_offer_is_refused_and_costs_the_forbidden_part(run):
    _, signatures, tasks, _, _ = run
    withheld = [t for t in tasks if set(t.forbidden) - {tool.name for tool in t.tools}]
    assert withheld, "the run has a miss_func turn"
    task = withheld[0]
    name = sorted(set(task.forbidden) - {tool.name for tool in task.tools})[0]
    environment = environment_class(task_tool_names(tasks))({task.id: task}, signatures)
    environment.reset(task_id=task.id)
    assert json.loads(getattr(environment, name)()) == {"error": f"no tool named {name!r} is available"}
    for call in task.calls:
        environment.call(call.name, call.arguments)
    reward = environment.reward()
    assert reward.forbidden == 0.0 and reward.state == 1.0 and reward.total < 1.0


def test_calls_that_never_reached_a_tool_cost_the_format_part(run):
    _, signatures, tasks, _, _ = run
    task = next(t for t in tasks if t.calls)
    environment = TaskEnvironment({task.id: task}, signatures)
    environment.reset(task.id)
    for call in task.calls:
        environment.call(call.name, call.arguments)
    reward = environment.reward(malformed=len(task.calls))
    assert reward.format == pytest.approx(0.5) and reward.state == reward.response == 1.0


@pytest.mark.parametrize("name", ["reset", "get_reward", "_private", "call", "reward"])
def test_a_tool_named_like_an_environment_member_is_refused(name):
    with pytest.raises(mg.MagnetGraphError, match=f"tool '{name}': the name clashes"):
        environment_class(["fine", name])
