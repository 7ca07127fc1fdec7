"""Literals a tool's own code knows: the values it accepts, mined once per method from its source with ``ast``.

A planner that invents ``unit_in="archive_66"`` fails where the code says ``to_meters = {"km": ...}``
and ``if unit_in not in to_meters``. Read from the method's syntax tree (never run):

- membership and lookups: ``p in D`` / ``p not in [...]``, ``D[p]``, ``D.get(p)`` -> D's keys or items;
- equalities: ``p == "on"``; several in one ``and`` -> a joint assignment (``cityA == "83214" and
  cityB == "74532"``); in the test of a branch that fails (``if b == 0: return {"error": ...}``) a
  value the tool refuses, never offered;
- joint keys: ``(a, b) in D`` / ``D[(a, b)]`` with tuple keys, ``for key in D: a == key[0] and b ==
  key[1]``, and f-string keys (``f"{unit_in}_to_{unit_out}" in conversion``) -> joint assignments;
- ``Literal[...]`` and ``Enum`` annotations; ``p.startswith("US")`` -> how a made-up value must begin;
- messages that list valid values (``"mode must be one of: on, off"``) for the parameter they name.

Containers are literals in the method, or constants of its module or class. Only scalars are kept.
"""

from __future__ import annotations

import ast
import enum
import functools
import inspect
import re
import textwrap
import typing
from dataclasses import dataclass, field
from typing import Any

from . import pyast
from .values import described_values

MAX_VALUES = 200  # per parameter
MAX_COMBOS = 500  # joint assignments per method


@dataclass(frozen=True)
class Literals:
    """What a method's code accepts: values per parameter, and joint assignments of several."""

    values: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    combos: tuple[dict[str, Any], ...] = ()
    prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # p.startswith("US"): how it must begin

    def for_param(self, param: str) -> tuple[Any, ...]:
        return self.values.get(param, ())


NONE = Literals()


@functools.lru_cache(maxsize=4096)
def mine_literals(cls: type, method: str) -> Literals:
    """The literals ``cls.method`` compares its parameters with (see the module docstring); empty
    when its source cannot be read."""
    function = inspect.getattr_static(cls, method, None)
    function = getattr(function, "__func__", function)
    if function is None or not callable(function):
        return NONE
    try:
        source = textwrap.dedent(inspect.getsource(function))
        tree = pyast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return NONE
    node = next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    if node is None:
        return NONE
    return _Miner(node, _constants(inspect.getmodule(function), cls), function).result()


def _constants(module: Any, cls: type) -> dict[str, Any]:
    """Module and class attributes that are containers of literals (looked up by name)."""
    found = {}
    for owner in (module, cls):
        for name, value in (vars(owner) if owner is not None else {}).items():
            if isinstance(value, (set, frozenset)) and not name.startswith("__"):
                found[name] = sorted(value, key=repr)  # a set's order changes with PYTHONHASHSEED; runs must not
            elif isinstance(value, (dict, list, tuple)) and not name.startswith("__"):
                found[name] = value
    return found


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) and not (isinstance(value, str) and len(value) > 80)


