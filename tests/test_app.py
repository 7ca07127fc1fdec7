"""The Streamlit explorer: every page under streamlit's AppTest, then the served app in Debian's
chromium driven by playwright, against a real embedded store and a real synthesize run."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from magnet_graph.explore.path_lab import apply, walk
from magnet_graph.store import open_store
from tests.helpers import cli, rows, synthesize_run

pytestmark = pytest.mark.slow  # the whole module: a synthesize run, Streamlit pages and a real browser

APP = Path(__file__).resolve().parents[1] / "app"
ARTIFACTS = Path(os.environ.get("MAGNET_GRAPH_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts"))
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A store with the BFCL graph and a run synthesized from it; the app reads both from the environment."""
    folder = tmp_path_factory.mktemp("app")
    run = synthesize_run(folder, n=8, seed=2)
    store = f"embedded://{folder / 'store'}"
    saved = {k: os.environ.get(k) for k in ("MAGNET_GRAPH_STORE", "MAGNET_GRAPH_RUN")}
    os.environ.update(MAGNET_GRAPH_STORE=store, MAGNET_GRAPH_RUN=str(run))
    yield {"store": store, "run": run}
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    cli("store", "stop", "--store", store, check=False)


def page(name: str) -> AppTest:
    app = AppTest.from_file(str(APP / "pages" / f"{name}.py"), default_timeout=120)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_graph_page_filters_and_describes_a_function(world):
    with open_store(world["store"]) as store:
        stats = store.stats()
        edges = store.edges()
    app = page("graph")
    assert app.caption[0].value == f"{stats['functions']} functions, {stats['edges']} edges"
    assert len(app.selectbox(key="function").options) == stats["functions"]
    app.sidebar.multiselect[0].set_value(["MathAPI"]).run()
    assert app.caption[0].value.startswith(f"{stats['toolkits']['MathAPI']} functions")
    busiest = max(["mean", "add", "multiply"], key=lambda n: sum(n in (e.source, e.target) for e in edges))
    app.selectbox(key="function").set_value(busiest).run()
    assert app.subheader[0].value.startswith(busiest)
    inside = {e.source for e in edges} | {e.target for e in edges}
    touching = [e for e in edges if busiest in (e.source, e.target) and e.source in inside and e.target in inside]
    assert len(app.expander) == 1 + len(touching)  # the output schema, then one per edge with its evidence
    app.sidebar.slider[0].set_value(1.0).run()
    assert not app.exception


def test_graph_page_draws_a_5000_function_graph(world, monkeypatch):
    """The paper's pool size on the real store: the page draws every function (clustered layout,
    WebGL points) with no SciPy installed; bench/explore.py times it."""
    import streamlit as st

    from tests.catalog_factory import synthetic_catalog, synthetic_edges

    functions = synthetic_catalog(5000, toolkits=49)
    with open_store(world["store"], "pool-5k") as store:
        store.load_functions(functions)
        store.load_edges(synthetic_edges(functions, per_function=2))
    monkeypatch.setenv("MAGNET_GRAPH_GRAPH", "pool-5k")
    st.cache_data.clear()  # the page's store and graph are cached per process; the other tests read BFCL
    st.cache_resource.clear()
    try:
        app = page("graph")
        assert app.caption[0].value == "5000 functions, 10000 edges"
        assert len(app.selectbox(key="function").options) == 5000
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def test_path_lab_walks_then_applies_each_operation_and_shows_the_cypher(world):
    app = page("path_lab")
    app.button(key="walk").click().run()
    first = app.dataframe[0].value
    assert len(first) >= 2 and set(first["ops"]) == {"walk"}
    for operation in ("merge", "insert", "split"):
        app.button(key=operation).click().run()
    assert [s.value for s in app.subheader] == ["1. walk", "2. merge", "3. insert", "4. split"]
    cypher = [c.value for c in app.code]
    assert any("MATCH" in text and "$walkers" in text for text in cypher)  # walk/step.cypher, as it ran
    assert any("$jobs" in text for text in cypher)  # insert_candidates / split_params
    # the same seed gives the same walk, as the library does
    with open_store(world["store"]) as store:
        assert walk(store, 7).path.turns == walk(store, 7).path.turns
        assert len(first) == len(walk(store, 7).path.turns)
        split = apply(store, walk(store, 7).path, "split", 8)
        assert split.path is not None and split.path.parent == walk(store, 7).path.id
        assert sum(t.missing is not None for t in split.path.turns) == 1


