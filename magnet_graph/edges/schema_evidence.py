"""Schema evidence: can this output field's value be this parameter's value, by type and by name?"""

from __future__ import annotations

from ..roles import Role, same_unit
from ..tokens import GENERIC, ID_WORDS, IDENTIFIER_ROLES, VERBS, key_tokens, name_tokens, text_tokens
from .ports import Port

SCALARS = ("string", "integer", "number", "boolean")


def type_fit(out: Port, param: Port) -> tuple[float, str]:
    """(score, kind): how well the field's type fits the parameter; score 0 means impossible.
    A field inside a list (``items[].id``) is one of several values: its flows are partial."""
    score, kind = _type_fit(out, param)
    return score, ("partial" if score and out.many else kind)


def _type_fit(out: Port, param: Port) -> tuple[float, str]:
    o, p = out.type, param.type
    if o in SCALARS and p == "array" and param.item_type:
        fits = o == param.item_type or (o == "integer" and param.item_type == "number")
        return (0.8 if fits else 0.0), "partial"  # one element of the list the parameter takes
    if o == p and o in ("string", "integer", "number"):
        return 1.0, "full"
    if o == p == "boolean":
        return 0.5, "full"  # flags rarely flow from one call into another
    if o == "integer" and p == "number":
        return 0.9, "full"
    if o == "number" and p == "integer":
        return 0.6, "full"
    if o == "array" and p == "array":
        return (1.0 if not out.item_type or not param.item_type or out.item_type == param.item_type else 0.0), "full"
    if o == "array" and p in SCALARS:
        if out.item_type == p:
            return 0.8, "partial"
        if out.item_type in ("", "object") and p != "boolean":
            return 0.5, "partial"  # a list of records: one record holds the value
        return 0.0, ""
    if o == "object" and p == "object":
        return 0.8, "full"
    if o == "object" and p in ("string", "integer", "number"):
        return 0.5, "partial"  # a record or mapping that holds the value
    return 0.0, ""


def field_tokens(out: Port) -> list[str]:
    """A generic field (``id``, ``result``) is named by its function: ``create_ticket.id`` -> ticket id."""
    tokens = name_tokens(out.name)
    if set(tokens) <= GENERIC:
        entity = [t for t in name_tokens(out.container) if t not in GENERIC and t not in VERBS]
        entity = entity or [t for t in name_tokens(out.function) if t not in GENERIC and t not in VERBS]
        return entity[-1:] + tokens
    return tokens


_GENERIC_NUMERIC = GENERIC | {"a", "b", "x", "y", "n", "base", "total", "sum", "amount"}


def name_fit(out: Port, param: Port) -> tuple[float, str]:
    """(score, why): the better of the names' fit and the roles' fit (roles before names: a
    listing's entries and ``file_name`` share no word but are both paths)."""
    lexical, why = _lexical_fit(out, param)
    role = role_fit(out.role, param.role)
    if role > lexical:
        return role, f"same role {param.role}" + (f"; {why}" if why else "")
    return lexical, why


_SAME_KIND = {"path": 0.6, "query": 0.6, "place": 0.6}
_SAME_ENTITY = {"identifier": 0.7, "name": 0.7, "datetime": 0.6, "enum": 0.6}


def role_fit(source: Role, target: Role) -> float:
    """How much the roles alone say a value flows: the same specific kind (of the same entity)."""
    if source.kind == target.kind == "path" and source.word == "entry":
        return 0.7  # an entry of a tool's listing of files: the paths its siblings take
    if source.kind == target.kind == "measure" and same_unit(source.entity, target.entity):
        return 0.7  # stated in the same unit: fuel in gallons into a tool that takes gallons
    if source.kind == target.kind and source.kind in _SAME_KIND:
        return _SAME_KIND[source.kind]
    if source.kind == target.kind and source.kind in _SAME_ENTITY and source.entity & target.entity:
        return _SAME_ENTITY[source.kind]
    if {source.kind, target.kind} <= {"place", "identifier"} and "place" in (source.kind, target.kind):
        if source.entity & target.entity:
            return 0.7  # the same sort of place: an airport into an airport code
        if source.kind == target.kind:
            return 0.6
    return 0.0


def _lexical_fit(out: Port, param: Port) -> tuple[float, str]:
    """(score, why) from the names, plus the parameter's description naming the field's entity."""
    ot, pt = field_tokens(out), name_tokens(param.name)
    ok, pk = {t for t in ot if t not in GENERIC} | (set(ot) & ID_WORDS), key_tokens(param.name)
    if (
        out.toolkit == param.toolkit
        and out.type in ("integer", "number")
        and param.type in ("integer", "number", "array")
        and set(name_tokens(out.name)) <= _GENERIC_NUMERIC
        and set(pt) <= _GENERIC_NUMERIC
    ):
        return 0.7, "generic number into a generic numeric input of the same toolkit"
    if ot == pt:
        if set(pt) <= GENERIC:
            return 0.6, f"same generic name {param.name!r}"
        return 1.0, f"same name {param.name!r}"
    score, why = 0.0, ""
    shared = (ok & pk) - ID_WORDS  # the entity, not the word "id" or "token"
    if shared:
        score = 0.45 + 0.4 * len(shared) / len(pk - ID_WORDS or pk)
        if pt[-1] in ID_WORDS and ot[-1] in ID_WORDS:
            score += 0.15  # both are identifiers of the same entity
        why = f"shared {sorted(shared)}"
    elif not pk and pt and set(pt) <= set(ot):
        score, why = 0.5, f"{param.name!r} within {out.name!r}"
    described = (ok - ID_WORDS) & set(text_tokens(param.description))
    if described:
        score = score + 0.25 if score else 0.55  # the parameter's own words name the field's entity
        why = (why + "; " if why else "") + f"param description mentions {sorted(described)}"
    if score and pt[-1] in IDENTIFIER_ROLES and out.type in SCALARS:
        if ot[-1] not in IDENTIFIER_ROLES:
            score *= 0.3  # an identifier parameter wants an identifier, not a count, text or flag
            why += f"; {out.name!r} is not an identifier"
        elif ot[-1] != pt[-1] and {ot[-1], pt[-1]} & {"id", "name"} == {"id", "name"}:
            score *= 0.5  # an id is not a name (and a name is not an id)
            why += f"; a {ot[-1]} is not a {pt[-1]}"
    return min(score, 1.0), why
