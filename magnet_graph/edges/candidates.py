"""Candidate (output field, parameter) pairs, blocked by role and type before any pairing.

Within a toolkit every pair whose types fit and whose roles may flow is a candidate (toolkits are
small). Across toolkits only roles that mean the same everywhere (text, numbers, amounts,
quantities, dates: ``roles.crosses_toolkits``) pair up, bucketed by role kind; a parameter takes
every field of a small bucket, or of a large one only the fields sharing a word with it, at most
``MAX_CROSS`` of them. So the work grows with the catalog, not with its square.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..roles import crosses_toolkits, feeds
from ..signature import FunctionSignature
from ..tokens import key_tokens, text_tokens
from .ports import Port, inputs
from .schema_evidence import type_fit

SMALL_BUCKET = 128  # a cross-toolkit bucket this small is paired whole
MAX_CROSS = 64  # cross-toolkit fields considered per parameter from a large bucket


def candidate_pairs(
    signatures: list[FunctionSignature], ports_out: dict[str, list[Port]]
) -> Iterator[tuple[Port, Port, bool]]:
    """Yield (output, parameter, same_toolkit) whose types and roles fit, each pair once."""
    outs_by_toolkit: dict[str, list[Port]] = defaultdict(list)
    cross: dict[str, list[Port]] = defaultdict(list)
    for sig in signatures:
        for out in ports_out[sig.name]:
            outs_by_toolkit[sig.toolkit].append(out)
            if crosses_toolkits(out.role):
                cross[out.role.kind].append(out)
    index = {kind: _token_index(outs) for kind, outs in cross.items() if len(outs) > SMALL_BUCKET}
    for sig in signatures:
        for param in inputs(sig):
            for out in outs_by_toolkit[sig.toolkit]:
                if out.function != sig.name and _fits(out, param, True):
                    yield out, param, True
            if not crosses_toolkits(param.role):
                continue
            for kind, outs in sorted(cross.items()):
                pool = outs if kind not in index else _sharing(param, index[kind], outs)
                for out in pool:
                    if out.toolkit != sig.toolkit and _fits(out, param, False):
                        yield out, param, False


def _fits(out: Port, param: Port, same_toolkit: bool) -> bool:
    return feeds(out.role, param.role, same_toolkit) and type_fit(out, param)[0] > 0


def _words(port: Port) -> set[str]:
    return key_tokens(port.name) | key_tokens(port.container) | set(text_tokens(port.description)[:8])


def _token_index(outs: list[Port]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for i, out in enumerate(outs):
        for w in _words(out):
            index[w].append(i)
    return index


def _sharing(param: Port, index: dict[str, list[int]], outs: list[Port]) -> list[Port]:
    hits: dict[int, int] = defaultdict(int)
    for w in _words(param):
        for i in index.get(w, ())[: MAX_CROSS * 4]:
            hits[i] += 1
    best = sorted(hits, key=lambda i: (-hits[i], i))[:MAX_CROSS]
    return [outs[i] for i in sorted(best)]
