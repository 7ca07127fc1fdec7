"""Trajectories: a run's records as chat rows, a positive beside a negative, and where they part."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..paths import SignaturePath, read_paths
from ..records import Message, Record, divergence


def label(record: Record) -> str:
    """A short name for a picker: kind, first functions, negatives count."""
    functions = record.lineage.functions
    more = f" +{len(functions) - 3}" if len(functions) > 3 else ""
    return f"{record.kind} · {', '.join(functions[:3])}{more} · {len(record.negatives)} negatives · {record.id}"


def chat_rows(messages: tuple[Message, ...], diverge_at: int | None = None) -> list[dict[str, Any]]:
    """One row per message: role, text (tool calls written as name(arguments)), and whether it is the
    first message where a negative departs from the positive."""
    rows = []
    for i, m in enumerate(messages):
        calls = [c.text() for c in m.calls]
        rows.append(
            {
                "index": i,
                "role": m.role,
                "text": "\n".join(calls) if calls else (m.content or ""),
                "calls": bool(calls),
                "name": m.name,
                "diverges": diverge_at is not None and i == diverge_at,
            }
        )
    return rows


def side_by_side(record: Record, negative_index: int) -> dict[str, Any]:
    """The positive and one negative, from the shared prefix on, with the divergence point marked."""
    negative = record.negatives[negative_index]
    at = divergence(record.messages, negative.messages)
    return {
        "diverge_at": at,
        "error_type": negative.error_type,
        "source": negative.source,
        "shared": chat_rows(record.messages[:at]),
        "positive": chat_rows(record.messages, at)[at:],
        "negative": chat_rows(negative.messages, at)[at:],
    }


def hints(record: Record) -> list[dict[str, Any]]:
    """What the teacher was hinted with per turn: the reference calls (the student never sees them)."""
    return [
        {"turn": t.index, "user": t.user, "reference calls": "; ".join(c.text() for c in t.reference_calls)}
        for t in record.turns
    ]


def lineage_path(run_dir: str | Path, record: Record) -> SignaturePath | None:
    """The signature path the record was translated from (``paths.jsonl``), or None."""
    return next((p for p in read_paths(run_dir) if p.id == record.lineage.path_id), None)
