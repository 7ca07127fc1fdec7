"""The BFCL adapter: everything magnet-graph knows about the Berkeley Function Calling Leaderboard.

BFCL is one integration (registered as the entry point ``magnet_graph.integrations: bfcl``); the
core never names it. What it adds:

- catalogs ``bfcl`` (the 8 core multi-turn classes) and ``bfcl:ClassName``, read from the pinned
  ``bfcl-eval`` package (``catalog``);
- execution of those classes as BFCL's executor runs them, with generated starting states that never
  copy a test entry (``backend``, ``states``);
- for a synthesize run, BFCL's test-entry, ground-truth and result files and BFCL's own checker's
  verdict on positives and negatives (``format``, ``checker``, ``run_check``);
- the contamination guard against BFCL's multi-turn test entries (``contamination``);
- ``magnet-graph eval bfcl``: a model on BFCL's categories (``categories``) with BFCL's protocol
  (``single_turn``, ``multi_turn``), BFCL's own runners and checkers (``scoring``) and its overall
  figure (``leaderboard``), run by ``evaluate``; ``eval compare`` puts results side by side (``compare``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..integrations import Contamination, Integration, RunCheck
from ..records import Record
from ..signature import FunctionSignature
from .backend import KIND, BfclClassBackend


class BfclIntegration(Integration):
    name = "bfcl"
    source_help = "bfcl | bfcl:ClassName"
    packages = ("bfcl-eval",)
    class_backends = {KIND: BfclClassBackend()}

    def load_catalog(self, source: str) -> list[FunctionSignature] | None:
        if source != "bfcl" and not source.startswith("bfcl:"):
            return None
        from .catalog import load_bfcl

        return load_bfcl(source)

    def check_run(self, out: Path, records: list[Record], signatures: dict[str, FunctionSignature]) -> RunCheck | None:
        from .run_check import check_run

        return check_run(out, records, signatures)

    def check_contamination(self, records: list[Record]) -> Contamination | None:
        """Against BFCL's multi-turn test entries; None where bfcl-eval (an optional install) is missing."""
        if importlib.util.find_spec("bfcl_eval") is None:
            return None
        from .contamination import check_records

        return check_records(records)


integration = BfclIntegration()

__all__ = ["BfclIntegration", "integration"]
