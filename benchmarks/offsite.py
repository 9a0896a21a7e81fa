"""Measure off-site runs on the real one-node Slurm cluster (``scripts/slurm-cluster start``).

Run from the repository root with the project's interpreter, as root on the machine that runs
the cluster::

    python benchmarks/offsite.py [--experiments 30] [--shards 4]

A generated project (a git checkout in a temporary directory) holds an uneven batch of
experiments: each sleeps for a duration drawn once from a log-normal distribution (seeded, so
every run of the script has the same batch), from a fraction of a second to several seconds.
The script then measures, one after another on the same machine:

1. ``pytest --full -n 2``: the whole batch on this machine's two cores, which also journals
   every experiment's time (the runtime model the shards are cut by);
2. ``pytest-experiments submit --shards N`` with one CPU per shard (the cluster has two): the
   partition's estimated loads, each shard's measured run time (from the merged journal's
   ``shards`` rows), the longest shard against the mean shard (goal: within 1.25x), the
   submission's wall time against step 1's, and whether the merged run holds every selected
   experiment exactly once;
3. the same submission with the longest shard's pytest killed with SIGKILL halfway through its
   estimated time: the retry's resume, the wall time against step 2's (what the kill cost), and
   again the count of results against the experiments selected.

With ``--scale-shards S --scale-results R`` it also measures the merge at scale, without the
cluster: S synthetic shard journals of R results each (copies of a real shard's journal with
the shard's index, uid and node ids rewritten) merged one after another into one journal, as
``submit`` merges them: the time of each merge early and late, the total, and the journal's size.

Figures are printed, never asserted; the script exits non-zero only when a step fails to run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SUITE = """
import time

import pytest

SECONDS = {seconds!r}


@pytest.mark.question("Does experiment {{n}} end?")
@pytest.mark.expect("answer > 0")
@pytest.mark.parametrize("n", range(len(SECONDS)))
def exp_sleep(exp, n):
    time.sleep(SECONDS[n])
    return SECONDS[n]
"""


def durations(count: int, seed: int = 7) -> list[float]:
    generator = random.Random(seed)
    return [round(min(8.0, max(0.2, generator.lognormvariate(0.3, 0.8))), 2) for _ in range(count)]


def environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}


def make_project(path: Path, seconds: list[float]) -> None:
    (path / "tests").mkdir(parents=True)
    (path / "tests" / "test_batch.py").write_text(SUITE.format(seconds=seconds))
    (path / "pytest.ini").write_text("[pytest]\n")
    git = ["git", "-c", "user.email=b@example.org", "-c", "user.name=b"]
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=path, check=True)
    subprocess.run([*git, "commit", "-qm", "batch"], cwd=path, check=True)


def run(command: list[str], cwd: Path, timeout: float = 1800) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=environment(), capture_output=True, text=True, timeout=timeout
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return took, done.stdout


def merged_run(journal: Path) -> tuple[int, list[tuple[int, float, float | None, str | None]]]:
    """The newest run of the journal and its shards' rows (shard, started, finished, job)."""
    with sqlite3.connect(journal) as connection:
        (run_id,) = connection.execute("SELECT MAX(id) FROM runs").fetchone()
        rows = connection.execute(
            "SELECT shard, started, finished, job FROM shards WHERE run_id = ? ORDER BY id",
            (run_id,),
        ).fetchall()
    return int(run_id), [
        (int(a), float(b), None if c is None else float(c), d) for a, b, c, d in rows
    ]


def counts(journal: Path, run_id: int) -> tuple[int, int]:
    """(results, distinct experiments) of a run."""
    with sqlite3.connect(journal) as connection:
        total, distinct = connection.execute(
            "SELECT COUNT(*), COUNT(DISTINCT nodeid) FROM results WHERE run_id = ?", (run_id,)
        ).fetchone()
    return int(total), int(distinct)


def submit(
    project: Path,
    shards: int,
    batch: str,
    kill_after: float | None = None,
    kill_shard: int | None = None,
) -> tuple[float, str]:
    """Submit; with ``kill_after``, SIGKILL shard ``kill_shard``'s pytest that many seconds
    after it starts."""
    command = [
        sys.executable,
        "-m",
        "pytest_experiments",
        "submit",
        "--shards",
        str(shards),
        "--poll",
        "1",
        "--batch",
        batch,
        "--",
        "--full",
        "-q",
    ]
    killer = None
    if kill_after is not None:

        def kill() -> None:
            pattern = f"--exp-shard={kill_shard}/{shards} --exp-batch={batch}"
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                found = subprocess.run(
                    ["pgrep", "-f", "--", pattern], capture_output=True, text=True
                )
                pids = [int(pid) for pid in found.stdout.split() if int(pid) != os.getpid()]
                if pids:
                    time.sleep(kill_after)
                    for pid in pids:
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    return
                time.sleep(0.1)

        killer = threading.Thread(target=kill, daemon=True)
        killer.start()
    result = run(command, project)
    if killer is not None:
        killer.join(timeout=1)
    return result


