"""The typed record: one shape from translation to export, read back from any version this
magnet-graph knows, rejected with one line naming file, line and field when it is not a record.

tests/fixtures/records_v1.jsonl holds five records exactly as magnet-graph 0.1.0 wrote them (from
`make demo`: a plain walk, a miss_param and a miss_func split, an irrelevance and a parallel sample);
records_v1_sft.jsonl is what 0.1.0 exported from them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from magnet_graph.records import (
    SCHEMA_VERSION,
    Missing,
    Record,
    RecordError,
    ToolCall,
    Turn,
    metrics,
    read_records,
    sft_row,
    write_jsonl,
)
from magnet_graph.records.schema import record_schema

from .conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]


def v1_rows() -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / "records_v1.jsonl").read_text().splitlines()]


def run_with(tmp_path: Path, rows: list) -> Path:
    write_jsonl(tmp_path / "trajectories.jsonl", rows)
    return tmp_path


def test_records_written_by_0_1_0_read_and_export_as_they_did(tmp_path):
    records = read_records(run_with(tmp_path, v1_rows()))
    assert [r.schema_version for r in records] == [SCHEMA_VERSION] * 5
    split = next(r for r in records if any(t.missing and t.missing.kind == "miss_param" for t in r.turns))
    turn = next(t for t in split.turns if t.missing)
    assert turn.missing == Missing("miss_param", turn.missing.function, turn.missing.param) and turn.reply == "ask"
    assert all(isinstance(ops, tuple) and ops for r in records for ops in r.lineage.ops)
    assert {"walk", "split"} <= {op for r in records for t in r.turns for op in t.ops}
    exported = [json.loads(line) for line in (FIXTURES / "records_v1_sft.jsonl").read_text().splitlines()]
    assert [sft_row(r) for r in records] == exported


def test_a_record_round_trips_through_its_json_line(tmp_path):
    for record in read_records(run_with(tmp_path, v1_rows())):
        line = json.dumps(record.to_dict(), sort_keys=True)
        assert Record.from_dict(json.loads(line)) == record and json.loads(line)["schema_version"] == SCHEMA_VERSION


def test_the_shipped_json_schema_is_generated_from_the_classes_and_holds_for_records(tmp_path):
    schema = record_schema()
    assert json.loads((ROOT / "docs" / "record.schema.json").read_text()) == schema, (
        "docs/record.schema.json is stale: python -m magnet_graph.records.schema > docs/record.schema.json"
    )
    validator = jsonschema.Draft202012Validator(schema)
    validator.check_schema(schema)
    records = read_records(run_with(tmp_path, v1_rows()))
    for record in records:
        assert not list(validator.iter_errors(record.to_dict()))
    broken = records[0].to_dict()
    broken["turns"][0]["reply"] = "shout"
    assert list(validator.iter_errors(broken))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda r: r.update(schema_version=7), "written with record schema_version 7 by a newer magnet-graph"),
        (lambda r: r.update(schema_version="2"), "schema_version '2' is not a version number"),
        (lambda r: r["turns"][0].update(op=None), "not a readable version-1 (magnet-graph 0.1.0) record"),
        (lambda r: r["lineage"].pop("seed"), "record.lineage: missing field 'seed'"),
        (lambda r: r["messages"][0].update(role="robot"), "record.messages[0].role: 'robot' is not one of"),
        (lambda r: r.update(colour="blue"), "record: unknown field 'colour'"),
    ],
)
def test_an_unreadable_record_is_one_line_naming_file_line_and_field(tmp_path, change, message):
    rows = v1_rows()
    change(rows[1])
    with pytest.raises(RecordError) as raised:
        read_records(run_with(tmp_path, rows))
    text = str(raised.value)
    assert text.startswith(f"{tmp_path / 'trajectories.jsonl'}:2: ") and message in text and "\n" not in text


def test_v2_fields_are_typed_all_the_way_down(tmp_path):
    record = read_records(run_with(tmp_path, v1_rows()))[0]
    call = record.turns[0].calls[0][0]
    assert isinstance(call, ToolCall) and isinstance(record.turns[0], Turn)
    assert record.messages[1].calls[0] == call  # the positive's first call is the reference's first call
    assert record.steps == tuple(step for t in record.turns for step in t.calls)


def test_phenomena_are_counted_per_record_and_per_turn():
    nested = Turn(0, ("walk", "insert"), "q", ((ToolCall("a"),), (ToolCall("b"),)))
    merged_parallel = Turn(1, ("walk", "merge"), "q", ((ToolCall("a"), ToolCall("a", {"x": 1})),))
    asked = Turn(2, ("split",), "q", reply="ask", missing=Missing("miss_param", "b", "x"))
    record = Record.from_dict(v1_rows()[0])
    one = dataclasses.replace(record, turns=(nested, merged_parallel, asked))
    two = dataclasses.replace(record, turns=(nested, nested))
    counted = metrics.phenomena([one, two])
    assert counted["records"]["nested"] == 2 and counted["turns"]["nested"] == 3
    assert counted["records"]["merge"] == counted["turns"]["merge"] == 1
    assert counted["turns"]["parallel"] == 1 and counted["turns"]["miss_param"] == 1
    assert counted["records"]["long_dependency"] == 0
    assert metrics.lengths([one, two])["turns_per_multi_turn"]["histogram"] == {"2": 1, "3": 1}
