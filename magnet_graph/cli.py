"""The ``magnet-graph`` command: parse, call the library, print. Errors are one line, exit 1."""

from __future__ import annotations

import json
import logging
import os
import sys

import click

from .errors import MagnetGraphError

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
        except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
            if ctx.obj and ctx.obj.get("debug"):
                raise
            message = str(exc) if isinstance(exc, MagnetGraphError) else f"{type(exc).__name__}: {exc}"
            click.echo(f"error: {message.splitlines()[0] if message else type(exc).__name__}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(package_name="magnet-graph")
@click.pass_context
def main(ctx, debug):
    """magnet-graph: Magnet multi-turn tool-use data synthesis on a graph database."""
    ctx.obj = {"debug": debug}
    # The driver logs connection failures itself; the one-line error below already says it.
    logging.getLogger("neo4j").setLevel(logging.DEBUG if debug else logging.CRITICAL)


def _open(store_uri, graph):
    from .store import DEFAULT_GRAPH, open_store

    return open_store(store_uri, graph or os.environ.get("MAGNET_GRAPH_GRAPH") or DEFAULT_GRAPH)


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
@click.option("--min-edge-score", type=float, default=None, help="Edge threshold (default: EdgeConfig.min_score).")
@click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help="Execution evidence: run executable tools (bfcl, python:) to verify edges.",
)
@click.option("--judge", default=None, metavar="openai:MODEL", help="LLM-judge evidence from this teacher.")
@click.option("--base-url", default=None, metavar="URL", help="OpenAI-compatible endpoint for --judge.")
def load(sources, store_uri, graph, batch_size, with_edges, min_edge_score, verify, judge, base_url):
    """Import catalogs into the graph, then infer dependency edges.

    SOURCES: bfcl | bfcl:ClassName | python:package.module:ClassName | PATH to an OpenAI tools
    JSON/JSONL or MCP tools/list JSON file. All sources are validated before anything is written.
    """
    from .catalogs import load_catalogs

    signatures = load_catalogs(list(sources))
    with _open(store_uri, graph) as store:
        show = sys.stderr.isatty() and len(signatures) > batch_size
        with click.progressbar(length=len(signatures), label="loading", file=sys.stderr, hidden=not show) as bar:
            result = store.load_functions(signatures, batch_size=batch_size, progress=bar.update)
        click.echo(
            f"loaded {result.functions} functions ({result.new_functions} new), {result.parameters} parameters, "
            f"{result.response_fields} response fields into graph {store.graph!r} in {result.seconds:.1f}s"
        )
        if with_edges:
            _infer(store, min_edge_score, verify, judge, base_url)


def _infer(store, min_score, verify, judge_spec, base_url):
    from .graph_build import link

    count, notes = link(store, min_score=min_score, verify=verify, judge_spec=judge_spec, base_url=base_url)
    click.echo(f"inferred {count} edges in graph {store.graph!r}" + (f" ({'; '.join(notes)})" if notes else ""))


@main.command()
@STORE_OPTION
@GRAPH_OPTION
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True)
@click.option("--min-score", type=float, default=0.0, show_default=True, help="Only edges scoring at least this.")
@click.option("--infer", is_flag=True, help="Re-infer the graph's edges first (idempotent).")
@click.option("--verify/--no-verify", default=True, show_default=True, help="With --infer: execution evidence.")
@click.option("--judge", default=None, metavar="openai:MODEL", help="With --infer: LLM-judge evidence.")
@click.option("--base-url", default=None, metavar="URL", help="OpenAI-compatible endpoint for --judge.")
def edges(store_uri, graph, fmt, min_score, infer, verify, judge, base_url):
    """List FEEDS edges: which output field of a function feeds which parameter of another."""
    with _open(store_uri, graph) as store:
        if infer:
            _infer(store, None, verify, judge, base_url)
        rows = [e for e in store.edges() if e["score"] >= min_score]
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False, sort_keys=True))
        return
    click.echo(f"{'source.field':<44} {'target.param':<44} {'kind':<12} {'score':>5}  evidence")
    for e in rows:
        evidence = ", ".join(f"{x['kind']} {x['score']:.2f}" for x in e["evidence"])
        click.echo(
            f"{e['source'] + '.' + e['source_field']:<44} {e['target'] + '.' + e['target_param']:<44} "
            f"{e['kind']:<12} {e['score']:>5.2f}  {evidence}"
        )


