"""Nothing lost, nothing doubled: the journal under xdist, killed workers and controllers,
concurrent runs, and journals that cannot be used.

The runs here are real ``python -m pytest`` processes, killed with real signals; every process
is started in its own session so that the whole group (controller and workers) is killed when a
test ends, whatever happened.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

JOURNAL = Path(".experiments") / "journal.sqlite"
DEADLINE = 60.0


def clean_environment(**extra: str) -> dict[str, str]:
    """The environment without the outer pytest's (or xdist worker's) variables."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environment.update(extra)
    return environment


@contextmanager
def pytest_process(
    directory: Path, *args: str, name: str = "run", **env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m pytest ARGS`` in ``directory``; its whole process group dies on exit."""
    with open(directory / f"{name}.out", "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
            cwd=directory,
            env=clean_environment(**env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


def finish(process: subprocess.Popen[bytes], directory: Path, name: str = "run") -> str:
    """Wait for the run to end; its output."""
    try:
        process.wait(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        pytest.fail(f"pytest did not finish in {DEADLINE}s:\n{output_of(directory, name)}")
    return output_of(directory, name)


def output_of(directory: Path, name: str = "run") -> str:
    return (directory / f"{name}.out").read_text(errors="replace")


def wait_for(condition: Callable[[], bool], what: str, directory: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{output_of(directory)}")
        time.sleep(0.05)


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory that is its own rootdir."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    return tmp_path


MANY = """
import pytest

@pytest.mark.question("Which square?")
@pytest.mark.parametrize("n", range(12))
def exp_square(exp, n):
    return n * n

@pytest.mark.question("Is zero above one?")
@pytest.mark.expect("> 1")
def exp_refuted(exp):
    return 0

@pytest.mark.question("Does the pipeline run?")
def exp_broken(exp):
    raise ValueError("broken pipeline")

def test_unit():
    pass
"""


@pytest.mark.parametrize("workers", ["2", "auto"])
def test_every_result_is_journaled_exactly_once_under_xdist(project: Path, workers: str) -> None:
    (project / "test_many.py").write_text(MANY)
    with pytest_process(project, "-n", workers) as process:
        output = finish(process, project)
    assert process.returncode == 1, output

    journal = project / JOURNAL
    rows = query(journal, "SELECT nodeid, status, answer, worker, run_id FROM results")
    counts = Counter(row[0] for row in rows)
    expected = {f"test_many.py::exp_square[{n}]" for n in range(12)} | {
        "test_many.py::exp_refuted",
        "test_many.py::exp_broken",
    }
    assert set(counts) == expected
    assert set(counts.values()) == {1}
    statuses = {nodeid: (status, answer) for nodeid, status, answer, _, _ in rows}
    assert statuses["test_many.py::exp_square[11]"] == ("answered", "121")
    assert statuses["test_many.py::exp_refuted"] == ("refuted", "0")
    assert statuses["test_many.py::exp_broken"][0] == "failed"
    assert {row[3] for row in rows} == {"gw0", "gw1"}, "each worker writes what it ran"

    ((run_id, finished, exit_status, command),) = query(
        journal, "SELECT id, finished, exit_status, command FROM runs"
    )
    assert {row[4] for row in rows} == {run_id}
    assert finished is not None and exit_status == 1
    assert command == f"pytest -p no:cacheprovider -n {workers}"
    assert f"journal: {JOURNAL} (run {run_id})" in output


VICTIM = """
import os
import time
from pathlib import Path

import pytest

@pytest.mark.question("Quick?")
@pytest.mark.parametrize("n", range(6))
def exp_quick(exp, n):
    return n

@pytest.mark.question("Does the worker survive?")
@pytest.mark.expect("== 1")
@pytest.mark.sample(0.25)
def exp_victim(exp):
    Path("victim.pid").write_text(str(os.getpid()))
    time.sleep(60)
    return 1
"""


def test_a_worker_killed_mid_experiment_leaves_every_finished_result_and_a_crash(
    project: Path,
) -> None:
    (project / "test_victim.py").write_text(VICTIM)
    pid_file = project / "victim.pid"
    with pytest_process(project, "-n", "2") as process:
        wait_for(pid_file.exists, "the victim experiment to start", project)
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        output = finish(process, project)
    assert process.returncode == 1, output
    assert "INTERNALERROR" not in output

    journal = project / JOURNAL
    rows = query(journal, "SELECT nodeid, status, answer FROM results WHERE status != 'crashed'")
    assert sorted(rows) == [
        (f"test_victim.py::exp_quick[{n}]", "answered", str(n)) for n in range(6)
    ]
    ((question, expectation, fraction, error, worker, duration),) = query(
        journal,
        "SELECT question, expectation, fraction, error, worker, duration FROM results "
        "WHERE status = 'crashed' AND nodeid = 'test_victim.py::exp_victim'",
    )
    assert (question, expectation, fraction) == ("Does the worker survive?", "== 1", 0.25)
    assert "crashed while running 'test_victim.py::exp_victim'" in error
    assert worker in ("gw0", "gw1") and worker in error
    assert duration > 0
    assert query(journal, "SELECT exit_status FROM runs WHERE finished IS NOT NULL") == [(1,)]


QUICK_FILE = """
from pathlib import Path

import pytest

@pytest.mark.question("Quick?")
@pytest.mark.parametrize("n", range(5))
def exp_quick(exp, n):
    return n

def test_after_the_quick_ones():
    # Runs on the same worker after every experiment above has been reported.
    Path("quick.done").write_text("")
"""

BLOCKING_FILE = """
import os
import time
from pathlib import Path

import pytest

@pytest.mark.question("Does it block?")
def exp_block(exp):
    Path("block.pid").write_text(str(os.getpid()))
    time.sleep(60)
    return 1
"""


def test_a_killed_controller_loses_no_result_a_worker_finished(project: Path) -> None:
    (project / "test_quick.py").write_text(QUICK_FILE)
    (project / "test_slow.py").write_text(BLOCKING_FILE)
    with pytest_process(project, "-n", "2", "--dist", "loadfile") as process:
        wait_for(
            lambda: (project / "quick.done").exists() and (project / "block.pid").exists(),
            "the quick experiments to finish while the slow one blocks",
            project,
        )
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=DEADLINE)

        journal = project / JOURNAL
        rows = query(journal, "SELECT nodeid, status, answer FROM results")
        assert sorted(rows) == [
            *((f"test_quick.py::exp_quick[{n}]", "answered", str(n)) for n in range(5)),
            ("test_slow.py::exp_block", "crashed", None),  # started, and never finished
        ]
        (error,) = query(journal, "SELECT error FROM results WHERE status = 'crashed'")[0]
        assert str(error).startswith("started at ") and "did not finish" in str(error)
        assert query(journal, "SELECT finished, exit_status FROM runs") == [(None, None)]


CONCURRENT = """
import os
import time
from pathlib import Path

import pytest

def both_runs_started():
    Path(f"ready-{os.environ['RUN_NAME']}").write_text("")
    deadline = time.monotonic() + 30
    while not (Path("ready-a").exists() and Path("ready-b").exists()):
        assert time.monotonic() < deadline, "the other run never started"
        time.sleep(0.01)

@pytest.mark.question("Which number?")
@pytest.mark.parametrize("n", range(10))
def exp_number(exp, n):
    both_runs_started()
    time.sleep(0.02)
    return n
"""


def test_two_concurrent_runs_on_one_journal_both_land(project: Path) -> None:
    (project / "test_concurrent.py").write_text(CONCURRENT)
    with (
        pytest_process(project, "-n", "2", name="a", RUN_NAME="a") as first,
        pytest_process(project, name="b", RUN_NAME="b") as second,
    ):
        outputs = finish(first, project, "a"), finish(second, project, "b")
    assert (first.returncode, second.returncode) == (0, 0), outputs

    journal = project / JOURNAL
    runs = query(journal, "SELECT id, command, exit_status FROM runs ORDER BY command")
    assert [(command, status) for _, command, status in runs] == [
        ("pytest -p no:cacheprovider", 0),
        ("pytest -p no:cacheprovider -n 2", 0),
    ]
    for run_id, _, _ in runs:
        answers = query(journal, f"SELECT answer FROM results WHERE run_id = {run_id}")
        assert sorted(int(answer) for (answer,) in answers) == list(range(10))


ONE_EXPERIMENT = """
from pathlib import Path

import pytest

@pytest.mark.question("Did it run?")
def exp_ran(exp):
    Path("ran").write_text("")
    return 1
"""


def newer_journal(path: Path) -> None:
    from pytest_experiments.notebook.journal import open_journal

    open_journal(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()


def damaged_journal(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


NEWER = (
    "ERROR: {path} was written by a newer pytest-experiments (journal schema 99; this version "
    "reads up to 3); upgrade pytest-experiments, or point --journal to another file. The journal "
    "was not changed."
)
DAMAGED = (
    "ERROR: {path} is not a readable journal (file is not a database); move it aside or delete it "
    "to start a new one, or point --journal to another file"
)


@pytest.mark.parametrize(
    ("make", "message", "xdist"),
    [
        (newer_journal, NEWER, []),
        (newer_journal, NEWER, ["-n", "2"]),
        (damaged_journal, DAMAGED, []),
    ],
    ids=["newer", "newer-xdist", "damaged"],
)
def test_a_journal_that_cannot_be_used_stops_the_run_with_one_line(
    pytester: pytest.Pytester,
    make: Callable[[Path], None],
    message: str,
    xdist: list[str],
) -> None:
    pytester.makepyfile(test_study=ONE_EXPERIMENT)
    path = pytester.path / "lab.sqlite"
    make(path)
    before = path.read_bytes()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--journal=lab.sqlite", *xdist)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.strip()]
    assert errors == [message.format(path=path)]
    assert "Traceback" not in result.stdout.str() and "INTERNALERROR" not in result.stdout.str()
    assert not (pytester.path / "ran").exists(), "nothing runs when the journal is refused"
    assert path.read_bytes() == before


def test_no_journal_writes_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_study=ONE_EXPERIMENT)
    result = pytester.runpytest("--no-journal")
    assert (pytester.path / "ran").exists()
    assert not (pytester.path / ".experiments").exists()
    assert "journal:" not in result.stdout.str()

    result = pytester.runpytest()
    result.stdout.fnmatch_lines([f"journal: {JOURNAL} (run 1)"])
    assert query(pytester.path / JOURNAL, "SELECT count(*) FROM results") == [(1,)]


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_plain_unit_test_run_creates_no_journal(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    pytester.makepyfile(test_units="def test_adds():\n    assert 1 + 1 == 2\n")
    pytester.makepyfile(test_study=ONE_EXPERIMENT)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_units.py", *xdist)
    result.assert_outcomes(passed=1)
    assert not (pytester.path / ".experiments").exists()
    assert "journal:" not in result.stdout.str()

    if not xdist:  # (xdist does not distribute --collect-only)
        collected = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--collect-only")
        assert collected.ret == 0
        assert not (pytester.path / ".experiments").exists(), (
            "collecting experiments records nothing"
        )


def test_journal_paths_from_the_command_line_and_the_ini_file(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini("[pytest]\nexperiment_journal = notes/lab.sqlite\n")
    pytester.makepyfile(test_study=ONE_EXPERIMENT)
    subdirectory = pytester.mkdir("sub")

    monkeypatch.chdir(subdirectory)
    pytester.runpytest(str(pytester.path))
    assert (pytester.path / "notes" / "lab.sqlite").exists(), "ini paths are from the rootdir"

    pytester.runpytest(str(pytester.path), "--journal=mine.sqlite")
    assert (subdirectory / "mine.sqlite").exists(), "--journal is from the current directory"
    assert not (pytester.path / "mine.sqlite").exists()
    assert query(pytester.path / "notes" / "lab.sqlite", "SELECT count(*) FROM runs") == [(1,)]


FULL_DISK_ON_WORKERS = """
from pytest_experiments.notebook import journal

def pytest_configure(config):
    if hasattr(config, "workerinput"):
        def refuse(self, run_id, result, worker):
            raise journal.JournalError("the disk is full (simulated)")

        journal.Journal.add_result = refuse
"""


def test_results_a_worker_could_not_write_are_written_by_the_controller(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(FULL_DISK_ON_WORKERS)
    pytester.makepyfile(test_many=MANY)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "journal: .experiments/journal.sqlite (run 1)",
            "journal error: the disk is full (simulated)",
            "journal: 14 result(s) that could not be written when they finished were written "
            "at the end of the session",
        ]
    )
    rows = query(pytester.path / JOURNAL, "SELECT nodeid, worker FROM results")
    assert len(rows) == len({nodeid for nodeid, _ in rows}) == 14
    assert {worker for _, worker in rows} == {"gw0", "gw1"}, "the worker that ran it is kept"


@pytest.mark.parametrize(
    "listing",
    [
        ["--fixtures"],
        ["--fixtures-per-test"],
        ["--co"],
        ["--markers"],
        ["--setup-plan"],
        ["--exp-plan"],
        ["--help"],
    ],
)
def test_runs_that_only_list_write_no_journal(
    pytester: pytest.Pytester, listing: list[str]
) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("Q?")
        def exp_a(exp):
            return 1
        """
    )
    result = pytester.runpytest(*listing, "-p", "no:cacheprovider")
    assert not (pytester.path / ".experiments" / "journal.sqlite").exists()
    assert "(run 1)" not in result.stdout.str()


KILLED = """
import os, signal
import pytest

@pytest.mark.question("Does it finish?")
def exp_killed(exp):
    os.kill(os.getpid(), signal.SIGKILL)

@pytest.mark.question("Does this one finish?")
def exp_fine(exp):
    return 1
"""


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_an_experiment_killed_mid_run_leaves_a_row_that_says_so(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    pytester.makepyfile(test_study=KILLED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *xdist)
    with sqlite3.connect(pytester.path / ".experiments" / "journal.sqlite") as connection:
        rows = dict(connection.execute("SELECT nodeid, status FROM results").fetchall())
        errors = dict(connection.execute("SELECT nodeid, error FROM results").fetchall())
    assert rows["test_study.py::exp_killed"] == "crashed"
    if xdist:
        assert rows["test_study.py::exp_fine"] == "answered"
        result.stdout.fnmatch_lines(["CRASHED      test_study.py::exp_killed *"])
    else:
        assert errors["test_study.py::exp_killed"].startswith("started at ")
        assert "did not finish" in errors["test_study.py::exp_killed"]
    show = subprocess.run(
        [sys.executable, "-m", "pytest_experiments", "show", "exp_killed"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "crashed" in show.stdout
