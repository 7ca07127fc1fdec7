"""BFCL's test categories: the names users give, the ones ``eval bfcl`` runs, and their data.

Names are BFCL's own (``simple_python``, ``live_multiple``, ``multi_turn_base`` …), read from the
pinned bfcl-eval's ``category_mapping``; BFCL's group names (``all``, ``non_live``, ``live``,
``multi_turn``, ``single_turn``, ``python``, ``non_python``) expand as BFCL expands them, and the
short multi-turn names of earlier releases (``base``, ``miss_func``, ``miss_param``,
``long_context``) still work. The agentic categories are named but not run (``NOT_RUN`` says why).
"""

from __future__ import annotations

from bfcl_eval.constants.category_mapping import (
    AGENTIC_CATEGORY,
    LIVE_CATEGORY,
    MULTI_TURN_CATEGORY,
    NON_LIVE_CATEGORY,
    TEST_COLLECTION_MAPPING,
)

from ..errors import MagnetGraphError

RUNNABLE = tuple(NON_LIVE_CATEGORY + LIVE_CATEGORY + MULTI_TURN_CATEGORY)
SHORT_MULTI_TURN = {c.removeprefix("multi_turn_"): c for c in MULTI_TURN_CATEGORY}
NOT_RUN = {
    **{
        c: "agentic: BFCL scores it against live web search results (DuckDuckGo/SerpAPI), which this "
        "harness does not call"
        for c in AGENTIC_CATEGORY
        if c.startswith("web_search")
    },
    **{
        c: "agentic: BFCL's memory categories replay prerequisite conversations into a memory backend "
        "before each question; this harness does not implement that backend"
        for c in AGENTIC_CATEGORY
        if c.startswith("memory")
    },
}
GROUPS = {name: tuple(members) for name, members in TEST_COLLECTION_MAPPING.items() if name != "all_scoring"}


def is_multi_turn(category: str) -> bool:
    return category in MULTI_TURN_CATEGORY


def is_relevance(category: str) -> bool:
    """Scored on whether any call was made at all (irrelevance: none; relevance: some)."""
    return "relevance" in category


def resolve(names: list[str] | tuple[str, ...]) -> tuple[tuple[str, ...], dict[str, str]]:
    """The categories to run, in BFCL's order, and those asked for that are not run, with the reason.

    An unknown name raises one error that lists every valid name."""
    chosen: set[str] = set()
    skipped: dict[str, str] = {}
    unknown = []
    for name in names:
        name = SHORT_MULTI_TURN.get(name, name)
        members = GROUPS.get(name, (name,))
        for member in members:
            if member in RUNNABLE:
                chosen.add(member)
            elif member in NOT_RUN:
                skipped[member] = NOT_RUN[member]
            elif member == "format_sensitivity":
                skipped[member] = "not a scoring category: BFCL reports it beside the leaderboard"
            else:
                unknown.append(name)
    if unknown:
        valid = ", ".join([*GROUPS, *RUNNABLE, *SHORT_MULTI_TURN])
        raise MagnetGraphError(f"--category {unknown[0]!r}: not a BFCL category or group; valid: {valid}")
    if not chosen:
        raise MagnetGraphError(f"--category {', '.join(names)}: nothing to run ({'; '.join(skipped.values())})")
    return tuple(c for c in RUNNABLE if c in chosen), dict(sorted(skipped.items()))


def load(category: str, limit: int | None = None, *, hints: bool = True) -> tuple[list[dict], dict[str, list]]:
    """A category's test entries (first ``limit``) as BFCL loads them, and their ground truth by id.

    ``hints``: the function docs with BFCL's language hints, as BFCL sends them to a model; the
    checker reads them without (Java and JavaScript types are only right there). Relevance and
    irrelevance categories have no ground truth."""
    from bfcl_eval.utils import load_dataset_entry, load_ground_truth_entry

    if category not in RUNNABLE:
        raise MagnetGraphError(f"--category {category!r}: not one of {', '.join(RUNNABLE)}")
    if is_multi_turn(category):
        from .multi_turn import load_category

        return load_category(category, limit)
    entries = load_dataset_entry(category, include_prereq=False, include_language_specific_hint=hints)[:limit]
    if is_relevance(category):
        return entries, {}
    truths = {t["id"]: t["ground_truth"] for t in load_ground_truth_entry(category)}
    return entries, {e["id"]: truths[e["id"]] for e in entries}