@main.command()
@STORE_OPTION
@GRAPH_OPTION
@click.option("-n", "count", type=click.IntRange(min=1), default=100, show_default=True, help="Paths to produce.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-steps", type=click.IntRange(min=2), default=7, show_default=True, help="S: functions per path.")
@click.option("--weighted", is_flag=True, help="Pick successors in proportion to edge score.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True)
@click.option(
    "--ops",
    default="merge,insert,split",
    show_default=True,
    help="Node operations to apply, in the paper's order; 'none' for plain walks.",
)
@click.option(
    "--single-turn",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Also this many single-turn paths (single, parallel, multiple, irrelevance).",
)
@click.option("--save/--no-save", default=True, show_default=True, help="Persist the paths in the graph.")
def paths(store_uri, graph, count, seed, max_steps, weighted, ops, single_turn, fmt, save):
    """Signature paths: seeded Cypher random walks reshaped by Merge, Insert and Split.

    Same seed, same graph: byte-identical output. Split adds copies, so there can be more than N lines.
    """
    from .paths import WalkConfig, apply_operations, random_walks, single_turn_paths

    chosen = [] if ops == "none" else [o.strip() for o in ops.split(",") if o.strip()]
    with _open(store_uri, graph) as store:
        found = random_walks(store, count, seed, WalkConfig(max_steps=max_steps, weighted=weighted))
        found = apply_operations(store, found, seed, chosen) if chosen else found
        found += single_turn_paths(store, single_turn, seed) if single_turn else []
        if save:
            store.save_paths(found)
    for path in found:
        if fmt == "jsonl":
            click.echo(path.to_json())
        else:
            turns = " | ".join(
                f"{','.join(t.functions) or '(' + t.missing.kind + ': ' + t.missing.function + ')'}[{t.op}]"
                for t in path.turns
            )
            click.echo(f"{path.id}  {turns}")


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


def _mix(text):
    from .synthesis.run import PAPER_SFT_MIX

    mix = dict(PAPER_SFT_MIX)
    for item in filter(None, (t.strip() for t in (text or "").split(","))):
        key, _, value = item.partition("=")
        if key not in mix:
            raise click.BadParameter(f"unknown shape {key!r}; choose from {', '.join(mix)}", param_hint="--mix")
        try:
            mix[key] = float(value)
        except ValueError:
            raise click.BadParameter(f"{item!r}: expected SHAPE=WEIGHT", param_hint="--mix") from None
    return mix


@main.command()
@click.option(
    "--catalog",
    "catalogs",
    multiple=True,
    metavar="SOURCE",
    help="Load these catalogs first (as `load` does; idempotent). Default: the graph as it is.",
)
@click.option("-n", "count", type=click.IntRange(min=1), default=30, show_default=True, help="Multi-turn walks.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Run directory.")
@click.option("--teacher", default="offline", show_default=True, metavar="offline|openai:MODEL")
@click.option("--base-url", default=None, metavar="URL", help="OpenAI-compatible endpoint of the teacher.")
@click.option("--student", default=None, metavar="openai:MODEL", help="Student for hinted negatives.")
@click.option("--student-base-url", default=None, metavar="URL")
@click.option(
    "--mix",
    default="",
    metavar="SHAPE=W,...",
    help="SFT mix weights (multi_turn, single, parallel, multiple, irrelevance); default the paper's.",
)
@click.option("--ops", default="merge,insert,split", show_default=True, help="Node operations; 'none' for plain walks.")
@click.option("--max-steps", type=click.IntRange(min=2), default=7, show_default=True)
@click.option("--weighted", is_flag=True, help="Walk successors in proportion to edge score.")
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Paths translated at once (each in its own environment).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Teacher response cache (default ./.magnet-graph/teacher-cache).",
)
@click.option("--resume", is_flag=True, help="Finish a killed run in --out (same config required).")
@click.option("--dry-run", is_flag=True, help="Estimate teacher calls and tokens; write nothing.")
@STORE_OPTION
@GRAPH_OPTION
def synthesize(
    catalogs,
    count,
    seed,
    out_dir,
    teacher,
    base_url,
    student,
    student_base_url,
    mix,
    ops,
    max_steps,
    weighted,
    concurrency,
    cache_dir,
    resume,
    dry_run,
    store_uri,
    graph,
):
    """Turn signature paths into executed multi-turn conversations, positive and negative trajectories,
    and SFT / DPO / mDPO / ShareGPT / BFCL datasets in --out."""
    from pathlib import Path

    from .catalogs import load_catalogs
    from .synthesis.run import SynthesisConfig, estimate, plan_paths
    from .synthesis.run import synthesize as run_synthesis
    from .teachers import open_teacher

    chosen = () if ops == "none" else tuple(o.strip() for o in ops.split(",") if o.strip())
    config = SynthesisConfig(
        n=count, seed=seed, max_steps=max_steps, weighted=weighted, ops=chosen, mix=_mix(mix), concurrency=concurrency
    )
    signatures = load_catalogs(list(catalogs)) if catalogs else []
    cache = Path(cache_dir) if cache_dir else None
    the_teacher = open_teacher(teacher, base_url=base_url, cache_dir=cache)
    the_student = open_teacher(student, base_url=student_base_url, cache_dir=cache) if student else None
    with _open(store_uri, graph) as store:
        if signatures:
            loaded = store.load_functions(signatures)
            if loaded.new_functions or not store.stats()["edges"]:
                _infer(store, None, True, None, None)
        if dry_run:
            found = plan_paths(store, config)
            click.echo(
                json.dumps(estimate(found, {s.name: s for s in store.functions()}, bool(student)), sort_keys=True)
            )
            return
        run = run_synthesis(
            store, config, Path(out_dir), the_teacher, student=the_student, resume=resume, progress=_progress_bars()
        )
    counts, bfcl = run.manifest["counts"], run.report.get("bfcl") or {}
    click.echo(
        f"wrote {counts['records']} trajectories ({counts['dropped']} paths dropped, {counts['negatives']} "
        f"negatives) to {run.out}"
    )
    if "positive" in bfcl:
        click.echo(
            f"bfcl checker: positives accepted {bfcl['positive']['accepted']}/{bfcl['positive']['checked']}, "
            f"negatives rejected {bfcl['negative']['rejected']}/{bfcl['negative']['checked']}"
        )
    elif bfcl.get("error"):
        click.echo(f"bfcl checker: {bfcl['error']}")


