"""Report plots with matplotlib's file-only backend (no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def bar_chart(counts: dict[Any, int], title: str, path: Path) -> Path:
    """A labelled bar chart of ``counts`` written to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [str(k) for k in counts]
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
    bars = ax.bar(labels, list(counts.values()), color="#3b6ea8")
    ax.bar_label(bars)
    ax.set_title(title)
    ax.margins(y=0.15)  # room for the bar labels under the title
    ax.tick_params(axis="x", labelrotation=30 if max((len(x) for x in labels), default=0) > 8 else 0)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def grouped_bars(labels: list[str], series: dict[str, list[float]], title: str, unit: str, path: Path) -> Path:
    """Horizontal bars, a group per label and a bar per series (values 0-100), written to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    height = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(labels) * max(1, len(series) / 2) + 1.5), dpi=100)
    for i, (name, values) in enumerate(series.items()):
        ax.barh([k + i * height for k in range(len(labels))], values, height=height, label=name)
    ax.set_yticks([k + height * (len(series) - 1) / 2 for k in range(len(labels))], labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(unit)
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
