"""``--exp-shard K/N``: the shards of a selection hold every experiment exactly once, cut the
same way on every machine and on a retry, balanced by the runtime model, and say in the journal
which shard of which batch they are."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_experiments.offsite.partition import parse_shard, partition, shard_loads

SUITE = """
import time

import pytest


def test_plain_one():
    pass


def test_plain_two():
    pass


@pytest.mark.question("How long does {n} take?")
@pytest.mark.expect(">= 0")
@pytest.mark.parametrize("n", range(9))
def exp_wait(exp, n):
    time.sleep(0.02 * n)
    return n
"""


def kept(pytester: pytest.Pytester, *args: str) -> list[str]:
    """The node ids a shard run kept (``--co`` lists them without running)."""
    result = pytester.runpytest("-p", "no:randomly", "--co", "-q", *args)
    assert result.ret == 0, result.stdout.str()
    return [line for line in result.outlines if "::" in line]


def shard_row(journal: Path) -> dict[str, object]:
    with sqlite3.connect(journal) as connection:
        rows = connection.execute("SELECT shard FROM runs ORDER BY id").fetchall()
    assert rows and rows[-1][0] is not None
    return dict(json.loads(rows[-1][0]))


# -- the rule --------------------------------------------------------------------------------


@given(
    st.lists(st.floats(min_value=0.0, max_value=1e4, allow_nan=False), max_size=60),
    st.integers(min_value=1, max_value=9),
)
def test_partition_is_deterministic_and_within_the_greedy_bound(costs: list[float], n: int) -> None:
    assigned = partition(costs, n)
    assert assigned == partition(list(costs), n)
    assert all(0 <= shard < n for shard in assigned)
    if costs:
        # Any greedy list schedule ends by the mean load plus the longest job (Graham 1966);
        # LPT's tighter 4/3 bound is against the unknown optimum.
        loads = shard_loads(costs, assigned, n)
        assert max(loads) <= sum(costs) / n + max(costs) + 1e-6


def test_equal_costs_are_dealt_out_in_collection_order() -> None:
    assert partition([1.0] * 7, 3) == [0, 1, 2, 0, 1, 2, 0]


def test_longest_first_balances_uneven_costs() -> None:
    costs = [8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]
    loads = shard_loads(costs, partition(costs, 3), 3)
    # dealing them out in order would give 15, 12, 9
    assert sorted(loads) == [11.0, 12.0, 13.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0/3", "K must be between 1 and N"),
        ("4/3", "K must be between 1 and N"),
        ("3", "takes K/N"),
        ("a/b", "takes K/N"),
        ("1/0", "K must be between 1 and N"),
    ],
)
def test_bad_shard_is_one_line_that_says_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_shard(text)


def test_bad_shard_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("--exp-shard", "4/3")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--exp-shard*K must be between 1 and N*"])
    assert "INTERNALERROR" not in result.stderr.str() + result.stdout.str()


def test_shards_without_plan_say_what_to_write(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("--exp-shards", "3")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*write --exp-shard K/N*"])


def test_shard_without_journal_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("--exp-shard", "1/2", "--no-journal")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*drop --no-journal*"])


# -- the cut -----------------------------------------------------------------------------------


def test_shards_hold_every_experiment_exactly_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    everything = kept(pytester)
    shards = [kept(pytester, f"--exp-shard={k}/4") for k in range(1, 5)]
    experiments = [nodeid for shard in shards for nodeid in shard if "::exp_" in nodeid]
    assert sorted(experiments) == sorted(n for n in everything if "::exp_" in n)
    assert len(experiments) == len(set(experiments)) == 9
    # plain tests in shard 1 only, by default
    assert [n for n in shards[0] if "::test_" in n] == [n for n in everything if "::test_" in n]
    assert not any("::test_" in nodeid for shard in shards[1:] for nodeid in shard)


@pytest.mark.parametrize(("mode", "copies"), [("all", 3), ("split", 1)])
def test_plain_tests_in_every_shard_or_split(
    pytester: pytest.Pytester, mode: str, copies: int
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    shards = [kept(pytester, f"--exp-shard={k}/3", f"--exp-shard-tests={mode}") for k in (1, 2, 3)]
    tests = [nodeid for shard in shards for nodeid in shard if "::test_" in nodeid]
    assert len(tests) == 2 * copies and len(set(tests)) == 2


def test_shards_follow_selection_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    shards = [kept(pytester, f"--exp-shard={k}/2", "-k", "exp_wait and not 8") for k in (1, 2)]
    assert sorted(shards[0] + shards[1]) == sorted(kept(pytester, "-k", "exp_wait and not 8"))


def test_a_shard_runs_and_says_which_it_is(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("-p", "no:randomly", "--exp-shard=2/3", "--journal=s2.sqlite")
    assert result.ret == 0, result.stdout.str()
    info = shard_row(pytester.path / "s2.sqlite")
    assert info["index"] == 2 and info["count"] == 3
    assert info["selected"] == 9 and info["assigned"] == 3
    assert isinstance(info["batch"], str) and isinstance(info["partition"], str)
    result.assert_outcomes(deselected=8)


def test_an_empty_shard_still_writes_its_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_suite="""
        import pytest

        @pytest.mark.question("One?")
        def exp_one(exp):
            return 1
        """
    )
    result = pytester.runpytest("--exp-shard=2/2", "--journal=s.sqlite")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    info = shard_row(pytester.path / "s.sqlite")
    assert info["assigned"] == 0 and info["selected"] == 1


def _timed_history(pytester: pytest.Pytester) -> Path:
    """A journal whose history says the experiments take very different times."""
    result = pytester.runpytest("-p", "no:randomly", "--journal=history.sqlite")
    assert result.ret == 0, result.stdout.str()
    return pytester.path / "history.sqlite"


def test_the_cut_is_the_same_on_another_machine(
    pytester: pytest.Pytester,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    history = _timed_history(pytester)
    here = [kept(pytester, f"--exp-shard={k}/3", f"--exp-history={history}") for k in (1, 2, 3)]
    # Another checkout in another directory, with a copy of the journal.
    elsewhere = tmp_path_factory.mktemp("machine-b")
    shutil.copy(pytester.path / "test_suite.py", elsewhere / "test_suite.py")
    shutil.copy(history, elsewhere / "copy.sqlite")
    (elsewhere / "pytest.ini").write_text("[pytest]\n")
    monkeypatch.chdir(elsewhere)
    there = [kept(pytester, f"--exp-shard={k}/3", "--exp-history=copy.sqlite") for k in (1, 2, 3)]
    assert here == there
    together = [nodeid for shard in here for nodeid in shard]
    assert len(together) == len(set(together))


def test_the_cut_balances_by_the_history(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    _timed_history(pytester)
    journal = pytester.path / "history.sqlite"
    shards = [kept(pytester, f"--exp-shard={k}/3", f"--journal={journal}") for k in (1, 2, 3)]
    # times n x 20 ms, n = 0..8: longest first gives sums 13, 12, 11 (collection order would
    # give 9, 12, 15)
    sums = [sum(int(n.split("[")[1].rstrip("]")) for n in shard if "exp_" in n) for shard in shards]
    assert max(sums) - min(sums) <= 3, sums


def test_a_retry_into_its_own_journal_is_cut_as_before(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    _timed_history(pytester)
    journal = pytester.path / "history.sqlite"
    first = kept(pytester, "--exp-shard=2/3", f"--journal={journal}")
    result = pytester.runpytest("-p", "no:randomly", "--exp-shard=2/3", f"--journal={journal}")
    assert result.ret == 0
    # its own results (slower or faster than the history) do not move the cut
    assert kept(pytester, "--exp-shard=2/3", f"--journal={journal}") == first


def test_shard_under_xdist_keeps_the_same_experiments(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    alone = [n for n in kept(pytester, "--exp-shard=1/2") if "::exp_" in n]
    result = pytester.runpytest_subprocess(
        "-p", "no:randomly", "-n", "2", "--exp-shard=1/2", "--journal=x.sqlite", "-v"
    )
    assert result.ret == 0, result.stdout.str()
    with sqlite3.connect(pytester.path / "x.sqlite") as connection:
        ran = sorted(row[0] for row in connection.execute("SELECT nodeid FROM results"))
    assert ran == sorted(alone)
    assert shard_row(pytester.path / "x.sqlite")["assigned"] == len(alone)


def test_plan_shows_each_shard(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    _timed_history(pytester)
    result = pytester.runpytest(
        "-p", "no:randomly", "--exp-plan", "--exp-shards=3", "--journal=history.sqlite"
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*3 shards, longest first over the estimates*",
            "shard 1/3: * experiments + 2 plain tests, about *",
            "shard 2/3: * experiments, about *",
            "shard 3/3: * experiments, about *",
            "longest shard *x the mean shard*",
        ]
    )
    # How many each shard gets follows the measured times; together they hold all nine.
    sizes = [
        int(line.split(": ", 1)[1].split(" ", 1)[0])
        for line in result.stdout.lines
        if line.startswith("shard ")
    ]
    assert len(sizes) == 3 and sum(sizes) == 9
