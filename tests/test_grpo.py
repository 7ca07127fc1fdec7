"""`magnet-graph train grpo`: a tiny local model trained with GRPO on a real BFCL run's tasks, on CPU,
its tool calls running in the tasks' environments.

A randomly initialised ~1M-parameter model never writes a parseable tool call, so every rollout would
score the same and GRPO would have nothing to learn from. The test first fits it (SFT) to the
conversations of four single-call tasks, the recipe's SFT -> GRPO order in miniature: sampled at
temperature 1 it then calls the right tool in some rollouts and not in others, which is the spread
within a group that GRPO needs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import magnet_graph as mg
from magnet_graph.records import tools_json
from magnet_graph.training.tasks import read_tasks
from tests.helpers import cli

pytestmark = pytest.mark.slow

PARTS = ("state", "response", "forbidden", "format")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(run dir, store URI): a BFCL run (multi-turn and single-turn shapes, offline teacher) and its tasks."""
    folder = tmp_path_factory.mktemp("grpo")
    store = f"embedded://{folder / 'store'}"
    run_dir = folder / "run"
    cli(
        "synthesize",
        "--catalog",
        "bfcl",
        "-n",
        "12",
        "--seed",
        "2",
        "--max-tools",
        "3",
        "--out",
        str(run_dir),
        "--store",
        store,
    )
    cli("tasks", str(run_dir), "--store", store)
    yield run_dir, store
    cli("store", "stop", "--store", store, check=False)


@pytest.fixture(scope="module")
def fit(run):
    """A run folder holding four single-call tasks (the shortest prompts) and their SFT rows."""
    run_dir, _ = run
    tasks = [json.loads(line) for line in (run_dir / "tasks.jsonl").read_text().splitlines()]
    single = [t for t in tasks if len(t["messages"]) == 1 and [len(step) for step in t["reference"]] == [1]]
    chosen = sorted(single, key=lambda t: len(json.dumps(t["tools"])))[:4]
    assert len(chosen) == 4, "the run has four single-call tasks"
    users = {t["messages"][0]["content"] for t in chosen}
    sft = [
        r
        for r in map(json.loads, (run_dir / "sft.jsonl").read_text().splitlines())
        if r["messages"][0]["content"] in users
    ]
    assert len(sft) == 4
    folder = run_dir.parent / "fit"
    folder.mkdir()
    (folder / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in chosen))
    (folder / "sft.jsonl").write_text("".join(json.dumps(r) + "\n" for r in sft))
    return folder


@pytest.fixture(scope="module")
def tiny(fit, tmp_path_factory):
    """A ~1M-parameter model and tokenizer learned from the four tasks' conversations (random weights)."""
    out = tmp_path_factory.mktemp("tiny") / "model"
    cli("train", "tiny-model", "--data", str(fit), "--out", str(out))
    return out


@pytest.fixture(scope="module")
def fitted(fit, tiny, tmp_path_factory):
    """The tiny model after SFT on the four tasks' conversations: it calls their tools some of the time."""
    out = tmp_path_factory.mktemp("sft") / "model"
    cli("train", "sft", "--data", str(fit), "--model", str(tiny), "--out", str(out), "--set", "args.max_steps=160",
        "--set", "args.learning_rate=5e-3", "--set", "args.per_device_train_batch_size=2", "--set", "args.bf16=false",
        "--set", 'args.save_strategy="no"')  # fmt: skip
    return out


def _grpo(fit: Path, store: str, model: Path, out: Path, *options: str, check: bool = True):
    """`train grpo` on the four tasks, a few short CPU steps (``options`` add to or override them)."""
    small = ["--set", "args.per_device_train_batch_size=8", "--set", "args.logging_steps=1"]
    return cli("train", "grpo", "--data", str(fit), "--model", str(model), "--out", str(out), "--store", store,
               *small, *options, check=check)  # fmt: skip


def _log(out: Path) -> list[dict]:
    state = json.loads((out / "trainer_state.json").read_text())
    return [entry for entry in state["log_history"] if "reward" in entry]


