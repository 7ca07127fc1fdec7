"""A run directory damaged between sessions (a disk error, a hand edit, a copy cut short): resuming
or reporting on it names the file and what to do, exits 1, and leaves every other file as it was."""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import cli

pytestmark = pytest.mark.slow

ARGS = ("-n", "3", "--seed", "3")


def _cut(name: str, keep: int):
    def damage(run):
        data = (run / name).read_bytes()
        (run / name).write_bytes(data[:keep])

    return damage


def _write(name: str, text: bytes):
    return lambda run: (run / name).write_bytes(text)


def _replace_line(name: str, number: int, text: bytes):
    def damage(run):
        lines = (run / name).read_bytes().splitlines(keepends=True)
        lines[number - 1] = text + b"\n"
        (run / name).write_bytes(b"".join(lines))

    return damage


DAMAGE = {  # name: (damage, what the resume says)
    "run.json cut short": (_cut("run.json", 40), "run.json is damaged"),
    "run.json not an object": (_write("run.json", b"[]"), "run.json is damaged (not a JSON object)"),
    "paths.jsonl deleted": (lambda run: (run / "paths.jsonl").unlink(), "paths.jsonl is missing"),
    "paths.jsonl garbled line": (_replace_line("paths.jsonl", 2, b'{"id": 7}'), "paths.jsonl:2: not a signature path"),
    "paths.jsonl not JSON": (_replace_line("paths.jsonl", 1, b"{oops"), "paths.jsonl:1"),
    "trajectories not JSON": (_replace_line("trajectories.jsonl", 1, b"\x00\x00"), "trajectories.jsonl:1: not JSON"),
    "trajectories not UTF-8": (_write("trajectories.jsonl", b'{"id": "\xff"}\n'), "trajectories.jsonl: not UTF-8"),
    "trajectories row without id": (
        _replace_line("trajectories.jsonl", 1, b"{}"),
        "trajectories.jsonl: row 1 has no id",
    ),
    "usage.json garbled": (_write("usage.json", b'{"sessions": 3'), "usage.json: not a usage file"),
}


@pytest.fixture(scope="module")
def finished_run(small_store, tmp_path_factory):
    run = tmp_path_factory.mktemp("damage") / "run"
    cli("synthesize", "--out", str(run), *ARGS, "--store", small_store)
    return run


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_resume_of_a_damaged_run_names_the_file(finished_run, small_store, tmp_path, case):
    damage, message = DAMAGE[case]
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    damage(run)
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    done = cli("synthesize", "--out", str(run), "--resume", *ARGS, "--store", small_store, check=False)
    assert done.returncode == 1 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    after = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    assert after == before  # nothing rewritten, nothing lost


def test_a_trajectory_cut_by_a_crash_is_done_again(finished_run, small_store, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    data = (run / "trajectories.jsonl").read_bytes()
    (run / "trajectories.jsonl").write_bytes(data[: data.rfind(b"\n", 0, len(data) - 1) + 20])  # last line cut
    cli("synthesize", "--out", str(run), "--resume", *ARGS, "--store", small_store)
    assert (run / "trajectories.jsonl").read_bytes() == (finished_run / "trajectories.jsonl").read_bytes()


@pytest.mark.parametrize(
    "damage, message",
    [
        (b"{", "report.json: damaged (JSONDecodeError"),
        (b'{"teacher": {"calls": "many"}}', "report.json: damaged (TypeError: teacher.calls is not a count"),
        (b'{"teacher": []}', "report.json: damaged (AttributeError"),
    ],
)
def test_eval_data_on_a_damaged_report_names_it(finished_run, tmp_path, damage, message):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    (run / "report.json").write_bytes(damage)
    done = cli("eval", "data", str(run), check=False)
    assert done.returncode == 1 and message in done.stderr and "--resume" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (run / "eval").exists()
