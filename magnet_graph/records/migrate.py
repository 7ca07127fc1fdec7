"""Records written by earlier versions, read as the current schema.

- version 1 (magnet-graph 0.1.0, no ``schema_version`` field): a turn's operations were one string
  joined by '+' (``op``), the lineage's too, and turns carried ``bfcl_question`` (now derived by the
  BFCL adapter: only a miss_func follow-up turn, the one with ``added`` functions, has no question).
"""

from __future__ import annotations

from typing import Any

from .codec import RecordError

SCHEMA_VERSION = 2  # of a trajectory record; bump it with a step in ``upgrade`` for the version before


def upgrade(data: Any, where: str) -> Any:
    """``data`` in the current schema; a RecordError naming the version if it cannot be read."""
    if not isinstance(data, dict):
        return data  # the codec reports the shape
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RecordError(f"{where}: schema_version {version!r} is not a version number")
    if version > SCHEMA_VERSION:
        raise RecordError(
            f"{where}: written with record schema_version {version} by a newer magnet-graph; "
            f"this one reads versions 1 to {SCHEMA_VERSION} (upgrade magnet-graph)"
        )
    if version == 1:
        data = _from_v1(data, where)
    return data


def _from_v1(data: dict[str, Any], where: str) -> dict[str, Any]:
    try:
        turns = [
            {**{k: v for k, v in t.items() if k not in ("op", "bfcl_question")}, "ops": t["op"].split("+")}
            for t in data["turns"]
        ]
        lineage = {**data["lineage"], "ops": [op.split("+") for op in data["lineage"]["ops"]]}
    except (KeyError, TypeError, AttributeError) as exc:
        raise RecordError(f"{where}: not a readable version-1 (magnet-graph 0.1.0) record: {exc!r}") from None
    return {**data, "turns": turns, "lineage": lineage, "schema_version": 2}
