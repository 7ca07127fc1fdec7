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


def layout(view: GraphSlice) -> dict[str, tuple[float, float]]:
    """Force-directed positions (networkx spring layout) from fixed starting points, toolkits in their
    own sectors: the same graph gets the same picture in every process. Memoised, since the app
    redraws the page on every click."""
    nodes = tuple(sorted((f.name, f.toolkit) for f in view.functions))
    links = tuple(sorted({(e.source, e.target) for e in view.edges}))
    return dict(_positions(nodes, links))


@functools.lru_cache(maxsize=32)
def _positions(nodes: tuple[tuple[str, str], ...], links: tuple[tuple[str, str], ...]):
    import math
    import zlib

    import networkx as nx

    if not nodes:
        return ()
    graph = nx.DiGraph()
    graph.add_nodes_from(name for name, _ in nodes)
    graph.add_edges_from(links)
    toolkits = sorted({toolkit for _, toolkit in nodes})
    start = {}
    for name, toolkit in nodes:
        angle = 2 * math.pi * toolkits.index(toolkit) / len(toolkits)
        jitter = zlib.crc32(name.encode()) % 1000 / 1e4  # stable across processes, unlike hash()
        start[name] = (math.cos(angle) + jitter, math.sin(angle) - jitter)
    positions = nx.spring_layout(graph, pos=start, k=1.5 / math.sqrt(len(graph)), iterations=60)
    return tuple((name, (float(x), float(y))) for name, (x, y) in positions.items())


def network_figure(view: GraphSlice, positions: dict[str, tuple[float, float]], selected: str | None = None):
    """A plotly figure: edges as lines coloured by kind, functions as points coloured by toolkit;
    each point carries its function name (``customdata``) so a click selects it."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for kind in sorted({e.kind for e in view.edges}):
        xs, ys = [], []
        for e in (e for e in view.edges if e.kind == kind):
            (x0, y0), (x1, y1) = positions[e.source], positions[e.target]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        figure.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines", name=f"edge: {kind}", hoverinfo="skip", line={"width": 0.7}, opacity=0.5
            )
        )
    for toolkit in sorted({f.toolkit for f in view.functions}):
        members = [f for f in view.functions if f.toolkit == toolkit]
        figure.add_trace(
            go.Scatter(
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
