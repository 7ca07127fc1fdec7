"""``Episode``: one conversation's environment, its starting state, and the executor that acts in it.

Translation, distillation and negatives each run the conversation's calls again. Each starts from a
state it asks for by name, ``episode.reset()`` (the starting state) or ``episode.replay(calls)`` (the
starting state, then those calls), so no stage depends on what another left behind, whatever order
they run in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..execution import Executor
from ..records import ToolCall
from ..signature import FunctionSignature
from .environment import Environment, open_environment


class Episode:
    """A fresh environment for ``signatures`` that always restarts from ``initial_state``."""

    def __init__(
        self,
        signatures: list[FunctionSignature],
        initial_state: dict[str, Any],
        *,
        seed: int = 0,
        environment: Environment | None = None,
    ):
        self.initial_state = initial_state
        self.environment = environment or open_environment(signatures, seed=seed)
        self.executor = Executor(self.environment)

    @property
    def kind(self) -> str:
        """The environment's kind (an execution kind, or ``simulated``)."""
        return self.environment.kind

    def reset(self) -> Executor:
        """The environment back in the starting state; the executor to act in it."""
        self.environment.reset(self.initial_state)
        return self.executor

    def replay(self, calls: Iterable[ToolCall]) -> Executor:
        """The starting state, then ``calls`` run in order (their outcomes are not checked): the
        state a conversation reached with them. The executor to act in it."""
        self.reset()
        for call in calls:
            self.executor.execute(call)
        return self.executor

    def state_hash(self) -> str:
        return self.environment.state_hash()

    def close(self) -> None:
        self.environment.close()

    def __enter__(self) -> Episode:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
