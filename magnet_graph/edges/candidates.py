"""Candidate (output field, parameter) pairs, blocked by role and type before any pairing.

Output fields are bucketed by toolkit and role kind; a parameter looks only at the buckets whose
kind may feed its own (``roles.source_kinds``). Within a toolkit a small bucket is paired whole,
so on toolkits of everyday size every pair whose types fit and whose roles may flow is a
candidate. Across toolkits only roles that mean the same everywhere (text, numbers, amounts,
quantities, dates: ``roles.crosses_toolkits``) pair up. A large bucket (a 5,000-tool OpenAPI file,
or the numbers of a whole pool) gives a parameter only the fields sharing the most words with it,
at most ``MAX_SHARING``, found through a word index whose long postings are read from a point
seeded by the parameter. So the work grows with the catalog, not with its square.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterator

from ..roles import crosses_toolkits, feeds, generic_sink, shares_text, source_kinds
from ..signature import FunctionSignature
from ..tokens import key_tokens, name_tokens, singular, text_tokens
from .ports import Port, inputs
from .prerequisites import is_opener
from .schema_evidence import type_fit

SMALL_BUCKET = 128  # a bucket this small is paired whole
MAX_SHARING = 64  # fields a parameter considers from a large bucket
MAX_POSTINGS = 4 * MAX_SHARING  # fields read per shared word of a large bucket


def candidate_pairs(
    signatures: list[FunctionSignature],
    ports_out: dict[str, list[Port]],
    ports_in: dict[str, list[Port]],
    touching: frozenset[str] | None = None,
) -> Iterator[tuple[Port, Port, bool]]:
    """Yield (output, parameter, same_toolkit) whose types and roles fit, each pair once.

    With ``touching`` (functions added or changed since the last inference), only the parameters
    whose sources may have changed: every parameter of those functions, and each other parameter
    that has one of their outputs among its candidates, with all of its candidates (its sources
    are chosen again from the whole set)."""
    own: dict[tuple[str, str], list[Port]] = defaultdict(list)
    cross: dict[str, list[Port]] = defaultdict(list)
    for sig in signatures:
        for out in ports_out[sig.name]:
            own[(sig.toolkit, out.role.kind)].append(out)
            if crosses_toolkits(out.role):
                cross[out.role.kind].append(out)
    own_buckets = {key: _Bucket(outs) for key, outs in own.items()}
    cross_buckets = {kind: _Bucket(outs) for kind, outs in sorted(cross.items())}
    changed_own = changed_cross = None
    if touching is not None:
        changed = [out for name in sorted(touching) for out in ports_out.get(name, ())]
        changed_own = {(out.toolkit, out.role.kind) for out in changed}
        changed_cross = any(crosses_toolkits(out.role) for out in changed)
    creates = {sig.name: created_entities(sig, ports_out[sig.name]) for sig in signatures}
    about = {sig.name: records_about(ports_out[sig.name]) for sig in signatures}
    plain = {sig.name: (_plain(ports_in[sig.name]), _plain(ports_out[sig.name])) for sig in signatures}
    for sig in signatures:
        params = ports_in[sig.name]
        if any(p.role.kind == "secret" for p in params):
            continue  # credentials and the names that go with them are the user's to state
        opener = is_opener(sig)
        whole = touching is None or sig.name in touching
        for param in params:
            if names_new_thing(sig, param):
                continue  # the name of what a tool creates is the user's to choose
            kinds = sorted(source_kinds(param.role.kind))
            if not whole and not (
                any((sig.toolkit, k) in changed_own for k in kinds) or (changed_cross and crosses_toolkits(param.role))
            ):
                continue  # no changed output can reach it: its sources stay as they are
            pairs = []
            key = _Key(param)
            for out in _merged([own_buckets[(sig.toolkit, k)].near(key) for k in kinds if (sig.toolkit, k) in own]):
                if (
                    out.function != sig.name
                    and (not opener or looked_up(out))  # who logs in is the user's to state, or to look up
                    and _fits(out, param, True)
                    and not _copies(out, creates[sig.name], about[out.function])
                    and not no_op(out, param, sig)
                    and not _inverse(plain[out.function], plain[sig.name])
                ):
                    pairs.append((out, param, True))
            if crosses_toolkits(param.role):
                for bucket in cross_buckets.values():
                    for out in bucket.near(key):
                        if out.toolkit != sig.toolkit and _fits(out, param, False) and _plain_across(out, param):
                            pairs.append((out, param, False))
            if whole or any(out.function in touching for out, _, _ in pairs):
                yield from pairs


class _Key:
    """A parameter's words and seed, computed once for every bucket it looks into."""

    def __init__(self, param: Port):
        self._param = param
        self._words: set[str] | None = None

    @property
    def words(self) -> set[str]:
        if self._words is None:
            self._words = _words(self._param)
        return self._words

    @property
    def seed(self) -> int:
        return zlib.crc32(f"{self._param.function}\0{self._param.path}".encode())


class _Bucket:
    """Output fields of one toolkit and kind, or of one kind across toolkits, in a fixed order
    (the same candidates whatever the catalog's order), with a word index once it is large."""

    def __init__(self, outs: list[Port]):
        self.outs = sorted(outs, key=lambda p: (p.function, p.path))
        self.index: dict[str, list[int]] | None = None
        if len(self.outs) > SMALL_BUCKET:
            self.index = defaultdict(list)
            for i, out in enumerate(self.outs):
                for w in _words(out):
                    self.index[w].append(i)

    def near(self, param: _Key) -> list[Port]:
        """Every field of a small bucket; of a large one, those sharing the most words with ``param``."""
        if self.index is None:
            return self.outs
        hits: dict[int, int] = defaultdict(int)
        for w in param.words:
            postings = self.index.get(w, ())
            if len(postings) > MAX_POSTINGS:  # a common word: a window seeded by the parameter
                start = param.seed % len(postings)
                postings = (postings[start:] + postings[:start])[:MAX_POSTINGS]
            for i in postings:
                hits[i] += 1
        best = sorted(hits, key=lambda i: (-hits[i], i))[:MAX_SHARING]
        return [self.outs[i] for i in sorted(best)]


