"""Catalog import: every source normalises into FunctionSignature; bad entries name file, function, field."""

from __future__ import annotations

import json

import pytest

from magnet_graph.catalogs import load_catalog, load_catalogs
from magnet_graph.catalogs.common import assign_names
from magnet_graph.errors import CatalogError
from magnet_graph.names import NAME_PATTERN

from .conftest import FIXTURES


def by_name(sigs):
    return {s.name: s for s in sigs}


def test_bfcl_core_catalog_has_128_functions_with_parameters_and_responses():
    sigs = load_catalog("bfcl")
    assert len(sigs) == 128
    assert sum(len(s.parameter_fields()) for s in sigs) == 185
    assert sum(len(s.response_fields()) for s in sigs) == 196
    assert {s.toolkit for s in sigs} == {
        "GorillaFileSystem", "MathAPI", "MessageAPI", "TwitterAPI",
        "TicketAPI", "TradingBot", "TravelAPI", "VehicleControlAPI",
    }
    cd = by_name(sigs)["cd"]
    assert cd.parameters["type"] == "object"  # BFCL "dict" mapped
    assert cd.required == ("folder",)
    assert cd.output["properties"]["current_working_directory"]["type"] == "string"
    assert cd.description.startswith("Change the current working directory")
    assert "Gorilla file system" in cd.toolkit_description
    assert cd.execution == {"kind": "bfcl", "class": "GorillaFileSystem",
                            "module": "bfcl_eval.eval_checker.multi_turn_eval.func_source_code.gorilla_file_system",
                            "method": "cd"}
    types = json.dumps([s.parameters for s in sigs] + [s.output for s in sigs])
    for bfcl_only in ('"dict"', '"float"', '"tuple"', '"any"'):
        assert bfcl_only not in types


def test_bfcl_single_class_and_unknown_class():
    sigs = load_catalog("bfcl:MathAPI")
    assert len(sigs) == 17 and {s.category for s in sigs} == {"math"}
    with pytest.raises(CatalogError, match="unknown BFCL class 'Nope'"):
        load_catalog("bfcl:Nope")


def test_openai_wrapped_and_bare_jsonl():
    sigs = by_name(load_catalogs([str(FIXTURES / "openai_tools.json"), str(FIXTURES / "openai_bare.jsonl")]))
    assert set(sigs) == {"search_flights", "book_flight", "cancel_booking", "get_weather", "convert_currency", "get_rate"}
    book = sigs["book_flight"]
    assert book.required == ("flight_id", "passenger")
    assert book.output["properties"]["booking_id"]["type"] == "string"
    assert book.toolkit == "openai_tools" and book.execution == {"kind": "simulated"}
    assert sigs["get_weather"].parameters["properties"]["unit"]["enum"] == ["celsius", "fahrenheit"]
    assert sigs["get_rate"].toolkit == "openai_bare"


def test_mcp_tools_list_result():
    sigs = by_name(load_catalog(str(FIXTURES / "mcp_tools_list.json")))
    assert sigs["read_file"].output["required"] == ["content"]
    assert sigs["read_file"].required == ("path",)
    assert sigs["list_directory"].description == "List a directory"  # from annotations.title
    assert sigs["write_file"].output is None


def test_messy_catalog_is_normalised_with_notes():
    sigs = load_catalog(str(FIXTURES / "messy_catalog.json"))
    assert len(sigs) == 3  # the exact duplicate is dropped
    for s in sigs:
        assert NAME_PATTERN.match(s.name), s.name
    stock, hotel, weather = sigs
    assert stock.original_name == "Get Stock Price!" and stock.name == "Get_Stock_Price"
    assert stock.description == "Get stock price!"  # blank description derived from the name
    assert stock.parameters["properties"]["symbol"]["type"] == "string"
    assert stock.parameters["properties"]["days"]["type"] == "number"
    assert stock.required == ("symbol",)  # 'exchange' has no property
    assert any("dropped 'exchange'" in n for n in stock.notes)
    assert hotel.name == "reserver_hotel" and hotel.original_name == "réserver_hôtel"
    assert "Zürich — 東京" in hotel.description
    guest = hotel.parameters["properties"]["guest"]
    assert "$ref" not in json.dumps(hotel.parameters)
    assert guest["properties"]["age"]["type"] == "integer"
    assert weather.name.startswith("fn_") and weather.original_name == "天気"
    assert weather.parameters["properties"]["coords"] == {"type": "array", "items": {"type": "number"}}


