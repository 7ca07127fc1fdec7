"""``synthesize``: paths -> translated, executed conversations -> positive and negative trajectories -> exports.

The run directory (see docs/synthesis.md) is written so that a killed run resumes: paths.jsonl is
fixed at the start; each path's outcome is one appended line in trajectories.jsonl or dropped.jsonl;
a resumed run skips both and finishes the rest; the exports, integration files and report are
rebuilt from trajectories.jsonl at the end, in path order, so the output is the same however the
run was split.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import SynthesisConfig
from ..environments import Episode, initial_state, open_environment, stop_workers
from ..errors import MagnetGraphError, redact
from ..integrations import RunCheck
from ..paths import PATHS_FILE, SINGLE_TURN_SHAPES, SignaturePath, plan_paths, read_paths, write_paths
from ..records import (
    DROPPED,
    ERRORS,
    TRAJECTORIES,
    Drop,
    JsonlAppender,
    Lineage,
    Record,
    ToolSpec,
    Turn,
    atomic_write,
    check_row,
    read_typed,
    recover_jsonl,
)
from ..signature import FunctionSignature
from ..store import GraphStore
from ..teachers import Teacher, summed_usage
from . import prompts
from .distill import DistillFailed, positive
from .negatives import NegativeMaker
from .planner import PlanOptions, prerequisite_map
from .scheduling import PATHS_PER_SLOT, TeacherSlots, ThreadPaths
from .translate import Translator
from .writer import ERROR_TRIES, write_outputs

FORMAT_VERSION = 1  # of the run directory (run.json, paths.jsonl); records carry their own schema_version
SERVER_LOG = "servers.stderr.log"  # what live tool servers (MCP) wrote to stderr during the run

Progress = Callable[[str, int, int], None]


@dataclass
class Run:
    """What one synthesize call did (the manifest holds the same counts): ``checks`` are the
    integrations' checkers on it (``report["checks"]``, typed)."""

    out: Path
    manifest: dict[str, Any]
    report: dict[str, Any]

    @property
    def warnings(self) -> list[str]:
        return list(self.report.get("warnings", []))

    @property
    def failure(self) -> str:
        """'' for a run that made what it should; else why not (nothing written, or most paths
        dropped), with the top three reasons. The CLI exits 1 on it."""
        return str(self.report.get("failure", ""))

    @property
    def checks(self) -> dict[str, RunCheck]:
        return {name: RunCheck.from_dict(check) for name, check in self.report.get("checks", {}).items()}


def estimate(paths: list[SignaturePath], signatures: dict[str, FunctionSignature], student: bool) -> dict[str, Any]:
    """Teacher calls and tokens a run would spend (chars / 4 for tokens; replies ~80 tokens)."""
    calls = prompt_chars = 0
    for path in paths:
        context = 0
        for turn in path.turns:
            text = sum(
                len(json.dumps(prompts.signature_text(signatures[f]))) for f in turn.functions if f in signatures
            )
            n = 1 + (2 * len(turn.functions) + 1 if turn.functions else 1)  # back, forth+assistant per call, reply
            n += len(turn.functions) + 1 if student else 0
            calls += n
            context += 400 + text
            prompt_chars += n * (len(prompts.ASSIST_INSTRUCTIONS) + context)
    return {
        "paths": len(paths),
        "teacher_calls": calls,
        "prompt_tokens": prompt_chars // 4,
        "completion_tokens": calls * 80,
    }


