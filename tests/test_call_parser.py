"""The escape corpus: every hostile call string is rejected at parse time with a clear reason."""

from __future__ import annotations

import pytest

from magnet_graph.execution import CallRejected, ToolCall, parse_call, parse_calls, structured_call

TOOLS = {"ls", "cd", "cat", "echo"}


@pytest.mark.parametrize(
    "text, reason",
    [
        ("ls(a=__import__('os').system('id'))", "nested calls are not allowed"),
        ("ls(a=os.environ)", "attribute access is not allowed"),
        ("os.system('id')", "attribute calls are not allowed"),
        ("ls.__class__.__bases__[0]()", "must be a plain tool name"),
        ("cat(file_name=(lambda: 1))", "lambdas are not allowed"),
        ("cat(file_name=[x for x in 'ab'])", "comprehensions are not allowed"),
        ("cat(file_name={k: 1 for k in 'ab'})", "comprehensions are not allowed"),
        ("cat(file_name=(x for x in 'ab'))", "comprehensions are not allowed"),
        ("cat(file_name=f'{open(\"/etc/passwd\").read()}')", "f-strings are not allowed"),
        ("cat(*['a'])", "starred arguments are not allowed"),
        ("cat(**{'file_name': 'a'})", "** arguments are not allowed"),
        ("cat(file_name=secret)", "names are not allowed"),
        ("rm(file_name='a')", "'rm' is not a tool of this environment"),
        ("__import__(name='os')", "'__import__' is not a tool"),
        ("eval(source='1')", "'eval' is not a tool"),
        ("cat('a')", "positional arguments are not allowed"),
        ("cat(file_name='a' + 'b')", "operators are not allowed"),
        ("cat(file_name=[1, 2][0])", "subscripts are not allowed"),
        ("cat(file_name=(y := 1))", "assignment expressions are not allowed"),
        ("cat(file_name=b'raw')", "bytes literals are not allowed"),
        ("cat(file_name={**{}})", "** inside a dict is not allowed"),
        ("ls(); cat(file_name='a')", "not a Python call expression"),
        ("import os", "not a Python call expression"),
        ("42", "not a call"),
        ("(" * 200 + "1" + ")" * 200, "nested deeper than 32"),
        ("cat(file_name='" + "a" * 30_000 + "')", "longer than 20000 characters"),
    ],
)
def test_escape_corpus_is_rejected_with_its_reason(text, reason):
    with pytest.raises(CallRejected) as info:
        parse_calls(text, TOOLS)
    assert reason in str(info.value)
    assert str(info.value).startswith("call rejected: ") and "\n" not in str(info.value)


def test_literal_keyword_calls_parse():
    assert parse_call("cd(folder='docs')", TOOLS) == ToolCall("cd", {"folder": "docs"})
    call = parse_call(
        "echo(content='hi', n=-3, x=1.5, flag=True, none=None, items=[1, ('a', 'b')], m={'k': [2]})", TOOLS
    )
    assert call.arguments == {
        "content": "hi",
        "n": -3,
        "x": 1.5,
        "flag": True,
        "none": None,
        "items": [1, ["a", "b"]],
        "m": {"k": [2]},
    }
    assert parse_calls("[ls(), cd(folder='a')]", TOOLS) == [ToolCall("ls", {}), ToolCall("cd", {"folder": "a"})]
    with pytest.raises(CallRejected, match="expected one call, got 2"):
        parse_call("[ls(), ls()]", TOOLS)


def test_structured_calls():
    assert structured_call({"name": "cd", "arguments": '{"folder": "a"}'}, TOOLS) == ToolCall("cd", {"folder": "a"})
    wire = {"type": "function", "function": {"name": "ls", "arguments": "{}"}}
    assert structured_call(wire, TOOLS) == ToolCall("ls", {})
    for bad, reason in [
        ({"name": "rm", "arguments": {}}, "not a tool"),
        ({"name": "ls", "arguments": "{"}, "not valid JSON"),
        ({"name": "ls", "arguments": "[1]"}, "must be a JSON object"),
        ("ls()", "must be a JSON object"),
        # a key that would smuggle code into a call string (BFCL's checker evals them)
        ({"name": "ls", "arguments": {"a=__import__('os').system('id'),b": 1}}, "not a Python identifier"),
        ({"name": "ls", "arguments": {"lambda": 1}}, "not a Python identifier"),
    ]:
        with pytest.raises(CallRejected, match=reason):
            structured_call(bad, TOOLS)
