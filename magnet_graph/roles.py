"""Roles: what kind of value a field or parameter holds, so only values of the same kind flow.

A role is a kind (``identifier``, ``name``, ``path``, ``text``, ``query``, ``count``, ``amount``,
``measure``, ``number``, ``datetime``, ``enum``, ``flag``, ``status``, ``other``) and the entity it
is about (``{"ticket"}`` for ``ticket_id``, ``{"user"}`` for ``username``). It is read from the
name first, then the description, then the schema (enum, format, boolean), then observed values.

``feeds(source, target)`` is the rule edges and the planner share: an identifier only feeds an
identifier of the same entity, a name a name of the same entity, a count never feeds an id; free
text, numbers and quantities may flow between any tools (``crosses_toolkits``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .tokens import GENERIC, VERBS, name_tokens, singular

KINDS = (
    "identifier",
    "name",
    "path",
    "place",
    "secret",
    "text",
    "query",
    "count",
    "amount",
    "measure",
    "number",
    "datetime",
    "enum",
    "flag",
    "status",
    "other",
)

# Words that decide the kind, looked up from the last name token backwards.
_KIND_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ["id", "ids", "key", "token", "uuid", "handle", "code", "symbol", "ticker", "isbn", "sku"], "identifier"
    ),
    **dict.fromkeys(["name", "username", "user", "firstname", "lastname", "email", "recipient"], "name"),
    **dict.fromkeys(["path", "file", "filename", "folder", "directory", "dir", "filepath"], "path"),
    **dict.fromkeys(["location", "city", "address", "destination", "airport", "place", "country", "region"], "place"),
    **dict.fromkeys(["password", "secret", "passphrase", "pin"], "secret"),
    **dict.fromkeys(
        ["content", "message", "text", "body", "description", "comment", "line", "note", "resolution", "title"], "text"
    ),
    **dict.fromkeys(["summary", "diff", "observation", "bio", "caption", "subject", "reply", "review"], "text"),
    **dict.fromkeys(["keyword", "query", "pattern", "tag", "term", "search", "hashtag", "label"], "query"),
    **dict.fromkeys(["count", "size", "limit", "quantity", "length", "total", "lines", "page"], "count"),
    **dict.fromkeys(
        ["price", "amount", "balance", "cost", "budget", "fee", "fare", "salary", "payment", "fund"], "amount"
    ),
    **dict.fromkeys(
        [
            "temperature",
            "distance",
            "speed",
            "pressure",
            "fuel",
            "gallon",
            "liter",
            "mileage",
            "voltage",
            "force",
            "humidity",
            "weight",
            "height",
            "width",
            "duration",
            "percent",
        ],
        "measure",
    ),
    **dict.fromkeys(["date", "time", "timestamp", "day", "month", "year", "deadline", "datetime", "at"], "datetime"),
    **dict.fromkeys(["a", "b", "x", "y", "n", "number", "value", "part", "whole", "base", "exponent"], "number"),
    **dict.fromkeys(["status", "success", "state", "result", "ok", "error", "notification"], "status"),
}
# Kinds whose values mean the same in any toolkit: text into a message, a price into a sum.
_CROSSING = frozenset({"text", "query", "count", "amount", "measure", "number", "datetime"})
_FEEDS: dict[str, frozenset[str]] = {
    "identifier": frozenset({"identifier", "place"}),
    "name": frozenset({"name"}),
    "path": frozenset({"path"}),
    "place": frozenset({"place", "identifier"}),
    "secret": frozenset(),
    "text": frozenset({"text", "query"}),
    "query": frozenset({"query", "text"}),
    "count": frozenset({"count", "number"}),
    "amount": frozenset({"amount", "number"}),
    "measure": frozenset({"measure", "number"}),
    "number": frozenset({"number", "measure", "count"}),
    "datetime": frozenset({"datetime"}),
    "enum": frozenset({"enum"}),
    "other": frozenset({"other", "enum"}),
    "flag": frozenset(),
    "status": frozenset(),
}
_SOURCES = {t: frozenset(s for s, targets in _FEEDS.items() if t in targets) for t in set().union(*_FEEDS.values())}
# Kinds that name one entity: they feed only a role about the same entity.
_ENTITY_BOUND = frozenset({"identifier", "name", "enum", "other", "datetime"})
# When a name holds several kind words the more specific one decides: ``file_name`` is a path,
# ``budget_limit`` an amount, ``current_directory_content`` a path (a listing's entries).
_PRIORITY = ("identifier", "path", "secret", "measure", "amount", "datetime", "place", "name", "text", "query", "count")
_PRIORITY += ("number", "status")
# Words that name no entity: the generic ones, less the kind words a name may be about, and modifiers.
_NOT_ENTITY = (GENERIC - {"content", "id", "ids", "message", "name", "number", "status", "text"}) | {
    "all", "detail", "format", "from", "given", "kind", "level", "matching", "mode", "old", "option", "specified",
}  # fmt: skip
# "the ID of the object": an id of anything; execution decides which
_ANY_ENTITY = frozenset({"object", "resource", "record", "thing"})
_PATH_SORTS = {
    "file": frozenset({"file", "filename", "document"}),
    "directory": frozenset({"directory", "directorie", "folder", "dir", "cd", "mkdir", "rmdir"}),
}
_ENDPOINTS = frozenset({"source", "destination", "src", "dst", "target", "origin"})
_ARTICLES = frozenset({"a", "an", "the"})
_SORT_WORDS = frozenset({"type", "kind", "mode", "format", "category", "class", "unit", "style", "option"})
# Units with a counterpart in another system: a measure stated in one is worth converting.
_CONVERTIBLE = frozenset(
    [
        "km", "kilometer", "mile", "meter", "metre", "foot", "feet", "inch", "yard", "celsius", "fahrenheit",
        "kelvin", "gallon", "liter", "litre", "psi", "pascal", "kpa", "bar", "kg", "kilogram", "pound", "lb",
        "ounce", "gram", "mph", "kmh",
    ]
)  # fmt: skip


_UNITS = _CONVERTIBLE | {"percent", "percentage", "volt", "newton", "watt", "usd", "second", "minute", "hour"}
_ID_VALUE = re.compile(r"^[A-Z]{2,}[-_]?\d+[A-Z0-9]*$|^[0-9a-f]{8}-[0-9a-f]{4}-|^[A-Z0-9]{2,6}$")


@dataclass(frozen=True)
class Role:
    """The kind of a value and the entity it is about."""

    kind: str
    entity: frozenset[str] = frozenset()
    word: str = ""  # the word that decided the kind ("content", "price")

    def __str__(self) -> str:
        return f"{self.kind}({'/'.join(sorted(self.entity))})" if self.entity else self.kind


@functools.lru_cache(maxsize=1 << 14)
def role_of(name: str, description: str = "", json_type: str = "string", function: str = "") -> Role:
    """``classify`` of a field or parameter known by its name, description and type alone,
    remembered: the planner asks it of the same few names for every value it weighs."""
    return classify(name, description, json_type, function=function)


def classify(
    name: str,
    description: str = "",
    json_type: str = "string",
    *,
    function: str = "",
    container: str = "",
    enum: Iterable[Any] | None = None,
    samples: Iterable[Any] = (),
) -> Role:
    """The role of a field or parameter called ``name`` (``container`` is the list or record that
    holds a nested field, ``function`` the tool it belongs to)."""
    tokens = name_tokens(name)
    if json_type == "boolean":
        return Role("flag", frozenset(_entity(tokens, -1, container, function)))
    kind, at = _kind_from(tokens)
    described = [singular(w) for w in re.findall(r"[a-z0-9]+", _plain(description).lower()) if w not in _ARTICLES]
    if kind is None or kind == "status" and json_type in ("array", "object"):
        found, _ = _kind_from(_description_head(described))
        if found is not None and found not in ("number", "count", "status"):
            kind, at = found, -1
    of = _described_of(described)
    if kind == "name" and of & _PATH_WORDS:
        kind = "path"  # "the name of the file"
    if tokens and tokens[-1] in _ENDPOINTS and kind in (None, "place"):
        # move_file(source, destination): an endpoint is a path where the tool handles files
        files = (of | set(name_tokens(function)) | set(described[:12])) & _PATH_WORDS
        kind, at = ("path" if files else "place"), len(tokens) - 1
    if kind == "status" and json_type in ("integer", "number"):
        kind = "number"  # a computed "result" or "value", not a status message
    if kind in ("name", "path", "text", "query", "place") and json_type in ("integer", "number"):
        kind = "count" if json_type == "integer" else "number"  # tail's ``lines``: how many
    if json_type == "object" or kind is None and json_type == "array" and _record_list(samples):
        kind = "other"  # a record or list of records: its fields flow, not the whole
    if enum:
        kind = "enum" if kind not in ("identifier", "path") else kind
    if kind is None:
        kind = _kind_from_values(samples, json_type)
    entity = _entity(tokens, at, container, function)
    if kind == "path" and tokens[at] in ("file", "filename") and tokens[-1] in _TEXT_WORDS:
        kind, at = "text", len(tokens) - 1  # a file's content is text; a directory's content is entries
    if kind == "text" and 0 <= at < len(tokens) and tokens[at] in _BULK_TEXT:
        authored = _AUTHORED & {singular(w) for w in name_tokens(container) + name_tokens(function) + tokens}
        if authored:  # the content of a tweet or a comment: what someone wrote, not a document
            return Role("text", frozenset(authored), sorted(authored)[0])
    if kind in ("identifier", "place", "name"):
        entity |= _described_entity([singular(w) for w in re.findall(r"[a-z0-9]+", description.lower())])
    if kind in ("identifier", "place", "name"):
        entity |= of
        if "symbol" in tokens or "symbol" in described[:8]:
            entity |= {"symbol"}
    if kind == "name":
        people = {"user", "username", "email", "recipient", "sender", "owner", "author"}
        if (set(tokens) | set(described[:6]) | of) & people:
            entity = (entity - people) | {"user"}
        if set(tokens) & {"first", "last", "full", "cardholder"}:
            entity = {"person"}
    if kind == "amount" and described[:2] in (["number", "of"], ["count", "of"], ["quantity", "of"]):
        kind = "count"  # "Number of shares in the order": how many, not how much money
    if kind == "amount":  # what the money is for, by its own words only (travel_cost vs insurance_cost)
        entity = {t for i, t in enumerate(tokens) if i != at and t not in _NOT_ENTITY and t not in _KIND_WORDS}
    if kind == "measure":  # the quantity's words, and the unit it is stated in ("in gallons")
        entity = (set(tokens) - _NOT_ENTITY) | units_in(description)
    if kind == "place":  # which sort of place (an airport, a city, an address), else any
        entity = _place_sort(set(tokens) | of | set(described[:12]))
    if kind == "path" and set(tokens) & {"current", "working", "cwd"} and not set(tokens) & _TEXT_WORDS:
        return Role("status", frozenset(), tokens[at])  # where the session is, not a path to act on
    if kind == "path":  # a file, a directory, or either: which one the words say
        entity = set(path_sorts(" ".join([*tokens, *name_tokens(function)])) or path_sorts(" ".join(described[:10])))
        if set(tokens) & _TEXT_WORDS:
            entity = set()  # a directory's content: its entries, files and folders alike
    word = tokens[at] if 0 <= at < len(tokens) else ""
    return Role(kind or "other", frozenset(entity), word)


_PLACE_SORTS = {
    "address": frozenset({"address", "street"}),
    "airport": frozenset({"airport", "iata"}),
    "city": frozenset({"city", "town"}),
    "country": frozenset({"country", "nation"}),
    "zipcode": frozenset({"zipcode", "zip", "postcode", "postal"}),
}


def _place_sort(words: set[str]) -> set[str]:
    """``{"airport"}`` for "the nearest airport"; an address ("street, city, state") is an address."""
    sorts = {sort for sort, said in _PLACE_SORTS.items() if words & said}
    return {"address"} if "address" in sorts else sorts


def feeds(source: Role, target: Role, same_toolkit: bool = True) -> bool:
    """Whether a value of role ``source`` can be passed as a value of role ``target``."""
    if target.kind not in _FEEDS.get(source.kind, frozenset()):
        return False
    if not same_toolkit and not (source.kind in _CROSSING and target.kind in _CROSSING):
        return False
    if source.kind == "text" and source.word not in _BULK_TEXT:
        return False  # a title, message or comment is what someone wrote, not material to pass on
    if source.kind == target.kind == "measure":
        return _same_quantity(source.entity, target.entity)
    if source.kind == target.kind == "amount" and source.entity and target.entity:
        return bool(source.entity & target.entity)  # a travel cost is no insurance cost
    if source.kind == target.kind == "path" and source.entity and target.entity:
        return bool(source.entity & target.entity)  # a directory is no file to read
    if source.kind in _ENTITY_BOUND | {"place"} and target.kind in _ENTITY_BOUND | {"place"}:
        # an entity nobody named (learned from values alone) may be anything in its toolkit:
        # execution then decides
        unnamed = not (source.entity - _ANY_ENTITY and target.entity - _ANY_ENTITY)
        return bool((source.entity & target.entity) - _ANY_ENTITY) or same_toolkit and unnamed
    return True


def _same_quantity(source: frozenset[str], target: frozenset[str]) -> bool:
    """``currentSpeed`` -> ``speed`` but not -> ``fanSpeed``; any level -> a unit (``gallon``);
    any measure -> a measure of no named quantity (a unit converter's ``value``)."""
    if not target or target & _UNITS and len(target) == 1 or same_unit(source, target):
        return True
    source, target = source - _UNITS, target - _UNITS  # km or miles: the same distance
    measure_s = {t for t in source if _KIND_WORDS.get(t) == "measure"}
    measure_t = {t for t in target if _KIND_WORDS.get(t) == "measure"}
    return bool(measure_s & measure_t) and source - measure_s == target - measure_t


def same_unit(source: frozenset[str], target: frozenset[str]) -> bool:
    """A bare quantity in a unit (``gallon_to_liter``'s gallons) into a measure stated in that unit
    (fuel to add, in gallons). Two named quantities in one unit are not the same value: a fuel
    level is no amount to add."""
    return bool(source & target & _UNITS) and (not source - _UNITS or not target - _UNITS)


_TEXT_WORDS = frozenset(w for w, k in _KIND_WORDS.items() if k == "text")
_BULK_TEXT = frozenset({"content", "line", "lines", "diff", "text", "body", "summary"})
# Records whose text someone wrote to someone: their content is a message, not material to pass on.
_AUTHORED = frozenset({"tweet", "post", "comment", "message", "email", "reply", "review", "chat", "retweet"})
_SHORT_TEXT = frozenset({"title", "subject", "caption", "headline", "label"})  # no place for a document
_NUMERIC = frozenset({"count", "amount", "measure", "number"})


def generic_sink(source: Role, target: Role) -> bool:
    """A flow that needs no shared name: a document's text into any text parameter, any quantity
    into a plain number operand (``a``, ``numbers``), any measure into a unit converter's input."""
    if target.kind == "text":
        return source.kind == "text" and source.word in _BULK_TEXT and target.word not in _SHORT_TEXT
    if (target.kind, target.word) in (("measure", "unit"), ("amount", "currency")):
        return source.kind in (target.kind, "number")  # into a converter of any unit or currency
    return target.kind == "number" and source.kind in _NUMERIC


def operand_role(role: Role, siblings: Iterable[str]) -> Role:
    """A plain number parameter read with its siblings: beside a unit (``unit_in``) it is a
    measure of any quantity, beside a currency an amount of money; else unchanged."""
    if role.kind != "number":
        return role
    words = {w for s in siblings for w in name_tokens(s)}
    if "currency" in words:
        return Role("amount", frozenset(), "currency")
    if "unit" in words:
        return Role("measure", frozenset(), "unit")
    return role


_SHARING = frozenset(
    ["post", "send", "create", "comment", "reply", "share", "publish", "write", "submit", "add", "tweet", "forward"]
)


def shares_text(function: str) -> bool:
    """Whether a tool puts text somewhere new (posts, sends, creates): where another toolkit's
    document may go (a file's lines into a tweet or a ticket), unlike an edit or a display."""
    return bool(set(name_tokens(function)[:1]) & _SHARING)


def units_in(text: str) -> frozenset[str]:
    """The units a name or description states: ``"in gallons"`` -> ``{"gallon"}``, km/h as one unit."""
    text = re.sub(r"km\s*/\s*h\b|kph\b", "kmh", text.lower()).replace("m/s", "mps")
    return frozenset({singular(w) for w in re.findall(r"[a-z]+", text)} & _UNITS)


def convertible(description: str) -> bool:
    """Whether a description states a unit that has a counterpart in another system (km, psi)."""
    return bool(units_in(description) & _CONVERTIBLE)


def source_kinds(target_kind: str) -> frozenset[str]:
    """The role kinds whose values may feed a value of ``target_kind`` (``feeds``' first test)."""
    return _SOURCES.get(target_kind, frozenset())


def crosses_toolkits(role: Role) -> bool:
    """Whether values of this role may flow into another toolkit's tools."""
    return role.kind in _CROSSING


def _kind_from(tokens: list[str]) -> tuple[str | None, int]:
    """The most specific kind its words name (see _PRIORITY), and the position of that word."""
    if len(tokens) >= 2 and tokens[-1] in _SORT_WORDS:
        return "other", len(tokens) - 1  # a token_type is a sort of token, not a token
    if len(tokens) >= 2 and tokens[-1] == "number":
        return "identifier", len(tokens) - 1  # card_number, passport_number
    found: dict[str, int] = {}
    for i, t in enumerate(tokens):
        kind = _KIND_WORDS.get(t)
        if kind == "number" and (len(t) == 1 and len(tokens) > 1 or i < len(tokens) - 1):
            continue  # the "a" of "cityA" is no operand; "number" inside a name is handled above
        if kind is not None:
            found[kind] = i
    for kind in _PRIORITY:
        if kind in found:
            return kind, found[kind]
    return None, -1


def _description_head(words: list[str]) -> list[str]:
    """The noun phrase a description opens with ("A list of the contents of the directory" ->
    its first dozen words, without "list" and articles), where the kind word usually is."""
    head = [w for w in words[:6] if w not in ("list", "array", "dictionary", "object", "set", "all")]
    # "the id of the user": the kind is the first noun, not the entity after "of"
    for i, w in enumerate(head):
        if w in _KIND_WORDS and _KIND_WORDS[w] != "number":
            return head[: i + 1]
    return head


def plausible(role: Role, value: Any) -> bool:
    """Whether a value looks like one of this role: an id like an id, a name like a name."""
    if not isinstance(value, str):
        return True
    if role.kind == "identifier":
        return bool(_ID_VALUE.match(value)) or any(c.isdigit() for c in value) and " " not in value
    if role.kind == "name":
        return not any(c.isdigit() for c in value)
    return True


def _kind_from_values(samples: Iterable[Any], json_type: str) -> str | None:
    strings = [s for s in samples if isinstance(s, str)][:20]
    if not strings:
        return None
    if all(_ID_VALUE.match(s) for s in strings):
        return "identifier"
    if all("/" in s or re.search(r"\.[A-Za-z0-9]{1,5}$", s) for s in strings):
        return "path"
    if sum(len(s.split()) > 4 for s in strings) * 2 > len(strings):
        return "text"
    return None


def _entity(tokens: list[str], at: int, container: str, function: str) -> set[str]:
    """The entity words of a name (all but the kind word at ``at``); a generic name (``id``)
    takes its container's or function's."""
    own = {t for i, t in enumerate(tokens) if i != at and t not in _NOT_ENTITY and _KIND_WORDS.get(t) != "number"}
    if own:
        return own
    for source in (container, function):
        words = [t for t in name_tokens(source) if t not in _NOT_ENTITY and t not in VERBS and t not in _KIND_WORDS]
        if words:
            return {singular(words[-1])}
    return set()


_PATH_WORDS = frozenset(w for w, k in _KIND_WORDS.items() if k == "path")


def _plain(description: str) -> str:
    """A description without its quoted or bracketed examples ("mode ('lines', 'words')")."""
    return re.sub(r"\([^)]*\)|'[^']*'|\"[^\"]*\"", " ", description)


def _described_of(words: list[str]) -> set[str]:
    """ "the code of the departing airport" -> {"airport"}: the noun after the first "of"."""
    if "of" not in words[:8]:
        return set()
    after = [w for w in words[words.index("of") + 1 :][:3] if w not in _NOT_ENTITY and w not in VERBS]
    return {after[0]} if after and after[0] in _PATH_WORDS else set(after[:2])


def _record_list(samples: Iterable[Any]) -> bool:
    return any(isinstance(s, dict) for s in samples)


def _described_entity(words: list[str]) -> set[str]:
    """ "User ID of the recipient" -> {"user"}: the word just before an identifier word."""
    found = set()
    for i, w in enumerate(words[1:], 1):
        if w in ("id", "identifier", "symbol", "name") and words[i - 1] not in _NOT_ENTITY:
            found.add(words[i - 1])
    return found


_LISTING = frozenset({"list", "listing", "tree", "search", "find", "matching", "glob"})
_GENERIC_OUTPUTS = frozenset({"content", "result", "output", "text", "data", "response", "value"})


def listing(name: str, tool_description: str) -> bool:
    """Whether a generic output (``content``) of a tool described as listing or searching files
    holds paths: MCP's ``list_directory`` returns its entries as text."""
    if set(name_tokens(name)) - _GENERIC_OUTPUTS:
        return False
    words = {singular(w) for w in re.findall(r"[a-z]+", tool_description.lower().split(".")[0])}
    return bool(words & _LISTING) and bool(words & (_PATH_WORDS | {"directorie"}))


_MUTATIONS = frozenset(
    ["create", "write", "edit", "move", "delete", "remove", "update", "rename", "copy", "add", "set", "save"]
)


def mutation_report(name: str, function: str) -> bool:
    """A generic output (``content``) of a tool that changes something is its report
    ("Successfully wrote to a.txt"), not material to pass on."""
    verbs = name_tokens(function)[:1]
    return not set(name_tokens(name)) - _GENERIC_OUTPUTS and bool(set(verbs) & _MUTATIONS)


def path_sorts(text: str) -> frozenset[str]:
    """``{"file"}``, ``{"directory"}``, both, or none: what sort of path the words speak of."""
    words = {singular(w) for w in re.findall(r"[a-z]+", text.lower())}
    return frozenset(sort for sort, said in _PATH_SORTS.items() if words & said)
