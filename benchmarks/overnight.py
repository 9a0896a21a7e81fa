"""Measure running in downtime: longest-first scheduling, the runtime estimate, ``--reuse`` and
the per-worker thread limit.

Run from the repository root with the project's interpreter::

    python benchmarks/overnight.py [--workers 2]

A project is generated in a temporary directory, and every run is a fresh ``python -m pytest``
subprocess with its own journal there, timed from outside (interpreter start-up included):

1. **Longest first.** A *tail batch* of 15 experiments of uneven length (0.5-3 s, two
   CPU-bound ones, and one of 10 s collected last, the way a new, bigger experiment gets
   appended) after 20 plain tests, and an *ascending batch* of 13 (0.5-8 s, collected shortest
   first) run on all the data with ``-n N``, once in
   collection order (``--exp-order collection``) and once longest first, under ``--dist
   worksteal`` and (tail batch) ``--dist load``. The sleeping experiments sleep in proportion to
   the rows they sample, so the wall times measure the schedule more than the machine's load;
   the tail batch under worksteal runs twice per arm (best of two). The seconds each worker
   spent inside experiments show the balance. Goal: longest first <= 0.85 of collection order
   on an uneven batch.
2. **The runtime estimate.** Before the full runs, three sampled runs (5 %, 10 %, 20 %) fill the
   journal, and ``--exp-plan --full -n N`` estimates the full run's wall-clock time; compared
   with the longest-first run (goal: within +-25 %). Two CPU-bound experiments (an RBF SVC,
   superlinear in the rows) and 20 plain tests are part of the tail batch.
3. **--reuse.** The same full run again with ``--reuse``, with ``-n N`` and in one process,
   against the longest-first run (goal: <= 5 %), on the tail batch and on a *night batch*: the
   tail batch with every sleep five times as long (about a minute on two workers; a batch left
   to run in downtime is longer still). A rerun pays pytest's start-up and the collection of the
   test modules (importing scikit-learn, building a data set) whatever the batch's length; the
   script prints that fixed part, from ``pytest --collect-only``, beside the ratios.
4. **Thread limits.** Four BLAS-heavy experiments (matrix products) under ``-n N`` with
   ``experiment_limit_threads`` on and off, the thread variables removed from the environment.

Timings are printed, never asserted; the script exits non-zero only if a run does not go as
expected. Takes about 6 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

TAIL_COSTS = (1.5, 0.5, 2.0, 1.0, 0.8, 1.2, 2.5, 0.6, 1.0, 3.0, 0.7, 1.5, 10.0)
#: The night batch: the tail batch's steps, each five times as long.
NIGHT_COSTS = tuple(5 * cost for cost in TAIL_COSTS)
ASCENDING_COSTS = (0.5, 0.6, 0.8, 1.0, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
SAMPLES = ("0.05", "0.1", "0.2")
#: Collection order: the files in the order given on the command line.
FILES = {
    "tail": ("test_units.py", "exp_svc.py", "exp_tail.py"),
    "ascending": ("exp_ascending.py",),
    "night": ("test_units.py", "exp_svc.py", "exp_tail.py"),
}

ORDER_GOAL = 0.85
ESTIMATE_GOAL = 0.25
REUSE_GOAL = 0.05

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)

SLEEPS = '''
import time

import numpy as np
import pytest

ROWS = 10_000
DATA = np.arange(ROWS)


def sleep_for(exp, seconds):
    """Sleep `seconds` on all the data, in proportion on a sample."""
    rows = len(exp.sample(DATA, min_rows=1))
    time.sleep(seconds * rows / ROWS)
    return rows


@pytest.mark.question("How long does a step of this size take?")
@pytest.mark.parametrize("seconds", {costs!r})
def exp_step(exp, seconds):
    return sleep_for(exp, seconds)
'''

SVC = """
import pytest
from sklearn.datasets import make_classification
from sklearn.svm import SVC

X, y = make_classification(n_samples=6000, n_features=40, flip_y=0.1, random_state=0)


@pytest.mark.question("Does an RBF SVC fit the training data?")
@pytest.mark.expect(">= 0.7")
@pytest.mark.parametrize("C", [1.0, 10.0])
def exp_svc(exp, C):
    Xs, ys = exp.sample(X, y, stratify=True, min_rows=50)
    return SVC(C=C).fit(Xs, ys).score(Xs, ys)
