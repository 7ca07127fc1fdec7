"""The wheel ships every package: pyproject lists packages explicitly (cypher/ is mapped into it)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "magnet_graph").rglob("__init__.py")}
    assert on_disk <= listed, sorted(on_disk - listed)
    assert config["package-dir"] == {"magnet_graph.cypher": "cypher", "magnet_graph.app": "app"}
    assert {"magnet_graph.cypher", "magnet_graph.app"} <= listed
