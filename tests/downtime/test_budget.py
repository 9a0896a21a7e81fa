"""``--budget``: the night's batch keeps the experiments that fit, the most important first."""

from __future__ import annotations

import sqlite3

import pytest
from downtime_fixtures import PastRun, Timed, timed_history

from pytest_experiments.downtime.budget import Candidate, choose, importance, parse_duration
from pytest_experiments.settings import SettingError

# -- durations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("45m", 2700), ("8h", 28800), ("1h30m", 5400), ("2.5h", 9000), ("1d", 86400)],
)
def test_budgets_are_written_with_a_unit(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "8", "8x", "h", "-1h", "1h 30", "0m", "eight hours"])
def test_a_budget_without_a_clear_duration_is_refused(text: str) -> None:
    with pytest.raises(SettingError, match=r"write a duration with a unit|longer than 0"):
        parse_duration(text)


def test_a_bad_budget_on_the_command_line_names_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_units="def test_a():\n    pass\n")
    result = pytester.runpytest("--budget", "8 hours")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*error: argument --budget: got '8 hours'; write a duration with a unit, like 90s*"]
    )


# -- choosing ----------------------------------------------------------------------------------


def test_importance_is_priority_then_never_answered_then_oldest_answer() -> None:
    candidates = [
        Candidate("new", 1, answered=None, index=0),
        Candidate("recent", 1, answered=300.0, index=1),
        Candidate("old", 1, answered=100.0, index=2),
        Candidate("urgent", 1, priority=2, answered=500.0, index=3),
        Candidate("later", 1, priority=-1, answered=None, index=4),
        Candidate("new too", 1, answered=None, index=5),
    ]
    assert [c.nodeid for c in importance(candidates)] == [
        "urgent",
        "new",
        "new too",
        "old",
        "recent",
        "later",
    ]


def test_what_does_not_fit_is_skipped_and_shorter_ones_still_tried() -> None:
    candidates = [
        Candidate("a", 50.0, priority=1),
        Candidate("b", 45.0),  # would end at 95 s in one process: left out
        Candidate("c", 30.0),
    ]
    choice = choose(candidates, budget=100.0, workers=1)
    assert [c.nodeid for c in choice.kept] == ["a", "c"]
    assert [c.nodeid for c in choice.dropped] == ["b"]
    assert choice.wall == 80.0 and choice.limit == 90.0


def test_the_budget_is_wall_clock_time_on_the_workers() -> None:
    candidates = [Candidate(name, 40.0, index=i) for i, name in enumerate("abcd")]
    # Two workers run 40 + 40 each: 80 s, within 90 % of 100 s.
    assert len(choose(candidates, budget=100.0, workers=2).kept) == 4
    assert len(choose(candidates, budget=100.0, workers=1).kept) == 2
    # Plain tests and start-up count too, and can leave no room at all.
    assert len(choose(candidates, 100.0, 2, tests=20.0, overhead=5.0).kept) == 3
    assert choose(candidates, 100.0, 2, overhead=95.0).kept == []


# -- on the command line -----------------------------------------------------------------------

STUDY = """
import pytest

@pytest.mark.question("A?")
def exp_a(exp):
    return 1

@pytest.mark.question("B?")
def exp_b(exp):
    return 1

@pytest.mark.question("C?")
@pytest.mark.priority(5)
def exp_c(exp):
    return 1

@pytest.mark.question("D?")
def exp_d(exp):
    return 1

def test_unit():
    pass
"""


@pytest.fixture
def night(pytester: pytest.Pytester) -> pytest.Pytester:
    """A study whose journal says: a takes 40 s (answered long ago), b 30 s, c 50 s (priority 5),
    d never ran; the plain test takes 2 s; runs have no start-up overhead."""
    pytester.makepyfile(test_study=STUDY)
    timed_history(
        pytester.path / ".experiments" / "journal.sqlite",
        [
            PastRun([Timed("test_study.py::exp_a", 40.0)]),
            PastRun(
                [Timed("test_study.py::exp_b", 30.0), Timed("test_study.py::exp_c", 50.0)],
                wall=82.0,
                tests=1,
                tests_seconds=2.0,
            ),
        ],
    )
    return pytester


