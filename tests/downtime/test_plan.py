"""``pytest --exp-plan``: the list read while deciding what to run tonight, and its estimates."""

from __future__ import annotations

import math
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_experiments.downtime.runtime import (
    Point,
    estimate_duration,
    expected_rows,
    format_duration,
)
from pytest_experiments.notebook.journal import RunInfo, open_journal

# -- the estimate ----------------------------------------------------------------------------


def test_no_history_means_no_estimate() -> None:
    assert estimate_duration(0.1, []) is None
    assert expected_rows(0.1, []) is None


def test_one_past_run_scales_in_proportion_to_rows() -> None:
    points = [Point(fraction=0.1, rows=100, total_rows=1000, duration=2.0)]
    assert expected_rows(0.5, points) == 500
    assert estimate_duration(0.5, points) == pytest.approx(10.0)
    assert estimate_duration(1.0, points) == pytest.approx(20.0)


def test_rows_never_fall_below_the_floor_the_history_shows() -> None:
    # 1% of 1,000 rows asks for 10, but the experiment kept 100 (exp.sample's min_rows).
    points = [Point(fraction=0.01, rows=100, total_rows=1000, duration=1.0)]
    assert expected_rows(0.02, points) == 100
    assert estimate_duration(0.02, points) == pytest.approx(1.0)
    assert expected_rows(0.5, points) == 500


def test_several_sizes_fit_a_power_law_of_the_rows() -> None:
    points = [
        Point(0.2, 200, 1000, 5.0),
        Point(0.1, 100, 1000, 3.2),
        Point(0.1, 100, 1000, 2.8),  # one size's durations are averaged: 3.0
    ]
    exponent = math.log(5.0 / 3.0) / math.log(2)
    assert estimate_duration(0.5, points) == pytest.approx(3.0 * 5**exponent)
    assert estimate_duration(1.0, points) == pytest.approx(3.0 * 10**exponent)


def test_a_quadratic_cost_is_extrapolated_as_quadratic() -> None:
    points = [Point(0.1, 100, 1000, 1.0), Point(0.2, 200, 1000, 4.0), Point(0.4, 400, 1000, 16.0)]
    assert estimate_duration(1.0, points) == pytest.approx(100.0)


def test_durations_that_do_not_grow_give_a_constant() -> None:
    points = [Point(0.2, 200, 1000, 3.0), Point(0.1, 100, 1000, 5.0)]
    # The exponent is kept at 0: the geometric mean of the two durations, at any size.
    assert estimate_duration(0.15, points) == pytest.approx(math.sqrt(15.0))
    assert estimate_duration(1.0, points) == pytest.approx(math.sqrt(15.0))


def test_experiments_that_do_not_sample_scale_by_fraction() -> None:
    points = [Point(0.1, None, None, 4.0)]
    assert estimate_duration(0.05, points) == pytest.approx(2.0)


