"""Every ground-truth call of BFCL's multi-turn answer files runs through our executor with the same
output as BFCL's own executor, and leaves the same state. The data stays in the bfcl-eval package."""

from __future__ import annotations

import ast
import json
import os
import re
from importlib.util import find_spec
from pathlib import Path

import pytest

os.environ.setdefault("BFCL_PROJECT_ROOT", str(Path(__file__).parent / ".bfcl-root"))

from magnet_graph.catalogs import load_catalog  # noqa: E402
from magnet_graph.environments import open_environment  # noqa: E402
from magnet_graph.environments.toolkit import jsonable  # noqa: E402
from magnet_graph.execution import Executor  # noqa: E402

pytestmark = pytest.mark.slow  # the whole module: all 4,625 BFCL ground-truth calls replayed

DATA = Path(find_spec("bfcl_eval").submodule_search_locations[0]) / "data"
CATEGORIES = ("base", "miss_func", "miss_param", "long_context")


def entries(category: str):
    tests = [
        json.loads(l) for l in (DATA / f"BFCL_v4_multi_turn_{category}.json").read_text().splitlines() if l.strip()
    ]
    answers = {
        a["id"]: a["ground_truth"]
        for a in (
            json.loads(l)
            for l in (DATA / "possible_answer" / f"BFCL_v4_multi_turn_{category}.json").read_text().splitlines()
            if l.strip()
        )
    }
    return [(t, answers[t["id"]]) for t in tests]


def same_output(observation, reference: str) -> bool:
    """Does our observation equal BFCL's rendering of the result (JSON text, str(), or an error)?"""
    if reference.startswith("Error during execution"):
        return not observation.ok and observation.output is None
    if reference[:1] in "{[":
        try:
            return observation.output == json.loads(reference)
        except json.JSONDecodeError:  # BFCL's str() of a list, or of a dict holding mpmath numbers
            if str(observation.output) == reference:
                return True
            # values JSON cannot hold travel as data: mpf('1.3') as 1.3, the Ellipsis object as its str
            literal = re.sub(r"mpf\('([^']*)'\)", r"\1", reference).replace("Ellipsis", "'Ellipsis'")
            return observation.output == ast.literal_eval(literal)
    return str(observation.output) == reference


@pytest.mark.parametrize("category", CATEGORIES)
def test_ground_truth_calls_match_bfcl_executor(category, tmp_path):
    from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils import execute_multi_turn_func_call

    env = open_environment(load_catalog("bfcl"), timeout=30)
    executor = Executor(env, validate=False)  # replay exactly; BFCL's answers do not always fit its schema
    calls = mismatches = 0
    off_schema = []
    try:
        for test, turns in entries(category):
            long_context = category == "long_context"
            env.reset(test["initial_config"], long_context=long_context)
            flat = [c for turn in turns for c in turn]
            off_schema += [c for c in flat if executor.check(c).startswith("invalid arguments")]
            ours = [executor.execute(c) for c in flat]
            theirs, instances = execute_multi_turn_func_call(
                flat,
                test["initial_config"],
                test["involved_classes"],
                "magnet_graph_check",
                test["id"],
                long_context=long_context,
            )
            for call, mine, reference in zip(flat, ours, theirs):
                calls += 1
                if not same_output(mine, reference):
                    mismatches += 1
                    assert mismatches < 1, f"{test['id']}: {call}: ours {mine} vs BFCL {reference[:300]}"
            ours_state = env.snapshot()
            for name, instance in instances.items():
                if name in ours_state:
                    assert ours_state[name] == json.loads(json.dumps(jsonable(vars(instance)), default=str)), (
                        f"{test['id']}: state of {name} differs"
                    )
    finally:
        env.close()
    assert calls > 1000
    assert len(off_schema) < calls * 0.02, off_schema[:10]  # BFCL's own schema slips, e.g. ticket_id='ticket_001'
    print(f"{category}: {calls} calls identical to BFCL's executor; {len(off_schema)} break BFCL's declared schema")
