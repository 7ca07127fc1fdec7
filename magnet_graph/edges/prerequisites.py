"""Prerequisite evidence: a session-opening call (log in, authenticate) comes before the rest of its toolkit."""

from __future__ import annotations

from ..signature import FunctionSignature
from ..tokens import name_tokens

OPENERS = frozenset({"login", "logon", "signin", "authenticate", "auth", "connect"})
EXEMPT = frozenset({"logout", "logoff", "signout", "disconnect", "status"})


def is_opener(sig: FunctionSignature) -> bool:
    tokens = set(name_tokens(sig.name))
    return bool(tokens & OPENERS) and not tokens & EXEMPT


def prerequisite_pairs(signatures: list[FunctionSignature]) -> list[tuple[FunctionSignature, FunctionSignature]]:
    """(opener, dependant) pairs inside each toolkit."""
    pairs = []
    for a in signatures:
        if not is_opener(a):
            continue
        for b in signatures:
            if (
                b.toolkit == a.toolkit
                and b.name != a.name
                and not is_opener(b)
                and not set(name_tokens(b.name)) & EXEMPT
            ):
                pairs.append((a, b))
    return pairs
