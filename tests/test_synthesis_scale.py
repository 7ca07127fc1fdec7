"""Synthesis over a several-MB database: tau2-bench's telecom tools, grown by their state factory."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from tests import helpers
from tests.fixtures.tau2_telecom.scaled import ScaledTelecomTools

pytestmark = pytest.mark.slow  # a 20-walk synthesize run over 3.4 MB states

CATALOG = "python:tests.fixtures.tau2_telecom.scaled:ScaledTelecomTools"


def test_twenty_walks_over_a_several_megabyte_database(tmp_path):
    """Every state is a 3.4 MB TelecomDB (each trajectory its own, drawn by the class's
    magnet_state): at least 80% of the paths become conversations, every reference call ran,
    and no call passed an empty list or record where the tool takes one."""
    assert len(json.dumps(ScaledTelecomTools.magnet_state(random.Random(0)))) > 3_000_000
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    store = f"embedded://{tmp_path / 'store'}"
    try:
        done = helpers.cli(
            "synthesize", "--catalog", CATALOG, "-n", "20", "--seed", "0", "--out", str(tmp_path / "run"),
            "--store", store, env=env, check=False, timeout=1500,
        )  # fmt: skip
    finally:
        helpers.cli("store", "stop", "--store", store, env=env, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    counts, executed = report["counts"], report["executability"]
    assert counts["records"] >= 0.8 * counts["paths"], counts  # measured 96 of 97
    assert executed["executed_ok"] == executed["reference_calls"] > 100, executed
    assert report["lengths"]["turns_per_multi_turn"]["mean"] >= 4, report["lengths"]
    for line in (tmp_path / "run" / "trajectories.jsonl").read_text().splitlines():
        record = json.loads(line)
        required = {t["function"]["name"]: t["function"]["parameters"].get("required", []) for t in record["tools"]}
        for turn in record["turns"]:
            for call in (c for step in turn["calls"] for c in step):
                for param in required.get(call["name"], []):
                    assert call["arguments"].get(param) not in ([], {}), (call, param)
