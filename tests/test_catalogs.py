"""Catalog import: every source normalises into FunctionSignature; bad entries name file, function, field."""

from __future__ import annotations

import enum
import json
from typing import Literal

import pytest

from magnet_graph.catalogs import load_catalog, load_catalogs
from magnet_graph.errors import CatalogError
from magnet_graph.names import NAME_PATTERN, assign_names
from magnet_graph.schema_normalize import SchemaProblem, normalize_schema

from .conftest import FIXTURES


def by_name(sigs):
    return {s.name: s for s in sigs}


def test_bfcl_core_catalog_has_128_functions_with_parameters_and_responses():
    sigs = load_catalog("bfcl")
    assert len(sigs) == 128
    assert sum(len(s.parameter_fields()) for s in sigs) == 185
    assert sum(len(s.response_fields()) for s in sigs) == 196
    assert {s.toolkit for s in sigs} == {
        "GorillaFileSystem",
        "MathAPI",
        "MessageAPI",
        "TwitterAPI",
        "TicketAPI",
        "TradingBot",
        "TravelAPI",
        "VehicleControlAPI",
    }
    cd = by_name(sigs)["cd"]
    assert cd.parameters["type"] == "object"  # BFCL "dict" mapped
    assert cd.required == ("folder",)
    assert cd.output["properties"]["current_working_directory"]["type"] == "string"
    assert cd.description.startswith("Change the current working directory")
    assert "Gorilla file system" in cd.toolkit_description
    assert cd.execution == {
        "kind": "bfcl",
        "class": "GorillaFileSystem",
        "module": "bfcl_eval.eval_checker.multi_turn_eval.func_source_code.gorilla_file_system",
        "method": "cd",
    }
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
    assert set(sigs) == {
        "search_flights",
        "book_flight",
        "cancel_booking",
        "get_weather",
        "convert_currency",
        "get_rate",
    }
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
        assert NAME_PATTERN.fullmatch(s.name), s.name
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
        (
            [
                {
                    "name": "walk",
                    "parameters": {
                        "type": "object",
                        "$defs": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}},
                        "properties": {"root": {"$ref": "#/$defs/Node"}},
                    },
                }
            ],
            "walk",
            "parameters.properties.root.properties.child.$ref",
            "recursive $ref",
        ),
        (
            [{"name": "when", "parameters": {"type": "object", "properties": {"at": {"type": "date"}}}}],
            "when",
            "parameters.properties.at.type",
            "unknown type 'date'",
        ),
        (
            [
                {"name": "f", "parameters": {"type": "object", "properties": {}}},
                {"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": "string"}}}},
            ],
            "f",
            "name",
            "duplicate name with a different definition",
        ),
        ([{"description": "no name", "parameters": {}}], "#0", "name", "missing or empty function name"),
        (
            [{"name": "g", "parameters": {"type": "object", "properties": {"x": {"$ref": "http://evil/schema"}}}}],
            "g",
            "parameters.properties.x.$ref",
            "only local",
        ),
        (
            [
                {
                    "name": "h",
                    "parameters": {"type": "object", "properties": {"x": {"type": "string", "minLength": "3"}}},
                }
            ],
            "h",
            "parameters.properties.x.minLength",
            "is not of type",
        ),
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
    assert balance.execution == {
        "kind": "python",
        "target": "tests.fixtures.sample_tools:Bank",
        "method": "get_balance",
    }


def test_python_class_importer_reads_bfcl_backends_like_their_docs():
    module = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code.math_api"
    from_class = by_name(load_catalog(f"python:{module}:MathAPI"))
    from_docs = by_name(load_catalog("bfcl:MathAPI"))
    assert set(from_class) == set(from_docs)
    for name, doc_sig in from_docs.items():
        assert set(from_class[name].parameters["properties"]) == set(doc_sig.parameters["properties"]), name
        assert set(from_class[name].required) == set(doc_sig.required), name


@pytest.mark.parametrize(
    "source, reason",
    [
        ("python:nope.missing:Cls", "cannot import"),
        ("python:json", "expected python:package.module:ClassName"),
        ("does/not/exist.json", "no such file"),
    ],
)
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


