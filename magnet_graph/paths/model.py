"""Signature paths: turns of function calls, with what each turn depends on."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from ..errors import MagnetGraphError


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
class Missing:
    """What a split turn withholds: the function (miss_func) or one required value (miss_param)."""

    kind: str  # "miss_func" | "miss_param" | "irrelevance"
    function: str
    param: str = ""


@dataclass(frozen=True)
class Turn:
    """``op`` names what made the turn: walk, merge, insert (nested call added), insert_long (a turn
    of its own for a long dependency), split; several joined by '+'. A dependency may point at its
    own turn (a later call in the turn uses an earlier one's output)."""

    index: int
    functions: tuple[str, ...]
    op: str
    depends_on: tuple[Dependency, ...] = field(default=())
    missing: Missing | None = None


@dataclass(frozen=True)
class SignaturePath:
    seed: int
    turns: tuple[Turn, ...]
    parent: str = ""  # a split copy names the path it was copied from

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(f for t in self.turns for f in t.functions)

    @property
    def id(self) -> str:
        """Content address: the same turns give the same id on any store, in any run."""
        blob = json.dumps([asdict(t) for t in self.turns] + [self.parent], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_json(self) -> str:
        """One JSONL line; byte-identical for equal paths."""
        return json.dumps(
            {
                "id": self.id,
                "seed": self.seed,
                "start": self.functions[0] if self.functions else "",
                "parent": self.parent,
                "turns": [asdict(t) for t in self.turns],
            },
            sort_keys=True,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, line: str) -> SignaturePath:
        """The inverse of ``to_json``; raises MagnetGraphError if the id does not match the turns."""
        data = json.loads(line)
        turns = tuple(
            Turn(
                t["index"],
                tuple(t["functions"]),
                t["op"],
                tuple(Dependency(**d) for d in t["depends_on"]),
                Missing(**t["missing"]) if t["missing"] else None,
            )
            for t in data["turns"]
        )
        path = cls(data["seed"], turns, data["parent"])
        if path.id != data["id"]:
            raise MagnetGraphError(f"path {data['id']}: its turns do not match its id (edited or corrupted)")
        return path
