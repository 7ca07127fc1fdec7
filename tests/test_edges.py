"""Edge inference: every evidence kind, on both stores, and quality on the labelled BFCL set."""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys

import pytest

from magnet_graph.catalogs import load_catalog
from magnet_graph.config import LinkConfig
from magnet_graph.edges import EdgeConfig, infer, infer_edges, score_candidates
from magnet_graph.edges.execution import ExecutionVerifier
from magnet_graph.edges.judge import LLMJudge
from magnet_graph.edges.link import link
from magnet_graph.edges.quality import load_labels, score_by_evidence, score_edges, score_where
from magnet_graph.edges.sandbox import Sandbox
from magnet_graph.edges.shapes import fields, learn_shapes
from magnet_graph.store import open_store
from magnet_graph.teachers import open_teacher

from .catalog_factory import entity_catalog, pool_catalog
from .conftest import FIXTURES
from .openai_stub_server import ScriptedChatServer, chat_completion

SHOP = "python:tests.fixtures.sample_tools:Shop"


def by_key(edges):
    return {(e.source, e.source_field, e.target, e.target_param): e for e in edges}


def evidence(edge, kind):
    return [ev for ev in edge.evidence if ev["kind"] == kind]


def test_schema_and_text_evidence_on_an_openai_catalog():
    edges = by_key(infer_edges(load_catalog(str(FIXTURES / "openai_tools.json"))))
    book_cancel = edges[("book_flight", "booking_id", "cancel_booking", "booking_id")]
    assert book_cancel.kind == "full" and book_cancel.score >= 0.9
    assert evidence(book_cancel, "schema")[0] == {
        "kind": "schema",
        "score": 1.0,
        "types": "string -> string",
        "roles": "identifier(booking) -> identifier(booking)",
        "detail": "same name 'booking_id'",
    }
    assert evidence(book_cancel, "text")[0]["score"] > 0.5
    search_book = edges[("search_flights", "flight_ids", "book_flight", "flight_id")]
    assert search_book.kind == "partial"  # one id out of a list
    assert evidence(search_book, "schema")[0]["types"] == "array<string> -> string"
    # a booking id has nothing to do with a city or a passenger name
    assert not [k for k in edges if k[2] == "get_weather"]
    assert ("book_flight", "booking_id", "book_flight", "passenger") not in edges


def test_type_mismatches_never_become_edges():
    sigs = load_catalog(SHOP)
    for c in score_candidates(sigs):
        assert not (c.out.type == "array" and c.param.type == "integer"), c.key
    edges = infer_edges(sigs, verify=ExecutionVerifier())
    assert not [e for e in edges if e.target == "set_volume" and e.kind != "prerequisite"]
    assert all(e.evidence and all("kind" in ev and "score" in ev for ev in e.evidence) for e in edges)


def test_execution_verifies_a_feed_and_a_prerequisite():
    verifier = ExecutionVerifier()
    edges = infer_edges(load_catalog(SHOP), verify=verifier)
    keyed = by_key(edges)
    feed = keyed[("search_products", "product_ids", "place_order", "product_id")]
    assert feed.kind == "partial" and feed.score >= 0.95
    run = evidence(feed, "execution")[0]
    assert run["score"] == 1.0 and "place_order(product_id='p-100') succeeded" in run["detail"]
    prerequisite = keyed[("login", "", "view_history", "")]
    assert prerequisite.kind == "prerequisite" and prerequisite.score >= 0.95
    assert {ev["kind"] for ev in prerequisite.evidence} == {"rule", "execution"}
    assert verifier.runs > 0 and verifier.verified >= 1
    # place_order never needed login: the rule proposes it, no start state shows it: refuted, dropped
    assert ("login", "", "place_order", "") not in keyed
    kept = by_key(infer_edges(load_catalog(SHOP), EdgeConfig(keep_refuted=True), verify=ExecutionVerifier()))
    refuted = evidence(kept[("login", "", "place_order", "")], "execution")
    assert refuted == [{"kind": "execution", "score": 0.0, "detail": "no start state needed login before place_order"}]


