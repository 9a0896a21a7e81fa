"""The verdict-quality benchmark: are sample verdicts right, or honestly inconclusive?

Run from anywhere with the project's interpreter::

    python benchmarks/verdicts/run.py                  # the full benchmark (about 15-30 min)
    python benchmarks/verdicts/run.py --seeds 0        # one seed, for a quick look
    python benchmarks/verdicts/run.py --reuse RAW.json # print the table of an earlier run again

It runs the experiments in this directory (``exp_*.py``: the suite of issue 3 and the
``exp_trust_*.py`` failure kinds of issue 10, the null ones over many replicate data sets) once
per mode and base seed, each run a fresh ``python -m pytest -n 2 --no-journal --seed S``
subprocess with one BLAS thread per process:

* ``0.05``, ``0.2``: ``--sample 0.05`` / ``--sample 0.2``, every experiment on that sample;
* ``auto``: ``--sample auto -o experiment_sample=0.05``, growing the sample from 5 % until the
  verdict is decisive;
* ``full``: ``--full``, the reference every other mode is compared with (same seed);
* ``full-again``: ``--full`` once more, the same work: how far an experiment's CPU time moves
  between two runs of it, the noise under any per-experiment ratio of separate runs;
* ``auto-new``: ``auto`` on an empty journal (a first run).

``conftest.py`` appends every experiment's ``report.experiment``, its known truth (the
``truth`` marker) and its CPU time to a JSON-lines file. The script then prints one table, per
mode:

* agreement: the share of (experiment, seed) verdicts equal to the full-data verdict, also where
  the full-data verdict is decisive, with and without the null experiments;
* contradictions: decisive verdicts opposite to a decisive full-data verdict, as a share of the
  mode's decisive verdicts (the principle: a decisive verdict on a subsample is a claim about all
  the data);
* inconclusive: the share of inconclusive verdicts;
* false alarms: on null experiments, decisive verdicts that contradict the known truth (e.g.
  ``confirmed`` for ``"> 0"`` when the true difference is exactly 0), with a 95 % Wilson
  interval (``scipy.stats.binomtest(...).proportion_ci(method="wilson")``);
* definition errors where the truth marker expects one (``truth(..., error_expected=True)``,
  e.g. a loss passed to ``make_scorer`` as if higher were better): there an error is the right
  outcome, and it is not counted among the experiments without a verdict;
* compute: durations and CPU time relative to ``--full``, over all experiments and over those
  whose full run takes at least 1 s; the worst experiment's CPU time over ``--full``'s (median
  over seeds); and the CPU time over an *oracle* on the experiments taking >= 1 s of CPU: per
  experiment and seed, the cheapest single look among ``--sample 0.05``, ``--sample 0.2`` and
  ``--full`` whose verdict equals the full-data verdict (``--full`` always qualifies).

Then a table per failure kind (the file an experiment is in: ``exp_trust_crossing.py`` is
``crossing``) of decisive verdicts and contradictions at each mode, and the goals of issue 10:
contradictions <= 1 % of the decisive sample verdicts at 0.05, 0.2 and auto; false alarms on
nulls <= alpha (alpha = 0.05; the upper end of their 95 % interval <= 1.2 alpha, as in issue
3); ``auto`` agreeing with >= 80 % of the decisive full-data verdicts outside the null
experiments; ``auto``'s CPU time never more than ``--full``'s + 10 % on any experiment (median
over seeds; beside it the same ratio of ``full-again``, the noise, and what ``auto`` spent
beyond its full-data look in the same call, from the plugin's per-look timings); and on the
experiments taking >= 1 s, ``auto`` within 1.5x of the oracle (sum of auto over sum of
oracle). Then the details a reader needs to see why a goal is missed: every
contradiction, the false alarms by experiment, the experiments where ``auto`` cost most
relative to ``--full`` and to the oracle, and where ``auto`` stopped on the slow experiments.
The raw results (machine, runs and every record) go to a JSON file under ``/tmp``.

Timings are whatever the machine gives: another load on it slows every mode alike only if it is
steady, so the load average is printed before and after; CPU time (one BLAS thread per process)
is robust to it. The data sets are built before the experiments run (``benchdata.warm``), so
no experiment's CPU time includes building one. To measure another version of the plugin than
the work tree's, put a copy of it first on ``PYTHONPATH`` (the report says where the plugin was
imported from) and say so with ``--note``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

ALPHA = 0.05
CONTRADICTION_GOAL = 0.01  # of the decisive sample verdicts, at every sample mode
CONTRADICTION_MODES = ("0.05", "0.2", "auto", "auto-new")
FALSE_ALARM_UPPER_GOAL = 1.2 * ALPHA
AUTO_AGREEMENT_GOAL = 0.80  # of the decisive full-data verdicts outside the null experiments
AUTO_OVER_FULL_GOAL = 1.10  # auto's CPU time over --full's, on every experiment
AUTO_OVER_ORACLE_GOAL = 1.5  # auto's CPU time over the oracle's, on experiments taking >= 1 s
ORACLE_MODES = ("0.05", "0.2", "full")  # the single looks the oracle may choose from
SLOW_SECONDS = 1.0  # "experiments that take >= 1 s" on all the data
WORST_SHOWN = 10

DEFAULT_MODES = ("0.05", "0.2", "full", "auto", "full-again", "auto-new")
#: ``--full`` once more: per experiment, the noise between two runs of the very same work.
NOISE_MODE = "full-again"
#: Modes whose runs share one journal per seed, so that ``auto`` finds the 0.05, 0.2 and full
#: runs before it (the timings it budgets its looks by: a user's journal after a day of
#: samples and a night of --full); ``auto-new`` is auto on a journal that never saw the
#: experiments (a first run).
JOURNALED_MODES = ("0.05", "0.2", "full", "auto")
DEFAULT_SEEDS = (0, 1, 2)
DEFAULT_AUTO_BASE = "0.05"
VERDICTS = ("confirmed", "refuted", "inconclusive")
THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# -- records -----------------------------------------------------------------------------------


@dataclass
class Record:
    """One experiment's result in one run (mode, seed)."""

    mode: str
    seed: int
    nodeid: str
    status: str
    kind: str
    holds: bool | None
    duration: float
    fraction: float
    looks: int
    rows: int | None
    total_rows: int | None
    p_value: float | None
    answer_text: str | None
    note: str | None
    expectation: str | None = None
    level: float | None = None
    answer: Any = None  # the answer as JSON: estimates as dicts with value, low, high, stats
    error: str | None = None  # why an experiment failed (status failed or error)
    cpu_seconds: float | None = None  # CPU time of the call (all looks), from conftest.py
    error_expected: bool = False  # the definition is wrong: an error is the right outcome
    #: ``[fraction, look seconds, checks seconds]`` per look (wall clock, from the plugin)
    look_seconds: list[list[float]] = field(default_factory=list)

    @property
    def experiment(self) -> str:
        """The node id without the replicate parameter: one entry per experiment function."""
        return self.nodeid.split("[", 1)[0]

    @property
    def decisive(self) -> bool:
        return self.status in ("confirmed", "refuted")

    @property
    def failure_kind(self) -> str:
        """The failure kind an experiment was written for: its file, ``exp_trust_crossing.py``
        giving ``crossing``; the other files (the suite of issue 3) by their own name."""
        stem = self.nodeid.split("::", 1)[0].removesuffix(".py")
        return stem.removeprefix("exp_trust_") if stem.startswith("exp_trust_") else stem

    @property
    def cpu(self) -> float:
        return self.cpu_seconds or 0.0

    @property
    def false_alarm(self) -> bool:
        """A decisive verdict contradicting the known truth (meaningful where it is known)."""
        if self.holds is None or not self.decisive:
            return False
        return (self.status == "confirmed") != self.holds


