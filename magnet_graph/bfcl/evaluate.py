"""``magnet-graph eval bfcl``: a model on BFCL's categories, with BFCL's protocol, checkers and overall.

Inference is ours (``single_turn``, ``multi_turn``: BFCL's OpenAI-completions protocol, entries in
flight ``concurrency`` at a time); scoring and aggregation are BFCL's own (``scoring``, in a child
process). A results folder belongs to one model, endpoint and mode: ``<category>/result.jsonl``
holds one row per entry (a rerun asks only for entries not yet answered, and retries those whose
inference failed), ``score/`` BFCL's score files and leaderboard CSVs, ``scores.json`` the summary.
The summary covers every category scored in the folder, so runs of different categories add up to
one leaderboard row, as BFCL's score folder does.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError, redact
from ..records import JsonlAppender, read_jsonl, recover_jsonl, write_jsonl
from .categories import is_multi_turn, load
from .multi_turn import DATA_NOTE, ChatModel, EntryResult, bfcl_version, run_entry
from .scoring import score
from .single_turn import SingleResult, run_single


class CountingModel:
    """A model that counts the requests it answers (the run's calls/s)."""

    def __init__(self, model: ChatModel):
        self.model, self.name, self.requests = model, model.name, 0
        self._lock = threading.Lock()

    def respond(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            self.requests += 1
        return self.model.respond(messages, tools)


def evaluate(
    model: ChatModel,
    categories: tuple[str, ...],
    out_dir: str | Path,
    *,
    fc: bool = True,
    limit: int | None = None,
    concurrency: int = 1,
    not_run: dict[str, str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Run ``categories`` (BFCL names, see ``categories.resolve``) and score them; the summary."""
    out = Path(out_dir)
    _claim(out, model, fc)
    counting = CountingModel(model)
    start = time.monotonic()
    inference_errors = {}
    for category in categories:
        inference_errors[category] = _infer(category, counting, out / category, fc, limit, concurrency, progress)
    seconds = time.monotonic() - start
    scored = score(out, categories, display_name=model.name, fc=fc)
    for category in categories:
        entries = [r["id"] for r in read_jsonl(out / category / "result.jsonl")]
        failed = scored["categories"][category]["verdicts"]
        verdicts = {i: failed.get(i, "") for i in entries}
        (out / category / "verdicts.json").write_text(json.dumps(verdicts, indent=1, sort_keys=True) + "\n")
    summary = {
        "model": model.name,
        "mode": "fc" if fc else "prompt",
        "bfcl_eval": bfcl_version(),
        "data": DATA_NOTE,
        "limit": limit,
        "categories": {
            c: {
                "accuracy": round(s["accuracy"], 4),
                "correct": s["correct"],
                "total": s["total"],
                "errors": s["errors"],
                **({"inference_errors": inference_errors[c]} if c in inference_errors else {}),
            }
            for c, s in scored["categories"].items()
        },
        **scored["leaderboard"],
        "not_run": not_run or {},
        "score_csv": str(out / "score" / "data_overall.csv"),
        "timing": {
            "seconds": round(seconds, 2),
            "requests": counting.requests,
            "requests_per_s": round(counting.requests / seconds, 2) if seconds else None,
            "concurrency": concurrency,
        },
    }
    (out / "scores.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary


def _infer(category, model, folder: Path, fc: bool, limit, concurrency: int, progress) -> int:
    """Answer the category's entries not yet answered into ``folder/result.jsonl``; failed inferences."""
    entries, _ = load(category, limit)
    folder.mkdir(parents=True, exist_ok=True)
    results_path = folder / "result.jsonl"
    done = {r["id"] for r in recover_jsonl(results_path) if not r.get("error")}  # a failed inference is retried
    todo = [e for e in entries if e["id"] not in done]
    sink = JsonlAppender()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        finished = len(done)
        for item in pool.map(lambda e: _run_or_record(category, e, model, fc), todo):
            sink.append(results_path, asdict(item))
            finished += 1
            if progress:
                progress(category, finished, len(entries))
    # keep only this run's ids, in entry order; the newest row of an id wins
    rows = {r["id"]: r for r in read_jsonl(results_path)}
    write_jsonl(results_path, [rows[e["id"]] for e in entries if e["id"] in rows])
    failed = [rows[e["id"]]["error"] for e in entries if rows.get(e["id"], {}).get("error")]
    if entries and len(failed) == len(entries):
        raise MagnetGraphError(f"eval bfcl {category}: every entry failed at inference; first: {failed[0]}")
    return len(failed)


def _run_or_record(category: str, entry: dict[str, Any], model: ChatModel, fc: bool) -> EntryResult | SingleResult:
    """The entry's result, or, when inference fails (a refused or truncated reply, a dead environment),
    an empty one that the checker fails, as BFCL scores an entry whose inference errored."""
    try:
        if is_multi_turn(category):
            return run_entry(entry, model, long_context=category.endswith("long_context"), fc=fc)
        return run_single(entry, model, fc)
    except Exception as exc:  # noqa: BLE001 - one entry's failure is that entry's score, not the run's
        reason = str(exc) if isinstance(exc, MagnetGraphError) else f"{type(exc).__name__}: {exc}"
        if is_multi_turn(category):
            return EntryResult(entry["id"], [], True, 0, [], error=redact(reason))
        return SingleResult(entry["id"], "", error=redact(reason))


def _claim(out: Path, model: ChatModel, fc: bool) -> None:
    """Results in ``out`` belong to one model and settings: a rerun with others is refused, not mixed in."""
    out.mkdir(parents=True, exist_ok=True)
    owner = {
        "model": model.name,
        "endpoint": getattr(model, "base_url", None),
        "bfcl_eval": bfcl_version(),
        "max_tokens": getattr(model, "max_tokens", None),
        "mode": "fc" if fc else "prompt",
    }
    path = out / "eval.json"
    if path.exists():
        found = json.loads(path.read_text())
        if found != owner:
            raise MagnetGraphError(
                f"{out}: holds results of {found.get('model')} ({found}); choose another --out for {model.name}"
            )
    else:
        path.write_text(json.dumps(owner, sort_keys=True) + "\n")
