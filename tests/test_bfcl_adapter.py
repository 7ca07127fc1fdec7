"""BFCL is one integration: registered as an entry point, found by the core without the core naming
it, and what it writes for a record is what 0.1.0 wrote (tests/fixtures/records_v1.jsonl)."""

from __future__ import annotations

import json

from magnet_graph.bfcl import BfclIntegration
from magnet_graph.bfcl.backend import BfclClassBackend
from magnet_graph.bfcl.format import entry
from magnet_graph.bfcl.multi_turn import ADDED_FUNCTIONS_MESSAGE
from magnet_graph.catalogs import load_catalog, source_help
from magnet_graph.environments import initial_state
from magnet_graph.integrations import class_backend, installed
from magnet_graph.records import Record
from magnet_graph.synthesis.translate import TOOLS_ADDED_MESSAGE

from .conftest import FIXTURES


def test_the_core_finds_bfcl_through_its_entry_point():
    (bfcl,) = [i for i in installed() if i.name == "bfcl"]
    assert isinstance(bfcl, BfclIntegration) and isinstance(class_backend("bfcl"), BfclClassBackend)
    assert class_backend("no-such-kind") is None
    assert "bfcl | bfcl:ClassName" in source_help()
    math = load_catalog("bfcl:MathAPI")
    assert {s.execution["kind"] for s in math} == {"bfcl"} and len(math) == 17
    # MathAPI is stateless (no state drawn); a stateful class gets a generated one
    assert initial_state(math, 3) == {"MathAPI": {}}
    assert set(initial_state(load_catalog("bfcl:TicketAPI"), 3)["TicketAPI"]) >= {"ticket_queue"}


def test_bfcls_own_words_for_functions_coming_back():
    from bfcl_eval.constants.default_prompts import DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC

    assert ADDED_FUNCTIONS_MESSAGE == TOOLS_ADDED_MESSAGE == DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC


def test_entries_leave_the_question_of_a_miss_func_follow_up_empty_as_0_1_0_did():
    rows = [json.loads(line) for line in (FIXTURES / "records_v1.jsonl").read_text().splitlines()]
    row = next(r for r in rows if any(t["added"] for t in r["turns"]))
    signatures = {s.name: s for s in load_catalog("bfcl")}
    made = entry(Record.from_dict(row), signatures)
    assert [q != [] for q in made["question"]] == [t["bfcl_question"] for t in row["turns"]]  # 0.1.0's own flag
    added_turn = next(k for k, t in enumerate(row["turns"]) if t["added"])
    assert made["missed_function"] == {
        str(added_turn): [signatures[n].execution["method"] for n in row["turns"][added_turn]["added"]]
    }


def test_a_tool_kind_no_integration_runs_is_an_error_not_a_simulation():
    import dataclasses

    import pytest

    from magnet_graph.environments import open_environment
    from magnet_graph.errors import MagnetGraphError

    orphan = dataclasses.replace(load_catalog("bfcl:MathAPI")[0], execution={"kind": "gone", "method": "add"})
    with pytest.raises(MagnetGraphError, match="no integration runs tools of execution kind 'gone'"):
        open_environment([orphan])
