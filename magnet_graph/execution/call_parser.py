"""Call strings such as ``cd(folder='docs')`` parsed with ``ast``; nothing is ever evaluated.

Accepted: one call (or a list of calls) of an allowed tool name with keyword arguments whose values
are literals: strings, numbers, booleans, None, and lists / dicts of those. Positional literals are
accepted only when the tool's parameter order is known (``allowed`` maps names to parameter lists;
BFCL's own ground truth uses them) and become keyword arguments. Everything else is rejected with
its reason before anything runs: nested calls, attribute access, names, lambdas, comprehensions,
f-strings, starred or ``**`` arguments, operators. Size and
nesting depth are checked on the raw text first, so a hostile string cannot exhaust the parser.
"""

from __future__ import annotations

import ast
import io
import json
import keyword
import tokenize
from collections.abc import Collection, Mapping
from typing import Any

from ..errors import MagnetGraphError
from ..records import ToolCall
from . import pyast

MAX_CALL_CHARS = 20_000
MAX_NESTING = 32
MAX_INT = 2**63  # larger literals are refused (and never reach a tool or a validator's repr)

_REASONS = {
    ast.Call: "nested calls are not allowed",
    ast.Attribute: "attribute access is not allowed",
    ast.Name: "names are not allowed as values (use literals)",
    ast.Lambda: "lambdas are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.BinOp: "operators are not allowed",
    ast.BoolOp: "operators are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.IfExp: "conditional expressions are not allowed",
    ast.NamedExpr: "assignment expressions are not allowed",
    ast.Await: "await is not allowed",
    ast.Set: "sets are not allowed (use a list)",
}


class CallRejected(MagnetGraphError):
    """A call that will not be run; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(f"call rejected: {reason}")
        self.reason = reason


def parse_call(text: str, allowed: Collection[str]) -> ToolCall:
    """Parse exactly one call."""
    calls = parse_calls(text, allowed)
    if len(calls) != 1:
        raise CallRejected(f"expected one call, got {len(calls)}")
    return calls[0]


def parse_calls(text: str, allowed: Collection[str]) -> list[ToolCall]:
    """Parse ``f(a=1)`` or ``[f(a=1), g(b='x')]`` into tool calls."""
    if not isinstance(text, str):
        raise CallRejected("a call must be text")
    if len(text) > MAX_CALL_CHARS:
        raise CallRejected(f"call text is longer than {MAX_CALL_CHARS} characters")
    if _max_nesting(text) > MAX_NESTING:
        raise CallRejected(f"brackets nested deeper than {MAX_NESTING}")
    try:
        body = pyast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise CallRejected(f"not a Python call expression: {str(getattr(exc, 'msg', exc))[:200]}") from None
    nodes = body.elts if isinstance(body, (ast.List, ast.Tuple)) else [body]
    return [_call(node, allowed) for node in nodes]


def structured_call(call: dict[str, Any], allowed: Collection[str]) -> ToolCall:
    """``{"name": ..., "arguments": {...} or a JSON string}`` (OpenAI wire format accepted)."""
    if not isinstance(call, dict):
        raise CallRejected("a structured call must be a JSON object")
    call = call.get("function", call) if isinstance(call.get("function"), dict) else call
    name, arguments = call.get("name"), call.get("arguments", {})
    if isinstance(arguments, str):
        if len(arguments) > MAX_CALL_CHARS:
            raise CallRejected(f"arguments are longer than {MAX_CALL_CHARS} characters")
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except (ValueError, RecursionError):  # JSONDecodeError, and int() over its digit limit
            raise CallRejected("arguments are not valid JSON") from None
    if not isinstance(name, str) or name not in allowed:
        raise CallRejected(f"{name!r} is not a tool of this environment")
    if not isinstance(arguments, dict):
        raise CallRejected("arguments must be a JSON object")
    for key in arguments:  # keys become keyword arguments, and call strings (which BFCL's checker evals)
        if not key.isidentifier() or keyword.iskeyword(key):
            raise CallRejected(f"argument name {key[:40]!r} is not a Python identifier")
    _check_data(arguments, "arguments", 0)
    return ToolCall(name, arguments)


def _check_data(value: Any, where: str, depth: int) -> None:
    """Structured arguments must be plain JSON data of bounded depth, with integers in range."""
    if depth > MAX_NESTING:
        raise CallRejected(f"{where}: nested deeper than {MAX_NESTING}")
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise CallRejected(f"{where}: integer out of range")
        return
    if isinstance(value, list):
        for item in value:
            _check_data(item, where, depth + 1)
        return
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        for item in value.values():
            _check_data(item, where, depth + 1)
        return
    raise CallRejected(f"{where}: {type(value).__name__} is not JSON data")


def _call(node: ast.AST, allowed: Collection[str]) -> ToolCall:
    if not isinstance(node, ast.Call):
        raise CallRejected("not a call")
    if isinstance(node.func, ast.Attribute):
        raise CallRejected("attribute calls are not allowed")
    if not isinstance(node.func, ast.Name):
        raise CallRejected("the called thing must be a plain tool name")
    name = node.func.id
    if name not in allowed:
        raise CallRejected(f"{name!r} is not a tool of this environment")
    arguments = {}
    if node.args:
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise CallRejected("starred arguments are not allowed")
        order = allowed.get(name) if isinstance(allowed, Mapping) else None
        if not order:
            raise CallRejected("positional arguments are not allowed; use keyword arguments")
        if len(node.args) > len(order):
            raise CallRejected(f"{name} takes at most {len(order)} arguments, got {len(node.args)}")
        arguments = {order[i]: _literal(a, order[i]) for i, a in enumerate(node.args)}
    for kw in node.keywords:
        if kw.arg is None:
            raise CallRejected("** arguments are not allowed")
        if kw.arg in arguments:
            raise CallRejected(f"argument {kw.arg!r} given twice")
        arguments[kw.arg] = _literal(kw.value, kw.arg)
    return ToolCall(name, arguments)


def _literal(node: ast.AST, where: str) -> Any:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, int) and not isinstance(node.value, bool) and abs(node.value) > MAX_INT:
            raise CallRejected(f"argument {where!r}: integer out of range")
        if isinstance(node.value, (str, int, float, bool)) or node.value is None:
            return node.value
        raise CallRejected(f"argument {where!r}: {type(node.value).__name__} literals are not allowed")
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) in (int, float)
    ):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e, where) for e in node.elts]
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise CallRejected(f"argument {where!r}: ** inside a dict is not allowed")
        keys = [_literal(k, where) for k in node.keys]
        if not all(isinstance(k, (str, int, float, bool)) for k in keys):
            raise CallRejected(f"argument {where!r}: dict keys must be literals")
        return dict(zip(keys, (_literal(v, where) for v in node.values)))
    reason = _REASONS.get(type(node), f"{type(node).__name__} is not a literal")
    raise CallRejected(f"argument {where!r}: {reason}")


def _max_nesting(text: str) -> int:
    """Deepest bracket nesting, counting bracket tokens only (not brackets inside strings)."""
    depth = deepest = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
                deepest = max(deepest, depth)
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth = max(depth - 1, 0)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # ast.parse reports malformed text
    return deepest
