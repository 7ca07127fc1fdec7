"""Standard JSON at the boundaries: Python's json reads and writes NaN and Infinity, which strict
parsers (JavaScript, Rust, jq, BFCL's checker) reject, and carries lone surrogates that UTF-8
cannot encode. Values coming in are parsed strictly (``loads``); tool outputs with non-finite
numbers have them replaced by their names as strings (``finite``); everything written is checked
(``dumps``)."""

from __future__ import annotations

import json
import math
from typing import Any

NON_FINITE = {"NaN", "Infinity", "-Infinity"}


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(text: str | bytes) -> Any:
    """``json.loads`` that refuses NaN, Infinity and -Infinity (ValueError names which)."""
    return json.loads(text, parse_constant=_refuse)


def dumps(value: Any, **options: Any) -> str:
    """``value`` as standard JSON text: no NaN or Infinity and no lone surrogate; ValueError says which."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, **options)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"a lone surrogate {text[exc.start : exc.end]!r} is not Unicode text") from None
    return text


def finite(value: Any) -> tuple[Any, int]:
    """(``value`` with each NaN/Infinity float replaced by the string "NaN"/"Infinity"/"-Infinity",
    how many were replaced): a tool's answer keeps what it said, as text standard JSON can hold."""
    count = 0

    def walk(v: Any) -> Any:
        nonlocal count
        if isinstance(v, float) and not math.isfinite(v):
            count += 1
            return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [walk(x) for x in v]
        return v

    return walk(value), count


def non_finite_path(value: Any, where: str = "") -> str:
    """Where the first NaN/Infinity in ``value`` is (``a.b[2]``), or '' if there is none."""
    if isinstance(value, float) and not math.isfinite(value):
        return where or "(the value)"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (list, tuple)) else ()
    for key, item in items:
        found = non_finite_path(item, f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]")
        if found:
            return found.lstrip(".")
    return ""


def without_non_finite(value: Any, where: str = "") -> tuple[Any, list[str]]:
    """(``value`` with every NaN/Infinity float left out of its dicts and lists, where each was):
    for schemas, where such a number (a default, a bound, an enum member) means nothing."""
    found: list[str] = []

    def bad(v: Any) -> bool:
        return isinstance(v, float) and not math.isfinite(v)

    def walk(v: Any, at: str) -> Any:
        if isinstance(v, dict):
            kept = {}
            for k, x in v.items():
                here = f"{at}.{k}" if at else str(k)
                if bad(x):
                    found.append(here)
                else:
                    kept[k] = walk(x, here)
            return kept
        if isinstance(v, (list, tuple)):
            kept_items = []
            for i, x in enumerate(v):
                if bad(x):
                    found.append(f"{at}[{i}]")
                else:
                    kept_items.append(walk(x, f"{at}[{i}]"))
            return kept_items
        return v

    return walk(value, where), found
