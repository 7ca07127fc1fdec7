"""Longest-first starts with outcomes in path order (magnet_graph/synthesis/scheduling.py)."""

from __future__ import annotations

import threading
import time

from magnet_graph.paths.model import PathTurn, SignaturePath
from magnet_graph.synthesis import scheduling
from magnet_graph.synthesis.scheduling import LongestFirst, RankedSlots, TeacherSlots, ThreadPaths, teacher_calls
from magnet_graph.teachers import OpenAICompatibleTeacher

from .openai_stub_server import ScriptedChatServer, chat_completion


def _path(seed: int, calls: int) -> SignaturePath:
    return SignaturePath(seed, (PathTurn(0, tuple(f"f{seed}_{i}" for i in range(calls)), ("walk",)),))


def test_the_costliest_path_in_reach_starts_first_and_outcomes_come_back_in_path_order():
    paths = [_path(i, c) for i, c in enumerate([1, 5, 2, 5, 9, 1])]
    assert [teacher_calls(p) for p in paths] == [4, 12, 6, 12, 20, 4]
    order = LongestFirst(paths, lookahead=4)
    assert [order.next() for _ in range(4)] == [1, 3, 2, 0]  # the tie of 1 and 3 goes to the earlier
    assert order.next() is None  # path 4 is out of reach until path 0 is handed back
    assert list(order.finish(1, "b")) == []
    assert list(order.finish(0, "a")) == ["a", "b"]
    assert order.next() == 4  # now in reach, and the costliest
    assert [list(order.finish(i, "cdef"[i - 2])) for i in (3, 2, 4)] == [[], ["c", "d"], ["e"]]
    assert order.next() == 5 and list(order.finish(5, "f")) == ["f"] and order.finished


def test_threads_hand_back_in_path_order_whatever_finishes_first():
    paths = [_path(i, c) for i, c in enumerate([1, 6, 1, 6, 1, 6, 1, 6])]
    started, lock = [], threading.Lock()

    def work(path):
        with lock:
            started.append(path.seed)
        time.sleep(0.001 * len(path.functions))
        return path.seed

    pool = ThreadPaths(2)
    assert list(pool.map(work, paths)) == list(range(8))
    pool.shutdown()
    assert started[:2] == [1, 3]  # the long paths go first


def test_teacher_slots_keep_at_most_that_many_requests_in_flight_from_more_threads(tmp_path):
    server = ScriptedChatServer(lambda request: (time.sleep(0.05), (200, chat_completion("fine")))[1])
    try:
        teacher = OpenAICompatibleTeacher("stub-model", server.base_url, None)
        slots = TeacherSlots(teacher, 3)
        ask = [[{"role": "user", "content": f"q{i}"}] for i in range(12)]
        threads = [threading.Thread(target=slots.chat, args=(m,), kwargs={"prompt_version": "p1"}) for m in ask]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert server.max_in_flight == 3  # never more, and the slots were all used
        assert slots.calls == 12 == teacher.calls and slots.name == "openai:stub-model"  # the rest is the teacher's
    finally:
        server.close()


def test_a_freed_slot_goes_to_the_waiting_thread_of_lowest_rank():
    slots, served = RankedSlots(1), []
    slots.acquire(0.0)

    def wait(rank):
        slots.acquire(rank)
        served.append(rank)
        slots.release()

    threads = []
    for rank in (5.0, 1.0, 3.0, 1.0):  # the tie of 1.0 goes to the one that came first
        threads.append(threading.Thread(target=wait, args=(rank,)))
        threads[-1].start()
        deadline = time.monotonic() + 10
        while len(slots._waiting) < len(threads) and time.monotonic() < deadline:
            time.sleep(0.001)
    assert len(slots._waiting) == 4
    slots.release()
    for thread in threads:
        thread.join(10)
    assert served == [1.0, 1.0, 3.0, 5.0]
    slots.acquire(0.0)  # the slot came back free: nobody holds it now
    slots.release()


def test_a_path_s_teacher_requests_rank_by_when_it_started_or_its_place_if_earlier():
    paths = [_path(i, c) for i, c in enumerate([1, 6, 1, 6])]
    pool = ThreadPaths(2)
    # started 3rd, 1st, 4th, 2nd (longest first): the short ones rank by their place in the run
    assert list(pool.map(lambda path: scheduling._path_rank.value, paths)) == [0, 0, 2, 1]
    pool.shutdown()
    assert not hasattr(scheduling._path_rank, "value")  # this thread ran no path
