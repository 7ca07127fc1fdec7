"""The ``magnet-graph`` command: parse, make one call of the public API (``magnet_graph.api``), print.

Errors are one line and exit 1 (tracebacks with ``--debug``). The API is imported inside each
command, so ``magnet-graph --help`` loads no driver, engine or torch.
"""

from __future__ import annotations

import json
import logging
import os
import sys

import click

from ..config import LinkConfig, PathConfig, SynthesisConfig
from ..errors import MagnetGraphError, redact
from .options import FiniteFloat, config_options, integer, make

STORE_OPTION = click.option(
    "--store",
    "store_uri",
    default=None,
    metavar="URI",
    help="embedded://PATH (default ./.magnet-graph), neo4j://HOST:PORT or bolt://...; env MAGNET_GRAPH_STORE.",
)
GRAPH_OPTION = click.option(
    "--graph", default=None, metavar="NAME", help="Graph partition (default 'default'; env MAGNET_GRAPH_GRAPH)."
)


class _Group(click.Group):
    """Turns every error into one line on stderr and exit code 1 (tracebacks with --debug)."""

    def main(self, *args, **kwargs):
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(1)
        except click.ClickException as exc:  # usage errors: bad option values, unknown commands
            click.echo(f"error: {exc.format_message().splitlines()[0]}", err=True)
            sys.exit(1)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # the reader (head, less) went away: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except MemoryError:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            command = " ".join(["magnet-graph", *filter(None, [ctx.invoked_subcommand])])
            click.echo(
                f"error: ran out of memory in `{command}`; edge inference grows with the square of a toolkit's "
                "size (one catalog file is one toolkit): split big catalog files, load with --no-edges, or use a "
                "machine with more memory (docs/reliability.md)",
                err=True,
            )
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
            if ctx.obj and ctx.obj.get("debug"):
                raise
            message = redact(str(exc) if isinstance(exc, MagnetGraphError) else f"{type(exc).__name__}: {exc}")
            click.echo(f"error: {message.splitlines()[0] if message else type(exc).__name__}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(package_name="magnet-graph")
@click.pass_context
def main(ctx, debug):
    """magnet-graph: Magnet multi-turn tool-use data synthesis on a graph database."""
    from ..records.io import stop_on_signals

    ctx.obj = {"debug": debug}
    stop_on_signals()  # SIGTERM (timeout, docker stop, Slurm) ends a command as Ctrl-C does
    # The driver logs connection failures itself; the one-line error below already says it.
    logging.getLogger("neo4j").setLevel(logging.DEBUG if debug else logging.CRITICAL)


def _open(store_uri, graph):
    from .. import api

    return api.open_store(store_uri, graph or os.environ.get("MAGNET_GRAPH_GRAPH") or api.DEFAULT_GRAPH)


def _say(message):
    """A note for the user on stderr (stdout stays the command's result)."""
    click.echo(message, err=True)


def _progress_bars():
    """A ``progress(stage, done, total)`` callback drawing one bar per stage on stderr."""
    bars = {}

    def progress(stage, done, total):
        if stage not in bars:
            bars[stage] = click.progressbar(length=total, label=f"{stage:<13}", file=sys.stderr)
            bars[stage].__enter__()
        bars[stage].update(done - bars[stage].pos)
        if done >= total:
            bars.pop(stage).__exit__(None, None, None)

    return progress


@main.command()
@click.argument("sources", nargs=-1, required=True)
@STORE_OPTION
@GRAPH_OPTION
@click.option(
    "--batch-size", default=1000, show_default=True, type=click.IntRange(min=1), help="Rows per UNWIND batch."
)
@click.option(
    "--edges/--no-edges",
    "with_edges",
    default=True,
    show_default=True,
    help="Infer FEEDS edges over the whole graph after loading.",
)
@config_options(LinkConfig)
def load(sources, store_uri, graph, batch_size, with_edges, **link):
    """Import catalogs into the graph, then infer dependency edges.

    SOURCES: bfcl | bfcl:ClassName | python:package.module:ClassName | PATH to an OpenAI tools
    JSON/JSONL or MCP tools/list JSON file. All sources are validated before anything is written.
    """
    from .. import api

    config = make(LinkConfig, link)
    signatures = api.load_catalogs(list(sources))  # every source validated before the store is touched
    with _open(store_uri, graph) as store:
        report = api.load(
            store,
            signatures,
            edges=config if with_edges else None,
            batch_size=batch_size,
            progress=_progress_bars() if sys.stderr.isatty() else None,
        )
    loaded = report.functions
    click.echo(
        f"loaded {loaded.functions} functions ({loaded.new_functions} new), {loaded.parameters} parameters, "
        f"{loaded.response_fields} response fields into graph {store.graph!r} in {loaded.seconds:.1f}s"
    )
    if report.edges is not None:
        click.echo(report.edges.summary())
        for warning in report.edges.warnings:
            click.echo(warning, err=True)


@main.command()
@STORE_OPTION
@GRAPH_OPTION
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True)
@click.option(
    "--min-score", type=FiniteFloat(), default=0.0, show_default=True, help="Only edges scoring at least this."
)
@click.option("--infer", is_flag=True, help="Re-infer the graph's edges first (idempotent).")
@config_options(LinkConfig)
def edges(store_uri, graph, fmt, min_score, infer, **link):
    """List FEEDS edges: which output field of a function feeds which parameter of another.
    The inference options apply with --infer."""
    from .. import api

    config = make(LinkConfig, link)
    if config != LinkConfig() and not infer:
        raise click.UsageError("--min-edge-score, --verify, --judge and --base-url apply with --infer")
    with _open(store_uri, graph) as store:
        if infer:
            linked = api.infer_edges(store, config)
            click.echo(linked.summary())
            for warning in linked.warnings:
                click.echo(warning, err=True)
        elif stale := store.edges_stale():
            _say(f"warning: the edges of graph {store.graph!r} are stale ({stale}); run with --infer")
        rows = [e for e in store.edges() if e.score >= min_score]
    if fmt == "jsonl":
        for e in rows:
            click.echo(json.dumps(e.to_dict(), ensure_ascii=False, sort_keys=True))
        return
    click.echo(f"{'source.field':<44} {'target.param':<44} {'kind':<12} {'score':>5}  evidence")
    for e in rows:
        evidence = "; ".join(
            f"{x['kind']} {x['score']:.2f}"
            + (f" ({x['detail']})" if x["kind"] == "execution" and "detail" in x else "")
            for x in e.evidence
        )
        click.echo(
            f"{e.source + '.' + e.source_field:<44} {e.target + '.' + e.target_param:<44} "
            f"{e.kind:<12} {e.score:>5.2f}  {evidence}"
        )


