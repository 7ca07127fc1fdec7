"""BFCL's section and overall figures from per-category scores, with BFCL's own accuracy helpers.

The grouping and weights are those of ``generate_leaderboard_csv`` in bfcl-eval 2026.3.23 (a test
holds the two equal on the same score files): non-live is the unweighted mean of simple (itself the
mean of Python, Java and JavaScript), multiple, parallel and parallel-multiple; live is the mean of
its four AST categories weighted by entry count; irrelevance the mean of the non-live and live
irrelevance categories; multi-turn the mean of its four; agentic the mean of web search and memory.
Overall weighs them 10/10/10/30/40. A category not scored counts 0, as in BFCL, so without the
agentic categories (never run here) the overall is at most 0.6; ``overall_without_agentic`` is
the same weighting over the other four sections, our figure and not BFCL's.
"""

from __future__ import annotations

import copy
from typing import Any

SECTION_WEIGHTS = {"non_live": 10, "live": 10, "irrelevance": 10, "multi_turn": 30, "agentic": 40}


def sections(table: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``table``: category -> BFCL score header (accuracy, total_count). Section accuracies (None
    where none of a section's categories was scored), BFCL's overall, and ours without agentic."""
    from bfcl_eval.eval_checker.eval_runner_helper import (
        calculate_percentage_weighted_accuracy,
        calculate_unweighted_accuracy,
        calculate_weighted_accuracy,
        get_category_score,
    )

    def score(category: str) -> dict[str, Any]:
        return get_category_score(copy.deepcopy(table), category)

    def mean(*parts: dict[str, Any]) -> dict[str, Any]:
        return calculate_unweighted_accuracy(list(parts), display_na_if_category_missing=False)

    simple = calculate_unweighted_accuracy([score(c) for c in ("simple_python", "simple_java", "simple_javascript")])
    computed = {
        "non_live": mean(simple, score("multiple"), score("parallel"), score("parallel_multiple")),
        "live": calculate_weighted_accuracy(
            [score(c) for c in ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")],
            display_na_if_category_missing=False,
        ),
        "irrelevance": calculate_unweighted_accuracy([score("irrelevance"), score("live_irrelevance")]),
        "multi_turn": mean(*(score(f"multi_turn_{c}") for c in ("base", "miss_func", "miss_param", "long_context"))),
        "agentic": mean(
            calculate_unweighted_accuracy([score("web_search_base"), score("web_search_no_snippet")]),
            calculate_unweighted_accuracy([score(f"memory_{b}") for b in ("kv", "vector", "rec_sum")]),
        ),
    }
    members = {
        "non_live": ("simple_python", "simple_java", "simple_javascript", "multiple", "parallel", "parallel_multiple"),
        "live": ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple"),
        "irrelevance": ("irrelevance", "live_irrelevance"),
        "multi_turn": tuple(f"multi_turn_{c}" for c in ("base", "miss_func", "miss_param", "long_context")),
        "agentic": (),
    }
    overall = calculate_percentage_weighted_accuracy(
        list(computed.values()), list(SECTION_WEIGHTS.values()), display_na_if_category_missing=False
    )
    without = calculate_percentage_weighted_accuracy(
        [computed[s] for s in SECTION_WEIGHTS if s != "agentic"],
        [w for s, w in SECTION_WEIGHTS.items() if s != "agentic"],
        display_na_if_category_missing=False,
    )
    return {
        "sections": {
            name: round(value["accuracy"], 6) if any(c in table for c in members[name]) else None
            for name, value in computed.items()
        },
        "relevance": round(table["live_relevance"]["accuracy"], 6) if "live_relevance" in table else None,
        "overall": round(overall["accuracy"], 6),
        "overall_without_agentic": round(without["accuracy"], 6),
    }
