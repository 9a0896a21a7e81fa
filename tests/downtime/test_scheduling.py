"""Longest first under xdist: the collection order that starts the longest experiments first."""

from __future__ import annotations

from pathlib import Path

import pytest
from downtime_fixtures import PastRun, Timed, timed_history

from pytest_experiments.downtime.scheduling import (
    arrange,
    fill,
    initial_blocks,
    longest_first,
    reorders,
)

# -- the order -----------------------------------------------------------------------------------


def test_experiments_go_longest_first_and_plain_tests_after_them() -> None:
    nodeids = ["t.py::test_x", "t.py::exp_short", "t.py::exp_long", "t.py::test_y", "t.py::exp_mid"]
    costs = {"t.py::exp_short": 1.0, "t.py::exp_long": 9.0, "t.py::exp_mid": 4.0}
    assert longest_first(nodeids, costs) == [2, 4, 1, 0, 3]


def test_the_first_blocks_are_the_ones_xdist_forms() -> None:
    # worksteal: N contiguous blocks covering everything
    assert initial_blocks("worksteal", 7, 2, None) == [3, 4]
    # load: fewer than 2N items are dealt one by one; else blocks of max(2, n // N // 4)
    assert initial_blocks("load", 3, 2, None) == [1, 1, 1]
    assert initial_blocks("load", 12, 2, None) == [2, 2]
    assert initial_blocks("load", 400, 2, None) == [50, 50]
    assert initial_blocks("load", 400, 2, 10) == [10, 10]  # --maxschedchunk


def test_blocks_are_filled_longest_first_to_the_least_loaded() -> None:
    costs = [10.0, 3.0, 2.5, 2.0, 1.5, 1.0, 0.0]
    # 10 | 3 + 2.5 + 2 + 1.5 + 1 = 10, then the block with room takes the plain test.
    assert fill([0, 1, 2, 3, 4, 5, 6], [3, 4], costs) == [0, 5, 6, 1, 2, 3, 4]
    # Blocks full: the rest follows in order.
    assert fill([0, 1, 2, 3, 4], [1, 1], costs) == [0, 1, 2, 3, 4]
    assert fill([], [2, 2], costs) == []


def test_arrangements_for_each_dist_mode() -> None:
    nodeids = [f"a.py::exp_{n}" for n in "abcd"] + ["b.py::test_unit"]
    costs = {"a.py::exp_a": 1.0, "a.py::exp_b": 2.0, "a.py::exp_c": 3.0, "a.py::exp_d": 4.0}
    # worksteal, 5 items on 2 workers: blocks of 2 and 3: d (4) and a (1) | c (3), b (2), unit
    assert arrange(nodeids, costs, "worksteal", 2) == [3, 0, 2, 1, 4]
    # load: first blocks of 2: d, a | c, b; the unit test is sent to whoever finishes first
    assert arrange(nodeids, costs, "load", 2) == [3, 0, 2, 1, 4]
    # loadscope: whole modules, the costliest first
    assert arrange(nodeids, costs, "loadscope", 2) == [3, 2, 1, 0, 4]
    assert arrange(list(reversed(nodeids)), costs, "loadfile", 2) == [1, 2, 3, 4, 0]
    # nothing to gain: each, no xdist, one worker
    for dist, workers in (("each", 2), ("no", 1), ("worksteal", 1)):
        assert not reorders(dist, workers)
        assert arrange(nodeids, costs, dist, workers) == [0, 1, 2, 3, 4]


# -- under xdist ---------------------------------------------------------------------------------

STUDY = """
import os
from pathlib import Path

import pytest

def log(name):
    with open(os.environ["ORDER_LOG"], "a") as handle:
        handle.write(f"{os.environ['PYTEST_XDIST_WORKER']} {name}\\n")

@pytest.mark.question("How long?")
def exp_10(exp):
    log("exp_10")
    return 10

@pytest.mark.question("How long?")
def exp_20(exp):
    log("exp_20")
    return 20

@pytest.mark.question("How long?")
def exp_30(exp):
    log("exp_30")
    return 30

@pytest.mark.question("How long?")
def exp_40(exp):
    log("exp_40")
    return 40
"""


@pytest.fixture
def uneven(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """Four experiments collected shortest first; the journal says they take 10-40 s."""
    pytester.makepyfile(test_study=STUDY)
    timed_history(
        pytester.path / ".experiments" / "journal.sqlite",
        [PastRun([Timed(f"test_study.py::exp_{n}", float(n)) for n in (10, 20, 30, 40)])],
    )
    monkeypatch.setenv("ORDER_LOG", str(pytester.path / "order.log"))
    return pytester


def worker_sequences(log: Path) -> list[list[str]]:
    sequences: dict[str, list[str]] = {}
    for line in log.read_text().splitlines():
        worker, name = line.split()
        sequences.setdefault(worker, []).append(name)
    return sorted(sequences.values())


@pytest.mark.parametrize("dist", ["worksteal", "load"])
def test_under_xdist_the_longest_experiments_start_first_on_different_workers(
    uneven: pytest.Pytester, dist: str
) -> None:
    result = uneven.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--dist", dist)
    assert result.parseoutcomes() == {"answered": 4}
    # 40 + 10 | 30 + 20: the longest start first, on different workers, and the blocks balance.
    assert worker_sequences(uneven.path / "order.log") == [
        ["exp_30", "exp_20"],
        ["exp_40", "exp_10"],
    ]


def test_collection_order_is_kept_when_asked(uneven: pytest.Pytester) -> None:
    result = uneven.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--dist", "worksteal", "--exp-order", "collection"
    )
    assert result.parseoutcomes() == {"answered": 4}
    # The two longest queue up behind each other on one worker.
    assert worker_sequences(uneven.path / "order.log") == [
        ["exp_10", "exp_20"],
        ["exp_30", "exp_40"],
    ]


def test_a_bad_order_in_the_ini_file_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_units="def test_a():\n    pass\n")
    result = pytester.runpytest("-o", "experiment_order=fastest")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: ini setting experiment_order got 'fastest'; write one of longest, collection"]
    )