@main.group()
def train():
    """Train on a synthesized run: SFT, then multi-turn DPO (needs the train extra: torch, trl)."""


def _train_command(method, summary):
    @train.command(name=method, help=summary)
    @click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False), help="Run directory.")
    @click.option(
        "--model", required=True, metavar="PATH_OR_NAME", help="Starting checkpoint (local path or hub name)."
    )
    @click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output directory.")
    @click.option(
        "--config",
        "config_path",
        default=None,
        type=click.Path(dir_okay=False),
        help="YAML with sections args / model / lora (see trainer/configs/).",
    )
    @click.option("--set", "overrides", multiple=True, metavar="SECTION.FIELD=VALUE", help="Override a config entry.")
    @click.option("--resume", is_flag=True, help="Continue from the newest checkpoint in --out.")
    def command(data_dir, model, out_dir, config_path, overrides, resume):
        import warnings

        # transformers/trl deprecation notices about their own defaults are not the user's to act on
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"(transformers|trl)(\.|$)")
        from .training.run import train as run_training

        summary = run_training(method, data_dir, model, out_dir, config_path, overrides, resume)
        if summary["examples"] < summary["rows"]:
            click.echo(
                f"note: {summary['rows'] - summary['examples']} of {summary['rows']} rows had no assistant "
                "token left within args.max_length (or nothing to compare) and were skipped",
                err=True,
            )
        click.echo(
            f"{method}: {summary['steps']} steps on {summary['examples']} examples, train loss "
            f"{summary['train_loss']:.4f}, saved to {out_dir}"
        )

    return command


_train_command("sft", "Supervised fine-tuning on the run's positives (sft.jsonl), loss on assistant tokens only.")
_train_command("mdpo", "Multi-turn DPO on the run's pairs (mdpo.jsonl): per-assistant-turn log-ratios + SFT term.")


