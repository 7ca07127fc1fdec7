"""GraphStore: the one interface to the function graph, over the official neo4j driver (Bolt).

Every query is a named file in cypher/ (see cypher_files); every value is a parameter; writes are
UNWIND batches of idempotent MERGEs on uniquely constrained keys, so a retried or repeated load
never duplicates. Everything lives in a ``graph`` partition so several catalogs share a database.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import neo4j
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from ..errors import StoreError
from ..names import assign_names, sanitize_name
from ..signature import FunctionSignature, catalog_hash
from .cypher_files import load_query, query_names
from .feeds import FeedsEdge

_WRITE = re.compile(r"\b(CREATE|MERGE|SET|DELETE|REMOVE)\b", re.IGNORECASE)
# ArcadeDB reports a lost race on a unique key or record version as a plain database error;
# retrying the idempotent batch is the right answer, as it is for Neo4j's transient errors.
_RETRYABLE_MESSAGES = ("duplicated key", "concurrentmodification", "concurrent modification")
MAX_ATTEMPTS = 8
_HEAP_HINT = (
    " (the embedded server's query memory is half its JVM heap: set MAGNET_GRAPH_EMBEDDED_HEAP, e.g. 8g,"
    " then `magnet-graph store stop`; a Neo4j server takes dbms.memory.heap.max_size)"
)


class _NameTaken(Exception):
    """Names a concurrent load gave to other functions after this batch was named."""


@dataclass(frozen=True)
class LoadResult:
    functions: int
    parameters: int
    response_fields: int
    new_functions: int
    seconds: float


class GraphStore:
    """A graph partition in a Cypher database reached over Bolt."""

    def __init__(
        self,
        driver: neo4j.Driver,
        *,
        database: str | None,
        graph: str,
        uri: str,
        on_query: Callable[[], None] | None = None,
    ):
        if not graph or len(graph) > 128:
            raise StoreError(f"graph name must be 1-128 characters, got {graph!r}")
        self.driver, self.database, self.graph, self.uri = driver, database, graph, uri
        self._on_query = on_query or (lambda: None)
        self.executed: Counter[str] = Counter()  # query name -> runs, for coverage and debugging

    # -- queries ------------------------------------------------------------------------------
    def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run the named query in its own managed transaction; ``$graph`` defaults to this store's."""
        return self.run_many([(name, params)])[-1]

    def run_many(
        self,
        steps: Sequence[tuple[str, dict[str, Any]]],
        check: Callable[[list[list[dict[str, Any]]]], None] | None = None,
    ) -> list[list[dict[str, Any]]]:
        """Run several named queries in one transaction (all or nothing), retried when transient.

        ``check`` sees the results before commit; an exception it raises rolls the transaction back.
        """
        prepared = []
        for name, params in steps:
            query = load_query(name)
            if "graph" in query.params and "graph" not in params:
                params = {**params, "graph": self.graph}
            query.check(params)
            prepared.append((query, params))
        write = any(_WRITE.search(q.text) for q, _ in prepared)

        def work(tx):
            results = [tx.run(q.text, p).data() for q, p in prepared]
            if check is not None:
                check(results)
            return results

        self._on_query()
        self.executed.update(q.name for q, _ in prepared)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.driver.session(database=self.database) as session:
                    return session.execute_write(work) if write else session.execute_read(work)
            except (ServiceUnavailable, SessionExpired) as exc:
                raise StoreError(f"graph store {self.uri} unavailable: {exc}") from None
            except Neo4jError as exc:
                # TransientError was already retried by execute_write; only ArcadeDB's races are retried here
                retryable = any(m in str(exc).lower() for m in _RETRYABLE_MESSAGES)
                if not retryable or attempt == MAX_ATTEMPTS:
                    names = ", ".join(q.name for q, _ in prepared)
                    hint = _HEAP_HINT if "heap budget" in str(exc).lower() else ""
                    raise StoreError(f"query {names} failed on {self.uri}: {exc.message or exc}{hint}") from None
                time.sleep(min(0.05 * 2**attempt, 2.0))
        raise AssertionError("unreachable")

    # -- schema and loading --------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the uniqueness constraints (idempotent)."""
        for name in query_names():
            if name.startswith("schema/"):
                self.run(name)

    def load_functions(
        self,
        signatures: Iterable[FunctionSignature],
        batch_size: int = 1000,
        progress: Callable[[int], None] | None = None,
    ) -> LoadResult:
        """Upsert signatures with their parameter and response-field nodes, in UNWIND batches.

        Names stay unique per graph and stable across reloads (see ``assign_names``); loading the
        same catalog again changes nothing.
        """
        if batch_size < 1:
            raise StoreError(f"batch size must be at least 1, got {batch_size}")
        start = time.perf_counter()
        self.ensure_schema()
        existing = self._identities()
        known = set(existing.values())
        sigs = assign_names(list(signatures), existing)
        n_params = n_fields = 0
        for i in range(0, len(sigs), batch_size):
            batch = sigs[i : i + batch_size]
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    self._write_functions(batch)
                    break
                except _NameTaken:
                    if attempt == MAX_ATTEMPTS:
                        raise StoreError(f"graph {self.graph!r}: names kept being taken by concurrent loads") from None
                    # rename this batch against what the store holds now, from the original names
                    fresh = [s.with_name(sanitize_name(s.original_name)) for s in batch]
                    batch = assign_names(fresh, self._identities())
            sigs[i : i + batch_size] = batch
            n_params += sum(len(s.parameter_fields()) for s in batch)
            n_fields += sum(len(s.response_fields()) for s in batch)
            if progress:
                progress(len(batch))
        new = sum(1 for s in sigs if s.name not in known)
        return LoadResult(len(sigs), n_params, n_fields, new, time.perf_counter() - start)

    def _identities(self) -> dict[tuple[str, str], str]:
        return {(r["toolkit"], r["original_name"]): r["name"] for r in self.run("function/identities")}

    def _write_functions(self, batch: list[FunctionSignature]) -> None:
        functions = [{"name": s.name, "props": {**s.to_record(), "hash": s.content_hash()}} for s in batch]
        params = [{"function": s.name, "name": p["name"], "props": p} for s in batch for p in s.parameter_fields()]
        fields = [{"function": s.name, "name": f["name"], "props": f} for s in batch for f in s.response_fields()]
        keep_params = [{"function": s.name, "names": [p["name"] for p in s.parameter_fields()]} for s in batch]
        keep_fields = [{"function": s.name, "names": [f["name"] for f in s.response_fields()]} for s in batch]

        def all_written(results):
            written = set(results[0][0]["written"]) if results[0] else set()
            taken = [s.name for s in batch if s.name not in written]
            if taken:
                raise _NameTaken(taken)

        self.run_many(
            [
                ("function/upsert", {"rows": functions}),
                ("parameter/prune", {"rows": keep_params}),
                ("parameter/upsert", {"rows": params}),
                ("field/prune", {"rows": keep_fields}),
                ("field/upsert", {"rows": fields}),
            ],
            check=all_written,
        )

    def load_edges(self, edges: Iterable[FeedsEdge], batch_size: int = 5000) -> int:
        """Upsert FEEDS edges between functions already in this graph; returns the rows sent."""
        if batch_size < 1:
            raise StoreError(f"batch size must be at least 1, got {batch_size}")
        rows = [e.to_row() for e in edges]
        for i in range(0, len(rows), batch_size):
            self.run("edge/upsert", rows=rows[i : i + batch_size])
        return len(rows)

    def replace_edges(self, edges: Iterable[FeedsEdge], batch_size: int = 5000) -> int:
        """Make this graph's FEEDS edges exactly ``edges`` (re-inference). The old edges and the
        inference marker go first, then the new edges in batches of ``batch_size``, each its own
        transaction, so a big graph never needs one huge transaction; until ``mark_edges_inferred``
        runs, ``edges_stale`` says the inference was cut short."""
        self.run_many([("graph/unmark_edges", {}), ("edge/clear", {})])
        return self.add_edges(edges, batch_size)

    def add_edges(self, edges: Iterable[FeedsEdge], batch_size: int = 5000) -> int:
        """Write new FEEDS edges (none of them stored yet) in batches, each its own transaction."""
        written, batch = 0, []
        for edge in edges:
            batch.append(edge.to_row())
            if len(batch) >= batch_size:
                self.run("edge/create", rows=batch)
                written, batch = written + len(batch), []
        if batch:
            self.run("edge/create", rows=batch)
        return written + len(batch)

    def replace_edges_touching(
        self,
        functions: Iterable[str],
        params: Iterable[tuple[str, str]],
        toolkits: Iterable[str],
        edges: Iterable[FeedsEdge],
        batch_size: int = 5000,
    ) -> int:
        """Replace the edges an incremental inference derived again: every edge from or into
        ``functions``, the edges into ``params`` (``(function, parameter)``) and the prerequisite
        edges into ``toolkits``, by ``edges``. The inference marker goes first, as in
        ``replace_edges``, so a cut-short update leaves the edges stale."""
        rows = [{"function": f, "param": p} for f, p in sorted(params)]
        self.run_many(
            [
                ("graph/unmark_edges", {}),
                ("edge/delete_touching", {"functions": sorted(functions)}),
                ("edge/delete_into", {"rows": rows}),
                ("edge/delete_prerequisites", {"toolkits": sorted(toolkits)}),
            ]
        )
        return self.add_edges(edges, batch_size)

    def changed_since_inference(self, settings: str = "") -> list[str] | None:
        """Names of the functions added or changed since the edges were last inferred with
        ``settings``; None when they never were, were with other settings, or the last inference
        was cut short (only a full one will do)."""
        marker = self.run("graph/edges_marker")
        if not marker or (marker[0]["settings"] or "") != settings:
            return None
        return sorted(r["name"] for r in self.run("function/changed_since_inference"))

    def cross_toolkit_feeds(self, sources: list[str]) -> list[FeedsEdge]:
        """The stored edges from ``sources`` into functions of other toolkits."""
        return [FeedsEdge.from_row(r) for r in self.run("edge/from_sources", sources=sources)]

    def feed_pairs(self, toolkits: list[str]) -> list[tuple[str, str, str]]:
        """(source, target, target_param) of the stored feed edges (not prerequisites) inside each of ``toolkits``."""
        return [
            (r["source"], r["target"], r["target_param"]) for r in self.run("edge/within_toolkits", toolkits=toolkits)
        ]

    def save_learned_fields(self, learned: dict[str, list[tuple[str, dict[str, Any]]]]) -> int:
        """Replace the output fields earlier links learned: ``{function: [(path, schema), ...]}``,
        each schema carrying ``x-evidence`` and ``x-observations``. Returns the fields written."""
        rows = [
            {
                "function": function,
                "name": path,
                "props": {
                    "name": path,
                    "type": str(schema.get("type", "")),
                    "description": str(schema.get("description", "")),
                    "evidence": str(schema.get("x-evidence", "observed")),
                    "observations": int(schema.get("x-observations", 0)),
                },
            }
            for function, fields in sorted(learned.items())
            for path, schema in fields
        ]
        results = self.run_many([("field/clear_learned", {}), ("field/learn", {"rows": rows})])
        return results[1][0]["fields"] if results[1] else 0

    def mark_edges_inferred(self, signatures: list[FunctionSignature], edges: int, settings: str = "") -> None:
        """Record that the graph's edges were inferred from exactly ``signatures`` with ``settings``
        (``edges_stale`` compares the functions with what the graph holds; ``changed_since_inference``
        names the functions changed since)."""
        self.run_many(
            [
                ("function/mark_inferred", {"rows": [{"name": s.name, "hash": s.content_hash()} for s in signatures]}),
                (
                    "graph/mark_edges",
                    {
                        "functions_hash": catalog_hash(signatures),
                        "functions": len(signatures),
                        "edges": edges,
                        "settings": settings,
                    },
                ),
            ]
        )

    def edges_stale(self) -> str:
        """'' when the graph's edges were inferred from the functions it holds now; else why not
        (never inferred, a load cut short before inference finished, functions changed since)."""
        marker = self.run("graph/edges_marker")
        if not marker:
            return "its edges were never inferred, or an inference was cut short"
        if marker[0]["functions_hash"] != self.content_hash():
            return f"its edges were inferred from {marker[0]['functions']} functions that have changed since"
        return ""

    def fields(self) -> list[dict[str, Any]]:
        """Output fields by function: ``{function, name (a field path), type, evidence, observations}``."""
        return self.run("field/list")

    def save_paths(self, paths: Iterable[Any], batch_size: int = 500) -> int:
        """Persist SignaturePaths (idempotent: ids are content hashes)."""
        paths = list(paths)
        for i in range(0, len(paths), batch_size):
            batch = paths[i : i + batch_size]
            turns = [
                {
                    "path": p.id,
                    "seed": p.seed,
                    "length": len(p.turns),
                    "start": (p.functions or ("",))[0],
                    "parent": p.parent,
                    "index": t.index,
                    "ops": list(t.ops),
                    "missing_kind": t.missing.kind if t.missing else "",
                    "missing_function": t.missing.function if t.missing else "",
                    "missing_param": t.missing.param if t.missing else "",
                    "calls": [{"order": k, "function": f} for k, f in enumerate(t.functions)],
                }
                for p in batch
                for t in p.turns
            ]
            links = [
                {
                    "path": p.id,
                    "later": t.index,
                    "earlier": d.turn,
                    "source": d.source,
                    "source_field": d.source_field,
                    "target": d.target,
                    "target_param": d.target_param,
                    "kind": d.kind,
                }
                for p in batch
                for t in p.turns
                for d in t.depends_on
            ]
            self.run_many([("path/save", {"turns": turns}), ("path/save_dependencies", {"links": links})])
        return len(paths)

    # -- reading -------------------------------------------------------------------------------
    def functions(self) -> list[FunctionSignature]:
        return [FunctionSignature.from_record(r["function"]) for r in self.run("function/list")]

    def edges(self) -> list[FeedsEdge]:
        """Every FEEDS edge, sorted here: the server streams them instead of sorting with evidence."""
        rows = self.run("edge/list")
        rows.sort(key=lambda r: (r["source"], r["target"], r["source_field"], r["target_param"]))
        return [FeedsEdge.from_row(row) for row in rows]

    def linked_pairs(self) -> list[tuple[str, str]]:
        """(source, target) of the functions an edge links inside one toolkit, each pair once: what
        a caller needs that is not the edges themselves (a 50k-function graph's 800k edges with their
        evidence take a minute to list)."""
        return [(r["source"], target) for r in self.run("edge/linked_pairs") for target in r["targets"]]

    def stats(self) -> dict[str, Any]:
        """Counts, functions per toolkit and the content hash of this graph."""
        counts = self.run("graph/stats")[0]
        toolkits = {r["toolkit"]: r["functions"] for r in self.run("graph/toolkits")}
        return {
            "store": self.uri,
            "graph": self.graph,
            **counts,
            "toolkits": toolkits,
            "content_hash": self.content_hash(),
        }

    def content_hash(self) -> str:
        """Order-independent hash of every stored signature (equal to the catalog's own hash)."""
        return catalog_hash(self.functions())

    def graphs(self) -> dict[str, int]:
        return {r["graph"]: r["functions"] for r in self.run("graph/list")}

    def clear(self) -> None:
        """Delete this graph partition; other graphs are untouched."""
        self.run("graph/clear")

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
