"""Where a planned call's values come from, in order of trust, drawn with the path's seed.

1. the path's dependency edge: the earlier output the graph says feeds this parameter;
2. other earlier outputs with a field named like the parameter whose role may feed it;
3. the environment's current state: values named like the parameter (the best-named tier drawn at
   random, not always its first value), those the code or schema accepts first;
4. literals the tool's own code knows (``execution.literals``) and the schema's enum, the values its
   description lists, examples and default, drawn at random;
5. numbers inside the range the schema or description gives;
6. a made-up literal: structured for arrays and objects (records built field by field from the
   same sources), never an empty list where items are required.

Each option is ``(value, origin)``: ``origin`` names the result field a value was taken from
(``{"field", "same_turn", "source"}``), or is None when the user states it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from ..edges.ports import json_type as schema_type
from ..execution.literals import NONE, Literals
from ..execution.values import (
    described_values,
    distinct,
    fits,
    literal,
    named_matches,
    pieces,
    ranked_tiers,
    stated_format,
    value_range,
    values_at,
)
from ..roles import feeds, role_of

MAX_CANDIDATES = 8
MAX_DEPTH = 2  # nested records built field by field


@dataclass
class Output:
    """An earlier call's output a value may come from."""

    function: str
    value: Any
    same_turn: bool


@dataclass
class Grounding:
    """The sources of one turn's values (see the module docstring)."""

    outputs: list[Output]  # this turn's planned calls (newest first), then the conversation's
    state: list[tuple[frozenset[str], Any]]
    rng: random.Random
    tool_description: str = ""
    # (param, repr(value)) of options that exist somewhere: in an earlier output or among the
    # state's best-named values (not schema members, not made up)
    grounded: set[tuple[str, str]] = field(default_factory=set)

    def options(
        self,
        param: str,
        schema: dict[str, Any],
        dependency: tuple[str, str] | None = None,
        literals: Literals = NONE,
    ) -> list[tuple[Any, dict | None]]:
        """Candidate values of ``param``, best first (at most MAX_CANDIDATES). ``dependency`` is the
        path's edge into it: (source function, source field)."""
        json_type = schema_type(schema)
        role = role_of(param, schema.get("description", ""), json_type)
        found: list[tuple[Any, dict | None]] = []
        if dependency is not None:
            found += self._draw(self._from_source(*dependency, json_type))
        for out in self.outputs:
            if isinstance(out.value, dict):
                for key in named_fields(param, schema, out.value, out.function):
                    origin = {"field": key, "same_turn": out.same_turn, "source": out.function}
                    found += _numbered(origin, pieces(out.value[key], json_type), out.value[key])
        # a whole listing or document where a name, path or id is wanted (an MCP server's text
        # answer: a directory tree's JSON offered as the path to write): never one value
        found = [(v, origin) for v, origin in found if not _bulk(role, v)]
        accepted = self._accepted(param, schema, literals)
        tiers = ranked_tiers(param, json_type, self.state)
        in_state = [v for tier in tiers for v in self._draw(tier) if not _bulk(role, v)]
        self.grounded |= {(param, repr(v)) for v in (tiers[0] if tiers else [])}
        self.grounded |= {(param, repr(v)) for v, origin in found if origin is not None}
        prefixes = literals.prefixes.get(param)
        if prefixes:  # the code checks how it begins (a passport number "US...")
            in_state = [v for v in in_state if isinstance(v, str) and v.startswith(prefixes)]
        stated = stated_format(schema)
        if stated is not None:  # a date "in the format YYYY-MM-DD": no other strings
            in_state = [v for v in in_state if isinstance(v, str) and re.fullmatch(stated[0], v)]
        if accepted:  # the code or schema lists what it takes: state values among them first
            keys = {repr(v) for v in accepted}
            found += [(v, None) for v in in_state if repr(v) in keys]
            found += [(v, None) for v in self._draw(accepted)]
            found += [(v, None) for v in in_state if repr(v) not in keys]
        else:
            found += [(v, None) for v in in_state]
        if json_type in ("integer", "number"):
            found += [(v, None) for v in self._in_range(schema, json_type)]
        if "default" in schema and schema["default"] is not None and fits(schema["default"], json_type):
            found.append((schema["default"], None))
        made = [(v, None) for v in self.made_up(param, schema, literals) if fits(v, json_type)]
        found += made
        if json_type == "string" and not accepted:  # any short name in the state: a folder called 'invoices'
            short = distinct(v for _, v in self.state if isinstance(v, str) and 0 < len(v) <= 40)
            found += [(v, None) for v in short[:3]]
        seen, ranked = set(), []
        for value, origin in found:
            key = repr(value)
            if key not in seen and fits(value, json_type):
                seen.add(key)
                ranked.append((value, origin))
        kept = ranked[:MAX_CANDIDATES]
        if made and all(repr(v) != repr(made[0][0]) for v, _ in kept):
            kept[-1:] = made[:1]  # a made-up value keeps a place: every value the state has may be wrong
        return kept

    def made_up(self, param: str, schema: dict[str, Any], literals: Literals = NONE, depth: int = 0) -> list[Any]:
        """Values for something new: a record built field by field, a list of such items (at least
        ``minItems``, one or two otherwise), or a literal of the type."""
        json_type = schema_type(schema)
        if json_type == "object" and isinstance(schema.get("properties"), dict) and depth < MAX_DEPTH:
            return [r for r in (self._record(schema, depth, k) for k in range(2)) if r is not None]
        if json_type == "array":
            item = schema.get("items") if isinstance(schema.get("items"), dict) else {"type": "string"}
            least = max(1, int(schema.get("minItems", 1) or 1))
            if schema_type(item) == "object" and isinstance(item.get("properties"), dict) and depth < MAX_DEPTH:
                records = [r for r in (self._record(item, depth, k) for k in range(max(2, least))) if r is not None]
                return [records[:least], records[: max(least, 2)]] if records else []
            if schema_type(item) in ("string", "integer", "number", "boolean"):
                listed = list(item.get("enum") or []) + described_values(schema.get("description", ""))
                listed += list(literals.for_param(param))
                listed = [v for v in distinct(listed) if fits(v, schema_type(item))]
                if listed:  # the members it takes are listed: some of them, and all of them
                    drawn = self._draw(listed)
                    return [drawn[: max(least, 1)], drawn[: max(least, 2)], listed]
                pool = [v for tier in ranked_tiers(param, schema_type(item), self.state) for v in tier]
                pool = [v for v in distinct(pool) if fits(v, schema_type(item))]
                if pool:
                    drawn = self._draw(pool)
                    return [drawn[:least], drawn[: max(least, 2)]]
        made = literal(param, json_type, self.rng, schema)
        prefixes = literals.prefixes.get(param)
        if json_type == "string" and prefixes and not str(made).startswith(prefixes):
            made = f"{prefixes[0]}{self.rng.randint(10**6, 10**7 - 1)}"  # the code wants it to begin so
        return [made]

    def _record(self, schema: dict[str, Any], depth: int, pick: int) -> dict[str, Any] | None:
        """A record: each required field (and each optional one the state names) from its own
        options, the ``pick``-th where there are several."""
        record = {}
        required = set(schema.get("required") or [])
        for name, sub in schema["properties"].items():
            if not isinstance(sub, dict):
                continue
            if name not in required and not ranked_tiers(name, schema_type(sub), self.state):
                continue
            options = [v for v, _ in self.options(name, sub)] if schema_type(sub) not in ("object", "array") else []
            options = options or self.made_up(name, sub, NONE, depth + 1)
            if not options:
                if name in required:
                    return None
                continue
            record[name] = options[min(pick, len(options) - 1)]
        return record

    def _from_source(self, source: str, source_field: str, json_type: str) -> list[tuple[Any, dict]]:
        for out in self.outputs:
            if out.function == source:
                origin = {"field": source_field, "same_turn": out.same_turn, "source": source}
                found = []
                for at in values_at(out.value, source_field):
                    found += _numbered(origin, pieces(at, json_type), at)
                return found
        return []

    def _accepted(self, param: str, schema: dict[str, Any], literals: Literals) -> list[Any]:
        """What the tool is known to take: its code's literals, the enum, the values the description
        lists, the examples."""
        item = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        listed = list(literals.for_param(param)) + list(schema.get("enum") or item.get("enum") or [])
        listed += described_values(schema.get("description", "")) + list(schema.get("examples") or [])
        return distinct(listed)

    def _in_range(self, schema: dict[str, Any], json_type: str) -> list[Any]:
        bounds = value_range(schema, self.tool_description)
        if bounds is None:
            return []
        low, high = bounds
        # its top (a pedal pressed all the way), its middle, its bottom, then one drawn inside it
        picks = [low + (high - low) * f for f in (1.0, 0.5, 0.0, self.rng.uniform(0.1, 0.9))]
        return [int(round(v)) if json_type == "integer" else round(v, 2) for v in picks]

    def _draw(self, values: list[Any]) -> list[Any]:
        drawn = list(values)
        self.rng.shuffle(drawn)
        return drawn


