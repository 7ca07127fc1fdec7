"""Candidate (output field, parameter) pairs: same toolkit first, then cross-toolkit name matches.

Never all pairs: within a toolkit every type-compatible pair is a candidate (toolkits are small);
across toolkits only pairs that share an entity token in their names, found through an inverted
index, so the work grows with matches rather than with the square of the catalog.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..signature import FunctionSignature
from ..tokens import key_tokens
from .ports import Port, inputs, outputs
from .schema_evidence import type_fit


def candidate_pairs(signatures: list[FunctionSignature]) -> Iterator[tuple[Port, Port, bool]]:
    """Yield (output, parameter, same_toolkit) with a possible type fit, each pair once."""
    outs_by_toolkit: dict[str, list[Port]] = defaultdict(list)
    outs_by_token: dict[str, list[Port]] = defaultdict(list)
    for sig in signatures:
        for out in outputs(sig):
            outs_by_toolkit[sig.toolkit].append(out)
            for token in key_tokens(out.name):
                outs_by_token[token].append(out)
    for sig in signatures:
        for param in inputs(sig):
            for out in outs_by_toolkit[sig.toolkit]:
                if out.function != sig.name and type_fit(out, param)[0] > 0:
                    yield out, param, True
            seen = set()
            for token in key_tokens(param.name):
                for out in outs_by_token[token]:
                    key = (out.function, out.name)
                    if out.toolkit != sig.toolkit and key not in seen and type_fit(out, param)[0] > 0:
                        seen.add(key)
                        yield out, param, False