@dataclass
class RunInfo:
    mode: str
    seed: int
    command: list[str]
    wall_seconds: float
    exit_code: int
    experiments: int
    summary: str


@dataclass
class Benchmark:
    machine: dict[str, Any]
    runs: list[RunInfo] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)


def record_from_line(mode: str, seed: int, line: dict[str, Any]) -> Record:
    result: dict[str, Any] = line["result"]
    truth: dict[str, Any] = line.get("truth") or {}
    return Record(
        mode=mode,
        seed=seed,
        nodeid=str(line["nodeid"]),
        status=str(result.get("status")),
        kind=str(truth.get("kind", "unknown")),
        holds=truth.get("holds"),
        duration=float(result.get("duration") or 0.0),
        fraction=float(result.get("fraction") or 0.0),
        looks=int(result.get("looks") or 1),
        rows=result.get("rows"),
        total_rows=result.get("total_rows"),
        p_value=result.get("p_value"),
        answer_text=result.get("answer_text"),
        note=result.get("note"),
        expectation=result.get("expectation"),
        level=result.get("level"),
        answer=result.get("answer"),
        error=result.get("error"),
        cpu_seconds=line.get("cpu_seconds"),
        error_expected=bool(truth.get("error_expected", False)),
        look_seconds=[list(map(float, look)) for look in result.get("look_seconds") or []],
    )


# -- running -----------------------------------------------------------------------------------


def mode_arguments(mode: str, auto_base: str) -> list[str]:
    if mode in ("full", NOISE_MODE):
        return ["--full"]
    if mode in ("auto", "auto-new"):
        return ["--sample", "auto", "-o", f"experiment_sample={auto_base}"]
    return ["--sample", mode]


def has_option(option: str) -> bool:
    """Whether the installed plugin offers ``option`` (``--no-journal`` is recent)."""
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"],
        cwd=HERE,
        capture_output=True,
        text=True,
        check=False,
    )
    return option in completed.stdout


