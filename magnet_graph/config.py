"""The options of a run, as config dataclasses: one definition per option, for the library and the CLI.

Each field is an ``option(default, help=...)``: a ``dataclasses.field`` whose metadata the CLI turns
into a click option (``magnet_graph.cli.options``): the flag is the field name with dashes unless
``flag`` says otherwise, the type comes from the annotation, ``parse`` reads the option's text.
In Python a config is built like any dataclass: ``PathConfig(n=50, ops=("merge",))``.

This module imports nothing heavy, so ``magnet-graph --help`` stays fast.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import MagnetGraphError

OPERATIONS = ("merge", "insert", "split")  # the paper's node operations, in the order they apply
SINGLE_TURN_SHAPES = ("single", "parallel", "multiple", "irrelevance")
# The paper's SFT set: 7.8K multi-turn, 20K single-turn (single, parallel, multiple; the split is
# not given, so even) and 6.2K irrelevance samples.
PAPER_SFT_MIX = {
    "multi_turn": 7_800.0,
    "single": 20_000 / 3,
    "parallel": 20_000 / 3,
    "multiple": 20_000 / 3,
    "irrelevance": 6_200.0,
}


def option(
    default: Any = dataclasses.MISSING,
    *,
    help: str,
    flag: str | None = None,
    minimum: float | None = None,
    parse: Callable[[str], Any] | None = None,
    show: Callable[[Any], str] | None = None,
    metavar: str | None = None,
    default_factory: Callable[[], Any] | None = None,
    flag_value: str | None = None,
) -> Any:
    """A dataclass field described for the command line; ``flag_value``: what the flag alone gives
    (its value is then optional)."""
    metadata = {
        "help": help,
        "flag": flag,
        "minimum": minimum,
        "parse": parse,
        "show": show,
        "metavar": metavar,
        "flag_value": flag_value,
    }
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def parse_ops(text: str) -> tuple[str, ...]:
    """``merge,insert,split`` -> the operations in that order; ``none`` -> no operation."""
    if text.strip() == "none":
        return ()
    return tuple(o.strip() for o in text.split(",") if o.strip())


def parse_mix(text: str) -> dict[str, float]:
    """``single=0,irrelevance=2`` -> the paper's mix with those weights changed; ``none`` -> multi-turn only."""
    if text.strip() == "none":
        return {shape: (1.0 if shape == "multi_turn" else 0.0) for shape in PAPER_SFT_MIX}
    mix = dict(PAPER_SFT_MIX)
    for item in filter(None, (t.strip() for t in text.split(","))):
        key, _, value = item.partition("=")
        if key not in mix:
            raise MagnetGraphError(f"--mix: unknown shape {key!r}; choose from {', '.join(mix)}")
        try:
            mix[key] = float(value)
        except ValueError:
            raise MagnetGraphError(f"--mix: {item!r}: expected SHAPE=WEIGHT") from None
    return mix


@dataclass(frozen=True)
class PathConfig:
    """What a run walks: ``n`` multi-turn walks of up to ``max_steps`` functions, reshaped by ``ops``
    (split adds copies), then single-turn paths in ``mix``'s ratio of each shape to multi_turn."""

    n: int = option(30, flag="-n", minimum=1, help="Multi-turn walks.")
    seed: int = option(0, help="Seed of every random draw (walks, operations, shapes, values).")
    max_steps: int = option(7, minimum=2, help="S: functions per walk, as in the paper.")
    min_steps: int = option(3, minimum=2, help="Walks with fewer functions are not kept (2: any two-call path).")
    weighted: bool = option(False, help="Walk successors in proportion to edge score.")
    backtrack: int = option(
        3, minimum=0, help="At a dead end, step on from up to this many earlier functions (0: stop, as in the paper)."
    )
    ops: tuple[str, ...] = option(
        OPERATIONS,
        parse=parse_ops,
        show=",".join,
        metavar="OP,...",
        help="Node operations in the paper's order (merge,insert,split); 'none' for plain walks.",
    )
    mix: dict[str, float] = option(
        parse=parse_mix,
        metavar="SHAPE=W,...",
        default_factory=lambda: dict(PAPER_SFT_MIX),
        help="Weights of multi_turn, single, parallel, multiple and irrelevance samples (default: the paper's "
        "SFT mix); 'none' for multi-turn paths only.",
    )

    def __post_init__(self):
        if self.n < 1:
            raise MagnetGraphError(f"-n: {self.n}: at least one walk")
        if not -(2**63) <= self.seed < 2**63:
            raise MagnetGraphError(f"--seed: {self.seed}: a 64-bit integer (seeds are stored in the graph)")
        if self.max_steps < 2:
            raise MagnetGraphError(f"--max-steps: {self.max_steps}: a path needs at least 2 functions")
        if not 2 <= self.min_steps <= self.max_steps:
            raise MagnetGraphError(f"--min-steps: {self.min_steps}: between 2 and --max-steps ({self.max_steps})")
        unknown = sorted(set(self.ops) - set(OPERATIONS))
        if unknown:
            raise MagnetGraphError(f"--ops: unknown operation {unknown[0]!r}; choose from {', '.join(OPERATIONS)}")
        for key, weight in self.mix.items():
            if key not in PAPER_SFT_MIX:
                raise MagnetGraphError(f"--mix: unknown shape {key!r}; choose from {', '.join(PAPER_SFT_MIX)}")
            if not math.isfinite(weight) or weight < 0:
                raise MagnetGraphError(f"--mix: {key}={weight}: weights are finite and not negative")
        if self.mix.get("multi_turn", 0) <= 0:
            raise MagnetGraphError("--mix: multi_turn must be positive")

    def single_turn_count(self) -> int:
        """Single-turn paths to add to ``n`` multi-turn ones, in the mix's ratio."""
        return round(self.n * sum(self.mix.get(s, 0) for s in SINGLE_TURN_SHAPES) / self.mix["multi_turn"])

    def to_dict(self) -> dict[str, Any]:
        """What decides the paths (a run's identity in run.json)."""
        return {
            "n": self.n,
            "seed": self.seed,
            "max_steps": self.max_steps,
            "min_steps": self.min_steps,
            "weighted": self.weighted,
            "backtrack": self.backtrack,
            "ops": list(self.ops),
            "mix": dict(self.mix),
        }


