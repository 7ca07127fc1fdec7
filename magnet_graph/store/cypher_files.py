"""Named Cypher queries: one query per ``cypher/<area>/<verb>.cypher`` file, parameters checked.

A query's parameters are the ``$names`` in its text; calling it with a missing or an unexpected
parameter is an error before anything reaches the server. Query text is never built from data.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from ..errors import QueryError

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"//[^\n]*")


@dataclass(frozen=True)
class CypherQuery:
    name: str
    text: str
    params: frozenset[str]

    def check(self, params: dict) -> None:
        """Raise QueryError unless ``params`` has exactly the query's parameters."""
        missing = self.params - params.keys()
        extra = params.keys() - self.params
        if missing or extra:
            problems = []
            if missing:
                problems.append(f"missing {sorted(missing)}")
            if extra:
                problems.append(f"unexpected {sorted(extra)}")
            raise QueryError(f"cypher/{self.name}.cypher: {', '.join(problems)}")


def _root():
    return resources.files("magnet_graph.cypher")


@functools.cache
def load_query(name: str) -> CypherQuery:
    """Load ``cypher/<name>.cypher`` (name like ``function/upsert``)."""
    if not re.fullmatch(r"[a-z_]+(/[a-z_]+)*", name):
        raise QueryError(f"invalid query name {name!r}")
    path = _root().joinpath(*f"{name}.cypher".split("/"))
    if not path.is_file():
        raise QueryError(f"no query cypher/{name}.cypher")
    text = path.read_text(encoding="utf-8").strip()
    return CypherQuery(name, text, frozenset(_PARAM.findall(_COMMENT.sub("", text))))


def query_names() -> list[str]:
    """Every shipped query name, sorted."""
    names = []

    def walk(node, prefix):
        for child in node.iterdir():
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".cypher"):
                names.append(prefix + child.name.removesuffix(".cypher"))

    walk(_root(), "")
    return sorted(names)