@main.command()
@STORE_OPTION
@GRAPH_OPTION
@config_options(PathConfig)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True)
@click.option("--save/--no-save", default=True, show_default=True, help="Persist the paths in the graph.")
def paths(store_uri, graph, fmt, save, **options):
    """Signature paths: seeded Cypher random walks reshaped by Merge, Insert and Split, then the
    single-turn shapes of the mix: exactly what `synthesize` with the same options walks.

    Same seed, same graph: byte-identical output. Split adds copies, so there can be more than N walks.
    """
    from .. import api

    config = make(PathConfig, options)
    with _open(store_uri, graph) as store:
        found = api.sample_paths(store, config, save=save)
    for path in found:
        if fmt == "jsonl":
            click.echo(path.to_json())
        else:
            turns = " | ".join(
                f"{','.join(t.functions) or '(' + t.missing.kind + ': ' + t.missing.function + ')'}[{'+'.join(t.ops)}]"
                for t in path.turns
            )
            click.echo(f"{path.id}  {turns}")


@main.command()
@click.option(
    "--catalog",
    "catalogs",
    multiple=True,
    metavar="SOURCE",
    help="Load these catalogs first (as `load` does; idempotent). Default: the graph as it is.",
)
@config_options(SynthesisConfig)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Run directory.")
@click.option("--teacher", default="offline", show_default=True, metavar="offline|openai:MODEL")
@click.option("--base-url", default=None, metavar="URL", help="OpenAI-compatible endpoint of the teacher.")
@click.option("--student", default=None, metavar="openai:MODEL", help="Student for hinted negatives.")
@click.option("--student-base-url", default=None, metavar="URL")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Teacher response cache (default ./.magnet-graph/teacher-cache).",
)
@click.option(
    "--teacher-retries",
    default=4,
    show_default=True,
    type=click.IntRange(0, 100),
    help="Retries of a failed teacher request (timeouts, 429, 5xx, connection errors), with backoff.",
)
@click.option("--resume", is_flag=True, help="Finish a killed run in --out (same config required).")
@click.option("--dry-run", is_flag=True, help="Estimate teacher calls and tokens; write nothing.")
@STORE_OPTION
@GRAPH_OPTION
def synthesize(
    catalogs,
    out_dir,
    teacher,
    base_url,
    student,
    student_base_url,
    cache_dir,
    teacher_retries,
    resume,
    dry_run,
    store_uri,
    graph,
    **options,
):
    """Turn signature paths into executed multi-turn conversations, positive and negative trajectories,
    and SFT / DPO / mDPO / ShareGPT datasets (plus each integration's files) in --out."""
    from .. import api

    config = make(SynthesisConfig, options)
    tries = {"cache_dir": cache_dir, "max_retries": teacher_retries}
    the_teacher = api.open_teacher(teacher, base_url=base_url, **tries)
    the_student = api.open_teacher(student, base_url=student_base_url, **tries) if student else None
    with _open(store_uri, graph) as store:
        if dry_run:
            found = api.estimate(store, config, catalogs=catalogs, student=bool(student), notify=_say)
            click.echo(json.dumps(found, sort_keys=True))
            return
        run = api.synthesize(
            store,
            out_dir,
            config,
            teacher=the_teacher,
            student=the_student,
            catalogs=catalogs,
            resume=resume,
            progress=_progress_bars(),
            notify=_say,
        )
    counts = run.manifest["counts"]
    click.echo(
        f"wrote {counts['records']} trajectories ({counts['dropped']} paths dropped, {counts['negatives']} "
        f"negatives) to {run.out}"
    )
    for name, check in run.checks.items():
        click.echo(f"{name} checker: {check.summary()}")
    for warning in run.warnings:
        click.echo(warning, err=True)
    if run.failure:
        click.echo(run.failure, err=True)
        raise SystemExit(1)


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--out", "out_file", default=None, type=click.Path(dir_okay=False), help="Default RUN_DIR/tasks.jsonl.")
@STORE_OPTION
@GRAPH_OPTION
def tasks(run_dir, out_file, store_uri, graph):
    """RL tasks of a run, one per user turn (the conversation so far, the state to start from, the
    reference calls, outputs and state), each reference replayed on the way; docs/training.md."""
    from .. import api

    with _open(store_uri, graph) as store:
        result = api.write_tasks(store, run_dir, out_file)
    for problem in result.problems:
        click.echo(f"left out: {problem}", err=True)
    click.echo(f"wrote {len(result.tasks)} tasks from {result.records - len(result.problems)} records to {result.path}")
    if not result.tasks or len(result.problems) * 2 > result.records:
        click.echo(f"error: {len(result.problems)} of {result.records} records gave no tasks", err=True)
        raise SystemExit(1)


