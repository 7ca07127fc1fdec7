"""Signature paths: turns of function calls, with what each turn depends on."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Dependency:
    """Turn ``turn`` produced ``source``'s ``source_field``, which feeds ``target``'s ``target_param``."""

    turn: int
    source: str
    source_field: str
    target: str
    target_param: str
    kind: str


@dataclass(frozen=True)
class Turn:
    index: int
    functions: tuple[str, ...]
    op: str  # "walk" for plain walks; the node operations add "merge", "insert", "split"
    depends_on: tuple[Dependency, ...] = field(default=())


@dataclass(frozen=True)
class SignaturePath:
    seed: int
    turns: tuple[Turn, ...]

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(f for t in self.turns for f in t.functions)

    @property
    def id(self) -> str:
        """Content address: the same turns give the same id on any store, in any run."""
        blob = json.dumps([asdict(t) for t in self.turns], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_json(self) -> str:
        """One JSONL line; byte-identical for equal paths."""
        return json.dumps({"id": self.id, "seed": self.seed, "start": self.functions[0],
                           "turns": [asdict(t) for t in self.turns]}, sort_keys=True, ensure_ascii=False)
