"""Node operations (Merge, Insert, Split) and single-turn shapes, checked on real stores."""

from __future__ import annotations

import random
import uuid
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magnet_graph.catalogs import load_catalog
from magnet_graph.edges import infer_edges
from magnet_graph.errors import MagnetGraphError
from magnet_graph.paths import (
    Dependency,
    OperationConfig,
    PathTurn,
    SignaturePath,
    apply_operations,
    random_walks,
    single_turn_paths,
)
from magnet_graph.paths.operations import merge
from magnet_graph.store import open_store

from .test_paths import load_toy_graph


def chain(n: int) -> SignaturePath:
    turns = [PathTurn(0, ("f0",), ("walk",))]
    for i in range(1, n):
        turns.append(PathTurn(i, (f"f{i}",), ("walk",), (Dependency(i - 1, f"f{i - 1}", "y", f"f{i}", "x", "full"),)))
    return SignaturePath(1, tuple(turns))


def test_operations_leave_empty_paths_and_call_less_turns_alone(bfcl_graph):
    empty = SignaturePath(1, ())
    assert merge(empty, random.Random(0), OperationConfig(merge_p=1.0)) == empty
    shapes = single_turn_paths(bfcl_graph, 30, seed=2)
    out = apply_operations(bfcl_graph, shapes, seed=2, config=OperationConfig(merge_p=1.0, insert_p=1.0, split_p=1.0))
    irrelevant = [p for p in out if p.turns and p.turns[0].ops == ("irrelevance",)]
    assert irrelevant and all(p.turns[0].functions == () for p in irrelevant)


def test_merge_groups_at_most_three_calls_and_remaps_dependencies():
    merged = merge(chain(7), random.Random(0), OperationConfig(merge_p=1.0))
    assert [t.functions for t in merged.turns] == [("f0", "f1", "f2"), ("f3", "f4", "f5"), ("f6",)]
    assert [t.ops for t in merged.turns] == [("walk", "merge"), ("walk", "merge"), ("walk",)]
    deps = {d.target: d.turn for t in merged.turns for d in t.depends_on}
    assert deps == {"f1": 0, "f2": 0, "f3": 0, "f4": 1, "f5": 1, "f6": 1}
    assert merge(chain(5), random.Random(0), OperationConfig(merge_p=0.0)) == chain(5)


def check_invariants(
    paths: list[SignaturePath], edges: set[tuple], functions: set[str], required: dict, config: OperationConfig
) -> None:
    """The issue's invariants for reshaped paths and their split copies."""
    by_id = {p.id: p for p in paths}
    for p in paths:
        assert [t.index for t in p.turns] == list(range(len(p.turns)))
        names = [f for t in p.turns for f in t.functions]
        walked = [f for t in p.turns for f in t.functions[:1] if "walk" in t.ops]
        assert set(names) <= functions and len(walked) == len(set(walked))  # a walk never revisits
        # an inserted call may repeat a function an earlier turn used (another lookup), never one of its own turn
        assert all(len(set(t.functions)) == len(t.functions) for t in p.turns)
        for t in p.turns:
            assert len(t.functions) <= config.max_calls_per_turn
            if t.ops == ("split",):
                assert not t.functions and t.missing and t.index + 1 < len(p.turns)
                following = p.turns[t.index + 1]
                assert t.missing.function in following.functions  # the next turn supplies what was missing
                if t.missing.kind == "miss_param":
                    assert t.missing.param in required[t.missing.function]
                    earlier = {f for u in p.turns[: t.index] for f in u.functions}
                    feeders = {
                        src for (src, _, dst, param) in edges if dst == t.missing.function and param == t.missing.param
                    }
                    assert not earlier & feeders  # a user value: no earlier call can produce it
            else:
                assert t.functions and t.missing is None
            for d in t.depends_on:
                assert 0 <= d.turn <= t.index and d.source in p.turns[d.turn].functions and d.target in t.functions
                if d.turn == t.index:
                    assert t.functions.index(d.source) < t.functions.index(d.target)
                assert (d.source, d.source_field, d.target, d.target_param) in edges
                if t.ops == ("insert_long",):
                    assert t.index - d.turn >= config.long_min_distance
        if p.parent:  # a split copy is its parent with one empty turn added
            parent = by_id[p.parent]
            assert [t.functions for t in p.turns if t.ops != ("split",)] == [t.functions for t in parent.turns]


