"""Training throughput of SFT, mDPO and GRPO: tokens/s, peak memory and MFU against 989 TFLOP/s (H100/H200 dense bf16).

The model is built from a config with random weights (no download): `--shape qwen2.5-7b` is
Qwen2.5-7B's architecture (7.6B parameters); `--shape tiny` runs anywhere in seconds (a smoke check).
Batches are synthetic token ids with the masks the real datasets carry (half the tokens assistant
turns, in 4 turns; rejected rows diverge at turn 2), through the same trainers `magnet-graph train` uses.

    python bench/train_throughput.py --shape qwen2.5-7b --seq-len 4096 --steps 6   # on a GPU
    python bench/train_throughput.py --shape tiny --steps 2                        # anywhere

FLOPs per token: 6N (forward + backward) + attention 12·layers·hidden·seq (PaLM appendix B); with
LoRA, 4N (no weight gradients of frozen layers); mDPO adds the reference forward, 2N, unless the
reference log-probs are precomputed. MFU = achieved FLOP/s / peak.

GRPO (`--method grpo`) is timed in its two halves through magnet-graph's GRPO config: rollout
tokens/s (sampling num_generations completions of exactly --completion-len tokens per prompt with
transformers' generate) and optimiser tokens/s (prompt + completion tokens of the step over the
step's time less the rollout). A random-weight model writes no tool calls, so tool execution is
not in these figures; tests/test_grpo.py runs the real thing on CPU.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time

import torch

PEAK_FLOPS = 989e12
SHAPES = {
    "qwen2.5-7b": dict(
        vocab_size=152064,
        hidden_size=3584,
        intermediate_size=18944,
        num_hidden_layers=28,
        num_attention_heads=28,
        num_key_value_heads=4,
        tie_word_embeddings=False,
    ),
    "tiny": dict(
        vocab_size=2048,
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        tie_word_embeddings=True,
    ),
}


def build_model(shape: str, device: str):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(**SHAPES[shape], max_position_embeddings=32768)
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = Qwen2ForCausalLM(config)
    finally:
        torch.set_default_dtype(previous)
    model.config.dtype = dtype
    return model


def synthetic_turns(seq_len: int, turns: int = 4) -> list[int]:
    """Turn id per token: alternating context (-1) and assistant turns, half the tokens each."""
    piece = seq_len // (2 * turns)
    ids = []
    for k in range(turns):
        ids += [-1] * piece + [k] * piece
    return ids + [-1] * (seq_len - len(ids))


def datasets(vocab: int, seq_len: int, rows: int, seed: int):
    from datasets import Dataset

    rng = random.Random(seed)
    turns = synthetic_turns(seq_len)
    sft, mdpo = [], []
    for _ in range(rows):
        chosen = [rng.randrange(vocab) for _ in range(seq_len)]
        diverge = turns.index(2)
        rejected = chosen[:diverge] + [rng.randrange(vocab) for _ in range(seq_len - diverge)]
        sft.append({"input_ids": chosen, "assistant_masks": [int(t >= 0) for t in turns]})
        mdpo.append(
            {
                "chosen_ids": chosen,
                "rejected_ids": rejected,
                "chosen_turn_ids": turns,
                "rejected_turn_ids": turns,
                "shared_turns": 2,
            }
        )
    return Dataset.from_list(sft), Dataset.from_list(mdpo)


class StepTimer:
    """Wall time of each optimizer step (synchronised on GPU)."""

    def __init__(self):
        self.times, self._start = [], None

    def callback(self):
        from transformers import TrainerCallback

        timer = self

        class _Callback(TrainerCallback):
            def on_step_begin(self, args, state, control, **kwargs):
                if torch.cuda.is_available():
                    torch.cuda.synchronize()
                timer._start = time.perf_counter()

            def on_step_end(self, args, state, control, **kwargs):
                if torch.cuda.is_available():
                    torch.cuda.synchronize()
                timer.times.append(time.perf_counter() - timer._start)

        return _Callback()


def run(method: str, args, tokenizer, sft_data, mdpo_data) -> dict:
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    from magnet_graph.training.mdpo import MDPOConfig, MultiTurnDPOTrainer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.cuda.empty_cache() if device == "cuda" else None
    model = build_model(args.shape, device)
    params = sum(p.numel() for p in model.parameters())
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    common = dict(
        output_dir=tempfile.mkdtemp(),
        report_to="none",
        max_steps=args.warmup + args.steps,
        per_device_train_batch_size=args.batch,
        learning_rate=1e-6,
        bf16=device == "cuda",
        gradient_checkpointing=args.checkpointing,
        logging_steps=10_000,
        save_strategy="no",
        max_length=args.seq_len,
        optim=args.optim,
    )
    lora = LoraConfig(r=32, lora_alpha=64, target_modules="all-linear", task_type="CAUSAL_LM") if args.lora else None
    timer = StepTimer()
    if method == "sft":
        trainer = SFTTrainer(
            model=model,
            args=SFTConfig(**common),
            train_dataset=sft_data,
            processing_class=tokenizer,
            peft_config=lora,
            callbacks=[timer.callback()],
        )
        sequences = args.batch
    else:
        config = MDPOConfig(**common, precompute_ref_log_probs=args.precompute)
        ref = None if (args.lora or args.precompute) else build_model(args.shape, device).eval()
        trainer = MultiTurnDPOTrainer(
            model=model,
            ref_model=ref,
            args=config,
            train_dataset=mdpo_data,
            processing_class=tokenizer,
            peft_config=lora,
            callbacks=[timer.callback()],
        )
        sequences = 2 * args.batch  # chosen and rejected
    trainer.train()
    step = sum(timer.times[args.warmup :]) / len(timer.times[args.warmup :])
    tokens = sequences * args.seq_len
    shape = SHAPES[args.shape]
    attention = 12 * shape["num_hidden_layers"] * shape["hidden_size"] * args.seq_len
    train_flops = (4 if args.lora else 6) * params + attention
    reference_flops = 0 if (method == "sft" or args.precompute) else 2 * params + attention / 3
    achieved = tokens * (train_flops + reference_flops) / step
    result = {
        "method": method,
        "shape": args.shape,
        "params_b": round(params / 1e9, 3),
        "seq_len": args.seq_len,
        "batch": args.batch,
        "lora": args.lora,
        "precomputed_reference": method == "mdpo" and args.precompute,
        "step_s": round(step, 3),
        "tokens_per_s": round(tokens / step, 1),
        "peak_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 1) if device == "cuda" else None,
        "tflops": round(achieved / 1e12, 1),
        "mfu_vs_989_tflops": round(achieved / PEAK_FLOPS, 4),
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
    }
    del trainer, model
    return result


class GenerationTimer:
    """Wall time and completion tokens of each rollout (trl's ``_generate``), synchronised on GPU."""

    def __init__(self):
        self.seconds, self.tokens = [], []

    def wrap(self, trainer):
        generate = trainer._generate

        def timed(prompts):
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            start = time.perf_counter()
            result = generate(prompts)
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            self.seconds.append(time.perf_counter() - start)
            self.tokens.append(sum(len(ids) for ids in result[1]))
            return result

        trainer._generate = timed


def run_grpo(args, tokenizer) -> dict:
    from datasets import Dataset
    from peft import LoraConfig
    from trl import GRPOTrainer

    from magnet_graph.training.grpo import MagnetGRPOConfig

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = build_model(args.shape, device)
    params = sum(p.numel() for p in model.parameters())
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    prompts = args.batch * (args.warmup + args.steps)
    words = " ".join(["magnet"] * args.prompt_len)
    data = Dataset.from_dict({"prompt": [[{"role": "user", "content": f"{i} {words}"}] for i in range(prompts)]})
    config = MagnetGRPOConfig(
        output_dir=tempfile.mkdtemp(),
        report_to="none",
        max_steps=args.warmup + args.steps,
        per_device_train_batch_size=args.batch * args.generations,
        num_generations=args.generations,
        max_completion_length=args.completion_len,
        generation_kwargs={"min_new_tokens": args.completion_len},  # every rollout is exactly that long
        reward_weights=None,
        learning_rate=1e-6,
        bf16=device == "cuda",
        gradient_checkpointing=args.checkpointing,
        logging_steps=10_000,
        save_strategy="no",
        optim=args.optim,
    )
    lora = LoraConfig(r=32, lora_alpha=64, target_modules="all-linear", task_type="CAUSAL_LM") if args.lora else None
    rng = random.Random(0)

    def spread(completions, **_):  # any reward with spread within a group: the loss needs advantages
        return [rng.random() for _ in completions]

    steps, rollouts = StepTimer(), GenerationTimer()
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[spread],
        args=config,
        train_dataset=data,
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=[steps.callback()],
    )
    rollouts.wrap(trainer)
    trainer.train()
    timed = slice(args.warmup, None)
    rollout_s = sum(rollouts.seconds[timed]) / len(rollouts.seconds[timed])
    step_s = sum(steps.times[timed]) / len(steps.times[timed])
    generated = sum(rollouts.tokens[timed]) / len(rollouts.tokens[timed])
    prompt_tokens = len(tokenizer.apply_chat_template(data[0]["prompt"], add_generation_prompt=True, return_dict=False))
    trained = args.batch * args.generations * prompt_tokens + generated
    optimiser_s = step_s - rollout_s
    seq = prompt_tokens + args.completion_len
    shape = SHAPES[args.shape]
    train_flops = (4 if args.lora else 6) * params + 12 * shape["num_hidden_layers"] * shape["hidden_size"] * seq
    result = {
        "method": "grpo",
        "shape": args.shape,
        "params_b": round(params / 1e9, 3),
        "prompts_per_step": args.batch,
        "generations": args.generations,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": args.completion_len,
        "lora": args.lora,
        "step_s": round(step_s, 3),
        "rollout_s": round(rollout_s, 3),
        "rollout_tokens_per_s": round(generated / rollout_s, 1),
        "optimiser_tokens_per_s": round(trained / optimiser_s, 1),
        "optimiser_mfu_vs_989_tflops": round(trained * train_flops / optimiser_s / PEAK_FLOPS, 4),
        "peak_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 1) if device == "cuda" else None,
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
    }
    del trainer, model
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="qwen2.5-7b")
    parser.add_argument("--method", choices=["sft", "mdpo", "grpo", "both", "all"], default="both")
    parser.add_argument("--seq-len", type=int, default=4096)
    parser.add_argument("--batch", type=int, default=1, help="Sequences (pairs for mDPO) per step.")
    parser.add_argument("--steps", type=int, default=6, help="Timed steps.")
    parser.add_argument("--warmup", type=int, default=2, help="Untimed first steps.")
    parser.add_argument("--lora", action="store_true", help="LoRA r=32 instead of full fine-tuning.")
    parser.add_argument("--precompute", action="store_true", help="mDPO: precompute reference log-probs.")
    parser.add_argument("--no-checkpointing", dest="checkpointing", action="store_false")
    parser.add_argument("--optim", default="adamw_torch_fused")
    parser.add_argument("--generations", type=int, default=8, help="GRPO: rollouts per prompt.")
    parser.add_argument(
        "--prompt-len", type=int, default=1024, help="GRPO: words per prompt (prompt_tokens says what they render to)."
    )
    parser.add_argument("--completion-len", type=int, default=512, help="GRPO: tokens per rollout.")
    args = parser.parse_args()

    from magnet_graph.training.tiny import build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer(["warm up the merges"], vocab_size=300)
    rows = args.batch * (args.warmup + args.steps)
    sft_data, mdpo_data = datasets(SHAPES[args.shape]["vocab_size"], args.seq_len, rows, seed=0)
    methods = {"both": ["sft", "mdpo"], "all": ["sft", "mdpo", "grpo"]}.get(args.method, [args.method])
    for method in methods:
        result = run_grpo(args, tokenizer) if method == "grpo" else run(method, args, tokenizer, sft_data, mdpo_data)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