@pytest.mark.parametrize(
    "tools, function, field, reason",
    [
        ([{"name": "walk", "parameters": {"type": "object", "$defs": {"Node": {"type": "object", "properties": {
            "child": {"$ref": "#/$defs/Node"}}}}, "properties": {"root": {"$ref": "#/$defs/Node"}}}}],
         "walk", "parameters.properties.root.properties.child.$ref", "recursive $ref"),
        ([{"name": "when", "parameters": {"type": "object", "properties": {"at": {"type": "date"}}}}],
         "when", "parameters.properties.at.type", "unknown type 'date'"),
        ([{"name": "f", "parameters": {"type": "object", "properties": {}}},
          {"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": "string"}}}}],
         "f", "name", "duplicate name with a different definition"),
        ([{"description": "no name", "parameters": {}}], "#0", "name", "missing or empty function name"),
        ([{"name": "g", "parameters": {"type": "object", "properties": {"x": {"$ref": "http://evil/schema"}}}}],
         "g", "parameters.properties.x.$ref", "only local"),
        ([{"name": "h", "parameters": {"type": "object", "properties": {"x": {"type": "string", "minLength": "3"}}}}],
         "h", "parameters.properties.x.minLength", "is not of type"),
        ([{"name": "k", "parameters": {"type": "array"}}], "k", "parameters.type", "must be an object schema"),
    ],
)
def test_bad_entries_are_rejected_with_file_function_and_field(tmp_path, tools, function, field, reason):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(tools))
    with pytest.raises(CatalogError) as info:
        load_catalog(str(path))
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message and f"function {function!r}" in message and f"field {field!r}" in message
    assert reason in message


def test_invalid_jsonl_line_names_the_line(tmp_path):
    path = tmp_path / "tools.jsonl"
    path.write_text('{"name": "a", "parameters": {}}\n{"name": "b", \n')
    with pytest.raises(CatalogError, match=r"tools.jsonl:2: invalid JSON"):
        load_catalog(str(path))


def test_one_bad_source_rejects_all_sources(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "x", "parameters": {"type": "object", "properties": {"a": {"type": "blob"}}}}]))
    with pytest.raises(CatalogError, match="unknown type 'blob'"):
        load_catalogs([str(FIXTURES / "openai_tools.json"), str(bad)])


def test_python_class_catalog():
    sigs = by_name(load_catalog("python:tests.fixtures.sample_tools:Bank"))
    assert set(sigs) == {"get_balance", "transfer"}  # _audit is private
    transfer = sigs["transfer"]
    props = transfer.parameters["properties"]
    assert transfer.required == ("source", "target", "amount")
    assert props["amount"] == {"type": "number", "description": "Amount to move, in the account currency."}
    assert props["speed"]["enum"] == ["normal", "instant"] and props["speed"]["default"] == "normal"
    assert props["tags"]["type"] == "array" and props["tags"]["items"] == {"type": "string"}
    assert transfer.description == "Move money between two accounts."
    balance = sigs["get_balance"]
    assert balance.output["properties"] == {
        "balance": {"type": "number", "description": "Current balance."},
        "currency": {"type": "string", "description": "ISO currency code."},
    }
    assert balance.execution == {"kind": "python", "target": "tests.fixtures.sample_tools:Bank", "method": "get_balance"}


def test_python_class_importer_reads_bfcl_backends_like_their_docs():
    module = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code.math_api"
    from_class = by_name(load_catalog(f"python:{module}:MathAPI"))
    from_docs = by_name(load_catalog("bfcl:MathAPI"))
    assert set(from_class) == set(from_docs)
    for name, doc_sig in from_docs.items():
        assert set(from_class[name].parameters["properties"]) == set(doc_sig.parameters["properties"]), name
        assert set(from_class[name].required) == set(doc_sig.required), name


@pytest.mark.parametrize("source, reason", [
    ("python:nope.missing:Cls", "cannot import"), ("python:json", "expected python:package.module:ClassName"),
    ("does/not/exist.json", "no such file"),
])
def test_unusable_sources(source, reason):
    with pytest.raises(CatalogError, match=reason):
        load_catalog(source)


def test_names_stay_unique_and_stable_across_toolkits():
    a = load_catalog(str(FIXTURES / "openai_tools.json"))
    clash = [s.__class__(**{**s.__dict__, "toolkit": "other"}) for s in a[:2]]
    named = assign_names(a + clash, {})
    names = [s.name for s in named]
    assert len(set(names)) == len(names)
    assert names[-2:] == ["search_flights_2", "book_flight_2"]
    existing = {(s.toolkit, s.original_name): s.name for s in named}
    assert [s.name for s in assign_names(clash + a, existing)] == names[-2:] + names[:-2]