def synthesize(
    store: GraphStore,
    config: SynthesisConfig,
    out: Path,
    teacher: Teacher,
    *,
    student: Teacher | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> Run:
    """Run (or resume) synthesis into ``out``; returns the manifest and report."""
    out = Path(out)
    signatures = {s.name: s for s in store.functions()}
    if not signatures:
        raise MagnetGraphError(f"graph {store.graph!r} on {store.uri} has no functions; load a catalog first")
    identity = {
        "format": FORMAT_VERSION,
        "config": config.to_dict(),
        "graph": store.graph,
        "graph_hash": store.content_hash(),
        "teacher": teacher.name,
        "student": student.name if student else None,
        "prompt_versions": prompts.PROMPT_VERSIONS,
    }
    paths = _open_run(out, identity, resume, lambda: plan_paths(store, config))
    store.save_paths(paths)
    done = _finished_ids(out)
    todo = [p for p in paths if p.id not in done]
    started = time.time()
    usage = _UsageLedger(out, teacher, student)
    writer = JsonlAppender()
    options = PlanOptions(prerequisite_map(store.edges(), signatures), config.fan_out)
    overlap = config.ray is None and getattr(teacher, "remote", True)  # a teacher that makes paths wait
    if overlap:  # at most --concurrency requests in flight to each, from more paths at work
        teacher, student = (
            TeacherSlots(teacher, config.concurrency),
            student and TeacherSlots(student, config.concurrency),
        )
    worker = _PathWorker(
        signatures, teacher, student, config.seed, options, (config.output_cap, config.state_cap), config.max_tools
    )
    worker.log_path = str(out / SERVER_LOG)
    finished = len(paths) - len(todo)
    if progress:
        progress("trajectories", finished, len(paths))
    written = {_conversation(r): r.id for r in read_typed(out / TRAJECTORIES, Record)} if done else {}
    stop_workers(False)  # an interrupted run earlier in this process stopped them
    streak, stopped = 0, ""  # error drops since the last record; why the run stopped early
    if config.ray is not None:
        from .ray_paths import RayPaths

        pool = RayPaths(config.ray or None, config.concurrency)
    else:
        pool = ThreadPaths(PATHS_PER_SLOT * config.concurrency if overlap else config.concurrency)
    try:
        for outcome in pool.map(worker, todo):
            if isinstance(outcome, Record):  # two paths cut to the same first turn give one conversation
                same = written.setdefault(_conversation(outcome), outcome.id)
                if same != outcome.id:
                    outcome = Drop(outcome.id, "duplicate", f"the same conversation as record {same}")
            if isinstance(outcome, Drop) and outcome.stage == "error":
                writer.append(out / ERRORS, outcome)
                streak += 1
            elif isinstance(outcome, Record):  # a path dropped on its own merits proves nothing about the teacher
                streak = 0
            writer.append(out / (TRAJECTORIES if isinstance(outcome, Record) else DROPPED), outcome)
            usage.save()
            finished += 1
            if progress:
                progress("trajectories", finished, len(paths))
            if streak >= GIVE_UP_AFTER:
                stopped = (
                    f"stopped after {streak} paths failed on errors with none made in between (last: {outcome.reason})"
                )
                break
    except BaseException:  # Ctrl-C, SIGTERM, a full disk: what is written stays; running paths stop now
        pool.shutdown(wait=False, cancel_futures=True)
        stop_workers()
        raise
    pool.shutdown(wait=not stopped, cancel_futures=True)
    timing = {"seconds_this_session": round(time.time() - started, 2), "resumed": resume}
    if config.ray is not None:
        timing["ray"] = pool.describe()
    if stopped:
        stop_workers()
    if progress:
        progress("export", 0, 1)
    manifest, report = write_outputs(
        out,
        paths,
        signatures,
        identity,
        worker.stats,
        usage.save(),
        timing,
        config.allow_simulated,
        stopped,
    )
    if progress:
        progress("export", 1, 1)
    return Run(out, manifest, report)


def _open_run(out: Path, identity: dict[str, Any], resume: bool, make_paths) -> list[SignaturePath]:
    """The run's paths: those of the run in ``out`` (``resume``, same identity), or new ones
    written there when ``out`` is absent or empty (or holds only a start cut short)."""
    start = out / "run.json"
    if out.exists() and not out.is_dir():
        raise MagnetGraphError(f"--out {out}: a file, not a directory; name a new or empty directory for the run")
    if start.exists():
        if not resume:
            raise MagnetGraphError(f"{out} already holds a run; pass --resume to finish it or choose another --out")
        try:
            previous = json.loads(start.read_text(encoding="utf-8"))
            if not isinstance(previous, dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError) as exc:
            raise MagnetGraphError(
                f"cannot resume {out}: {start.name} is damaged ({exc}); start the run again in a new --out"
            ) from None
        for key, value in identity.items():
            before = previous.get(key)
            if before != value:
                if isinstance(value, dict) and isinstance(before, dict):
                    key = next(f"{key}.{k}" for k in sorted(set(value) | set(before)) if before.get(k) != value.get(k))
                    before, value = previous, identity
                    for part in key.split("."):
                        before, value = before.get(part), value.get(part)
                raise MagnetGraphError(f"cannot resume {out}: run.json has {key} = {before!r}, this run {value!r}")
        if not (out / PATHS_FILE).exists():
            raise MagnetGraphError(f"cannot resume {out}: {PATHS_FILE} is missing; start the run again in a new --out")
        return read_paths(out)
    others = sorted(p.name for p in out.iterdir() if p.name not in _CUT_SHORT_START) if out.is_dir() else []
    if others:
        listed = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise MagnetGraphError(
            f"--out {out}: holds {listed} but no run.json; a run writes only into a new or empty directory "
            "(or one holding a run, with --resume)"
        )
    out.mkdir(parents=True, exist_ok=True)
    paths = make_paths()
    write_paths(out, paths)
    atomic_write(start, json.dumps(identity, indent=2, sort_keys=True))
    return paths


_CUT_SHORT_START = {PATHS_FILE, PATHS_FILE + ".tmp", "run.json.tmp"}  # written before run.json: a start killed early


USAGE = "usage.json"  # what the teacher (and student) spent in each session of the run


class _UsageLedger:
    """The teacher's and student's spending per session of a run, saved after every path so a
    killed session's calls still count; ``save`` returns the run's totals with the sessions."""

    def __init__(self, out: Path, teacher: Teacher, student: Teacher | None):
        self.path, self.teacher, self.student = out / USAGE, teacher, student
        try:
            self.sessions = json.loads(self.path.read_text(encoding="utf-8"))["sessions"] if self.path.exists() else []
        except (ValueError, KeyError, TypeError):
            raise MagnetGraphError(f"{self.path}: not a usage file (delete it to restart the count)") from None
        self.sessions.append({"started": round(time.time(), 3), "teacher": teacher.usage()})

    def save(self) -> dict[str, Any]:
        session = self.sessions[-1]
        session["teacher"] = self.teacher.usage()
        if self.student is not None:
            session["student"] = self.student.usage()
        atomic_write(self.path, json.dumps({"sessions": self.sessions}, indent=1, sort_keys=True))
        total = {**session["teacher"], **summed_usage(s["teacher"] for s in self.sessions)}
        return {**total, "sessions": len(self.sessions), "by_session": [s["teacher"] for s in self.sessions]}


def _conversation(record: Record) -> str:
    """What a trainer sees of a record: its messages."""
    return hashlib.sha256(json.dumps([m.to_dict() for m in record.messages], sort_keys=True).encode()).hexdigest()


GIVE_UP_AFTER = 8  # error drops with no record between them that stop a run (an endpoint that is down fails every path)


def error_tries(out: Path) -> Counter:
    """Path id -> how many times it failed on a teacher or environment error (errors.jsonl)."""
    return Counter(row["id"] for row in _rows_with_ids(out / ERRORS))


def _finished_ids(out: Path) -> set[str]:
    """Ids of paths already written; a line cut by a crash is dropped, so that path is done again,
    and so is a path that failed on an error, until it has failed ERROR_TRIES times."""
    tries = error_tries(out)
    done = {row["id"] for row in _rows_with_ids(out / TRAJECTORIES)}
    for row in _rows_with_ids(out / DROPPED):
        if row.get("stage") != "error" or tries[row["id"]] >= ERROR_TRIES:
            done.add(row["id"])
    return done


def _rows_with_ids(path: Path) -> list[dict[str, Any]]:
    """``recover_jsonl``'s rows, each an object with an id, or an error naming the file."""
    rows = recover_jsonl(path)
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise MagnetGraphError(f"{path}: row {number} has no id; the file is damaged (restore it or start again)")
    return rows


STATE_TRIES = 3  # starting states a path is translated from before its cut turns are accepted


def path_seed(seed: int, path: SignaturePath, attempt: int = 0) -> int:
    """The seed of everything random about one path's conversation (its state, values, negatives);
    ``attempt`` > 0 for another starting state."""
    key = f"{seed}:{path.id}" if attempt == 0 else f"{seed}:{path.id}:{attempt}"
    return int(hashlib.sha256(key.encode()).hexdigest()[:12], 16)


def offered_tools(
    path: SignaturePath, turns: list[Turn], sigs: list[FunctionSignature], limit: int, rng: random.Random
) -> tuple[list[FunctionSignature], tuple[str, ...]]:
    """The tools a record offers, in name order: every function its conversation uses (the path's,
    those its turns call, withhold or add back), then distractors drawn with ``rng`` from the rest
    of its toolkits up to ``limit`` in all; and the distractors' names. A pool's toolkits can hold
    hundreds of tools: offering all of them makes prompts no 8k-32k model trains on."""
    used = set(path.functions)
    for t in turns:
        used |= {c.name for step in t.calls for c in step} | set(t.added)
        used |= {t.missing.function} if t.missing else set()
        used |= {t.withheld_call.name} if t.withheld_call else set()
    rest = [s.name for s in sigs if s.name not in used]
    extra = sorted(rng.sample(rest, min(len(rest), max(0, limit - len(used)))))
    keep = used | set(extra)
    return [s for s in sigs if s.name in keep], tuple(extra)


class _PathWorker:
    """Turns one path into a record (or a drop), in its own episode."""

    def __init__(
        self,
        signatures: dict[str, FunctionSignature],
        teacher: Teacher,
        student: Teacher | None,
        seed: int,
        options: PlanOptions | None = None,
        caps: tuple[int, int] = (100_000, 64 << 20),
        max_tools: int = 40,
    ):
        self.signatures, self.teacher, self.student, self.seed = signatures, teacher, student, seed
        self.max_tools = max_tools
        self.options = options or PlanOptions()
        self.output_cap, self.state_cap = caps  # a tool answer's characters, the state's
        self.stats: Counter = Counter()
        self.log_path: str | None = None  # where live tools' diagnostics go (an MCP server's stderr)
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """A copy for a Ray task: the settings, with its own empty stats and no lock."""
        return {**{k: v for k, v in self.__dict__.items() if k != "_lock"}, "stats": Counter()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __call__(self, path: SignaturePath) -> Record | Drop:
        try:
            outcome = self._run(path)
        except MagnetGraphError as exc:  # a teacher or environment failure costs this path only
            return Drop(path.id, "error", redact(str(exc).splitlines()[0])[:300])
        broken = check_row(outcome)  # a NaN or a lone surrogate that came through would break the file
        return Drop(path.id, "invalid", broken[:300]) if broken else outcome

    def _run(self, path: SignaturePath) -> Record | Drop:
        toolkits = {self.signatures[f].toolkit for f in path.functions} | {
            self.signatures[t.missing.function].toolkit for t in path.turns if t.missing
        }
        sigs = sorted((s for s in self.signatures.values() if s.toolkit in toolkits), key=lambda s: s.name)
        shape = path.turns[0].ops[0]
        needed = 1 if shape in SINGLE_TURN_SHAPES else 2  # a multi-turn path needs two turns left
        seed, state, episode, turns, cut = self._translated(path, sigs)
        with episode:
            if len(turns) < needed:
                reason = cut if not turns else f"fewer than two turns left; {cut}"
                return Drop(path.id, "translate", reason or "no turn left")
            rng = random.Random(seed + 1)
            hidden = {t.missing.function for t in turns if t.missing and t.missing.kind != "miss_param"}
            offered, distractors = offered_tools(path, turns, sigs, self.max_tools, random.Random(seed + 2))
            tools = [ToolSpec.of(s) for s in offered if s.name not in hidden]
            try:
                chosen = positive(self.teacher, episode, turns, tools, self.signatures)
            except DistillFailed as failure:
                return Drop(path.id, "distill", failure.reason)
            maker = NegativeMaker(chosen, turns, episode, self.signatures)
            negatives = maker.graph_negatives(rng)
            if self.student is not None:
                found = maker.student_negative(self.student, self.teacher, tools)
                negatives += [found] if found else []
            lineage = Lineage(
                path_id=path.id,
                parent=path.parent,
                seed=seed,
                cut=cut,
                ops=tuple(t.ops for t in path.turns),
                functions=path.functions,
                teacher=self.teacher.name,
                student=self.student.name if self.student else None,
                prompt_versions=dict(prompts.PROMPT_VERSIONS),
                environment=episode.kind,
                state_hashes=tuple(t.state_hash for t in turns),
                distractors=distractors,
                toolkit_tools=len(sigs),
            )
            return Record(
                id=path.id,
                kind=shape if shape in SINGLE_TURN_SHAPES else "multi_turn",
                tools=tuple(tools),
                messages=tuple(chosen.messages),
                negatives=tuple(negatives),
                turns=tuple(turns),
                initial_state=state,
                lineage=lineage,
            )

    def _translated(self, path: SignaturePath, sigs: list[FunctionSignature]):
        """Translate ``path`` from a starting state drawn from its seed; where turns were cut, again
        from other drawn states (a closed market, a file in another folder), up to STATE_TRIES in
        all. The attempt that kept the most turns wins (the first, on a tie): (seed, state, its
        open episode, turns, cut)."""
        best = None
        tried: list[dict] = []
        for attempt in range(STATE_TRIES):
            seed = path_seed(self.seed, path, attempt)
            state = initial_state(sigs, seed)
            if state in tried:
                break  # the toolkits start from one fixed state: another try changes nothing
            tried.append(state)
            environment = open_environment(
                sigs, seed=seed, output_cap=self.output_cap, state_cap=self.state_cap, log_path=self.log_path
            )
            episode = Episode(sigs, state, seed=seed, environment=environment)
            try:
                translator = Translator(self.teacher, episode, {s.name: s for s in sigs}, self.options)
                turns, cut = translator.translate(path, random.Random(seed))
            except BaseException:
                episode.close()
                raise
            self._count(translator.stats)
            if best is None or len(turns) > len(best[3]):
                if best is not None:
                    best[2].close()
                best = (seed, state, episode, turns, cut)
            else:
                episode.close()
            if not best[4]:
                break
        return best

    def _count(self, stats: Counter) -> None:
        with self._lock:
            self.stats.update(stats)
