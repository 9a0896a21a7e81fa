"""Measure what pytest-experiments costs: on plain test suites, and per experiment.

Run from the repository root with the project's interpreter::

    python benchmarks/overhead.py [--rounds-plain N] [--rounds-framework N]

Two measurements, each made of generated suites in a temporary directory, every run a fresh
``python -m pytest -q -p no:cacheprovider`` subprocess so interpreter start-up, plugin import and
collection are all counted:

1. **Overhead on plain tests.** 5,000 trivial ``def test_i(): assert True`` tests (50 files x 100)
   run with the plugin enabled and with ``-p no:experiments``; every other plugin is the same in
   both arms. Arms alternate within a round and the order flips every round; one uncounted
   warm-up run per arm fills the bytecode and file caches first. The primary figure is the ratio
   of the median wall times of the subprocesses (goal: plugin at most 2 % slower); the duration
   pytest itself reports (session start to end) is shown beside it.
2. **Framework cost per experiment.** 1,000 trivial experiments (question and ``expect(">= 0")``
   markers, taking ``exp``, returning 1) against 1,000 trivial plain tests, both with the plugin
   enabled: ``(T_experiments - T_tests) / 1000`` (goal: at most 1 ms each). A variant has every
   experiment call ``exp.sample`` on a module-level 1,000-row numpy array and return 1 when it
   got rows (a plain value that does not move with the sample size, so the verdict is decisive),
   against plain tests that import numpy and build the same array; its figure includes the
   one-time import of the sampling code (numpy is imported by both suites), which is also
   measured on its own, and the trust rule's pilot look (a second call on a quarter of the rows).

Timings are printed, never asserted: the script exits 0 whatever the figures are, and non-zero
only if a generated suite does not run as expected. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

PLAIN_FILES = 50
PLAIN_PER_FILE = 100
EXPERIMENT_FILES = 10
EXPERIMENT_PER_FILE = 100
N_EXPERIMENTS = EXPERIMENT_FILES * EXPERIMENT_PER_FILE

OVERHEAD_GOAL = 0.02  # plugin at most 2 % slower on plain tests
PER_EXPERIMENT_GOAL_MS = 1.0  # framework cost of one trivial experiment

MIN_ROUNDS = 3
PART_1_BUDGET_SHARE = 0.6  # of --budget; part 2 gets the rest

PYTEST_ARGS = ("-q", "-p", "no:cacheprovider")
PLUGIN_OFF = ("-p", "no:experiments")

SUMMARY_DURATION = re.compile(r" in (\d+(?:\.\d+)?)s\b")


# -- generated suites ------------------------------------------------------------------------


def plain_module(count: int) -> str:
    return "\n\n".join(f"def test_{i}():\n    assert True\n" for i in range(count))


def experiment_module(count: int) -> str:
    functions = [
        f'@pytest.mark.question("Is experiment {i} answered?")\n'
        '@pytest.mark.expect(">= 0")\n'
        f"def exp_{i}(exp):\n"
        "    return 1\n"
        for i in range(count)
    ]
    return "import pytest\n\n\n" + "\n\n".join(functions)


NUMPY_HEADER = (
    "import numpy as np\nimport pytest\n\nDATA = np.arange(2000.0).reshape(1000, 2)\n\n\n"
)


def numpy_plain_module(count: int) -> str:
    functions = [f"def test_{i}():\n    assert len(DATA) > 0\n" for i in range(count)]
    return NUMPY_HEADER + "\n\n".join(functions)


def sampling_experiment_module(count: int) -> str:
    functions = [
        f'@pytest.mark.question("Does experiment {i} sample?")\n'
        '@pytest.mark.expect(">= 0")\n'
        f"def exp_{i}(exp):\n"
        "    return int(len(exp.sample(DATA)) > 0)\n"
        for i in range(count)
    ]
    return NUMPY_HEADER + "\n\n".join(functions)


def write_suite(root: Path, name: str, files: int, module: str) -> Path:
    """A directory with its own (empty) pytest.ini, so it is its own rootdir."""
    suite = root / name
    suite.mkdir()
    (suite / "pytest.ini").write_text("[pytest]\n")
    for index in range(files):
        (suite / f"test_{index:02d}.py").write_text(module)
    return suite


# -- running ---------------------------------------------------------------------------------


@dataclass
class Arm:
    """One way of running pytest, and the times it took."""

    label: str
    suite: Path
    extra_args: tuple[str, ...]
    expected: str  # e.g. "5000 passed", checked in pytest's summary line
    wall: list[float] = field(default_factory=list)
    inner: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "pytest", *PYTEST_ARGS, *self.extra_args, "."]

    def run(self, record: bool = True) -> None:
        cpu_start = children_cpu_seconds()
        start = time.perf_counter()
        completed = subprocess.run(
            self.command(),
            cwd=self.suite,
            env=clean_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
        cpu = children_cpu_seconds() - cpu_start
        lines = completed.stdout.strip().splitlines()
        summary = lines[-1] if lines else ""
        match = SUMMARY_DURATION.search(summary)
        if completed.returncode != 0 or self.expected not in summary or match is None:
            tail = "\n".join(lines[-15:])
            raise RuntimeError(
                f"{self.label}: expected '{self.expected}', got exit code {completed.returncode}"
                f"\n{tail}\n{completed.stderr[-2000:]}"
            )
        if record:
            self.wall.append(elapsed)
            self.inner.append(float(match.group(1)))
            self.cpu.append(cpu)


def children_cpu_seconds() -> float:
    """User + system CPU time of the finished child processes (0 where not available).

    Less disturbed than wall time when other processes compete for the CPUs.
    """
    if sys.platform == "win32":
        return 0.0
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def clean_env() -> dict[str, str]:
    """The current environment without variables that would change pytest between runs."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    }
    env["PYTHONHASHSEED"] = "0"
    return env


