"""``synthesize --ray``: paths translated and distilled as Ray tasks, written by the driver.

The driver plans the paths and writes every outcome itself, through the same appender and in the
same path order as a local run, so the files are byte-identical for a seed whatever the cluster.
Each task gets a copy of the path worker (signatures, teacher settings, plan options) and opens
its own environment and teacher client; it returns the outcome with what it counted and spent,
which the driver adds to its own. A task whose worker or node died is submitted again (Ray's own
retries are off, so the driver knows each redo), up to ``TRIES`` times in all, then the path is an
error drop that ``--resume`` tries again. ``ray`` is an optional extra: ``pip install
'magnet-graph[ray]'``; every node needs magnet-graph installed (and the teacher's key in its
environment, or in the driver's, which passes it on).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import MagnetGraphError
from ..paths import SignaturePath
from ..records import Drop, Record
from .scheduling import LongestFirst

TRIES = 3  # submissions of one path before its worker's deaths count as the path's error
KEYS = ("MAGNET_GRAPH_API_KEY", "OPENAI_API_KEY")  # passed to the workers when the driver has them


def _ray():
    try:
        import ray
    except ImportError:
        raise MagnetGraphError("--ray: Ray is not installed; pip install 'magnet-graph[ray]'") from None
    return ray


def translate_path(worker, path: SignaturePath) -> tuple[Record | Drop, Counter, dict, dict | None]:
    """One path on a Ray worker: (outcome, translation stats, teacher usage, student usage)."""
    outcome = worker(path)
    student = worker.student.usage() if worker.student is not None else None
    return outcome, worker.stats, worker.teacher.usage(), student


class RayPaths:
    """Runs paths on the Ray cluster at ``address`` (``ray.init``'s: None, auto, local, HOST:PORT,
    ray://HOST:PORT), ``window`` tasks at a time."""

    def __init__(self, address: str | None, window: int):
        ray = _ray()
        self.address, self.window = address, max(1, window)
        self.redone: Counter = Counter()  # path id -> submissions after the first
        env = {k: os.environ[k] for k in KEYS if os.environ.get(k)}
        if not ray.is_initialized():
            try:
                ray.init(
                    address=address,
                    runtime_env={"env_vars": env} if env else None,
                    log_to_driver=False,
                    configure_logging=False,
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise MagnetGraphError(f"--ray {address or ''}: {str(exc).splitlines()[0]}".strip()) from None
        self._running: dict = {}  # ref -> index of its path: the tasks running now
        self._task = ray.remote(num_cpus=1, max_retries=0)(translate_path)
        self._lost = tuple(
            getattr(ray.exceptions, name)
            for name in ("WorkerCrashedError", "NodeDiedError", "ObjectLostError", "LocalRayletDiedError")
            if hasattr(ray.exceptions, name)
        )

    def describe(self) -> dict[str, Any]:
        """What ran the paths, for the manifest."""
        ray = _ray()
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        return {
            "address": self.address,
            "nodes": len(nodes),
            "cpus": int(sum(n.get("Resources", {}).get("CPU", 0) for n in nodes)),
            "redone": dict(sorted(self.redone.items())),
        }

    def map(self, worker, paths: Iterable[SignaturePath]) -> Iterator[Record | Drop]:
        """Each path's outcome, in ``paths`` order (started longest first, as on threads); the
        tasks' stats and spending go into ``worker``."""
        ray = _ray()
        shared = ray.put(worker)
        order: LongestFirst[Record | Drop] = LongestFirst(list(paths), 4 * self.window)
        running = self._running  # ref -> path index
        tries: Counter = Counter()

        def start(index: int) -> None:
            running[self._task.remote(shared, order.paths[index])] = index
            tries[index] += 1

        try:
            while not order.finished:
                while len(running) < self.window and (index := order.next()) is not None:
                    start(index)
                ready, _ = ray.wait(list(running), num_returns=1)
                for ref in ready:
                    index = running.pop(ref)
                    path = order.paths[index]
                    try:
                        outcome, stats, teacher, student = ray.get(ref)
                    except self._lost as exc:
                        if tries[index] < TRIES:
                            self.redone[path.id] += 1
                            start(index)
                            continue
                        first = str(exc).strip().splitlines()[0][:200]
                        outcome = Drop(path.id, "error", f"its Ray worker died on all {TRIES} tries ({first})")
                    except ray.exceptions.RayTaskError as exc:  # a bug, not a lost worker: as a local run would
                        raise exc.as_instanceof_cause() from None
                    else:
                        worker._count(stats)
                        worker.teacher.add_usage(teacher)
                        if student is not None:
                            worker.student.add_usage(student)
                    yield from order.finish(index, outcome)
        finally:
            self.shutdown()

    def shutdown(self, wait: bool = True, cancel_futures: bool = True) -> None:
        """Cancel what is still running (``ThreadPoolExecutor.shutdown``'s signature; a stopped run's rest)."""
        ray = _ray()
        for ref in list(self._running):
            ray.cancel(ref, force=True)
        self._running.clear()
