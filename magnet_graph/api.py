"""The public Python API: every command of the CLI is one call here (docs/python-api.md).

import magnet_graph as mg

with mg.open_store() as store:
    mg.load(store, mg.load_catalogs(["bfcl"]))                # catalog -> graph -> edges
    paths = mg.sample_paths(store, mg.PathConfig(n=5))        # walks + Merge/Insert/Split
    run = mg.synthesize(store, "runs/a", mg.SynthesisConfig(n=5))
records = mg.read_run("runs/a").records                      # typed Records
mg.export(records, "runs/a-export")                          # sft / dpo / mdpo / sharegpt
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import teachers
from .catalogs import load_catalog, load_catalogs, source_help
from .config import OPERATIONS, PAPER_SFT_MIX, LinkConfig, PathConfig, SynthesisConfig
from .edges.link import LinkReport, link
from .errors import CatalogError, MagnetGraphError, StoreError
from .evaluation.data_report import contamination_hits, write_report
from .evaluation.data_report import data_report as _data_report
from .paths import SignaturePath, plan_paths, read_paths
from .records import (
    SCHEMA_VERSION,
    Drop,
    Lineage,
    Message,
    Missing,
    Negative,
    Record,
    ToolCall,
    ToolSpec,
    Turn,
    atomic_write,
    read_drops,
    read_records,
    strict,
    write_exports,
)
from .signature import FunctionSignature
from .store import DEFAULT_GRAPH, FeedsEdge, GraphStore, LoadResult, embedded_status, open_store, stop_embedded
from .synthesis import Run, offline_teacher
from .synthesis import estimate as _estimate
from .synthesis import synthesize as _synthesize
from .synthesis.offline_templates import TEMPLATES
from .teachers import Teacher
from .training.reward import Reward
from .training.rl_environment import TaskEnvironment, rollout_reward
from .training.tasks import TASKS_FILE, RLTask, build_tasks, open_task, read_tasks

Progress = Callable[[str, int, int], None]

__all__ = [
    "DEFAULT_GRAPH",
    "OPERATIONS",
    "PAPER_SFT_MIX",
    "SCHEMA_VERSION",
    "CatalogError",
    "Drop",
    "FeedsEdge",
    "FunctionSignature",
    "GraphStore",
    "Lineage",
    "LinkConfig",
    "LinkReport",
    "LoadReport",
    "MagnetGraphError",
    "Message",
    "Missing",
    "Negative",
    "PathConfig",
    "Record",
    "Reward",
    "RLTask",
    "Run",
    "RunFiles",
    "SignaturePath",
    "StoreError",
    "SynthesisConfig",
    "TaskEnvironment",
    "Teacher",
    "ToolCall",
    "ToolSpec",
    "Turn",
    "build_tiny_model",
    "compare_evaluations",
    "contamination_hits",
    "data_report",
    "embedded_status",
    "estimate",
    "evaluate_bfcl",
    "export",
    "grid_points",
    "infer_edges",
    "load",
    "load_catalog",
    "load_catalogs",
    "offline_teacher",
    "open_store",
    "open_task",
    "open_teacher",
    "read_run",
    "rollout_reward",
    "sample_paths",
    "write_tasks",
    "source_help",
    "stop_embedded",
    "synthesize",
    "train",
    "write_data_report",
]


@dataclass(frozen=True)
class LoadReport:
    """What ``load`` did: the functions stored, and the edges inferred (None when not asked)."""

    functions: LoadResult
    edges: LinkReport | None


def load(
    store: GraphStore,
    signatures: list[FunctionSignature],
    *,
    edges: LinkConfig | None = LinkConfig(),
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> LoadReport:
    """Write catalogs' signatures (``load_catalogs`` reads and validates them) into the graph, then
    infer the graph's edges with ``edges`` (None: keep the edges as they are).
    ``progress("load", done, total)`` is called per batch written."""
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("load", done, len(signatures))

    loaded = store.load_functions(signatures, batch_size=batch_size, progress=advance)
    return LoadReport(loaded, link(store, edges) if edges is not None else None)


def infer_edges(store: GraphStore, config: LinkConfig = LinkConfig()) -> LinkReport:
    """Re-infer the graph's FEEDS edges from the functions it holds (replacing the old ones)."""
    return link(store, config)


def sample_paths(store: GraphStore, config: PathConfig = PathConfig(), *, save: bool = True) -> list[SignaturePath]:
    """The signature paths a run with ``config`` walks (the same for a seed and graph, on any store);
    ``save`` also stores them as ``(:Path)-[:HAS_TURN]->(:Turn)`` for Cypher queries."""
    paths = plan_paths(store, config)
    if save:
        store.save_paths(paths)
    return paths


