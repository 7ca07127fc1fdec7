"""Training configuration: one YAML file with three sections, checked field by field.

```yaml
args:   {learning_rate: 2.0e-5, num_train_epochs: 1, ...}   # fields of trl's SFTConfig / MDPOConfig
model:  {dtype: bfloat16, attn_implementation: sdpa}       # from_pretrained keyword arguments
lora:   {r: 32, lora_alpha: 64, target_modules: all-linear} # optional: peft LoraConfig fields
```
``--set section.field=value`` (value read as YAML) overrides a file's entry.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from ..errors import MagnetGraphError

SECTIONS = ("args", "model", "lora")
# What every run gets unless the config says otherwise: no hub, no trackers, checkpoints to resume from.
DEFAULT_ARGS = {
    "report_to": "none",
    "logging_steps": 10,
    "save_strategy": "steps",
    "save_steps": 200,
    "save_total_limit": 2,
    "seed": 0,
}


def load_config(path: str | Path | None, overrides: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """The config as ``{"args": {...}, "model": {...}, "lora": {...} | {}}``; errors name file and field."""
    import yaml

    where = str(path) if path else "--set"
    config: dict[str, Any] = {}
    if path:
        try:
            config = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise MagnetGraphError(f"{path}: cannot read ({exc.strerror})") from None
        except yaml.YAMLError as exc:
            raise MagnetGraphError(f"{path}: not YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(config, dict):
            raise MagnetGraphError(f"{path}: expected a mapping with sections {', '.join(SECTIONS)}")
    for item in overrides:
        key, sep, value = item.partition("=")
        section, dot, name = key.partition(".")
        if not (sep and dot and name):
            raise MagnetGraphError(f"--set {item!r}: expected SECTION.FIELD=VALUE, e.g. args.learning_rate=1e-5")
        config.setdefault(section, {})
        if isinstance(config[section], dict):
            config[section][name] = yaml.safe_load(value)
    for section, body in config.items():
        if section not in SECTIONS:
            raise MagnetGraphError(f"{where}: section {section!r}: unknown (expected {', '.join(SECTIONS)})")
        if not isinstance(body, dict):
            raise MagnetGraphError(f"{where}: section {section!r}: expected a mapping")
    sections = {
        section: {name: _number(value) for name, value in config.get(section, {}).items()} for section in SECTIONS
    }
    return {
        "args": {**DEFAULT_ARGS, **sections["args"]},
        "model": sections["model"],
        "lora": sections["lora"],
        "source": where,
    }


def _number(value: Any) -> Any:
    """PyYAML reads ``2e-5`` (no dot) as a string; a learning rate written that way is still a number."""
    if isinstance(value, str) and re.fullmatch(r"[-+]?\d+(\.\d*)?[eE][-+]?\d+", value):
        return float(value)
    return value


def check_fields(config: dict[str, Any], section: str, cls: type) -> None:
    """Every key of ``config[section]`` must be a field of dataclass ``cls``."""
    known = {f.name for f in dataclasses.fields(cls)}
    for name in config[section]:
        if name not in known:
            raise MagnetGraphError(f"{config['source']}: {section}.{name}: not a field of {cls.__name__}")


def grid_points(grid_path: str | Path, method: str) -> list[tuple[str, str, list[str]]]:
    """``(name, base config path, --set overrides)`` for every combination in a grid file's ``method`` section."""
    import itertools

    import yaml

    grid_path = Path(grid_path)
    section = (yaml.safe_load(grid_path.read_text(encoding="utf-8")) or {}).get(method)
    if not isinstance(section, dict) or "config" not in section:
        raise MagnetGraphError(f"{grid_path}: section {method!r}: expected a mapping with 'config' and 'grid'")
    keys = list(section.get("grid", {}))
    points = []
    for values in itertools.product(*(section["grid"][k] for k in keys)):
        name = "_".join(f"{k.split('.')[-1]}{v}" for k, v in zip(keys, values)) or "base"
        points.append((name, str(grid_path.parent / section["config"]), [f"{k}={v}" for k, v in zip(keys, values)]))
    return points
