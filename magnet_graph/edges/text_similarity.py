"""Offline lexical similarity: TF-IDF over word and character n-grams, cosine, pure Python.

Fitted on the catalog itself (every field and parameter text), so rare words such as ``booking``
weigh more than common ones such as ``user``. Deterministic; no model download.
"""

from __future__ import annotations

import math
from collections import Counter

from ..tokens import name_tokens, text_tokens


def _features(name: str, description: str) -> Counter:
    words = name_tokens(name) * 2 + text_tokens(description)  # the name counts double
    feats = Counter(f"w:{w}" for w in words)
    for w in set(name_tokens(name)):
        padded = f" {w} "
        feats.update(f"c:{padded[i : i + 4]}" for i in range(max(1, len(padded) - 3)))
    return feats


class TextSimilarity:
    """Cosine similarity of TF-IDF vectors of (name, description) pairs."""

    def __init__(self, documents: list[tuple[str, str]]):
        df: Counter = Counter()
        for name, description in documents:
            df.update(set(_features(name, description)))
        n = max(len(documents), 1)
        self._idf = {f: math.log((1 + n) / (1 + c)) + 1.0 for f, c in df.items()}
        self._cache: dict[tuple[str, str], tuple[dict, float]] = {}

    def _vector(self, name: str, description: str) -> tuple[dict, float]:
        key = (name, description)
        if key not in self._cache:
            vec = {f: (1 + math.log(c)) * self._idf.get(f, 1.0) for f, c in _features(name, description).items()}
            self._cache[key] = (vec, math.sqrt(sum(v * v for v in vec.values())) or 1.0)
        return self._cache[key]

    def similarity(self, a: tuple[str, str], b: tuple[str, str]) -> float:
        va, na = self._vector(*a)
        vb, nb = self._vector(*b)
        if len(va) > len(vb):
            va, vb = vb, va
        return sum(v * vb.get(f, 0.0) for f, v in va.items()) / (na * nb)