def open_teacher(
    spec: str = "offline", *, base_url: str | None = None, cache_dir: str | Path | None = None, max_retries: int = 4
) -> Teacher:
    """``offline`` (synthesis's templates, no network) or ``openai:MODEL`` at ``base_url`` (a failed
    request retried up to ``max_retries`` times, with backoff)."""
    return teachers.open_teacher(
        spec,
        base_url=base_url,
        cache_dir=Path(cache_dir) if cache_dir else None,
        templates=TEMPLATES,
        max_retries=max_retries,
    )


def _prepare(store: GraphStore, catalogs: Iterable[str], notify: Callable[[str], None] | None = None) -> None:
    """Load ``catalogs`` (idempotent); infer edges when the graph's edges were not inferred from
    exactly the functions it now holds (new functions, a load killed before inference finished),
    telling ``notify`` why; without catalogs, stale edges are only reported."""
    sources = list(catalogs)
    if sources:
        store.load_functions(load_catalogs(sources))
    stale = store.edges_stale()
    if stale and sources:
        if notify:
            notify(f"inferring edges of graph {store.graph!r}: {stale}")
        link(store, LinkConfig())
    elif stale and notify:
        notify(
            f"warning: the edges of graph {store.graph!r} are stale ({stale}); `magnet-graph edges --infer` or --catalog re-infers them"
        )


def synthesize(
    store: GraphStore,
    out: str | Path,
    config: SynthesisConfig = SynthesisConfig(),
    *,
    teacher: Teacher | None = None,
    student: Teacher | None = None,
    catalogs: Iterable[str] = (),
    resume: bool = False,
    progress: Progress | None = None,
    notify: Callable[[str], None] | None = None,
) -> Run:
    """Paths -> executed conversations -> positive and negative trajectories -> datasets in ``out``
    (docs/synthesis.md). ``catalogs`` are loaded first (edges inferred unless they were inferred
    from exactly the graph's functions; ``notify`` is told why); the teacher defaults to the
    offline one; ``resume`` finishes a killed run with the same config."""
    if not str(out).strip():  # Path("") is the current directory: a run would overwrite files there
        raise MagnetGraphError("--out: an empty path; name a new or empty directory for the run")
    _prepare(store, catalogs, notify)
    return _synthesize(
        store, config, Path(out), teacher or offline_teacher(), student=student, resume=resume, progress=progress
    )


def estimate(
    store: GraphStore,
    config: SynthesisConfig = SynthesisConfig(),
    *,
    catalogs: Iterable[str] = (),
    student: bool = False,
    notify: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Teacher calls and tokens ``synthesize`` would spend on this graph; nothing is written but the
    catalogs (and their edges, as ``synthesize`` would)."""
    _prepare(store, catalogs, notify)
    return _estimate(plan_paths(store, config), {s.name: s for s in store.functions()}, student)


@dataclass(frozen=True)
class RunFiles:
    """A synthesize run directory, read: its records, dropped paths, paths, report and manifest."""

    path: Path
    records: list[Record]
    dropped: list[Drop]
    paths: list[SignaturePath]
    report: dict[str, Any]
    manifest: dict[str, Any]


def read_run(run_dir: str | Path) -> RunFiles:
    """Read a run directory (records of any schema version this magnet-graph reads)."""
    run = Path(run_dir)
    records = read_records(run)

    def read_json(name: str) -> dict[str, Any]:
        return json.loads((run / name).read_text(encoding="utf-8")) if (run / name).exists() else {}

    return RunFiles(
        run,
        records,
        read_drops(run),
        read_paths(run),
        read_json("report.json"),
        read_json("manifest.json"),
    )


def export(records: list[Record], out: str | Path, *, allow_simulated: bool = False) -> dict[str, int]:
    """TRL SFT, per-turn DPO, multi-turn DPO and ShareGPT files of ``records`` in ``out``; rows per
    format. Records whose tool outputs were simulated are left out unless ``allow_simulated``."""
    return write_exports(out, records, allow_simulated=allow_simulated)


def data_report(run_dir: str | Path, *, store: GraphStore | None = None) -> dict[str, Any]:
    """``eval data``'s figures of a run (executability, checks, phenomena, coverage, diversity,
    lengths, teacher cost, contamination); ``store`` adds the graph's edge count."""
    return _data_report(run_dir, edges_in_graph=store.stats()["edges"] if store is not None else None)


@dataclass(frozen=True)
class TasksResult:
    """What ``write_tasks`` wrote: the file, its tasks, and one line per record left out."""

    path: Path
    tasks: list[RLTask]
    problems: list[str]
    records: int


