"""Catalogs that break naive JSON handling: NaN and Infinity in schemas and tool answers, a number
too long to read, a device instead of a file. Each is read with a note or refused with one line
naming the file; nothing non-standard reaches a written file."""

from __future__ import annotations

import pytest

from magnet_graph.catalogs import load_catalog
from magnet_graph.environments import open_environment
from magnet_graph.execution import Executor
from tests.helpers import cli, rows
from tests.hostile.corpus import CATALOGS, check_strict_json

SENSORS = "python:tests.hostile.catalogs.nan_tools:Sensors"


def test_nan_and_infinity_in_a_schema_are_left_out_with_a_note():
    sigs = {s.name: s for s in load_catalog(str(CATALOGS / "nan_schema.json"))}
    threshold = sigs["set_threshold"]
    assert threshold.parameters["properties"]["threshold"] == {"type": "number", "description": "Alert level."}
    assert threshold.parameters["properties"]["mode"]["enum"] == [1, 2]
    assert sorted(n.split(":")[0] for n in threshold.notes) == [
        "parameters.properties.mode.enum[1]",
        "parameters.properties.threshold.default",
        "parameters.properties.threshold.maximum",
    ]
    assert sigs["get_threshold"].notes == ()


@pytest.mark.parametrize(
    "source, message",
    [
        (str(CATALOGS / "huge_int.json"), "huge_int.json: invalid JSON: an integer of more than 4300 digits"),
        ("/dev/zero", "catalog rejected: /dev/zero: not a regular file"),
        ("python:tests.hostile.catalogs.greedy_tools:Greedy", "error: ran out of memory in `magnet-graph load`"),
    ],
)
def test_an_unreadable_catalog_is_one_line_naming_the_file(source, message):
    done = cli("load", source, "--store", "bolt://127.0.0.1:1", check=False, timeout=60)
    assert done.returncode == 1 and message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_toolkit_answering_nan_writes_only_standard_json(small_store, tmp_path):
    out = tmp_path / "run"
    done = cli("synthesize", "--catalog", SENSORS, "-n", "6", "--seed", "2", "--out", str(out),
               "--store", small_store, "--graph", "nan", check=False)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    records = rows(out / "trajectories.jsonl")
    assert records, done.stderr
    assert check_strict_json(out) >= 8  # every .json and .jsonl file of the run, nested JSON strings too
    said = "".join(m.get("content") or "" for r in records for m in r["messages"] if m["role"] == "tool")
    assert "Infinity" in said or "NaN" in said  # what the failed sensors read is kept, as text


def test_the_executor_refuses_arguments_that_are_not_finite_numbers():
    env = open_environment(load_catalog(SENSORS))
    ex = Executor(env)
    try:
        env.reset()
        for call in ("read_sensor(sensor_id='s-1', scale=1e999)", "read_sensor(sensor_id='s-1', scale=-1e999)"):
            obs = ex.execute(call)
            assert not obs.ok and obs.error == "invalid arguments: scale: not a finite number", (call, obs)
        for arguments in ('{"sensor_id": "s-1", "scale": NaN}', {"sensor_id": "s-1", "scale": float("inf")}):
            obs = ex.execute({"name": "read_sensor", "arguments": arguments})
            assert not obs.ok and obs.error == "invalid arguments: scale: not a finite number", (arguments, obs)
        bfcl_style = ex.execute("read_sensor(sensor_id='s-1', scale=inf)")  # a name, not a value
        assert not bfcl_style.ok and "names are not allowed" in bfcl_style.error
        fine = ex.execute("read_sensor(sensor_id='s-2', scale=2.0)")  # the tool's own Infinity comes back as text
        assert fine.ok and fine.output == {"sensor_id": "s-2", "value": "Infinity"}
    finally:
        env.close()