def _merged(groups: list[list[Port]]) -> list[Port]:
    return [p for group in groups for p in group] if len(groups) != 1 else groups[0]


def _fits(out: Port, param: Port, same_toolkit: bool) -> bool:
    return not out.echo and feeds(out.role, param.role, same_toolkit) and type_fit(out, param)[0] > 0


def _plain_across(out: Port, param: Port) -> bool:
    """Across toolkits, flows that roles alone make plain: a document goes out in something new
    (a post, a message, a ticket: not an edit or a display); a list operand (``numbers``) takes a
    collection (a list, a record of like values); a converter takes a measure or money, not a bare
    number; a plain scalar operand (``a``, ``base``) takes nothing by role alone, since any
    quantity of any toolkit would fit it."""
    if not generic_sink(out.role, param.role):
        return True
    if param.role.kind == "text":
        return shares_text(param.function)
    if param.role.kind == "number":
        return param.type == "array" and (out.many or out.type == "array")
    return out.role.kind == param.role.kind  # a converter takes a measure, or money, from elsewhere


_CREATING = frozenset({"create", "make", "mkdir", "touch", "new", "register"})
_NAME_WORDS = frozenset({"name", "path", "file", "dir", "folder", "directory", "filename", "title"})


def names_new_thing(sig: FunctionSignature, param: Port) -> bool:
    """``create_directory.path``, ``mkdir.dir_name``, ``create_entities.entities[].name``."""
    verb = name_tokens(sig.name)[:1]
    return (
        bool(set(verb) & _CREATING)
        and param.role.kind in ("name", "path")
        and set(name_tokens(param.name)) <= _NAME_WORDS
    )


def created_entities(sig: FunctionSignature, outs: list[Port]) -> set[str]:
    """What ``sig`` creates: entities it returns a new identifier of without taking one, and
    what its name says it creates (``create_relations``)."""
    taken = {e for p in inputs(sig) if p.role.kind == "identifier" for e in p.role.entity}
    made = {e for p in outs if p.role.kind == "identifier" and not p.many for e in p.role.entity}
    words = name_tokens(sig.name)
    if words[:1] and words[0] in _CREATING:  # create_relations makes relations, ids or not
        made |= {singular(w) for w in words[1:]}
    return made - taken


def looked_up(out: Port) -> bool:
    """Whether the field is what its tool is for: ``get_user_id.user_id``, not the id of a contact
    that ``add_contact`` returns."""
    return "[" not in out.path and set(name_tokens(out.name)) <= set(name_tokens(out.function))


_SETTING = frozenset({"edit", "update", "set", "adjust", "change", "modify", "add"})
_REFERENCES = frozenset({"identifier", "name", "path", "place", "secret"})


def no_op(out: Port, param: Port, target: FunctionSignature) -> bool:
    """A value fed back where it came from: a ticket's priority into an edit of its priority, the
    fan speed into setting the fan speed; a watchlist's symbols into adding to the watchlist."""
    verb = set(name_tokens(target.name)[:1])
    if not verb & _SETTING:
        return False
    if out.role.kind not in _REFERENCES and name_tokens(out.name) == name_tokens(param.name):
        return True
    collection = set(name_tokens(out.root))
    return (
        bool(collection)
        and collection <= set(name_tokens(target.name)[1:])
        and collection <= set(name_tokens(out.function))
    )


def _plain(ports: list[Port]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(name_tokens(p.name)) for p in ports if "." not in p.path and "[" not in p.path)


def _inverse(a: tuple[frozenset, frozenset], b: tuple[frozenset, frozenset]) -> bool:
    """B undoes A (``gallon_to_liter`` then ``liter_to_gallon``): what A takes B returns and what A
    returns B takes. Feeding A's result into B only gives back A's input. ``a`` and ``b`` are each
    function's plain (takes, gives) names."""
    (a_takes, a_gives), (b_takes, b_gives) = a, b
    return bool(a_takes) and bool(a_gives) and a_takes <= b_gives and a_gives <= b_takes and a_takes != a_gives


def records_about(outs: list[Port]) -> dict[str, set[str]]:
    """For each nested record of a result, the entities whose identifiers it carries: an invoice
    holding a ``booking_id`` is a booking's record."""
    about: dict[str, set[str]] = defaultdict(set)
    for p in outs:
        if p.role.kind == "identifier" and p.container and "." in p.path:
            about[p.path.rsplit(".", 1)[0]] |= p.role.entity
    return about


def _copies(out: Port, created: set[str], about: dict[str, set[str]]) -> bool:
    """A record's own attribute copied into creating another of its kind (a ticket's title into
    create_ticket, an invoiced booking's route into booking a flight): a duplicate, not a
    dependency. Identifiers are exempt."""
    if not created or out.role.kind == "identifier":
        return False
    words = key_tokens(out.container) | key_tokens(out.function) | key_tokens(out.name)
    record = about.get(out.path.rsplit(".", 1)[0], set()) if "." in out.path else set()
    return bool(({singular(w) for w in words} | record) & created)


def _words(port: Port) -> set[str]:
    return key_tokens(port.name) | key_tokens(port.container) | set(text_tokens(port.description)[:8])
