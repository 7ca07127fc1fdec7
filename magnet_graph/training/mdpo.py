"""Multi-turn DPO (Magnet, Yin et al. 2025): trl's DPOTrainer scored per assistant turn, plus λ·SFT.

For a chosen trajectory w and a rejected one l, turn k's log-ratio is
``r_k = log π(y_k | context_k) - log π_ref(y_k | context_k)``, summed over the tokens of the k-th
assistant message; user, tool and template tokens are never scored. Two forms:

- ``sequence`` (the paper's equation): ``-log σ(β (Σ_k r_k^w - Σ_k r_k^l))``;
- ``turn``: ``Σ_k -log σ(β (r_k^w - r_k^l))``, turns paired by index (a turn one side lacks has r = 0).

Turns identical in both trajectories, context included (everything before the divergence), are left
out of both forms: their log-ratios are equal, so they carry no preference. The training loss is
``L_mDPO + sft_weight · L_SFT``, L_SFT the mean negative log-likelihood of the chosen assistant tokens;
the paper writes it ``L_SFT + λ L_mDPO``, the same objective up to the learning rate's scale.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from accelerate.utils import is_peft_model
from trl import DPOConfig, DPOTrainer
from trl.models import prepare_deepspeed
from trl.models.utils import disable_gradient_checkpointing
from trl.trainer.utils import pad, use_adapter

FORMS = ("sequence", "turn")
# DPOConfig options the multi-turn loss does not implement: set otherwise, they would be silently ignored.
UNSUPPORTED = {
    "loss_type": ["sigmoid"],
    "loss_weights": None,
    "label_smoothing": 0.0,
    "ld_alpha": None,
    "use_weighting": False,
    "f_divergence_type": "reverse_kl",
    "truncation_mode": "keep_start",
}


@dataclass
class MDPOConfig(DPOConfig):
    """DPOConfig plus the multi-turn form and the weight of the SFT term."""

    mdpo_form: str = field(default="sequence", metadata={"help": "sequence | turn (see magnet_graph.training.mdpo)."})
    sft_weight: float = field(default=1.0, metadata={"help": "Weight of the SFT loss on chosen assistant tokens."})

    def __post_init__(self):
        super().__post_init__()
        if self.mdpo_form not in FORMS:
            raise ValueError(f"mdpo_form: {self.mdpo_form!r} is not one of {', '.join(FORMS)}")
        for name, default in UNSUPPORTED.items():
            if getattr(self, name) != default:
                raise ValueError(f"{name}: the multi-turn loss does not use it (leave it at {default!r})")


def turn_logps(per_token_logps: torch.Tensor, turn_ids: torch.Tensor, num_turns: int) -> torch.Tensor:
    """Sum token log-probs per assistant turn: (N, T) log-probs and turn ids (-1 = not scored) -> (N, num_turns)."""
    index = (turn_ids + 1).clamp(min=0, max=num_turns)
    sums = per_token_logps.new_zeros(per_token_logps.size(0), num_turns + 1)
    sums.scatter_add_(1, index, per_token_logps * (turn_ids >= 0))
    return sums[:, 1:]


def mdpo_loss(
    chosen_logratios: torch.Tensor,
    rejected_logratios: torch.Tensor,
    chosen_valid: torch.Tensor,
    rejected_valid: torch.Tensor,
    beta: float,
    form: str,
) -> torch.Tensor:
    """Per-pair mDPO loss from per-turn log-ratios (B, K) and masks of the turns that count (B, K)."""
    chosen = chosen_logratios * chosen_valid
    rejected = rejected_logratios * rejected_valid
    if form == "sequence":
        return -F.logsigmoid(beta * (chosen.sum(dim=1) - rejected.sum(dim=1)))
    if form == "turn":
        paired = chosen_valid | rejected_valid
        return (-F.logsigmoid(beta * (chosen - rejected)) * paired).sum(dim=1)
    raise ValueError(f"mdpo form {form!r} is not one of {', '.join(FORMS)}")


@dataclass
class MultiTurnPreferenceCollator:
    """Pads chosen rows then rejected rows; ``turn_valid`` marks, per row, the turns past the shared ones."""

    pad_token_id: int

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        ids = [e["chosen_ids"] for e in examples] + [e["rejected_ids"] for e in examples]
        turns = [e["chosen_turn_ids"] for e in examples] + [e["rejected_turn_ids"] for e in examples]
        shared = torch.tensor([e["shared_turns"] for e in examples] * 2)
        counts = torch.tensor([max(t) + 1 for t in turns])
        num_turns = int(counts.max())
        k = torch.arange(num_turns)
        batch = {
            "input_ids": pad([torch.tensor(x) for x in ids], padding_value=self.pad_token_id, padding_side="right"),
            "attention_mask": pad(
                [torch.ones(len(x), dtype=torch.long) for x in ids], padding_value=0, padding_side="right"
            ),
            "turn_ids": pad([torch.tensor(t) for t in turns], padding_value=-1, padding_side="right"),
            "turn_valid": (k[None, :] < counts[:, None]) & (k[None, :] >= shared[:, None]),
        }
        if "ref_chosen_logps" in examples[0]:
            batch["ref_chosen_logps"] = torch.tensor([e["ref_chosen_logps"] for e in examples])
            batch["ref_rejected_logps"] = torch.tensor([e["ref_rejected_logps"] for e in examples])
        return batch


class MultiTurnDPOTrainer(DPOTrainer):
    """DPOTrainer over whole trajectories tokenized by ``training.data.mdpo_dataset``."""

    _tag_names = ["trl", "dpo", "mdpo", "magnet-graph"]
    _name = "mDPO"

    def __init__(self, *args, processing_class=None, data_collator=None, **kwargs):
        self._max_turns = 0
        if processing_class.pad_token is None:
            processing_class.pad_token = processing_class.eos_token
        data_collator = data_collator or MultiTurnPreferenceCollator(processing_class.pad_token_id)
        super().__init__(*args, processing_class=processing_class, data_collator=data_collator, **kwargs)

    def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
        """Rows arrive tokenized; note the most assistant turns any row has (precomputed references pad to it)."""
        for column in ("chosen_turn_ids", "rejected_turn_ids"):
            self._max_turns = max(self._max_turns, max(max(t) + 1 for t in dataset[column]))
        return dataset

    def _set_signature_columns_if_needed(self):
        if self._signature_columns is None:
            self._signature_columns = [
                "chosen_ids",
                "rejected_ids",
                "chosen_turn_ids",
                "rejected_turn_ids",
                "shared_turns",
                "ref_chosen_logps",
                "ref_rejected_logps",
            ]

    @staticmethod
    def _labels(inputs):
        return inputs["input_ids"].masked_fill(inputs["turn_ids"] < 0, -100)

    def _reference_per_token_logps(self, inputs) -> torch.Tensor:
        model, adapter = self.ref_model, contextlib.nullcontext()
        if model is None:  # PEFT: the base model without the adapter; or precomputing, before any step
            model = self.model
            if is_peft_model(self.model):
                unwrapped = self.accelerator.unwrap_model(self.model)
                adapter = use_adapter(unwrapped, adapter_name="ref" if "ref" in unwrapped.peft_config else None)
            elif self.is_deepspeed_enabled:
                if self._precompute_engine is None:
                    self._precompute_engine = prepare_deepspeed(self.model, self.accelerator)
                model = self._precompute_engine
        with (
            torch.no_grad(),
            disable_gradient_checkpointing(self.model, self.args.gradient_checkpointing_kwargs),
            adapter,
            self.accelerator.autocast(),
        ):
            out = model(
                input_ids=inputs["input_ids"],
                attention_mask=inputs["attention_mask"],
                use_cache=False,
                labels=self._labels(inputs),
                fused_lm_head=True,
            )
        return out.log_probs[:, -(inputs["input_ids"].size(1) - 1) :]

    def compute_ref_log_probs(self, model, inputs):
        """Per-turn reference log-probs, padded to the dataset's most turns (what precomputation stores)."""
        per_token = self._reference_per_token_logps(inputs)
        return turn_logps(per_token.float(), inputs["turn_ids"][:, 1:], self._max_turns).chunk(2, dim=0)

    def _compute_loss(self, model, inputs, return_outputs):
        mode = "train" if self.model.training else "eval"
        outputs = model(
            input_ids=inputs["input_ids"],
            attention_mask=inputs["attention_mask"],
            use_cache=False,
            labels=self._labels(inputs),
            fused_lm_head=True,
        )
        length = inputs["input_ids"].size(1) - 1
        per_token = outputs.log_probs[:, -length:]
        turn_ids = inputs["turn_ids"][:, 1:]
        valid = inputs["turn_valid"]
        num_turns = valid.size(1)
        logps = turn_logps(per_token.float(), turn_ids, num_turns)
        if "ref_chosen_logps" in inputs:
            ref = torch.cat([inputs["ref_chosen_logps"], inputs["ref_rejected_logps"]])[:, :num_turns].to(logps)
        else:
            ref = turn_logps(self._reference_per_token_logps(inputs).float(), turn_ids, num_turns)
        chosen_ratio, rejected_ratio = (logps - ref).chunk(2, dim=0)
        chosen_valid, rejected_valid = valid.chunk(2, dim=0)
        preference = mdpo_loss(
            chosen_ratio, rejected_ratio, chosen_valid, rejected_valid, self.beta, self.args.mdpo_form
        ).mean()
        chosen_tokens = (turn_ids >= 0).chunk(2, dim=0)[0]
        sft = -per_token.chunk(2, dim=0)[0][chosen_tokens].float().mean()
        loss = preference + self.args.sft_weight * sft

        gather = self.accelerator.gather_for_metrics
        chosen_rewards = self.beta * (chosen_ratio * chosen_valid).sum(dim=1).detach()
        rejected_rewards = self.beta * (rejected_ratio * rejected_valid).sum(dim=1).detach()
        metrics = self._metrics[mode]
        metrics["mdpo_loss"].append(gather(preference.detach()).mean().item())
        metrics["sft_loss"].append(gather(sft.detach()).mean().item())
        metrics["rewards/chosen"].append(gather(chosen_rewards).mean().item())
        metrics["rewards/rejected"].append(gather(rejected_rewards).mean().item())
        metrics["rewards/accuracies"].append(gather((chosen_rewards > rejected_rewards).float()).mean().item())
        metrics["rewards/margins"].append(gather(chosen_rewards - rejected_rewards).mean().item())
        metrics["turns/compared"].append(gather((chosen_valid | rejected_valid).sum(dim=1).float()).mean().item())
        if mode == "train":
            self._total_train_tokens += gather(inputs["attention_mask"].sum()).sum().item()
        metrics["num_tokens"] = [self._total_train_tokens]
        return (loss, outputs) if return_outputs else loss
