"""Which path a free worker starts next, and outcomes handed back in path order.

A run's paths differ tenfold in teacher calls (a single call to a seven-function conversation). Started
in path order, the last long paths run alone while the other workers idle: at concurrency 32 on a
128-path run that tail cost a fifth of the wall time. ``LongestFirst`` starts the costliest of the
next ``lookahead`` paths not yet started, so the tail holds short paths, and hands outcomes back in
path order, so the files are the same for any order of completion. At most ``lookahead`` paths
past the first unfinished one are started, which bounds what a crash loses (redone on --resume).
With more paths at work than teacher slots, a free slot goes to the path that started first, or
that comes first in the run if it started later than its place (a short path, held back).
"""

from __future__ import annotations

import heapq
import itertools
import math
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from ..paths import SignaturePath
from ..teachers import Teacher

T = TypeVar("T")


def teacher_calls(path: SignaturePath) -> int:
    """A path's expected teacher calls (what ``run.estimate`` counts): a user turn, then a forth and
    an assistant move per call and a reply, or one move for a turn with no call."""
    return sum(1 + (2 * len(t.functions) + 1 if t.functions else 1) for t in path.turns)


class LongestFirst(Generic[T]):
    """The start order and the hand-back of ``paths`` (see the module docstring)."""

    def __init__(self, paths: list[SignaturePath], lookahead: int):
        self.paths, self.lookahead = paths, max(1, lookahead)
        self._cost = [teacher_calls(p) for p in paths]
        self._started = [False] * len(paths)
        self._done: dict[int, T] = {}
        self._head = 0  # the first path not handed back
        self._scan = 0  # every path before it has started

    def next(self) -> int | None:
        """The index of the path to start now, or None when none in reach is left to start."""
        while self._scan < len(self.paths) and self._started[self._scan]:
            self._scan += 1
        reach = range(self._scan, min(len(self.paths), self._head + self.lookahead))
        waiting = [i for i in reach if not self._started[i]]
        if not waiting:
            return None
        index = max(waiting, key=lambda i: (self._cost[i], -i))
        self._started[index] = True
        return index

    def finish(self, index: int, outcome: T) -> Iterator[T]:
        """Record ``outcome``; yield every outcome now due in path order."""
        self._done[index] = outcome
        while self._head in self._done:
            yield self._done.pop(self._head)
            self._head += 1

    @property
    def finished(self) -> bool:
        return self._head == len(self.paths)


PATHS_PER_SLOT = 3  # paths at work per teacher request allowed in flight

_path_rank = threading.local()  # .value: the rank of this thread's path (ThreadPaths sets it)


class RankedSlots:
    """At most ``slots`` holders at once; a slot that frees goes to the waiting thread of lowest rank
    (ties and unranked threads in the order they came)."""

    def __init__(self, slots: int):
        self._free, self._lock = max(1, slots), threading.Lock()
        self._waiting: list[tuple[float, int, threading.Lock]] = []
        self._arrival = itertools.count()

    def acquire(self, rank: float) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            handed = threading.Lock()
            handed.acquire()
            heapq.heappush(self._waiting, (rank, next(self._arrival), handed))
        handed.acquire()  # released by ``release``, which hands this thread the slot

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                heapq.heappop(self._waiting)[2].release()
            else:
                self._free += 1


class TeacherSlots:
    """``teacher`` sending at most ``slots`` requests at once; a ``chat`` that finds none free waits.

    A path spends part of its time away from the teacher: trial calls in its environment, planning,
    distillation. With one path per slot that time leaves the slot idle (at concurrency 32 on 2 cores,
    half of it). With ``PATHS_PER_SLOT`` paths per slot one path's tool work overlaps another's wait,
    so the teacher, not the pipeline, sets the pace, and the endpoint never sees more than ``slots``
    requests (its rate limit). A free slot goes to the path of lowest rank (``ThreadPaths``): the
    oldest paths run at the teacher's pace, as one path a slot would, and newer ones use the time
    those spend on their tools. Served in turn instead, every path went at a third of the pace, so the
    long paths started first were still going when the run's last paths started, and the run ended
    on them with most slots idle. Everything but ``chat`` is the teacher's own."""

    def __init__(self, teacher: Teacher, slots: int):
        self.teacher, self._slots = teacher, RankedSlots(slots)

    def chat(self, messages: list[dict[str, Any]], **options: Any) -> str:
        self._slots.acquire(getattr(_path_rank, "value", math.inf))
        try:
            return self.teacher.chat(messages, **options)
        finally:
            self._slots.release()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.teacher, name)


def _ranked(worker: Callable[[SignaturePath], T], path: SignaturePath, rank: int) -> T:
    """``worker(path)``, its teacher requests ranked ``rank`` (``TeacherSlots``)."""
    _path_rank.value = rank
    try:
        return worker(path)
    finally:
        del _path_rank.value


class ThreadPaths:
    """Paths on ``threads`` threads of this process, longest first, handed back in path order.

    A path's teacher requests rank (``TeacherSlots``) by when it started (the k-th path started
    ranks k), or by its place in the run where that is earlier. Longest first starts a short path
    after its place; ranked by its start alone it then waited behind every path started before it,
    and the writer with it: at the path it waits for, no path past the lookahead starts (on tau2's
    telecom tools at 32, active paths fell from 96 to 31 for 7 s)."""

    def __init__(self, threads: int):
        self.threads = max(1, threads)
        self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="synth")

    def map(self, worker: Callable[[SignaturePath], T], paths: Iterable[SignaturePath]) -> Iterator[T]:
        order: LongestFirst[T] = LongestFirst(list(paths), 2 * self.threads)
        ended: queue.SimpleQueue[tuple[int, Future]] = queue.SimpleQueue()  # not wait(): it walks every future
        running, starts = 0, itertools.count()
        while not order.finished:
            while running < self.threads and (index := order.next()) is not None:
                future = self._pool.submit(_ranked, worker, order.paths[index], min(next(starts), index))
                future.add_done_callback(lambda done, index=index: ended.put((index, done)))
                running += 1
            index, future = ended.get()
            running -= 1
            yield from order.finish(index, future.result())

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
