"""The reward of one rollout of an RL task, in parts that are logged apart.

- ``state``: the environment ends in the reference state (BFCL's state check, on our state hash);
- ``response``: the share of the reference outputs that some call of the rollout returned (BFCL's
  response check: what the user needed was really fetched);
- ``forbidden``: 1 unless the rollout called a function the turn must not call (a withheld
  function, the one a clarification turn lacks a value for);
- ``format``: the share of calls that name an offered tool with JSON-object arguments.

``total`` weighs them by ``WEIGHTS`` (the reference scores 1.0). A turn that needs calls and got
none scores 0 in every part: on a read-only turn doing nothing would otherwise keep the state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..records import Serializable, ToolCall, canonical
from .tasks import RLTask

WEIGHTS = {"state": 0.5, "response": 0.3, "forbidden": 0.1, "format": 0.1}


@dataclass(frozen=True)
class Reward(Serializable):
    state: float
    response: float
    forbidden: float
    format: float

    @property
    def total(self) -> float:
        return sum(weight * getattr(self, part) for part, weight in WEIGHTS.items())

    def parts(self) -> dict[str, float]:
        return {**{part: getattr(self, part) for part in WEIGHTS}, "total": self.total}


NOTHING = Reward(0.0, 0.0, 0.0, 0.0)


def score(
    task: RLTask, calls: Sequence[ToolCall], outputs: Sequence[Any], state_hash: str, malformed: int = 0
) -> Reward:
    """The reward of a rollout that made ``calls`` (each returned the matching ``outputs``; ``malformed``
    more could not be parsed) and left the environment in ``state_hash``."""
    offered = {t.name for t in task.tools}
    made = [c for c in calls if c.name in offered or c.name in task.forbidden]
    if task.calls and not made:
        return NOTHING
    wanted = [canonical(o) for step in task.outputs for o in step]
    got = {canonical(o) for o in outputs}
    attempted = len(calls) + malformed
    return Reward(
        state=float(state_hash == task.expected_state_hash),
        response=sum(o in got for o in wanted) / len(wanted) if wanted else 1.0,
        forbidden=float(not any(c.name in task.forbidden for c in calls)),
        format=sum(c.name in offered for c in calls) / attempted if attempted else 1.0,
    )
