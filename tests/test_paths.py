"""Signature paths from seeded Cypher random walks, on both stores."""

from __future__ import annotations

import math
import subprocess
import sys
import uuid
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magnet_graph.catalogs.common import make_signature
from magnet_graph.paths import WalkConfig, random_walks, walk_sequences
from magnet_graph.store import FeedsEdge, open_store


def toy_signature(name: str):
    return make_signature(
        source="toy",
        original_name=name,
        description=f"Toy function {name}.",
        parameters={
            "type": "object",
            "properties": {"x": {"type": "string"}, "z": {"type": "string"}},
            "required": ["x", "z"],
        },  # edges feed x; z is always the user's
        output={"type": "object", "properties": {"y": {"type": "string"}}},
        toolkit="toy",
        category="toy",
        execution={"kind": "simulated"},
    )


def load_toy_graph(store, edges: dict[tuple[str, str], float]) -> None:
    names = sorted({n for pair in edges for n in pair})
    store.load_functions([toy_signature(n) for n in names])
    store.replace_edges([FeedsEdge(a, b, "y", "x", "full", score) for (a, b), score in edges.items()])


def chi_square_p(observed: list[int], expected: list[float]) -> float:
    """Upper-tail p-value of Pearson's chi-square (Wilson-Hilferty normal approximation)."""
    stat = sum((o - e) ** 2 / e for o, e in zip(observed, expected))
    k = len(observed) - 1
    z = ((stat / k) ** (1 / 3) - (1 - 2 / (9 * k))) / math.sqrt(2 / (9 * k))
    return 0.5 * math.erfc(z / math.sqrt(2))


HUB = {("hub", "a"): 0.9, ("hub", "b"): 0.5, ("hub", "c"): 0.2, ("hub", "d"): 0.4, ("a", "b"): 1.0}


@pytest.mark.parametrize("weighted", [False, True])
def test_transition_frequencies_match_the_edge_distribution(store, weighted):
    load_toy_graph(store, HUB)
    n = 2000
    walks = walk_sequences(store, ["hub"] * n, seed=11, config=WalkConfig(max_steps=2, weighted=weighted))
    counts = Counter(w[1] for w in walks)
    successors = ["a", "b", "c", "d"]
    weights = [HUB[("hub", s)] if weighted else 1.0 for s in successors]
    expected = [n * w / sum(weights) for w in weights]
    observed = [counts[s] for s in successors]
    assert sum(observed) == n
    assert chi_square_p(observed, expected) > 0.001, (observed, expected)
    # the test has power: the other distribution is rejected
    other_weights = [1.0] * 4 if weighted else [HUB[("hub", s)] for s in successors]
    other = [n * w / sum(other_weights) for w in other_weights]
    assert chi_square_p(observed, other) < 0.001


def test_walks_are_bounded_never_revisit_and_stop_at_dead_ends(store):
    chain = {(f"n{i}", f"n{i + 1}"): 1.0 for i in range(9)} | {("n9", "n0"): 1.0}
    load_toy_graph(store, chain)
    [walk] = walk_sequences(store, ["n0"], seed=1, config=WalkConfig(max_steps=7))
    assert walk == [f"n{i}" for i in range(7)]  # a cycle of 10, cut at S = 7
    [loop] = walk_sequences(store, ["n5"], seed=1, config=WalkConfig(max_steps=20))
    assert loop == [f"n{i}" for i in range(5, 10)] + [f"n{i}" for i in range(5)]  # stops before revisiting n5


def test_same_seed_same_paths_and_duplicates_dropped(store):
    load_toy_graph(store, HUB)
    config = WalkConfig(walks_per_start=10)
    first = random_walks(store, 50, seed=5, config=config)
    assert [p.to_json() for p in first] == [p.to_json() for p in random_walks(store, 50, seed=5, config=config)]
    assert len({p.functions for p in first}) == len(first)
    # from hub and a there are only these distinct walks of length >= 2
    assert {p.functions for p in first} == {("hub", "a", "b"), ("hub", "b"), ("hub", "c"), ("hub", "d"), ("a", "b")}
    assert all(len(p.turns[1].depends_on) == 1 for p in first)
    hub_a = next(p for p in first if p.functions == ("hub", "a", "b"))
    dep = hub_a.turns[2].depends_on[0]
    assert (dep.turn, dep.source, dep.source_field, dep.target, dep.target_param) == (1, "a", "y", "b", "x")


def test_walkers_follow_the_request_and_cover_every_start_first(store):
    """A ring of 60 functions: asking for 10 paths walks from 10 + 2 + 8 starts, not 60; asking
    for 60 starts every walk at another function before any starts twice."""
    ring = {(f"r{i:02d}", f"r{(i + 1) % 60:02d}"): 1.0 for i in range(60)}
    load_toy_graph(store, ring)
    walkers, run = [], store.run

    def counting(name, **params):  # the real query, with the walkers each hop sends counted
        walkers.extend([len(params["walkers"])] if name == "walk/step" else [])
        return run(name, **params)

    store.run = counting
    few = random_walks(store, 10, seed=3, config=WalkConfig(max_steps=3))
    store.run = run
    assert len(few) == 10 and len({p.functions[0] for p in few}) == 10
    assert walkers == [20, 20]  # one round, two hops, 10 + 10 // 4 + 8 walkers
    every = random_walks(store, 60, seed=3, config=WalkConfig(max_steps=3))
    assert sorted(p.functions[0] for p in every) == sorted(f"r{i:02d}" for i in range(60))