class _Miner:
    def __init__(self, node: ast.FunctionDef, constants: dict[str, Any], function: Any):
        self.node, self.function = node, function
        args = node.args
        self.params = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs] if a.arg not in ("self", "cls")]
        self.containers: dict[str, Any] = dict(constants)
        self.templates: dict[str, ast.JoinedStr] = {}  # local name -> the f-string it was assigned
        self.tuples: dict[str, ast.Tuple] = {}  # local name -> the tuple it was assigned (travel_pair = (a, b))
        body = node.body
        self.docstring = body[0].value if body and isinstance(body[0], ast.Expr) else None
        self.loops: dict[str, Any] = {}  # loop variable -> the container whose keys it runs over
        self.values: dict[str, list[Any]] = {p: [] for p in self.params}
        self.combos: list[dict[str, Any]] = []
        self.prefixes: dict[str, list[str]] = {}

    def result(self) -> Literals:
        self._locals()
        self._annotations()
        refused = self._guards()
        for n in ast.walk(self.node):
            if id(n) in self.guarded:
                continue
            if isinstance(n, ast.Compare):
                self._compare(n)
            elif isinstance(n, ast.BoolOp) and isinstance(n.op, ast.And):
                self._joint_equalities(n)
            elif isinstance(n, ast.Subscript):
                self._lookup(n.value, n.slice)
            elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "get" and n.args:
                self._lookup(n.func.value, n.args[0])
            elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "startswith":
                p = self._param(n.func.value)
                if p and n.args and isinstance(n.args[0], ast.Constant) and isinstance(n.args[0].value, str):
                    self.prefixes.setdefault(p, []).append(n.args[0].value)
            elif isinstance(n, ast.Constant) and isinstance(n.value, str) and n is not self.docstring:
                self._message(n.value)  # (the docstring names every parameter: not a message about one)
        values = {p: [x for x in v if repr(x) not in refused.get(p, set())] for p, v in self.values.items()}
        values = {p: tuple(_distinct(v)[:MAX_VALUES]) for p, v in values.items() if v}
        combos = tuple(_distinct(self.combos)[:MAX_COMBOS])
        return Literals(values, combos, {p: tuple(_distinct(v)) for p, v in self.prefixes.items()})

    def _guards(self) -> dict[str, set[str]]:
        """Tests of branches that fail (raise, or return an error): ``if b == 0: return {"error": ...}``
        names a value the tool refuses, ``if mode not in [...]: raise`` the values it takes. Returns
        the refused values (reprs) by parameter; the guards' comparisons are read here, not again."""
        refused: dict[str, set[str]] = {}
        self.guarded: set[int] = set()
        for n in ast.walk(self.node):
            if not isinstance(n, ast.If) or not _fails(n.body):
                continue
            tests = n.test.values if isinstance(n.test, ast.BoolOp) else [n.test]
            for test in tests:
                if not isinstance(test, ast.Compare) or len(test.ops) != 1:
                    continue
                op, right = test.ops[0], test.comparators[0]
                p = self._param(test.left)
                if p is None:
                    continue
                self.guarded.add(id(test))
                if isinstance(op, (ast.NotEq, ast.NotIn)):  # anything else fails: these are what it takes
                    self._compare(
                        ast.Compare(test.left, [ast.Eq() if isinstance(op, ast.NotEq) else ast.In()], [right])
                    )
                elif isinstance(op, ast.Eq) and isinstance(right, ast.Constant):
                    refused.setdefault(p, set()).add(repr(right.value))
                elif isinstance(op, ast.In):
                    container = self._container(right)
                    refused.setdefault(p, set()).update(repr(k) for k in (container or ()) if _scalar(k))
            if isinstance(n.test, ast.BoolOp):
                self.guarded.add(id(n.test))
        return refused

    # what names stand for
    def _locals(self) -> None:
        for n in ast.walk(self.node):
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
                name = n.targets[0].id
                if isinstance(n.value, ast.JoinedStr):
                    self.templates[name] = n.value
                elif isinstance(n.value, ast.Tuple) and all(self._param(e) for e in n.value.elts):
                    self.tuples[name] = n.value
                else:
                    value = self._container(n.value)
                    if value is not None:
                        self.containers[name] = value
            elif isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.value is not None:
                value = self._container(n.value)
                if value is not None:
                    self.containers[n.target.id] = value
            elif isinstance(n, (ast.For, ast.comprehension)):
                over = self._iterated(n.iter)
                target = n.target.elts[0] if isinstance(n.target, ast.Tuple) and n.target.elts else n.target
                if over is not None and isinstance(target, ast.Name):
                    self.loops[target.id] = over

    def _container(self, node: ast.AST) -> Any:
        """A literal container (dict, list, set, tuple), the value of a known name, or a comprehension
        keyed by another container's keys (``{u: 1 / f for u, f in to_meters.items()}``); else None."""
        if isinstance(node, (ast.DictComp, ast.SetComp, ast.ListComp)) and len(node.generators) == 1:
            loop = node.generators[0]
            key = node.key if isinstance(node, ast.DictComp) else node.elt
            target = loop.target.elts[0] if isinstance(loop.target, ast.Tuple) and loop.target.elts else loop.target
            over = self._iterated(loop.iter)
            if over is not None and isinstance(key, ast.Name) and isinstance(target, ast.Name) and key.id == target.id:
                return over
            return None
        if isinstance(node, ast.Name) and node.id in self.containers:
            return self.containers[node.id]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr in self.containers:
            return self.containers[node.attr]  # self.X or cls.X: a class constant
        if isinstance(node, ast.Set):  # in source order: a set's own order changes with PYTHONHASHSEED
            node = ast.List(elts=node.elts, ctx=ast.Load())
        if isinstance(node, (ast.Dict, ast.List, ast.Tuple)):
            try:
                return ast.literal_eval(node)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return _partial_keys(node)
        return None

    def _iterated(self, node: ast.AST) -> Any:
        """``D``, ``D.keys()``, ``D.items()``: the keys a loop runs over."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("keys", "items"):
            node = node.func.value
        container = self._container(node)
        return list(container) if isinstance(container, (dict, list, tuple, set, frozenset)) else None

    def _param(self, node: ast.AST) -> str | None:
        return node.id if isinstance(node, ast.Name) and node.id in self.values else None

    # patterns
    def _compare(self, n: ast.Compare) -> None:
        for left, op, right in zip([n.left, *n.comparators], n.ops, n.comparators, strict=False):
            if isinstance(op, (ast.In, ast.NotIn)):
                self._lookup(right, left)
            elif isinstance(op, (ast.Eq, ast.NotEq)):
                for a, b in ((left, right), (right, left)):
                    p = self._param(a)
                    if p and isinstance(b, ast.Constant) and _scalar(b.value):
                        self.values[p].append(b.value)

    def _lookup(self, container_node: ast.AST, key: ast.AST) -> None:
        """``key in container`` or ``container[key]``: the container's keys for the parameter(s) in ``key``."""
        container = self._container(container_node)
        if container is None:
            return
        keys = list(container) if not isinstance(container, (str, bytes)) else []
        if isinstance(key, ast.Name) and key.id in self.tuples:
            key = self.tuples[key.id]
        p = self._param(key)
        if p:
            self.values[p] += [k for k in keys if _scalar(k)]
        elif isinstance(key, ast.Tuple):
            names = [self._param(e) for e in key.elts]
            if all(names):
                self._combos(names, [k for k in keys if isinstance(k, tuple) and len(k) == len(names)])
        elif isinstance(key, ast.Name) and key.id in self.templates:
            self._template(self.templates[key.id], keys)
        elif isinstance(key, ast.JoinedStr):
            self._template(key, keys)

    def _template(self, template: ast.JoinedStr, keys: list[Any]) -> None:
        """``f"{unit_in}_to_{unit_out}"`` against keys like ``"cm_to_in"`` -> (cm, in) for (unit_in, unit_out)."""
        names, pattern = [], ""
        for part in template.values:
            if isinstance(part, ast.Constant):
                pattern += re.escape(str(part.value))
            elif isinstance(part, ast.FormattedValue) and self._param(part.value):
                names.append(self._param(part.value))
                pattern += "(.+?)"
            else:
                return
        if not names:
            return
        matched = [re.fullmatch(pattern, k) for k in keys if isinstance(k, str)]
        self._combos(names, [m.groups() for m in matched if m])

    def _joint_equalities(self, n: ast.BoolOp) -> None:
        """``a == "x" and b == "y"``; ``a == key[0] and b == key[1]`` in a loop over tuple keys."""
        assigned, indexed = {}, {}
        for value in n.values:
            if not (isinstance(value, ast.Compare) and len(value.ops) == 1 and isinstance(value.ops[0], ast.Eq)):
                continue
            for a, b in ((value.left, value.comparators[0]), (value.comparators[0], value.left)):
                p = self._param(a)
                if not p:
                    continue
                if isinstance(b, ast.Constant) and _scalar(b.value):
                    assigned[p] = b.value
                elif (
                    isinstance(b, ast.Subscript)
                    and isinstance(b.value, ast.Name)
                    and b.value.id in self.loops
                    and isinstance(b.slice, ast.Constant)
                    and isinstance(b.slice.value, int)
                ):
                    indexed[p] = (b.value.id, b.slice.value)
        if len(assigned) >= 2:
            self.combos.append(assigned)
        loops = {loop for loop, _ in indexed.values()}
        if len(indexed) >= 2 and len(loops) == 1:
            names = list(indexed)
            positions = [indexed[p][1] for p in names]
            rows = [k for k in self.loops[loops.pop()] if isinstance(k, tuple) and len(k) > max(positions)]
            self._combos(names, [tuple(k[i] for i in positions) for k in rows])

    def _combos(self, names: list[str], rows: list[tuple]) -> None:
        for row in rows:
            if all(_scalar(v) for v in row):
                self.combos.append(dict(zip(names, row, strict=True)))
                for p, v in zip(names, row, strict=True):
                    self.values[p].append(v)

    def _message(self, text: str) -> None:
        """An error message listing valid values, for the parameter it names (or the only string one)."""
        listed = described_values(text)
        if not listed:
            return
        named = [p for p in self.values if re.search(rf"\b{re.escape(p)}\b", text)]
        targets = named or (self.params if len(self.params) == 1 else [])
        for p in targets:
            self.values[p] += listed

    def _annotations(self) -> None:
        hints = {}
        try:
            hints = typing.get_type_hints(self.function)
        except Exception:  # noqa: BLE001 - forward references a module cannot resolve: no hints
            hints = {}
        for p in self.params:
            hint = hints.get(p)
            for arg in typing.get_args(hint) if typing.get_origin(hint) is typing.Union else (hint,):
                if typing.get_origin(arg) is typing.Literal:
                    self.values[p] += [v for v in typing.get_args(arg) if _scalar(v)]
                elif isinstance(arg, type) and issubclass(arg, enum.Enum):
                    self.values[p] += [m.value for m in arg if _scalar(m.value)]


def _fails(body: list[ast.stmt]) -> bool:
    """A branch that raises, or returns an error: ``{"error": ...}``, ``"Error: ..."``."""
    for stmt in body:
        if isinstance(stmt, ast.Raise):
            return True
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            value = stmt.value
            if isinstance(value, ast.Dict) and any(
                isinstance(k, ast.Constant) and k.value == "error" for k in value.keys
            ):
                return True
            if (
                isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and value.value.lower().startswith("error")
            ):
                return True
    return False


def _partial_keys(node: ast.AST) -> list[Any]:
    """A dict literal whose values are not literals (``{"km": 1000 * X}``): its literal keys still count."""
    if isinstance(node, ast.Dict):
        return [k.value for k in node.keys if isinstance(k, ast.Constant)]
    return []


def _distinct(items: list[Any]) -> list[Any]:
    seen, out = set(), []
    for item in items:
        key = repr(sorted(item.items())) if isinstance(item, dict) else repr(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
