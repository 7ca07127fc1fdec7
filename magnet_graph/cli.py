"""The ``magnet-graph`` command: parse, call the library, print. Errors are one line, exit 1."""

from __future__ import annotations

import json
import logging
import sys

import click

from .errors import MagnetGraphError

STORE_OPTION = click.option("--store", "store_uri", default=None, metavar="URI",
                            help="embedded://PATH (default ./.magnet-graph), neo4j://HOST:PORT or bolt://...; "
                                 "env MAGNET_GRAPH_STORE.")
GRAPH_OPTION = click.option("--graph", default=None, metavar="NAME",
                            help="Graph partition (default 'default'; env MAGNET_GRAPH_GRAPH).")


class _Group(click.Group):
    """Turns library errors into one line on stderr and exit code 1 (tracebacks with --debug)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
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
    import os

    from .store import DEFAULT_GRAPH, open_store

    return open_store(store_uri, graph or os.environ.get("MAGNET_GRAPH_GRAPH") or DEFAULT_GRAPH)


@main.command()
@click.argument("sources", nargs=-1, required=True)
@STORE_OPTION
@GRAPH_OPTION
@click.option("--batch-size", default=1000, show_default=True, help="Rows per UNWIND batch.")
def load(sources, store_uri, graph, batch_size):
    """Import catalogs into the graph.

    SOURCES: bfcl | bfcl:ClassName | python:package.module:ClassName | PATH to an OpenAI tools
    JSON/JSONL or MCP tools/list JSON file. All sources are validated before anything is written.
    """
    from .catalogs import load_catalogs

    signatures = load_catalogs(list(sources))
    with _open(store_uri, graph) as store:
        show = sys.stderr.isatty() and len(signatures) > batch_size
        with click.progressbar(length=len(signatures), label="loading", file=sys.stderr,
                               hidden=not show) as bar:
            result = store.load_functions(signatures, batch_size=batch_size, progress=bar.update)
    click.echo(f"loaded {result.functions} functions ({result.new_functions} new), {result.parameters} parameters, "
               f"{result.response_fields} response fields into graph {store.graph!r} in {result.seconds:.1f}s")


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
