"""``magnet-graph eval compare``: several ``eval bfcl`` results side by side, as a table and a plot."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError

SUMMARY_ROWS = ("overall", "overall_without_agentic", "relevance")
SECTIONS = ("non_live", "live", "irrelevance", "multi_turn", "agentic")


@dataclass(frozen=True)
class ScoredRun:
    """One results folder: its label (the folder's name) and its ``scores.json``."""

    label: str
    scores: dict[str, Any]

    def figure(self, row: tuple[str, str]) -> float | None:
        """A row's accuracy (0-1): an overall figure, a section or a category; None where not run."""
        kind, name = row
        if kind == "summary":
            return self.scores.get(name)
        if kind == "section":
            return (self.scores.get("sections") or {}).get(name)
        category = (self.scores.get("categories") or {}).get(name)
        return category["accuracy"] if category else None


def read_runs(folders: list[str | Path]) -> list[ScoredRun]:
    """The ``scores.json`` of each folder; a folder without one is an error naming it."""
    runs = []
    for folder in map(Path, folders):
        path = folder / "scores.json"
        try:
            scores = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise MagnetGraphError(f"{path}: not an eval bfcl result ({type(exc).__name__})") from None
        runs.append(ScoredRun(folder.name, scores))
    labels = [r.label for r in runs]
    if len(set(labels)) < len(labels):  # folders of the same name: the whole path tells them apart
        runs = [ScoredRun(str(Path(f)), r.scores) for f, r in zip(folders, runs)]
    return runs


def rows(runs: list[ScoredRun]) -> list[tuple[str, str]]:
    """The rows to show, (kind, name): the overall figures, the sections (BFCL's grouping; a section
    and a category may share a name, as irrelevance does), then every category any run scored."""
    categories = sorted({c for r in runs for c in r.scores.get("categories") or {}})
    return [
        *(("summary", n) for n in SUMMARY_ROWS),
        *(("section", n) for n in SECTIONS),
        *(("category", n) for n in categories),
    ]


def label(row: tuple[str, str]) -> str:
    kind, name = row
    return f"{name} (section)" if kind == "section" else name


def table(runs: list[ScoredRun]) -> str:
    """A Markdown table: a column per run, a row per figure, accuracies in percent ("-": not run)."""
    lines = ["| | " + " | ".join(r.label for r in runs) + " |", "|---|" + "---|" * len(runs)]
    lines.append("| model | " + " | ".join(str(r.scores.get("model", "")) for r in runs) + " |")
    for row in rows(runs):
        figures = [r.figure(row) for r in runs]
        if all(f is None for f in figures):
            continue
        lines.append(f"| {label(row)} | " + " | ".join("-" if f is None else f"{100 * f:.2f}%" for f in figures) + " |")
    return "\n".join(lines)


def plot(runs: list[ScoredRun], path: str | Path) -> Path:
    """Grouped horizontal bars: a group per figure, a bar per run (PNG)."""
    from ..evaluation.plots import grouped_bars

    shown = [row for row in rows(runs) if any(r.figure(row) is not None for r in runs)]
    series = {run.label: [100 * (run.figure(row) or 0) for row in shown] for run in runs}
    title = "BFCL: " + " vs ".join(r.label for r in runs)
    return grouped_bars([label(row) for row in shown], series, title, "accuracy (%)", Path(path))
