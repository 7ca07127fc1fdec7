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
