"""The runtime model: what an experiment and a batch should take, and how good that was."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from downtime_fixtures import T0, PastRun, Timed, timed_history
from hypothesis import given
from hypothesis import strategies as st

from pytest_experiments.downtime import runtime
from pytest_experiments.downtime.runtime import (
    DEFAULT_GUESS,
    History,
    Point,
    accuracy_line,
    guess,
    in_order,
    load_history,
    longest_first,
    look_seconds,
    past_accuracy,
    plan_estimate,
    points_from,
    run_overhead,
    seconds_per_test,
    spread,
    typical_overhead,
    wall_clock,
)
from pytest_experiments.notebook.journal import open_journal

# -- one experiment ----------------------------------------------------------------------------


def test_failures_and_reused_results_do_not_time_an_experiment(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    timed_history(
        path,
        [
            PastRun([Timed("t.py::exp_a", 2.0)]),
            PastRun([Timed("t.py::exp_a", 0.1, status="failed")]),
            PastRun([Timed("t.py::exp_a", 0.2, status="crashed")]),
        ],
    )
    with open_journal(path) as journal:
        rows = journal.history("t.py::exp_a")
    # A reused answer costs next to nothing: its duration says nothing about the experiment.
    reused = dataclasses.replace(rows[0], data={"reused_from": 1})
    assert [point.duration for point in points_from([reused, *rows])] == [2.0]


def test_auto_budgets_a_smaller_look_by_its_look_and_checks_and_all_the_data_by_its_look(
    tmp_path: Path,
) -> None:
    # A 0.2 run whose look took 4 ms and whose checks 30 ms: a whole call's duration would have
    # extrapolated this millisecond experiment to seconds (as it did on the verdicts benchmark).
    path = tmp_path / "j.sqlite"
    timed_history(path, [PastRun([Timed("t.py::exp_a", 0.034)])])
    with open_journal(path) as journal:
        (row,) = journal.history("t.py::exp_a")
    looked = dataclasses.replace(row, data={**row.data, "look_seconds": [[0.2, 0.004, 0.03]]})
    assert [(p.duration, p.look, p.checks) for p in points_from([looked, row])] == [
        (0.034, 0.004, 0.03),
        (0.034, None, None),  # journaled before looks were timed
    ]
    points = [
        Point(0.05, 1000, 20_000, 0.5, 0.2, 0.3),  # checks dearer than the look: as measured
        Point(0.2, 4000, 20_000, 1.0, 0.4, 0.1),  # checks cheap: twice the look at least
        Point(1.0, 20_000, 20_000, 5.0, 4.0, 0.0),
    ]
    assert look_seconds(1.0, points) == pytest.approx(4.0)  # the look alone, not the call
    assert look_seconds(0.05, points) == pytest.approx(0.5)
    assert look_seconds(0.2, points) == pytest.approx(0.8)


def test_auto_budgets_by_timed_looks_only_never_extrapolating_up() -> None:
    # Without a look on all the data there is no budget: extrapolating a capped learner's
    # 5 % -> 20 % slope predicted 57 s for a 3.5 s look.
    samples = [
        Point(0.05, 1000, 20_000, 0.4, 0.2, 0.2),
        Point(0.2, 4000, 20_000, 3.2, 1.5, 1.5),
    ]
    assert look_seconds(1.0, samples) is None and look_seconds(0.05, samples) is None
    points = [*samples, Point(1.0, 20_000, 20_000, 3.6, 3.5, 0.0)]
    assert look_seconds(1.0, points) == pytest.approx(3.5)
    assert look_seconds(0.05, points) == pytest.approx(0.4)
    # between timed sizes: the power law through its neighbours
    assert look_seconds(0.1, points) == pytest.approx(0.4 * (3.0 / 0.4) ** 0.5)
    # below the smallest timed size a look costs what that size did: fixed costs stay
    assert look_seconds(0.01, points) == pytest.approx(0.4)
    # with the full-data look alone every smaller look may cost as much as it
    assert look_seconds(0.05, points[2:]) == pytest.approx(3.5)
    # a smaller look timed dearer than a larger one (noise) is capped by the larger
    noisy = [Point(0.05, 1000, 20_000, 5.0, 2.5, 2.5), *points[1:]]
    assert look_seconds(0.05, noisy) == pytest.approx(3.0)
    # experiments that never sample are sized by their fraction; old rows by their duration
    unsized = [Point(0.1, None, None, 1.0), Point(1.0, None, None, 10.0)]
    assert look_seconds(1.0, unsized) == 10.0 and look_seconds(0.05, unsized) == 1.0


def test_auto_estimates_its_first_look_and_all_of_them() -> None:
    points = [Point(0.1, 100, 1000, 1.0)]
    assert plan_estimate((0.1,), points) == (1.0, 1.0)
    first, whole = plan_estimate((0.25, 0.5, 1.0), points)
    assert first == pytest.approx(2.5)
    assert whole == pytest.approx(2.5 + 5.0 + 10.0)
    assert plan_estimate((0.1, 1.0), []) == (None, None)


def test_a_never_timed_experiment_is_guessed_from_the_most_similar_ones() -> None:
    known = {
        "a.py::exp_grid[1]": 4.0,
        "a.py::exp_grid[2]": 8.0,
        "a.py::exp_other": 100.0,
        "b.py::exp_far": 1.0,
    }
    assert guess("a.py::exp_grid[3]", known) == (
        6.0,
        "median of 2 other parameter sets of exp_grid[...]",
    )
    assert guess("a.py::exp_new", known) == (8.0, "median of 3 experiments in a.py")
    assert guess("c.py::exp_new", known) == (6.0, "median of 4 experiments in this batch")
    assert guess("c.py::exp_new", {}) == (
        DEFAULT_GUESS,
        "default: nothing comparable was ever timed",
    )


# -- a batch on N workers ------------------------------------------------------------------------


def test_longest_first_hands_each_experiment_to_the_first_free_worker() -> None:
    assert longest_first([1, 8, 2, 3, 6], 2) == [10.0, 10.0]  # 8+2 | 6+3+1
    assert longest_first([5, 1], 3) == [5.0, 1.0, 0.0]
    assert longest_first([], 2) == [0.0, 0.0]
    # In collection order the long one starts last, after two short ones on its worker.
    assert in_order([1, 1, 1, 1, 8], 2) == 10.0
    assert in_order([8, 1, 1, 1, 1], 2) == 8.0


def test_small_tests_fill_the_gaps_before_they_lengthen_the_batch() -> None:
    assert spread([5.0, 1.0], 3.0) == 5.0  # they fit beside the long experiment
    assert spread([5.0, 1.0], 6.0) == 6.0  # 4 s fill the gap, 2 s split over both
    assert spread([2.0, 2.0], 0.0) == 2.0
    assert spread([], 3.0) == 0.0
    assert wall_clock([4.0, 1.0], 2, tests=1.0, overhead=2.5) == 6.5


@given(
    st.lists(st.floats(0, 1e4, allow_nan=False), max_size=30),
    st.integers(1, 8),
    st.floats(0, 1e4, allow_nan=False),
)
def test_the_batch_estimate_respects_the_obvious_bounds(
    costs: list[float], workers: int, tests: float
) -> None:
    loads = longest_first(costs, workers)
    assert len(loads) == workers
    assert sum(loads) == pytest.approx(sum(costs))
    biggest = max(costs, default=0.0)
    # Never shorter than the longest experiment or a perfect split; longest first is within
    # one experiment of the perfect split.
    assert max(loads) >= max(biggest, sum(costs) / workers) - 1e-6
    assert max(loads) <= sum(costs) / workers + biggest + 1e-6
    wall = wall_clock(costs, workers, tests=tests)
    assert wall >= max(max(loads), (sum(costs) + tests) / workers) - 1e-6
    assert wall <= max(loads) + tests + 1e-6


# -- what the journal knew -----------------------------------------------------------------------


def test_rows_written_after_the_run_started_are_not_known(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    timed_history(
        path,
        [PastRun([Timed("t.py::exp_a", 2.0)]), PastRun([Timed("t.py::exp_a", 9.0)])],
    )
    with open_journal(path) as journal:
        everything = load_history(journal, ["t.py::exp_a"])
        before_second = load_history(journal, ["t.py::exp_a"], before=T0 + 86_400.0)
    assert [point.duration for point in everything.points("t.py::exp_a")] == [9.0, 2.0]
    assert [point.duration for point in before_second.points("t.py::exp_a")] == [2.0]
    assert [run.id for run in before_second.runs] == [1]


def test_overhead_is_what_a_run_took_beyond_its_busiest_worker(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    timed_history(
        path,
        [
            # One process: 3 s of experiments, 1 s of plain tests, 6 s in all.
            PastRun([Timed("t.py::exp_a", 3.0)], wall=6.0, tests=10, tests_seconds=1.0),
            # Two workers, 3 s and 2 s busy, 2 s of tests spread: 3.5 s, in 10 s.
            PastRun(
                [Timed("t.py::exp_a", 3.0, worker="gw0"), Timed("t.py::exp_b", 2.0, worker="gw1")],
                wall=10.0,
                tests=20,
                tests_seconds=2.0,
            ),
        ],
    )
    with open_journal(path) as journal:
        history = load_history(journal, [])
    (two, one) = history.runs
    assert run_overhead(one, history.run_results[one.id]) == pytest.approx(2.0)
    assert run_overhead(two, history.run_results[two.id]) == pytest.approx(6.5)
    assert typical_overhead(history, 1) == (pytest.approx(2.0), 1)
    assert typical_overhead(history, 2) == (pytest.approx(6.5), 1)
    assert typical_overhead(history, 8) == (pytest.approx(4.25), 2)  # none on 8: all runs
    assert seconds_per_test(history) == pytest.approx(0.1)  # the newest run: 2 s / 20
    assert typical_overhead(History(), 2) is None
    assert seconds_per_test(History()) is None


# -- how good past estimates were ----------------------------------------------------------------


def test_past_estimates_are_checked_against_what_each_run_took(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    timed_history(
        path,
        [
            PastRun([Timed("t.py::exp_a", 2.0)], wall=2.5),
            PastRun([Timed("t.py::exp_a", 2.0)], wall=2.5),  # estimated 2.0 + 0.5: exact
            PastRun([Timed("t.py::exp_a", 3.0)], wall=3.5),  # estimated 2.0 + 0.5 for 3.5
            PastRun([Timed("t.py::exp_a", 0.05)], wall=0.5),  # too short to judge an estimate
        ],
    )
    with open_journal(path) as journal:
        accuracy = past_accuracy(journal)
    # Experiments: 0 % and 33 %; runs: 0 %, 29 %, and the last at 2.83 s for 0.5 s (467 %).
    assert accuracy.experiments == 2
    assert accuracy.experiment_error == pytest.approx((0 + 1 / 3) / 2)
    assert accuracy.runs == 3
    assert accuracy.run_error == pytest.approx(1 / 3.5)
    assert accuracy_line(accuracy) == (
        "past estimates: experiments within 17% (median of 2), whole runs within 29% (median of 3)"
    )


def test_without_earlier_history_there_is_nothing_to_check(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    timed_history(path, [PastRun([Timed("t.py::exp_a", 2.0)])])
    with open_journal(path) as journal:
        accuracy = past_accuracy(journal)
    assert (accuracy.experiments, accuracy.runs) == (0, 0)
    assert accuracy_line(accuracy) == (
        "past estimates: none to check yet (they need runs with earlier history)"
    )


def test_the_overhead_comes_from_runs_on_as_many_workers_even_if_older(tmp_path: Path) -> None:
    # One run on two workers, then six quick serial runs of a subdirectory: the plan for -n 2
    # still uses the two-worker run's start-up, not the serial runs'.
    path = tmp_path / "j.sqlite"
    two = PastRun(
        [Timed("t.py::exp_a", 3.0, worker="gw0"), Timed("t.py::exp_b", 2.0, worker="gw1")],
        wall=10.0,
        tests=20,
        tests_seconds=2.0,
    )
    serial = [PastRun([Timed("s.py::exp_c", 0.1)], wall=0.2) for _ in range(6)]
    timed_history(path, [two, *serial])
    with open_journal(path) as journal:
        history = load_history(journal, [])
    assert typical_overhead(history, 2) == (pytest.approx(6.5), 1)
    assert typical_overhead(history, 1) == (pytest.approx(0.1), 5)  # the newest five
    assert seconds_per_test(history) == pytest.approx(0.1)  # older than the last five runs


def test_sizes_too_close_to_fit_an_exponent_scale_in_proportion() -> None:
    # 100 and 114 rows timed at 0.30 s and 0.45 s: fitted, the exponent would be about 3 and
    # all 1,000 rows would take minutes; proportional scaling says about 3.3 s.
    points = [Point(0.1, 100, 1000, 0.30), Point(0.114, 114, 1000, 0.45)]
    estimate = runtime.estimate_duration(1.0, points)
    assert estimate is not None and 2.5 < estimate < 4.5
    spread = [Point(0.1, 100, 1000, 0.1), Point(0.4, 400, 1000, 1.6)]  # quadratic, 4x apart
    quadratic = runtime.estimate_duration(1.0, spread)
    assert quadratic is not None and quadratic == pytest.approx(10.0, rel=0.01)
