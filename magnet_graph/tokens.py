"""Name and text tokens for matching output fields to parameters."""

from __future__ import annotations

import functools
import re

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing about which entity a value is.
GENERIC = frozenset(
    {
        "get",
        "set",
        "the",
        "a",
        "an",
        "of",
        "to",
        "for",
        "in",
        "on",
        "by",
        "and",
        "or",
        "is",
        "with",
        "result",
        "results",
        "value",
        "values",
        "data",
        "info",
        "status",
        "list",
        "output",
        "response",
        "current",
        "new",
        "type",
        "message",
        "name",
        "id",
        "ids",
        "number",
        "text",
        "content",
        "details",
    }
)
ID_WORDS = frozenset({"id", "key", "token", "code", "uuid", "handle"})
# Last words that make a value an identifier of something (a name or symbol picks an entity too).
IDENTIFIER_ROLES = ID_WORDS | {"name", "username", "symbol", "path", "email", "number", "address"}


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def name_tokens(name: str) -> list[str]:
    """``bookingIDs`` / ``booking_ids`` -> ``['booking', 'id']`` (lower case, singular)."""
    return list(_name_tokens(name))


@functools.lru_cache(maxsize=1 << 16)
def _name_tokens(name: str) -> tuple[str, ...]:
    spaced = _CAMEL.sub(" ", name).replace("ID", " id")
    return tuple(singular(w) for w in _WORD.findall(spaced.lower()))


def key_tokens(name: str) -> set[str]:
    """Name tokens that identify an entity (generic words dropped)."""
    return {t for t in name_tokens(name) if t not in GENERIC}


def text_tokens(text: str) -> list[str]:
    return [singular(w) for w in _WORD.findall(text.lower()) if w not in GENERIC and len(w) > 1]


# Verbs that open tool names (``get_order``, ``book_flight``): they say what a tool does, not what about.
VERBS = frozenset(
    [
        "get",
        "set",
        "list",
        "search",
        "find",
        "view",
        "delete",
        "remove",
        "update",
        "edit",
        "retrieve",
        "fetch",
        "display",
        "check",
        "compute",
        "calculate",
        "estimate",
        "create",
        "add",
        "post",
        "send",
        "make",
        "open",
        "close",
        "read",
        "write",
        "move",
        "copy",
        "run",
        "do",
        "show",
        "start",
        "stop",
        "fill",
        "press",
        "release",
        "lock",
        "unlock",
        "activate",
        "adjust",
        "register",
        "purchase",
        "cancel",
        "book",
        "filter",
        "notify",
        "place",
        "withdraw",
        "all",
    ]
)