def test_three_grpo_steps_on_cpu_with_the_tools_really_running(run, fit, tiny, fitted, tmp_path):
    _, store = run
    sft, out = fitted, tmp_path / "grpo"
    done = _grpo(fit, store, tiny, out, "--init", str(sft), "--num-generations", "4", "--max-tool-iterations", "2",
                 "--set", "args.max_steps=3", "--set", "args.max_completion_length=96")  # fmt: skip
    assert "grpo: 3 steps on 4 tasks" in done.stdout
    log = _log(out)
    assert len(log) == 3
    for part in PARTS:  # every part is logged, and varies among one task's rollouts in some step
        assert all(f"rewards/{part}/mean" in step for step in log)
        assert max(float(step[f"rewards/{part}/group_std"]) for step in log) > 0, part
    assert max(float(step["tools/call_frequency"]) for step in log) > 0
    # a response is only matched when the call really ran and returned the reference's output
    assert max(float(step["rewards/response/mean"]) for step in log) > 0
    summary = json.loads((out / "magnet_train.json").read_text())
    assert summary["init"] == str(sft.resolve()) and set(summary["rewards"]) == {*PARTS, "total"}
    assert (out / "model.safetensors").is_file()


def test_resume_continues_grpo_from_the_newest_checkpoint(run, fit, tiny, fitted, tmp_path):
    out = tmp_path / "grpo"
    options = ["--init", str(fitted), "--num-generations", "4", "--set", "args.max_completion_length=96"]
    _grpo(fit, run[1], tiny, out, *options, "--set", "args.max_steps=2", "--set", "args.save_steps=1")
    _grpo(fit, run[1], tiny, out, *options, "--set", "args.max_steps=3", "--resume")
    assert [step["step"] for step in _log(out)] == [1, 2, 3]  # no step trained twice
    assert json.loads((out / "magnet_train.json").read_text())["resumed_from"].endswith("checkpoint-2")


def test_the_dataset_keeps_every_prompt_exact_and_each_task_sees_its_own_tools(run, tmp_path):
    """Arrow would merge tool-call arguments and its Json feature rounds floats; the prompt a rollout
    starts from must be the task's messages as written, with the task's own tool schemas."""
    from transformers import AutoTokenizer

    from magnet_graph.training.grpo import MagnetGRPOConfig, TaskGRPOTrainer, task_dataset, tools_key
    from magnet_graph.training.tiny import build_tiny_model, corpus_from_run

    run_dir, store = run
    tasks = read_tasks(run_dir / "tasks.jsonl")
    dataset = task_dataset(tasks)
    for task, row in zip(tasks, dataset):
        assert row["prompt"] == [m.to_dict() for m in task.messages] and row["task_id"] == task.id

    model = build_tiny_model(tmp_path / "tiny", corpus_from_run(run_dir))
    with mg.open_store(store) as opened:
        signatures = {s.name: s for s in opened.functions()}
    args = MagnetGRPOConfig(
        output_dir=str(tmp_path / "out"), num_generations=2, per_device_train_batch_size=2, report_to="none", bf16=False
    )
    trainer = TaskGRPOTrainer(str(model), args, tasks, signatures, AutoTokenizer.from_pretrained(model))
    a, b = next((x, y) for x in tasks for y in tasks if {t.name for t in x.tools} - {t.name for t in y.tools})
    trainer._batch_environments = [tools_key(a)]
    ids = trainer._tokenize_prompts([dataset[tasks.index(a)]["prompt"]])[0][0]
    text = trainer.processing_class.decode(ids)
    for tool in json.loads(tools_json(a.tools)):
        assert json.dumps(tool, ensure_ascii=False) in text  # the schema as SFT rendered it, key order included
    assert all(f'"name": "{name}"' not in text for name in {t.name for t in b.tools} - {t.name for t in a.tools})


def test_a_run_in_which_no_group_had_reward_spread_says_so_and_exits_1(run, fit, tiny, tmp_path):
    """An untrained model never calls a tool: every rollout scores 0, so GRPO had nothing to learn from."""
    done = _grpo(fit, run[1], tiny, tmp_path / "out", "--num-generations", "2", "--set", "args.max_steps=1",
                 "--set", "args.max_completion_length=16", check=False)  # fmt: skip
    assert done.returncode == 1
    assert "error: grpo: in no step did a task's rollouts differ in reward" in done.stderr


def test_a_tokenizer_whose_tool_calls_trl_cannot_parse_is_one_line(run, fit, tiny, tmp_path):
    import shutil

    from transformers import AutoTokenizer

    model = shutil.copytree(tiny, tmp_path / "model")
    tokenizer = AutoTokenizer.from_pretrained(model)
    tokenizer.chat_template = tokenizer.chat_template.replace("<tool_call>", "<call>")
    tokenizer.save_pretrained(model)
    done = _grpo(fit, run[1], model, tmp_path / "out", check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("error: train grpo: ")
    assert not (tmp_path / "out").exists()