"""

UNITS = "\n\n".join(f"def test_unit_{i}():\n    assert {i} + 1 > {i}\n" for i in range(20))

BLAS = """
import numpy as np
import pytest


@pytest.mark.question("How fast are matrix products?")
@pytest.mark.parametrize("repeat", range(4))
def exp_products(exp, repeat):
    a = exp.rng.standard_normal((700, 700))
    for _ in range(40):
        a = a @ a
        a /= np.abs(a).max()
    return float(a[0, 0])
"""


def machine() -> str:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "-"

    blas = "-"
    try:
        import numpy  # noqa: F401 - loads the BLAS threadpoolctl describes
        from threadpoolctl import threadpool_info

        info = [pool for pool in threadpool_info() if pool.get("user_api") == "blas"]
        if info:
            blas = f"{info[0].get('internal_api')} {info[0].get('version')}"
            blas += f", {info[0].get('num_threads')} threads"
    except ImportError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{platform.platform()}; {cores} cores ({platform.processor() or platform.machine()}); "
        f"Python {platform.python_version()}; pytest {version('pytest')}, pytest-xdist "
        f"{version('pytest-xdist')}, numpy {version('numpy')}, scikit-learn "
        f"{version('scikit-learn')}; BLAS {blas}"
    )


def environment(drop_threads: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    if drop_threads:
        for name in THREAD_VARIABLES:
            env.pop(name, None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


SUMMARY = re.compile(r" in (\d+(?:\.\d+)?)s")


def pytest_run(root: Path, *args: str, expect: str | None = None) -> tuple[float, str]:
    """Run pytest in ``root``; the subprocess's wall time and its output."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    start = time.perf_counter()
    completed = subprocess.run(
        command, cwd=root, env=environment(), capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    output = completed.stdout + completed.stderr
    if completed.returncode not in (0, 1) or (expect is not None and expect not in output):
        sys.exit(f"unexpected result of {' '.join(args)} (exit {completed.returncode}):\n{output}")
    return wall, output


def worker_loads(root: Path) -> str:
    """Seconds each worker spent in experiments in the newest run of ``root``'s journal."""
    db = sqlite3.connect(root / ".experiments" / "journal.sqlite")
    try:
        rows = db.execute(
            "SELECT worker, SUM(duration) FROM results WHERE run_id = (SELECT MAX(id) FROM runs)"
            " GROUP BY worker ORDER BY worker"
        ).fetchall()
    finally:
        db.close()
    return " | ".join(f"{worker} {total:.1f}s" for worker, total in rows)


def seconds(text: str) -> float:
    """Seconds in ``format_duration``'s text: ``0.42s``, ``12.3s``, ``4m 05s``, ``2h 03m``."""
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)([hms])", text):
        total += float(number) * {"h": 3600, "m": 60, "s": 1}[unit]
    return total


def plan_estimate(root: Path, workers: int, *selection: str) -> float:
    _, output = pytest_run(
        root, "--exp-plan", "--full", "-n", str(workers), "--dist", "worksteal", *selection
    )
    match = re.search(r"wall-clock on \d+ workers, longest first: about (.+)", output)
    if match is None:
        sys.exit(f"no wall-clock estimate in the plan:\n{output}")
    return seconds(match.group(1))


