"""`magnet-graph train`: SFT and multi-turn DPO on a tiny local Qwen2-shaped model, on CPU.

The data is a real `magnet-graph synthesize` run on the embedded store; the loss values are checked
against a hand computation from plain logits, not against the trainer's own helpers.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
import torch

from magnet_graph.training.data import mdpo_dataset, read_rows, sft_dataset
from magnet_graph.training.mdpo import MDPOConfig, MultiTurnDPOTrainer
from magnet_graph.training.render import render, training_chat_template
from magnet_graph.training.tiny import build_tiny_model, corpus_from_run
from tests.helpers import cli, rows, synthesize_run

pytestmark = pytest.mark.slow  # the whole module: tiny-model training runs and a synthesize run

CPU = [
    "--set",
    "args.bf16=false",
    "--set",
    "args.gradient_checkpointing=false",
    "--set",
    "args.max_length=3072",
    "--set",
    "args.per_device_train_batch_size=2",
    "--set",
    "args.logging_steps=1",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A real synthesize run: BFCL on the embedded store, offline teacher."""
    run = synthesize_run(tmp_path_factory.mktemp("train"), n=6, seed=3)
    assert rows(run / "mdpo.jsonl"), "the run has preference pairs to train on"
    return run


@pytest.fixture(scope="module")
def tiny(run_dir, tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", corpus_from_run(run_dir))


@pytest.fixture(scope="module")
def tokenizer(tiny):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny)


def _losses(out: Path, key: str) -> list[float]:
    state = json.loads((out / "trainer_state.json").read_text())
    return [entry[key] for entry in state["log_history"] if key in entry]


def test_sft_labels_are_minus_100_everywhere_but_assistant_turns(run_dir, tiny, tokenizer):
    from transformers import AutoModelForCausalLM
    from trl import SFTConfig, SFTTrainer

    template = training_chat_template(tokenizer)
    data = read_rows(run_dir, "sft")[:6]
    dataset = sft_dataset(data, tokenizer, template, None)
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(tiny),
        processing_class=tokenizer,
        train_dataset=dataset,
        args=SFTConfig(output_dir="unused", report_to="none", max_length=None, bf16=False),
    )
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(len(data))])
    for i, row in enumerate(data):
        labels, ids = batch["labels"][i].tolist(), batch["input_ids"][i].tolist()
        trained = [t for t, label in zip(ids, labels) if label != -100]
        assert all(label in (-100, t) for t, label in zip(ids, labels))
        # what each assistant message adds to the rendered text, found from prefix renderings, is what is trained
        expected, tools = [], json.loads(row["tools"])
        for k, message in enumerate(row["messages"]):
            if message["role"] == "assistant":
                before = (
                    tokenizer.apply_chat_template(
                        row["messages"][:k], tools=tools, chat_template=template, tokenize=False
                    )
                    + "<|im_start|>assistant"
                )
                after = tokenizer.apply_chat_template(
                    row["messages"][: k + 1], tools=tools, chat_template=template, tokenize=False
                )
                assert after.startswith(before)
                expected.append(after[len(before) :])
        assert tokenizer.decode(trained) == "".join(expected)
        assert all(m["content"] not in tokenizer.decode(trained) for m in row["messages"] if m["role"] == "user")


def _toy_rows():
    """Two pairs over one tool: both assistant turns differ; the first turn is shared, the second differs."""
    tools = [
        {
            "type": "function",
            "function": {
                "name": "lookup",
                "description": "Look a word up.",
                "parameters": {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]},
            },
        }
    ]

    def conversation(word, reply):
        call = {"id": "c0", "type": "function", "function": {"name": "lookup", "arguments": {"word": word}}}
        return [
            {"role": "user", "content": "What does apple mean?"},
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c0", "name": "lookup", "content": '{"meaning": "a fruit"}'},
            {"role": "assistant", "content": reply},
        ]

    both_differ = {
        "chosen": conversation("apple", "It is a fruit."),
        "rejected": conversation("pear", "No idea."),
        "tools": json.dumps(tools),
    }
    shared_first = {
        "chosen": conversation("apple", "It is a fruit."),
        "rejected": conversation("apple", "No idea."),
        "tools": json.dumps(tools),
    }
    return both_differ, shared_first


