"""``pytest-experiments submit``: shards as one submitit job array, merged as they finish.

The first tests use submitit's local executor (processes on this machine); the rest run on
the real one-node Slurm cluster that ``scripts/slurm-cluster start`` brings up (``.ci/run``
does), and are skipped, saying so, only where there is none: a submission merged shard by
shard, a shard cancelled with ``scancel`` and one killed with SIGKILL mid-run and retried,
a shard that reaches its time limit and is requeued, and ``--no-wait`` with ``--attach``. In
every case the merged journal holds each selected experiment exactly once.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_experiments.offsite.partition import partition
from pytest_experiments.offsite.submit import SubmitError, dirty_paths, split_journal

SUITE = """
import os
import signal
import time

import pytest


def test_plain():
    pass


@pytest.mark.question("Does {n} hold?")
@pytest.mark.expect(">= 0")
@pytest.mark.parametrize("n", range(COUNT))
def exp_value(exp, n):
    if n == 2 and os.path.exists("kill-me"):
        os.remove("kill-me")
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(SECONDS)
    return n
"""


def clean_environment() -> dict[str, str]:
    """This test run's environment without what pytest and xdist set for their own workers."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COV_CORE", "SLURM_"))
    }


Submit = Callable[..., subprocess.CompletedProcess[str]]


def make_project(path: Path, count: int = 6, seconds: float = 0.1) -> Path:
    """A committed git checkout with one plain test and ``count`` experiments."""
    (path / "tests").mkdir(parents=True)
    (path / "tests" / "test_suite.py").write_text(
        SUITE.replace("COUNT", str(count)).replace("SECONDS", str(seconds))
    )
    (path / "pytest.ini").write_text("[pytest]\n")
    (path / ".gitignore").write_text("kill-me\n")
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    commit(path, "suite")
    return path


def commit(path: Path, message: str) -> None:
    git = ["git", "-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run(["git", "add", "-A"], cwd=path, check=True)
    subprocess.run([*git, "commit", "-qm", message], cwd=path, check=True)


def command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "pytest_experiments", "submit", *arguments]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture
def submit(project: Path) -> Submit:
    def run(*arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command(*arguments),
            cwd=project,
            env=clean_environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


def merged(project: Path) -> list[tuple[int, str, str, dict[str, object]]]:
    with sqlite3.connect(project / ".experiments" / "journal.sqlite") as connection:
        rows = connection.execute("SELECT run_id, nodeid, status, data FROM results").fetchall()
    return [(run_id, nodeid, status, json.loads(data)) for run_id, nodeid, status, data in rows]


def shard_rows(project: Path) -> list[tuple[int, str | None, int | None]]:
    with sqlite3.connect(project / ".experiments" / "journal.sqlite") as connection:
        rows = connection.execute("SELECT shard, job, exit_status FROM shards ORDER BY id")
        return [(int(shard), job, status) for shard, job, status in rows]


def assert_each_experiment_once(project: Path, count: int = 6) -> None:
    rows = merged(project)
    assert {run_id for run_id, *_ in rows} == {1}, "one merged run"
    nodeids = sorted(nodeid for _, nodeid, _, _ in rows)
    assert nodeids == sorted(f"tests/test_suite.py::exp_value[{n}]" for n in range(count))
    assert {status for _, _, status, _ in rows} == {"confirmed"}


# -- what needs no scheduler ---------------------------------------------------------------------


def test_the_cut_does_not_depend_on_the_collection_order() -> None:
    names = [f"t.py::exp[{n}]" for n in range(12)]
    costs = [1.0, 3.0, 1.0, 2.0, 2.0, 1.0, 3.0, 1.0, 1.0, 2.0, 1.0, 1.0]
    forward = dict(zip(names, partition(costs, 4, names), strict=True))
    backward = dict(zip(names[::-1], partition(costs[::-1], 4, names[::-1]), strict=True))
    assert forward == backward


def test_the_pytest_arguments_give_the_journal_and_may_not_set_the_shard() -> None:
    assert split_journal(["--full", "--journal=j.sqlite", "-q"]) == (["--full", "-q"], "j.sqlite")
    assert split_journal(["--journal", "j.sqlite"]) == ([], "j.sqlite")
    with pytest.raises(SubmitError, match="--exp-shard=1/2 in the pytest arguments"):
        split_journal(["--exp-shard=1/2"])
    with pytest.raises(SubmitError, match="drop --no-journal"):
        split_journal(["--no-journal"])


def test_a_dirty_tree_is_refused_but_the_journal_folder_is_not_a_change(
    project: Path, submit: Submit
) -> None:
    (project / ".experiments").mkdir()
    (project / ".experiments" / "journal.sqlite").write_text("")
    assert dirty_paths(project) == []
    (project / "alt").mkdir()
    for name in ("j.sqlite", "j.sqlite-wal", "j.sqlite-shm"):
        (project / "alt" / name).write_text("")
    assert dirty_paths(project, Path("alt/j.sqlite")) == []  # the run's own --journal=
    assert dirty_paths(project) == ["alt/j.sqlite", "alt/j.sqlite-shm", "alt/j.sqlite-wal"]
    for name in ("j.sqlite", "j.sqlite-wal", "j.sqlite-shm"):
        (project / "alt" / name).unlink()
    (project / "notes.txt").write_text("draft")
    done = submit("--shards", "2", "--executor", "local", "--", "--full")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "pytest-experiments: error: the working tree has changes (notes.txt); the shards "
        "would run code that no commit records. Commit them, or pass --allow-dirty"
    ]
    assert not (project / ".experiments" / "submit").exists()


