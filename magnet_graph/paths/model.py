"""Signature paths: turns of function calls, with what each turn depends on.

A path's JSON line (paths.jsonl) writes a turn's operations as one ``op`` string joined by '+', and
its id hashes that form: ids stay those of every earlier run, so ``op`` is read and written here only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError
from ..records import Missing, atomic_write

OP_SEPARATOR = "+"
PATHS_FILE = "paths.jsonl"  # of a run directory


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
class PathTurn:
    """One turn of a path. ``ops`` names what made it: walk, merge, insert (a nested call added),
    insert_long (a turn of its own for a long dependency), split, or a single-turn shape (single,
    parallel, multiple, irrelevance). A dependency may point at its own turn (a later call in the
    turn uses an earlier one's output)."""

    index: int
    functions: tuple[str, ...]
    ops: tuple[str, ...]
    depends_on: tuple[Dependency, ...] = field(default=())
    missing: Missing | None = None

    def with_op(self, op: str) -> PathTurn:
        """This turn, also marked as made by ``op`` (once)."""
        return (
            self
            if op in self.ops
            else PathTurn(self.index, self.functions, self.ops + (op,), self.depends_on, self.missing)
        )

    def to_wire(self) -> dict[str, Any]:
        """The turn as paths.jsonl (and the path id) have always written it."""
        return {
            "index": self.index,
            "functions": list(self.functions),
            "op": OP_SEPARATOR.join(self.ops),
            "depends_on": [asdict(d) for d in self.depends_on],
            "missing": self.missing.to_dict() if self.missing else None,
        }

    @classmethod
    def from_wire(cls, t: dict[str, Any]) -> PathTurn:
        return cls(
            t["index"],
            tuple(t["functions"]),
            tuple(t["op"].split(OP_SEPARATOR)),
            tuple(Dependency(**d) for d in t["depends_on"]),
            Missing(**t["missing"]) if t["missing"] else None,
        )


@dataclass(frozen=True)
class SignaturePath:
    seed: int
    turns: tuple[PathTurn, ...]
    parent: str = ""  # a split copy names the path it was copied from

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(f for t in self.turns for f in t.functions)

    @property
    def id(self) -> str:
        """Content address: the same turns give the same id on any store, in any run."""
        blob = json.dumps([t.to_wire() for t in self.turns] + [self.parent], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_json(self) -> str:
        """One JSONL line; byte-identical for equal paths."""
        return json.dumps(
            {
                "id": self.id,
                "seed": self.seed,
                "start": self.functions[0] if self.functions else "",
                "parent": self.parent,
                "turns": [t.to_wire() for t in self.turns],
            },
            sort_keys=True,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, line: str) -> SignaturePath:
        """The inverse of ``to_json``; raises MagnetGraphError if the id does not match the turns."""
        data = json.loads(line)
        path = cls(data["seed"], tuple(PathTurn.from_wire(t) for t in data["turns"]), data["parent"])
        if path.id != data["id"]:
            raise MagnetGraphError(f"path {data['id']}: its turns do not match its id (edited or corrupted)")
        return path


def read_paths(run_dir: str | Path) -> list[SignaturePath]:
    """A run directory's signature paths, in order ([] if it has none)."""
    path = Path(run_dir) / PATHS_FILE
    if not path.exists():
        return []
    paths = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                paths.append(SignaturePath.from_json(line))
            except (ValueError, KeyError, TypeError, AttributeError, MagnetGraphError) as exc:
                reason = str(exc) if isinstance(exc, MagnetGraphError) else f"not a signature path ({exc!r})"
                raise MagnetGraphError(f"{path}:{number}: {reason}") from None
    return paths


def write_paths(run_dir: str | Path, paths: list[SignaturePath]) -> None:
    """``paths.jsonl`` of a run directory, written whole (via a temporary file, so a crash leaves none)."""
    atomic_write(Path(run_dir) / PATHS_FILE, "".join(p.to_json() + "\n" for p in paths))
