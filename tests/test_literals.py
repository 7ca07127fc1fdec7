"""The ast literal miner: the values a tool's own code accepts, read from its source, never run."""

from __future__ import annotations

import enum
import importlib
import os
import subprocess
import sys
from typing import Literal

import pytest

from magnet_graph.execution.literals import mine_literals

pytest.importorskip("bfcl_eval")
SOURCES = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code."


def bfcl(module: str, cls: str) -> type:
    return getattr(importlib.import_module(SOURCES + module), cls)


def test_exchange_rate_currencies_come_in_the_pairs_the_code_has_rates_for():
    found = mine_literals(bfcl("travel_booking", "TravelAPI"), "compute_exchange_rate")
    assert {"USD", "EUR", "JPY", "RMB", "MXN"} <= set(found.values["base_currency"])
    assert {"base_currency": "USD", "target_currency": "EUR"} in found.combos
    assert "value" not in found.values  # a number the code only multiplies


def test_flight_routes_are_airport_pairs_from_the_cost_table():
    found = mine_literals(bfcl("travel_booking", "TravelAPI"), "get_flight_cost")
    assert {"SFO", "LAX", "JFK", "BOS"} <= set(found.values["travel_from"])
    assert {"travel_from": "SFO", "travel_to": "LAX"} in found.combos
    assert set(found.values["travel_class"]) == {"economy", "business", "first"}
    assert "travel_date" not in found.values  # the docstring lists classes; it says nothing of dates


def test_units_from_a_dict_a_comprehension_over_it_and_an_f_string_key():
    math = bfcl("math_api", "MathAPI")
    si = mine_literals(math, "si_unit_conversion")
    assert set(si.values["unit_in"]) == set(si.values["unit_out"]) == {"km", "m", "cm", "mm", "um", "nm"}
    imperial = mine_literals(math, "imperial_si_conversion")
    assert {"unit_in": "cm", "unit_out": "in"} in imperial.combos
    assert {"unit_in": "celsius", "unit_out": "fahrenheit"} in imperial.combos


def test_joint_equalities_and_membership_lists():
    vehicle = bfcl("vehicle_control", "VehicleControlAPI")
    distance = mine_literals(vehicle, "estimate_distance")
    assert {"cityA": "83214", "cityB": "74532"} in distance.combos
    assert set(mine_literals(vehicle, "setHeadlights").values["mode"]) == {"on", "off", "auto"}


class _Mode(enum.Enum):
    FAST = "fast"
    SLOW = "slow"


TIERS = {"gold": 3, "silver": 2}


class _Shop:
    def order(self, tier: str, size: Literal["S", "M"], speed: _Mode, note: str = "") -> dict:
        """Docstrings that mention tier, size or one of: a, b are not messages."""
        if tier not in TIERS:
            return {"error": "tier must be one of: gold, silver"}
        if note:
            raise ValueError("note must be one of: gift, plain")
        if tier == "bronze":  # a branch that fails names a value the tool refuses
            return {"error": "bronze is retired"}
        return {"price": TIERS[tier]}

    def divide(self, a: float, b: float) -> dict:
        if b == 0:
            return {"error": "division by zero"}
        return {"result": a / b}


def test_module_constants_annotations_and_error_messages_of_a_users_class():
    found = mine_literals(_Shop, "order")
    assert set(found.values["tier"]) == {"gold", "silver"}
    assert set(found.values["size"]) == {"S", "M"}
    assert set(found.values["speed"]) == {"fast", "slow"}
    assert set(found.values["note"]) == {"gift", "plain"}  # the message names its parameter
    assert mine_literals(_Shop, "missing").values == {}
    assert "b" not in mine_literals(_Shop, "divide").values  # 0 is what divide refuses, not a value to offer


def test_literals_come_in_the_same_order_whatever_the_hash_seed():
    """A set literal (``valid_classes = {"economy", ...}``) iterates in an order that changes with
    PYTHONHASHSEED; the values a run draws from must not, or a resumed run differs from a whole one."""
    script = (
        "import json; from magnet_graph.bfcl.catalog import load_bfcl; "
        "from magnet_graph.environments import tool_literals; "
        "print(json.dumps({s.name: [tool_literals(s).values, tool_literals(s).combos] "
        "for s in load_bfcl('bfcl')}, sort_keys=True, default=repr))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    ]
    assert '"economy"' in runs[0]
    assert runs[0] == runs[1] == runs[2]
