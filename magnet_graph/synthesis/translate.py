"""Back-and-forth translation of a signature path, turn by turn, with real execution.

For each turn: plan grounded reference calls (``planner``), back-translate them into a user query,
forth-translate the query into calls step by step, execute them live, feed the outputs forward.
A failed call is repaired once by the teacher; after that the path is cut before the turn (kept if
a turn is left) with a counted reason. Split turns ask for the next turn's work while withholding
its function or one value; the next turn supplies it, as BFCL's miss_func / miss_param do.
Translation starts from the episode's starting state (``episode.reset()``).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..environments import Episode
from ..errors import MagnetGraphError
from ..execution import Executor
from ..paths import PathTurn, SignaturePath
from ..records import Missing, ToolCall, ToolSpec, Turn
from ..signature import FunctionSignature
from ..teachers import Teacher
from . import prompts
from .planner import Executed, PlannedCall, PlanOptions, plan_turn

# What the user says when withheld functions become available again (the wording of BFCL's data).
TOOLS_ADDED_MESSAGE = "I have updated some more functions you can choose from. What about now?"


def _lost_dependency(path: SignaturePath, turn: PathTurn, removed: set[int]) -> int | None:
    """A cut turn this one (or, for a split turn, the turn it asks for) takes a value from."""
    asks = [turn] + (
        [path.turns[turn.index + 1]] if turn.missing is not None and turn.missing.kind != "irrelevance" else []
    )
    return next((d.turn for t in asks for d in t.depends_on if d.turn in removed), None)


def _with_partner(path: SignaturePath, turn: PathTurn) -> set[int]:
    """The turn, and the turn its split pairs it with (a miss_func / miss_param turn and the next)."""
    if turn.missing is not None and turn.missing.kind != "irrelevance":
        return {turn.index, turn.index + 1}
    return {turn.index}


def cut_reasons(cut: str) -> list[str]:
    """``"turn 2: plan_failed:x; turn 3: depends on turn 2"`` -> ``["plan_failed", "depends on a cut turn"]``."""
    reasons = []
    for part in filter(None, cut.split("; ")):
        reason = part.split(": ", 1)[-1]
        reasons.append("depends on a cut turn" if reason.startswith("depends on turn") else reason.split(":")[0])
    return reasons


class TranslationFailed(MagnetGraphError):
    def __init__(self, reason: str, turn: int):
        super().__init__(f"turn {turn}: {reason}")
        self.reason, self.turn = reason, turn


@dataclass
class _Pending:
    """A split turn's request, waiting for the turn that supplies what it withheld."""

    planned: list[PlannedCall]
    missing: Missing
    asked: str