@train.command(name="tiny-model")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Where to write it.")
@click.option(
    "--data",
    "data_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Learn the tokenizer from this run's conversations.",
)
@click.option("--seed", type=int, default=0, show_default=True)
def tiny_model(out_dir, data_dir, seed):
    """Build a ~1M-parameter Qwen2-shaped model and tokenizer locally (no hub), for smoke runs."""
    from .training.tiny import build_tiny_model, corpus_from_run

    path = build_tiny_model(out_dir, corpus_from_run(data_dir) if data_dir else [], seed=seed)
    click.echo(f"wrote a tiny model and tokenizer to {path}")


@main.group(name="eval")
def evaluate():
    """Evaluate synthesized data, and models on BFCL's multi-turn categories."""


@evaluate.command(name="data")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option(
    "--out", "out_dir", default=None, type=click.Path(file_okay=False), help="Report folder (default RUN_DIR/eval)."
)
@click.option("--store", "store_uri", default=None, metavar="URI", help="Read the graph's edge count from this store.")
@GRAPH_OPTION
@click.option("--allow-contamination", is_flag=True, help="Exit 0 even when data matches BFCL test entries.")
def eval_data(run_dir, out_dir, store_uri, graph, allow_contamination):
    """Quality report of a synthesize run: executability, checker rates, phenomena, coverage,
    diversity, lengths, teacher cost and the BFCL contamination guard (JSON, Markdown, plots)."""
    from pathlib import Path

    from .evaluation.data_report import data_report, write_report

    edges = None
    if store_uri:
        with _open(store_uri, graph) as store:
            edges = store.stats()["edges"]
    report = data_report(run_dir, edges_in_graph=edges)
    written = write_report(report, out_dir or Path(run_dir) / "eval")
    cont = report["contamination"]
    click.echo(
        f"wrote {written['markdown']} and {written['json']}: {report['records']} records, "
        f"contamination {cont['query_hits']} query / {cont['state_hits']} state hits"
    )
    if (cont["query_hits"] or cont["state_hits"]) and not allow_contamination:
        first = cont["examples"][0]
        raise click.ClickException(
            f"contamination: {cont['query_hits']} queries and {cont['state_hits']} initial "
            f"states match BFCL test entries (first: record {first['record']} "
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
    default="base,miss_func,miss_param,long_context",
    show_default=True,
    help="Comma-separated multi-turn categories.",
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
def eval_bfcl(model, base_url, local_path, categories, limit, out_dir, concurrency, max_new_tokens):
    """Score a model on BFCL's multi-turn categories with BFCL's protocol and checker; prints JSON."""
    import re
    from pathlib import Path

    from .evaluation.bfcl_multi_turn import CATEGORIES, evaluate

    if bool(base_url) == bool(local_path):
        raise click.UsageError("give exactly one of --base-url URL and --local PATH")
    chosen = tuple(c.strip() for c in categories.split(",") if c.strip())
    for category in chosen:
        if category not in CATEGORIES:
            raise click.UsageError(f"--category {category!r}: not one of {', '.join(CATEGORIES)}")
    if local_path:
        from .evaluation.models import LocalModel

        the_model, concurrency = LocalModel(local_path, max_new_tokens, label=model), 1
    else:
        from .evaluation.models import EndpointModel

        the_model = EndpointModel(model, base_url, max_new_tokens)
    out = Path(out_dir) if out_dir else Path("runs") / "eval-bfcl" / re.sub(r"[^A-Za-z0-9_.-]+", "_", model)
    summary = evaluate(the_model, chosen, out, limit=limit, concurrency=concurrency, progress=_progress_bars())
    click.echo(json.dumps(summary, indent=2, sort_keys=True))


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
    from .store import default_uri, embedded, embedded_root

    root = embedded_root(store_uri or default_uri())
    if root is None:
        raise click.UsageError("store status applies to embedded:// stores")
    state = embedded.server_state(root.resolve())
    click.echo(state if isinstance(state, str) else f"running pid {state['pid']} at {state['uri']} ({root})")


@store.command()
@STORE_OPTION
def stop(store_uri):
    """Stop the embedded store's server cleanly (it also stops itself when idle)."""
    from .store import default_uri, embedded, embedded_root

    root = embedded_root(store_uri or default_uri())
    if root is None:
        raise click.UsageError("store stop applies to embedded:// stores")
    click.echo("stopped" if embedded.stop_server(root) else "not running")


if __name__ == "__main__":
    main()
