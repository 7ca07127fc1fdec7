"""Function names: sanitised to the tool-name pattern every major API accepts, and kept unique."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from .signature import FunctionSignature

NAME_PATTERN = re.compile(r"\A[a-zA-Z0-9_-]{1,64}\Z")  # \Z: "$" would allow a trailing newline
_INVALID_RUN = re.compile(r"[^a-zA-Z0-9_-]+")
MAX_LEN = 64


def sanitize_name(original: str) -> str:
    """Map any string to one that fully matches ``[a-zA-Z0-9_-]{1,64}``, deterministically.

    Accents are folded to ASCII and other characters become ``_``; a name with nothing usable left
    (all CJK, say) becomes ``fn_<hash>`` so that it stays stable and distinct.
    """
    if NAME_PATTERN.fullmatch(original):
        return original
    folded = unicodedata.normalize("NFKD", original).encode("ascii", "ignore").decode("ascii")
    name = _INVALID_RUN.sub("_", folded).strip("_")
    if not name:
        name = "fn_" + hashlib.sha256(original.encode("utf-8")).hexdigest()[:10]
    return name[:MAX_LEN]


def unique_name(base: str, taken: set[str]) -> str:
    """Return ``base`` or ``base_2``, ``base_3``... (truncated to fit 64 chars) not in ``taken``."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"_{n}"
        candidate = base[: MAX_LEN - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


def assign_names(signatures: list[FunctionSignature], existing: dict[tuple[str, str], str]) -> list[FunctionSignature]:
    """Give every signature a name unique in its graph, stable across reloads.

    ``existing`` maps (toolkit, original_name) to the name already stored for it; a function seen
    before keeps its name, a new one gets its sanitised name or a ``_2``-style suffix.
    """
    existing = dict(existing)
    taken = set(existing.values())
    result = []
    for sig in signatures:
        name = existing.get((sig.toolkit, sig.original_name))
        if name is None:
            name = unique_name(sig.name, taken)
            existing[(sig.toolkit, sig.original_name)] = name
        taken.add(name)
        result.append(sig if name == sig.name else sig.with_name(name))
    return result
