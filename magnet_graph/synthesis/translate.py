"""Back-and-forth translation of a signature path, turn by turn, with real execution.

For each turn: plan grounded reference calls (``planner``), back-translate them into a user query,
forth-translate the query into calls step by step, execute them live, feed the outputs forward.
A failed call is repaired once by the teacher; after that the path is cut before the turn (kept if
a turn is left) with a counted reason. Split turns ask for the next turn's work while withholding
its function or one value; the next turn supplies it, as BFCL's miss_func / miss_param do.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..errors import MagnetGraphError
from ..execution import Executor
from ..paths import SignaturePath
from ..signature import FunctionSignature
from ..teachers import Teacher
from . import prompts
from .planner import Executed, PlannedCall, plan_turn
from .record import openai_tool

# BFCL's own text for the turn where a withheld function comes back (DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC).
ADDED_FUNCTIONS_MESSAGE = "I have updated some more functions you can choose from. What about now?"


@dataclass
class TurnRecord:
    """One user turn as translated and executed: the reference the positive trajectory must match."""

    index: int
    op: str
    user: str
    calls: list[list[dict[str, Any]]] = field(default_factory=list)  # per step: [{"name", "arguments"}]
    outputs: list[list[Any]] = field(default_factory=list)
    reply: str = "summary"  # the assistant's closing move: summary | unavailable | ask
    missing: dict[str, str] | None = None
    added: list[str] = field(default_factory=list)  # withheld functions offered again from this turn
    bfcl_question: bool = True  # False for the miss_func follow-up turn (BFCL leaves its question empty)
    withheld_call: dict[str, Any] | None = None  # split/irrelevance turns: the call the user's request needs
    state_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class TranslationFailed(MagnetGraphError):
    def __init__(self, reason: str, turn: int):
        super().__init__(f"turn {turn}: {reason}")
        self.reason, self.turn = reason, turn


@dataclass
class Translator:
    teacher: Teacher
    executor: Executor
    signatures: dict[str, FunctionSignature]
    stats: Counter = field(default_factory=Counter)

    def translate(self, path: SignaturePath, state: dict[str, Any], rng: random.Random) -> tuple[list[TurnRecord], str]:
        """The translated turns, and '' or why the path was cut short."""
        self.executor.env.reset(state)
        history: list[Executed] = []
        turns: list[TurnRecord] = []
        pending: tuple[list[PlannedCall], Any, str] | None = None
        try:
            for turn in path.turns:
                if turn.missing is not None and turn.missing.kind == "irrelevance":
                    planned = self._plan(turn, (turn.missing.function,), history, rng)
                    query = self._back(planned, turns, None)
                    turns.append(
                        TurnRecord(
                            turn.index,
                            turn.op,
                            query,
                            reply="unavailable",
                            missing={"kind": "irrelevance", "function": turn.missing.function, "param": ""},
                            withheld_call=_call(planned[0]),
                            state_hash=self.executor.env.state_hash(),
                        )
                    )
                elif turn.missing is not None:
                    target = path.turns[turn.index + 1]
                    planned = self._plan(target, target.functions, history, rng)
                    m = turn.missing
                    withhold = {"function": m.function, "param": m.param} if m.kind == "miss_param" else None
                    query = self._back(planned, turns, withhold)
                    turns.append(
                        TurnRecord(
                            turn.index,
                            turn.op,
                            query,
                            reply="ask" if m.kind == "miss_param" else "unavailable",
                            missing={"kind": m.kind, "function": m.function, "param": m.param},
                            withheld_call=_call(next(c for c in planned if c.name == m.function)),
                            state_hash=self.executor.env.state_hash(),
                        )
                    )
                    pending = (planned, m, query)
                else:
                    turns.append(self._turn(path, turn, pending, history, turns, rng))
                    pending = None
        except TranslationFailed as failure:
            self.stats[failure.reason.split(":")[0]] += 1
            keep = [t for t in turns if t.index < failure.turn]
            while keep and keep[-1].missing is not None and keep[-1].missing["kind"] != "irrelevance":
                keep.pop()  # a split turn whose follow-up was lost
            return keep, failure.reason
        return turns, ""

    def _turn(self, path, turn, pending, history, turns, rng) -> TurnRecord:
        added, bfcl_question = [], True
        if pending is not None:
            planned, missing, asked = pending
            if missing.kind == "miss_func":
                tool = json.dumps([openai_tool(self.signatures[missing.function])], ensure_ascii=False)
                user, said, added, bfcl_question = (
                    f"{tool}\n{ADDED_FUNCTIONS_MESSAGE}",
                    [asked],
                    [missing.function],
                    False,
                )
            else:
                value = next(c.arguments[missing.param] for c in planned if c.name == missing.function)
                user = self._ask(
                    prompts.prompt(
                        prompts.BACK_INSTRUCTIONS,
                        {
                            "mode": "supply",
                            "supply": {"param": missing.param, "value": value},
                            "history": [t.user for t in turns],
                        },
                    ),
                    prompts.BACK_VERSION,
                    turn.index,
                )
                said = [asked, user]
        else:
            planned = self._plan(turn, turn.functions, history, rng)
            user = self._back(planned, turns, None)
            said = [user]
        record = TurnRecord(turn.index, turn.op, user, added=added, bfcl_question=bfcl_question)
        self._forth(turn.index, said, planned, history, record)
        record.state_hash = self.executor.env.state_hash()
        return record

    def _plan(self, turn, functions, history, rng) -> list[PlannedCall]:
        planned = plan_turn(self.executor, self.signatures, turn, functions, history, rng)
        if isinstance(planned, str):
            raise TranslationFailed(planned, turn.index)
        return planned

    def _back(self, planned: list[PlannedCall], turns: list[TurnRecord], withhold: dict | None) -> str:
        calls = []
        for c in planned:
            say, refer = (
                dict(c.say),
                {p: {"field": r["field"], "same_turn": r["same_turn"]} for p, r in c.refer.items()},
            )
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
        self, index: int, said: list[str], planned: list[PlannedCall], history: list[Executed], record: TurnRecord
    ) -> None:
        """Forth-translate step by step until every planned call is made; execute each step live."""
        remaining = Counter(c.name for c in planned)
        functions = [prompts.signature_text(self.signatures[n]) for n in dict.fromkeys(c.name for c in planned)]
        earlier = [{"function": h.name, "arguments": h.arguments, "output": h.output} for h in history]
        this_turn: list[dict[str, Any]] = []
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
            calls = self._forth_calls(task, index)
            if not calls or any(remaining[c["name"]] <= 0 for c in calls):
                self.stats["forth_mismatch_calls"] += 1
                raise TranslationFailed("forth_mismatch", index)
            step = self._run_step(task, calls, index)
            record.calls.append([{"name": c["name"], "arguments": c["arguments"]} for c in step])
            record.outputs.append([c["output"] for c in step])
            for c in step:
                remaining[c["function"]] -= 1
                history.append(Executed(index, c["function"], c["arguments"], c["output"]))
            this_turn += step
        if +remaining:
            raise TranslationFailed("forth_incomplete", index)

    def _forth_calls(self, task: dict[str, Any], index: int) -> list[dict[str, Any]]:
        text = self.teacher.chat(prompts.prompt(prompts.FORTH_INSTRUCTIONS, task), prompt_version=prompts.FORTH_VERSION)
        try:
            return prompts.parse_calls(prompts.parse_reply(text, "forth-translation"), "forth-translation")
        except MagnetGraphError:
            raise TranslationFailed("forth_unreadable", index) from None

    def _run_step(self, task: dict[str, Any], calls: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
        """Execute a step's calls; repair the failed ones once. Returns [{"function", "name", "arguments", "output"}]."""
        done, failed = [], []
        for call in calls:
            obs = self.executor.execute(call)
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
                obs = self.executor.execute(call)
                self.stats["calls_executed"] += 1
                if not obs.ok:
                    raise TranslationFailed(f"execution_failed:{call['name']}", index)
                done.append((call, obs))
            self.stats["repaired"] += 1
        return [
            {"function": c["name"], "name": c["name"], "arguments": o.arguments, "output": o.output} for c, o in done
        ]


def _call(planned: PlannedCall) -> dict[str, Any]:
    return {"name": planned.name, "arguments": planned.arguments}