@main.group()
def train():
    """Train on a synthesized run: SFT, multi-turn DPO, then GRPO in the live tools (needs the train extra)."""


def _train_options(command):
    options = [
        click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False), help="Run directory."),
        click.option(
            "--model", required=True, metavar="PATH_OR_NAME", help="Base checkpoint (local path or hub name)."
        ),
        click.option(
            "--init",
            default=None,
            type=click.Path(file_okay=False, exists=True),
            help="Start from an earlier `train` output: its checkpoint, or its LoRA adapter merged into --model.",
        ),
        click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output directory."),
        click.option(
            "--config",
            "config_path",
            default=None,
            type=click.Path(dir_okay=False),
            help="YAML with sections args / model / lora (see trainer/configs/).",
        ),
        click.option(
            "--set", "overrides", multiple=True, metavar="SECTION.FIELD=VALUE", help="Override a config entry."
        ),
        click.option("--resume", is_flag=True, help="Continue from the newest checkpoint in --out."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _train(method, store, data_dir, model, init, out_dir, config_path, overrides, resume):
    import warnings

    # transformers/trl deprecation notices about their own defaults are not the user's to act on
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"(transformers|trl)(\.|$)")
    from .. import api

    summary = api.train(
        method, data_dir, model, out_dir, config=config_path, overrides=overrides, resume=resume, init=init, store=store
    )
    if summary["examples"] < summary["rows"]:
        click.echo(
            f"note: {summary['rows'] - summary['examples']} of {summary['rows']} rows had no assistant "
            "token left within args.max_length (or nothing to compare) and were skipped",
            err=True,
        )
    what = "tasks" if method == "grpo" else "examples"
    rewards = summary.get("rewards")
    detail = f", mean reward {rewards['total']:.3f} ({_parts(rewards)})" if rewards else ""
    click.echo(
        f"{method}: {summary['steps']} steps on {summary['examples']} {what}, train loss "
        f"{summary['train_loss']:.4f}{detail}, saved to {out_dir}"
    )
    if summary.get("groups_with_spread") == 0:
        click.echo(
            "error: grpo: in no step did a task's rollouts differ in reward, so the policy got no gradient "
            f"(mean reward {rewards.get('total', 0):.3f}); start from a checkpoint that calls the tools "
            "(--init after `train sft`), or raise --num-generations",
            err=True,
        )
        raise SystemExit(1)


