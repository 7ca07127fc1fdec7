"""RL tasks from records: each user turn of a conversation, with the state it starts from and the reference.

A task is the conversation up to a user turn (``messages``), the tools offered then, how to rebuild
the environment's state at that point (the record's ``initial_state`` and ``seed``, its toolkits, and
``history``: the reference calls of the earlier turns, replayed in order), and what the turn should
do: the reference calls and outputs, the state hash after them, and the functions it must not call
(a withheld function, the function a clarification turn lacks a value for). Written one per line
as ``tasks.jsonl`` (see docs/training.md), so any RL stack that can run the tools can use them;
``open_task`` gives the environment for one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..environments import Episode, open_environment
from ..errors import MagnetGraphError
from ..records import Message, Record, RecordError, Serializable, ToolCall, ToolSpec, iter_jsonl
from ..signature import FunctionSignature

TASKS_FILE = "tasks.jsonl"


@dataclass(frozen=True)
class RLTask(Serializable):
    """One user turn of a record as an RL task (fields: see the module docstring)."""

    id: str  # RECORD_ID:TURN
    record_id: str
    turn: int
    messages: tuple[Message, ...]  # the record's messages up to and including this turn's user message
    tools: tuple[ToolSpec, ...]
    toolkits: tuple[str, ...]  # the environment holds every function of these toolkits
    environment: str
    seed: int
    initial_state: dict[str, Any]
    history: tuple[ToolCall, ...]
    state_hash: str  # of the state after ``history``: where the turn starts
    reference: tuple[tuple[ToolCall, ...], ...]  # one tuple per assistant step
    outputs: tuple[tuple[Any, ...], ...]
    expected_state_hash: str
    forbidden: tuple[str, ...]
    reply: str  # how the turn closes: summary, unavailable (cannot be done) or ask (a value is missing)

    @property
    def calls(self) -> tuple[ToolCall, ...]:
        """The reference calls in order."""
        return tuple(c for step in self.reference for c in step)


def record_tasks(record: Record, signatures: dict[str, FunctionSignature]) -> list[RLTask]:
    """The tasks of ``record``, one per user turn, each turn's reference replayed in the record's
    environment on the way: MagnetGraphError when a replay does not reach the state the record holds."""
    names = set(record.lineage.functions) | {t.missing.function for t in record.turns if t.missing}
    unknown = sorted(names - set(signatures))
    if unknown:
        raise MagnetGraphError(f"record {record.id}: function {unknown[0]} is not in the graph")
    toolkits = tuple(sorted({signatures[f].toolkit for f in names}))
    starts = [i for i, m in enumerate(record.messages) if m.role == "user"]
    hidden = {t.missing.function for t in record.turns if t.missing and t.missing.kind != "miss_param"}
    tasks: list[RLTask] = []
    history: list[ToolCall] = []
    with _episode(toolkits, record.initial_state, record.lineage.seed, signatures) as episode:
        executor = episode.reset()
        before = episode.state_hash()
        for k, turn in enumerate(record.turns):
            added = {n for t in record.turns[: k + 1] for n in t.added}
            tools = list(record.tools) + [ToolSpec.of(signatures[n]) for n in sorted(added)]
            forbidden = (hidden - added) | ({turn.missing.function} if turn.missing else set())
            forbidden |= {turn.withheld_call.name} if turn.withheld_call else set()
            tasks.append(
                RLTask(
                    id=f"{record.id}:{k}",
                    record_id=record.id,
                    turn=k,
                    messages=record.messages[: starts[k] + 1],
                    tools=tuple(tools),
                    toolkits=toolkits,
                    environment=record.lineage.environment,
                    seed=record.lineage.seed,
                    initial_state=record.initial_state,
                    history=tuple(history),
                    state_hash=before,
                    reference=turn.calls,
                    outputs=turn.outputs,
                    expected_state_hash=turn.state_hash,
                    forbidden=tuple(sorted(forbidden)),
                    reply=turn.reply,
                )
            )
            for call in (c for step in turn.calls for c in step):
                executor.execute(call)
                history.append(call)
            before = episode.state_hash()
            if before != turn.state_hash:
                raise MagnetGraphError(
                    f"record {record.id} turn {k}: its reference calls reach state {before[:12]}, "
                    f"the record holds {turn.state_hash[:12]} (the tools changed since the run?)"
                )
    return tasks


def build_tasks(records: Iterable[Record], signatures: dict[str, FunctionSignature]) -> tuple[list[RLTask], list[str]]:
    """Every record's tasks, in record order, and one line per record left out (why)."""
    tasks, problems = [], []
    for record in records:
        try:
            tasks += record_tasks(record, signatures)
        except MagnetGraphError as exc:
            problems.append(str(exc))
    return tasks, problems


def read_tasks(path: str | Path) -> list[RLTask]:
    """The tasks of a ``tasks.jsonl``; a missing file or a bad line is one error naming file:line:field."""
    path = Path(path)
    if not path.is_file():
        raise MagnetGraphError(f"{path}: not found (write it with `magnet-graph tasks RUN`)")
    tasks = []
    for number, row in iter_jsonl(path):
        try:
            tasks.append(RLTask.from_dict(row, f"{path}:{number}"))
        except RecordError as exc:
            raise MagnetGraphError(str(exc)) from None
    if not tasks:
        raise MagnetGraphError(f"{path}: no tasks")
    return tasks


def _episode(toolkits, state: dict[str, Any], seed: int, signatures: dict[str, FunctionSignature]) -> Episode:
    """The environment of every function of ``toolkits`` (as synthesis opened it), starting from ``state``."""
    sigs = sorted((s for s in signatures.values() if s.toolkit in toolkits), key=lambda s: s.name)
    return Episode(sigs, state, seed=seed, environment=open_environment(sigs, seed=seed))


def open_task(task: RLTask, signatures: dict[str, FunctionSignature]) -> Episode:
    """The task's environment in the state its turn starts from (the record's state, then ``history``);
    raises MagnetGraphError when that state's hash is not the task's (the tools changed since)."""
    episode = _episode(task.toolkits, task.initial_state, task.seed, signatures)
    try:
        episode.replay(task.history)
        found = episode.state_hash()
    except BaseException:
        episode.close()
        raise
    if found != task.state_hash:
        episode.close()
        raise MagnetGraphError(f"task {task.id}: its history reaches state {found[:12]}, not {task.state_hash[:12]}")
    return episode