def required_params(store) -> dict[str, set[str]]:
    return {s.name: set(s.required) for s in store.functions()}


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edges=st.dictionaries(
        st.tuples(st.integers(0, 7), st.integers(0, 7)).filter(lambda e: e[0] != e[1]),
        st.floats(0.05, 1.0),
        min_size=2,
        max_size=24,
    ),
    seed=st.integers(0, 2**31),
    probs=st.tuples(*[st.floats(0, 1)] * 5),
)
def test_operation_invariants_on_random_graphs(arcadedb_uri, edges, seed, probs):
    config = OperationConfig(
        **dict(zip(("merge_p", "insert_p", "long_dependency_p", "split_p", "miss_param_p"), probs))
    )
    named = {(f"f{a}", f"f{b}"): round(s, 3) for (a, b), s in edges.items()}
    with open_store(arcadedb_uri, f"prop-{uuid.uuid4().hex[:12]}") as store:
        try:
            load_toy_graph(store, named)
            plain = random_walks(store, 30, seed)
            shaped = apply_operations(store, plain, seed, config=config)
            assert len(shaped) >= len(plain)
            edge_keys = {(a, "y", b, "x") for a, b in named}
            check_invariants(shaped, edge_keys, {s.name for s in store.functions()}, required_params(store), config)
        finally:
            store.clear()


@pytest.fixture(scope="module")
def bfcl_graph(arcadedb_uri):
    graph = f"bfcl-{uuid.uuid4().hex[:8]}"
    with open_store(arcadedb_uri, graph) as store:
        store.load_functions(load_catalog("bfcl"))
        store.replace_edges(infer_edges(store.functions()))
        yield store
        store.clear()


@pytest.mark.slow
def test_operations_on_bfcl_cover_every_phenomenon(bfcl_graph):
    store = bfcl_graph
    config = OperationConfig()
    plain = random_walks(store, 300, seed=3)
    shaped = apply_operations(store, plain, seed=3, config=config)
    ops = Counter(op for p in shaped for t in p.turns for op in t.ops)
    kinds = Counter(t.missing.kind for p in shaped for t in p.turns if t.missing)
    assert {"walk", "merge", "insert", "insert_long", "split"} <= set(ops)
    assert kinds["miss_func"] > 0 and kinds["miss_param"] > 0
    edges = {(e.source, e.source_field, e.target, e.target_param) for e in store.edges()}
    check_invariants(shaped, edges, {s.name for s in store.functions()}, required_params(store), config)
    again = apply_operations(store, random_walks(store, 300, seed=3), seed=3, config=config)
    assert [p.to_json() for p in again] == [p.to_json() for p in shaped]


def test_reshaped_paths_persist_with_long_dependencies_and_split_turns(bfcl_graph):
    store = bfcl_graph
    shaped = apply_operations(store, random_walks(store, 100, seed=8), seed=8)
    store.save_paths(shaped)
    longs = store.run("path/long_dependencies", distance=2)
    expected = {(p.id, d.turn, t.index) for p in shaped for t in p.turns for d in t.depends_on if t.index - d.turn >= 2}
    assert {(r["path"], r["from_turn"], r["to_turn"]) for r in longs} == expected and expected
    splits = store.run("path/split_turns")
    assert {(r["path"], r["turn"], r["kind"]) for r in splits} == {
        (p.id, t.index, t.missing.kind) for p in shaped for t in p.turns if t.missing
    }
    assert all(r["parent"] for r in splits)


def test_operations_are_identical_on_both_stores(arcadedb_uri, neo4j_uri):
    graph = f"ops-{uuid.uuid4().hex[:8]}"
    outputs = []
    for uri in (arcadedb_uri, neo4j_uri):
        with open_store(uri, graph) as store:
            store.load_functions(load_catalog("bfcl:TravelAPI") + load_catalog("bfcl:TradingBot"))
            store.replace_edges(infer_edges(store.functions()))
            outputs.append([p.to_json() for p in apply_operations(store, random_walks(store, 60, seed=4), seed=4)])
            store.clear()
    assert outputs[0] == outputs[1] and any('"split"' in line for line in outputs[0])


def test_single_turn_shapes(bfcl_graph):
    shapes = single_turn_paths(bfcl_graph, 400, seed=1)
    assert len(shapes) == 400 and len({p.id for p in shapes}) == 400
    ops = Counter(p.turns[0].ops[0] for p in shapes)
    assert set(ops) == {"single", "parallel", "multiple", "irrelevance"}
    assert 0.15 < ops["irrelevance"] / 400 < 0.35  # paper mix: 6.2K of 26.2K
    toolkit = {s.name: s.toolkit for s in bfcl_graph.functions()}
    for p in shapes:
        t = p.turns[0]
        if t.ops == ("parallel",):
            assert len(set(t.functions)) == 1 and len(t.functions) in (2, 3)
        elif t.ops == ("multiple",):
            assert len(set(t.functions)) == len(t.functions) >= 2 and len({toolkit[f] for f in t.functions}) == 1
        elif t.ops == ("irrelevance",):
            assert t.functions == () and t.missing.kind == "irrelevance" and t.missing.function in toolkit
    assert [p.to_json() for p in single_turn_paths(bfcl_graph, 400, seed=1)] == [p.to_json() for p in shapes]


def test_unknown_operation_is_an_error(bfcl_graph):
    with pytest.raises(MagnetGraphError, match="unknown operations \\['shuffle'\\]"):
        apply_operations(bfcl_graph, [], 0, ["merge", "shuffle"])