def test_the_budget_keeps_what_fits_and_lists_what_it_left_out(night: pytest.Pytester) -> None:
    result = night.runpytest("--budget", "100s")
    assert result.ret == 0
    # c first (priority), d (never answered, guessed at the 40 s median) and a (40 s) would end
    # after 90 s; b (30 s) fits: 50 + 30 + 2 s of plain test.
    assert result.parseoutcomes() == {"passed": 1, "deselected": 2, "answered": 2}
    result.stdout.fnmatch_lines(
        [
            "budget 1m 40s on 1 worker: 2 of 4 experiments fit, about 1m 22s wall-clock "
            "(planned to end within 90% of the budget); 2 deselected, listed at the end",
            "*= budget =*",
            "budget 1m 40s on 1 worker: 2 of 4 experiments fit, about 1m 22s wall-clock*",
            "    start-up and fixtures: about 0.00s (median of 2 past runs)",
            "    1 plain test: about 2.00s (from the last run that ran any)",
            "deselected by the budget (2), most important first:",
            "    test_study.py::exp_d  guess 40.0s  (priority 0, never answered)",
            "    test_study.py::exp_a  about 40.0s  (priority 0, answered 2025-11-2*)",
        ]
    )
    db = sqlite3.connect(night.path / ".experiments" / "journal.sqlite")
    ran = {row[0] for row in db.execute("SELECT nodeid FROM results WHERE run_id = 3")}
    assert ran == {"test_study.py::exp_b", "test_study.py::exp_c"}
    # The plain test's time is journaled for the next estimate.
    tests, seconds = db.execute("SELECT tests, tests_seconds FROM runs WHERE id = 3").fetchone()
    assert tests == 1 and seconds > 0


def test_the_budget_counts_wall_clock_time_on_xdist_workers(night: pytest.Pytester) -> None:
    result = night.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--budget", "60s")
    # On two workers c and d fit (50 s | 40 s); a or b beside d would end at 70-80 s.
    # The workers deselected a and b; the controller's last line counts them.
    assert result.parseoutcomes() == {"passed": 1, "deselected": 2, "answered": 2}
    result.stdout.fnmatch_lines(
        [
            "budget 1m 00s on 2 workers: 2 of 4 experiments fit, about 50.0s wall-clock*",
            "*= budget =*",
            "deselected by the budget (2), most important first:",
            "    test_study.py::exp_a  about 40.0s  (priority 0, answered 2025-11-2*)",
            "    test_study.py::exp_b  about 30.0s  (priority 0, answered 2025-11-2*)",
        ]
    )
    assert "Different tests collected" not in result.stdout.str()


def test_the_plan_shows_what_the_budget_would_run(night: pytest.Pytester) -> None:
    result = night.runpytest("--exp-plan", "--budget", "100s")
    assert result.ret == 0
    output = result.stdout.str()
    assert "test_study.py::exp_a\n" not in output, "deselected experiments are not planned"
    result.stdout.fnmatch_lines(
        [
            "test_study.py::exp_b",
            "test_study.py::exp_c",
            "2 experiments at sample 10%*: about 1m 20s of experiment time",
            "wall-clock in one process: about 1m 22s",
            "*---*",
            "budget 1m 40s on 1 worker: 2 of 4 experiments fit*",
            "deselected by the budget (2), most important first:",
            "    test_study.py::exp_d  guess 40.0s  (priority 0, never answered)",
        ]
    )


def test_nothing_fits_a_budget_smaller_than_the_plain_tests(night: pytest.Pytester) -> None:
    result = night.runpytest("--budget", "1s")
    assert result.parseoutcomes() == {"passed": 1, "deselected": 4}
    result.stdout.fnmatch_lines(
        [
            "budget 1.00s on 1 worker: 0 of 4 experiments fit, start-up and plain tests alone "
            "take about 2.00s, more than the budget allows*"
        ]
    )


def test_under_xdist_a_budget_that_drops_everything_still_says_so(night: pytest.Pytester) -> None:
    result = night.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--budget", "1s")
    assert result.parseoutcomes() == {"passed": 1}
    result.stdout.fnmatch_lines(
        [
            "*= budget =*",
            "budget 1.00s on 2 workers: 0 of 4 experiments fit*",
            "deselected by the budget (4), most important first:",
        ]
    )


def test_a_priority_that_is_not_a_whole_number_is_an_error_of_that_experiment(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("A?")
        @pytest.mark.priority("high")
        def exp_a(exp):
            return 1
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of exp_a*",
            "@pytest.mark.priority takes one whole number, got ('high'); write "
            "@pytest.mark.priority(2) (higher runs first under --budget; default 0)",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_an_experiment_that_would_end_after_the_budget_is_not_started(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_study="""
        import time

        import pytest

        @pytest.mark.question("Slow?")
        @pytest.mark.priority(1)
        def exp_slow(exp):
            time.sleep(1.5)  # the journal says 0.1 s
            return 1

        @pytest.mark.question("Next?")
        def exp_next(exp):
            return 2
        """
    )
    timed_history(
        pytester.path / ".experiments" / "journal.sqlite",
        [PastRun([Timed("test_study.py::exp_slow", 0.1), Timed("test_study.py::exp_next", 1.0)])],
    )
    # Both fit 2 s as estimated (1.1 s); after 1.5 s, exp_next's 1 s no longer does.
    result = pytester.runpytest("--budget", "2s", "-rs")
    assert result.parseoutcomes() == {"answered": 1, "skipped": 1}
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]1] test_study.py:*: --budget: not started, its estimate of 1.00s is more "
            "than the 0.*s left of 2.00s",
        ]
    )