def test_execution_refutes_a_feed_that_names_another_entity():
    """set_volume(level) works with its own levels, never with an order count: refuted, dropped."""
    config = EdgeConfig(keep_refuted=True, min_score=0.0)
    verifier = ExecutionVerifier(config)
    kept = by_key(infer_edges(load_catalog(SHOP), config, verify=verifier))
    assert verifier.checked > 0
    refuted = [k for k, e in kept.items() if any(ev["kind"] == "execution" and ev["score"] == 0.0 for ev in e.evidence)]
    assert refuted, "execution refuted nothing"
    dropped = by_key(infer_edges(load_catalog(SHOP), EdgeConfig(min_score=0.0), verify=ExecutionVerifier()))
    assert not set(refuted) & set(dropped)


@pytest.mark.slow
def test_execution_feeds_whole_lists_and_survives_a_hung_tool():
    sigs = load_catalog("python:tests.fixtures.sample_tools:Inventory")
    verifier = ExecutionVerifier(sandbox=Sandbox(timeout=0.5))
    edges = by_key(infer_edges(sigs, verify=verifier))
    whole = edges[("list_items", "item_ids", "delete_items", "item_ids")]
    run = evidence(whole, "execution")[0]
    assert run["score"] == 1.0 and "item_ids=['i-1', 'i-2']" in run["detail"]
    hung = evidence(edges[("list_items", "item_ids", "recount_items", "item_ids")], "execution")
    assert hung == []  # timed out with every value, its own too: no evidence either way, and inference went on


@pytest.fixture
def judge_server():
    def reply(request):
        source = json.loads(request["messages"][1]["content"])["SOURCE"]["name"]
        if source == "place_order":
            return 200, chat_completion(
                json.dumps([{"target": "track_order", "source_field": "order_id", "target_param": "order_id"}])
            )
        if source == "view_history":
            return 200, chat_completion("I am not sure, sorry.")
        if source == "search_products":  # prose, a lone object, and a bracket after it: still read
            return 200, chat_completion(
                'Sure: {"target": "place_order", "source_field": "product_ids", "target_param": "quantity"} (see [1])'
            )
        return 200, chat_completion("[]")

    server = ScriptedChatServer(reply)
    yield server
    server.close()


def test_llm_judge_evidence_over_http_and_cached(judge_server, tmp_path):
    sigs = load_catalog(SHOP)
    teacher = open_teacher("openai:judge-model", base_url=judge_server.base_url, cache_dir=tmp_path)
    judge = LLMJudge(teacher)
    edges = by_key(infer_edges(sigs, judge=judge))
    yes = edges[("place_order", "order_id", "track_order", "order_id")]
    assert evidence(yes, "llm_judge") == [
        {"kind": "llm_judge", "score": 1.0, "model": "openai:judge-model", "prompt": "edge-judge-v1"}
    ]
    rejected = ("search_products", "product_ids", "place_order", "product_id")
    assert rejected in by_key(infer_edges(sigs)) and rejected not in edges  # the judge's "no" dropped it
    assert judge.failures == 1  # view_history's reply had no JSON list: its candidates keep their scores
    first_calls = len(judge_server.requests)
    assert first_calls == teacher.calls > 0 and teacher.tokens["prompt"] == 10 * first_calls
    assert judge_server.requests[0]["model"] == "judge-model" and judge_server.requests[0]["temperature"] == 0.0

    again = open_teacher("openai:judge-model", base_url=judge_server.base_url, cache_dir=tmp_path)
    assert by_key(infer_edges(sigs, judge=LLMJudge(again))).keys() == edges.keys()
    assert len(judge_server.requests) == first_calls and again.cached == first_calls and again.calls == 0


def test_edges_round_trip_on_each_store_and_reinference_is_idempotent(store, judge_server, tmp_path):
    store.load_functions(load_catalog(SHOP))
    judge = LLMJudge(open_teacher("openai:judge-model", base_url=judge_server.base_url, cache_dir=tmp_path))
    edges = infer_edges(store.functions(), judge=judge, verify=ExecutionVerifier())
    store.replace_edges(edges)
    stored = store.edges()
    assert len(stored) == len(edges) == store.stats()["edges"]
    assert {ev["kind"] for e in stored for ev in e.evidence} == {"schema", "text", "rule", "execution", "llm_judge"}
    assert stored == edges  # every field and every piece of evidence, as written
    store.replace_edges(infer_edges(store.functions(), judge=judge, verify=ExecutionVerifier()))
    assert store.edges() == stored