def synthetic_shard(template: Path, target: Path, index: int, count: int, results: int) -> None:
    """A copy of a real shard journal as shard ``index`` of ``count`` of batch ``scale``,
    holding ``results`` results (the template's first result, node ids made unique)."""
    source, connection = sqlite3.connect(template), sqlite3.connect(target)
    source.backup(connection)
    source.close()
    connection.execute("PRAGMA journal_mode=DELETE")
    with connection:
        (run_id, shard) = connection.execute("SELECT id, shard FROM runs LIMIT 1").fetchone()
        data = json.loads(shard)
        data.update(index=index, count=count, batch="scale", partition="scale")
        connection.execute(
            "UPDATE runs SET uid = ?, shard = ? WHERE id = ?",
            (f"scale-{index}", json.dumps(data), run_id),
        )
        connection.execute("DELETE FROM runs WHERE id != ?", (run_id,))
        connection.execute("DELETE FROM shards")
        row = connection.execute(
            "SELECT * FROM results WHERE run_id = ? LIMIT 1", (run_id,)
        ).fetchone()
        names = [column[1] for column in connection.execute("PRAGMA table_info(results)")]
        connection.execute("DELETE FROM results")
        nodeid = names.index("nodeid")
        keep = [name for name in names if name != "id"]
        for number in range(results):
            values = dict(zip(names, row, strict=True))
            values["nodeid"] = f"{row[nodeid]}-{index}-{number}"
            connection.execute(
                f"INSERT INTO results ({', '.join(keep)}) VALUES ({', '.join('?' * len(keep))})",
                [values[name] for name in keep],
            )
    connection.close()


def scale(template: Path, folder: Path, shards: int, results: int) -> None:
    from pytest_experiments.notebook.journal import open_journal
    from pytest_experiments.offsite.merge import merge

    sources = []
    for index in range(1, shards + 1):
        path = folder / f"scale-{index}.sqlite"
        synthetic_shard(template, path, index, shards, results)
        sources.append(path)
    target = folder / "scale-journal.sqlite"
    times = []
    started = time.perf_counter()
    for path in sources:
        before = time.perf_counter()
        with open_journal(target) as journal:
            merge([path], journal)
        times.append(time.perf_counter() - before)
    total = time.perf_counter() - started
    with sqlite3.connect(target) as connection:
        (count,) = connection.execute("SELECT COUNT(*) FROM results").fetchone()
    tenth = max(1, shards // 10)
    early = statistics.median(times[:tenth]) * 1000
    late = statistics.median(times[-tenth:]) * 1000
    size = target.stat().st_size / 2**20
    print(
        f"4. merge at scale: {shards} shards x {results} results, one merge per shard as "
        f"submit does: {total:.1f} s in all; a merge took {early:.0f} ms (median of the first "
        f"tenth) to {late:.0f} ms (last tenth); {count} results, journal {size:.0f} MiB"
    )


def integrity(total: int, distinct: int, selected: int) -> str:
    return "nothing lost or doubled" if total == distinct == selected else "MISMATCH"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=30)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--scale-shards", type=int, default=0)
    parser.add_argument("--scale-results", type=int, default=100)
    args = parser.parse_args()
    seconds = durations(args.experiments)
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(
        f"batch: {len(seconds)} experiments sleeping {min(seconds)}-{max(seconds)} s "
        f"(sum {sum(seconds):.1f} s, median {statistics.median(seconds):.2f} s)"
    )
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "project"
        project.mkdir()
        make_project(project, seconds)
        journal = project / ".experiments" / "journal.sqlite"

        local, _ = run([sys.executable, "-m", "pytest", "--full", "-q", "-n", "2"], project)
        print(f"1. pytest --full -n 2: {local:.1f} s wall")

        wall, output = submit(project, args.shards, "bench-clean")
        plan = json.loads(
            next(project.glob(".experiments/submit/bench-clean/plan.json")).read_text()
        )
        estimates = [shard["seconds"] for shard in plan["shards"]]
        run_id, rows = merged_run(journal)
        took = [finished - started for _, started, finished, _ in rows if finished is not None]
        total, distinct = counts(journal, run_id)
        print(
            f"2. submit --shards {args.shards} (1 CPU each, 2 CPUs in the cluster): "
            f"{wall:.1f} s wall ({wall / local:.2f}x the -n 2 run)"
        )
        print(
            "   estimated shard loads: "
            + ", ".join(f"{value:.1f}" for value in estimates)
            + f" s; longest/mean {max(estimates) / statistics.mean(estimates):.3f}"
        )
        print(
            "   measured shard run times: "
            + ", ".join(f"{value:.1f}" for value in took)
            + f" s; longest/mean {max(took) / statistics.mean(took):.3f} (goal <= 1.25)"
        )
        print(
            f"   merged run {run_id}: {total} results, {distinct} distinct, of {len(seconds)} "
            f"selected: {integrity(total, distinct, len(seconds))}"
        )

        longest = max(range(len(estimates)), key=lambda index: estimates[index]) + 1
        kill_after = estimates[longest - 1] / 2
        killed_wall, output = submit(project, args.shards, "bench-killed", kill_after, longest)
        run_id, rows = merged_run(journal)
        total, distinct = counts(journal, run_id)
        attempts = [row for row in rows if row[0] == longest]
        print(
            f"3. the same with shard {longest}'s pytest SIGKILLed {kill_after:.1f} s in: "
            f"{killed_wall:.1f} s wall, {killed_wall - wall:+.1f} s against step 2 "
            f"({len(attempts)} attempts of shard {longest})"
        )
        retry = [line for line in output.splitlines() if "retry" in line]
        if retry:
            print("   " + retry[0][:150])
        print(
            f"   merged run {run_id}: {total} results, {distinct} distinct, of {len(seconds)} "
            f"selected: {integrity(total, distinct, len(seconds))}"
        )
        if args.scale_shards:
            template = project / ".experiments" / "submit" / "bench-clean" / "shard-1.sqlite"
            scale(template, Path(folder), args.scale_shards, args.scale_results)


if __name__ == "__main__":
    main()
