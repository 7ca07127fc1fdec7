"""Where argument values come from: earlier outputs, the tool state, the schema, or a made-up literal.

Shared by edge verification (run A, feed B) and the synthesis planner (ground every reference call
in values that exist). Candidates are ranked, best first; callers try them by executing.
"""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Iterable
from typing import Any

from ..tokens import GENERIC, name_tokens

_PLACEHOLDER = {"string": "example", "integer": 1, "number": 1.0, "boolean": True, "array": [], "object": {}}
_NOUNS = ["notes", "report", "draft", "summary", "budget", "archive", "plan", "review", "backup", "ideas"]


def fits(value: Any, json_type: str) -> bool:
    """Whether ``value`` has JSON type ``json_type`` (booleans are not numbers)."""
    if json_type == "string":  # an if-chain: the planner asks this of every state value per parameter
        return isinstance(value, str)
    if json_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if json_type == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if json_type == "boolean":
        return isinstance(value, bool)
    if json_type == "array":
        return isinstance(value, (list, tuple))
    if json_type == "object":
        return isinstance(value, dict)
    return False


def state_values(state: Any, limit: int = 5000, max_depth: int = 5) -> list[tuple[str, Any]]:
    """(name, value) pairs found in tool state (an object or its JSON snapshot): scalars, and dict
    keys (often ids), named by the attribute or key that holds them."""
    found: list[tuple[str, Any]] = []

    def walk(obj: Any, name: str, depth: int) -> None:
        if len(found) >= limit or depth > max_depth:
            return
        if isinstance(obj, (str, int, float, bool)):
            found.append((name, obj))
        elif isinstance(obj, dict):
            for k, v in list(obj.items())[:50]:
                if k == "__class__":
                    continue
                if isinstance(k, (str, int)):
                    found.append((name, k))
                walk(v, str(k), depth + 1)
        elif isinstance(obj, (list, tuple)):
            for v in list(obj)[:50]:
                walk(v, name, depth + 1)
        elif hasattr(obj, "__dict__") and not callable(obj):
            for k, v in vars(obj).items():
                walk(v, k.lstrip("_"), depth + 1)

    walk(state if isinstance(state, dict) else vars(state), "state", 0)
    return found


def pieces(value: Any, json_type: str) -> list[Any]:
    """Values of ``json_type`` inside ``value``: itself, or for a collection its first elements and
    keys; a path's last component too (``./docs/a.txt`` -> ``a.txt``)."""
    found = [value]
    if isinstance(value, dict):
        found += list(value.keys())[:3] + list(value.values())[:3]
    elif isinstance(value, (list, tuple)):
        found += list(value)[:3]
    found += [p.rstrip("/").rsplit("/", 1)[-1] for p in found if isinstance(p, str) and "/" in p.rstrip("/")]
    return [p for p in found if fits(p, json_type)]


def wanted_tokens(param: str) -> set[str]:
    """The tokens of a parameter name that say what it is (generic ones only if nothing else)."""
    tokens = set(name_tokens(param))
    return tokens - GENERIC or tokens


def named_matches(param: str, json_type: str, values: Iterable[tuple[str, Any]]) -> list[Any]:
    """Values of the right type whose name shares a token with the parameter's name, in order, distinct."""
    wanted = wanted_tokens(param)
    return distinct(v for k, v in values if fits(v, json_type) and wanted & set(name_tokens(str(k))))


_LISTED = re.compile(
    r"(?:\[enum\]\s*:?|options are\s*:?|one of\s*:?|possible values(?: are)?\s*:?|valid values(?: are)?\s*:?)"
    r"\s*\[?([^\]\n]+?)\]?\s*(?:\.\s|\.?$)",
    re.I,
)


def described_values(description: str) -> list[str]:
    """Values a description lists as the valid ones: ``[Enum]: ["driver", "passenger"]``,
    ``Options are: economy, business, first``, ``one of 'a', 'b'``."""
    m = _LISTED.search(description or "")
    if not m:
        return []
    items = [i.strip().strip("'\"` ") for i in re.split(r",|\bor\b", m.group(1))]
    return [i for i in items if i and len(i) <= 40 and len(i.split()) <= 3]