def _numbered(origin: dict, values: list[Any], whole: Any) -> list[tuple[Any, dict]]:
    """Options from one field: where the field is a list, each value's origin says which element
    it is (``element``, from 1), so the user can say "the second file" and mean it."""
    if not isinstance(whole, (list, tuple)) or len(whole) < 2:
        return [(v, origin) for v in values]
    position = {repr(v): k + 1 for k, v in enumerate(whole)}
    return [(v, {**origin, "element": position[repr(v)]} if repr(v) in position else origin) for v in values]


def named_fields(param: str, schema: dict[str, Any], output: dict[str, Any], function: str = "") -> list[str]:
    """Top-level fields of an output whose name matches the parameter, hold a value of its type,
    and whose role may feed the parameter's (a ``user_id`` never fills a ``user_first_name``)."""
    json_type = schema_type(schema)
    target = role_of(param, schema.get("description", ""), json_type)
    return [
        k
        for k in output
        if named_matches(param, json_type, [(k, v) for v in pieces(output[k], json_type)])
        and feeds(role_of(str(k), "", _type_of(output[k]), function), target)
    ]


def _bulk(role, value: Any) -> bool:
    """A file's text where a name, path or id is wanted (the state names both after the file)."""
    return role.kind not in ("text", "query") and isinstance(value, str) and ("\n" in value or len(value) > 200)


def _type_of(value: Any) -> str:
    for json_type in ("boolean", "integer", "number", "string", "array", "object"):
        if fits(value, json_type):
            return json_type
    return "string"
