"""``pytest-experiments merge``: shards' journals become one run, every selected experiment
exactly once, whatever was killed and retried, in whatever order; merging twice changes
nothing; the sources are only read; another project's or a newer journal is refused."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_experiments.commands import main

SUITE = """
import os
import signal
import time

import pytest


def test_plain():
    pass


@pytest.mark.question("Does {n} hold?")
@pytest.mark.expect(">= 0")
@pytest.mark.parametrize("n", range(8))
def exp_value(exp, n):
    if n == 5 and os.path.exists("kill-me"):
        os.remove("kill-me")
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.01)
    return n
"""


Run = Callable[..., pytest.RunResult]


@pytest.fixture
def shard(pytester: pytest.Pytester) -> Run:
    """Runs one shard in a subprocess (a SIGKILL must not take the test run with it)."""
    pytester.makepyfile(test_suite=SUITE)

    def run(index: int, count: int = 3, *extra: str) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            "-p",
            "no:randomly",
            f"--exp-shard={index}/{count}",
            "--exp-batch=night-1",
            f"--journal=shards/{index}.sqlite",
            *extra,
        )

    return run


def merge(pytester: pytest.Pytester, *args: str, target: str = "merged.sqlite") -> int:
    return main(["merge", *args, f"--journal={pytester.path / target}"])


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return list(connection.iterdump())


def results(path: Path) -> dict[str, tuple[str, dict[str, object]]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT nodeid, status, data FROM results").fetchall()
    return {nodeid: (status, json.loads(data)) for nodeid, status, data in rows}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_three_shards_become_one_finished_run(
    pytester: pytest.Pytester, shard: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    for index in (1, 2, 3):
        assert shard(index).ret == 0
    assert merge(pytester, *(f"shards/{k}.sqlite" for k in (1, 2, 3))) == 0
    out = capsys.readouterr().out
    assert "3 of 3 shards finished, 8 results of 8 selected; 8 written" in out
    merged = pytester.path / "merged.sqlite"
    with sqlite3.connect(merged) as connection:
        runs = connection.execute("SELECT uid, finished, exit_status, tests, mode FROM runs")
        ((uid, finished, exit_status, tests, mode),) = runs.fetchall()
        shards = connection.execute("SELECT shard, host, finished FROM shards ORDER BY shard")
        assert [row[0] for row in shards.fetchall()] == [1, 2, 3]
    assert uid == "batch:night-1" and finished is not None and exit_status == 0
    assert tests == 1 and json.loads(mode)["shards"] == 3
    found = results(merged)
    assert sorted(found) == [f"test_suite.py::exp_value[{n}]" for n in range(8)]
    assert {status for status, _ in found.values()} == {"confirmed"}
    assert main(["runs", f"--journal={merged}"]) == 0
    assert "3 shards" in capsys.readouterr().out


def test_merging_twice_changes_nothing_and_sources_are_only_read(
    pytester: pytest.Pytester, shard: Run
) -> None:
    for index in (1, 2, 3):
        assert shard(index).ret == 0
    sources = [pytester.path / f"shards/{k}.sqlite" for k in (1, 2, 3)]
    before = [digest(path) for path in sources]
    assert merge(pytester, *map(str, sources)) == 0
    first = dump(pytester.path / "merged.sqlite")
    assert merge(pytester, *map(str, sources)) == 0
    assert merge(pytester, str(sources[1])) == 0
    assert dump(pytester.path / "merged.sqlite") == first
    assert [digest(path) for path in sources] == before


def test_a_missing_shard_leaves_the_run_unfinished_until_it_comes(
    pytester: pytest.Pytester, shard: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    for index in (1, 2, 3):
        assert shard(index).ret == 0
    assert merge(pytester, "shards/1.sqlite", "shards/3.sqlite") == 0
    assert "not merged yet: shard 2" in capsys.readouterr().out
    merged = pytester.path / "merged.sqlite"
    with sqlite3.connect(merged) as connection:
        assert connection.execute("SELECT finished FROM runs").fetchone()[0] is None
    assert merge(pytester, "shards/2.sqlite") == 0
    with sqlite3.connect(merged) as connection:
        assert connection.execute("SELECT finished FROM runs").fetchone()[0] is not None
    assert len(results(merged)) == 8


def test_a_killed_shard_retried_with_reuse_gives_each_experiment_once(
    pytester: pytest.Pytester, shard: Run
) -> None:
    for index in (1, 2, 3):
        assert shard(index).ret == 0
    owner = next(
        k
        for k in (1, 2, 3)
        if "test_suite.py::exp_value[5]" in results(pytester.path / f"shards/{k}.sqlite")
    )
    # Night 2: the shard holding exp_value[5] is killed there, then run again with --reuse.
    for path in (pytester.path / "shards").iterdir():
        path.unlink()
    (pytester.path / "kill-me").write_text("")
    for index in (1, 2, 3):
        shard(index)
    killed = results(pytester.path / f"shards/{owner}.sqlite")
    assert killed["test_suite.py::exp_value[5]"][0] == "crashed"
    retry = shard(owner, 3, "--reuse")
    assert retry.ret == 0, retry.stdout.str()
    sources = [f"shards/{k}.sqlite" for k in (1, 2, 3)]
    assert merge(pytester, *sources) == 0
    forward = results(pytester.path / "merged.sqlite")
    assert sorted(forward) == [f"test_suite.py::exp_value[{n}]" for n in range(8)]
    assert {status for status, _ in forward.values()} == {"confirmed"}
    # The answers that ran in the killed attempt are kept, not the retry's reused copies.
    with sqlite3.connect(pytester.path / f"shards/{owner}.sqlite") as connection:
        first_uid = connection.execute("SELECT uid FROM runs ORDER BY id").fetchone()[0]
    for nodeid, (_, data) in forward.items():
        if nodeid in killed and killed[nodeid][0] != "crashed":
            assert data["shard"] == {"index": owner, "run": first_uid}
            assert not data.get("reused_from")
    # Merging one by one in the other order gives the same results.
    for source in reversed(sources):
        assert merge(pytester, source, target="backward.sqlite") == 0
    backward = results(pytester.path / "backward.sqlite")
    assert {n: (s, d["shard"]) for n, (s, d) in backward.items()} == {
        n: (s, d["shard"]) for n, (s, d) in forward.items()
    }
    with sqlite3.connect(pytester.path / "merged.sqlite") as connection:
        attempts = connection.execute("SELECT COUNT(*) FROM shards").fetchone()[0]
        exit_status = connection.execute("SELECT exit_status FROM runs").fetchone()[0]
    assert attempts == 4 and exit_status == 0


def test_a_plain_run_is_copied_as_it_was(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    assert pytester.runpytest("-p", "no:randomly", "--journal=other.sqlite").ret == 0
    assert merge(pytester, "other.sqlite") == 0
    assert merge(pytester, "other.sqlite") == 0
    assert "copied run" in capsys.readouterr().out
    assert len(results(pytester.path / "merged.sqlite")) == 8


# -- refusals --------------------------------------------------------------------------------


def test_another_projects_journal_is_refused(
    pytester: pytest.Pytester, shard: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    assert shard(1).ret == 0
    assert merge(pytester, "shards/1.sqlite") == 0
    target = pytester.path / "merged.sqlite"
    with sqlite3.connect(target) as connection:
        connection.execute("UPDATE meta SET value = 'git:0000' WHERE key = 'project'")
    before = dump(target)
    assert shard(2).ret == 0
    assert merge(pytester, "shards/2.sqlite") == 2
    assert "belongs to another project" in capsys.readouterr().err
    assert dump(target) == before


def test_a_newer_journal_is_refused_and_left_as_it_is(
    pytester: pytest.Pytester, shard: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    assert shard(1).ret == 0
    source = pytester.path / "shards/1.sqlite"
    with sqlite3.connect(source) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    before = digest(source)
    assert merge(pytester, str(source)) == 2
    assert "newer" in capsys.readouterr().err
    assert digest(source) == before


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("missing.sqlite", "no such journal"),
        ("notes.txt", "not"),
        ("merged.sqlite", "is the target journal itself"),
    ],
)
def test_bad_sources_are_one_line_errors(
    pytester: pytest.Pytester,
    shard: Run,
    capsys: pytest.CaptureFixture[str],
    source: str,
    message: str,
) -> None:
    assert shard(1).ret == 0
    assert merge(pytester, "shards/1.sqlite") == 0
    (pytester.path / "notes.txt").write_text("not a journal\n")
    capsys.readouterr()
    assert merge(pytester, source) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
