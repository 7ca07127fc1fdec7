"""Graph explorer: filter the function graph, lay it out, draw it, and describe one function."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from ..signature import FunctionSignature
from ..store import FeedsEdge


@dataclass
class GraphSlice:
    """The functions and FEEDS edges left after filtering."""

    functions: list[FunctionSignature]
    edges: list[FeedsEdge]


def filter_graph(
    functions: list[FunctionSignature],
    edges: list[FeedsEdge],
    *,
    toolkits=None,
    categories=None,
    kinds=None,
    min_score: float = 0.0,
) -> GraphSlice:
    """Functions in the chosen toolkits and categories (None = all), edges between them of the chosen
    kinds scoring at least ``min_score``."""
    kept = [
        f for f in functions if (not toolkits or f.toolkit in toolkits) and (not categories or f.category in categories)
    ]
    names = {f.name for f in kept}
    chosen = [
        e
        for e in edges
        if e.source in names and e.target in names and (not kinds or e.kind in kinds) and (e.score or 0.0) >= min_score
    ]
    return GraphSlice(kept, chosen)


SPRING_LIMIT = 400  # functions up to which the force-directed layout runs (networkx's dense, NumPy-only
# version is below 500 nodes; above, it needs SciPy and takes tens of seconds at 5,000)


def layout(view: GraphSlice) -> dict[str, tuple[float, float]]:
    """Positions for every function, the same for the same graph in every process; memoised, since
    the app redraws the page on every click. Up to SPRING_LIMIT functions: force-directed (networkx
    spring layout) from fixed starting points, toolkits in their own sectors. Larger graphs are
    clustered: toolkits laid out by the edges between them, each toolkit's functions on a
    sunflower spiral around it (linear in the graph's size: 5,000 functions in well under a second)."""
    nodes = tuple(sorted((f.name, f.toolkit) for f in view.functions))
    links = tuple(sorted({(e.source, e.target) for e in view.edges}))
    if len(nodes) > SPRING_LIMIT:
        return dict(_clustered(nodes, links))
    return dict(_positions(nodes, links))


def _start(name: str, group: str, groups: list[str]) -> tuple[float, float]:
    """A fixed starting point: the group's sector on the unit circle, jittered by the name."""
    import math
    import zlib

    angle = 2 * math.pi * groups.index(group) / len(groups)
    jitter = zlib.crc32(name.encode()) % 1000 / 1e4  # stable across processes, unlike hash()
    return (math.cos(angle) + jitter, math.sin(angle) - jitter)


def _spring(names: list[str], links, start: dict[str, tuple[float, float]], weights=None):
    import math

    import networkx as nx

    graph = nx.Graph() if weights else nx.DiGraph()
    graph.add_nodes_from(names)
    for i, (a, b) in enumerate(links):
        graph.add_edge(a, b, weight=weights[i] if weights else 1.0)
    return nx.spring_layout(graph, pos=start, k=1.5 / math.sqrt(len(graph)), iterations=60, seed=0)


@functools.lru_cache(maxsize=32)
def _positions(nodes: tuple[tuple[str, str], ...], links: tuple[tuple[str, str], ...]):
    if not nodes:
        return ()
    toolkits = sorted({toolkit for _, toolkit in nodes})
    start = {name: _start(name, toolkit, toolkits) for name, toolkit in nodes}
    positions = _spring([name for name, _ in nodes], links, start)
    return tuple((name, (float(x), float(y))) for name, (x, y) in positions.items())


@functools.lru_cache(maxsize=8)
def _clustered(nodes: tuple[tuple[str, str], ...], links: tuple[tuple[str, str], ...]):
    import math
    from collections import Counter

    members: dict[str, list[str]] = {}
    for name, toolkit in nodes:
        members.setdefault(toolkit, []).append(name)
    toolkits = sorted(members)
    home = dict(nodes)
    between = Counter(tuple(sorted((home[a], home[b]))) for a, b in links if home[a] != home[b])
    if len(toolkits) <= SPRING_LIMIT:
        start = {t: _start(t, t, toolkits) for t in toolkits}
        pairs = sorted(between)
        centres = _spring(toolkits, pairs, start, [float(between[p]) for p in pairs])
    else:  # thousands of toolkits: a circle
        centres = {t: _start(t, t, toolkits) for t in toolkits}
    spread = math.sqrt(len(nodes))
    golden = math.pi * (3 - math.sqrt(5))
    positions = []
    for toolkit in toolkits:
        cx, cy = centres[toolkit]
        size = len(members[toolkit])
        radius = 0.35 * math.sqrt(size) / spread  # a toolkit's disc grows with its share of the graph
        for i, name in enumerate(members[toolkit]):  # already sorted: the same spiral every time
            r = radius * math.sqrt((i + 0.5) / size)
            positions.append(
                (name, (float(cx) * 2 + r * math.cos(i * golden), float(cy) * 2 + r * math.sin(i * golden)))
            )
    return tuple(positions)


def network_figure(view: GraphSlice, positions: dict[str, tuple[float, float]], selected: str | None = None):
    """A plotly figure: edges as lines coloured by kind, functions as points coloured by toolkit;
    each point carries its function name (``customdata``) so a click selects it."""
    import plotly.graph_objects as go

    scatter = go.Scattergl if len(view.functions) > SPRING_LIMIT else go.Scatter  # WebGL: thousands of points
    figure = go.Figure()
    for kind in sorted({e.kind for e in view.edges}):
        xs, ys = [], []
        for e in (e for e in view.edges if e.kind == kind):
            (x0, y0), (x1, y1) = positions[e.source], positions[e.target]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        figure.add_trace(
            scatter(x=xs, y=ys, mode="lines", name=f"edge: {kind}", hoverinfo="skip", line={"width": 0.7}, opacity=0.5)
        )
    for toolkit in sorted({f.toolkit for f in view.functions}):
        members = [f for f in view.functions if f.toolkit == toolkit]
        figure.add_trace(
            scatter(
                x=[positions[f.name][0] for f in members],
                y=[positions[f.name][1] for f in members],
                mode="markers",
                name=toolkit,
                customdata=[f.name for f in members],
                text=[f"{f.name}<br>{f.category}" for f in members],
                hovertemplate="%{text}<extra></extra>",
                marker={"size": [16 if f.name == selected else 9 for f in members], "line": {"width": 1}},
            )
        )
    figure.update_layout(
        height=620,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        clickmode="event+select",
        xaxis={"visible": False},
        yaxis={"visible": False},
        legend={"orientation": "h"},
    )
    return figure


def function_detail(functions: list[FunctionSignature], edges: list[FeedsEdge], name: str) -> dict[str, Any]:
    """One function's schema and its incoming and outgoing edges with their evidence."""
    signature = next(f for f in functions if f.name == name)

    return {
        "name": name,
        "toolkit": signature.toolkit,
        "category": signature.category,
        "description": signature.description,
        "parameters": signature.parameter_fields(),
        "required": list(signature.required),
        "output": signature.output,
        "incoming": [e.to_dict() for e in edges if e.target == name],
        "outgoing": [e.to_dict() for e in edges if e.source == name],
    }
