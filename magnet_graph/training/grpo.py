"""GRPO on a run's RL tasks: trl's GRPOTrainer, each rollout in its own live environment.

Every task is a prompt (its messages) whose rollout gets a ``TaskEnvironment`` through trl's
``environment_factory``: ``reset`` opens the task's state, the model's tool calls run for real, and
the reward is scored from what they did (``training.reward``), one reward function per part
(state, response, forbidden, format) weighted by ``WEIGHTS``, so trl logs each part apart; the
trainer adds ``rewards/PART/group_std``, the spread of a part among one prompt's generations (GRPO
learns only where it is above 0).

trl renders an environment's tools from its methods' type hints; ours come from catalogs, so the
trainer renders each task's own JSON schemas instead (``_env_tools``): tasks with the same tool list
share one named environment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from trl import GRPOConfig, GRPOTrainer

from ..errors import MagnetGraphError
from ..records import tools_json
from ..signature import FunctionSignature
from .reward import WEIGHTS
from .rl_environment import environment_class, task_tool_names
from .tasks import RLTask

PARTS = tuple(WEIGHTS)


@dataclass
class MagnetGRPOConfig(GRPOConfig):
    """GRPOConfig with magnet-graph's defaults: the reward parts' weights, a budget of tool rounds."""

    reward_weights: list[float] | None = field(default_factory=lambda: [WEIGHTS[p] for p in PARTS])
    max_tool_calling_iterations: int | None = field(
        default=8, metadata={"help": "Tool rounds a rollout may take before it must answer."}
    )

    def __post_init__(self):
        super().__post_init__()
        if self.reward_weights is not None and len(self.reward_weights) != len(PARTS):
            raise ValueError(f"reward_weights: one weight per part ({', '.join(PARTS)}), got {self.reward_weights}")


def tools_key(task: RLTask) -> str:
    """The name of the environment serving a task: tasks that offer the same tools share one."""
    return hashlib.sha256(tools_json(task.tools).encode()).hexdigest()[:16]


def task_dataset(tasks: Sequence[RLTask]):
    """One row per task: ``prompt`` (its messages), ``task_id``, ``environment`` (its tools' key).

    Messages are kept as JSON text and decoded on access: Arrow would merge every tool call's
    arguments into one struct (nulls in the gaps), and its Json feature rounds floats."""
    from datasets import Dataset

    table = Dataset.from_dict(
        {
            "prompt": [json.dumps([m.to_dict() for m in t.messages]) for t in tasks],
            "task_id": [t.id for t in tasks],
            "environment": [tools_key(t) for t in tasks],
        }
    )
    return table.with_transform(_decode_prompts)


def _decode_prompts(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {**batch, "prompt": [json.loads(p) for p in batch["prompt"]]}


def _part_reward(part: str):
    def reward(completions, environments, **_):
        return [env.reward(_unrouted(env, c)).parts()[part] for env, c in zip(environments, completions)]

    reward.__name__ = part
    return reward


def _unrouted(environment, completion: list[dict[str, Any]]) -> int:
    """Tool calls the rollout wrote that never reached its environment (trl found no such tool)."""
    written = sum(len(m.get("tool_calls") or []) for m in completion if m.get("role") == "assistant")
    return max(written - len(environment.calls), 0)


class TaskGRPOTrainer(GRPOTrainer):
    """GRPOTrainer over RL tasks: live environments per rollout, per-part rewards, each task's own tool schemas."""

    _tag_names = ["trl", "grpo", "magnet-graph"]

    def __init__(
        self,
        model,
        args: GRPOConfig,
        tasks: Sequence[RLTask],
        signatures: Mapping[str, FunctionSignature],
        processing_class,
        peft_config=None,
    ):
        by_id = {t.id: t for t in tasks}
        if len(by_id) != len(tasks):
            raise MagnetGraphError("tasks: two tasks share an id")
        environment = environment_class(task_tool_names(tasks))

        def factory():
            return environment(by_id, signatures)

        schemas = {tools_key(t): json.loads(tools_json(t.tools)) for t in tasks}  # rendered as SFT saw them
        super().__init__(
            model=model,
            reward_funcs=[_part_reward(p) for p in PARTS],
            args=args,
            train_dataset=task_dataset(tasks),
            processing_class=processing_class,
            environment_factory={key: factory for key in schemas},
            peft_config=peft_config,
        )
        # trl would render the methods' type hints; each task is shown the schemas of its catalog
        self._env_tools = schemas

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        rewards = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        mode = "train" if self.model.training else "eval"
        size = self.num_generations if mode == "train" else self.num_generations_eval
        groups = rewards.view(-1, size, rewards.size(1))
        for i, name in enumerate(self.reward_func_names):
            self._metrics[mode][f"rewards/{name}/group_std"].append(groups[:, :, i].std(dim=1).nanmean().item())
        return rewards