def write_tasks(store: GraphStore, run_dir: str | Path, out: str | Path | None = None) -> TasksResult:
    """A run's RL tasks (one per user turn, each turn's reference replayed from its state on the way)
    as ``tasks.jsonl`` in ``run_dir`` (or ``out``); the graph gives the tools' implementations."""
    records = read_records(run_dir)
    tasks, problems = build_tasks(records, {s.name: s for s in store.functions()})
    path = Path(out) if out is not None else Path(run_dir) / TASKS_FILE
    atomic_write(path, "".join(strict.dumps(t.to_dict(), sort_keys=True) + "\n" for t in tasks))
    return TasksResult(path, tasks, problems, len(records))


def write_data_report(report: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """The report as ``eval_data.json``, ``eval_data.md`` and PNG plots in ``out_dir``."""
    return write_report(report, out_dir)


def train(
    method: str,
    data: str | Path,
    model: str,
    out: str | Path,
    *,
    config: str | Path | None = None,
    overrides: Iterable[str] = (),
    resume: bool = False,
    init: str | Path | None = None,
    store: GraphStore | None = None,
) -> dict[str, Any]:
    """``sft``, ``mdpo`` or ``grpo`` on a run from ``model`` (or ``init``, an earlier output); the
    summary saved beside the checkpoint (needs the train extra: torch, transformers, trl). ``grpo``
    trains on the run's ``tasks.jsonl`` (written first if missing) and runs their tools with the
    implementations ``store``'s graph holds."""
    from .training.run import train as _train

    if method != "grpo":
        return _train(method, data, model, out, config, tuple(overrides), resume, init)
    if store is None:
        raise MagnetGraphError("train grpo: give the store whose graph holds the run's tools (--store)")
    path = Path(data) / TASKS_FILE
    if not path.is_file():
        written = write_tasks(store, data)
        if not written.tasks:
            raise MagnetGraphError(f"{path}: no record gave a task ({'; '.join(written.problems[:3])})")
    signatures = {s.name: s for s in store.functions()}
    return _train(method, data, model, out, config, tuple(overrides), resume, init, read_tasks(path), signatures)


def grid_points(grid: str | Path, method: str) -> list[tuple[str, str, list[str]]]:
    """``(name, base config, --set overrides)`` per point of a hyper-parameter grid file (trainer/configs/grid.yaml)."""
    from .training.config import grid_points as _grid_points

    return _grid_points(grid, method)


def build_tiny_model(out: str | Path, data: str | Path | None = None, seed: int = 0) -> Path:
    """A ~1M-parameter Qwen2-shaped model and tokenizer built locally (no hub), learned from ``data``'s rows."""
    from .training.tiny import build_tiny_model as _build
    from .training.tiny import corpus_from_run

    return _build(out, corpus_from_run(data) if data else [], seed=seed)


def compare_evaluations(folders: Iterable[str | Path], plot: str | Path | None = None) -> str:
    """Several ``eval bfcl`` results folders side by side: a Markdown table (a column per folder,
    rows for the overall figures, sections and categories), and a bar plot where ``plot`` names a PNG."""
    from .bfcl import compare

    runs = compare.read_runs(list(folders))
    if plot is not None:
        compare.plot(runs, plot)
    return compare.table(runs)


def evaluate_bfcl(
    model: str,
    *,
    base_url: str | None = None,
    local: str | Path | None = None,
    categories: Iterable[str] = ("all",),
    mode: str = "fc",
    out: str | Path | None = None,
    limit: int | None = None,
    concurrency: int = 4,
    max_new_tokens: int = 1024,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """A model (an OpenAI-compatible endpoint, or a local checkpoint) on BFCL's categories, with BFCL's
    protocol, checkers and overall score. ``categories``: BFCL's names or groups (``all``,
    ``non_live``, ``live``, ``multi_turn``, ``simple_python``, ``multi_turn_base``, short ``base``…);
    ``mode``: ``fc`` (native function calling) or ``prompt`` (BFCL's prompt, single-turn
    categories). Results resume in ``out`` (default runs/eval-bfcl/MODEL)."""
    import re

    from .bfcl.categories import resolve
    from .bfcl.evaluate import evaluate

    if (base_url is None) == (local is None):
        raise MagnetGraphError("give exactly one of --base-url URL and --local PATH")
    if mode not in ("fc", "prompt"):
        raise MagnetGraphError(f"--mode {mode!r}: not one of fc, prompt")
    chosen, not_run = resolve(list(categories))
    if local is not None:
        from .evaluation.models import LocalModel

        the_model, concurrency = LocalModel(str(local), max_new_tokens, label=model), 1
    else:
        from .evaluation.models import EndpointModel

        the_model = EndpointModel(model, base_url, max_new_tokens)
    folder = Path(out) if out else Path("runs") / "eval-bfcl" / re.sub(r"[^A-Za-z0-9_.-]+", "_", model)
    return evaluate(
        the_model,
        chosen,
        folder,
        fc=mode == "fc",
        limit=limit,
        concurrency=concurrency,
        not_run=not_run,
        progress=progress,
    )