def _parts(rewards):
    return ", ".join(f"{part} {value:.3f}" for part, value in rewards.items() if part != "total")


@train.command(name="sft")
@_train_options
def train_sft(**options):
    """Supervised fine-tuning on the run's positives (sft.jsonl), loss on assistant tokens only."""
    _train("sft", None, **options)


@train.command(name="mdpo")
@_train_options
def train_mdpo(**options):
    """Multi-turn DPO on the run's pairs (mdpo.jsonl): per-assistant-turn log-ratios + SFT term."""
    _train("mdpo", None, **options)


@train.command(name="grpo")
@_train_options
@click.option("--num-generations", type=integer(2), default=None, help="Rollouts per task (GRPO's group size).")
@click.option("--max-tool-iterations", type=integer(1), default=None, help="Tool rounds a rollout may take.")
@STORE_OPTION
@GRAPH_OPTION
def train_grpo(num_generations, max_tool_iterations, store_uri, graph, overrides, **options):
    """GRPO on the run's RL tasks (tasks.jsonl, written first if missing): each rollout's tool calls run
    in the task's environment, rewarded by state, responses, forbidden calls and format (docs/training.md)."""
    shortcuts = {"num_generations": num_generations, "max_tool_calling_iterations": max_tool_iterations}
    overrides = tuple(overrides) + tuple(f"args.{k}={v}" for k, v in shortcuts.items() if v is not None)
    with _open(store_uri, graph) as store:
        _train("grpo", store, overrides=overrides, **options)


@train.command(name="tiny-model")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Where to write it.")
@click.option(
    "--data",
    "data_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Learn the tokenizer from this run's conversations.",
)
@click.option("--seed", type=integer(), default=0, show_default=True)
def tiny_model(out_dir, data_dir, seed):
    """Build a ~1M-parameter Qwen2-shaped model and tokenizer locally (no hub), for smoke runs."""
    from .. import api

    click.echo(f"wrote a tiny model and tokenizer to {api.build_tiny_model(out_dir, data_dir, seed)}")


@main.group(name="eval")
def evaluate():
    """Evaluate synthesized data, and models on BFCL's categories."""


@evaluate.command(name="data")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option(
    "--out", "out_dir", default=None, type=click.Path(file_okay=False), help="Report folder (default RUN_DIR/eval)."
)
@click.option("--store", "store_uri", default=None, metavar="URI", help="Read the graph's edge count from this store.")
@GRAPH_OPTION
@click.option("--allow-contamination", is_flag=True, help="Exit 0 even when data matches a benchmark's test entries.")
def eval_data(run_dir, out_dir, store_uri, graph, allow_contamination):
    """Quality report of a synthesize run: executability, checker rates, phenomena, coverage,
    diversity, lengths, teacher cost and the contamination guards (JSON, Markdown, plots)."""
    from pathlib import Path

    from .. import api

    if store_uri:
        with _open(store_uri, graph) as store:
            report = api.data_report(run_dir, store=store)
    else:
        report = api.data_report(run_dir)
    written = api.write_data_report(report, out_dir or Path(run_dir) / "eval")
    guards = "".join(
        f", contamination {name} {c['query_hits']} query / {c['state_hits']} state hits"
        for name, c in report["contamination"].items()
    )
    click.echo(f"wrote {written['markdown']} and {written['json']}: {report['records']} records{guards}")
    found = api.contamination_hits(report)
    if found and not allow_contamination:
        name, c = found[0]
        first = c["examples"][0]
        raise click.ClickException(
            f"contamination: {c['query_hits']} queries and {c['state_hits']} initial "
            f"states match {name} test entries (first: record {first['record']} "
            f"{first['what']} ~ {first['test_id']}); see {written['json']}"
        )