@given(
    st.lists(
        st.tuples(
            st.integers(1, 1000),
            st.floats(0.0, 1e4, allow_nan=False),
        ),
        min_size=1,
        max_size=6,
    ),
    st.floats(0.001, 1.0),
    st.floats(0.001, 1.0),
)
def test_the_estimate_is_never_negative_and_grows_with_the_sample(
    history: list[tuple[int, float]], smaller: float, larger: float
) -> None:
    smaller, larger = sorted((smaller, larger))
    points = [Point(rows / 1000, rows, 1000, duration) for rows, duration in history]
    low, high = estimate_duration(smaller, points), estimate_duration(larger, points)
    assert low is not None and high is not None
    assert 0 <= low <= high + 1e-9 * max(1.0, high)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.004, "0.00s"), (2.0, "2.00s"), (12.34, "12.3s"), (245, "4m 05s"), (7380, "2h 03m")],
)
def test_durations_read_naturally(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


# -- the plan on the command line ------------------------------------------------------------

STUDY = """

import pytest

@pytest.mark.question("Is the model accurate?")
@pytest.mark.expect(">= 0.9")
def exp_accuracy(exp):
    Path("ran").write_text("")
    return 0.95

@pytest.mark.question("Which depth is best?")
@pytest.mark.sample(0.5)
def exp_depth(exp):
    Path("ran").write_text("")
    return 3

@pytest.mark.question("Is it new?")
def exp_new(exp):
    Path("ran").write_text("")
    return 1

def test_unit():
    Path("ran").write_text("")
"""


def run_info(uid: str, started: float) -> RunInfo:
    return RunInfo(uid, started, "pytest", {}, None, None, None, "box", "3.11.7", {})


def result(
    nodeid: str, fraction: float, rows: int, duration: float, **more: object
) -> dict[str, object]:
    return {
        "nodeid": f"test_study.py::{nodeid}",
        "question": None,
        "expectation": None,
        "fraction": fraction,
        "seed": 0,
        "rows": rows,
        "total_rows": 1000,
        "duration": duration,
        "status": "answered",
        **more,
    }


@pytest.fixture
def lab(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project whose journal has two runs of two of its three experiments."""
    pytester.makepyfile(test_study=STUDY)
    with open_journal(pytester.path / ".experiments" / "journal.sqlite") as journal:
        first = journal.start_run(run_info("1" * 32, 1_763_629_200.0))
        journal.add_result(first, result("exp_depth", 0.1, 100, 3.2, answer=4), "master")
        journal.add_result(first, result("exp_depth_gone", 0.1, 100, 9.0), "master")
        journal.finish_run(first, 0)
        second = journal.start_run(run_info("2" * 32, 1_763_715_600.0))
        journal.add_result(
            second,
            result(
                "exp_accuracy",
                0.1,
                100,
                2.0,
                status="confirmed",
                answer=0.93,
                answer_text="0.93",
            ),
            "gw0",
        )
        journal.add_result(second, result("exp_depth", 0.1, 100, 2.8, answer=3), "gw1")
        journal.add_result(second, result("exp_depth", 0.2, 200, 5.0), "gw1")  # ignored: a twin
        journal.finish_run(second, 0)
    # A second size for exp_depth, in a third run that crashed on another experiment.
    with open_journal(pytester.path / ".experiments" / "journal.sqlite") as journal:
        third = journal.start_run(run_info("3" * 32, 1_763_802_000.0))
        journal.add_result(third, result("exp_depth", 0.2, 200, 5.0, answer_text="3"), "gw0")
        journal.add_crash(third, result("exp_accuracy", 0.5, 500, 0.0), "worker died", "gw1", 1.0)
    # The write API stamps "now" as the end; these runs took 10 s each.
    db = sqlite3.connect(pytester.path / ".experiments" / "journal.sqlite")
    with db:
        db.execute("UPDATE runs SET finished = started + 10 WHERE finished IS NOT NULL")
    db.close()
    return pytester


def runs_in(pytester: pytest.Pytester) -> int:
    db = sqlite3.connect(pytester.path / ".experiments" / "journal.sqlite")
    try:
        return int(db.execute("SELECT count(*) FROM runs").fetchone()[0])
    finally:
        db.close()


def test_the_plan_lists_every_experiment_with_its_last_answer_and_cost(
    lab: pytest.Pytester,
) -> None:
    result = lab.runpytest("--exp-plan")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*= experiment plan =*",
            "journal: .experiments/journal.sqlite",
            "test_study.py::exp_accuracy",
            "    question:  Is the model accurate?",
            "    expected:  >= 0.9",
            "    last:      crashed at 50% (run 3, 2025-11-*)",
            "    error:     worker died",
            "    time:      last 1.00s at 50%; about 2.00s at 10%",
            "test_study.py::exp_depth",
            "    question:  Which depth is best?",
            "    expected:  (no expectation: the answer is recorded)",
            "    last:      answered, answer 3 at 20% (run 3, 2025-11-*)",
            # (100 rows, 3.0s) and (200 rows, 5.0s): 3.0 * 5 ** log2(5/3)
            "    time:      last 5.00s at 20%; about 9.82s at 50%",
            "test_study.py::exp_new",
            "    question:  Is it new?",
            "    expected:  (no expectation: the answer is recorded)",
            "    last:      never run",
            "    time:      unknown at 10% (guess 5.91s: median of 2 experiments in test_study.py)",
            "*-----*",
            "3 experiments at sample 10% (default*), seed 0: about 11.8s of experiment time "
            "+ 1 never timed (guessed 5.91s)",
            "wall-clock in one process: about 17.7s",
            # Run 1 (one process, 10 s) spent 12.2 s in experiments: no overhead left.
            "    start-up and fixtures: about 0.00s (median of 1 past run)",
            "    1 plain test: time unknown (no recent run timed any; not counted)",
            "    1 experiment never timed: guessed 5.91s in all",
            # exp_depth in run 2: estimated 3.2s from run 1, took 2.8s.
            "past estimates: experiments within 14% (median of 1)",
            "*= no tests ran in *",
        ]
    )
    assert not (lab.path / "ran").exists(), "planning runs nothing"
    assert runs_in(lab) == 3, "planning records no run"


def test_the_plan_estimates_for_the_sample_asked_for(lab: pytest.Pytester) -> None:
    result = lab.runpytest("--exp-plan", "--sample", "0.5")
    result.stdout.fnmatch_lines(
        [
            "    time:      last 1.00s at 50%; about 10.0s at 50%",
            "    time:      last 5.00s at 20%; about 9.82s at 50%",
            "    time:      unknown at 50% (guess 9.91s: median of 2 experiments in *",
            "3 experiments at sample 50%*: about 19.8s of experiment time + 1 never timed "
            "(guessed 9.91s)",
        ]
    )


def test_the_plan_under_xdist_starts_no_workers(lab: pytest.Pytester) -> None:
    result = lab.runpytest_subprocess("-p", "no:cacheprovider", "--exp-plan", "--full", "-n", "2")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "    time:      last 1.00s at 50%; about 20.0s at 100%",
            "    time:      last 5.00s at 20%; about 16.4s at 100%",
            "    time:      unknown at 100% (guess 18.2s: median of 2 experiments in *",
            "3 experiments at full data*: about 36.4s of experiment time + 1 never timed "
            "(guessed 18.2s)",
            # 20s on one worker, 18.2s + 16.4s on the other, after the 7.2s that run 2 (on two
            # workers, 10 s for 2.8 s of experiments on its busiest) spent outside experiments.
            "wall-clock on 2 workers, longest first: about 41.8s",
            "    start-up and fixtures: about 7.20s (median of 1 past run)",
        ]
    )
    output = result.stdout.str()
    assert "bringing up nodes" not in output and "created:" not in output
    assert not (lab.path / "ran").exists()
    assert runs_in(lab) == 3


def test_a_plan_without_a_journal_knows_no_times_and_creates_none(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_study=STUDY)
    result = pytester.runpytest("--exp-plan", "-k", "accuracy or new")
    result.stdout.fnmatch_lines(
        [
            "journal: none yet at .experiments/journal.sqlite",
            "test_study.py::exp_accuracy",
            "*last:      never run",
            "test_study.py::exp_new",
            "2 experiments at sample 10%*: time unknown (never run; guessed 20.0s)",
            "wall-clock in one process: about 20.0s",
            "    start-up and fixtures: unknown until a run finishes (not counted)",
            "    2 experiments never timed: guessed 20.0s in all",
        ]
    )
    assert "exp_depth" not in result.stdout.str()
    assert not (pytester.path / ".experiments").exists()


def test_a_damaged_journal_stops_the_plan_with_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_study=STUDY)
    (pytester.path / "lab.sqlite").write_bytes(b"not a database" * 500)
    result = pytester.runpytest("--exp-plan", "--journal=lab.sqlite")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: *lab.sqlite is not a readable journal (file is not*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_collection_errors_stop_the_plan_like_a_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_study=STUDY, test_broken="def test_x(:\n")
    result = pytester.runpytest("--exp-plan")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*Interrupted: 1 error during collection*"])
    assert "experiment plan" not in result.stdout.str()


def test_an_auto_sample_shows_its_first_look_and_its_worst_case(lab: pytest.Pytester) -> None:
    result = lab.runpytest("--exp-plan", "--sample", "auto")
    result.stdout.fnmatch_lines(
        [
            # 10%, 40% (x4 per look), then 100% of 1,000 rows at 2s per 100 rows
            "    time:      last 1.00s at 50%; about 2.00s at 10% (auto: up to 30.0s if it grows "
            "to 100%)",
            # the @sample(0.5) marker is where auto starts, past the last partial look: 100%
            "    time:      last 5.00s at 20%; about 16.4s at 100% (auto: up to 16.4s if it grows "
            "to 100%)",
            # the guess for a never-run experiment is for all its looks, like the budget's
            "    time:      unknown at 10% (auto: guess up to 23.2s: median of 2 experiments in "
            "test_study.py)",
            "*-----*",
            "3 experiments at sample auto*: about 18.4s of experiment time (auto: up to 46.4s)"
            " + 1 never timed (guessed 23.2s)",
        ]
    )
