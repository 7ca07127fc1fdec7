"""``synthesize``: paths -> translated, executed conversations -> positive and negative trajectories -> exports.

The run directory (see docs/data-formats.md) is written so that a killed run resumes: paths.jsonl is
fixed at the start; each path's outcome is one appended line in trajectories.jsonl or dropped.jsonl;
a resumed run skips both and finishes the rest; the exports, BFCL files and report are rebuilt from
trajectories.jsonl at the end, in path order, so the output is the same however the run was split.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..environments import initial_state, open_environment
from ..errors import MagnetGraphError
from ..execution import Executor
from ..paths import OPERATIONS, SignaturePath, WalkConfig, apply_operations, random_walks, single_turn_paths
from ..signature import FunctionSignature
from ..store import GraphStore
from ..teachers import Teacher
from . import (
    offline_templates,  # noqa: F401 - registers the offline teacher's synthesis templates
    prompts,
)
from .distill import DistillFailed, positive
from .files import JsonlAppender, atomic_write, recover_jsonl
from .negatives import graph_negatives, student_negative
from .record import openai_tool
from .translate import Translator
from .writer import write_outputs

# The paper's SFT set: 20K single-turn (single, parallel, multiple; split not given, so even),
# 7.8K multi-turn and 6.2K irrelevance samples.
PAPER_SFT_MIX = {
    "multi_turn": 7_800.0,
    "single": 20_000 / 3,
    "parallel": 20_000 / 3,
    "multiple": 20_000 / 3,
    "irrelevance": 6_200.0,
}
SINGLE_TURN_SHAPES = ("single", "parallel", "multiple", "irrelevance")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class SynthesisConfig:
    """``n`` multi-turn walks; single-turn samples come on top in the ``mix`` ratio to multi-turn ones."""

    n: int = 30
    seed: int = 0
    max_steps: int = 7
    weighted: bool = False
    ops: tuple[str, ...] = OPERATIONS
    mix: dict[str, float] = field(default_factory=lambda: dict(PAPER_SFT_MIX))
    concurrency: int = 4

    def single_turn_count(self) -> int:
        if self.mix.get("multi_turn", 0) <= 0:
            raise MagnetGraphError("mix: multi_turn must be positive")
        return round(self.n * sum(self.mix.get(s, 0) for s in SINGLE_TURN_SHAPES) / self.mix["multi_turn"])

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ops"] = list(self.ops)
        data.pop("concurrency")  # how fast, not what: a resume may use another
        return data


@dataclass
class Run:
    """What one synthesize call did (the manifest holds the same counts)."""

    out: Path
    manifest: dict[str, Any]
    report: dict[str, Any]


def plan_paths(store: GraphStore, config: SynthesisConfig) -> list[SignaturePath]:
    """Walks reshaped by the operations, then single-turn shapes; deterministic for a seed and graph."""
    walks = random_walks(store, config.n, config.seed, WalkConfig(max_steps=config.max_steps, weighted=config.weighted))
    found = apply_operations(store, walks, config.seed, config.ops) if config.ops else walks
    shapes = {s: config.mix.get(s, 0) for s in SINGLE_TURN_SHAPES if config.mix.get(s, 0) > 0}
    count = config.single_turn_count()
    return found + (single_turn_paths(store, count, config.seed, shapes) if count and shapes else [])


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
    progress: Callable[[str, int, int], None] | None = None,
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
    writer = JsonlAppender()
    worker = _PathWorker(signatures, teacher, student, config.seed)
    finished = len(paths) - len(todo)
    if progress:
        progress("trajectories", finished, len(paths))
    with ThreadPoolExecutor(max_workers=max(1, config.concurrency), thread_name_prefix="synth") as pool:
        for kind, row in pool.map(worker, todo):
            writer.append(out / ("trajectories.jsonl" if kind == "record" else "dropped.jsonl"), row)
            finished += 1
            if progress:
                progress("trajectories", finished, len(paths))
    seconds = time.time() - started
    teacher_usage = {
        "name": teacher.name,
        "calls": teacher.calls,
        "cached": teacher.cached,
        "tokens": teacher.tokens,
        "retries": teacher.retries,
        "failures": teacher.failures,
    }
    if progress:
        progress("export", 0, 1)
    manifest, report = write_outputs(
        out,
        paths,
        signatures,
        identity,
        worker.stats,
        teacher_usage,
        {"seconds_this_session": round(seconds, 2), "resumed": resume},
    )
    if progress:
        progress("export", 1, 1)
    return Run(out, manifest, report)


def _open_run(out: Path, identity: dict[str, Any], resume: bool, make_paths) -> list[SignaturePath]:
    start = out / "run.json"
    if start.exists():
        if not resume:
            raise MagnetGraphError(f"{out} already holds a run; pass --resume to finish it or choose another --out")
        previous = json.loads(start.read_text())
        for key, value in identity.items():
            before = previous.get(key)
            if before != value:
                if isinstance(value, dict) and isinstance(before, dict):
                    key = next(f"{key}.{k}" for k in sorted(set(value) | set(before)) if before.get(k) != value.get(k))
                    before, value = previous, identity
                    for part in key.split("."):
                        before, value = before.get(part), value.get(part)
                raise MagnetGraphError(f"cannot resume {out}: run.json has {key} = {before!r}, this run {value!r}")
        return [SignaturePath.from_json(line) for line in (out / "paths.jsonl").read_text().splitlines() if line]
    out.mkdir(parents=True, exist_ok=True)
    paths = make_paths()
    atomic_write(out / "paths.jsonl", "".join(p.to_json() + "\n" for p in paths))
    atomic_write(start, json.dumps(identity, indent=2, sort_keys=True))
    return paths


def _finished_ids(out: Path) -> set[str]:
    """Ids of paths already written; a line cut by a crash is dropped, so that path is done again."""
    return {row["id"] for name in ("trajectories.jsonl", "dropped.jsonl") for row in recover_jsonl(out / name)}


class _PathWorker:
    """Turns one path into a record (or a drop), in its own environment."""

    def __init__(self, signatures, teacher, student, seed):
        self.signatures, self.teacher, self.student, self.seed = signatures, teacher, student, seed
        self.stats: Counter = Counter()
        self._lock = threading.Lock()

    def __call__(self, path: SignaturePath) -> tuple[str, dict[str, Any]]:
        try:
            return self._run(path)
        except MagnetGraphError as exc:  # a teacher or environment failure costs this path only
            return "drop", {"id": path.id, "stage": "error", "reason": str(exc).splitlines()[0][:300]}

    def _run(self, path: SignaturePath) -> tuple[str, dict[str, Any]]:
        path_seed = int(hashlib.sha256(f"{self.seed}:{path.id}".encode()).hexdigest()[:12], 16)
        rng = random.Random(path_seed)
        toolkits = {self.signatures[f].toolkit for f in path.functions} | {
            self.signatures[t.missing.function].toolkit for t in path.turns if t.missing
        }
        sigs = sorted((s for s in self.signatures.values() if s.toolkit in toolkits), key=lambda s: s.name)
        state = initial_state(sigs, path_seed)
        env = open_environment(sigs, seed=path_seed)
        try:
            executor = Executor(env)
            translator = Translator(self.teacher, executor, {s.name: s for s in sigs})
            turns, cut = translator.translate(path, state, rng)
            self._count(translator.stats)
            if not turns:
                return "drop", {"id": path.id, "stage": "translate", "reason": cut}
            hidden = {t.missing["function"] for t in turns if t.missing and t.missing["kind"] != "miss_param"}
            tools = [openai_tool(s) for s in sigs if s.name not in hidden]
            try:
                chosen = positive(self.teacher, executor, turns, state, tools, self.signatures)
            except DistillFailed as failure:
                return "drop", {"id": path.id, "stage": "distill", "reason": failure.reason}
            negatives = graph_negatives(chosen, turns, executor, state, self.signatures, rng)
            if self.student is not None:
                found = student_negative(
                    self.student, self.teacher, chosen, turns, tools, self.signatures, executor, state
                )
                negatives += [found] if found else []
            kind = "multi_turn" if path.turns[0].op not in SINGLE_TURN_SHAPES else path.turns[0].op
            return "record", {
                "id": path.id,
                "kind": kind,
                "tools": tools,
                "messages": chosen.messages,
                "negatives": negatives,
                "turns": [t.to_dict() for t in turns],
                "initial_state": state,
                "lineage": {
                    "path_id": path.id,
                    "parent": path.parent,
                    "seed": path_seed,
                    "cut": cut,
                    "ops": [t.op for t in path.turns],
                    "functions": list(path.functions),
                    "teacher": self.teacher.name,
                    "student": self.student.name if self.student else None,
                    "prompt_versions": prompts.PROMPT_VERSIONS,
                    "environment": env.kind,
                    "state_hashes": [t.state_hash for t in turns],
                },
            }
        finally:
            env.close()

    def _count(self, stats: Counter) -> None:
        with self._lock:
            self.stats.update(stats)
