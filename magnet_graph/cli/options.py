"""Click options made from config dataclasses (``magnet_graph.config``): one definition per option.

``@config_options(PathConfig)`` adds one option per field that has help text; ``make(PathConfig,
kwargs)`` builds the config from the parsed values (texts go through the field's ``parse``).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

import click


def _field_type(config: type, name: str) -> Any:
    hint = typing.get_type_hints(config)[name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if typing.get_origin(hint) in (typing.Union, types.UnionType) and args else hint


def _default(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default is dataclasses.MISSING else f.default


def _option(config: type, f: dataclasses.Field):
    meta = f.metadata
    default = _default(f)
    dashed = "--" + f.name.replace("_", "-")
    flag = meta["flag"] or dashed
    if isinstance(default, bool):
        if default:
            return click.option(
                f"{flag}/--no-{flag.removeprefix('--')}", f.name, default=True, show_default=True, help=meta["help"]
            )
        return click.option(flag, f.name, is_flag=True, help=meta["help"])
    if meta["parse"]:  # the text goes to the field's parse; unset keeps the field's default
        shown = f"  [default: {meta['show'](default)}]" if meta["show"] else ""
        return click.option(flag, f.name, default=None, metavar=meta["metavar"], help=meta["help"] + shown)
    kind = _field_type(config, f.name)
    if kind is int and meta["minimum"] is not None:
        kind = click.IntRange(min=int(meta["minimum"]))
    return click.option(
        flag,
        f.name,
        type=kind,
        default=default,
        show_default=default is not None,
        metavar=meta["metavar"],
        help=meta["help"],
    )


def config_options(config: type, *, exclude: tuple[str, ...] = ()):
    """A decorator adding ``config``'s fields as options (in field order)."""

    def decorate(command):
        for f in reversed(dataclasses.fields(config)):
            if f.name not in exclude and f.metadata.get("help"):
                command = _option(config, f)(command)
        return command

    return decorate


def make(config: type, values: dict[str, Any], **fixed: Any):
    """``config`` from a command's parsed ``values`` (its own fields only; unset parsed ones keep the default)."""
    kwargs = dict(fixed)
    for f in dataclasses.fields(config):
        if f.name in values and f.name not in kwargs:
            value = values[f.name]
            if f.metadata.get("parse"):
                if value is None:
                    continue
                value = f.metadata["parse"](value)
            kwargs[f.name] = value
    return config(**kwargs)
