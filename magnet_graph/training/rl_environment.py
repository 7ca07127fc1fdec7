"""RL tasks as live environments: one rollout's tools, really executed, and the rollout's reward.

``TaskEnvironment`` follows trl's ``environment_factory`` contract (``reset(**row)``, then one public
method per tool), so ``GRPOTrainer`` can hand one to every rollout; nothing here imports trl, and a
scripted rollout (``rollout_reward``) goes through the same class. ``environment_class`` builds the
subclass whose methods are the named tools: each forwards its keyword arguments to ``call``, which
runs the call in the task's environment (the worker process synthesis used) and records it.
A tool the task does not offer is refused, not run (the model could not have seen it), but it is
recorded, so calling a withheld function costs the ``forbidden`` part.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..environments import Episode
from ..errors import MagnetGraphError
from ..records import ToolCall, tool_text
from ..signature import FunctionSignature
from .reward import Reward, score
from .tasks import RLTask, open_task

RESERVED = frozenset({"reset", "get_reward"})  # trl's own members of an environment
OPENERS = 8  # environments opened at once in the background (their workers are processes)
_opener: ThreadPoolExecutor | None = None


def _opening_pool() -> ThreadPoolExecutor:
    global _opener
    if _opener is None:
        _opener = ThreadPoolExecutor(max_workers=OPENERS, thread_name_prefix="task-environment")
    return _opener


class TaskEnvironment:
    """The environment of one rollout of an RL task: ``reset(task_id=ID)`` opens it in the task's
    starting state, ``call`` runs a tool there, ``reward`` scores what the rollout did."""

    def __init__(self, tasks: Mapping[str, RLTask], signatures: Mapping[str, FunctionSignature]):
        self._tasks, self._signatures = tasks, signatures
        self._episode: Episode | None = None
        self._opening: Future | None = None
        self._task: RLTask | None = None
        self._calls: list[ToolCall] = []
        self._outputs: list[Any] = []
        self._reward: Reward | None = None

    def reset(self, task_id: str, **_row: Any) -> None:
        """Open the task's environment in the state its turn starts from (the prompt is the task's
        messages). It opens in the background: trl resets every rollout's environment one after
        another before generating, and a live server takes most of a second to start."""
        self._close()
        if task_id not in self._tasks:
            raise MagnetGraphError(f"task {task_id!r}: not among the tasks this environment was built with")
        self._task = self._tasks[task_id]
        self._opening = _opening_pool().submit(open_task, self._task, self._signatures)
        self._offered = {t.name for t in self._task.tools}
        self._calls, self._outputs, self._reward = [], [], None

    def _ready(self, what: str) -> Episode:
        """The task's environment, once it has opened (its error, if it could not)."""
        if self._episode is None:
            if self._opening is None:
                raise MagnetGraphError(f"{what} before reset: the environment has no task")
            opening, self._opening = self._opening, None
            self._episode = opening.result()
        return self._episode

    def call(self, name: str, arguments: dict[str, Any]) -> str:
        """Run one call and return what the model sees next (JSON text: the output, or ``{"error": ...}``)."""
        episode = self._ready("call")
        call = ToolCall(name, arguments)
        self._calls.append(call)
        if name not in self._offered:
            return json.dumps({"error": f"no tool named {name!r} is available"})
        observed = episode.executor.execute(call)
        output = observed.output if observed.ok else {"error": observed.error}  # as synthesis shows it
        self._outputs.append(output)
        return tool_text(output)  # the text SFT data shows after a call

    @property
    def calls(self) -> tuple[ToolCall, ...]:
        """The calls this rollout made so far, offered or not."""
        return tuple(self._calls)

    def reward(self, malformed: int = 0) -> Reward:
        """The rollout's reward (``malformed``: calls it attempted that never reached a tool); computed
        once, after which the environment's worker is let go until the next ``reset``."""
        if self._reward is None:
            final = self._ready("reward").state_hash()
            self._reward = score(self._task, self._calls, self._outputs, final, malformed)
            self._close()
        return self._reward

    def _close(self) -> None:
        opening, self._opening = self._opening, None
        if opening is not None:  # opened (or opening) for a rollout that never used it
            with contextlib.suppress(Exception):
                opening.result().close()
        if self._episode is not None:
            self._episode.close()
            self._episode = None

    def __del__(self):  # a pooled instance trl drops: its worker goes with it
        with contextlib.suppress(Exception):  # at interpreter exit the worker may be gone already
            self._close()


def environment_class(tool_names: Iterable[str]) -> type[TaskEnvironment]:
    """A ``TaskEnvironment`` subclass with one method per tool name (trl exposes public methods as tools)."""
    methods = {}
    for name in sorted(set(tool_names)):
        if name in RESERVED or name.startswith("_") or hasattr(TaskEnvironment, name):
            raise MagnetGraphError(f"tool {name!r}: the name clashes with an environment member; rename the tool")
        methods[name] = _tool_method(name)
    return type("MagnetTaskEnvironment", (TaskEnvironment,), methods)


def _tool_method(name: str):
    def tool(self, **arguments):
        return self.call(name, arguments)

    tool.__name__ = tool.__qualname__ = name
    tool.__doc__ = f"Run the tool {name!r} in this rollout's environment."
    return tool


def task_tool_names(tasks: Iterable[RLTask]) -> set[str]:
    """Every tool a rollout of these tasks can reach: the offered ones and the forbidden ones."""
    return {t.name for task in tasks for t in task.tools} | {n for task in tasks for n in task.forbidden}


def rollout_reward(task: RLTask, calls: Sequence[ToolCall], signatures: Mapping[str, FunctionSignature]) -> Reward:
    """A scripted rollout: ``calls`` run in the task's environment from its starting state, then scored."""
    environment = TaskEnvironment({task.id: task}, signatures)
    environment.reset(task.id)
    try:
        for call in calls:
            environment.call(call.name, call.arguments)
        return environment.reward()
    finally:
        environment._close()
