"""``magnet-graph eval data RUN_DIR``: how good a synthesize run's data is, as JSON, Markdown and plots.

Everything is recomputed from the run's files (trajectories.jsonl, paths.jsonl, dropped.jsonl;
report.json for the integrations' checker verdicts and the teacher's usage) with the same figures
report.json uses (``records.metrics``); the graph's edge count comes from the store when one is
given. Each installed integration's contamination guard runs on the records.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError
from ..integrations import RunCheck, installed
from ..paths import read_paths
from ..records import atomic_write, metrics, read_drops, read_records


def _synthesis_report(path: Path) -> tuple[dict[str, Any], int | None, dict[str, RunCheck]]:
    """(teacher usage, functions in the graph, checker results) from synthesize's report.json;
    a damaged one is an error naming it (``synthesize --resume`` writes it again)."""
    if not path.exists():
        return {}, None, {}
    try:
        synthesis = json.loads(path.read_text(encoding="utf-8"))
        teacher = synthesis.get("teacher", {})
        calls, tokens = teacher.get("calls", 0), teacher.get("tokens", {})
        if not isinstance(calls, int) or not isinstance(tokens, dict):
            raise TypeError("teacher.calls is not a count or teacher.tokens not an object")
        functions = synthesis.get("coverage", {}).get("functions_in_graph")
        if functions is not None and not isinstance(functions, int):
            raise TypeError("coverage.functions_in_graph is not a count")
        checks = {name: RunCheck.from_dict(check) for name, check in synthesis.get("checks", {}).items()}
    except (ValueError, UnicodeDecodeError, AttributeError, KeyError, TypeError) as exc:
        raise MagnetGraphError(
            f"{path}: damaged ({type(exc).__name__}: {exc}); `magnet-graph synthesize --resume` writes it again"
        ) from None
    return teacher, functions, checks


def data_report(run_dir: str | Path, edges_in_graph: int | None = None) -> dict[str, Any]:
    """The quality figures of one run directory."""
    run = Path(run_dir)
    records = read_records(run)
    paths = read_paths(run)
    dropped = read_drops(run)
    teacher, functions_in_graph, checks = _synthesis_report(run / "report.json")
    used = metrics.functions_used(records)
    edges_used = {(d.source, d.target) for p in paths for t in p.turns for d in t.depends_on}
    return {
        "run": str(run),
        "records": len(records),
        "records_by_kind": dict(sorted(Counter(r.kind for r in records).items())),
        "paths": len(paths),
        "dropped": len(dropped),
        "drop_reasons": dict(sorted(Counter(d.reason.split(":")[0] for d in dropped).items())),
        "drops_by_stage": dict(sorted(Counter(d.stage for d in dropped).items())),
        "executability": {
            **metrics.executability(records),
            "yield": round(len(records) / len(paths), 4) if paths else 0.0,
        },
        "checks": {
            name: {
                "positive_accept_rate": c.positive_accept_rate,
                "negative_reject_rate": c.negative_reject_rate,
                "positives": c.positives,
                "negatives": c.negatives,
            }
            for name, c in sorted(checks.items())
        },
        "phenomena": metrics.phenomena(records),
        "negatives_by_type": dict(sorted(Counter(n.error_type for r in records for n in r.negatives).items())),
        "coverage": {
            "functions_used": len(used),
            "functions_in_graph": functions_in_graph,
            "function_share": round(len(used) / functions_in_graph, 4) if functions_in_graph else None,
            "edges_walked": len(edges_used),
            "edges_in_graph": edges_in_graph,
            "edge_share": round(len(edges_used) / edges_in_graph, 4) if edges_in_graph else None,
        },
        "diversity": metrics.diversity(records),
        "lengths": metrics.lengths(records),
        "teacher": {
            "name": teacher.get("name"),
            "calls": teacher.get("calls", 0),
            "tokens": teacher.get("tokens", {}),
            "calls_per_record": round(teacher.get("calls", 0) / len(records), 2) if records else 0.0,
        },
        "contamination": {
            i.name: found.to_dict() for i in installed() if (found := i.check_contamination(records)) is not None
        },
    }


def contamination_hits(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(integration, its contamination figures) for every guard that found a match."""
    return [
        (name, found) for name, found in report["contamination"].items() if found["query_hits"] or found["state_hits"]
    ]