@pytest.mark.slow
def test_quality_on_the_labelled_bfcl_set():
    """Issue 15's bar on BFCL's labelled set (bench/edge_quality.py prints the same figures)."""
    sigs = load_catalog("bfcl")
    labels = load_labels(FIXTURES / "bfcl_edge_labels.jsonl")
    sandbox = Sandbox()
    shapes = learn_shapes(sigs, sandbox).schemas
    edges = infer_edges(sigs, verify=ExecutionVerifier(sandbox=sandbox), shapes=shapes)
    toolkit = {s.name: s.toolkit for s in sigs}
    overall = score_edges(edges, labels)
    outside_math = score_where(edges, labels, lambda a, b: toolkit[a] != "MathAPI")
    cross = score_where(edges, labels, lambda a, b: toolkit[a] != toolkit[b])
    # measured 0.913 / 0.929, outside MathAPI 0.817 / 0.829, cross-toolkit recall 0.556 (25 of 45).
    # Sandbox states are seeded, so the figures repeat exactly; the bar is the issue's.
    assert overall.precision >= 0.90 and overall.recall >= 0.85, overall
    assert outside_math.precision >= 0.80 and outside_math.recall >= 0.75, outside_math
    assert cross.recall >= 0.5, cross
    per_kind = score_by_evidence(edges, labels)
    assert set(per_kind) == {"schema", "text", "rule", "execution"}
    assert all(v["correct"] > 0 for v in per_kind.values())


