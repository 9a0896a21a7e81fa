"""Progress lines: long runs say what finished and when the batch should end; short runs stay
quiet."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from downtime_fixtures import PastRun, Timed, timed_history

from pytest_experiments.downtime.batch import Batch, Job
from pytest_experiments.downtime.progress import ProgressReporter, calibration, remaining


def batch(*costs: float, workers: int = 1, guessed: int = -1) -> Batch:
    jobs = [
        Job(f"t.py::exp_{i}", cost, guess="median" if i == guessed else None)
        for i, cost in enumerate(costs)
    ]
    return Batch(workers=workers, dist="no", reordered=False, jobs=jobs, wall=sum(costs))


def test_estimates_are_scaled_by_how_the_finished_experiments_compared() -> None:
    work = batch(10.0, 20.0, 5.0, guessed=2)
    assert calibration(work, {}) == 1.0
    assert calibration(work, {"t.py::exp_0": 15.0}) == 1.5
    assert calibration(work, {"t.py::exp_0": 100.0}) == 2.0  # kept within 0.5-2
    assert calibration(work, {"t.py::exp_2": 50.0}) == 1.0  # a guess says nothing about speed


def test_the_eta_schedules_what_is_left_on_the_workers() -> None:
    work = batch(10.0, 20.0, 30.0, workers=2)
    # Nothing started: 30 | 20 + 10.
    assert remaining(work, {}, {}, now=0.0) == 30.0
    # exp_2 has run for 12 s of its 30; exp_0 took 10 s as estimated.
    assert remaining(work, {"t.py::exp_0": 10.0}, {"t.py::exp_2": 100.0}, now=112.0) == 20.0


class Terminal:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def ensure_newline(self) -> None:
        pass

    def write_line(self, line: str, **markup: Any) -> None:
        self.lines.append(line)


def reporter(mode: str, work: Batch | None) -> tuple[ProgressReporter, Terminal]:
    terminal = Terminal()
    config: Any = SimpleNamespace(
        pluginmanager=SimpleNamespace(get_plugin=lambda name: terminal),
        stash={},
    )
    progress = ProgressReporter(config, mode, started=0.0)
    progress.take_batch(work)
    return progress, terminal


def report(nodeid: str, seconds: float, status: str = "confirmed") -> Any:
    return SimpleNamespace(
        nodeid=nodeid,
        when="call",
        passed=True,
        experiment={"duration": seconds, "status": status},
    )


def test_one_long_experiment_turns_the_progress_lines_on() -> None:
    progress, terminal = reporter("auto", batch(1.0, 1.0, 1.0))
    progress.pytest_runtest_logreport(report("t.py::exp_0", 2.0))
    assert terminal.lines == []
    progress.pytest_runtest_logreport(report("t.py::exp_1", 12.0))
    progress.pytest_runtest_logreport(report("t.py::exp_2", 0.5))
    assert [line.split(" in ")[0] for line in terminal.lines] == [
        "[2/3] t.py::exp_1 CONFIRMED",
        "[3/3] t.py::exp_2 CONFIRMED",
    ]


def test_never_means_never() -> None:
    progress, terminal = reporter("never", batch(100.0))
    progress.pytest_runtest_logreport(report("t.py::exp_0", 30.0))
    assert terminal.lines == []


def test_a_line_says_what_finished_how_long_it_took_and_when_the_batch_ends() -> None:
    progress, _ = reporter("always", batch(60.0, 120.0, workers=2, guessed=1))
    progress.finished = {"t.py::exp_0": 90.0}
    progress.running = {"t.py::exp_1": 30.0}
    line = progress.line("t.py::exp_0", "refuted", 90.0, now=90.0)
    # exp_0 took 1.5 times its estimate, so exp_1 should take 1.5 x 120 s; 60 s are done.
    assert line.startswith(
        "[1/2] t.py::exp_0 REFUTED in 1m 30s (estimated 1m 00s); elapsed 1m 30s, ETA 2m 00s (about "
    )


# -- in a run ------------------------------------------------------------------------------------

STUDY = """
import pytest

@pytest.mark.question("A?")
def exp_a(exp):
    return 1

@pytest.mark.question("B?")
def exp_b(exp):
    return 2

def test_unit():
    pass
"""


def study(pytester: pytest.Pytester, seconds: float) -> pytest.Pytester:
    pytester.makepyfile(test_study=STUDY)
    timed_history(
        pytester.path / ".experiments" / "journal.sqlite",
        [PastRun([Timed("test_study.py::exp_a", seconds), Timed("test_study.py::exp_b", seconds)])],
    )
    return pytester


# fnmatch reads "[1/2]" as a character class: "[[]" is a literal "[".
LINES = [
    "[[]1/2] test_study.py::exp_* ANSWERED in *s (estimated *); elapsed *s, ETA *s (about *:*)",
    "[[]2/2] test_study.py::exp_* ANSWERED in *s (estimated *); elapsed *s, ETA 0.00s (about *)",
]


def test_a_long_batch_shows_each_finished_experiment_with_v(pytester: pytest.Pytester) -> None:
    # 2 x 40 s in one process: a batch of more than a minute.
    result = study(pytester, 40.0).runpytest("-v")
    result.stdout.fnmatch_lines(LINES)


def test_progress_never_splits_a_row_of_progress_characters(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = study(pytester, 40.0).runpytest()
    result.stdout.fnmatch_lines(["test_study.py ... * [[]100%]", LINES[1]])
    assert "[1/2]" not in result.stdout.str()  # only the newest waits for the row's end


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_a_long_batch_under_xdist_shows_progress_on_the_controller(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, verbose: list[str]
) -> None:
    # 2 x 70 s on two workers: a minute and ten seconds.
    monkeypatch.setenv("COLUMNS", "80")
    result = study(pytester, 70.0).runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", *verbose
    )
    result.stdout.fnmatch_lines(LINES[1:])
    if not verbose:
        assert any(line.startswith("...") and line.endswith("[100%]") for line in result.outlines)


def test_a_batch_under_a_minute_stays_quiet_under_xdist(pytester: pytest.Pytester) -> None:
    # 2 x 40 s on two workers: 40 s.
    result = study(pytester, 40.0).runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    assert result.parseoutcomes() == {"passed": 1, "answered": 2}
    assert "[1/2]" not in result.stdout.str()


def test_a_short_batch_stays_quiet(pytester: pytest.Pytester) -> None:
    result = study(pytester, 0.5).runpytest()
    assert "[1/2]" not in result.stdout.str()
    result = pytester.runpytest("-o", "experiment_progress=always", "-v")
    result.stdout.fnmatch_lines(["[[]1/2] test_study.py::exp_a ANSWERED in *s (estimated *"])


def test_progress_can_be_switched_off(pytester: pytest.Pytester) -> None:
    result = study(pytester, 40.0).runpytest("-o", "experiment_progress=never")
    assert "[1/2]" not in result.stdout.str()


def test_a_bad_progress_setting_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_units="def test_a():\n    pass\n")
    result = pytester.runpytest("-o", "experiment_progress=loud")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: ini setting experiment_progress got 'loud'; write one of auto, always, never"]
    )