def write_report(report: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """``eval_data.json``, ``eval_data.md`` and PNG plots in ``out_dir``; returns their paths."""
    from .plots import bar_chart

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lengths = report["lengths"]
    plots = {
        "kinds": bar_chart(report["records_by_kind"], "records by kind", out / "kinds.png"),
        "phenomena": bar_chart(
            report["phenomena"]["records"], "records showing each phenomenon", out / "phenomena.png"
        ),
        "turns": bar_chart(
            lengths["turns_per_multi_turn"]["histogram"], "turns per multi-turn record", out / "turns.png"
        ),
        "calls": bar_chart(
            lengths["calls_per_multi_turn"]["histogram"], "calls per multi-turn record", out / "calls.png"
        ),
        "negatives": bar_chart(report["negatives_by_type"], "negatives by error type", out / "negatives.png"),
    }
    atomic_write(out / "eval_data.json", json.dumps(report, indent=2, sort_keys=True) + "\n")
    atomic_write(out / "eval_data.md", _markdown(report, plots))
    return {"json": out / "eval_data.json", "markdown": out / "eval_data.md", **plots}


def _markdown(report: dict[str, Any], plots: dict[str, Path]) -> str:
    ex, cov, div, lengths = report["executability"], report["coverage"], report["diversity"], report["lengths"]
    rows = [
        ("records (paths, dropped)", f"{report['records']} ({report['paths']}, {report['dropped']})"),
        ("reference calls executed", f"{ex['executed_ok']}/{ex['reference_calls']}"),
    ]
    for name, check in report["checks"].items():
        rows += [
            (f"{name} checker: positives accepted", f"{check['positive_accept_rate']} of {check['positives']}"),
            (f"{name} checker: negatives rejected", f"{check['negative_reject_rate']} of {check['negatives']}"),
        ]
    rows += [
        (
            "multi-turn records: mean turns / calls",
            f"{lengths['turns_per_multi_turn']['mean']} / {lengths['calls_per_multi_turn']['mean']}",
        ),
        (
            "tools offered per record: mean / max; estimated tokens of the tools / whole row (mean)",
            f"{lengths['tools_per_record']['mean']} / {lengths['tools_per_record']['max']}; "
            f"{lengths['tool_tokens_per_record']['mean']} / {lengths['row_tokens_per_record']['mean']}",
        ),
        ("functions used / in graph", f"{cov['functions_used']} / {cov['functions_in_graph']}"),
        ("edges walked / in graph", f"{cov['edges_walked']} / {cov['edges_in_graph']}"),
        ("distinct call sequences", f"{div['distinct_call_sequences']} ({div['distinct_sequence_share']:.0%})"),
        ("function usage entropy (0-1)", str(div["function_usage_entropy"])),
        ("teacher calls (per record)", f"{report['teacher']['calls']} ({report['teacher']['calls_per_record']})"),
    ]
    for name, found in report["contamination"].items():
        rows.append(
            (
                f"{name} contamination: query / state hits",
                f"{found['query_hits']} / {found['state_hits']} "
                f"of {found['queries_checked']} / {found['states_checked']}",
            )
        )
    lines = [f"# Data report: {Path(report['run']).name}", "", "| measure | value |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    shown = report["phenomena"]["records"]
    lines += ["", "Phenomena (records showing each): " + ", ".join(f"{k} {v}" for k, v in shown.items()), ""]
    lines += [f"![{name}]({path.name})" for name, path in plots.items()]
    return "\n".join(lines) + "\n"