@pytest.mark.slow
def test_cli_edges_jsonl_table_and_no_edges(arcadedb_uri, graph_name):
    run = lambda *a: subprocess.run(
        [sys.executable, "-m", "magnet_graph.cli", *a, "--store", arcadedb_uri, "--graph", graph_name],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run("load", SHOP, "--no-edges").returncode == 0
    assert run("edges").stdout == ""
    loaded = run("load", SHOP)
    assert "inferred" in loaded.stdout and "feeds verified" in loaded.stdout
    rows = [json.loads(line) for line in run("edges").stdout.splitlines()]
    assert rows and all(
        {"source", "target", "source_field", "target_param", "kind", "score", "evidence"} <= r.keys() for r in rows
    )
    strong = [json.loads(line) for line in run("edges", "--min-score", "0.9").stdout.splitlines()]
    assert strong and len(strong) < len(rows) and min(r["score"] for r in strong) >= 0.9
    table = run("edges", "--format", "table").stdout
    assert "search_products.product_ids" in table and "place_order.product_id" in table and "execution 1.00" in table
    run("graph", "clear", "--yes")


TELECOM = "python:tests.fixtures.tau2_telecom.tools:TelecomTools"


def test_a_database_tool_set_without_output_schemas_gets_learned_shapes_and_labelled_edges():
    """tau2-bench's telecom tools (MIT, vendored in tests/fixtures/tau2_telecom): no output schema
    anywhere; running each tool on its own database teaches the shapes, the edges follow."""
    sigs = load_catalog(TELECOM)
    assert not any(s.output and s.output.get("properties") for s in sigs)
    sandbox = Sandbox()
    shapes = learn_shapes(sigs, sandbox)
    assert shapes.observed >= 10 and sandbox.calls > 0
    by_customer = dict(fields(shapes.schemas["get_customer_by_phone"]))
    assert by_customer["customer_id"]["x-evidence"] == "observed" and by_customer["customer_id"]["type"] == "string"
    assert "[].bill_id" in dict(fields(shapes.schemas["get_bills_for_customer"]))
    inference = infer(sigs, EdgeConfig(), verify=ExecutionVerifier(EdgeConfig(), sandbox), shapes=shapes.schemas)
    score = score_edges(inference.edges, load_labels(FIXTURES / "tau2_telecom" / "edge_labels.jsonl"))
    # measured 0.955 / 0.543 (63 of 66 edges right, 116 labelled); floors leave room for state variation
    assert score.precision >= 0.85 and score.recall >= 0.40, score
    keyed = by_key(inference.edges)
    assert ("get_customer_by_phone", "customer_id", "get_bills_for_customer", "customer_id") in keyed


@pytest.mark.parametrize(
    ("server", "precision", "recall"),
    [("filesystem", 0.80, 0.75), ("memory", 0.55, 0.80)],  # measured 0.885/0.836 and 0.625/0.893
)
def test_official_mcp_servers_edges_against_their_labels(server, precision, recall):
    """The official MCP filesystem and memory servers (tools/list captured from npm, see
    tests/fixtures/mcp_servers/SOURCE.md): a listing's entries feed path parameters, entity
    names feed the tools that take them, a tool's report of what it changed feeds nothing."""
    sigs = load_catalog(str(FIXTURES / "mcp_servers" / f"{server}.tools.json"))
    edges = infer_edges(sigs)
    score = score_edges(edges, load_labels(FIXTURES / "mcp_servers" / f"{server}.edge_labels.jsonl"))
    assert score.precision >= precision and score.recall >= recall, score
    keyed = by_key(edges)
    if server == "filesystem":
        listing = keyed[("list_directory", "content", "read_text_file", "path")]
        assert listing.kind == "partial"
        assert ("create_directory", "content", "write_file", "content") not in keyed  # a report, not text
        assert ("list_allowed_directories", "content", "read_text_file", "path") not in keyed  # no file
    else:
        assert ("read_graph", "entities[].name", "open_nodes", "names") in keyed


def test_inference_does_not_depend_on_the_catalog_order():
    """The same catalog in another order gives the same edges (blocking caps and ties included)."""
    sigs = entity_catalog(300, seed=2)
    shuffled = list(sigs)
    random.Random(5).shuffle(shuffled)
    assert infer_edges(shuffled) == infer_edges(sigs)


def test_a_judge_names_the_outputs_of_tools_that_neither_declare_nor_run(tmp_path):
    """An OpenAI tools file with no outputs and no implementation: without a judge no shapes and no
    edges; with one, its fields (``x-evidence: judged``) give the edge it then confirms."""
    tools = [
        {
            "type": "function",
            "function": {
                "name": "find_order",
                "description": "Look up a customer's latest order by their email address.",
                "parameters": {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]},
            },
        },
        {
            "type": "function",
            "function": {
                "name": "cancel_order",
                "description": "Cancel an order.",
                "parameters": {
                    "type": "object",
                    "properties": {"order_id": {"type": "string", "description": "The order to cancel."}},
                    "required": ["order_id"],
                },
            },
        },
    ]
    path = tmp_path / "tools.json"
    path.write_text(json.dumps(tools))
    sigs = load_catalog(str(path))

    def reply(request):
        system, user = request["messages"][0]["content"], json.loads(request["messages"][1]["content"])
        if "describe what an API function returns" in system:
            fields = [{"name": "order_id", "type": "string", "description": "The order's id."}]
            if user["name"] == "find_order":
                fields.append({"name": "bad name; DROP", "type": "string"})  # not an identifier: ignored
            return 200, chat_completion(json.dumps({"fields": fields if user["name"] == "find_order" else []}))
        verdict = [{"target": "cancel_order", "source_field": "order_id", "target_param": "order_id"}]
        return 200, chat_completion(json.dumps(verdict if user["SOURCE"]["name"] == "find_order" else []))

    server = ScriptedChatServer(reply)
    try:
        judge = LLMJudge(open_teacher("openai:judge-model", base_url=server.base_url, cache_dir=tmp_path / "cache"))
        assert learn_shapes(sigs).schemas == {} and infer_edges(sigs) == []
        shapes = learn_shapes(sigs, describe=judge.output_shape)
        assert dict(fields(shapes.schemas["find_order"])) == {
            "order_id": {"type": "string", "description": "The order's id.", "x-evidence": "judged"}
        }
        assert "cancel_order" not in shapes.schemas  # "returns nothing but a status"
        edges = by_key(infer_edges(sigs, judge=judge, shapes=shapes.schemas))
        edge = edges[("find_order", "order_id", "cancel_order", "order_id")]
        assert evidence(edge, "llm_judge")[0]["score"] == 1.0
    finally:
        server.close()


