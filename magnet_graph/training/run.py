"""``magnet-graph train {sft,mdpo}``: a run directory and a model in, a Hugging Face checkpoint out.

The output directory holds the model (or the LoRA adapter), the tokenizer, ``trainer_state.json``,
``checkpoint-*`` folders to resume from, and ``magnet_train.json`` (what was trained on, with what).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError
from .config import check_fields, load_config
from .data import mdpo_dataset, read_rows, sft_dataset

METHODS = ("sft", "mdpo")


def _check_out(out: Path, resume: bool) -> str | None:
    """The checkpoint to resume from (None for a fresh run); refuses to train over an earlier run unasked."""
    from transformers.trainer_utils import get_last_checkpoint

    used = out.exists() and any(out.iterdir())
    if not used:
        return None
    if not resume:
        raise MagnetGraphError(f"{out}: not empty; pass --resume to continue the run there, or choose another --out")
    checkpoint = get_last_checkpoint(str(out))
    if checkpoint is None:
        raise MagnetGraphError(f"{out}: --resume found no checkpoint-* to continue from; choose another --out")
    return checkpoint


def _load_model(model: str, model_kwargs: dict[str, Any]):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = dict(model_kwargs)
    if isinstance(kwargs.get("dtype"), str) and kwargs["dtype"] != "auto":
        import torch

        kwargs["dtype"] = getattr(torch, kwargs["dtype"])
    try:
        tokenizer = AutoTokenizer.from_pretrained(model)
        policy = AutoModelForCausalLM.from_pretrained(model, **kwargs)
    except OSError as exc:
        raise MagnetGraphError(f"--model {model}: cannot load ({str(exc).splitlines()[0]})") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return policy, tokenizer


def _has_bf16_device() -> bool:
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def _lora(config: dict[str, Any]):
    if not config["lora"]:
        return None
    from peft import LoraConfig

    check_fields(config, "lora", LoraConfig)
    return LoraConfig(task_type="CAUSAL_LM", **config["lora"])


def train(
    method: str,
    data_dir: str | Path,
    model: str,
    out: str | Path,
    config_path: str | Path | None = None,
    overrides: tuple[str, ...] = (),
    resume: bool = False,
) -> dict[str, Any]:
    """Train ``method`` on ``data_dir``'s rows starting from ``model``; returns a summary (also saved)."""
    if method not in METHODS:
        raise MagnetGraphError(f"train: method {method!r} is not one of {', '.join(METHODS)}")
    config = load_config(config_path, overrides)
    out = Path(out)
    rows = read_rows(data_dir, method)  # bad data fails before any model is loaded
    checkpoint = _check_out(out, resume)

    from trl import SFTConfig, SFTTrainer

    from .mdpo import MDPOConfig, MultiTurnDPOTrainer
    from .render import training_chat_template

    config_class = SFTConfig if method == "sft" else MDPOConfig
    check_fields(config, "args", config_class)
    if "bf16" not in config["args"] and not _has_bf16_device():
        config["args"]["bf16"] = False  # trl defaults to bf16, which a CPU-only machine refuses
    try:
        args = config_class(output_dir=str(out), **config["args"])
    except (TypeError, ValueError) as exc:
        raise MagnetGraphError(f"{config['source']}: args: {str(exc).splitlines()[0]}") from None
    policy, tokenizer = _load_model(model, config["model"])
    template = training_chat_template(tokenizer)
    started = time.perf_counter()
    if method == "sft":
        dataset = sft_dataset(rows, tokenizer, template, args.max_length)
        trainer = SFTTrainer(
            model=policy, args=args, train_dataset=dataset, processing_class=tokenizer, peft_config=_lora(config)
        )
    else:
        dataset = mdpo_dataset(rows, tokenizer, template, args.max_length)
        trainer = MultiTurnDPOTrainer(
            model=policy, args=args, train_dataset=dataset, processing_class=tokenizer, peft_config=_lora(config)
        )
    result = trainer.train(resume_from_checkpoint=checkpoint)
    trainer.save_model(str(out))  # the model or adapter, and the tokenizer, from the writing rank only
    trainer.save_state()
    summary = {
        "method": method,
        "data": str(Path(data_dir).resolve()),
        "model": model,
        "rows": len(rows),
        "examples": len(dataset),
        "steps": result.global_step,
        "train_loss": result.training_loss,
        "seconds": round(time.perf_counter() - started, 1),
        "resumed_from": checkpoint,
        "config": {k: config[k] for k in ("args", "model", "lora")},
    }
    if trainer.is_world_process_zero():  # one writer under accelerate / DeepSpeed
        (out / "magnet_train.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    return summary
