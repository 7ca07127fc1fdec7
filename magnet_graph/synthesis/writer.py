"""The end of a run: exports, BFCL files, checker scores, report.json and manifest.json.

Everything here is rebuilt from paths.jsonl, trajectories.jsonl and dropped.jsonl, so a resumed run
ends with the same files as an uninterrupted one.
"""

from __future__ import annotations

import json
import platform
from collections import Counter
from importlib import metadata
from pathlib import Path
from statistics import mean
from typing import Any

from ..paths import SignaturePath
from ..signature import FunctionSignature
from . import bfcl_format
from .bfcl_check import check_directory
from .export import dpo_row, mdpo_row, sft_row, sharegpt_row
from .files import read_jsonl, write_jsonl
from .record import PHENOMENA, turn_phenomena


def write_outputs(
    out: Path,
    paths: list[SignaturePath],
    signatures: dict[str, FunctionSignature],
    identity: dict[str, Any],
    session_stats: Counter,
    teacher_usage: dict[str, Any],
    timing: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    order = {p.id: i for i, p in enumerate(paths)}
    records = sorted(
        {r["id"]: r for r in read_jsonl(out / "trajectories.jsonl")}.values(), key=lambda r: order[r["id"]]
    )
    dropped = sorted({d["id"]: d for d in read_jsonl(out / "dropped.jsonl")}.values(), key=lambda d: order[d["id"]])
    write_jsonl(out / "trajectories.jsonl", records)
    write_jsonl(out / "dropped.jsonl", dropped)
    write_jsonl(out / "sft.jsonl", [sft_row(r) for r in records])
    write_jsonl(out / "sharegpt.jsonl", [sharegpt_row(r) for r in records])
    pairs = [{**r, "rejected": n} for r in records for n in r["negatives"]]
    write_jsonl(out / "dpo.jsonl", [{**dpo_row(p), "id": p["id"]} for p in pairs])
    write_jsonl(out / "mdpo.jsonl", [{**mdpo_row(p), "id": p["id"]} for p in pairs])
    bfcl = _write_bfcl(out / "bfcl", records, signatures)
    report = _report(paths, records, dropped, signatures, bfcl, teacher_usage)
    (out / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True), encoding="utf-8")
    manifest = {
        **identity,
        "versions": _versions(),
        "counts": report["counts"],
        "drops": report["drops"],
        "teacher_usage": teacher_usage,
        "session_stats": dict(sorted(session_stats.items())),
        "timing": timing,
        "files": sorted(p.name for p in out.iterdir() if p.is_file()) + ["bfcl/"] * bool(bfcl),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return manifest, report


def _write_bfcl(root: Path, records: list[dict[str, Any]], signatures) -> dict[str, Any] | None:
    chosen = [r for r in records if bfcl_format.is_bfcl(r, signatures)]
    if not chosen:
        return None
    root.mkdir(exist_ok=True)
    write_jsonl(root / "entries.jsonl", [bfcl_format.entry(r, signatures) for r in chosen])
    write_jsonl(root / "ground_truth.jsonl", [bfcl_format.ground_truth(r, signatures) for r in chosen])
    write_jsonl(
        root / "positive_result.jsonl",
        [{"id": bfcl_format.entry_id(r), "result": bfcl_format.result(r, r["messages"], signatures)} for r in chosen],
    )
    write_jsonl(
        root / "negative_result.jsonl",
        [
            {
                "id": bfcl_format.entry_id(r),
                "negative": k,
                "error_type": n["error_type"],
                "result": bfcl_format.negative_result(r, n, signatures),
            }
            for r in chosen
            for k, n in enumerate(r["negatives"])
        ],
    )
    checked = check_directory(root)
    for kind in ("positive", "negative"):
        checked.get(kind, {}).pop("verdicts", None)  # per-entry detail: the checker's concern, not the report's
    return {"entries": len(chosen), **checked}


def _report(paths, records, dropped, signatures, bfcl, teacher_usage) -> dict[str, Any]:
    kinds = Counter(r["kind"] for r in records)
    turns = [t for r in records for t in r["turns"]]
    calls = [c for t in turns for step in t["calls"] for c in step]
    multi = [r for r in records if r["kind"] == "multi_turn"]
    shown = Counter(p for t in turns for p in turn_phenomena(t))
    phenomena = {p: shown[p] for p in PHENOMENA}
    # parallel counts steps, not turns: a turn can hold several parallel steps
    phenomena["parallel"] = sum(1 for t in turns for step in t["calls"] if len(step) >= 2)
    negatives = [n for r in records for n in r["negatives"]]
    used = {c["name"] for c in calls}
    report = {
        "counts": {
            "paths": len(paths),
            "records": len(records),
            "dropped": len(dropped),
            "records_by_kind": dict(sorted(kinds.items())),
            "cut_short": sum(1 for r in records if r["lineage"]["cut"]),
            "negatives": len(negatives),
            "dpo_pairs": len(negatives),
        },
        "drops": dict(sorted(Counter(f"{d['stage']}:{d['reason'].split(':')[0]}" for d in dropped).items())),
        "cuts": dict(
            sorted(Counter(r["lineage"]["cut"].split(":")[0] for r in records if r["lineage"]["cut"]).items())
        ),
        "executability": {
            "reference_calls": len(calls),
            "executed_ok": sum(
                1 for t in turns for step in t["outputs"] for o in step if not (isinstance(o, dict) and "error" in o)
            ),
            "yield": round(len(records) / len(paths), 4) if paths else 0.0,
        },
        "phenomena": phenomena,
        "negatives_by_type": dict(sorted(Counter(n["error_type"] for n in negatives).items())),
        "negatives_by_source": dict(sorted(Counter(n["source"] for n in negatives).items())),
        "coverage": {
            "functions_used": len(used),
            "functions_in_graph": len(signatures),
            "distinct_sequences": len(
                {tuple(c["name"] for t in r["turns"] for s in t["calls"] for c in s) for r in records}
            ),
        },
        "lengths": {
            "turns_per_multi_turn": round(mean(len(r["turns"]) for r in multi), 2) if multi else 0,
            "calls_per_multi_turn": round(mean(sum(len(s) for t in r["turns"] for s in t["calls"]) for r in multi), 2)
            if multi
            else 0,
        },
        "teacher": teacher_usage,
    }
    if bfcl:
        report["bfcl"] = bfcl
        if "positive" in bfcl:
            pos, neg = bfcl["positive"], bfcl["negative"]
            bfcl["positive_accept_rate"] = round(pos["accepted"] / pos["checked"], 4) if pos["checked"] else None
            bfcl["negative_reject_rate"] = round(neg["rejected"] / neg["checked"], 4) if neg["checked"] else None
    return report


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("magnet-graph", "bfcl-eval", "neo4j", "openai"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found