def run_interleaved(arms: Sequence[Arm], rounds: int, budget: float) -> int:
    """One warm-up run per arm, then rounds with the order rotated every round (A/B, B/A, ...).

    Runs ``rounds`` rounds, fewer (but at least ``MIN_ROUNDS``) if the warm-up round says they
    would not fit in ``budget`` seconds; returns the number of rounds run.
    """
    start = time.perf_counter()
    for arm in arms:
        arm.run(record=False)
    per_round = time.perf_counter() - start
    affordable = int((budget - per_round) / per_round)
    rounds = max(min(rounds, affordable), MIN_ROUNDS)
    for round_index in range(rounds):
        shift = round_index % len(arms)
        for arm in list(arms[shift:]) + list(arms[:shift]):
            arm.run()
    return rounds


def rounds_text(used: int, asked: int) -> str:
    capped = f", cut from {asked} to fit the time budget" if used < asked else ""
    return f"  {used} rounds (+1 uncounted warm-up run per suite){capped}"


def plugin_active(extra_args: Sequence[str], cwd: Path) -> bool:
    """Whether pytest, run with these arguments, has the plugin's markers registered."""
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *extra_args, "--markers"],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    return "@pytest.mark.question" in completed.stdout


def sampling_import_ms(repeats: int) -> dict[str, float]:
    """Median wall and cpu time to import the sampling code and sklearn once numpy is loaded."""
    code = (
        "import time, numpy\n"
        "wall, cpu = time.perf_counter(), time.process_time()\n"
        "import pytest_experiments.running.sampling, sklearn.utils\n"
        "print(time.perf_counter() - wall, time.process_time() - cpu)\n"
    )
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(repeats):
        completed = subprocess.run(
            [sys.executable, "-c", code],
            env=clean_env(),
            capture_output=True,
            text=True,
            check=True,
        )
        wall, cpu = completed.stdout.split()
        walls.append(float(wall) * 1000)
        cpus.append(float(cpu) * 1000)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}


# -- reporting -------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def machine_lines() -> list[str]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return [
        f"platform   {platform.platform()}",
        f"cpu        {os.cpu_count()} x {cpu} (load average at start {load_average()})",
        f"python     {platform.python_version()} ({sys.executable})",
        f"packages   pytest {version('pytest')}, pytest-experiments "
        f"{version('pytest-experiments')}, pluggy {version('pluggy')}, "
        f"xdist {version('pytest-xdist')}, numpy {version('numpy')}, "
        f"scikit-learn {version('scikit-learn')}",
        f"command    python -m pytest {' '.join(PYTEST_ARGS)} [{' '.join(PLUGIN_OFF)}] <suite>",
    ]


