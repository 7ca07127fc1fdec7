"""Exports from one typed record to SFT, per-turn DPO, mDPO and ShareGPT rows."""

from __future__ import annotations

import copy
import json

import pytest

from magnet_graph.catalogs import load_catalog
from magnet_graph.errors import MagnetGraphError
from magnet_graph.records import Lineage, Message, Negative, Record, ToolSpec, dpo_row, mdpo_row, sft_row, sharegpt_row

from .conftest import FIXTURES


def call(i: str, name: str, **arguments):
    return {"id": i, "type": "function", "function": {"name": name, "arguments": arguments}}


def make_record():
    tools = [ToolSpec.of(s) for s in load_catalog(str(FIXTURES / "openai_tools.json"))]
    messages = [
        {"role": "system", "content": "You are a travel assistant."},
        {"role": "user", "content": "Find flights from SFO to JFK on 1 December."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [call("c0", "search_flights", origin="SFO", destination="JFK", date="2026-12-01")],
        },
        {"role": "tool", "tool_call_id": "c0", "name": "search_flights", "content": '{"flight_ids": ["UA1", "DL2"]}'},
        {"role": "assistant", "content": "UA1 and DL2 fly that day."},
        {"role": "user", "content": "Book the first one for Ada Lovelace, and check the weather there."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                call("c1", "book_flight", flight_id="UA1", passenger="Ada Lovelace"),
                call("c2", "get_weather", city="New York"),
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "name": "book_flight", "content": '{"booking_id": "B7"}'},
        {"role": "tool", "tool_call_id": "c2", "name": "get_weather", "content": '{"temp": 3}'},
        {"role": "assistant", "content": "Booked (B7); it is 3 degrees in New York."},
    ]
    rejected = copy.deepcopy(messages[:6]) + [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {
                        "name": "book_flight",
                        "arguments": '{"flight_id": "DL2", "passenger": "Ada Lovelace"}',
                    },
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "name": "book_flight", "content": '{"booking_id": "B8"}'},
        {"role": "assistant", "content": "Booked (B8)."},
    ]
    lineage = Lineage("p1", "", 0, "", (), (), "test", None, {}, "simulated", ())
    record = Record(
        "r1", "multi_turn", tuple(tools), tuple(Message.from_dict(m) for m in messages), (), (), {}, lineage
    )
    negative = Negative(tuple(Message.from_dict(m) for m in rejected), "wrong_argument", "graph", 6, 1)
    return record, negative, messages


def with_negative(record: Record, messages: list[dict]) -> Negative:
    return Negative(tuple(Message.from_dict(m) for m in messages), "wrong_argument", "graph", 0, 0)


def test_sft_rows_keep_dict_arguments_and_tools_as_a_json_string():
    record, _, messages = make_record()
    row = sft_row(record)
    assert set(row) == {"messages", "tools"} and json.loads(row["tools"]) == [t.to_dict() for t in record.tools]
    calls = [c for m in row["messages"] for c in m.get("tool_calls") or []]
    assert [c["function"]["arguments"] for c in calls][1] == {"flight_id": "UA1", "passenger": "Ada Lovelace"}
    assert all(isinstance(c["function"]["arguments"], dict) for c in calls)
    assert "null" not in json.dumps([c["function"]["arguments"] for c in calls])
    assert row["messages"] == messages  # the chat format round-trips exactly


def test_dpo_pairs_share_a_byte_identical_prefix_and_end_at_the_divergence():
    record, negative, messages = make_record()
    row = dpo_row(record, negative)
    assert json.dumps(row["prompt"]) == json.dumps(messages[:6])
    assert row["chosen"] == [messages[6]] and row["id"] == "r1"
    assert row["rejected"][0]["tool_calls"][0]["function"]["arguments"] == {
        "flight_id": "DL2",
        "passenger": "Ada Lovelace",
    }
    assert row["error_type"] == "wrong_argument"


def test_mdpo_rows_mask_assistant_turns_only():
    record, negative, _ = make_record()
    row = mdpo_row(record, negative)
    assert row["diverge_at"] == 6
    for side in ("chosen", "rejected"):
        assert row[f"{side}_assistant_mask"] == [m["role"] == "assistant" for m in row[side]]
        assert len(row[f"{side}_turns"]) == len(row[side])
    assert row["chosen_turns"] == [-1, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert sum(row["chosen_assistant_mask"]) == 4 and sum(row["rejected_assistant_mask"]) == 4


def test_sharegpt_rows_alternate_calls_and_observations():
    row = sharegpt_row(make_record()[0])
    assert row["system"] == "You are a travel assistant."
    assert [t["from"] for t in row["conversations"]] == [
        "human",
        "function_call",
        "observation",
        "gpt",
        "human",
        "function_call",
        "observation",
        "gpt",
    ]
    parallel = json.loads(row["conversations"][5]["value"])
    assert [c["name"] for c in parallel] == ["book_flight", "get_weather"]
    assert json.loads(row["conversations"][6]["value"]) == ['{"booking_id": "B7"}', '{"temp": 3}']


def test_pairs_must_diverge_at_an_assistant_message():
    record, _, messages = make_record()
    with pytest.raises(MagnetGraphError, match="do not diverge"):
        dpo_row(record, with_negative(record, messages))
    user_diff = copy.deepcopy(messages)
    user_diff[1]["content"] = "something else"
    with pytest.raises(MagnetGraphError, match="message 1, which is not an assistant message"):
        mdpo_row(record, with_negative(record, user_diff))
