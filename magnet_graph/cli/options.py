"""Click options made from config dataclasses (``magnet_graph.config``): one definition per option.

``@config_options(PathConfig)`` adds one option per field that has help text; ``make(PathConfig,
values)`` builds the config from the parsed values (texts go through the field's ``parse``).
Supported fields: ``bool`` (a flag, or ``--x/--no-x`` when the default is True), ``int`` and
``float`` (with an optional ``minimum``), ``str``, any of those ``| None``, and any type with a
``parse`` (its option takes text).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any

import click


def _field_type(config: type, name: str) -> Any:
    """The field's type, ``X`` for ``X | None``."""
    hint = typing.get_type_hints(config)[name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(args) == 1 else hint


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    raise TypeError(f"option {f.name!r} needs a default")


INT64 = (-(2**63), 2**63 - 1)  # what a Cypher parameter (and so every stored seed or count) can hold


class FiniteFloat(click.ParamType):
    """A float that is a number: 'nan' and 'inf' are refused with the option's name (Python's
    float() accepts both, and either would reach the files a run writes)."""

    name = "float"

    def __init__(self, minimum: float | None = None):
        self.minimum = minimum

    def convert(self, value, param, ctx):
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if self.minimum is not None and number < self.minimum:
            self.fail(f"{value!r} is below the minimum {self.minimum:g}", param, ctx)
        return number

    def get_metavar(self, param, ctx=None):
        return "FLOAT" if self.minimum is None else f"FLOAT>={self.minimum:g}"


def integer(minimum: int | None = None, maximum: int | None = None) -> click.IntRange:
    """An int option bounded by ``minimum``/``maximum`` and never beyond 64 bits."""
    low = INT64[0] if minimum is None else max(minimum, INT64[0])
    high = INT64[1] if maximum is None else min(maximum, INT64[1])
    return click.IntRange(low, high)


def _option(config: type, f: dataclasses.Field):
    meta, default = f.metadata, _default(f)
    flag = meta["flag"] or "--" + f.name.replace("_", "-")
    kind = _field_type(config, f.name)
    if meta["parse"]:  # the text goes to the field's parse; unset keeps the field's default
        shown = f"  [default: {meta['show'](default)}]" if meta["show"] else ""
        return click.option(flag, f.name, default=None, metavar=meta["metavar"], help=meta["help"] + shown)
    if kind is bool:
        if default:
            negative = "--no-" + flag.lstrip("-")
            return click.option(f"{flag}/{negative}", f.name, default=True, show_default=True, help=meta["help"])
        return click.option(flag, f.name, is_flag=True, help=meta["help"])
    if kind not in (int, float, str):
        raise TypeError(f"option {f.name!r}: a {kind!r} field needs a parse function")
    if kind is int:
        kind = integer(None if meta["minimum"] is None else int(meta["minimum"]))
    elif kind is float:
        kind = FiniteFloat(meta["minimum"])
    optional = {"is_flag": False, "flag_value": meta["flag_value"]} if meta.get("flag_value") is not None else {}
    return click.option(
        flag,
        f.name,
        **optional,
        type=kind,
        default=default,
        show_default=default is not None,
        metavar=meta["metavar"],
        help=meta["help"],
    )


def config_options(config: type):
    """A decorator adding ``config``'s fields as options (in field order)."""

    def decorate(command):
        for f in reversed(dataclasses.fields(config)):
            if f.metadata.get("help"):
                command = _option(config, f)(command)
        return command

    return decorate


def make(config: type, values: dict[str, Any]):
    """``config`` from a command's parsed ``values`` (its own fields only; an unset parsed one keeps its default)."""
    kwargs = {}
    for f in dataclasses.fields(config):
        if f.name in values:
            value = values[f.name]
            if f.metadata.get("parse"):
                if value is None:
                    continue
                value = f.metadata["parse"](value)
            kwargs[f.name] = value
    return config(**kwargs)