@dataclass
class Translator:
    teacher: Teacher
    episode: Episode
    signatures: dict[str, FunctionSignature]
    options: PlanOptions = field(default_factory=PlanOptions)  # prerequisites, fan-out
    stats: Counter = field(default_factory=Counter)

    def translate(self, path: SignaturePath, rng: random.Random) -> tuple[list[Turn], str]:
        """The translated turns, and '' or which turns were cut and why (``"turn 2: plan_failed:x;
        turn 3: depends on turn 2"``). A turn that fails is removed with the turns that depend on
        it, a split turn with the turn that supplies what it withheld; the conversation goes on
        from the state the kept turns left."""
        executor = self.episode.reset()
        history: list[Executed] = []
        turns: list[Turn] = []
        cuts: list[str] = []
        removed: set[int] = set()
        pending: _Pending | None = None
        for turn in path.turns:
            if turn.index in removed:
                continue
            lost = _lost_dependency(path, turn, removed)
            if lost is not None:
                removed |= _with_partner(path, turn)
                cuts.append(f"turn {turn.index}: depends on turn {lost}")
                continue
            mark = len(history)
            try:
                if turn.missing is not None and turn.missing.kind == "irrelevance":
                    planned = self._plan(executor, turn, (turn.missing.function,), history, rng)
                    query = self._back(planned, turns, None)
                    turns.append(
                        Turn(
                            turn.index,
                            turn.ops,
                            query,
                            reply="unavailable",
                            missing=Missing("irrelevance", turn.missing.function),
                            withheld_call=planned[0].call,
                            state_hash=executor.env.state_hash(),
                        )
                    )
                elif turn.missing is not None:
                    target = path.turns[turn.index + 1]
                    planned = self._plan(executor, target, target.functions, history, rng)
                    m = turn.missing
                    withhold = {"function": m.function, "param": m.param} if m.kind == "miss_param" else None
                    query = self._back(planned, turns, withhold)
                    turns.append(
                        Turn(
                            turn.index,
                            turn.ops,
                            query,
                            reply="ask" if m.kind == "miss_param" else "unavailable",
                            missing=m,
                            withheld_call=next(c for c in planned if c.name == m.function).call,
                            state_hash=executor.env.state_hash(),
                        )
                    )
                    pending = _Pending(planned, m, query)
                else:
                    turns.append(self._turn(executor, turn, pending, history, turns, rng))
                    pending = None
            except TranslationFailed as failure:
                self.stats[failure.reason.split(":")[0]] += 1
                cuts.append(f"turn {turn.index}: {failure.reason}")
                removed |= _with_partner(path, turn)
                if pending is not None:  # this turn supplied what the split turn before it withheld
                    removed.add(turns.pop().index)
                    pending = None
                del history[mark:]  # back to the state the kept turns left
                executor = self.episode.replay(ToolCall(h.name, h.arguments) for h in history)
        return turns, "; ".join(cuts)

    def _turn(self, executor, turn: PathTurn, pending: _Pending | None, history, turns, rng) -> Turn:
        added: tuple[str, ...] = ()
        if pending is not None:
            planned, missing = pending.planned, pending.missing
            if missing.kind == "miss_func":
                tool = json.dumps([ToolSpec.of(self.signatures[missing.function]).to_dict()], ensure_ascii=False)
                user, said, added = f"{tool}\n{TOOLS_ADDED_MESSAGE}", [pending.asked], (missing.function,)
            else:
                value = next(c.arguments[missing.param] for c in planned if c.name == missing.function)
                task = {
                    "mode": "supply",
                    "supply": {"param": missing.param, "value": value},
                    "history": [t.user for t in turns],
                }
                user = self._ask(prompts.prompt(prompts.BACK_INSTRUCTIONS, task), prompts.BACK_VERSION, turn.index)
                said = [pending.asked, user]
        else:
            planned = self._plan(executor, turn, turn.functions, history, rng)
            user = self._back(planned, turns, None)
            said = [user]
        calls, outputs = self._forth(executor, turn.index, said, planned, history)
        ops = turn.ops + (("prerequisite",) if any(c.prerequisite for c in planned) else ())
        ops += ("fan_out",) if any(c.fanned for c in planned) else ()
        return Turn(turn.index, ops, user, calls, outputs, added=added, state_hash=executor.env.state_hash())

    def _plan(self, executor, turn, functions, history, rng) -> list[PlannedCall]:
        planned = plan_turn(executor, self.signatures, turn, functions, history, rng, self.options)
        if isinstance(planned, str):
            raise TranslationFailed(planned, turn.index)
        return planned

    def _back(self, planned: list[PlannedCall], turns: list[Turn], withhold: dict | None) -> str:
        calls = []
        for c in planned:
            say = dict(c.say)
            refer = {p: {k: r[k] for k in ("field", "same_turn", "element") if k in r} for p, r in c.refer.items()}
            if withhold and withhold["function"] == c.name and withhold["param"] in refer:
                refer.pop(withhold["param"])  # a withheld value is stated by the user later, never referred to
                say[withhold["param"]] = c.arguments[withhold["param"]]
            calls.append(
                {
                    "function": c.name,
                    "description": self.signatures[c.name].description,
                    "say": say,
                    "refer": refer,
                    "nested": c.nested,
                }
            )
        task = {"mode": "ask", "calls": calls, "withhold": withhold, "history": [t.user for t in turns]}
        return self._ask(prompts.prompt(prompts.BACK_INSTRUCTIONS, task), prompts.BACK_VERSION, -1)

    def _ask(self, messages, version, turn) -> str:
        reply = prompts.parse_reply(self.teacher.chat(messages, prompt_version=version), "back-translation")
        if not isinstance(reply.get("query"), str) or not reply["query"].strip():
            raise TranslationFailed("back_unreadable", turn)
        return reply["query"].strip()

    def _forth(
        self, executor: Executor, index: int, said: list[str], planned: list[PlannedCall], history: list[Executed]
    ) -> tuple[tuple, tuple]:
        """Forth-translate step by step until every planned call is made, executing each step live:
        the calls and their outputs, per step."""
        remaining = Counter(c.name for c in planned)
        functions = [prompts.signature_text(self.signatures[n]) for n in dict.fromkeys(c.name for c in planned)]
        earlier = [{"function": h.name, "arguments": h.arguments, "output": h.output} for h in history]
        this_turn: list[dict[str, Any]] = []
        calls, outputs = [], []
        for _ in range(len(planned) + 1):
            if not +remaining:
                break
            task = {
                "messages": said,
                "functions": functions,
                "earlier": earlier,
                "turn_outputs": this_turn,
                "done": [{"name": c["function"], "arguments": c["arguments"]} for c in this_turn],
            }
            asked = self._forth_calls(task, index)
            if not asked or any(remaining[c["name"]] <= 0 for c in asked):
                self.stats["forth_mismatch_calls"] += 1
                raise TranslationFailed("forth_mismatch", index)
            step = self._run_step(executor, task, asked, index)
            calls.append(tuple(ToolCall(c["name"], c["arguments"]) for c in step))
            outputs.append(tuple(c["output"] for c in step))
            for c in step:
                remaining[c["function"]] -= 1
                history.append(Executed(index, c["function"], c["arguments"], c["output"]))
            this_turn += step
        if +remaining:
            raise TranslationFailed("forth_incomplete", index)
        return tuple(calls), tuple(outputs)

    def _forth_calls(self, task: dict[str, Any], index: int) -> list[dict[str, Any]]:
        text = self.teacher.chat(prompts.prompt(prompts.FORTH_INSTRUCTIONS, task), prompt_version=prompts.FORTH_VERSION)
        try:
            return prompts.parse_calls(prompts.parse_reply(text, "forth-translation"), "forth-translation")
        except MagnetGraphError:
            raise TranslationFailed("forth_unreadable", index) from None

    def _run_step(
        self, executor: Executor, task: dict[str, Any], calls: list[dict[str, Any]], index: int
    ) -> list[dict[str, Any]]:
        """Execute a step's calls; repair the failed ones once. Returns [{"function", "name", "arguments", "output"}]."""
        done, failed = [], []
        for call in calls:
            obs = executor.execute(call)
            self.stats["calls_executed"] += 1
            (done if obs.ok else failed).append((call, obs))
        if failed:
            self.stats["repairs"] += 1
            succeeded = [{"function": c["name"], "arguments": o.arguments, "output": o.output} for c, o in done]
            repair = {
                **task,
                "error": "; ".join(f"{c['name']}: {o.error}" for c, o in failed),
                "failed": [c for c, _ in failed],
                "turn_outputs": task["turn_outputs"] + succeeded,
                "done": task["done"] + [{"name": c["function"], "arguments": c["arguments"]} for c in succeeded],
            }
            fixed = self._forth_calls(repair, index)
            if [c["name"] for c in fixed] != [c["name"] for c, _ in failed]:
                raise TranslationFailed("execution_failed", index)
            for call in fixed:
                obs = executor.execute(call)
                self.stats["calls_executed"] += 1
                if not obs.ok:
                    raise TranslationFailed(f"execution_failed:{call['name']}", index)
                done.append((call, obs))
            self.stats["repaired"] += 1
        return [
            {"function": c["name"], "name": c["name"], "arguments": o.arguments, "output": o.output} for c, o in done
        ]