def ratio_line(label: str, numerator: float, denominator: float, goal: str) -> str:
    ratio = numerator / denominator
    return f"  {label:<60} {numerator:6.2f}s / {denominator:6.2f}s = {ratio:.3f}  {goal}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="-n for the parallel runs")
    args = parser.parse_args(argv)
    workers = str(args.workers)
    started = time.perf_counter()
    print(f"machine: {machine()}")
    print(f"workers: -n {workers}")
    with tempfile.TemporaryDirectory(prefix="overnight-") as directory:
        root = Path(directory)
        (root / "tail").mkdir()
        (root / "ascending").mkdir()
        (root / "threads").mkdir()
        (root / "night").mkdir()
        for batch, costs in (("tail", TAIL_COSTS), ("night", NIGHT_COSTS)):
            (root / batch / "exp_tail.py").write_text(SLEEPS.format(costs=costs))
            (root / batch / "exp_svc.py").write_text(SVC)
            (root / batch / "test_units.py").write_text(UNITS)
        (root / "ascending" / "exp_ascending.py").write_text(SLEEPS.format(costs=ASCENDING_COSTS))
        (root / "threads" / "exp_blas.py").write_text(BLAS)
        for batch in ("tail", "ascending", "threads", "night"):
            (root / batch / "pytest.ini").write_text("[pytest]\n")

        print("\n1-2. longest first, and the runtime estimate of a --full run")
        estimates: dict[str, float] = {}
        walls: dict[tuple[str, str, str], float] = {}
        loads: dict[tuple[str, str, str], str] = {}
        for batch, modes in (("tail", ("worksteal", "load")), ("ascending", ("worksteal",))):
            where = root / batch
            files = FILES[batch]
            for share in SAMPLES:
                pytest_run(where, *files, "-n", workers, "--sample", share)
            estimates[batch] = plan_estimate(where, args.workers, *files)
            for mode in modes:
                # The headline pair twice, arms alternating; best of the repeats (other load
                # on the machine only ever slows a run down).
                repeats = 2 if (batch, mode) == ("tail", "worksteal") else 1
                for repeat in range(repeats):
                    orders = (
                        ("collection", "longest") if repeat % 2 == 0 else ("longest", "collection")
                    )
                    for order in orders:
                        wall, _ = pytest_run(
                            where,
                            *files,
                            "--full",
                            "-n",
                            workers,
                            "--dist",
                            mode,
                            "--exp-order",
                            order,
                        )
                        key = (batch, mode, order)
                        if wall < walls.get(key, float("inf")):
                            walls[key] = wall
                            loads[key] = worker_loads(where)
        for batch, mode in (("tail", "worksteal"), ("tail", "load"), ("ascending", "worksteal")):
            print(
                ratio_line(
                    f"{batch} batch, --dist {mode}: longest first / collection",
                    walls[batch, mode, "longest"],
                    walls[batch, mode, "collection"],
                    f"(goal <= {ORDER_GOAL})",
                )
            )
            print(
                f"    seconds inside experiments per worker: longest first "
                f"{loads[batch, mode, 'longest']}; collection order "
                f"{loads[batch, mode, 'collection']}"
            )
        for batch in ("tail", "ascending"):
            actual = walls[batch, "worksteal", "longest"]
            error = (estimates[batch] - actual) / actual
            print(
                f"  {batch} batch: --exp-plan --full -n {workers} estimated "
                f"{estimates[batch]:.2f}s, the longest-first run took {actual:.2f}s: "
                f"{error:+.1%} (goal within +-{ESTIMATE_GOAL:.0%})"
            )

        print("\n3. --reuse on an unchanged suite")
        reuse_walls = {"tail": walls["tail", "worksteal", "longest"]}
        night = root / "night"
        reuse_walls["night"], _ = pytest_run(
            night, *FILES["night"], "--full", "-n", workers, "--dist", "worksteal"
        )
        for batch in ("tail", "night"):
            where, files, original = root / batch, FILES[batch], reuse_walls[batch]
            reused, _ = pytest_run(
                where,
                *files,
                "--full",
                "-n",
                workers,
                "--dist",
                "worksteal",
                "--reuse",
                expect="(reused)",
            )
            alone, output = pytest_run(where, *files, "--full", "--reuse", expect="(reused)")
            counts = re.findall(r"(\d+ \w+ \(reused\))", output)
            print(
                f"  {batch} batch, a {original:.0f}s run with -n {workers}; "
                f"reused: {', '.join(counts)}"
            )
            for label, wall in ((f"-n {workers}", reused), ("one process", alone)):
                print(
                    ratio_line(
                        f"  --full --reuse {label} / the full run",
                        wall,
                        original,
                        f"(goal <= {REUSE_GOAL:.0%})",
                    )
                )
            floor, _ = pytest_run(where, *files, "--full", "--collect-only")
            print(
                f"    of which start-up and collection (pytest --collect-only): {floor:.2f}s; "
                f"what reusing adds: {alone - floor:.2f}s"
            )
        print(
            f"  A rerun's fixed part is pytest's start-up and the test modules' imports; over a "
            f"batch of {floor / REUSE_GOAL:.0f}s or more the one-process rerun costs <= "
            f"{REUSE_GOAL:.0%}."
        )

        print(f"\n4. BLAS threads per worker under -n {workers} (4 x 40 products of 700x700)")
        where = root / "threads"
        limited, _ = pytest_run(where, "--full", "-n", workers)
        unlimited, _ = pytest_run(
            where, "--full", "-n", workers, "-o", "experiment_limit_threads=false"
        )
        print(ratio_line("experiment_limit_threads on / off", limited, unlimited, ""))
    print(f"\ntotal benchmark time: {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
