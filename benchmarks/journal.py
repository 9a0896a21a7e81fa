"""Measure the journal under load: concurrent writers, and reports over a large journal.

Run from the repository root with the project's interpreter::

    python benchmarks/journal.py [--writers 8] [--results 10000] [--report-results 100000]

1. **Concurrent writes.** ``--writers`` processes (default 8) start together (a barrier) and
   write ``--results`` results in all (default 10,000) into one new journal through the
   plugin's write API (:meth:`pytest_experiments.notebook.journal.Journal.add_result`: one
   INSERT per result, each its own transaction, WAL mode, a 30 s busy timeout), as xdist workers
   do. Then every row is read back and checked: none lost, none doubled, and every row's JSON
   columns parse and equal what was sent (nothing torn). The goal is zero lost and zero torn.
2. **Reports over a large journal.** A journal of ``--report-results`` results (default
   100,000: 200 experiments x 500 runs, four sample runs to each full-data run, estimates,
   plain numbers and named values, verdicts that flip) is built directly with sqlite3, then
   ``python -m pytest_experiments report`` (Markdown) and ``report --html`` (with its default
   plot cap of 20 experiments, and with ``--max-plots 0``) run as fresh processes, as a user
   runs them; their wall and CPU times are printed (median of ``--repeat`` runs). CPU time is
   the steadier figure when other work shares the machine. The goal is at most 5 s.

Timings are printed with the machine they were taken on, never asserted: the script exits 0
whatever they are, and 1 only if a write was lost or torn, or a command failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import multiprocessing
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from pytest_experiments.notebook.journal import RunInfo, open_journal

REPORT_GOAL_SECONDS = 5.0


# -- part 1: concurrent writers --------------------------------------------------------------


def payload(writer: int, index: int) -> dict[str, Any]:
    """The result writer ``writer`` sends as its ``index``-th; deterministic, so the check can
    rebuild it. Sizes vary (long error texts, unicode) so that a torn write would show."""
    digest = hashlib.sha256(f"{writer}:{index}".encode()).digest()
    value = int.from_bytes(digest[:4], "big") / 2**32
    status = ("confirmed", "refuted", "inconclusive", "answered", "failed")[digest[4] % 5]
    failed = status == "failed"
    return {
        "nodeid": f"tests/exp_bench_{writer}.py::exp_{index}[ß-{digest[5]}]",
        "index": index,
        "question": f"Does variant {index} of writer {writer} beat the baseline? «{value:.3f}»",
        "expectation": ">= 0.5",
        "fraction": 0.05 if digest[6] % 2 else 1.0,
        "seed": int.from_bytes(digest[8:12], "big"),
        "status": status,
        "answer": None
        if failed
        else {
            "kind": "estimate",
            "value": value,
            "low": max(0.0, value - 0.03),
            "high": min(1.0, value + 0.03),
            "level": 0.95,
            "n": 300,
            "method": "wilson",
        },
        "answer_text": None if failed else f"{value:.3f}",
        "rows": 90,
        "total_rows": 1797,
        "record": {"writer": writer, "blob": digest.hex() * (1 + digest[7] % 20)},
        "duration": value,
        "error": ("AssertionError: " + "x" * (digest[9] * 20)) if failed else None,
    }


def write_results(
    path: str, run_id: int, writer: int, count: int, barrier: Any, latencies: Any
) -> None:
    journal = open_journal(path)
    try:
        barrier.wait()
        times = []
        for index in range(count):
            start = time.perf_counter()
            journal.add_result(run_id, payload(writer, index), f"gw{writer}")
            times.append(time.perf_counter() - start)
        latencies.put(times)
    finally:
        journal.close()


def check_writes(path: Path, run_id: int, writers: int, counts: list[int]) -> tuple[int, int, int]:
    """(rows found, rows lost, rows torn or different from what was sent)."""
    expected = {
        payload(writer, index)["nodeid"]: payload(writer, index)
        for writer in range(writers)
        for index in range(counts[writer])
    }
    torn = 0
    found = 0
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT nodeid, status, answer, record, data FROM results WHERE run_id = ?", (run_id,)
        )
        for nodeid, status, answer, record, data in rows:
            found += 1
            sent = expected.pop(nodeid, None)
            try:
                intact = (
                    sent is not None
                    and json.loads(data) == sent
                    and status == sent["status"]
                    and (None if answer is None else json.loads(answer)) == sent["answer"]
                    and json.loads(record) == sent["record"]
                )
            except ValueError:
                intact = False
            torn += not intact
    return found, len(expected), torn


def concurrent_writes(directory: Path, writers: int, total: int) -> bool:
    path = directory / "concurrent.sqlite"
    with open_journal(path) as journal:
        run_id = journal.start_run(
            RunInfo(
                uid=uuid.uuid4().hex,
                started=time.time(),
                command="benchmarks/journal.py",
                mode={"full": False, "sample": 0.05, "seed": 0},
                git_commit=None,
                git_branch=None,
                git_dirty=None,
                host=platform.node(),
                python=platform.python_version(),
                packages={},
            )
        )
    counts = [total // writers + (1 if i < total % writers else 0) for i in range(writers)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(writers + 1)
    latencies = context.Queue()
    processes = [
        context.Process(
            target=write_results, args=(str(path), run_id, i, counts[i], barrier, latencies)
        )
        for i in range(writers)
    ]
    for process in processes:
        process.start()
    barrier.wait()  # every writer has its journal open; go
    start = time.perf_counter()
    times: list[float] = []
    for _ in processes:
        times.extend(latencies.get(timeout=600))
    elapsed = time.perf_counter() - start
    for process in processes:
        process.join()
    failed = [process.exitcode for process in processes if process.exitcode != 0]
    found, lost, torn = check_writes(path, run_id, writers, counts)
    times.sort()
    print(f"1. {writers} processes writing {total:,} results at once into one journal")
    print(f"   written:   {found:,} rows in {elapsed:.2f} s ({found / elapsed:,.0f} results/s)")
    print(f"   lost:      {lost}    torn or altered: {torn}    (goal: 0 and 0)")
    if times:
        print(
            f"   one write: median {statistics.median(times) * 1000:.1f} ms, "
            f"p99 {times[int(len(times) * 0.99)] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms"
        )
    if failed:
        print(f"   writer processes failed with exit codes {failed}")
    return not (lost or torn or failed or found != total)


# -- part 2: reports over a large journal ---------------------------------------------------


def build_large_journal(path: Path, results: int, experiments: int) -> float:
    """A journal of ``results`` rows over ``experiments`` experiments; returns seconds taken."""
    start = time.perf_counter()
    with open_journal(path):  # the real schema, pragmas and meta rows
        pass
    runs = math.ceil(results / experiments)
    rng = random.Random(0)
    connection = sqlite3.connect(path)
    t0 = 1_700_000_000.0
    run_rows = []
    for run in range(1, runs + 1):
        full = run % 5 == 0
        mode = {"full": full, "sample": None if full else 0.05, "seed": 0, "confidence": 0.95}
        started = t0 + run * 6 * 3600
        run_rows.append(
            (
                run,
                uuid.UUID(int=run).hex,
                started,
                started + (3600 if full else 60),
                0,
                "pytest --full -n auto" if full else "pytest --sample 0.05",
                json.dumps(mode),
                f"{rng.getrandbits(160):040x}",
                "main",
                run % 3 == 0,
                "bench",
                "3.11.7",
                "{}",
            )
        )
    connection.executemany(
        "INSERT INTO runs (id, uid, started, finished, exit_status, command, mode, git_commit,"
        " git_branch, git_dirty, host, python, packages) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        run_rows,
    )
    written = 0
    batch = []
    truth = [rng.uniform(0.7, 0.99) for _ in range(experiments)]
    for run in range(1, runs + 1):
        full = run % 5 == 0
        fraction = 1.0 if full else 0.05
        for experiment in range(experiments):
            if written >= results:
                break
            written += 1
            nodeid = f"tests/exp_area_{experiment % 20}.py::exp_question_{experiment}"
            noise = 0.005 if full else 0.03
            value = min(1.0, max(0.0, truth[experiment] + rng.gauss(0, noise)))
            kind = experiment % 3
            if kind == 0:
                answer: Any = {
                    "kind": "estimate",
                    "value": value,
                    "low": value - 2 * noise,
                    "high": value + 2 * noise,
                    "level": 0.95,
                    "n": 1797 if full else 90,
                    "method": "wilson",
                }
                text = f"{value:.3f} [{value - 2 * noise:.3f}, {value + 2 * noise:.3f}]"
            elif kind == 1:
                answer = value
                text = f"{value:.4g}"
            else:
                answer = {"lr": value, "nb": value - 0.02}
                text = f"lr={value:.4g}, nb={value - 0.02:.4g}"
            status = "confirmed" if value >= 0.85 else "refuted"
            if abs(value - 0.85) < 2 * noise:
                status = "inconclusive"
            result = {
                "nodeid": nodeid,
                "question": f"Does model {experiment} reach 0.85 accuracy?",
                "expectation": ">= 0.85",
                "status": status,
                "answer": answer,
                "answer_text": text,
                "fraction": fraction,
                "seed": experiment,
            }
            batch.append(
                (
                    run,
                    nodeid,
                    result["question"],
                    ">= 0.85",
                    status,
                    json.dumps(answer),
                    text,
                    fraction,
                    1797 if full else 90,
                    1797,
                    experiment,
                    json.dumps({"C": 1.0}),
                    rng.uniform(0.5, 60),
                    None,
                    f"gw{experiment % 8}",
                    run_rows[run - 1][2] + 30,
                    json.dumps(result),
                )
            )
    connection.executemany(
        "INSERT INTO results (run_id, nodeid, question, expectation, status, answer, "
        "answer_text, fraction, rows, total_rows, seed, record, duration, error, worker, "
        "finished, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        batch,
    )
    connection.commit()
    connection.close()
    return time.perf_counter() - start


def time_command(arguments: list[str], repeat: int) -> tuple[float, float, bool]:
    """Median wall time and median CPU time (user + system) of ``python -m pytest_experiments
    ARGS`` as a fresh process; CPU time is the steadier figure on a busy machine."""
    walls = []
    cpus = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest_experiments", *arguments],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            print(f"   command failed ({done.returncode}): {done.stderr.strip()}")
            return math.nan, math.nan, False
    return statistics.median(walls), statistics.median(cpus), True


def large_reports(directory: Path, results: int, experiments: int, repeat: int) -> bool:
    path = directory / "large.sqlite"
    built = build_large_journal(path, results, experiments)
    size = path.stat().st_size / 2**20
    print(
        f"\n2. report over a journal of {results:,} results "
        f"({experiments} experiments; {size:.0f} MiB, built in {built:.1f} s)"
    )
    ok = True
    html = directory / "report.html"
    for label, arguments in (
        ("report (Markdown)", ["report"]),
        ("report --html (default plot cap)", ["report", "--html", str(html)]),
        ("report --html --max-plots 0", ["report", "--html", str(html), "--max-plots", "0"]),
        ("runs", ["runs"]),
        ("export --format csv", ["export", "--format", "csv"]),
    ):
        seconds, cpu, success = time_command(["--journal", str(path), *arguments], repeat)
        ok &= success
        goal = ""
        if label.startswith("report"):
            goal = "  goal <= 5 s: " + ("met" if seconds <= REPORT_GOAL_SECONDS else "MISSED")
        print(f"   {label:<34} {seconds:6.2f} s wall  {cpu:6.2f} s CPU{goal}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--results", type=int, default=10_000)
    parser.add_argument("--report-results", type=int, default=100_000)
    parser.add_argument("--experiments", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timed command")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"load average {load:.1f} at start\n"
    )
    with tempfile.TemporaryDirectory(prefix="journal-bench-") as tmp:
        directory = Path(tmp)
        ok = concurrent_writes(directory, args.writers, args.results)
        ok &= large_reports(directory, args.report_results, args.experiments, args.repeat)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
