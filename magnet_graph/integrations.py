"""Integrations: what a benchmark or a tool ecosystem plugs into magnet-graph without the core naming it.

An integration is an object registered under the entry-point group ``magnet_graph.integrations``
(``pyproject.toml``: ``[project.entry-points."magnet_graph.integrations"]``). The BFCL adapter
(``magnet_graph.bfcl``) is one; a package of your own can add another the same way. Each may:

- ``load_catalog(source)``: claim catalog sources (``bfcl``, ``bfcl:TravelAPI``) and return their signatures;
- ``class_backends``: run tools whose ``execution["kind"]`` it names (see ``ClassBackend``);
- ``toolkit_backends``: run tools of a kind as a whole toolkit of its own, for tools that are not
  methods of a class (MCP servers; see ``ToolkitBackend``);
- ``check_run(out, records, signatures)``: write its own files for a finished run and score them;
- ``check_contamination(records)``: say whether records copy its test data.

Integrations are found lazily, on first use, so no import order matters.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

from .errors import MagnetGraphError
from .records import Record
from .signature import FunctionSignature

ENTRY_POINT_GROUP = "magnet_graph.integrations"


class ClassBackend(Protocol):
    """How to run tools that are methods of a class: ``execution`` is a signature's ``execution`` dict."""

    def tool_class(self, execution: dict[str, Any]) -> type:
        """The class whose instance serves the tool. It is also called in the process that forks
        the worker, before the fork: whatever ``load_state`` imports should be imported here too."""

    def state_key(self, execution: dict[str, Any]) -> str:
        """The key of the instance's state in an environment state ({key: state})."""

    def load_state(self, instance: Any, state: dict[str, Any] | None, **options: Any) -> None:
        """Put ``state`` (None: the class's default) into a fresh instance."""

    def initial_state(self, key: str, rng: random.Random) -> dict[str, Any] | None:
        """A generated starting state for one trajectory, or None to start from the default."""


class ToolkitBackend(Protocol):
    """How to run tools that are not methods of a class (live MCP servers): the backend builds the
    toolkit a worker process serves (``reset``, ``invoke``, ``snapshot``, and optionally
    ``checkpoint``/``rollback``/``release``, ``process_groups`` and ``close``)."""

    request_timeout: float  # seconds a worker request may take (a reset may start servers)

    def toolkit(self, signatures: list[FunctionSignature], *, log_path: str | None = None) -> Any:
        """A toolkit for ``signatures``; ``log_path``: where the tools' own diagnostics go."""

    def initial_state(self, signatures: list[FunctionSignature], rng: random.Random) -> dict[str, Any]:
        """A generated starting state for one trajectory, ``{state key: state}`` (may be empty)."""


@dataclass(frozen=True)
class RunCheck:
    """An integration's own checker on a run: positives it accepted, negatives it rejected, and its
    breakdown (``details``, written as is). ``error`` says why the checker could not run."""

    positives: int = 0
    positives_accepted: int = 0
    negatives: int = 0
    negatives_rejected: int = 0
    error: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def positive_accept_rate(self) -> float | None:
        return round(self.positives_accepted / self.positives, 4) if self.positives else None

    @property
    def negative_reject_rate(self) -> float | None:
        return round(self.negatives_rejected / self.negatives, 4) if self.negatives else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "positives": self.positives,
            "positives_accepted": self.positives_accepted,
            "positive_accept_rate": self.positive_accept_rate,
            "negatives": self.negatives,
            "negatives_rejected": self.negatives_rejected,
            "negative_reject_rate": self.negative_reject_rate,
            "error": self.error,
            "details": self.details,
        }

    def summary(self) -> str:
        """One line: what was accepted and rejected, or why the checker did not run."""
        if self.error:
            return self.error
        return (
            f"positives accepted {self.positives_accepted}/{self.positives}, "
            f"negatives rejected {self.negatives_rejected}/{self.negatives}"
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunCheck:
        names = ("positives", "positives_accepted", "negatives", "negatives_rejected", "error", "details")
        return cls(**{k: data[k] for k in names if k in data})


@dataclass(frozen=True)
class Contamination:
    """How many of a run's user queries and initial states match an integration's test data."""

    queries_checked: int = 0
    states_checked: int = 0
    query_hits: int = 0
    state_hits: int = 0
    examples: tuple[dict[str, Any], ...] = ()

    @property
    def hits(self) -> int:
        return self.query_hits + self.state_hits

    def to_dict(self) -> dict[str, Any]:
        return {
            "queries_checked": self.queries_checked,
            "states_checked": self.states_checked,
            "query_hits": self.query_hits,
            "state_hits": self.state_hits,
            "examples": list(self.examples),
        }


class Integration:
    """Base class: an integration overrides what it provides; the defaults provide nothing."""

    name: str = ""
    source_help: str = ""  # the catalog sources it claims, for help texts
    packages: tuple[str, ...] = ()  # distributions whose versions a run's manifest records
    class_backends: dict[str, ClassBackend] = {}
    toolkit_backends: dict[str, ToolkitBackend] = {}

    def load_catalog(self, source: str) -> list[FunctionSignature] | None:
        """The signatures of ``source`` if this integration claims it, else None."""
        return None

    def check_run(self, out: Path, records: list[Record], signatures: dict[str, FunctionSignature]) -> RunCheck | None:
        """Write this integration's files for a finished run into ``out`` and score them (None: not applicable)."""
        return None

    def check_contamination(self, records: list[Record]) -> Contamination | None:
        """Matches of ``records`` against this integration's test data (None: it has none)."""
        return None


@functools.cache
def installed() -> tuple[Integration, ...]:
    """Every registered integration, in name order (loaded once per process)."""
    found = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            integration = ep.load()
        except Exception as exc:  # a broken plugin is the user's to fix: say which, not a traceback
            raise MagnetGraphError(f"integration {ep.name!r} ({ep.value}) failed to load: {exc}") from None
        found.append(integration)
    return tuple(found)


def class_backend(kind: str) -> ClassBackend | None:
    """The backend an integration provides for ``execution["kind"] == kind``, if any."""
    return next((i.class_backends[kind] for i in installed() if kind in i.class_backends), None)


def toolkit_backend(kind: str) -> ToolkitBackend | None:
    """The toolkit backend an integration provides for ``execution["kind"] == kind``, if any."""
    return next((i.toolkit_backends[kind] for i in installed() if kind in i.toolkit_backends), None)
