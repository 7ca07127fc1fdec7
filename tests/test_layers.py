"""The package's layers hold: import-linter's contracts pass, a wrong import breaks them, and the
app and trainer scripts use only the public API (and the explorer's view functions)."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = ROOT / ".venv" / "bin" / "lint-imports"


def lint(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on the package found in ``root`` (PYTHONPATH puts it ahead of the installed one)."""
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.slow
def test_the_layer_contracts_hold():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "6 kept, 0 broken" in done.stdout


@pytest.mark.slow
def test_an_import_from_a_higher_layer_breaks_the_contract(tmp_path):
    """The check is live: evaluation reaching into synthesis (the coupling issue #14 removed) fails."""
    shutil.copytree(ROOT / "magnet_graph", tmp_path / "magnet_graph", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    report = tmp_path / "magnet_graph" / "evaluation" / "data_report.py"
    report.write_text(report.read_text() + "\nfrom ..synthesis import run  # noqa: E402,F401\n")
    done = lint(tmp_path)
    assert done.returncode == 1
    assert "magnet_graph.evaluation.data_report -> magnet_graph.synthesis.run" in done.stdout


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] == "magnet_graph"}


@pytest.mark.parametrize(
    "folder, allowed",
    [("app", ("magnet_graph", "magnet_graph.explore.")), ("trainer", ("magnet_graph", "magnet_graph.cli"))],
)
def test_shells_use_the_public_api(folder, allowed):
    used = {name for path in (ROOT / folder).rglob("*.py") for name in _imports(path)}
    assert used, folder
    wrong = {name for name in used if not any(name == a or (a.endswith(".") and name.startswith(a)) for a in allowed)}
    assert not wrong, f"{folder} imports magnet_graph internals: {sorted(wrong)}"