def test_a_big_toolkit_gets_a_bounded_number_of_candidates_per_parameter():
    """One file of 1,500 tools is one toolkit: each parameter is paired with the fields sharing
    the most words with it, not with every field of the toolkit (that was 200k pairs at 500
    tools and 3M at 2,000). Pairs grow with the parameters, and the shared-entity edges stay."""
    from magnet_graph.edges.candidates import MAX_SHARING

    counts = {}
    for n in (500, 1500):
        sigs = pool_catalog(n, seed=3, toolkit_size=n)
        result = infer(sigs)
        params = sum(len(s.parameter_fields()) for s in sigs)
        counts[n] = result.candidates
        assert result.candidates <= 2 * MAX_SHARING * params
        by_target = {(e.target, e.target_param) for e in result.edges}
        # every id parameter is fed by some function returning that entity's id
        ids = {(s.name, p["name"]) for s in sigs for p in s.parameter_fields() if p["name"].endswith("_id")}
        assert len(ids & by_target) >= 0.95 * len(ids)
    assert counts[1500] / counts[500] < 3 * 1.3  # 3x the tools: about 3x the pairs, not 9x


def test_a_pool_shuffled_gives_the_same_edges_with_large_buckets():
    """Seeded posting windows depend on the parameter, not on the catalog's order."""
    sigs = pool_catalog(400, seed=4, toolkit_size=200)
    shuffled = list(sigs)
    random.Random(6).shuffle(shuffled)
    assert infer_edges(shuffled) == infer_edges(sigs)


def test_a_link_after_the_first_derives_only_the_edges_touching_what_changed(store):
    """Issue 19: adding catalogs to a graph derives the edges touching them, not the whole graph
    again, and agrees with a full inference: exactly on the edges touching the added functions, and
    on 99% of all edges (the others are edges into untouched parameters scored with the text
    statistics of the smaller graph, which a full inference re-scores)."""
    store.load_functions(pool_catalog(300, seed=2))
    assert link(store).changed is None  # the first inference is whole
    added = load_catalog(str(FIXTURES / "mcp_servers" / "memory.tools.json")) + load_catalog(
        str(FIXTURES / "messy_catalog.json")
    )
    store.load_functions(added)
    report = link(store)
    assert report.changed == len(added) and store.edges_stale() == ""
    assert "added or changed" in report.summary()
    incremental = by_key(store.edges())
    assert link(store).notes == ("nothing to infer",) and by_key(store.edges()) == incremental
    assert link(store, LinkConfig(full=True)).changed is None
    full = by_key(store.edges())
    names = {s.name for s in store.functions() if s.toolkit in {a.toolkit for a in added}}

    def touching(edges):
        return {k: (e.kind, e.score) for k, e in edges.items() if k[0] in names or k[2] in names}

    assert touching(incremental) and touching(incremental) == touching(full)
    assert len(incremental.keys() & full.keys()) / len(incremental.keys() | full.keys()) >= 0.99

    # one function changed: its edges are derived again, the rest stay as they were
    source = next(e for e in store.edges() if e.source_field and "." not in e.source_field and e.kind == "full")
    sig = next(s for s in store.functions() if s.name == source.source)
    output = {
        **sig.output,
        "properties": {k: v for k, v in sig.output["properties"].items() if k != source.source_field},
    }
    store.load_functions([dataclasses.replace(sig, output=output)])
    before = by_key(store.edges())
    assert link(store).changed == 1
    after = by_key(store.edges())
    assert not [k for k in after if k[0] == sig.name and k[1] == source.source_field]
    kept = {k: e for k, e in before.items() if sig.name not in (k[0], k[2])}
    assert len(kept.keys() & after.keys()) >= 0.99 * len(kept)
    assert link(store, LinkConfig(min_edge_score=0.5)).changed is None  # other settings: the whole graph


def test_an_incremental_link_keeps_a_toolkits_prerequisites(arcadedb_uri, graph_name):
    """A changed function re-derives its toolkit's prerequisites (login before every other Shop
    call): the same prerequisite edges as a full inference, none lost to the stored ones."""
    with open_store(arcadedb_uri, graph_name) as store:
        store.load_functions(pool_catalog(120, seed=5) + load_catalog(SHOP))
        link(store)
        sig = next(s for s in store.functions() if s.name == "search_products")
        store.load_functions([dataclasses.replace(sig, description=sig.description + " Newest first.")])
        assert link(store).changed == 1
        incremental = {k: e.score for k, e in by_key(store.edges()).items() if e.kind == "prerequisite"}
        link(store, LinkConfig(full=True))
        full = {k: e.score for k, e in by_key(store.edges()).items() if e.kind == "prerequisite"}
        store.clear()
    assert full and any(k[0] == "login" for k in full) and incremental == full