def test_bad_pytest_arguments_stop_before_anything_is_queued(submit: Submit) -> None:
    done = submit("--shards", "2", "--executor", "local", "--", "--no-such-option")
    assert done.returncode == 2
    assert "the plan of the shards failed (pytest exit 4 (usage error))" in done.stderr
    assert "unrecognized arguments: --no-such-option" in done.stderr
    assert "submitted" not in done.stdout and "started" not in done.stdout


def test_arguments_that_select_no_experiments_submit_nothing(project: Path, submit: Submit) -> None:
    done = submit("--shards", "2", "--executor", "local", "--", "-k", "plain")
    assert done.returncode == 2
    assert "the pytest arguments select no experiments, so there is nothing to shard" in (
        done.stderr
    )
    assert list((project / ".experiments" / "submit").iterdir()) == []


def test_more_shards_than_experiments_leave_some_empty(project: Path, submit: Submit) -> None:
    done = submit("--shards", "8", "--executor", "local", "--", "--full", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" finished on ") == 8
    assert_each_experiment_once(project)


def test_local_shards_cannot_be_left_running(submit: Submit) -> None:
    done = submit("--shards", "2", "--executor", "local", "--no-wait", "--", "--full")
    assert done.returncode == 2
    assert "drop --no-wait, or submit to Slurm with --executor slurm" in done.stderr


def test_attach_to_an_unknown_job_says_what_to_give(submit: Submit) -> None:
    done = submit("--attach", "999")
    assert done.returncode == 2
    assert "--attach 999: no submission under" in done.stderr


