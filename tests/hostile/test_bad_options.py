"""Options a user can get wrong: each is refused with one line naming the option, exit 1, and
nothing already in the directory is touched."""

from __future__ import annotations

import pytest

from tests.helpers import cli

UNREACHABLE = "bolt://127.0.0.1:1"  # option errors are found before any store is opened


@pytest.mark.parametrize(
    "args, message",
    [
        (["--mix", "single=nan"], "--mix: single=nan: weights are finite and not negative"),
        (["--mix", "single=inf"], "--mix: single=inf: weights are finite and not negative"),
        (["--mix", "single=-5"], "--mix: single=-5.0: weights are finite and not negative"),
        (["--mix", "single"], "--mix: 'single': expected SHAPE=WEIGHT"),
        (["--seed", str(2**70)], "Invalid value for '--seed': 1180591620717411303424 is not in the range"),
        (["-n", str(2**64)], "Invalid value for '-n'"),
        (["--fan-out", "nan"], "Invalid value for '--fan-out': 'nan' is not a finite number"),
        (["--fan-out", "-1"], "Invalid value for '--fan-out': '-1' is below the minimum 0"),
        (["--fan-out", "2"], "--fan-out: 2.0: a chance between 0 and 1"),
    ],
)
def test_a_bad_number_is_one_line_naming_the_option(args, message, tmp_path):
    done = cli("synthesize", "--out", str(tmp_path / "run"), "--store", UNREACHABLE, *args, check=False)
    assert done.returncode == 1 and done.stderr.strip().splitlines() == [done.stderr.strip()], done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


def test_min_score_nan_is_refused():
    done = cli("edges", "--min-score", "nan", "--store", UNREACHABLE, check=False)
    assert done.returncode == 1 and "Invalid value for '--min-score': 'nan' is not a finite number" in done.stderr


@pytest.mark.slow
def test_out_must_be_new_empty_or_a_run(small_store, tmp_path):
    here = tmp_path / "project"
    here.mkdir()
    (here / "report.json").write_text("mine")
    empty = cli("synthesize", "--out", "", "-n", "2", "--store", small_store, cwd=here, check=False)
    assert empty.returncode == 1 and "--out: an empty path" in empty.stderr
    busy = cli("synthesize", "--out", str(here), "-n", "2", "--store", small_store, check=False)
    assert busy.returncode == 1 and "holds report.json but no run.json" in busy.stderr, busy.stderr
    afile = cli("synthesize", "--out", str(here / "report.json"), "-n", "2", "--store", small_store, check=False)
    assert afile.returncode == 1 and "report.json" in afile.stderr
    assert sorted(p.name for p in here.iterdir()) == ["report.json"] and (here / "report.json").read_text() == "mine"
    run = tmp_path / "run"
    cli("synthesize", "--out", str(run), "-n", "2", "--store", small_store)
    again = cli("synthesize", "--out", str(run), "-n", "2", "--store", small_store, check=False)
    assert again.returncode == 1 and "already holds a run; pass --resume" in again.stderr
    other = cli("synthesize", "--out", str(run), "-n", "3", "--resume", "--store", small_store, check=False)
    assert other.returncode == 1 and "cannot resume" in other.stderr and "config.n" in other.stderr
    cli("synthesize", "--out", str(run), "-n", "2", "--resume", "--store", small_store)