MEASURES: dict[str, Callable[[Arm], list[float]]] = {
    "wall": lambda arm: arm.wall,
    "pytest-reported": lambda arm: arm.inner,
    "cpu": lambda arm: arm.cpu,
}


def arm_table(arms: Sequence[Arm]) -> list[str]:
    width = max(len(arm.label) for arm in arms)
    lines = [
        f"  {'':<{width}}  {'wall median':>11}  {'min':>7}  {'max':>7}  "
        f"{'pytest-reported median':>22}  {'cpu median':>10}"
    ]
    for arm in arms:
        lines.append(
            f"  {arm.label:<{width}}  {median(arm.wall):>10.3f}s  {min(arm.wall):>6.3f}s  "
            f"{max(arm.wall):>6.3f}s  {median(arm.inner):>21.3f}s  {median(arm.cpu):>9.3f}s"
        )
    return lines


def percent(ratio: float) -> str:
    return f"{(ratio - 1) * 100:+.2f} %"


def ratio(slow: Arm, fast: Arm, measure: str) -> float:
    pick = MEASURES[measure]
    return median(pick(slow)) / median(pick(fast))


def per_item_ms(slow: Arm, fast: Arm, count: int, measure: str) -> float:
    pick = MEASURES[measure]
    return (median(pick(slow)) - median(pick(fast))) / count * 1000


def verdict(met: bool) -> str:
    return "[MET]   " if met else "[MISSED]"