def test_a_function_defined_by_two_sources(tmp_path):
    a, b, same = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d in (a, b, same):
        d.mkdir()
    tool = {
        "name": "lookup",
        "description": "Look a term up.",
        "parameters": {"type": "object", "properties": {"term": {"type": "string"}}, "required": ["term"]},
    }
    (a / "tools.json").write_text(json.dumps([tool]))
    (same / "tools.json").write_text(json.dumps([tool]))
    changed = {**tool, "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}
    (b / "tools.json").write_text(json.dumps([changed]))
    assert len(load_catalogs([str(a / "tools.json"), str(same / "tools.json")])) == 1  # identical: kept once
    with pytest.raises(
        CatalogError, match=r"duplicate name with a different definition \(first defined in .*a/tools.json\)"
    ):
        load_catalogs([str(a / "tools.json"), str(b / "tools.json")])
    with pytest.raises(CatalogError, match="is a directory"):
        load_catalog(str(a))


def test_non_text_category_is_rejected_before_anything_is_written(tmp_path):
    path = tmp_path / "cat.json"
    path.write_text(json.dumps([{"name": "one", "parameters": {}}, {"name": "two", "category": 7, "parameters": {}}]))
    with pytest.raises(CatalogError, match=r"function 'two': field 'category': must be non-empty text"):
        load_catalog(str(path))


def _load_tools(tmp_path, tools, name="tools.json"):
    path = tmp_path / name
    path.write_text(tools if isinstance(tools, str) else json.dumps(tools))
    return load_catalog(str(path))


def _params(tmp_path, parameters):
    return _load_tools(tmp_path, [{"name": "f", "parameters": parameters}])[0].parameters


def test_required_is_kept_where_a_schema_has_no_properties(tmp_path):
    params = _params(
        tmp_path,
        {
            "type": "object",
            "properties": {"a": {}, "b": {}},
            "required": ["a", "zz"],
            "oneOf": [{"required": ["a"]}, {"required": ["b"]}],
            "allOf": [{"required": ["b"]}],
        },
    )
    assert params["oneOf"] == [{"required": ["a"]}, {"required": ["b"]}] and params["allOf"] == [{"required": ["b"]}]
    assert params["required"] == ["a"]  # the root still drops names without a property
    assert _params(tmp_path, {"type": "object", "required": ["a"]})["required"] == []


def test_refs_resolve_only_by_their_own_definitions_and_everywhere(tmp_path):
    string, integer = {"type": "string"}, {"type": "integer"}
    params = _params(
        tmp_path,
        {
            "type": "object",
            "$defs": {"X": string},
            "definitions": {"X": integer},
            "properties": {
                "d": {"$ref": "#/definitions/X"},
                "s": {"$ref": "#/$defs/X"},
                "n": {"not": {"$ref": "#/$defs/X"}},
                "c": {"if": {"$ref": "#/$defs/X"}, "then": {"$ref": "#/$defs/X"}, "else": {"$ref": "#/$defs/X"}},
                "a": {"type": "array", "contains": {"$ref": "#/$defs/X"}},
                "o": {
                    "type": "object",
                    "propertyNames": {"$ref": "#/$defs/X"},
                    "dependentSchemas": {"k": {"$ref": "#/$defs/X"}},
                },
            },
        },
    )
    props = params["properties"]
    assert props["d"] == integer and props["s"] == string and props["n"] == {"not": string}
    assert props["c"] == {"if": string, "then": string, "else": string} and props["a"]["contains"] == string
    assert props["o"]["propertyNames"] == string and props["o"]["dependentSchemas"] == {"k": string}
    assert "$ref" not in json.dumps(params) and "$defs" not in json.dumps(params)


def test_draft4_tuple_keeps_additional_items_closed(tmp_path):
    sig = _load_tools(
        tmp_path,
        [
            {
                "name": "f",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "pair": {
                            "type": "array",
                            "items": [{"type": "string"}, {"type": "int"}],
                            "additionalItems": False,
                        },
                        "rest": {"type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "float"}},
                    },
                },
            }
        ],
    )[0]
    pair, rest = sig.parameters["properties"]["pair"], sig.parameters["properties"]["rest"]
    assert pair == {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False}
    assert rest["items"] == {"type": "number"} and "additionalItems" not in rest
    assert any("additionalItems as items" in n for n in sig.notes)


def _ref_fan_out(levels, refs):
    defs = {
        f"L{i}": {"type": "object", "properties": {f"p{j}": {"$ref": f"#/$defs/L{i + 1}"} for j in range(refs)}}
        for i in range(levels)
    }
    return {
        "type": "object",
        "$defs": {**defs, f"L{levels}": {"type": "string"}},
        "properties": {"x": {"$ref": "#/$defs/L0"}},
    }


def _nested(levels):
    schema = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"x": schema}}
    return schema