@evaluate.command(name="bfcl")
@click.option("--model", required=True, metavar="NAME", help="Model name at the endpoint (or a label for --local).")
@click.option("--base-url", default=None, metavar="URL", help="OpenAI-compatible endpoint serving --model.")
@click.option(
    "--local",
    "local_path",
    default=None,
    type=click.Path(file_okay=False),
    help="A local transformers checkpoint instead of an endpoint.",
)
@click.option(
    "--category",
    "categories",
    default="all",
    show_default=True,
    help="Comma-separated BFCL categories or groups: all, non_live, live, multi_turn, simple_python, "
    "multi_turn_base (or base), ...",
)
@click.option(
    "--mode",
    type=click.Choice(["fc", "prompt"]),
    default="fc",
    show_default=True,
    help="Native function calling, or BFCL's prompt (single-turn categories).",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="First N entries of each category.")
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Results folder (default runs/eval-bfcl/MODEL); a rerun resumes there.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Entries in flight at once (endpoint only).",
)
@click.option(
    "--max-new-tokens", type=click.IntRange(min=1), default=1024, show_default=True, help="Longest reply per step."
)
def eval_bfcl(model, base_url, local_path, categories, mode, limit, out_dir, concurrency, max_new_tokens):
    """Score a model on BFCL's categories with BFCL's protocol, checkers and overall score; prints JSON
    (also in OUT/scores.json; BFCL's score files and leaderboard CSVs in OUT/score/)."""
    from .. import api

    summary = api.evaluate_bfcl(
        model,
        base_url=base_url,
        local=local_path,
        categories=[c.strip() for c in categories.split(",") if c.strip()],
        mode=mode,
        out=out_dir,
        limit=limit,
        concurrency=concurrency,
        max_new_tokens=max_new_tokens,
        progress=_progress_bars(),
    )
    click.echo(json.dumps(summary, indent=2, sort_keys=True))


@evaluate.command(name="compare")
@click.argument("folders", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--plot", default=None, type=click.Path(dir_okay=False), help="Also write a bar plot (PNG) here.")
def eval_compare(folders, plot):
    """Several eval bfcl results side by side: a Markdown table of overall, section and category
    accuracies (and a plot), e.g. a model before and after training."""
    from .. import api

    click.echo(api.compare_evaluations(folders, plot=plot))


@main.command()
@STORE_OPTION
@GRAPH_OPTION
@click.option(
    "--run",
    "run_dir",
    default=None,
    type=click.Path(file_okay=False, exists=True),
    help="A synthesize run directory for the Trajectories and Run dashboard pages.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True)
@click.option("--address", default="127.0.0.1", show_default=True, help="Interface to listen on.")
def app(store_uri, graph, run_dir, port, address):
    """Serve the Streamlit explorer: graph, path lab, trajectories, run dashboard (needs the app extra)."""
    from importlib import resources
    from pathlib import Path

    script = Path(str(resources.files("magnet_graph.app").joinpath("explorer.py")))
    env = dict(os.environ)
    for name, value in (
        ("MAGNET_GRAPH_STORE", store_uri),
        ("MAGNET_GRAPH_GRAPH", graph),
        ("MAGNET_GRAPH_RUN", str(Path(run_dir).resolve()) if run_dir else None),
    ):
        if value:
            env[name] = value
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    click.echo(f"serving the explorer on http://{address}:{port}", err=True)
    os.execvpe(command[0], command, env)


@main.group()
def graph():
    """Inspect or clear a graph partition."""


@graph.command()
@STORE_OPTION
@GRAPH_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def stats(store_uri, graph, as_json):
    """Counts of functions, parameters, response fields and edges."""
    with _open(store_uri, graph) as store:
        data = store.stats()
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    click.echo(f"graph {data['graph']!r} on {data['store']}")
    for key in ("functions", "parameters", "response_fields", "edges"):
        click.echo(f"  {key:<16}{data[key]:>8}")
    for toolkit, count in data["toolkits"].items():
        click.echo(f"    {toolkit:<24}{count:>6}")
    click.echo(f"  content hash    {data['content_hash'][:16]}")


@graph.command()
@STORE_OPTION
@GRAPH_OPTION
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def clear(store_uri, graph, yes):
    """Delete one graph partition (other graphs are untouched)."""
    with _open(store_uri, graph) as store:
        if not yes:
            click.confirm(f"delete graph {store.graph!r} on {store.uri}?", abort=True)
        store.clear()
        click.echo(f"cleared graph {store.graph!r}")


@main.group()
def store():
    """Manage the embedded store's server process."""


@store.command()
@STORE_OPTION
def status(store_uri):
    """Show whether the embedded store's server is running."""
    from .. import api

    click.echo(api.embedded_status(store_uri))


@store.command()
@STORE_OPTION
def stop(store_uri):
    """Stop the embedded store's server cleanly (it also stops itself when idle)."""
    from .. import api

    click.echo("stopped" if api.stop_embedded(store_uri) else "not running")
