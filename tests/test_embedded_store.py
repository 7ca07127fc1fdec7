"""The embedded store's server lifecycle: start, reuse, stop, crash recovery, racing starters."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from magnet_graph.catalogs import load_catalog
from magnet_graph.store import embedded, open_store

from .catalog_factory import synthetic_catalog

pytestmark = pytest.mark.slow  # the whole module: embedded servers started, killed and left idle


@pytest.fixture(autouse=True)
def stop_servers_left_behind(tmp_path):
    """Stop any server a test started under tmp_path, even when the test failed."""
    yield
    for pid_file in tmp_path.glob("**/server.pid"):
        if embedded.server_state(pid_file.parent) != "stopped":
            embedded.stop_server(pid_file.parent)


def _running(pid: int) -> bool:
    """Alive and not a zombie (the server is this test process's child, so nobody reaps it yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_stopped(root, timeout=30):
    deadline = time.monotonic() + timeout
    while embedded.server_state(root) != "stopped":
        assert time.monotonic() < deadline, "server did not go away"
        time.sleep(0.1)


def test_second_process_reuses_the_running_server_and_stop_is_clean(tmp_path):
    root = (tmp_path / "store").resolve()
    with open_store(f"embedded://{root}", "g") as store:
        store.load_functions(synthetic_catalog(20))
    info = embedded.server_state(root)
    assert isinstance(info, dict) and info["uri"].startswith("bolt://127.0.0.1:")
    assert oct(os.stat(root / "server.json").st_mode & 0o777) == "0o600"
    code = (
        "from magnet_graph.store import open_store, embedded; import sys, json; "
        f"s = open_store('embedded://{root}', 'g'); "
        f"print(json.dumps([s.stats()['functions'], embedded.server_state(embedded.Path('{root}'))['pid']]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [20, info["pid"]]
    assert embedded.stop_server(root) is True
    assert embedded.server_state(root) == "stopped" and not (root / "server.json").exists()
    assert "STOPPED" in (root / "server.log").read_text()
    assert embedded.stop_server(root) is False
    with open_store(f"embedded://{root}", "g") as store:  # restarted: data persisted
        assert store.stats()["functions"] == 20
    embedded.stop_server(root)


def test_racing_starters_share_one_server(tmp_path):
    root = (tmp_path / "store").resolve()
    code = (
        "from magnet_graph.store import embedded; import sys; "
        f"print(embedded.ensure_server(embedded.Path('{root}'))['pid'])"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(3)]
    pids = {p.communicate(timeout=180)[0].strip() for p in procs}
    assert len(pids) == 1 and all(p.returncode == 0 for p in procs)
    embedded.stop_server(root)


def test_a_killed_server_leaves_a_store_that_restarts_intact(tmp_path):
    """kill -9 in the middle of a load: the next start recovers and a reload converges exactly."""
    root = (tmp_path / "store").resolve()
    catalog = tmp_path / "cat.json"
    catalog.write_text(
        json.dumps(
            [
                {
                    "name": s.original_name,
                    "description": s.description,
                    "parameters": s.parameters,
                    "response": s.output,
                }
                for s in synthetic_catalog(3000, seed=3)
            ]
        )
    )
    sigs = load_catalog(str(catalog))
    with open_store(f"embedded://{root}", "g") as store:
        store.load_functions(sigs[:500])
    pid = embedded.server_state(root)["pid"]
    loader = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "magnet_graph.cli",
            "load",
            str(catalog),
            "--store",
            f"embedded://{root}",
            "--graph",
            "g",
            "--batch-size",
            "100",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with open_store(f"embedded://{root}", "g") as store:  # kill only once the load is under way
        deadline = time.monotonic() + 60
        while store.stats()["functions"] <= 600 and time.monotonic() < deadline:
            time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    _, err = loader.communicate(timeout=120)
    assert loader.returncode == 1 and err.count("\n") == 1 and err.startswith("error: ")
    _wait_stopped(root)
    assert (root / "server.json").exists()  # stale, left by the crash
    with open_store(f"embedded://{root}", "g") as store:
        assert embedded.server_state(root)["pid"] != pid
        recovered = [f.name for f in store.functions()]
        assert len(recovered) >= 500 and len(recovered) == len(set(recovered))
        store.load_functions(sigs)
        stats = store.stats()
        assert stats["functions"] == 3000
        assert stats["parameters"] == sum(len(s.parameter_fields()) for s in sigs)
    embedded.stop_server(root)


def test_idle_server_stops_itself(tmp_path):
    root = (tmp_path / "store").resolve()
    env = {**os.environ, "MAGNET_GRAPH_IDLE_TIMEOUT": "1"}
    code = f"from magnet_graph.store import embedded; embedded.ensure_server(embedded.Path('{root}'))"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    _wait_stopped(root, timeout=60)
    assert "idle for" in (root / "server.log").read_text()


def test_a_server_whose_store_folder_is_deleted_stops(tmp_path):
    root = (tmp_path / "store").resolve()
    pid = embedded.ensure_server(root)["pid"]
    log = (root / "server.log").read_text()
    assert "log" not in {p.name for p in tmp_path.iterdir()} and (root / "log").is_dir()  # logs stay in the store
    import shutil

    shutil.rmtree(root)
    deadline = time.monotonic() + 60
    while _running(pid):
        assert time.monotonic() < deadline, "server outlived its store folder"
        time.sleep(0.2)
    assert "READY" in log


def test_the_heap_follows_the_machine_unless_set(monkeypatch):
    """A quarter of the memory, 1-16 GiB (ArcadeDB's query budget is half of it); the setting wins."""
    from magnet_graph.store.embedded_server import HEAP_SETTING, heap_size

    monkeypatch.delenv(HEAP_SETTING, raising=False)
    quarter = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4 // 2**30
    assert heap_size() == f"{min(max(quarter, 1), 16)}g"
    monkeypatch.setenv(HEAP_SETTING, "3g")
    assert heap_size() == "3g"
