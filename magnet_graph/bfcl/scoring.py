"""Score ``eval bfcl`` results with BFCL's own runners, in a child process, into BFCL's score files.

``python -m magnet_graph.bfcl.scoring SPEC.json`` reads each category's ``result.jsonl`` and calls
bfcl-eval's ``ast_file_runner``, ``relevance_file_runner`` or ``multi_turn_runner`` (the functions
``bfcl evaluate`` calls), which write ``score/<registry>/<group>/BFCL_v4_<category>_score.json``;
then BFCL's ``generate_leaderboard_csv`` writes its ``data_*.csv`` files from every score file in
``score/``. It prints one JSON object: per category the score file's header and its error types.

A child process because BFCL's multi-turn checker keeps tool instances in module globals and runs
``eval`` on call strings. Those strings come only from calls that named a tool of the entry with
identifier argument names and JSON values (``multi_turn.run_entry``), never from model text as is.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import tempfile
import types
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError
from ..records import read_jsonl
from .checker import ChildFailed, run_child

REGISTRY = "magnet-graph"  # the model's name in BFCL's score folder; no "_" (BFCL reads "_" as "/")


def score(out: Path, categories: tuple[str, ...], *, display_name: str, fc: bool, timeout: float = 1800) -> dict:
    """Score ``categories`` of the results in ``out`` (child process); per category its header and errors."""
    spec = {"out": str(Path(out).resolve()), "categories": list(categories), "display_name": display_name, "fc": fc}
    with tempfile.TemporaryDirectory() as root:
        spec_path = Path(root) / "spec.json"
        spec_path.write_text(json.dumps(spec))
        try:
            return run_child(__name__, str(spec_path), timeout=timeout)
        except ChildFailed as exc:
            raise MagnetGraphError(f"{out}: BFCL's scoring failed: {exc}") from None


def _load_vendor_handlers() -> None:
    """Make BFCL's model registry importable without the vendor SDKs.

    ``bfcl_eval.constants.model_config`` imports every vendor's handler, and some of those import a
    vendor SDK (anthropic, cohere, google-genai, ...) that bfcl-eval's ``--no-deps`` install leaves
    out. The checkers only read the registry's flags. A handler module whose SDK is missing becomes a
    module whose classes refuse to be built, saying why."""
    for package in ("bfcl_eval.model_handler.api_inference", "bfcl_eval.model_handler.local_inference"):
        for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
            name = f"{package}.{info.name}"
            try:
                importlib.import_module(name)
            except ImportError as exc:
                sys.modules[name] = _unavailable(name, str(exc))


def _unavailable(name: str, reason: str) -> types.ModuleType:
    module = types.ModuleType(name)

    def attribute(attr: str) -> type:
        def refuse(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError(f"{name}.{attr} is not available: {reason}")

        return type(attr, (), {"__init__": refuse})

    module.__getattr__ = attribute  # type: ignore[method-assign]
    return module


def _register(display_name: str, fc: bool) -> None:
    """Our model in BFCL's registry: the checker asks it whether dots in names were replaced (they
    were in function-calling mode, as for every OpenAI-style model), the leaderboard for its name."""
    from bfcl_eval.constants.model_config import MODEL_CONFIG_MAPPING, ModelConfig

    MODEL_CONFIG_MAPPING[REGISTRY] = ModelConfig(
        model_name=display_name,
        display_name=display_name,
        url="",
        org="",
        license="",
        model_handler=None,
        is_fc_model=fc,
        underscore_to_dot=fc,
    )


def _handler(fc: bool):
    """BFCL's own OpenAI-completions decoding: JSON arguments (FC) or BFCL's AST parser (prompt)."""
    from bfcl_eval.model_handler.api_inference.openai_completion import OpenAICompletionsHandler
    from bfcl_eval.model_handler.base_handler import BaseHandler

    class Decoder(BaseHandler):
        decode_ast = OpenAICompletionsHandler.decode_ast
        decode_execute = OpenAICompletionsHandler.decode_execute

    return Decoder(REGISTRY, 0.0, REGISTRY, fc)


def _score_category(category: str, out: Path, score_dir: Path, fc: bool) -> None:
    from bfcl_eval.eval_checker.eval_runner import ast_file_runner, multi_turn_runner, relevance_file_runner

    from .categories import is_multi_turn, is_relevance, load

    rows = {r["id"]: r for r in read_jsonl(out / category / "result.jsonl")}
    entries, truths = load(category, hints=False)
    prompt = [e for e in entries if e["id"] in rows]
    results = [{"id": e["id"], "result": rows[e["id"]]["result"]} for e in prompt]
    answers = [{"id": e["id"], "ground_truth": truths.get(e["id"])} for e in prompt]
    if is_multi_turn(category):  # the steps are kept as function-calling output in either mode
        multi_turn_runner(_handler(True), results, prompt, answers, REGISTRY, category, score_dir)
    elif is_relevance(category):
        relevance_file_runner(_handler(fc), results, prompt, REGISTRY, category, score_dir)
    else:
        ast_file_runner(_handler(fc), results, prompt, answers, category, REGISTRY, score_dir)


def _read_score_file(path: Path) -> dict[str, Any]:
    """A BFCL score file: its header's figures and the error type of each failed entry."""
    header, *failed = read_jsonl(path)
    return {
        "accuracy": header["accuracy"],
        "correct": header["correct_count"],
        "total": header["total_count"],
        "errors": dict(sorted(Counter(_error_type(f) for f in failed).items())),
        "verdicts": {f["id"]: _error_type(f) for f in failed},
    }


def _error_type(failed: dict[str, Any]) -> str:
    error = failed.get("error")
    if isinstance(error, dict):  # multi-turn
        return error.get("error_type", "unknown")
    return failed.get("error_type", "unknown")


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    out = Path(spec["out"])
    score_dir = out / "score"
    _load_vendor_handlers()
    _register(spec["display_name"], spec["fc"])
    for category in spec["categories"]:
        _score_category(category, out, score_dir, spec["fc"])
    from bfcl_eval.eval_checker.eval_runner_helper import (
        generate_leaderboard_csv,
        update_leaderboard_table_with_local_score_file,
    )
    from bfcl_eval.utils import extract_test_category

    from .leaderboard import sections

    table: dict[str, Any] = {}
    update_leaderboard_table_with_local_score_file(table, score_dir)
    generate_leaderboard_csv(table, score_dir)
    files = sorted((score_dir / REGISTRY).rglob("*_score.json"))
    scored = {extract_test_category(path): _read_score_file(path) for path in files}
    summary = {"categories": scored, "leaderboard": sections(table.get(REGISTRY, {}))}
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
