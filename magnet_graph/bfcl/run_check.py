"""A finished run's BFCL files (``OUT/bfcl/``) and BFCL's checker's verdict on them.

For every multi-turn record built on BFCL's classes: the test-entry form, the ground truth, the
positive's result and each negative's result; then ``checker`` scores positives (should be accepted)
and negatives (should be rejected) in a child process.
"""

from __future__ import annotations

from pathlib import Path

from ..integrations import RunCheck
from ..records import Record, write_jsonl
from ..signature import FunctionSignature
from . import format as bfcl_format
from .checker import check_directory

FOLDER = "bfcl"


def check_run(out: Path, records: list[Record], signatures: dict[str, FunctionSignature]) -> RunCheck | None:
    chosen = [r for r in records if bfcl_format.is_bfcl(r, signatures)]
    if not chosen:
        return None
    root = Path(out) / FOLDER
    root.mkdir(exist_ok=True)
    write_jsonl(root / "entries.jsonl", [bfcl_format.entry(r, signatures) for r in chosen])
    write_jsonl(root / "ground_truth.jsonl", [bfcl_format.ground_truth(r, signatures) for r in chosen])
    write_jsonl(
        root / "positive_result.jsonl",
        [{"id": bfcl_format.entry_id(r), "result": bfcl_format.result(r, r.messages, signatures)} for r in chosen],
    )
    write_jsonl(
        root / "negative_result.jsonl",
        [
            {
                "id": bfcl_format.entry_id(r),
                "negative": k,
                "error_type": n.error_type,
                "result": bfcl_format.negative_result(r, n, signatures),
            }
            for r in chosen
            for k, n in enumerate(r.negatives)
        ],
    )
    checked = check_directory(root)
    if "error" in checked:
        return RunCheck(error=checked["error"], details={"entries": len(chosen)})
    for kind in ("positive", "negative"):
        checked[kind].pop("verdicts", None)  # per-entry detail: the checker's concern, not the report's
    positive, negative = checked["positive"], checked["negative"]
    return RunCheck(
        positives=positive["checked"],
        positives_accepted=positive["accepted"],
        negatives=negative["checked"],
        negatives_rejected=negative["rejected"],
        details={"entries": len(chosen), **checked},
    )
