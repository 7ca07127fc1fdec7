"""Score a run's BFCL files with bfcl-eval's own multi-turn checker, in a child process.

``python -m magnet_graph.bfcl.checker DIR/bfcl`` prints one JSON object. Acceptance is
``multi_turn_checker`` (state and response checks per turn) and ``multi_turn_irrelevance_checker``
(no call in a turn whose ground truth is empty), both from
``bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker``. The checker keeps tool instances in
module globals keyed by model name and runs ``eval`` on call strings, so it runs in its own process
with a fresh model name per check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from ..records import read_jsonl


def check_directory(bfcl_dir: Path, timeout: float = 600) -> dict[str, Any]:
    """Run the checker on ``bfcl_dir`` in a child process; its JSON summary."""
    try:
        return run_child(__name__, str(Path(bfcl_dir).resolve()), timeout=timeout)
    except ChildFailed as exc:
        return {"error": f"bfcl checker failed: {exc}"}


class ChildFailed(Exception):
    """A BFCL child process exited non-zero; the message is the last line it wrote to stderr."""


def run_child(module: str, *args: str, timeout: float) -> Any:
    """``python -m module args`` with BFCL's project root in a fresh temporary directory (its
    checkers write there and keep tool instances in module globals, so each check gets a process);
    the JSON on the last line of its stdout."""
    with tempfile.TemporaryDirectory() as root:
        env = {**os.environ, "BFCL_PROJECT_ROOT": root}
        command = [sys.executable, "-m", module, *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=root)
    if done.returncode != 0:
        raise ChildFailed((done.stderr.strip().splitlines() or ["no output"])[-1])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _accepts(result, truth, entry, name) -> tuple[bool, str]:
    from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker import (
        multi_turn_checker,
        multi_turn_irrelevance_checker,
    )

    if len(result) != len(truth):  # BFCL: the model was force-terminated (step limit) before the last turn
        return False, "multi_turn:force_terminated"
    try:
        verdict = multi_turn_checker(result, truth, entry, entry["id"].rsplit("_", 1)[0], name)
        if verdict["valid"]:
            verdict = multi_turn_irrelevance_checker(result, truth)
    except Exception as exc:  # noqa: BLE001 - the checker's own crash is a rejection, reported
        return False, f"checker_error:{type(exc).__name__}"
    return verdict["valid"], verdict.get("error_type", "")


def main(bfcl_dir: str) -> None:
    root = Path(bfcl_dir)
    if not (root / "entries.jsonl").exists():
        sys.exit(f"no entries.jsonl in {root}")
    entries = {e["id"]: e for e in read_jsonl(root / "entries.jsonl")}
    truths = {t["id"]: t["ground_truth"] for t in read_jsonl(root / "ground_truth.jsonl")}
    summary: dict[str, Any] = {}
    for kind in ("positive", "negative"):
        rows = read_jsonl(root / f"{kind}_result.jsonl")
        verdicts, reasons, failures, by_id = Counter(), Counter(), [], {}
        for n, row in enumerate(rows):
            ok, reason = _accepts(row["result"], truths[row["id"]], entries[row["id"]], f"magnet_{kind}_{n}")
            verdicts[ok] += 1
            by_id[row["id"]] = "" if ok else reason
            if not ok:
                reasons[reason] += 1
            if ok == (kind == "negative"):
                failures.append({"id": row["id"], "error_type": row.get("error_type", ""), "reason": reason})
        summary[kind] = {
            "checked": len(rows),
            "accepted": verdicts[True],
            "rejected": verdicts[False],
            "reasons": dict(sorted(reasons.items())),
            "unexpected": failures[:20],
            "verdicts": by_id,
        }
        if kind == "negative":
            types = Counter(r.get("error_type", "") for r in rows)
            accepted = Counter(f["error_type"] for f in failures)
            summary[kind]["by_error_type"] = {
                t: {"checked": n, "accepted": accepted[t]} for t, n in sorted(types.items())
            }
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