def _turn_logps_by_hand(model, tokenizer, template, messages, tools):
    """Per-assistant-turn sums of log p(token), from plain logits, and the assistant tokens' log-probs.
    ``model`` runs in float64, so the reference has no float32 rounding in it (see the test below)."""
    assert next(model.parameters()).dtype == torch.float64
    rendered = render(tokenizer, messages, tools, template)
    ids = torch.tensor([rendered["input_ids"]])
    with torch.no_grad():
        logprobs = torch.log_softmax(model(input_ids=ids).logits[0], dim=-1)
    sums, tokens = {}, []
    for position in range(1, ids.size(1)):
        turn = rendered["turn_ids"][position]
        if turn >= 0:
            value = logprobs[position - 1, ids[0, position]].item()
            sums[turn] = sums.get(turn, 0.0) + value
            tokens.append(value)
    return [sums[k] for k in sorted(sums)], tokens


def _preference_loss(policy: Path, reference: Path, rows: list[dict], out: Path) -> float:
    """The mean multi-turn DPO preference loss (no SFT term) of ``policy`` against ``reference`` over ``rows``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(reference)
    args = MDPOConfig(output_dir=str(out), report_to="none", max_length=None, beta=0.1, sft_weight=0.0, bf16=False)
    trainer = MultiTurnDPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(policy),
        ref_model=AutoModelForCausalLM.from_pretrained(reference),
        args=args,
        processing_class=tokenizer,
        train_dataset=mdpo_dataset(rows, tokenizer, training_chat_template(tokenizer), 3072),
    )
    with torch.no_grad():
        losses = [
            trainer._compute_loss(trainer.model, trainer.data_collator([example]), return_outputs=False).item()
            for example in trainer.train_dataset
        ]
    return sum(losses) / len(losses)


def _sigmoid_loss(x):
    return math.log1p(math.exp(-x))  # -log sigmoid(x)


@pytest.mark.parametrize("form", ["sequence", "turn"])
def test_mdpo_loss_equals_hand_computation_and_a_shared_turn_adds_nothing(tiny, tokenizer, form, tmp_path):
    from transformers import AutoModelForCausalLM

    template = training_chat_template(tokenizer)
    reference = AutoModelForCausalLM.from_pretrained(tiny).eval()
    policy = copy.deepcopy(reference)
    torch.manual_seed(1)
    with torch.no_grad():
        for p in policy.parameters():
            p.add_(0.05 * torch.randn_like(p))  # a policy that differs from the reference
    beta, sft_weight = 0.3, 0.5
    args = MDPOConfig(
        output_dir=str(tmp_path),
        report_to="none",
        beta=beta,
        mdpo_form=form,
        sft_weight=sft_weight,
        max_length=None,
        bf16=False,
    )
    pairs = _toy_rows()
    # The hand reference runs float64 copies of both models. In float32 the same prefix gives log-probs
    # that differ by ~1e-7 relative between two sequences of different lengths (the attention kernels
    # reduce in another order), which summed over a turn's ~50 tokens reached 2.5e-6 on one CPU: more
    # than the shared-turn check below allows. In float64 that drift is ~1e-15 per token.
    policy64, reference64 = copy.deepcopy(policy).double(), copy.deepcopy(reference).double()
    trainer = MultiTurnDPOTrainer(
        model=policy,
        ref_model=reference,
        args=args,
        processing_class=tokenizer,
        train_dataset=mdpo_dataset(list(pairs), tokenizer, template, None),
    )
    trainer.model.eval()
    for index, row in enumerate(pairs):
        tools = json.loads(row["tools"])
        turns = {}
        for side in ("chosen", "rejected"):
            pol, tokens = _turn_logps_by_hand(policy64, tokenizer, template, row[side], tools)
            ref, _ = _turn_logps_by_hand(reference64, tokenizer, template, row[side], tools)
            turns[side] = [p - r for p, r in zip(pol, ref)]
            if side == "chosen":
                sft = -sum(tokens) / len(tokens)
        assert len(turns["chosen"]) == len(turns["rejected"]) == 2
        shared = index == 1
        if shared:  # the shared turn has a real, non-zero log-ratio, equal on both sides ...
            assert abs(turns["chosen"][0]) > 1e-3
            assert turns["chosen"][0] == pytest.approx(turns["rejected"][0], abs=1e-9)  # float64: ~1e-13 expected
        counted = range(1 if shared else 0, 2)  # ... and is left out of the loss
        deltas = [turns["chosen"][k] - turns["rejected"][k] for k in counted]
        if form == "sequence":
            preference = _sigmoid_loss(beta * sum(deltas))
        else:
            preference = sum(_sigmoid_loss(beta * d) for d in deltas)
        expected = preference + sft_weight * sft

        batch = trainer.data_collator([trainer.train_dataset[index]])
        with torch.no_grad():
            loss = trainer._compute_loss(trainer.model, batch, return_outputs=False).item()
        # the trainer computes in float32: ~1e-7 relative rounding per log-prob, accumulated over the
        # turns' ~100 tokens and the 128-wide layers, stays well inside 1e-4 of the float64 reference
        assert loss == pytest.approx(expected, rel=1e-4, abs=1e-5)
        assert trainer._metrics["eval"]["turns/compared"][-1] == (1 if shared else 2)


def test_precomputed_reference_gives_the_same_loss(tiny, tokenizer, tmp_path):
    from transformers import AutoModelForCausalLM

    template = training_chat_template(tokenizer)
    dataset = mdpo_dataset(list(_toy_rows()), tokenizer, template, None)
    losses = []
    for precompute in (False, True):
        args = MDPOConfig(
            output_dir=str(tmp_path / str(precompute)),
            report_to="none",
            max_length=None,
            precompute_ref_log_probs=precompute,
            per_device_train_batch_size=2,
            bf16=False,
        )
        trainer = MultiTurnDPOTrainer(
            model=AutoModelForCausalLM.from_pretrained(tiny),
            args=args,
            processing_class=tokenizer,
            train_dataset=dataset,
        )
        if precompute:
            assert "ref_chosen_logps" in trainer.train_dataset.column_names
            assert len(trainer.train_dataset[0]["ref_chosen_logps"]) == 2  # one value per assistant turn
        with torch.no_grad():
            policy = trainer.model
            for p in policy.parameters():
                p.mul_(1.01)  # move the policy off the reference after any precomputation
            batch = trainer.data_collator([trainer.train_dataset[i] for i in range(2)])
            losses.append(trainer._compute_loss(policy, batch, return_outputs=False).item())
        preference = trainer._metrics["train"]["mdpo_loss"] + trainer._metrics["eval"]["mdpo_loss"]
        assert preference[-1] != pytest.approx(math.log(2), abs=1e-4)  # the policy moved off the reference
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)


def test_sft_then_mdpo_end_to_end_on_a_synthesize_run(run_dir, tiny, tmp_path):
    sft_out, mdpo_out = tmp_path / "sft", tmp_path / "mdpo"
    done = cli(
        "train",
        "sft",
        "--data",
        str(run_dir),
        "--model",
        str(tiny),
        "--out",
        str(sft_out),
        *CPU,
        "--set",
        "args.max_steps=12",
        "--set",
        "args.learning_rate=3e-3",
    )
    assert "sft: 12 steps" in done.stdout
    losses = _losses(sft_out, "loss")
    assert len(losses) == 12 and sum(losses[-3:]) / 3 < 0.8 * sum(losses[:3]) / 3, losses
    for name in ("model.safetensors", "tokenizer.json", "trainer_state.json", "magnet_train.json", "config.json"):
        assert (sft_out / name).is_file(), name

    done = cli(
        "train",
        "mdpo",
        "--data",
        str(run_dir),
        "--model",
        str(sft_out),
        "--out",
        str(mdpo_out),
        *CPU,
        "--set",
        "args.max_steps=8",
        "--set",
        "args.learning_rate=2e-3",
        "--set",
        "args.beta=0.1",
        "--set",
        "args.sft_weight=0.1",
    )
    assert "mdpo: 8 steps" in done.stdout
    preference = _losses(mdpo_out, "mdpo_loss")
    assert len(preference) == 8
    # step 0: the policy is the reference, every log-ratio is 0 and the loss is -log sigmoid(0) = log 2
    # (float32 sums of per-token log-probs: 1e-4 is ~100x their rounding)
    assert preference[0] == pytest.approx(math.log(2), abs=1e-4), preference
    # Each logged step is one batch of 2 pairs, most seen for the first time, so the per-step losses
    # say little. What training must do: on the pairs it trained on, the checkpoint prefers chosen
    # over rejected more than the reference does (log 2); measured ~0.3 (0.37-0.31 for lr 5e-4-2e-3).
    trained = _preference_loss(mdpo_out, sft_out, read_rows(run_dir, "mdpo"), tmp_path / "eval")
    assert trained < math.log(2) - 0.1, trained
    summary = json.loads((mdpo_out / "magnet_train.json").read_text())
    assert summary["method"] == "mdpo" and summary["model"] == str(sft_out) and summary["steps"] == 8

    # the checkpoint reloads, differs from where it started, and generates
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(mdpo_out).eval()
    start = AutoModelForCausalLM.from_pretrained(sft_out)
    assert any(not torch.equal(a, b) for a, b in zip(model.state_dict().values(), start.state_dict().values()))
    tok = AutoTokenizer.from_pretrained(mdpo_out)
    row = read_rows(run_dir, "sft")[0]
    prompt = tok.apply_chat_template(
        row["messages"][:2],
        tools=json.loads(row["tools"]),
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    generated = model.generate(**prompt, max_new_tokens=6, do_sample=False)
    assert generated.shape[1] > prompt["input_ids"].shape[1]
    assert isinstance(tok.decode(generated[0, prompt["input_ids"].shape[1] :]), str)


def test_resume_continues_from_the_newest_checkpoint(run_dir, tiny, tmp_path):
    out = tmp_path / "sft"
    common = [
        "train",
        "sft",
        "--data",
        str(run_dir),
        "--model",
        str(tiny),
        "--out",
        str(out),
        *CPU,
        "--set",
        "args.save_steps=2",
    ]
    cli(*common, "--set", "args.max_steps=2")
    refused = cli(*common, "--set", "args.max_steps=4", check=False)
    assert refused.returncode == 1 and refused.stderr.startswith("error: ") and "--resume" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    cli(*common, "--set", "args.max_steps=4", "--resume")
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "notes.txt").write_text("not a run")
    refused = cli(*[a if a != str(out) else str(stray) for a in common], "--resume", check=False)
    assert refused.returncode == 1 and "found no checkpoint" in refused.stderr
    assert [p.name for p in stray.iterdir()] == ["notes.txt"]
    steps = [e["step"] for e in json.loads((out / "trainer_state.json").read_text())["log_history"] if "loss" in e]
    assert steps == [1, 2, 3, 4]  # no step trained twice
    assert json.loads((out / "magnet_train.json").read_text())["resumed_from"].endswith("checkpoint-2")


def test_lora_mdpo_saves_an_adapter(run_dir, tiny, tmp_path):
    out = tmp_path / "lora"
    config = tmp_path / "lora.yaml"
    config.write_text(
        "args:\n  max_steps: 2\n  learning_rate: 1e-3\nlora:\n  r: 4\n  lora_alpha: 8\n  target_modules: all-linear\n"
    )
    cli("train", "mdpo", "--data", str(run_dir), "--model", str(tiny), "--out", str(out), "--config", str(config), *CPU)
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert adapter["r"] == 4 and adapter["peft_type"] == "LORA"
    assert (out / "adapter_model.safetensors").is_file() and not (out / "model.safetensors").exists()


def test_init_stacks_lora_adapters_on_what_each_was_trained_on(run_dir, tiny, tmp_path):
    """SFT -> mDPO with LoRA on one GPU: the mDPO adapter was trained on base + SFT adapter, so --init
    from it must merge both, in order, and not the mDPO adapter alone onto the base."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from magnet_graph.training.run import _weights

    config = tmp_path / "lora.yaml"
    config.write_text(
        "args:\n  max_steps: 2\n  learning_rate: 5e-2\nlora:\n  r: 4\n  lora_alpha: 8\n  target_modules: all-linear\n"
    )
    sft, mdpo = tmp_path / "sft", tmp_path / "mdpo"
    cli("train", "sft", "--data", str(run_dir), "--model", str(tiny), "--out", str(sft), "--config", str(config), *CPU)
    cli(
        "train",
        "mdpo",
        "--data",
        str(run_dir),
        "--model",
        str(tiny),
        "--init",
        str(sft),
        "--out",
        str(mdpo),
        "--config",
        str(config),
        *CPU,
    )

    def merged(*adapters):
        model = AutoModelForCausalLM.from_pretrained(tiny)
        for adapter in adapters:
            model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
        return model.state_dict()

    loaded = _weights(str(tiny), {}, mdpo).state_dict()
    both, alone = merged(sft, mdpo), merged(mdpo)
    assert all(torch.equal(loaded[k], both[k]) for k in both)
    assert not all(torch.equal(loaded[k], alone[k]) for k in alone)


