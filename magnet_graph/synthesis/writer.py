"""The end of a run: exports, integration files and checks, report.json and manifest.json.

Everything here is rebuilt from paths.jsonl, trajectories.jsonl and dropped.jsonl, so a resumed run
ends with the same files as an uninterrupted one.
"""

from __future__ import annotations

import json
import platform
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any

from ..integrations import RunCheck, installed
from ..paths import SignaturePath
from ..records import (
    DROPPED,
    ERRORS,
    TRAJECTORIES,
    Drop,
    Record,
    is_simulated,
    metrics,
    read_typed,
    write_exports,
    write_jsonl,
)
from ..roles import classify
from ..signature import FunctionSignature
from .role_check import role_mismatches
from .translate import cut_reasons


def write_outputs(
    out: Path,
    paths: list[SignaturePath],
    signatures: dict[str, FunctionSignature],
    identity: dict[str, Any],
    session_stats: Counter,
    teacher_usage: dict[str, Any],
    timing: dict[str, Any],
    allow_simulated: bool = False,
    stopped: str = "",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Rewrite the run's files in path order and write everything made from them (training files
    without simulated records unless ``allow_simulated``); (manifest, report). ``stopped`` says
    why the run ended before every path was tried."""
    order = {p.id: i for i, p in enumerate(paths)}
    records = sorted({r.id: r for r in read_typed(out / TRAJECTORIES, Record)}.values(), key=lambda r: order[r.id])
    made = {r.id for r in records}  # a path that failed on an error and then succeeded on a resume
    dropped = sorted(
        {d.id: d for d in read_typed(out / DROPPED, Drop) if d.id not in made}.values(), key=lambda d: order[d.id]
    )
    write_jsonl(out / TRAJECTORIES, records)
    write_jsonl(out / DROPPED, dropped)
    write_exports(out, records, allow_simulated=allow_simulated)
    checks = {i.name: check for i in installed() if (check := i.check_run(out, records, signatures)) is not None}
    tries = Counter(d.id for d in read_typed(out / ERRORS, Drop))
    report = run_report(paths, records, dropped, signatures, checks, teacher_usage, allow_simulated, tries, stopped)
    (out / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True), encoding="utf-8")
    manifest = {
        **identity,
        "versions": _versions(),
        "counts": report["counts"],
        "drops": report["drops"],
        "teacher_usage": teacher_usage,
        "session_stats": dict(sorted(session_stats.items())),
        "timing": timing,
        "files": sorted(p.name for p in out.iterdir() if p.is_file())
        + sorted(f"{p.name}/" for p in out.iterdir() if p.is_dir()),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return manifest, report


def run_report(
    paths: list[SignaturePath],
    records: list[Record],
    dropped: list[Drop],
    signatures: dict[str, FunctionSignature],
    checks: dict[str, RunCheck],
    teacher_usage: dict[str, Any],
    allow_simulated: bool = False,
    tries: Counter | None = None,
    stopped: str = "",
) -> dict[str, Any]:
    """report.json: what the run made, what it dropped and why, and the figures ``records.metrics``
    defines; ``tries`` counts each path's teacher or environment failures (errors.jsonl)."""
    tries = tries if tries is not None else Counter()
    negatives = [n for r in records for n in r.negatives]
    simulated = sum(1 for r in records if is_simulated(r))
    return {
        "counts": {
            "paths": len(paths),
            "records": len(records),
            "dropped": len(dropped),
            "records_by_kind": dict(sorted(Counter(r.kind for r in records).items())),
            "cut_short": sum(1 for r in records if r.lineage.cut),
            "negatives": len(negatives),
            "dpo_pairs": len(negatives),
            "simulated_records": simulated,
            "simulated_left_out_of_training": 0 if allow_simulated else simulated,
        },
        "drops": dict(sorted(Counter(drop_key(d) for d in dropped).items())),
        "cuts": dict(sorted(Counter(reason for r in records for reason in cut_reasons(r.lineage.cut)).items())),
        "executability": {
            **metrics.executability(records),
            "yield": round(len(records) / len(paths), 4) if paths else 0.0,
        },
        "phenomena": metrics.phenomena(records),
        "lengths": metrics.lengths(records),
        "negatives_by_type": dict(sorted(Counter(n.error_type for n in negatives).items())),
        "negatives_by_source": dict(sorted(Counter(n.source for n in negatives).items())),
        "coverage": {"functions_used": len(metrics.functions_used(records)), "functions_in_graph": len(signatures)},
        "diversity": metrics.diversity(records),
        "distinct_values": _distinct_values(records, signatures),
        "role_mismatches": [m.__dict__ for m in role_mismatches(records, signatures)],
        "teacher": teacher_usage,
        "checks": {name: check.to_dict() for name, check in sorted(checks.items())},
        "warnings": _warnings(paths, records, 0 if allow_simulated else simulated),
        "errors": {
            "paths_failed": len(tries),
            "tries": sum(tries.values()),
            "retryable": sum(1 for d in dropped if d.stage == "error" and tries[d.id] < ERROR_TRIES),
            "given_up": sum(1 for d in dropped if d.stage == "error" and tries[d.id] >= ERROR_TRIES),
        },
        "failure": failure(paths, records, dropped, tries, stopped),
    }