# Formats a description or a JSON Schema ``format`` may state, as (pattern, strftime layout).
_FORMATS = {
    "YYYY-MM-DD": (r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d"),
    "MM/DD/YYYY": (r"\d{2}/\d{2}/\d{4}", "%m/%d/%Y"),
    "DD/MM/YYYY": (r"\d{2}/\d{2}/\d{4}", "%d/%m/%Y"),
    "MM/YYYY": (r"\d{2}/\d{4}", "%m/%Y"),
    "HH:MM": (r"\d{2}:\d{2}", "%H:%M"),
}
_SCHEMA_FORMATS = {"date": "YYYY-MM-DD", "date-time": "YYYY-MM-DDTHH:MM:SS", "time": "HH:MM"}


def stated_format(schema: dict[str, Any]) -> tuple[str, str] | None:
    """(pattern, strftime layout) of the format a string must have: JSON Schema's ``format`` or a
    layout the description spells out ("in the format YYYY-MM-DD")."""
    named = _SCHEMA_FORMATS.get(schema.get("format", ""))
    if named == "YYYY-MM-DDTHH:MM:SS":
        return r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?", "%Y-%m-%dT%H:%M:%S"
    description = schema.get("description", "") or ""
    for layout in ([named] if named else []) + [k for k in _FORMATS if k in description]:
        return _FORMATS[layout]
    return None


def formatted(schema: dict[str, Any], rng: random.Random) -> str | None:
    """A made-up string in the stated format (a date within the next two years), or None."""
    stated = stated_format(schema)
    if stated is None:
        return None
    day = datetime.datetime(2025, 1, 1, 9, 0) + datetime.timedelta(
        days=rng.randint(30, 700), minutes=30 * rng.randint(0, 20)
    )
    return day.strftime(stated[1])


def schema_values(schema: dict[str, Any]) -> list[Any]:
    """Enum members, then the default."""
    found = list(schema.get("enum", []))
    if "default" in schema and schema["default"] is not None:
        found.append(schema["default"])
    return found


def literal(param: str, json_type: str, rng: random.Random, schema: dict[str, Any] | None = None) -> Any:
    """A made-up value of the right type for something new (a file to create, a message to send);
    an array gets 2-4 made-up items of its item type."""
    if json_type == "array":
        item = (schema or {}).get("items") or {"type": "string"}
        item_type = item.get("type", "string") if isinstance(item.get("type", "string"), str) else "string"
        if item_type in ("array", "object"):
            return []
        return [literal(param, item_type, rng) for _ in range(rng.randint(2, 4))]
    if json_type == "string":
        shaped = formatted(schema or {}, rng)
        if shaped is not None:
            return shaped
        tokens = [t for t in name_tokens(param) if t not in GENERIC] or ["item"]
        if tokens[-1] in ("content", "message", "text", "body", "description", "comment"):
            return f"Please review the {rng.choice(_NOUNS)} before {rng.choice(['Friday', 'noon', 'the meeting'])}."
        return f"{rng.choice(_NOUNS)}_{rng.randint(1, 99)}" + (".txt" if "file" in tokens else "")
    if json_type == "integer":
        return rng.randint(1, 20)
    if json_type == "number":
        return float(rng.randint(1, 200))
    if json_type == "boolean":
        return rng.random() < 0.5
    return _PLACEHOLDER.get(json_type, "example")


def placeholder(json_type: str) -> Any:
    return _PLACEHOLDER.get(json_type, "example")


def distinct(values: Iterable[Any]) -> list[Any]:
    seen, out = set(), []
    for v in values:
        key = repr(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def qualified_values(snapshot: dict[str, Any], limit: int = 5000) -> list[tuple[frozenset[str], Any]]:
    """(name tokens, value) for values in an environment snapshot ({class: {attribute: ...}}).

    A value is named by the innermost keys that hold it and the class of the object around it, so a
    file's name is {file, name} and a ticket id in ``ticket_queue`` is {ticket, queue, id}. Keys of
    tables count as values (ids, file names); field names and private attributes do not.
    """
    found: list[tuple[frozenset[str], Any]] = []

    def walk(obj: Any, names: tuple[str, ...], is_object: bool, depth: int) -> None:
        if len(found) >= limit or depth > 12:
            return
        tokens = frozenset(t for n in names[-3:] for t in name_tokens(n))
        if isinstance(obj, (str, int, float, bool)):
            found.append((tokens, obj))
        elif isinstance(obj, dict):
            cls = obj.get("__class__")
            fields = bool(cls) or is_object or _is_record(obj)
            for k, v in list(obj.items())[:200]:
                if k == "__class__" or (fields and str(k).startswith("_")):
                    continue
                if not fields:
                    found.append((tokens, k))
                    if isinstance(k, str) and k.isdigit():
                        found.append((tokens, int(k)))  # JSON made an integer key a string
                walk(v, names[-1:] + ((cls,) if cls else ()) + (str(k),), False, depth + 1)
        elif isinstance(obj, (list, tuple)):
            for v in list(obj)[:100]:
                walk(v, names, False, depth + 1)

    for _, attributes in sorted(snapshot.items()):
        walk(attributes, (), True, 0)
    return found


def _is_record(obj: dict) -> bool:
    """A dict of fields (snake_case keys, no nested dicts) rather than a table keyed by ids or names."""
    return all(isinstance(k, str) and k.isidentifier() and k == k.lower() for k in obj) and not any(
        isinstance(v, dict) for v in obj.values()
    )


def ranked_matches(param: str, json_type: str, pairs: Iterable[tuple[frozenset[str], Any]]) -> list[Any]:
    """Values of the right type named like the parameter, most shared name tokens first."""
    return [v for tier in ranked_tiers(param, json_type, pairs) for v in tier]


def ranked_tiers(param: str, json_type: str, pairs: Iterable[tuple[frozenset[str], Any]]) -> list[list[Any]]:
    """``ranked_matches`` in tiers of equally good names (every user id named {user, id} in one),
    so a caller can draw within a tier instead of always taking its first value."""
    wanted, every = wanted_tokens(param), set(name_tokens(param))
    tiers: dict[int, list[Any]] = {}
    for tokens, v in pairs:
        if wanted & tokens and fits(v, json_type):
            tiers.setdefault(len(every & tokens), []).append(v)
    seen: set[str] = set()
    ranked = []
    for score in sorted(tiers, reverse=True):
        tier = [v for v in distinct(tiers[score]) if repr(v) not in seen]
        seen |= {repr(v) for v in tier}
        if tier:
            ranked.append(tier)
    return ranked


_RANGE = re.compile(
    r"\b(?:between|from)\s+(-?\d+(?:\.\d+)?)(?:\s*\([^)]*\))?\s+(?:and|to)\s+(-?\d+(?:\.\d+)?)"
    r"|\bup to\s+(-?\d+(?:\.\d+)?)",
    re.I,
)


def value_range(schema: dict[str, Any], context: str = "") -> tuple[float, float] | None:
    """(low, high) a number must lie in: ``minimum``/``maximum``, else a description saying
    "between 0 (not pressed) and 1", "from 0 to 100" or "up to 50" (``context``: the tool's own)."""
    low, high = (
        schema.get("minimum", schema.get("exclusiveMinimum")),
        schema.get("maximum", schema.get("exclusiveMaximum")),
    )
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low <= high:
        return float(low), float(high)
    for text in (schema.get("description", ""), context):
        m = _RANGE.search(text or "")
        if m:
            if m.group(3) is not None:
                return 0.0, float(m.group(3))
            lo, hi = float(m.group(1)), float(m.group(2))
            if lo <= hi:
                return lo, hi
    return None


def values_at(value: Any, path: str) -> list[Any]:
    """The values a field path selects in a tool result: ``items[].id`` -> every item's id;
    ``[]`` -> every element of a list result; ``table{}`` -> the keys of a table; ``""`` -> the result itself."""
    found = [value]
    for step in _steps(path):
        nxt: list[Any] = []
        for v in found:
            if step == "[]":
                nxt += list(v) if isinstance(v, (list, tuple)) else []
            elif step == "{}":
                nxt += list(v) if isinstance(v, dict) else []
            elif isinstance(v, dict) and step in v:
                nxt.append(v[step])
        found = nxt
    return found


def _steps(path: str) -> list[str]:
    """``a.b[].c{}`` -> ``["a", "b", "[]", "c", "{}"]``."""
    return [s for s in re.split(r"\.|(\[\]|\{\})", path) if s]


def record_combos(snapshot: dict[str, Any], params: list[str], limit: int = 50) -> list[dict[str, Any]]:
    """Joint values of several parameters from one record of the state: the username and password
    of one account, not of two. A record is a dict in the snapshot with a field named like each of
    at least two of ``params`` (the whole name, or all of its wanted tokens)."""
    wanted = {p: (set(name_tokens(p)), wanted_tokens(p)) for p in params}
    found: list[dict[str, Any]] = []

    def match(param: str, keys: list[str]) -> str | None:
        every, tokens = wanted[param]
        exact = [k for k in keys if set(name_tokens(k)) == every]
        return (exact or [k for k in keys if tokens <= set(name_tokens(k))] or [None])[0]

    def walk(obj: Any, depth: int) -> None:
        if len(found) >= limit or depth > 8:
            return
        if isinstance(obj, dict):
            keys = [k for k in obj if isinstance(k, str)]
            combo, listed = {}, {}
            for p in params:
                k = match(p, keys)
                if k is None:
                    continue
                if _scalar_value(obj[k]):
                    combo[p] = obj[k]
                elif isinstance(obj[k], list) and obj[k] and all(_scalar_value(v) for v in obj[k]):
                    listed[p] = obj[k][:3]  # a customer's line_ids: each is that customer's line
            if len(combo) + len(listed) >= 2 and combo:
                for p, values in listed.items():
                    found.extend({**combo, p: v} for v in values)
                if not listed:
                    found.append(combo)
            for v in list(obj.values())[:200]:
                walk(v, depth + 1)
        elif isinstance(obj, (list, tuple)):
            for v in list(obj)[:200]:
                walk(v, depth + 1)

    walk(snapshot, 0)
    return distinct(found)


def _scalar_value(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)