def test_local_shards_are_merged_into_one_run_as_they_finish(project: Path, submit: Submit) -> None:
    done = submit("--shards", "3", "--executor", "local", "--", "--full", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "6 experiments selected, cut into 3 shards:"
    finished = [line for line in lines if " finished on " in line]
    assert len(finished) == 3
    assert all(line.endswith("merged into run 1") for line in finished)
    assert lines[-1].startswith("run 1 (batch submit-") and lines[-1].endswith(
        ", 3 shards): 6 results: 6 confirmed"
    )
    assert_each_experiment_once(project)
    assert sorted(shard for shard, _, _ in shard_rows(project)) == [1, 2, 3]
    runs = subprocess.run(
        [sys.executable, "-m", "pytest_experiments", "runs"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "full, seed 0, 3 shards" in runs.stdout


def test_the_exit_status_is_the_runs(project: Path, submit: Submit) -> None:
    suite = project / "tests" / "test_suite.py"
    suite.write_text(suite.read_text().replace('expect(">= 0")', 'expect("< 3")'))
    commit(project, "stricter")
    done = submit("--shards", "2", "--executor", "local", "--", "--full", "-q")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].endswith("6 results: 3 confirmed, 3 refuted")


# -- on the real Slurm cluster -------------------------------------------------------------------


def slurm_ready() -> str | None:
    """Why there is no usable Slurm cluster here, or None when there is one."""
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        return "no Slurm here (start one: scripts/slurm-cluster start)"
    state = subprocess.run(
        ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=30, check=False
    )
    states = set(state.stdout.split())
    if state.returncode != 0 or not states & {"idle", "mixed", "allocated", "completing"}:
        return f"the Slurm node is not usable ({state.stdout.strip() or state.stderr.strip()})"
    return None


slurm = pytest.mark.skipif(slurm_ready() is not None, reason=str(slurm_ready()))


def wait_for(check: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.5)


def submission(project: Path) -> dict[str, object] | None:
    found = list((project / ".experiments" / "submit").glob("*/submission.json"))
    return json.loads(found[0].read_text()) if found else None


def journaled(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            count = connection.execute(
                "SELECT COUNT(*) FROM results WHERE status = 'confirmed'"
            ).fetchone()[0]
        return int(count)
    except sqlite3.Error:
        return 0


@slurm
def test_slurm_runs_the_shards_as_one_array_and_merging_again_changes_nothing(
    project: Path, submit: Submit
) -> None:
    done = submit("--shards", "3", "--poll", "1", "--", "--full", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "submitted job array " in done.stdout
    assert_each_experiment_once(project)
    jobs = [job for _, job, _ in shard_rows(project)]
    array = str(jobs[0]).split("_")[0]
    assert sorted(jobs) == [f"{array}_{task}" for task in range(3)]
    assert {str(data["job"]).split("_")[0] for *_, data in merged(project)} == {array}

    journal = project / ".experiments" / "journal.sqlite"
    before = list(sqlite3.connect(journal).iterdump())
    shards = sorted(str(path) for path in project.glob(".experiments/submit/*/shard-*.sqlite"))
    again = subprocess.run(
        [sys.executable, "-m", "pytest_experiments", "merge", *shards],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    assert "nothing new" in again.stdout
    assert list(sqlite3.connect(journal).iterdump()) == before


def start(project: Path, *arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(*arguments),
        cwd=project,
        env=clean_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@slurm
def test_a_shard_cancelled_mid_run_is_retried_and_resumes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", seconds=1.5)
    running = start(project, "--shards", "2", "--poll", "1", "--", "--full", "-q")
    wait_for(lambda: submission(project) is not None)
    folder = next((project / ".experiments" / "submit").iterdir())
    wait_for(lambda: journaled(folder / "shard-1.sqlite") >= 1)
    first = submission(project)
    assert first is not None
    job = first["attempts"]["1"][0]["job"]  # type: ignore[index]
    subprocess.run(["scancel", str(job)], check=True)
    output, _ = running.communicate(timeout=300)
    assert running.returncode == 0, output
    assert f"shard 1/2 failed (job {job} cancelled" in output, output
    assert "retry 1 of 1, resuming" in output
    assert_each_experiment_once(project)
    attempts = [job for shard, job, _ in shard_rows(project) if shard == 1]
    assert len(attempts) == 2 and attempts[0] != attempts[1]


@slurm
def test_a_shard_killed_with_sigkill_is_retried(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", seconds=0.3)
    (project / "kill-me").write_text("")
    done = subprocess.run(
        command("--shards", "2", "--poll", "1", "--", "--full", "-q"),
        cwd=project,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "failed (job " in done.stdout and "retry 1 of 1" in done.stdout
    assert_each_experiment_once(project)
    statuses = [status for _, _, status in shard_rows(project)]
    assert statuses.count(None) == 1, "the killed attempt never ended"


@slurm
def test_a_shard_that_reaches_its_time_limit_is_requeued_and_resumes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", count=2, seconds=25)
    done = subprocess.run(
        command("--shards", "1", "--poll", "2", "--timeout", "1m", "--", "--full", "-q"),
        cwd=project,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert_each_experiment_once(project, count=2)
    attempts = shard_rows(project)
    assert len(attempts) >= 2, "the first attempt was stopped at its time limit"
    assert len({job for _, job, _ in attempts}) == 1, "requeued as the same job"
    assert attempts[0][2] == 2 and attempts[-1][2] == 0  # interrupted, then passed


@slurm
def test_no_wait_returns_and_attach_merges_later(project: Path, submit: Submit) -> None:
    done = submit("--shards", "2", "--no-wait", "--", "--full", "-q")
    assert done.returncode == 0, done.stderr
    last = done.stdout.splitlines()[-1]
    assert last.startswith("follow it with: pytest-experiments submit --attach ")
    array = last.rsplit(" ", 1)[-1]
    assert not (project / ".experiments" / "journal.sqlite").exists()
    attached = submit("--attach", array, "--poll", "1")
    assert attached.returncode == 0, attached.stdout + attached.stderr
    assert attached.stdout.startswith("attached to batch submit-")
    assert_each_experiment_once(project)
