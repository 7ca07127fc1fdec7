"""Print (or run) one `magnet-graph train` command per point of a hyper-parameter grid.

python trainer/grid.py trainer/configs/grid.yaml sft --data RUN --model M --out runs/grid [--run]
"""

import shlex
import subprocess
import sys

from magnet_graph import grid_points

if __name__ == "__main__":
    grid, method, *rest = [a for a in sys.argv[1:] if a != "--run"]
    out = rest[rest.index("--out") + 1]
    for name, config, overrides in grid_points(grid, method):
        command = [
            "magnet-graph",
            "train",
            method,
            *[a if a != out else f"{out}/{name}" for a in rest],
            "--config",
            config,
            *[x for o in overrides for x in ("--set", o)],
        ]
        print(shlex.join(command), flush=True)
        if "--run" in sys.argv:
            subprocess.run(command, check=True)