def test_paths_are_identical_on_both_stores(arcadedb_uri, neo4j_uri):
    graph = f"test-{uuid.uuid4().hex[:12]}"
    outputs = []
    for uri in (arcadedb_uri, neo4j_uri):
        with open_store(uri, graph) as store:
            load_toy_graph(store, HUB | {("b", "c"): 0.7, ("c", "d"): 0.3, ("d", "a"): 0.6})
            outputs.append([p.to_json() for p in random_walks(store, 30, seed=9, config=WalkConfig(weighted=True))])
            store.clear()
    assert outputs[0] == outputs[1] and len(outputs[0]) > 5


def test_paths_persist_and_answer_the_user_queries(store):
    load_toy_graph(store, HUB)
    found = random_walks(store, 10, seed=2)
    store.save_paths(found)
    store.save_paths(found)  # idempotent
    assert store.run("path/count") == [{"paths": len(found), "turns": sum(len(p.turns) for p in found)}]
    through_b = store.run("path/through_function", function="b")
    assert {r["path"] for r in through_b} == {p.id for p in found if "b" in p.functions}
    long = store.run("path/long_dependencies", distance=2)
    assert long == []  # plain walks only depend on the previous turn
    near = store.run("path/long_dependencies", distance=1)
    assert len(near) == sum(len(p.turns) - 1 for p in found)
    store.clear()
    assert store.run("path/count") == [{"paths": 0, "turns": 0}]


graphs = st.dictionaries(
    st.tuples(st.integers(0, 7), st.integers(0, 7)).filter(lambda e: e[0] != e[1]),
    st.floats(0.05, 1.0),
    min_size=1,
    max_size=20,
)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edges=graphs, seed=st.integers(0, 2**31), weighted=st.booleans(), max_steps=st.integers(2, 7))
def test_walk_invariants_on_random_graphs(arcadedb_uri, edges, seed, weighted, max_steps):
    named = {(f"f{a}", f"f{b}"): round(s, 3) for (a, b), s in edges.items()}
    with open_store(arcadedb_uri, f"prop-{uuid.uuid4().hex[:12]}") as store:
        try:
            load_toy_graph(store, named)
            stored = {s.name for s in store.functions()}
            paths = random_walks(store, 40, seed, WalkConfig(max_steps=max_steps, weighted=weighted))
            assert paths, "every start has an out-edge, so some walk has length >= 2"
            for p in paths:
                fns = p.functions
                assert 2 <= len(fns) <= max_steps and len(set(fns)) == len(fns)
                assert set(fns) <= stored
                for i, (a, b) in enumerate(zip(fns, fns[1:])):
                    assert (a, b) in named
                    dep = p.turns[i + 1].depends_on[0]
                    assert (dep.turn, dep.source, dep.target) == (i, a, b)
                # dead ends: a walk shorter than S ends where no unvisited successor remains
                if len(fns) < max_steps:
                    assert not [b for (a, b) in named if a == fns[-1] and b not in fns]
        finally:
            store.clear()


@pytest.mark.slow
def test_cli_paths_is_byte_identical_for_a_seed(arcadedb_uri, graph_name):
    with open_store(arcadedb_uri, graph_name) as store:
        load_toy_graph(store, HUB)
    run = lambda *extra: subprocess.run(
        [
            sys.executable,
            "-m",
            "magnet_graph.cli",
            "paths",
            "-n",
            "4",
            "--seed",
            "3",
            "--mix",
            "none",
            *extra,
            "--store",
            arcadedb_uri,
            "--graph",
            graph_name,
        ],
        capture_output=True,
        text=True,
    )
    plain = run("--ops", "none")
    assert plain.returncode == 0 and len(plain.stdout.splitlines()) == 4
    first, second = run(), run()  # default: merge, insert, split (split copies add lines)
    assert first.returncode == 0 and first.stdout == second.stdout and len(first.stdout.splitlines()) >= 4
    bad = run("--ops", "merge,shuffle")
    assert bad.returncode == 1 and bad.stderr.startswith("error: --ops: unknown operation 'shuffle'")
    shapes = run("--ops", "none", "--mix", "single=7800,parallel=0,multiple=0,irrelevance=0")  # + 4 single-turn
    assert shapes.returncode == 0 and len(shapes.stdout.splitlines()) > 4
    with open_store(arcadedb_uri, graph_name) as store:
        assert store.run("path/count")[0]["paths"] >= 4
        store.clear()