def test_sft_whose_prompts_all_exceed_max_length_is_one_line(run_dir, tiny, tmp_path):
    out = tmp_path / "out"
    done = cli(
        "train",
        "sft",
        "--data",
        str(run_dir),
        "--model",
        str(tiny),
        "--out",
        str(out),
        "--set",
        "args.max_length=16",
        check=False,
    )
    assert done.returncode == 1 and done.stderr.strip().splitlines()[-1].startswith("error: sft: no row has an")
    assert not (out / "model.safetensors").exists()


@pytest.mark.parametrize(
    "problem, expected",
    [
        ("config", "bad.yaml: args.learnin_rate: not a field of MDPOConfig"),
        ("row", "mdpo.jsonl:2: field 'rejected': expected list, got NoneType"),
        ("json", "mdpo.jsonl:2: not JSON"),
        ("form", "mdpo_form: 'both' is not one of sequence, turn"),
        ("ipo", "loss_type: the multi-turn loss does not use it"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(run_dir, tiny, tmp_path, problem, expected):
    data = tmp_path / "data"
    data.mkdir()
    lines = (run_dir / "mdpo.jsonl").read_text().splitlines()[:3]
    if problem == "row":
        broken = json.loads(lines[1])
        broken["rejected"] = None
        lines[1] = json.dumps(broken)
    if problem == "json":
        lines[1] = lines[1][:40]
    (data / "mdpo.jsonl").write_text("\n".join(lines) + "\n")
    config = tmp_path / "bad.yaml"
    config.write_text("args:\n  learnin_rate: 0.1\n" if problem == "config" else "args: {}\n")
    extra = {"form": ["--set", "args.mdpo_form=both"], "ipo": ["--set", "args.loss_type=[ipo]"]}.get(problem, [])
    out = tmp_path / "out"
    done = cli(
        "train",
        "mdpo",
        "--data",
        str(data),
        "--model",
        str(tiny),
        "--out",
        str(out),
        "--config",
        str(config),
        *extra,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert expected in done.stderr
    assert not out.exists()


TRAINER = Path(__file__).parent.parent / "trainer"


@pytest.mark.parametrize("config", sorted(p.name for p in (TRAINER / "configs").glob("qwen*.yaml")))
def test_shipped_configs_build_their_trainer_configs(config):
    from peft import LoraConfig
    from trl import SFTConfig

    from magnet_graph.training.config import check_fields, load_config
    from magnet_graph.training.grpo import MagnetGRPOConfig

    loaded = load_config(TRAINER / "configs" / config)
    method = next(m for m in ("sft", "mdpo", "grpo") if f"-{m}" in config)
    config_class = {"sft": SFTConfig, "mdpo": MDPOConfig, "grpo": MagnetGRPOConfig}[method]
    check_fields(loaded, "args", config_class)
    args = config_class(output_dir="unused", **{**loaded["args"], "bf16": False})
    assert args.learning_rate > 0
    if method == "grpo":  # a step's rollouts split into whole groups of num_generations
        assert args.generation_batch_size % args.num_generations == 0 and args.max_tool_calling_iterations > 0
    else:
        assert args.max_length == 8192
    if loaded["lora"]:
        check_fields(loaded, "lora", LoraConfig)
        assert LoraConfig(**loaded["lora"]).r == 32


def test_grid_expands_to_the_papers_search():
    from magnet_graph.training.config import grid_points, load_config

    sft = grid_points(TRAINER / "configs" / "grid.yaml", "sft")
    mdpo = grid_points(TRAINER / "configs" / "grid.yaml", "mdpo")
    assert [p[2] for p in sft] == [
        ["args.learning_rate=1e-05"],
        ["args.learning_rate=2e-05"],
        ["args.learning_rate=5e-05"],
    ]
    assert len(mdpo) == 9 and len({name for name, _, _ in mdpo}) == 9
    name, base, overrides = mdpo[-1]
    assert load_config(base, tuple(overrides))["args"]["beta"] == 0.3


@pytest.mark.parametrize("name", ["single_gpu", "multi_gpu", "zero2", "zero3"])
def test_accelerate_configs_load(name):
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(TRAINER / "accelerate" / f"{name}.yaml"))
    assert config.mixed_precision == "bf16"
    assert (config.deepspeed_config or {}).get("zero_stage") == {"zero2": 2, "zero3": 3}.get(name)


def test_throughput_bench_runs_and_reports_mfu():
    import subprocess
    import sys

    bench = Path(__file__).parent.parent / "bench" / "train_throughput.py"
    done = subprocess.run(
        [
            sys.executable,
            str(bench),
            "--shape",
            "tiny",
            "--steps",
            "2",
            "--warmup",
            "1",
            "--seq-len",
            "256",
            "--method",
            "all",
            "--generations",
            "2",
            "--prompt-len",
            "16",
            "--completion-len",
            "8",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"method"')]
    assert [r["method"] for r in results] == ["sft", "mdpo", "grpo"]
    for r in results[:2]:
        assert r["tokens_per_s"] > 0 and r["step_s"] > 0 and 0 <= r["mfu_vs_989_tflops"] < 1
        assert r["params_b"] == pytest.approx(0.0009, abs=0.0003)
    grpo = results[2]
    assert 0 < grpo["rollout_s"] < grpo["step_s"] and grpo["completion_tokens"] == 8
    assert grpo["rollout_tokens_per_s"] > 0 and grpo["optimiser_tokens_per_s"] > 0
