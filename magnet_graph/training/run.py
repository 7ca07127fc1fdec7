"""``magnet-graph train {sft,mdpo,grpo}``: a run directory and a model in, a Hugging Face checkpoint out.

The output directory holds the model (or the LoRA adapter), the tokenizer, ``trainer_state.json``,
``checkpoint-*`` folders to resume from, and ``magnet_train.json`` (what was trained on, with what).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError
from ..signature import FunctionSignature
from .config import check_fields, load_config
from .data import mdpo_dataset, read_rows, sft_dataset
from .reward import WEIGHTS
from .tasks import RLTask

METHODS = ("sft", "mdpo", "grpo")


def logged_rewards(log_history: list[dict[str, Any]]) -> dict[str, float]:
    """Mean over the logged steps of each reward part and of the total (GRPO's ``rewards/PART/mean``)."""
    means = {}
    for part, key in [*((p, f"rewards/{p}/mean") for p in WEIGHTS), ("total", "reward")]:
        values = [float(entry[key]) for entry in log_history if key in entry]
        if values:
            means[part] = sum(values) / len(values)
    return means


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


def _load_model(model: str, model_kwargs: dict[str, Any], init: str | Path | None = None):
    """The policy and tokenizer: ``model``'s, or those of ``init``, an earlier ``train`` output (a full
    checkpoint is loaded as it is; a LoRA adapter is merged into the weights it was trained on)."""
    from transformers import AutoTokenizer

    kwargs = dict(model_kwargs)
    if isinstance(kwargs.get("dtype"), str) and kwargs["dtype"] != "auto":
        import torch

        kwargs["dtype"] = getattr(torch, kwargs["dtype"])
    where = f"--init {init}" if init is not None else f"--model {model}"
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(init) if init is not None else model)
        policy = _weights(model, kwargs, init)
    except (OSError, ValueError) as exc:
        raise MagnetGraphError(f"{where}: cannot load ({str(exc).splitlines()[0]})") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return policy, tokenizer


def _weights(model: str, kwargs: dict[str, Any], init: str | Path | None):
    """``init``'s weights; an adapter goes on what its own run started from (its magnet_train.json's
    model and init, so SFT -> mDPO -> GRPO with LoRA stacks each adapter on the merged one before)."""
    from transformers import AutoModelForCausalLM

    if init is None:
        return AutoModelForCausalLM.from_pretrained(model, **kwargs)
    init = Path(init)
    if not (init / "adapter_config.json").is_file():
        return AutoModelForCausalLM.from_pretrained(str(init), **kwargs)
    from peft import PeftModel

    record = init / "magnet_train.json"
    trained_on = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else {}
    base = _weights(trained_on.get("model") or model, kwargs, trained_on.get("init"))
    return PeftModel.from_pretrained(base, str(init)).merge_and_unload()


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
    init: str | Path | None = None,
    tasks: Sequence[RLTask] | None = None,
    signatures: Mapping[str, FunctionSignature] | None = None,
) -> dict[str, Any]:
    """Train ``method`` on ``data_dir``'s rows (for ``grpo``: on ``tasks``, their tools run with
    ``signatures``' implementations) starting from ``model`` or ``init``; returns a summary (also saved)."""
    if method not in METHODS:
        raise MagnetGraphError(f"train: method {method!r} is not one of {', '.join(METHODS)}")
    config = load_config(config_path, overrides)
    out = Path(out)
    if method == "grpo":
        if not tasks or signatures is None:
            raise MagnetGraphError("train grpo: no tasks (write them with `magnet-graph tasks RUN`)")
        rows: Sequence[Any] = tasks
    else:
        rows = read_rows(data_dir, method)  # bad data fails before any model is loaded
    checkpoint = _check_out(out, resume)

    from trl import SFTConfig, SFTTrainer

    from .grpo import MagnetGRPOConfig, TaskGRPOTrainer
    from .mdpo import MDPOConfig, MultiTurnDPOTrainer
    from .render import training_chat_template

    config_class = {"sft": SFTConfig, "mdpo": MDPOConfig, "grpo": MagnetGRPOConfig}[method]
    check_fields(config, "args", config_class)
    if "bf16" not in config["args"] and not _has_bf16_device():
        config["args"]["bf16"] = False  # trl defaults to bf16, which a CPU-only machine refuses
    try:
        args = config_class(output_dir=str(out), **config["args"])
    except (TypeError, ValueError) as exc:
        raise MagnetGraphError(f"{config['source']}: args: {str(exc).splitlines()[0]}") from None
    policy, tokenizer = _load_model(model, config["model"], init)
    started = time.perf_counter()
    if method == "grpo":
        dataset = rows
        try:
            trainer = TaskGRPOTrainer(
                policy, args, tasks, signatures, processing_class=tokenizer, peft_config=_lora(config)
            )
        except ValueError as exc:  # trl's word on a tokenizer whose tool calls it cannot parse, and the like
            raise MagnetGraphError(f"train grpo: {str(exc).splitlines()[0]}") from None
    elif method == "sft":
        template = training_chat_template(tokenizer)
        dataset = sft_dataset(rows, tokenizer, template, args.max_length)
        trainer = SFTTrainer(
            model=policy, args=args, train_dataset=dataset, processing_class=tokenizer, peft_config=_lora(config)
        )
    else:
        template = training_chat_template(tokenizer)
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
        "model": str(Path(model).resolve()) if Path(model).exists() else model,  # a later --init finds it
        "init": str(Path(init).resolve()) if init is not None else None,
        "rows": len(rows),
        "examples": len(dataset),
        "steps": result.global_step,
        "train_loss": result.training_loss,
        "seconds": round(time.perf_counter() - started, 1),
        "resumed_from": checkpoint,
        "config": {k: config[k] for k in ("args", "model", "lora")},
    }
    if method == "grpo":
        summary["rewards"] = logged_rewards(trainer.state.log_history)
        spread = [
            1 - float(e["frac_reward_zero_std"]) for e in trainer.state.log_history if "frac_reward_zero_std" in e
        ]
        summary["groups_with_spread"] = sum(spread) / len(spread) if spread else None
    if trainer.is_world_process_zero():  # one writer under accelerate / DeepSpeed
        (out / "magnet_train.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    return summary
