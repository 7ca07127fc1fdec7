"""The explorer's library functions (magnet_graph.explore): filtering, layout, figure, details, chat rows."""

from __future__ import annotations

from magnet_graph.bfcl.catalog import load_bfcl
from magnet_graph.explore.graph_view import filter_graph, function_detail, layout, network_figure
from magnet_graph.explore.trajectories import chat_rows, hints, side_by_side
from magnet_graph.records import Lineage, Message, Negative, Record, ToolCall, Turn, divergence
from magnet_graph.store import FeedsEdge

FUNCTIONS = load_bfcl("bfcl:MathAPI") + load_bfcl("bfcl:MessageAPI")
EDGES = [
    FeedsEdge("add", "multiply", "result", "a", "full", 0.9, ({"type": "schema"},)),
    FeedsEdge("multiply", "send_message", "result", "message", "partial", 0.4),
    FeedsEdge("add", "mean", "result", "numbers", "partial", 0.7),
]


def test_filters_keep_edges_only_between_kept_functions():
    math_only = filter_graph(FUNCTIONS, EDGES, toolkits=["MathAPI"])
    assert {f.toolkit for f in math_only.functions} == {"MathAPI"}
    assert {(e.source, e.target) for e in math_only.edges} == {("add", "multiply"), ("add", "mean")}
    assert [e.target for e in filter_graph(FUNCTIONS, EDGES, kinds=["partial"], min_score=0.5).edges] == ["mean"]
    assert len(filter_graph(FUNCTIONS, EDGES).edges) == 3


def test_layout_is_reproducible_and_places_every_function():
    view = filter_graph(FUNCTIONS, EDGES)
    first = layout(view)
    rounded = lambda positions: {n: (round(x, 6), round(y, 6)) for n, (x, y) in positions.items()}
    assert rounded(first) == rounded(layout(filter_graph(list(reversed(FUNCTIONS)), EDGES)))  # order-free
    assert set(first) == {f.name for f in FUNCTIONS}
    assert len({(round(x, 6), round(y, 6)) for x, y in first.values()}) == len(first)  # no two on one spot


def test_the_figure_carries_every_function_name_for_clicks():
    view = filter_graph(FUNCTIONS, EDGES)
    figure = network_figure(view, layout(view), selected="add")
    names = [n for trace in figure.data if trace.customdata is not None for n in trace.customdata]
    assert sorted(names) == sorted(f.name for f in FUNCTIONS)
    assert {t.name for t in figure.data} == {"edge: full", "edge: partial", "MathAPI", "MessageAPI"}
    sizes = {n: s for t in figure.data if t.customdata is not None for n, s in zip(t.customdata, t.marker.size)}
    assert sizes["add"] > sizes["mean"]


def test_function_detail_lists_schema_and_edges_with_evidence():
    detail = function_detail(FUNCTIONS, EDGES, "multiply")
    assert detail["toolkit"] == "MathAPI" and {p["name"] for p in detail["parameters"]} == {"a", "b"}
    assert [e["source"] for e in detail["incoming"]] == ["add"] and detail["incoming"][0]["evidence"] == [
        {"type": "schema"}
    ]
    assert [e["target"] for e in detail["outgoing"]] == ["send_message"]


def _record() -> Record:
    call = lambda value: {"id": "c", "type": "function", "function": {"name": "add", "arguments": {"a": value, "b": 1}}}
    shared = [{"role": "user", "content": "add 2 and 1"}]
    good = shared + [
        {"role": "assistant", "content": None, "tool_calls": [call(2)]},
        {"role": "tool", "tool_call_id": "c", "name": "add", "content": '{"result": 3}'},
    ]
    bad = shared + [
        {"role": "assistant", "content": None, "tool_calls": [call(5)]},
        {"role": "tool", "tool_call_id": "c", "name": "add", "content": '{"result": 6}'},
    ]
    messages = lambda rows: tuple(Message.from_dict(m) for m in rows)
    turn = Turn(0, ("walk",), "add 2 and 1", ((ToolCall("add", {"a": 2, "b": 1}),),), (({"result": 3},),))
    lineage = Lineage("p", "", 0, "", (("walk",),), ("add",), "test", None, {}, "bfcl", ("h",))
    negative = Negative(messages(bad), "wrong_argument", "graph", 1, 0)
    return Record("r", "multi_turn", (), messages(good), (negative,), (turn,), {}, lineage)


def test_side_by_side_starts_where_the_negative_departs():
    record = _record()
    pair = side_by_side(record, 0)
    assert pair["diverge_at"] == divergence(record.messages, record.negatives[0].messages) == 1
    assert [r["role"] for r in pair["shared"]] == ["user"]
    assert pair["positive"][0]["diverges"] and pair["negative"][0]["diverges"]
    assert (pair["positive"][0]["text"], pair["negative"][0]["text"]) == ("add(a=2, b=1)", "add(a=5, b=1)")
    assert not any(r["diverges"] for r in pair["positive"][1:])


def test_chat_rows_and_hints_write_calls_readably():
    rows = chat_rows(_record().messages)
    assert [(r["role"], r["calls"]) for r in rows] == [("user", False), ("assistant", True), ("tool", False)]
    assert rows[2]["name"] == "add" and rows[2]["text"] == '{"result": 3}'
    assert hints(_record()) == [{"turn": 0, "user": "add 2 and 1", "reference calls": "add(a=2, b=1)"}]


def test_recording_store_notes_queries_without_touching_the_store():
    from magnet_graph.explore.path_lab import RecordingStore

    class Store:  # the smallest store: what RecordingStore delegates to
        graph = "g"

        def run(self, name, /, **params):
            return [{"name": name, **params}]

        def run_many(self, steps):
            return [[{"name": n}] for n, _ in steps]

    store = Store()
    first, second = RecordingStore(store), RecordingStore(store)
    assert first.run("walk/step", walkers=[]) == [{"name": "walk/step", "walkers": []}]
    second.run_many([("path/split_params", {}), ("walk/step", {})])
    first.run("walk/step", walkers=[])
    assert [q["name"] for q in first.queries] == ["walk/step"] and "$walkers" in first.queries[0]["cypher"]
    assert [q["name"] for q in second.queries] == ["path/split_params", "walk/step"]
    assert first.graph == "g" and "run" not in vars(store)


def test_a_5000_function_graph_is_laid_out_clustered_without_scipy():
    """The paper's pool size: every function placed, toolkits apart, the same picture twice, and no
    SciPy (networkx needs it for a force-directed layout above 500 nodes; the app extra has none)."""
    import sys

    from tests.catalog_factory import synthetic_catalog, synthetic_edges

    functions = synthetic_catalog(5000, toolkits=49)
    view = filter_graph(functions, synthetic_edges(functions, per_function=2))
    positions = layout(view)
    assert set(positions) == {f.name for f in functions} and "scipy" not in sys.modules
    assert positions == layout(filter_graph(list(reversed(functions)), list(reversed(view.edges))))
    centre = {}
    for f in functions:
        centre.setdefault(f.toolkit, []).append(positions[f.name])
    middles = [(sum(x for x, _ in p) / len(p), sum(y for _, y in p) / len(p)) for p in centre.values()]
    assert len({(round(x, 3), round(y, 3)) for x, y in middles}) == 49  # each toolkit its own place
    figure = network_figure(view, positions)
    assert sum(len(t.customdata or ()) for t in figure.data) == 5000
