"""``magnet-graph eval data RUN_DIR``: how good a synthesize run's data is, as JSON, Markdown and plots.

Everything is recomputed from the run's files (trajectories.jsonl, paths.jsonl, dropped.jsonl,
report.json for the BFCL checker and teacher figures); the graph's edge count comes from the store
when one is given.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

from ..synthesis.files import atomic_write, read_jsonl, read_records
from ..synthesis.record import PHENOMENA, turn_phenomena
from .contamination import check_records


def _calls(record: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The record's reference calls, one list per assistant step."""
    return [step for turn in record["turns"] for step in turn["calls"]]


def _phenomena(record: dict[str, Any]) -> set[str]:
    return {p for turn in record["turns"] for p in turn_phenomena(turn)}


def _entropy(counts: Counter) -> float:
    """Shannon entropy of the usage counts, normalised to [0, 1] by its maximum."""
    total = sum(counts.values())
    if len(counts) < 2:
        return 0.0
    h = -sum(c / total * math.log(c / total) for c in counts.values())
    return round(h / math.log(len(counts)), 4)


def data_report(run_dir: str | Path, edges_in_graph: int | None = None, contamination_index=None) -> dict[str, Any]:
    """The quality figures of one run directory."""
    run = Path(run_dir)
    records = read_records(run)
    paths = read_jsonl(run / "paths.jsonl")
    dropped = read_jsonl(run / "dropped.jsonl")
    synthesis = json.loads((run / "report.json").read_text()) if (run / "report.json").exists() else {}
    multi = [r for r in records if r["kind"] == "multi_turn"]

    named = [[c["name"] for step in _calls(r) for c in step] for r in records]  # each record's calls in order
    calls = [name for names in named for name in names]
    functions = Counter(calls)
    sequences = Counter(tuple(names) for names in named)
    bigrams = {pair for names in named for pair in zip(names, names[1:])}
    edges_used = {(d["source"], d["target"]) for p in paths for t in p["turns"] for d in t.get("depends_on") or []}
    phenomena = Counter(p for r in records for p in _phenomena(r))
    teacher = synthesis.get("teacher", {})
    bfcl = synthesis.get("bfcl", {})
    coverage = synthesis.get("coverage", {})
    return {
        "run": str(run),
        "records": len(records),
        "records_by_kind": dict(sorted(Counter(r["kind"] for r in records).items())),
        "paths": len(paths),
        "dropped": len(dropped),
        "drop_reasons": dict(sorted(Counter(d.get("reason", "").split(":")[0] for d in dropped).items())),
        "drops_by_stage": dict(sorted(Counter(d.get("stage", "") for d in dropped).items())),
        "executability": {
            "reference_calls": len(calls),
            **synthesis.get("executability", {}),
            "records_per_path": round(len(records) / len(paths), 4) if paths else 0.0,
        },
        "bfcl_checker": {
            "positive_accept_rate": bfcl.get("positive_accept_rate"),
            "negative_reject_rate": bfcl.get("negative_reject_rate"),
            "positives": bfcl.get("positive", {}).get("checked", 0),
            "negatives": bfcl.get("negative", {}).get("checked", 0),
        },
        "phenomena": {p: phenomena.get(p, 0) for p in PHENOMENA},  # records showing each
        "negatives_by_type": dict(sorted(Counter(n["error_type"] for r in records for n in r["negatives"]).items())),
        "coverage": {
            "functions_used": len(functions),
            "functions_in_graph": coverage.get("functions_in_graph"),
            "function_share": round(len(functions) / coverage["functions_in_graph"], 4)
            if coverage.get("functions_in_graph")
            else None,
            "edges_walked": len(edges_used),
            "edges_in_graph": edges_in_graph,
            "edge_share": round(len(edges_used) / edges_in_graph, 4) if edges_in_graph else None,
        },
        "diversity": {
            "distinct_call_sequences": len(sequences),
            "distinct_sequence_share": round(len(sequences) / len(records), 4) if records else 0.0,
            "distinct_function_bigrams": len(bigrams),
            "function_usage_entropy": _entropy(functions),
        },
        "lengths": {
            "turns_per_multi_turn": dict(sorted(Counter(len(r["turns"]) for r in multi).items())),
            "calls_per_multi_turn": dict(sorted(Counter(sum(len(s) for s in _calls(r)) for r in multi).items())),
            "steps_per_record": dict(sorted(Counter(len(_calls(r)) for r in records).items())),
        },
        "teacher": {
            "name": teacher.get("name"),
            "calls": teacher.get("calls", 0),
            "tokens": teacher.get("tokens", {}),
            "calls_per_record": round(teacher.get("calls", 0) / len(records), 2) if records else 0.0,
        },
        "contamination": check_records(records, contamination_index),
    }


def write_report(report: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """``eval_data.json``, ``eval_data.md`` and PNG plots in ``out_dir``; returns their paths."""
    from .plots import bar_chart

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plots = {
        "kinds": bar_chart(report["records_by_kind"], "records by kind", out / "kinds.png"),
        "phenomena": bar_chart(report["phenomena"], "records showing each phenomenon", out / "phenomena.png"),
        "turns": bar_chart(report["lengths"]["turns_per_multi_turn"], "turns per multi-turn record", out / "turns.png"),
        "calls": bar_chart(report["lengths"]["calls_per_multi_turn"], "calls per multi-turn record", out / "calls.png"),
        "negatives": bar_chart(report["negatives_by_type"], "negatives by error type", out / "negatives.png"),
    }
    atomic_write(out / "eval_data.json", json.dumps(report, indent=2, sort_keys=True) + "\n")
    atomic_write(out / "eval_data.md", _markdown(report, plots))
    return {"json": out / "eval_data.json", "markdown": out / "eval_data.md", **plots}


def _markdown(report: dict[str, Any], plots: dict[str, Path]) -> str:
    ex, checker, cov, div, cont = (
        report["executability"],
        report["bfcl_checker"],
        report["coverage"],
        report["diversity"],
        report["contamination"],
    )
    rows = [
        ("records (paths, dropped)", f"{report['records']} ({report['paths']}, {report['dropped']})"),
        ("reference calls executed", f"{ex.get('executed_ok', '?')}/{ex['reference_calls']}"),
        ("BFCL checker: positives accepted", f"{checker['positive_accept_rate']} of {checker['positives']}"),
        ("BFCL checker: negatives rejected", f"{checker['negative_reject_rate']} of {checker['negatives']}"),
        ("functions used / in graph", f"{cov['functions_used']} / {cov['functions_in_graph']}"),
        ("edges walked / in graph", f"{cov['edges_walked']} / {cov['edges_in_graph']}"),
        ("distinct call sequences", f"{div['distinct_call_sequences']} ({div['distinct_sequence_share']:.0%})"),
        ("function usage entropy (0-1)", str(div["function_usage_entropy"])),
        ("teacher calls (per record)", f"{report['teacher']['calls']} ({report['teacher']['calls_per_record']})"),
        (
            "contamination: query / state hits",
            f"{cont['query_hits']} / {cont['state_hits']} of {cont['queries_checked']} / {cont['states_checked']}",
        ),
    ]
    lines = [f"# Data report: {Path(report['run']).name}", "", "| measure | value |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    lines += ["", "Phenomena: " + ", ".join(f"{k} {v}" for k, v in report["phenomena"].items()), ""]
    lines += [f"![{name}]({path.name})" for name, path in plots.items()]
    return "\n".join(lines) + "\n"