def test_trajectories_page_shows_a_positive_beside_its_negative(world):
    records = rows(world["run"] / "trajectories.jsonl")
    with_negative = next(r for r in records if r["negatives"] and r["kind"] == "multi_turn")
    app = page("trajectories")
    choice = next(o for o in app.selectbox(key="trajectory").options if o.endswith(with_negative["id"]))
    app.selectbox(key="trajectory").set_value(choice).run()
    markdown = [m.value for m in app.markdown]
    assert not any("DeltaGenerator" in m for m in markdown)  # no stray expression echoed by Streamlit's magic
    assert "**Positive**" in markdown and any(m.startswith("**Negative: ") for m in markdown)
    assert sum("diverges here" in m for m in markdown) == 2  # marked on both sides
    app.toggle(key="hints").set_value(True).run()
    hinted = app.dataframe[0].value
    assert list(hinted["turn"]) == [t["index"] for t in with_negative["turns"]]
    assert len(app.dataframe) == 2  # the hints, then the lineage path's turns
    assert not app.exception


def test_dashboard_page_counts_what_the_run_holds(world):
    app = page("dashboard")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Records"] == str(len(rows(world["run"] / "trajectories.jsonl")))
    assert metrics["Paths"] == str(len(rows(world["run"] / "paths.jsonl")))
    assert len(app.get("vega_lite_chart")) == 6  # one bar chart per count


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_served_app_in_a_real_browser(world):
    assert Path(CHROMIUM).exists(), (
        "Debian's chromium is missing: `make install` installs it (apt-get install chromium)"
    )
    from playwright.sync_api import sync_playwright

    shots = ARTIFACTS / "screenshots"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "magnet_graph.cli",
            "app",
            "--store",
            world["store"],
            "--run",
            str(world["run"]),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, server.stderr.read().decode()[-2000:]
                time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            view = browser.new_page(viewport={"width": 1400, "height": 1000})

            def settle(name: str, text: str):
                view.get_by_text(text, exact=False).first.wait_for(timeout=90_000)
                view.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
                errors = view.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
                assert errors.count() == 0, errors.first.inner_text()
                view.screenshot(path=str(shots / f"{name}.png"), full_page=True)

            view.goto(url)
            view.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=90_000)
            settle("graph", "functions,")
            # a click on a function in the network selects it: its schema and edges replace the first one's
            first = view.locator("h3").first.inner_text()
            view.locator(".scatterlayer .trace .points path").nth(60).click(force=True)
            view.wait_for_function(
                f"document.querySelector('h3') && !document.querySelector('h3').innerText"
                f".startsWith({first.split(' ')[0]!r})",
                timeout=60_000,
            )
            settle("graph", "Incoming edges")
            view.get_by_role("link", name="Path lab").click()
            view.get_by_role("button", name="Run walk").wait_for(timeout=60_000)
            view.get_by_role("button", name="Run walk").click()
            settle("path_lab", "1. walk")
            view.get_by_role("button", name="Insert").click()
            settle("path_lab", "2. insert")
            view.get_by_role("link", name="Trajectories").click()
            settle("trajectories", "Lineage")
            view.locator('[data-testid="stSelectbox"]').first.click()  # open another trajectory
            option = view.get_by_role("option").nth(2)
            chosen = option.inner_text()
            option.click()
            settle("trajectories", "Lineage")
            shown = view.locator('[data-testid="stSelectbox"]').first
            assert chosen.split(" · ")[-1] in shown.inner_text() + shown.locator("input").input_value()
            view.get_by_role("link", name="Run dashboard").click()
            settle("dashboard", "Records by kind")
            browser.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    for name in ("graph", "path_lab", "trajectories", "dashboard"):
        assert (shots / f"{name}.png").stat().st_size > 20_000, name
    assert sorted(p.name for p in shots.iterdir()) == ["dashboard.png", "graph.png", "path_lab.png", "trajectories.png"]


def test_compose_wires_the_app_to_a_healthy_neo4j():
    import yaml

    root = APP.parent
    compose = yaml.safe_load((root / "docker" / "compose.yml").read_text())
    neo4j, app = compose["services"]["neo4j"], compose["services"]["app"]
    assert neo4j["image"].startswith("neo4j:5.26") and "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    assert app["depends_on"] == {"neo4j": {"condition": "service_healthy"}}
    assert app["environment"]["MAGNET_GRAPH_STORE"] == "neo4j://neo4j:7687"
    dockerfile = (root / app["build"]["context"].replace("..", ".") / app["build"]["dockerfile"]).read_text()
    assert "pip install '.[app]'" in dockerfile and "_stcore/health" in dockerfile
    for copied in ("magnet_graph", "cypher", "app"):
        assert f"COPY {copied} {copied}" in dockerfile
