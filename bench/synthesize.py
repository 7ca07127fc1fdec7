"""Synthesis throughput with a teacher of fixed latency, at several concurrencies, against the ideal.

A local OpenAI-compatible server answers every request after ``--latency`` seconds (with the offline
templates' text, so the pipeline does its real work). It runs in a process of its own, as a hosted
teacher would: its request handling does not compete with the pipeline for the interpreter.
For concurrency c (at most c teacher requests in flight, ``PATHS_PER_SLOT`` x c paths at work) the
ideal is c / (latency x teacher calls per path): what the run would reach if nothing but the teacher
took time and c requests were always in flight. Printed per concurrency, measured in one run (n grows
with c so every path thread has paths to do): paths attempted (kept = trajectories written), paths/s
over the translation and distillation stage (exports and the checker excluded), the ideal and their
ratio; the CPU the pipeline spent a path (this process and its tool workers, the teacher's process
apart), and the cores that CPU would take at the ideal rate: above the machine's, the ideal is out
of reach.

    python bench/synthesize.py [--latency 0.2] [--n 8] [--concurrency 1 8 32] [--catalog SPEC ...]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import magnet_graph as mg  # noqa: E402
from magnet_graph.environments import forkserver  # noqa: E402
from magnet_graph.store import embedded  # noqa: E402
from magnet_graph.synthesis import offline_templates, prompts  # noqa: E402
from magnet_graph.teachers import OpenAICompatibleTeacher  # noqa: E402
from tests.openai_stub_server import ScriptedChatServer, chat_completion  # noqa: E402

TEMPLATES = {
    prompts.BACK_INSTRUCTIONS: offline_templates.back,
    prompts.FORTH_INSTRUCTIONS: offline_templates.forth,
    prompts.ASSIST_INSTRUCTIONS: offline_templates.assistant,
    prompts.JUDGE_INSTRUCTIONS: offline_templates.judge,
}


def serve_teacher(latency: float, ready) -> None:
    """The fixed-latency teacher, in its own process: answers each request after ``latency`` seconds."""

    def reply(request):  # the templates' own time counts towards the latency, as a model's would
        start = time.perf_counter()
        text = TEMPLATES[request["messages"][0]["content"]](request["messages"])
        time.sleep(max(0.0, latency - (time.perf_counter() - start)))
        return 200, chat_completion(text)

    server = ScriptedChatServer(reply)
    ready.put(server.base_url)
    threading.Event().wait()


def _pipeline_cpu() -> float:
    """CPU seconds of this process and of its tool workers that ended, those the fork server made
    included (the teacher's process lives on)."""
    times = os.times()
    server = forkserver.running()
    served = server.cpu_seconds() if server is not None else 0.0
    return times.user + times.system + times.children_user + times.children_system + served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--n", type=int, default=6, help="least multi-turn walks (single-turn shapes come on top)")
    parser.add_argument(
        "--walks-per-worker",
        type=int,
        default=8,
        help="walks per teacher slot at each concurrency (ramp and drain weigh less with more)",
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument(
        "--catalog",
        nargs="+",
        default=["bfcl"],
        help="catalogs to load, as load takes them (python:tests.fixtures.tau2_telecom.tools:TelecomTools: tau2's telecom tools)",
    )
    args = parser.parse_args()

    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Queue()
    teacher_process = spawn.Process(target=serve_teacher, args=(args.latency, ready), daemon=True)
    teacher_process.start()
    base_url = ready.get(timeout=60)
    work = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    root = work / "store"
    try:
        with mg.open_store(f"embedded://{root}", "bench") as store:
            mg.load(store, mg.load_catalogs(args.catalog))
            print(
                f"teacher latency {args.latency * 1000:.0f} ms, n={args.n}, {' + '.join(args.catalog)} on embedded ArcadeDB, "
                f"{os.cpu_count()} cores"
            )
            print(
                f"{'concurrency':>11} {'paths':>6} {'kept':>5} {'calls/path':>10} {'paths/s':>8} {'ideal':>8} "
                f"{'ratio':>6} {'planning s':>9} {'cpu ms/path':>11} {'cores at ideal':>14}"
            )
            for c in args.concurrency:
                # at least ~3 paths per worker, or the longest path, not the teacher, sets the pace
                config = mg.SynthesisConfig(
                    n=max(args.n, args.walks_per_worker * c),
                    seed=0,
                    concurrency=c,
                    mix={"multi_turn": 1, "single": 0.3, "irrelevance": 0.2},
                )
                teacher = OpenAICompatibleTeacher("bench", base_url, cache_dir=None)
                marks = {}

                def progress(stage, done, total, marks=marks):  # the export stage starts when every path is done
                    marks.setdefault(stage, (time.perf_counter(), _pipeline_cpu()))

                start = time.perf_counter()
                run = mg.synthesize(store, work / f"run-{c}", config, teacher=teacher, progress=progress)
                # the trajectory stage only: path planning (timed apart, a store cost that does not
                # depend on concurrency), exports and the BFCL checker excluded
                (begun, cpu_begun), (ended, cpu_ended) = marks["trajectories"], marks["export"]
                planning, seconds = begun - start, ended - begun
                paths = run.manifest["counts"]["paths"]
                per_path = teacher.calls / paths
                rate, ideal = paths / seconds, c / (args.latency * per_path)
                kept = run.manifest["counts"]["records"]
                cpu = (cpu_ended - cpu_begun) / paths
                print(
                    f"{c:>11} {paths:>6} {kept:>5} {per_path:>10.1f} {rate:>8.2f} {ideal:>8.2f} {rate / ideal:>6.2f} "
                    f"{planning:>9.1f} {cpu * 1000:>11.0f} {cpu * ideal:>14.2f}"
                )
    finally:
        teacher_process.kill()
        embedded.stop_server(root)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
