"""The store contract: every test here runs unchanged on embedded ArcadeDB and on real Neo4j."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from magnet_graph.catalogs import load_catalog
from magnet_graph.errors import QueryError, StoreError
from magnet_graph.paths import OperationConfig, apply_operations, random_walks, single_turn_paths
from magnet_graph.signature import catalog_hash
from magnet_graph.store import FeedsEdge, open_store
from magnet_graph.store.cypher_files import load_query, query_names

from .catalog_factory import synthetic_catalog
from .conftest import FIXTURES

INJECTIONS = [
    "x'}) MATCH (n) DETACH DELETE n //",
    '" OR 1=1 RETURN n //',
    "$graph",
    "`Function`) DETACH DELETE f WITH 1 AS x MATCH (y",
    "{name: 'x'}; CALL dbms.components() YIELD name RETURN name",
    "line one\nline two\\u0027 ' \" ;",
]


@pytest.mark.slow
def test_bfcl_loads_128_functions_and_reloading_changes_nothing(store):
    sigs = load_catalog("bfcl")
    first = store.load_functions(sigs)
    assert (first.functions, first.parameters, first.response_fields, first.new_functions) == (128, 185, 196, 128)
    stats = store.stats()
    assert (stats["functions"], stats["parameters"], stats["response_fields"], stats["edges"]) == (128, 185, 196, 0)
    assert stats["toolkits"]["VehicleControlAPI"] == 22
    again = store.load_functions(load_catalog("bfcl"))
    assert again.new_functions == 0
    assert store.stats() == stats


def test_stored_signatures_round_trip_exactly(store):
    sigs = load_catalog("bfcl:TravelAPI") + load_catalog(str(FIXTURES / "messy_catalog.json"))
    store.load_functions(sigs)
    stored = {s.name: s for s in store.functions()}
    assert stored == {s.name: s for s in sigs}
    assert store.content_hash() == catalog_hash(sigs)


def test_constraints_exist(store):
    store.ensure_schema()
    records, _, _ = store.driver.execute_query("SHOW CONSTRAINTS", database_=store.database)
    names = {r["name"] for r in records}
    assert {"function_key", "parameter_key", "field_key"} <= names


def test_injection_payloads_load_as_plain_text(store_uri, graph_name, tmp_path):
    clean = load_catalog(str(FIXTURES / "openai_tools.json"))
    tools = json.loads((FIXTURES / "openai_tools.json").read_text())
    for i, tool in enumerate(tools):  # every payload goes in as a name, a description and a parameter text
        fn = tool["function"]
        fn["name"] = INJECTIONS[i]
        fn["description"] = INJECTIONS[(i + len(tools)) % len(INJECTIONS)]
        for j, param in enumerate(fn["parameters"]["properties"].values()):
            param["description"] = INJECTIONS[(i + j) % len(INJECTIONS)]
    dirty_path = tmp_path / "injection.json"
    dirty_path.write_text(json.dumps(tools))
    dirty = load_catalog(str(dirty_path))
    with open_store(store_uri, graph_name + "-clean") as clean_store, open_store(store_uri, graph_name) as dirty_store:
        try:
            clean_store.load_functions(clean)
            before = clean_store.stats()
            dirty_store.load_functions(dirty)
            after_dirty = dirty_store.stats()
            for key in ("functions", "parameters", "response_fields", "edges"):
                assert after_dirty[key] == before[key]
            assert after_dirty["content_hash"] == catalog_hash(dirty)
            stored = dirty_store.functions()
            texts = (
                {s.original_name for s in stored}
                | {s.description for s in stored}
                | {p["description"] for s in stored for p in s.parameter_fields()}
            )
            assert set(INJECTIONS) <= texts
            assert clean_store.stats() == before  # the clean graph is untouched
        finally:
            clean_store.clear()
            dirty_store.clear()


def _catalog_file(path, sigs):
    path.write_text(
        json.dumps(
            [
                {
                    "name": s.original_name,
                    "description": s.description,
                    "parameters": s.parameters,
                    "response": s.output,
                }
                for s in sigs
            ]
        )
    )
    return str(path)


@pytest.mark.slow
def test_concurrent_loads_leave_no_duplicates_and_lose_nothing(store_uri, graph_name, tmp_path):
    """Two toolkits with the same 300 function names, and one of them twice, all at once."""
    x = _catalog_file(tmp_path / "x.json", synthetic_catalog(300, seed=7))
    y = _catalog_file(tmp_path / "y.json", synthetic_catalog(300, seed=8))
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "magnet_graph.cli",
                "load",
                source,
                "--no-edges",
                "--store",
                store_uri,
                "--graph",
                graph_name,
                "--batch-size",
                "50",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for source in (x, y, x)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    with open_store(store_uri, graph_name) as store:
        try:
            stats = store.stats()
            assert stats["functions"] == 600 and stats["toolkits"] == {"x": 300, "y": 300}
            stored = store.functions()
            assert len({s.name for s in stored}) == 600
            expected = {(s.toolkit, s.original_name): s for s in load_catalog(x) + load_catalog(y)}
            for sig in stored:  # each function kept its own definition and parameters
                assert sig.parameters == expected[(sig.toolkit, sig.original_name)].parameters
            assert stats["parameters"] == sum(len(s.parameter_fields()) for s in stored)
        finally:
            store.clear()


def test_edges_are_idempotent_and_explain_themselves(store):
    store.load_functions(load_catalog(str(FIXTURES / "openai_tools.json")))
    evidence = ({"kind": "schema", "score": 0.9, "detail": "flight_ids[] -> flight_id"},)
    edges = [
        FeedsEdge("search_flights", "book_flight", "flight_ids", "flight_id", "partial", 0.9, evidence),
        FeedsEdge("book_flight", "cancel_booking", "booking_id", "booking_id", "full", 0.95, evidence),
    ]
    store.load_edges(edges)
    store.load_edges(edges)
    listed = store.edges()
    assert [(e.source, e.target, e.kind) for e in listed] == [
        ("book_flight", "cancel_booking", "full"),
        ("search_flights", "book_flight", "partial"),
    ]
    assert listed[1].evidence == evidence
    assert store.stats()["edges"] == 2


def test_reloading_a_changed_function_prunes_its_old_fields(store):
    sigs = load_catalog(str(FIXTURES / "openai_tools.json"))
    store.load_functions(sigs)
    book = next(s for s in sigs if s.name == "book_flight")
    props = {k: v for k, v in book.parameters.items()}
    props["properties"] = {"flight_id": book.parameters["properties"]["flight_id"]}
    props["required"] = ["flight_id"]
    changed = book.__class__(**{**book.__dict__, "parameters": props, "required": ("flight_id",), "output": None})
    store.load_functions([changed])
    stats = store.stats()
    assert stats["parameters"] == 8 - 1 and stats["response_fields"] == 2 - 1
    assert {s.name: s for s in store.functions()}["book_flight"] == changed


def test_graphs_are_partitioned_and_clear_removes_one(store_uri, graph_name):
    with open_store(store_uri, graph_name + "-a") as a, open_store(store_uri, graph_name + "-b") as b:
        a.load_functions(load_catalog("bfcl:MathAPI"))
        b.load_functions(load_catalog("bfcl:TicketAPI"))
        graphs = a.graphs()
        assert graphs[graph_name + "-a"] == 17 and graphs[graph_name + "-b"] == 9
        a.clear()
        assert a.stats()["functions"] == 0 and a.stats()["parameters"] == 0
        assert b.stats()["functions"] == 9
        b.clear()


def test_every_cypher_file_is_exercised(store):
    sigs = load_catalog(str(FIXTURES / "openai_tools.json"))
    store.load_functions(sigs)
    store.load_edges([FeedsEdge("book_flight", "cancel_booking", "booking_id", "booking_id", "full", 1.0)])
    learned = {"search_flights": [("flights[].id", {"type": "string", "x-evidence": "observed", "x-observations": 3})]}
    assert store.save_learned_fields(learned) == 1
    assert store.save_learned_fields(learned) == 1  # replaces, never piles up
    observed = [(f["function"], f["name"], f["observations"]) for f in store.fields() if f["evidence"] == "observed"]
    assert observed == [("search_flights", "flights[].id", 3)]
    store.replace_edges([FeedsEdge("search_flights", "book_flight", "flight_ids", "flight_id", "partial", 0.8)])
    assert [(e.source, e.target) for e in store.edges()] == [("search_flights", "book_flight")]
    store.replace_edges(
        [
            FeedsEdge("search_flights", "book_flight", "flight_ids", "flight_id", "partial", 0.8),
            FeedsEdge("book_flight", "cancel_booking", "booking_id", "booking_id", "full", 1.0),
        ]
    )
    assert sorted(store.linked_pairs()) == [("book_flight", "cancel_booking"), ("search_flights", "book_flight")]
    shaped = apply_operations(
        store,
        random_walks(store, 5, seed=1),
        seed=1,
        config=OperationConfig(insert_p=1.0, split_p=1.0, miss_param_p=1.0),
    )
    store.save_paths(shaped + single_turn_paths(store, 3, seed=1))
    for name, params in {
        "path/count": {},
        "path/through_function": {"function": "book_flight"},
        "path/long_dependencies": {"distance": 1},
        "path/split_turns": {},
    }.items():
        assert store.run(name, **params)
    assert "never inferred" in store.edges_stale()
    assert store.changed_since_inference() is None
    toolkit = sigs[0].toolkit
    assert sorted(store.feed_pairs([toolkit])) == [
        ("book_flight", "cancel_booking", "booking_id"),
        ("search_flights", "book_flight", "flight_id"),
    ]
    assert store.cross_toolkit_feeds(["search_flights"]) == []  # inside a toolkit
    kept = FeedsEdge("search_flights", "book_flight", "flight_ids", "flight_id", "partial", 0.9)
    assert store.replace_edges_touching(["cancel_booking"], [("book_flight", "flight_id")], [toolkit], [kept]) == 1
    assert [(e.source, e.target, e.score) for e in store.edges()] == [("search_flights", "book_flight", 0.9)]
    store.mark_edges_inferred(store.functions(), 1, settings="s")
    assert store.edges_stale() == "" and store.changed_since_inference("s") == []
    assert store.changed_since_inference("other") is None
    store.load_functions(load_catalog(str(FIXTURES / "mcp_tools_list.json")))
    assert "changed since" in store.edges_stale()
    added = {s.name for s in store.functions()} - {s.name for s in sigs}
    assert added and store.changed_since_inference("s") == sorted(added)
    sink = {"kind": "schema", "score": 0.2, "roles": "text -> text (any such value fits)"}
    other = sorted(added)[0]
    store.add_edges([FeedsEdge("search_flights", other, "summary", "content", "partial", 0.6, (sink,))])
    feeds = [
        (e.source, e.source_field, e.target, e.target_param) for e in store.cross_toolkit_feeds(["search_flights"])
    ]
    assert feeds == [("search_flights", "summary", other, "content")]
    store.stats()
    store.edges()
    store.graphs()
    store.clear()
    assert "never inferred" in store.edges_stale()
    assert store.stats()["functions"] == 0
    assert set(store.executed) == set(query_names())


def test_query_parameters_are_checked_before_reaching_the_server(store):
    with pytest.raises(QueryError, match=r"function/upsert.cypher: missing \['rows'\]"):
        store.run("function/upsert")
    with pytest.raises(QueryError, match=r"unexpected \['name'\]"):
        store.run("graph/stats", name="x")
    with pytest.raises(QueryError, match="no query"):
        load_query("nope/missing")
    assert load_query("edge/upsert").params == {"rows", "graph"}


def test_unreachable_server_is_one_clear_error():
    with pytest.raises(StoreError, match="cannot reach graph store bolt://127.0.0.1:1"):
        open_store("bolt://127.0.0.1:1")
    with pytest.raises(StoreError, match="unknown store URI 'postgres://x'"):
        open_store("postgres://x")