@dataclass(frozen=True)
class SynthesisConfig(PathConfig):
    """A synthesize run: what it walks (``PathConfig``), with at most ``concurrency`` teacher requests
    in flight. ``concurrency`` is how fast, not what: a resumed run may use another."""

    concurrency: int = option(
        4,
        minimum=1,
        help="Teacher requests in flight at once (an endpoint's limit). Three times as many paths run, each in its "
        "own environment, so one path's tool calls overlap another's wait (as many as this with the offline teacher, "
        "which makes nothing wait). With --ray, paths submitted at once.",
    )
    ray: str | None = option(
        None,
        flag_value="",
        metavar="[ADDRESS]",
        help="Translate and distil paths as Ray tasks on the cluster at ADDRESS (as ray.init takes it: auto, "
        "HOST:PORT, ray://HOST:PORT), or with no ADDRESS the one ray.init finds or starts; one path per CPU slot. "
        "The files are the same as without it.",
    )
    fan_out: float = option(
        0.5, minimum=0.0, help="Chance that a call gets a parallel call for another existing item (another file, user)."
    )
    output_cap: int = option(
        100_000, minimum=1, help="Characters a tool's answer may have (a longer one fails the call)."
    )
    state_cap: int = option(
        64 << 20, minimum=1, help="Characters of tool state the planner reads (a bigger state: no state values)."
    )
    allow_simulated: bool = option(
        False, help="Keep records whose tool outputs were simulated (made up) in the training files."
    )
    max_tools: int = option(
        40,
        minimum=1,
        help="Tools a record offers: the ones its conversation uses, then seeded distractors from the same "
        "toolkits (BFCL's classes offer up to ~40).",
    )

    def __post_init__(self):
        super().__post_init__()
        if self.concurrency < 1:
            raise MagnetGraphError(f"--concurrency: {self.concurrency}: at least 1")
        if not 0.0 <= self.fan_out <= 1.0:
            raise MagnetGraphError(f"--fan-out: {self.fan_out}: a chance between 0 and 1")
        if self.max_tools < 1:
            raise MagnetGraphError(f"--max-tools: {self.max_tools}: at least 1")

    def to_dict(self) -> dict[str, Any]:
        """What decides the conversations (a run's identity): the paths, and how turns may fan out."""
        return {
            **super().to_dict(),
            "fan_out": self.fan_out,
            "output_cap": self.output_cap,
            "state_cap": self.state_cap,
            "max_tools": self.max_tools,
        }


@dataclass(frozen=True)
class LinkConfig:
    """How a graph's edges are inferred (``magnet-graph load``, ``edges --infer``, ``synthesize --catalog``)."""

    min_edge_score: float | None = option(None, help="Edge threshold (default: EdgeConfig.min_score).")
    verify: bool = option(True, help="Execution evidence: run executable tools to learn outputs and verify edges.")
    keep_refuted: bool = option(False, help="Keep edges that execution refuted (their evidence says so).")
    full: bool = option(
        False,
        help="Infer the whole graph's edges again, not only those touching functions added or changed since the last inference.",
    )
    judge: str | None = option(None, metavar="openai:MODEL", help="LLM-judge evidence from this teacher.")
    judge_base_url: str | None = option(
        None, flag="--base-url", metavar="URL", help="OpenAI-compatible endpoint for --judge."
    )