@pytest.mark.parametrize(
    "parameters, field, reason",
    [
        (
            {
                "type": "object",
                "$defs": {"A": {"properties": {"B": {"type": "integer"}}}, "B": {"type": "string"}},
                "properties": {"x": {"$ref": "#/$defs/A/properties/B"}},
            },
            "parameters.properties.x.$ref",
            "unsupported $ref",
        ),
        (
            {"type": "object", "$defs": {"X": {}}, "properties": {"x": {"$ref": "#/definitions/X"}}},
            "parameters.properties.x.$ref",
            "unresolved $ref",
        ),
        (
            {"type": "object", "$defs": {"X": {}}, "properties": {"x": {"dependencies": {"y": {"$ref": "#/$defs/X"}}}}},
            "parameters.properties.x.dependencies.y.$ref",
            "$ref under 'dependencies' is not supported",
        ),
        ({"type": "object", "$defs": [1], "properties": {}}, "parameters.$defs", "must be a JSON object"),
        ({"type": "object", "definitions": "X", "properties": {}}, "parameters.definitions", "must be a JSON object"),
        (
            {"type": "object", "$defs": {"S": {}}, "properties": {f"p{i}": {"$ref": "#/$defs/S"} for i in range(201)}},
            "parameters.properties.p200.$ref",
            "schema too large after $ref expansion",
        ),
        (_nested(70), "parameters" + ".properties.x" * 65, "schema nested deeper than 64 levels"),
    ],
)
def test_unsafe_schemas_are_rejected_with_the_field(tmp_path, parameters, field, reason):
    with pytest.raises(CatalogError) as info:
        _params(tmp_path, parameters)
    assert info.value.function == "f" and info.value.field == field and reason in info.value.reason


def test_exploding_or_deep_input_is_a_catalog_error(tmp_path):
    with pytest.raises(CatalogError, match="schema too large after"):  # 1.5 KB, 10^5 refs once expanded
        _params(tmp_path, _ref_fan_out(5, 10))
    with pytest.raises(CatalogError, match="invalid JSON: nested too deeply"):
        _load_tools(tmp_path, "[" * 100_000 + "]" * 100_000)
    deep: dict = {}
    for _ in range(5000):
        deep = {"items": deep}
    with pytest.raises(SchemaProblem, match="nested too deeply"):
        normalize_schema({"type": "object", "properties": {"x": deep}}, "parameters", [])


def test_each_entry_is_read_by_its_own_shape(tmp_path):
    sigs = by_name(
        _load_tools(
            tmp_path,
            [
                {
                    "type": "function",
                    "function": {"name": "o", "parameters": {"type": "object", "properties": {"q": {}}}},
                },
                {
                    "name": "m",
                    "inputSchema": {"type": "object", "properties": {"p": {}}},
                    "annotations": "not an object",
                },
            ],
        )
    )
    assert list(sigs["o"].parameters["properties"]) == ["q"] and list(sigs["m"].parameters["properties"]) == ["p"]
    assert sigs["m"].description == "M"  # non-object annotations are ignored


def test_json_syntax_errors_name_their_line(tmp_path):
    with pytest.raises(CatalogError, match=r"tools.json:4: invalid JSON: Expecting ',' delimiter"):
        _load_tools(tmp_path, '[\n  {"name": "a",\n   "parameters": {}\n   "x": 1}\n]\n')
    with pytest.raises(CatalogError, match=r"tools.jsonl:3: invalid JSON"):
        _load_tools(tmp_path, '{"name": "a"}\n{"name": "b"}\n{"name": \n', "tools.jsonl")
    line = json.dumps({"name": "c", "description": "one\u2028two"}, ensure_ascii=False)
    sigs = _load_tools(tmp_path, f'{line}\n{{"name": "d"}}\n', "tools.jsonl")  # U+2028 does not end a JSONL line
    assert sigs[0].description == "one\u2028two"


Color = enum.Enum("Color", "RED BLUE")


class LiteralTools:
    def pick(self, x: Literal[Color.RED]) -> None:
        """Pick one."""


def test_python_sources_that_fail_are_catalog_errors(tmp_path, monkeypatch):
    (tmp_path / "raises_on_import.py").write_text("raise RuntimeError('boom')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for source, reason in [
        ("python:.foo:Bar", "cannot import: TypeError"),
        ("python:raises_on_import:X", "cannot import: RuntimeError: boom"),
    ]:
        with pytest.raises(CatalogError, match=reason):
            load_catalog(source)
    with pytest.raises(CatalogError) as info:
        load_catalog("python:tests.test_catalogs:LiteralTools")
    assert info.value.function == "pick" and info.value.field == "parameters.properties.x.enum.0"
    assert "not a JSON value" in info.value.reason