def _distinct_values(records: list[Record], signatures: dict[str, FunctionSignature]) -> dict[str, Any]:
    """Distinct values per parameter, and over the identifier parameters (ids of orders, users,
    files...): distinct values / calls, the share of calls that did not reuse a value."""
    by_param = metrics.distinct_values(records)
    ids = []
    for key, figures in by_param.items():
        function, _, param = key.partition(".")
        schema = signatures[function].parameters.get("properties", {}).get(param, {}) if function in signatures else {}
        role = classify(param, schema.get("description", ""), schema.get("type", "string"), function=function)
        if role.kind == "identifier":
            ids.append(figures)
    calls = sum(f["calls"] for f in ids)
    return {
        "identifier_parameters": len(ids),
        "identifier_ratio": round(sum(f["distinct"] for f in ids) / calls, 4) if calls else None,
        "by_parameter": by_param,
    }


def drop_key(drop: Drop) -> str:
    """What a drop is counted under: its stage and the kind of its reason (a translation's first
    cut reason, not a whole error message or the id of the record it duplicates)."""
    if drop.stage == "translate":
        reason = (cut_reasons(drop.reason) or [""])[0]
    elif drop.stage == "duplicate":
        reason = "same conversation"
    else:
        reason = drop.reason.split(":")[0]
    return f"{drop.stage}:{reason}"


MOSTLY = 0.5  # a run that drops more than this share of its paths failed
ERROR_TRIES = 3  # tries of a path that fails on a teacher or environment error, over all sessions


def failure(
    paths: list[SignaturePath],
    records: list[Record],
    dropped: list[Drop],
    tries: Counter | None = None,
    stopped: str = "",
) -> str:
    """'' for a run that made what it should; else why not, with the top three reasons and their
    counts (the CLI prints it and exits 1): nothing written, most paths dropped, or paths that
    failed on teacher or environment errors and will be tried again by ``--resume``."""
    tries = tries if tries is not None else Counter()
    retry = [d for d in dropped if d.stage == "error" and tries[d.id] < ERROR_TRIES]
    untried = len(paths) - len(records) - len(dropped)
    if records and len(dropped) <= MOSTLY * len(paths) and not retry and not untried:
        return ""
    reasons = Counter(drop_key(d) for d in dropped).most_common(3)
    top = "; ".join(f"{reason} ({count})" for reason, count in reasons) or "no paths to translate"
    if not records:
        head = f"error: wrote no trajectories from {len(paths)} paths"
    elif len(dropped) > MOSTLY * len(paths):
        head = f"error: {len(dropped)} of {len(paths)} paths were dropped"
    else:
        head = f"error: {len(retry) + untried} of {len(paths)} paths are not finished"
    later = []
    if stopped:
        later.append(f"{stopped}; {untried} paths not tried")
    if retry or untried:
        later.append(
            f"{len(retry)} failed on teacher or environment errors; run again with --resume to retry them "
            f"(each path up to {ERROR_TRIES} times)"
        )
    return "; ".join([f"{head}; top reasons: {top}", *later])


def _warnings(paths: list[SignaturePath], records: list[Record], left_out: int = 0) -> list[str]:
    """What a user must hear about this run's output (printed by the CLI)."""
    found = []
    if left_out:
        found.append(
            f"warning: {left_out} of {len(records)} records have simulated tool outputs (tools with nothing "
            "behind them) and are left out of sft/dpo/mdpo/sharegpt; make the tools executable (a Python "
            "class, a live MCP server) or pass --allow-simulated"
        )
    if not records or any(r.kind == "multi_turn" for r in records):
        return found
    walks = sum(1 for p in paths if len(p.turns) > 1)
    why = (
        f"all {walks} multi-turn paths were dropped (see drops)"
        if walks
        else "no path had a second turn because the graph has no dependency edges (tools whose outputs are "
        "unknown feed nothing: add output schemas or make them executable; see `magnet-graph edges`)"
    )
    return [*found, f"warning: wrote no multi-turn conversations, only single-turn rows: {why}"]


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    packages = ["magnet-graph", "neo4j", "openai"] + [p for i in installed() for p in i.packages]
    for package in packages:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found