def load_average() -> str:
    if not hasattr(os, "getloadavg"):
        return "?"
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# -- main ------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds-plain", type=int, default=7, help="rounds of part 1 (7)")
    parser.add_argument("--rounds-framework", type=int, default=5, help="rounds of part 2 (5)")
    parser.add_argument(
        "--budget",
        type=float,
        default=165.0,
        help="seconds the runs may take (165); fewer rounds (at least 3) on a slow machine",
    )
    parser.add_argument("--no-sample", action="store_true", help="skip the exp.sample variant")
    options = parser.parse_args(argv)
    started = time.perf_counter()

    print("pytest-experiments overhead benchmark")
    print("\n".join(machine_lines()))

    with tempfile.TemporaryDirectory(prefix="pytest-experiments-overhead-") as tmp:
        root = Path(tmp)
        plain = write_suite(root, "plain", PLAIN_FILES, plain_module(PLAIN_PER_FILE))
        if not plugin_active((), plain) or plugin_active(PLUGIN_OFF, plain):
            print("error: the plugin is not on/off as intended in the two arms", file=sys.stderr)
            return 2

        # 1. overhead on plain tests
        n_plain = PLAIN_FILES * PLAIN_PER_FILE
        off = Arm("plugin off (-p no:experiments)", plain, PLUGIN_OFF, f"{n_plain} passed")
        on = Arm("plugin on", plain, (), f"{n_plain} passed")
        print(
            f"\n1) overhead on plain tests: {n_plain:,} trivial tests ({PLAIN_FILES} files x "
            f"{PLAIN_PER_FILE}), plugin on vs off, A/B order alternating"
        )
        used = run_interleaved(
            [off, on], options.rounds_plain, options.budget * PART_1_BUDGET_SHARE
        )
        print(rounds_text(used, options.rounds_plain))
        print("\n".join(arm_table([off, on])))
        overhead = {measure: ratio(on, off, measure) for measure in MEASURES}
        paired = [a / b for a, b in zip(on.wall, off.wall, strict=True)]
        print(
            "  on / off: "
            + ", ".join(f"{measure} {percent(value)}" for measure, value in overhead.items())
            + f"; per test {per_item_ms(on, off, n_plain, 'wall') * 1000:+.1f} us wall, "
            f"{per_item_ms(on, off, n_plain, 'cpu') * 1000:+.1f} us cpu"
        )
        print(
            f"  per-round wall ratios: median {percent(median(paired))}, range "
            f"{percent(min(paired))} .. {percent(max(paired))}"
        )

        # 2. framework cost per experiment
        count = EXPERIMENT_PER_FILE
        arms = [
            Arm(
                f"{N_EXPERIMENTS:,} plain tests",
                write_suite(root, "tests", EXPERIMENT_FILES, plain_module(count)),
                (),
                f"{N_EXPERIMENTS} passed",
            ),
            Arm(
                f"{N_EXPERIMENTS:,} experiments",
                write_suite(root, "experiments", EXPERIMENT_FILES, experiment_module(count)),
                (),
                f"{N_EXPERIMENTS} confirmed",
            ),
        ]
        if not options.no_sample:
            arms += [
                Arm(
                    f"{N_EXPERIMENTS:,} plain tests, numpy",
                    write_suite(root, "np_tests", EXPERIMENT_FILES, numpy_plain_module(count)),
                    (),
                    f"{N_EXPERIMENTS} passed",
                ),
                Arm(
                    f"{N_EXPERIMENTS:,} experiments, exp.sample",
                    write_suite(
                        root, "np_experiments", EXPERIMENT_FILES, sampling_experiment_module(count)
                    ),
                    (),
                    f"{N_EXPERIMENTS} confirmed",
                ),
            ]
        print(
            f"\n2) framework cost: {N_EXPERIMENTS:,} trivial experiments vs {N_EXPERIMENTS:,} "
            f"trivial tests ({EXPERIMENT_FILES} files x {count}), plugin on in all; "
            "order rotated every round"
        )
        remaining = options.budget - (time.perf_counter() - started)
        used = run_interleaved(arms, options.rounds_framework, remaining)
        print(rounds_text(used, options.rounds_framework))
        print("\n".join(arm_table(arms)))
        per_exp = {m: per_item_ms(arms[1], arms[0], N_EXPERIMENTS, m) for m in MEASURES}
        print(
            f"  per experiment, (T_experiments - T_tests) / {N_EXPERIMENTS}: "
            + ", ".join(f"{measure} {value:.3f} ms" for measure, value in per_exp.items())
        )
        per_sample: dict[str, float] = {}
        import_ms = {"wall": 0.0, "cpu": 0.0}
        if not options.no_sample:
            per_sample = {m: per_item_ms(arms[3], arms[2], N_EXPERIMENTS, m) for m in MEASURES}
            import_ms = sampling_import_ms(3)
            print(
                "  per experiment with exp.sample (1,000 x 2 array, 10 % -> 100 rows), vs "
                "tests importing numpy: "
                + ", ".join(f"{measure} {value:.3f} ms" for measure, value in per_sample.items())
            )
            share = {m: value / N_EXPERIMENTS for m, value in import_ms.items()}
            print(
                "    of which a one-time import of the sampling code + sklearn.utils (median of "
                f"3 runs): wall {import_ms['wall']:.0f} ms, cpu {import_ms['cpu']:.0f} ms; "
                f"without it: wall {per_sample['wall'] - share['wall']:.3f} ms, "
                f"cpu {per_sample['cpu'] - share['cpu']:.3f} ms per experiment"
            )

    spread = max(paired) - min(paired)
    print("\ngoals (judged on median wall time; pytest-reported and cpu shown beside)")
    print(
        f"  {verdict(overhead['wall'] - 1 <= OVERHEAD_GOAL)} plugin <= {OVERHEAD_GOAL:.0%} slower "
        f"on {n_plain:,} plain tests: {percent(overhead['wall'])} wall, "
        f"{percent(overhead['pytest-reported'])} pytest-reported, {percent(overhead['cpu'])} cpu"
    )
    print(
        f"  {verdict(per_exp['wall'] <= PER_EXPERIMENT_GOAL_MS)} <= {PER_EXPERIMENT_GOAL_MS:g} "
        f"ms framework cost per trivial experiment: {per_exp['wall']:.3f} ms wall, "
        f"{per_exp['pytest-reported']:.3f} ms pytest-reported, {per_exp['cpu']:.3f} ms cpu"
    )
    if per_sample:
        print(
            f"  [info]   with exp.sample: {per_sample['wall']:.3f} ms per experiment wall, "
            f"including the one-time {import_ms['wall']:.0f} ms import "
            f"({per_sample['wall'] - import_ms['wall'] / N_EXPERIMENTS:.3f} ms without it)"
        )
    if spread > OVERHEAD_GOAL:
        print(
            f"  note: per-round wall ratios spread over {spread * 100:.1f} points, more than "
            "the goal; the machine was busy (other processes?), so trust the cpu figure more "
            "or rerun on an idle machine"
        )
    print(
        f"\ntotal benchmark time {time.perf_counter() - started:.0f} s; "
        f"load average at end {load_average()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
