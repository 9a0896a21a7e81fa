"""The verdict-quality benchmark: are sample verdicts right, or honestly inconclusive?

Run from anywhere with the project's interpreter::

    python benchmarks/verdicts/run.py                  # the full benchmark (about 10-25 min)
    python benchmarks/verdicts/run.py --seeds 0        # one seed, for a quick look
    python benchmarks/verdicts/run.py --reuse RAW.json # print the table of an earlier run again

It runs the experiments in this directory (``exp_*.py``; 48 experiments, the null ones
over many replicate data sets) once per mode and base seed, each run a fresh
``python -m pytest -n 2 --no-journal --seed S`` subprocess with one BLAS thread per process:

* ``0.05``: ``--sample 0.05``, every experiment on a 5 % sample;
* ``auto``: ``--sample auto -o experiment_sample=0.05``, growing the sample from 5 % until the
  verdict is decisive;
* ``full``: ``--full``, the reference every other mode is compared with (same seed).

``conftest.py`` appends every experiment's ``report.experiment`` and its known truth (the
``truth`` marker) to a JSON-lines file. The script then prints one table, per mode:

* agreement: the share of (experiment, seed) verdicts equal to the full-data verdict;
* contradictions: the share that are decisive and opposite to a decisive full-data verdict;
* inconclusive: the share of inconclusive verdicts;
* false alarms: on null experiments, decisive verdicts that contradict the known truth (e.g.
  ``confirmed`` for ``"> 0"`` when the true difference is exactly 0), with a 95 % Wilson
  interval (``scipy.stats.binomtest(...).proportion_ci(method="wilson")``);
* compute: the sum of the experiments' durations relative to ``--full``, over all experiments
  and over those whose full run takes at least 1 s (median over seeds);
* for ``auto`` also the agreement on experiments whose full-data verdict is decisive.

Beside the figures stand the goals of issue 3: contradictions <= 2 %; false alarms <= alpha
with the upper end of their 95 % interval <= 1.2 alpha (alpha = 0.05); with ``--sample auto``,
agreement on >= 80 % of the experiments whose full-data verdict is decisive at <= 25 % of the
compute of ``--full`` on experiments that take >= 1 s. Then come the details a reader needs to
see why a goal is missed: every contradiction, the false alarms by experiment, and where
``auto`` stopped and what it cost on the slow experiments. The raw results (machine, runs and
every record) go to a JSON file under ``/tmp``.

Timings are whatever the machine gives: another load on it slows every mode alike only if it is
steady, so the load average is printed before and after.
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
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

ALPHA = 0.05
CONTRADICTION_GOAL = 0.02
FALSE_ALARM_UPPER_GOAL = 1.2 * ALPHA
AUTO_AGREEMENT_GOAL = 0.80
AUTO_COMPUTE_GOAL = 0.25
SLOW_SECONDS = 1.0  # "experiments that take >= 1 s" on all the data

DEFAULT_MODES = ("0.05", "auto", "full")
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

    @property
    def experiment(self) -> str:
        """The node id without the replicate parameter: one entry per experiment function."""
        return self.nodeid.split("[", 1)[0]

    @property
    def decisive(self) -> bool:
        return self.status in ("confirmed", "refuted")

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
    )


# -- running -----------------------------------------------------------------------------------


def mode_arguments(mode: str, auto_base: str) -> list[str]:
    if mode == "full":
        return ["--full"]
    if mode == "auto":
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
    mode: str, seed: int, workers: int, auto_base: str, extra: Sequence[str], journal_off: bool
) -> tuple[RunInfo, list[Record]]:
    with tempfile.TemporaryDirectory(prefix="verdict-bench-") as scratch:
        results = Path(scratch) / "results.jsonl"
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rN"]
        command += ["-n", str(workers)] if workers > 0 else []
        command += ["--no-journal"] if journal_off else []
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
    not_verdicts: int = 0
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
        full = reference.get((record.seed, record.nodeid))
        if record.status not in VERDICTS or full is None or full.status not in VERDICTS:
            result.not_verdicts += 1
            continue
        result.verdicts += 1
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


def table(bench: Benchmark) -> str:
    """The benchmark's one table: a row per figure, a column per mode, and the goal."""
    columns = [figures(bench, mode) for mode in bench.modes]
    slow_count = columns[0].slow_experiments if columns else 0
    slow_cpu_count = columns[0].slow_cpu_experiments if columns else 0

    def fa_interval(f: ModeFigures) -> str:
        low, high = wilson(f.false_alarms, f.null_verdicts)
        return f"[{100 * low:.1f}, {100 * high:.1f}] %"

    rows: list[tuple[str, list[str], str]] = [
        ("verdicts (experiment x seed)", [str(f.verdicts) for f in columns], ""),
        ("no verdict (failed, error, skipped)", [str(f.not_verdicts) for f in columns], "0"),
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
            f"auto >= {AUTO_AGREEMENT_GOAL:.0%}",
        ),
        (
            "  ... the same without null experiments",
            [
                f"{percent(f.decisive_agreements_real, f.decisive_reference_real)} of "
                f"{f.decisive_reference_real}"
                for f in columns
            ],
            "",
        ),
        (
            "contradictions (decisive, opposite)",
            [f"{percent(f.contradictions, f.verdicts)} ({f.contradictions})" for f in columns],
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
            f"auto <= {AUTO_COMPUTE_GOAL:.0%}",
        ),
        (
            "compute vs --full (CPU time), all",
            [percent(f.cpu, f.reference_cpu, 0) for f in columns],
            "",
        ),
        (
            f"  ... full takes >= 1 s CPU ({slow_cpu_count} exps)",
            [percent(f.slow_cpu, f.slow_reference_cpu, 0) for f in columns],
            f"auto <= {AUTO_COMPUTE_GOAL:.0%}",
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


def goal_lines(bench: Benchmark) -> list[str]:
    """Each goal of issue 3 with the measured figure and whether it is met."""
    lines = []

    def verdict(ok: bool) -> str:
        return "MET   " if ok else "MISSED"

    for mode in bench.modes:
        f = figures(bench, mode)
        if mode != "full" and f.verdicts:
            share = f.contradictions / f.verdicts
            lines.append(
                f"{verdict(share <= CONTRADICTION_GOAL)} contradictions at {mode}: "
                f"{share:.1%} <= {CONTRADICTION_GOAL:.0%}"
            )
        if f.null_verdicts:
            rate = f.false_alarms / f.null_verdicts
            low, high = wilson(f.false_alarms, f.null_verdicts)
            ok = rate <= ALPHA and high <= FALSE_ALARM_UPPER_GOAL
            lines.append(
                f"{verdict(ok)} false alarms at {mode}: {rate:.1%} (95 % CI {low:.1%}-{high:.1%}) "
                f"<= {ALPHA:.0%}, upper end <= {FALSE_ALARM_UPPER_GOAL:.0%}"
            )
        if mode == "auto":
            agreement = f.decisive_agreements / f.decisive_reference if f.decisive_reference else 0
            lines.append(
                f"{verdict(agreement >= AUTO_AGREEMENT_GOAL)} auto agrees on {agreement:.1%} of "
                f"decisive full-data verdicts >= {AUTO_AGREEMENT_GOAL:.0%}"
            )
            real = (
                f.decisive_agreements_real / f.decisive_reference_real
                if f.decisive_reference_real
                else 0
            )
            lines.append(
                f"{verdict(real >= AUTO_AGREEMENT_GOAL)} ... leaving out the null experiments "
                f"(whose decisive full-data verdicts are chance): {real:.1%}"
            )
            cost = f.slow_seconds / f.slow_reference_seconds if f.slow_reference_seconds else 0
            lines.append(
                f"{verdict(cost <= AUTO_COMPUTE_GOAL)} auto compute on experiments taking >= 1 s: "
                f"{cost:.0%} of --full <= {AUTO_COMPUTE_GOAL:.0%} (durations)"
            )
            cost = f.slow_cpu / f.slow_reference_cpu if f.slow_reference_cpu else 0
            if f.slow_reference_cpu:
                lines.append(
                    f"{verdict(cost <= AUTO_COMPUTE_GOAL)} auto compute on experiments taking "
                    f">= 1 s: {cost:.0%} of --full <= {AUTO_COMPUTE_GOAL:.0%} (CPU time)"
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
        "verdict-quality benchmark (issue 3, item 6)",
        f"machine: {info['cpu']}, {info['cores']} cores, {info['memory']}; {info['platform']}",
        f"python {info['python']}; {packages}; commit {info['commit']}",
        f"load average before {info.get('load_before')}, after {info.get('load_after')}",
        f"runs (wall): {walls}; total {total / 60:.1f} min",
        f"modes: {', '.join(bench.modes)}; seeds: {', '.join(map(str, bench.seeds))}; "
        f"alpha = {ALPHA}",
        "",
        table(bench),
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
    if text in ("auto", "full"):
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
    out = args.out or Path(f"/tmp/verdict-benchmark-{time.strftime('%Y%m%d-%H%M%S')}.json")
    journal_off = has_option("--no-journal")
    for seed in args.seeds:
        for mode in modes:
            info, records = run_once(
                mode, seed, args.workers, args.auto_base, args.pytest_args, journal_off
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
