"""docs/python-api.md is a script that works: its Python blocks run, in order, in an empty folder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the whole module: the Python guide: a whole run

ROOT = Path(__file__).resolve().parents[1]


def test_the_python_api_guide_runs_end_to_end(tmp_path):
    text = (ROOT / "docs" / "python-api.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 4
    script = tmp_path / "guide.py"
    script.write_text("\n".join(blocks))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "inferred" in done.stdout and "bfcl checker: 1.0" in done.stdout
    for name in ("trajectories.jsonl", "sft.jsonl", "report.json"):
        assert (tmp_path / "runs" / "api-demo" / name).stat().st_size > 0
    assert (tmp_path / "runs" / "api-demo-multi" / "mdpo.jsonl").exists()