def run_once(
    mode: str,
    seed: int,
    workers: int,
    auto_base: str,
    extra: Sequence[str],
    journal_off: bool,
    journal: Path | None = None,
) -> tuple[RunInfo, list[Record]]:
    with tempfile.TemporaryDirectory(prefix="verdict-bench-") as scratch:
        results = Path(scratch) / "results.jsonl"
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rN"]
        command += ["-n", str(workers)] if workers > 0 else []
        if journal is not None:
            command += [f"--journal={journal}"]
        elif journal_off:
            command += ["--no-journal"]
        command += ["--seed", str(seed), *mode_arguments(mode, auto_base), *extra]
        env = {**os.environ, **THREAD_ENV, "BENCH_RESULTS": str(results)}
        started = time.perf_counter()
        completed = subprocess.run(
            command, cwd=HERE, env=env, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - started
        lines = (
            [json.loads(text) for text in results.read_text().splitlines() if text.strip()]
            if results.exists()
            else []
        )
    output = completed.stdout.strip().splitlines()
    summary = output[-1] if output else ""
    if completed.returncode not in (0, 1) or not lines:
        sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        raise SystemExit(
            f"pytest {' '.join(command[3:])} exited with {completed.returncode} and "
            f"{len(lines)} results; its output is above"
        )
    records = [record_from_line(mode, seed, line) for line in lines]
    info = RunInfo(mode, seed, command[1:], wall, completed.returncode, len(records), summary)
    return info, records


# -- the machine -------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "absent"

    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
        for text in Path("/proc/meminfo").read_text().splitlines():
            if text.startswith("MemTotal"):
                memory = f"{int(text.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    plugin = subprocess.run(
        [sys.executable, "-c", "import pytest_experiments; print(pytest_experiments.__file__)"],
        cwd=HERE,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "load_before": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "packages": {
            name: version(name)
            for name in (
                "pytest-experiments",
                "pytest",
                "pytest-xdist",
                "numpy",
                "scipy",
                "scikit-learn",
            )
        },
        "commit": commit or "unknown",
        # where the experiments' processes import the plugin from (PYTHONPATH may point at a
        # snapshot of another version than the work tree's, e.g. for a "before" picture)
        "plugin_path": plugin or "unknown",
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


# -- the figures -------------------------------------------------------------------------------


def wilson(successes: int, trials: int) -> tuple[float, float]:
    from scipy.stats import binomtest

    if trials == 0:
        return 0.0, 1.0
    interval = binomtest(successes, trials).proportion_ci(confidence_level=0.95, method="wilson")
    return float(interval.low), float(interval.high)


@dataclass
class ModeFigures:
    mode: str
    verdicts: int = 0
    not_verdicts: int = 0  # unexpected: failed, error or skipped where a verdict was due
    decisive: int = 0  # decisive verdicts with a full-data verdict to compare them with
    expected_errors: int = 0  # definition errors raised where the truth marker expects one
    expected_error_total: int = 0
    agreements: int = 0
    contradictions: int = 0
    inconclusive: int = 0
    decisive_reference: int = 0
    decisive_agreements: int = 0
    decisive_reference_real: int = 0  # the same, leaving out the null experiments
    decisive_agreements_real: int = 0
    null_verdicts: int = 0
    false_alarms: int = 0
    known_truth: int = 0
    truth_errors: int = 0
    seconds: float = 0.0
    reference_seconds: float = 0.0
    slow_seconds: float = 0.0
    slow_reference_seconds: float = 0.0
    slow_experiments: int = 0
    cpu: float = 0.0
    reference_cpu: float = 0.0
    slow_cpu: float = 0.0
    slow_reference_cpu: float = 0.0
    slow_cpu_experiments: int = 0


def reference_table(records: Iterable[Record]) -> dict[tuple[int, str], Record]:
    return {(r.seed, r.nodeid): r for r in records if r.mode == "full"}


def slow_nodeids(records: Iterable[Record], cpu: bool = False) -> set[str]:
    """Node ids whose full run takes >= SLOW_SECONDS (median over seeds) of wall-clock
    duration, or of CPU time with ``cpu``."""
    durations: dict[str, list[float]] = defaultdict(list)
    for record in records:
        if record.mode == "full":
            durations[record.nodeid].append((record.cpu_seconds or 0.0) if cpu else record.duration)
    return {node for node, times in durations.items() if statistics.median(times) >= SLOW_SECONDS}


def figures(bench: Benchmark, mode: str) -> ModeFigures:
    reference = reference_table(bench.records)
    slow = slow_nodeids(bench.records)
    slow_cpu = slow_nodeids(bench.records, cpu=True)
    result = ModeFigures(mode, slow_experiments=len(slow), slow_cpu_experiments=len(slow_cpu))
    for record in bench.records:
        if record.mode != mode:
            continue
        if record.error_expected:
            result.expected_error_total += 1
            result.expected_errors += record.status not in VERDICTS
        full = reference.get((record.seed, record.nodeid))
        if record.status not in VERDICTS or full is None or full.status not in VERDICTS:
            result.not_verdicts += not record.error_expected
            continue
        result.verdicts += 1
        result.decisive += record.decisive
        result.agreements += record.status == full.status
        result.contradictions += record.decisive and full.decisive and record.status != full.status
        result.inconclusive += record.status == "inconclusive"
        if full.decisive:
            result.decisive_reference += 1
            result.decisive_agreements += record.status == full.status
            if record.kind != "null":
                result.decisive_reference_real += 1
                result.decisive_agreements_real += record.status == full.status
        if record.kind == "null":
            result.null_verdicts += 1
            result.false_alarms += record.false_alarm
        elif record.holds is not None:
            result.known_truth += 1
            result.truth_errors += record.false_alarm
        result.seconds += record.duration
        result.reference_seconds += full.duration
        if record.nodeid in slow:
            result.slow_seconds += record.duration
            result.slow_reference_seconds += full.duration
        result.cpu += record.cpu_seconds or 0.0
        result.reference_cpu += full.cpu_seconds or 0.0
        if record.nodeid in slow_cpu:
            result.slow_cpu += record.cpu_seconds or 0.0
            result.slow_reference_cpu += full.cpu_seconds or 0.0
    return result


def percent(part: float, whole: float, digits: int = 1) -> str:
    return f"{100 * part / whole:.{digits}f} %" if whole else "-"


def by_run(records: Iterable[Record]) -> dict[tuple[str, int, str], Record]:
    """Every record by (mode, seed, node id)."""
    return {(r.mode, r.seed, r.nodeid): r for r in records}


@dataclass
class CostRatio:
    """One experiment's CPU time in a mode over a reference's, median over seeds."""

    nodeid: str
    ratio: float
    full_cpu: float  # median over seeds of --full's CPU time
    seeds: int


def cost_over_full(bench: Benchmark, mode: str) -> list[CostRatio]:
    """Per experiment instance: the mode's CPU time over --full's at the same seed, median over
    seeds; the most expensive first."""
    index = by_run(bench.records)
    ratios: dict[str, list[float]] = defaultdict(list)
    fulls: dict[str, list[float]] = defaultdict(list)
    for record in bench.records:
        full = index.get(("full", record.seed, record.nodeid))
        if record.mode != mode or full is None or full.cpu <= 0:
            continue
        ratios[record.nodeid].append(record.cpu / full.cpu)
        fulls[record.nodeid].append(full.cpu)
    rows = [
        CostRatio(node, statistics.median(values), statistics.median(fulls[node]), len(values))
        for node, values in ratios.items()
    ]
    return sorted(rows, key=lambda row: -row.ratio)


@dataclass
class BeyondFullLook:
    """What ``--sample auto`` spent beyond its full-data look on one experiment and seed:
    the smaller looks and their checks, over that full-data look's own seconds. Both are
    timed in the same process within the same call, so machine load and the run-to-run
    noise between separate runs cancel."""

    nodeid: str
    seed: int
    extra: float  # seconds of the smaller looks and their checks
    full_look: float  # seconds of the full-data look

    @property
    def share(self) -> float:
        return self.extra / self.full_look if self.full_look > 0 else 0.0


def beyond_full_look(bench: Benchmark, mode: str) -> list[BeyondFullLook]:
    """Every record of ``mode`` that went on to the full-data look; the largest share first."""
    rows = []
    for record in bench.records:
        if record.mode != mode or not record.look_seconds or record.fraction < 1:
            continue
        *smaller, (_, full_look, _) = record.look_seconds
        extra = sum(look + checks for _, look, checks in smaller)
        rows.append(BeyondFullLook(record.nodeid, record.seed, extra, full_look))
    return sorted(rows, key=lambda row: -row.share)


def early_stops(bench: Benchmark, mode: str) -> list[tuple[float, str, int]]:
    """``(CPU over --full's, node id, seed)`` of every record of ``mode`` that stopped before
    the full-data look (no full-data look in the same call to compare with); dearest first."""
    index = by_run(bench.records)
    rows = []
    for record in bench.records:
        full = index.get(("full", record.seed, record.nodeid))
        looked = record.look_seconds and record.status in VERDICTS  # a look ran and judged
        if record.mode == mode and record.fraction < 1 and looked and full and full.cpu > 0:
            rows.append((record.cpu / full.cpu, record.nodeid, record.seed))
    return sorted(rows, reverse=True)


def single_full_look(bench: Benchmark, mode: str, nodeid: str) -> bool:
    """Whether ``mode`` took one look, on all the data, at every seed: the work --full does."""
    records = [r for r in bench.records if r.mode == mode and r.nodeid == nodeid]
    return bool(records) and all(r.looks == 1 and r.fraction >= 1 for r in records)


@dataclass
class OracleCost:
    """A mode against the oracle on one slow experiment: summed over seeds, and the median of
    the per-seed ratios; ``choices`` is the look the oracle took at each seed."""

    nodeid: str
    cost: float
    oracle: float
    ratio: float
    choices: list[str]


def oracle_costs(
    bench: Benchmark, mode: str = "auto", decisive_only: bool = False
) -> list[OracleCost]:
    """On the experiments whose full run takes >= SLOW_SECONDS of CPU time: the mode's CPU
    time against an oracle that knows the cheapest single look reaching the full-data verdict,
    the minimum over ORACLE_MODES (of those measured) whose verdict at the same seed equals
    --full's (--full always qualifies); the worst ratio first. With ``decisive_only``, only
    the seeds whose full-data verdict is decisive count."""
    index = by_run(bench.records)
    slow = slow_nodeids(bench.records, cpu=True)
    looks = [m for m in ORACLE_MODES if m in bench.modes]
    per_node: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for record in bench.records:
        full = index.get(("full", record.seed, record.nodeid))
        if record.mode != mode or record.nodeid not in slow or full is None:
            continue
        if decisive_only and not full.decisive:
            continue
        candidates = [
            (look.cpu, m)
            for m in looks
            if (look := index.get((m, record.seed, record.nodeid))) is not None
            and (look.status == full.status or m == "full")
        ]
        cheapest, choice = min(candidates)
        per_node[record.nodeid].append((record.cpu, cheapest, choice))
    rows = [
        OracleCost(
            node,
            sum(cost for cost, _, _ in values),
            sum(oracle for _, oracle, _ in values),
            statistics.median(cost / oracle if oracle > 0 else 1.0 for cost, oracle, _ in values),
            [choice for _, _, choice in values],
        )
        for node, values in per_node.items()
    ]
    return sorted(rows, key=lambda row: -row.ratio)


def oracle_aggregate(rows: Sequence[OracleCost]) -> float:
    oracle = sum(row.oracle for row in rows)
    return sum(row.cost for row in rows) / oracle if oracle else 0.0


def short(nodeid: str) -> str:
    """``exp_trust_loss.py::exp_x[3]`` as ``loss::exp_x[3]``."""
    path, _, name = nodeid.partition("::")
    return f"{path.removesuffix('.py').removeprefix('exp_trust_').removeprefix('exp_')}::{name}"


def table(bench: Benchmark) -> str:
    """The benchmark's one table: a row per figure, a column per mode, and the goal."""
    columns = [figures(bench, mode) for mode in bench.modes]
    slow_count = columns[0].slow_experiments if columns else 0
    slow_cpu_count = columns[0].slow_cpu_experiments if columns else 0
    worst = {m: ratios[0].ratio for m in bench.modes if (ratios := cost_over_full(bench, m))}
    oracle = {m: oracle_aggregate(oracle_costs(bench, m)) for m in bench.modes}

    def fa_interval(f: ModeFigures) -> str:
        low, high = wilson(f.false_alarms, f.null_verdicts)
        return f"[{100 * low:.1f}, {100 * high:.1f}] %"

    rows: list[tuple[str, list[str], str]] = [
        ("verdicts (experiment x seed)", [str(f.verdicts) for f in columns], ""),
        ("  ... decisive", [str(f.decisive) for f in columns], ""),
        ("no verdict (failed, error, skipped)", [str(f.not_verdicts) for f in columns], "0"),
        (
            "definition errors where expected",
            [f"{f.expected_errors}/{f.expected_error_total}" for f in columns],
            "all",
        ),
        (
            "agreement with --full (same seed)",
            [percent(f.agreements, f.verdicts) for f in columns],
            "",
        ),
        (
            "  ... where --full is decisive",
            [
                f"{percent(f.decisive_agreements, f.decisive_reference)} of {f.decisive_reference}"
                for f in columns
            ],
            "",
        ),
        (
            "  ... the same without null experiments",
            [
                f"{percent(f.decisive_agreements_real, f.decisive_reference_real)} of "
                f"{f.decisive_reference_real}"
                for f in columns
            ],
            f"auto >= {AUTO_AGREEMENT_GOAL:.0%}",
        ),
        (
            "contradictions (of decisive verdicts)",
            [
                f"{percent(f.contradictions, f.decisive)} ({f.contradictions}/{f.decisive})"
                for f in columns
            ],
            f"<= {CONTRADICTION_GOAL:.0%}",
        ),
        ("inconclusive", [percent(f.inconclusive, f.verdicts) for f in columns], ""),
        (
            "false alarms on null effects",
            [
                f"{percent(f.false_alarms, f.null_verdicts)} ({f.false_alarms}/{f.null_verdicts})"
                for f in columns
            ],
            f"<= {ALPHA:.0%}",
        ),
        (
            "  95 % Wilson interval",
            [fa_interval(f) for f in columns],
            f"upper <= {FALSE_ALARM_UPPER_GOAL:.0%}",
        ),
        (
            "wrong vs known truth (effect/threshold)",
            [f"{percent(f.truth_errors, f.known_truth)} ({f.truth_errors})" for f in columns],
            "",
        ),
        (
            "compute vs --full (durations), all",
            [percent(f.seconds, f.reference_seconds, 0) for f in columns],
            "",
        ),
        (
            f"  ... full takes >= 1 s ({slow_count} exps)",
            [percent(f.slow_seconds, f.slow_reference_seconds, 0) for f in columns],
            "",
        ),
        (
            "compute vs --full (CPU time), all",
            [percent(f.cpu, f.reference_cpu, 0) for f in columns],
            "",
        ),
        (
            f"  ... full takes >= 1 s CPU ({slow_cpu_count} exps)",
            [percent(f.slow_cpu, f.slow_reference_cpu, 0) for f in columns],
            "",
        ),
        (
            "CPU vs --full, worst experiment",
            [f"{worst[m]:.2f}x" if m in worst else "-" for m in bench.modes],
            f"auto <= {AUTO_OVER_FULL_GOAL:.2f}x",
        ),
        (
            "CPU vs oracle, full >= 1 s CPU (sum)",
            [f"{oracle[m]:.2f}x" if oracle.get(m) else "-" for m in bench.modes],
            f"auto <= {AUTO_OVER_ORACLE_GOAL:.1f}x",
        ),
        (
            "seconds: durations / CPU time",
            [f"{f.seconds:.0f} / {f.cpu:.0f}" for f in columns],
            "",
        ),
    ]
    width = max(len(label) for label, _, _ in rows)
    cell = max(14, *(len(text) + 2 for _, cells, _ in rows for text in cells))
    header = f"{'':{width}}" + "".join(f"{m:>{cell}}" for m in bench.modes) + "   goal"
    lines = [header, "-" * len(header)]
    for label, cells, goal in rows:
        lines.append(f"{label:{width}}" + "".join(f"{c:>{cell}}" for c in cells) + f"   {goal}")
    return "\n".join(lines)


def kind_table(bench: Benchmark) -> str:
    """Per failure kind (file): decisive sample verdicts and contradictions at each mode.

    A cell ``d/c`` counts, over (experiment instance, seed), the decisive verdicts that have a
    full-data verdict to compare with (d) and those of them opposite to a decisive full-data
    verdict (c); the ``full`` column counts decisive verdicts of all; ``wrong`` counts decisive
    verdicts against the known truth over all modes, ``def. errors`` the definition errors
    raised where the truth marker expects one.
    """
    reference = reference_table(bench.records)
    kinds = sorted(
        {r.failure_kind for r in bench.records},
        key=lambda kind: (kind.startswith("exp_"), kind),
    )
    sample_modes = [m for m in bench.modes if m != "full"]
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    instances: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    expected: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for record in bench.records:
        kind = record.failure_kind
        if record.error_expected:
            expected[kind][0] += record.status not in VERDICTS
            expected[kind][1] += 1
        if record.mode == "full":
            instances[kind] += 1
        wrong[kind] += record.kind != "null" and record.false_alarm
        full = reference.get((record.seed, record.nodeid))
        if full is None or full.status not in VERDICTS or not record.decisive:
            continue
        cell = cells[(kind, record.mode)]
        cell[0] += 1
        cell[1] += full.decisive and record.status != full.status
    header = ["failure kind (file)", "n", *(f"{m} d/c" for m in sample_modes), "full d"]
    header += ["wrong", "def. errors"]
    body = []
    for kind in kinds:
        row = [kind, str(instances[kind])]
        row += [f"{cells[(kind, m)][0]}/{cells[(kind, m)][1]}" for m in sample_modes]
        row += [str(cells[(kind, "full")][0]), str(wrong[kind])]
        row.append(f"{expected[kind][0]}/{expected[kind][1]}" if expected[kind][1] else "")
        body.append(row)
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = []
    for line in [header, *body]:
        lines.append(
            f"{line[0]:<{widths[0]}}"
            + "".join(f"  {text:>{widths[i + 1]}}" for i, text in enumerate(line[1:]))
        )
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def goal_lines(bench: Benchmark) -> list[str]:
    """Each goal of issue 10 with the measured figure and whether it is met."""
    lines = []

    def verdict(ok: bool) -> str:
        return "MET   " if ok else "MISSED"

    for mode in bench.modes:
        f = figures(bench, mode)
        if mode not in ("full", NOISE_MODE) and f.verdicts:
            share = f.contradictions / f.decisive if f.decisive else 0.0
            lines.append(
                f"{verdict(share <= CONTRADICTION_GOAL)} contradictions at {mode}: {share:.1%} "
                f"({f.contradictions} of {f.decisive} decisive sample verdicts) "
                f"<= {CONTRADICTION_GOAL:.0%}"
            )
        if f.null_verdicts:
            rate = f.false_alarms / f.null_verdicts
            low, high = wilson(f.false_alarms, f.null_verdicts)
            ok = rate <= ALPHA and high <= FALSE_ALARM_UPPER_GOAL
            lines.append(
                f"{verdict(ok)} false alarms at {mode}: {rate:.1%} ({f.false_alarms}/"
                f"{f.null_verdicts}, 95 % CI {low:.1%}-{high:.1%}) <= {ALPHA:.0%}, upper end "
                f"<= {FALSE_ALARM_UPPER_GOAL:.0%}"
            )
        if mode in ("auto", "auto-new"):
            real = (
                f.decisive_agreements_real / f.decisive_reference_real
                if f.decisive_reference_real
                else 0
            )
            lines.append(
                f"{verdict(real >= AUTO_AGREEMENT_GOAL)} auto agrees with {real:.1%} of the "
                f"{f.decisive_reference_real} decisive full-data verdicts outside the null "
                f"experiments >= {AUTO_AGREEMENT_GOAL:.0%}"
            )
            agreement = f.decisive_agreements / f.decisive_reference if f.decisive_reference else 0
            lines.append(
                f"       ... {agreement:.1%} of all {f.decisive_reference} decisive full-data "
                "verdicts (the null experiments' are chance events)"
            )
            lines.extend(cost_goal_lines(bench, verdict, mode))
    if any(r.error_expected for r in bench.records):
        raised = sum(r.error_expected and r.status not in VERDICTS for r in bench.records)
        total = sum(r.error_expected for r in bench.records)
        lines.append(
            f"{verdict(raised == total)} definition errors where the truth marker expects one "
            f"(all modes): {raised} of {total}"
        )
    return lines


def cost_goal_lines(
    bench: Benchmark, verdict: Callable[[bool], str], mode: str = "auto"
) -> list[str]:
    """The two cost goals of --sample auto: never more than --full + 10 % on any experiment,
    and within 1.5x of the oracle on the experiments taking >= 1 s."""
    lines = []
    beyond = beyond_full_look(bench, mode)
    early = early_stops(bench, mode)
    if beyond or early:
        above = [row for row in beyond if row.share > AUTO_OVER_FULL_GOAL - 1]
        dear = [row for row in early if row[0] > AUTO_OVER_FULL_GOAL]
        text = (
            f"{verdict(not above and not dear)} {mode} costs <= {AUTO_OVER_FULL_GOAL:.2f}x --full"
        )
        text += " on every experiment:"
        if beyond:
            worst = beyond[0]
            text += (
                f" beyond its full-data look it spent at most {worst.share:.1%} of that look "
                f"({short(worst.nodeid)}, seed {worst.seed}: {worst.extra:.2f} s beside "
                f"{worst.full_look:.2f} s; smaller looks and their checks, timed in the same "
                f"call), {len(above)} of {len(beyond)} above {AUTO_OVER_FULL_GOAL - 1:.0%}"
            )
        if early:
            text += (
                f"{';' if beyond else ''} where it stopped before all the data at most "
                f"{early[0][0]:.2f}x --full's CPU ({len(early)} "
                f"stop{'s' if len(early) != 1 else ''}, {len(dear)} above)"
            )
        lines.append(text)
    ratios = cost_over_full(bench, mode)
    if ratios:
        over = [row for row in ratios if row.ratio > AUTO_OVER_FULL_GOAL]
        same = [row for row in over if single_full_look(bench, mode, row.nodeid)]
        lines.append(
            f"       ... CPU between separate runs (median over seeds): worst "
            f"{ratios[0].ratio:.2f}x ({short(ratios[0].nodeid)}); {len(over)} of {len(ratios)} "
            f"above {AUTO_OVER_FULL_GOAL:.2f}x, of which {len(same)} took one look on all the "
            f"data at every seed, the very work --full does, and "
            f"{sum(row.full_cpu < 0.1 for row in over)} take < 0.1 s"
        )
    noise = cost_over_full(bench, NOISE_MODE)
    if noise:
        lines.append(
            f"       ... the noise between separate runs: --full run again costs up to "
            f"{noise[0].ratio:.2f}x the first --full ({short(noise[0].nodeid)}); "
            f"{sum(row.ratio > AUTO_OVER_FULL_GOAL for row in noise)} of {len(noise)} above "
            f"{AUTO_OVER_FULL_GOAL:.2f}x"
        )
    rows = oracle_costs(bench, mode)
    if rows:
        aggregate = oracle_aggregate(rows)
        lines.append(
            f"{verdict(aggregate <= AUTO_OVER_ORACLE_GOAL)} {mode} CPU time within "
            f"{AUTO_OVER_ORACLE_GOAL:.1f}x of the oracle on the {len(rows)} experiments taking "
            f">= {SLOW_SECONDS:.0f} s: {aggregate:.2f}x (sum auto / sum oracle); worst "
            f"{rows[0].ratio:.2f}x ({short(rows[0].nodeid)})"
        )
        decisive = oracle_costs(bench, mode, decisive_only=True)
        if decisive:
            lines.append(
                f"       ... only where --full is decisive (an inconclusive full-data verdict lets "
                f"the oracle stop at its cheapest look): {oracle_aggregate(decisive):.2f}x"
            )
    lines.extend(first_look_floor(bench))
    return lines


def auto_base(bench: Benchmark) -> str | None:
    """The fraction ``auto`` started from, read from its command line."""
    for run in bench.runs:
        if run.mode == "auto":
            for argument in run.command:
                if argument.startswith("experiment_sample="):
                    return argument.split("=", 1)[1]
    return None


def first_look_floor(bench: Benchmark) -> list[str]:
    """What auto's first look alone costs on the slow experiments.

    ``--sample auto`` starts with a look at its base fraction, which costs what a run at that
    fraction costs; when that mode was measured too, its compute on the slow experiments is a
    floor under any look schedule that starts there.
    """
    base = auto_base(bench)
    if base is None or base not in bench.modes:
        return []
    f = figures(bench, base)
    if not f.slow_reference_cpu:
        return []
    floor = f.slow_cpu / f.slow_reference_cpu
    return [
        f"       auto's first look is a --sample {base} run: on the same experiments that alone "
        f"costs {floor:.0%} of --full (CPU time), a floor under any schedule starting at {base}"
    ]


# -- details, for whoever has to explain a missed goal ------------------------------------------


def details(bench: Benchmark) -> list[str]:
    reference = reference_table(bench.records)
    slow = slow_nodeids(bench.records)
    lines: list[str] = []
    for mode in bench.modes:
        if mode == "full":
            continue
        contradictions = [
            (r, reference[(r.seed, r.nodeid)])
            for r in bench.records
            if r.mode == mode
            and (r.seed, r.nodeid) in reference
            and r.decisive
            and reference[(r.seed, r.nodeid)].decisive
            and r.status != reference[(r.seed, r.nodeid)].status
        ]
        lines.append(f"contradictions at {mode}: {len(contradictions)}")
        for record, full in contradictions:
            lines.append(
                f"  seed {record.seed} {record.nodeid}: {record.status} {record.answer_text} at "
                f"{record.fraction:.3g} ({record.rows} rows); full: {full.status} "
                f"{full.answer_text}"
            )
    for mode in bench.modes:
        alarms: Counter[str] = Counter()
        totals: Counter[str] = Counter()
        for record in bench.records:
            if record.mode == mode and record.kind == "null" and record.status in VERDICTS:
                totals[record.experiment] += 1
                alarms[record.experiment] += record.false_alarm
        shown = ", ".join(
            f"{name.split('::')[-1]} {alarms[name]}/{totals[name]}"
            for name in sorted(totals)
            if alarms[name]
        )
        lines.append(f"false alarms at {mode} by experiment: {shown or 'none'}")
    failed = [r for r in bench.records if r.status not in VERDICTS]
    lines.append(f"experiments without a verdict: {len(failed)}")
    for record in failed:
        lines.append(
            f"  {record.mode} seed {record.seed} {record.nodeid}: {record.status} "
            f"{record.error or ''}"
        )
    wrong = [r for r in bench.records if r.kind != "null" and r.false_alarm]
    lines.append(f"decisive verdicts against the known truth (effect/threshold): {len(wrong)}")
    for record in wrong:
        lines.append(
            f"  {record.mode} seed {record.seed} {record.nodeid}: {record.status} "
            f"{record.answer_text} at {record.fraction:.3g}"
        )
    if "auto" in bench.modes:
        ratios = cost_over_full(bench, "auto")
        lines.append(
            f"auto CPU time over --full's, the {WORST_SHOWN} worst experiments (median over "
            "seeds; full CPU in brackets):"
        )
        for row in ratios[:WORST_SHOWN]:
            lines.append(f"  {short(row.nodeid)}: {row.ratio:.2f}x ({row.full_cpu:.2f} s)")
        rows = oracle_costs(bench, "auto")
        lines.append(
            "auto against the oracle (the cheapest of "
            + ", ".join(m for m in ORACLE_MODES if m in bench.modes)
            + " reaching the full-data verdict) on the experiments taking >= 1 s CPU: auto and "
            "oracle CPU summed over seeds, median ratio, the oracle's look per seed"
        )
        for oracle_row in rows:
            choices = " ".join(oracle_row.choices)
            lines.append(
                f"  {short(oracle_row.nodeid)}: {oracle_row.cost:.1f} s vs "
                f"{oracle_row.oracle:.1f} s, {oracle_row.ratio:.2f}x ({choices})"
            )
        lines.append(
            "auto on the experiments taking >= 1 s (durations or CPU), all seeds: verdicts "
            "(auto/full), stopping fractions, compute vs --full (durations; CPU time; CPU of "
            "the first look's fraction run alone)"
        )
        by_node: dict[str, list[tuple[Record, Record]]] = defaultdict(list)
        slow_any = slow | slow_nodeids(bench.records, cpu=True)
        for record in bench.records:
            matched = reference.get((record.seed, record.nodeid))
            if record.mode == "auto" and record.nodeid in slow_any and matched is not None:
                by_node[record.nodeid].append((record, matched))
        base = auto_base(bench)
        first_cpu: dict[str, float] = defaultdict(float)
        for record in bench.records:
            if record.mode == base and record.nodeid in by_node:
                first_cpu[record.nodeid] += record.cpu_seconds or 0.0
        for node in sorted(by_node, key=lambda n: -sum(f.duration for _, f in by_node[n])):
            pairs = by_node[node]
            auto_cost = sum(a.duration for a, _ in pairs)
            full_cost = sum(f.duration for _, f in pairs)
            auto_cpu = sum(a.cpu_seconds or 0.0 for a, _ in pairs)
            full_cpu = sum(f.cpu_seconds or 0.0 for _, f in pairs)
            verdicts = " ".join(f"{a.status[:4]}/{f.status[:4]}" for a, f in pairs)
            stops = " ".join(f"{a.fraction:.3g}" for a, _ in pairs)
            lines.append(
                f"  {node.split('::')[-1]}: {verdicts}; stopped at {stops}; "
                f"{auto_cost:.1f} s vs {full_cost:.1f} s ({percent(auto_cost, full_cost, 0)}), "
                f"CPU {percent(auto_cpu, full_cpu, 0)}"
                + (
                    f"; a --sample {base} run alone: CPU {percent(first_cpu[node], full_cpu, 0)}"
                    if node in first_cpu
                    else ""
                )
            )
    return lines


def report(bench: Benchmark) -> str:
    info = bench.machine
    packages = ", ".join(f"{name} {v}" for name, v in info["packages"].items())
    walls = ", ".join(f"{r.mode}/{r.seed} {r.wall_seconds:.0f} s" for r in bench.runs)
    total = sum(r.wall_seconds for r in bench.runs)
    out = [
        "verdict-quality benchmark (issues 3 and 10)",
        f"machine: {info['cpu']}, {info['cores']} cores, {info['memory']}; {info['platform']}",
        f"python {info['python']}; {packages}; commit {info['commit']}",
        f"plugin imported from {info.get('plugin_path', 'unknown')}"
        + (f"; note: {info['note']}" if info.get("note") else ""),
        f"load average before {info.get('load_before')}, after {info.get('load_after')}",
        f"runs (wall): {walls}; total {total / 60:.1f} min",
        f"modes: {', '.join(bench.modes)}; seeds: {', '.join(map(str, bench.seeds))}; "
        f"alpha = {ALPHA}",
        "",
        table(bench),
        "",
        "per failure kind: decisive sample verdicts / contradictions (d/c)",
        kind_table(bench),
        "",
        *goal_lines(bench),
        "",
        *details(bench),
    ]
    return "\n".join(out)


# -- the command line ------------------------------------------------------------------------


def load(path: Path) -> Benchmark:
    data = json.loads(path.read_text())
    return Benchmark(
        machine=data["machine"],
        runs=[RunInfo(**run) for run in data["runs"]],
        records=[Record(**record) for record in data["records"]],
        modes=list(data["modes"]),
        seeds=list(data["seeds"]),
    )


def save(bench: Benchmark, path: Path) -> None:
    data = {
        "machine": bench.machine,
        "modes": bench.modes,
        "seeds": bench.seeds,
        "runs": [asdict(run) for run in bench.runs],
        "records": [asdict(record) for record in bench.records],
    }
    path.write_text(json.dumps(data, indent=1))


def mode_name(text: str) -> str:
    if text in ("auto", "auto-new", "full", NOISE_MODE):
        return text
    try:
        fraction = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"mode {text!r} is not auto, full or a fraction like 0.05"
        ) from None
    if not 0 < fraction < 1:
        raise argparse.ArgumentTypeError(f"mode {text!r}: a fraction must be in (0, 1)")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verdict-quality benchmark; see the docstring.")
    parser.add_argument("--modes", nargs="+", type=mode_name, default=list(DEFAULT_MODES))
    parser.add_argument("--seeds", nargs="+", type=int, default=list(DEFAULT_SEEDS))
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (-n)")
    parser.add_argument("--auto-base", default=DEFAULT_AUTO_BASE, help="auto's first fraction")
    parser.add_argument("--out", type=Path, help="raw results file (default: /tmp/...)")
    parser.add_argument("--reuse", type=Path, help="print the table of an earlier raw file")
    parser.add_argument("--note", default="", help="a note kept with the raw results")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args(argv)

    if args.reuse:
        bench = load(args.reuse)
        print(report(bench))
        return 0

    modes = list(args.modes)
    if "full" not in modes:
        modes.append("full")  # the reference
    bench = Benchmark(machine=machine_info(), modes=modes, seeds=list(args.seeds))
    bench.machine["note"] = args.note
    out = args.out or Path(f"/tmp/verdict-benchmark-{time.strftime('%Y%m%d-%H%M%S')}.json")
    journal_off = has_option("--no-journal")
    journals = Path(tempfile.mkdtemp(prefix="verdict-bench-journals-"))
    for seed in args.seeds:
        for mode in modes:
            journal = journals / f"seed-{seed}.sqlite" if mode in JOURNALED_MODES else None
            info, records = run_once(
                mode, seed, args.workers, args.auto_base, args.pytest_args, journal_off, journal
            )
            bench.runs.append(info)
            bench.records.extend(records)
            print(
                f"{mode:>5} seed {seed}: {info.experiments} experiments in "
                f"{info.wall_seconds:.0f} s: {info.summary}",
                flush=True,
            )
            bench.machine["load_after"] = list(os.getloadavg())
            save(bench, out)  # after every run, so a long benchmark that dies keeps its results
    print()
    print(report(bench))
    print(f"\nraw results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
