"""Running BFCL's multi-turn classes: ``{"kind": "bfcl", "class", "module", "method"}`` signatures.

As BFCL's own executor does: one instance per class, keyed by the class name; a state is loaded with
``_load_scenario(state, long_context=...)``, except for the stateless classes (MathAPI), which never
load one. Starting states for synthesis are generated (``states``), never copied from test entries.
"""

from __future__ import annotations

import functools
import importlib
import random
from typing import Any

from .states import STATE_GENERATORS, generate_state

KIND = "bfcl"


@functools.cache
def stateless_classes() -> tuple[str, ...]:
    from bfcl_eval.constants.executable_backend_config import STATELESS_CLASSES

    return tuple(STATELESS_CLASSES)


class BfclClassBackend:
    def tool_class(self, execution: dict[str, Any]) -> type:
        stateless_classes()  # load_state's import, done where tool_class runs: before a worker forks
        return getattr(importlib.import_module(execution["module"]), execution["class"])

    def state_key(self, execution: dict[str, Any]) -> str:
        return execution["class"]

    def load_state(self, instance: Any, state: dict[str, Any] | None, long_context: bool = False) -> None:
        if type(instance).__name__ not in stateless_classes():
            instance._load_scenario(state or {}, long_context=long_context)

    def initial_state(self, key: str, rng: random.Random) -> dict[str, Any] | None:
        return generate_state(key, rng) if key in STATE_GENERATORS else None
