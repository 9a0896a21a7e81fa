"""``pytest-experiments submit``: the suite's shards as one submitit job array, watched and
merged into the journal as they finish.

The story, in order:

1. **Check.** The shards run the working tree as it is on the shared file system, so the
   tree must be the commit the journal records: a tree with changes (tracked or untracked
   files, except under ``.experiments/``) is refused unless ``--allow-dirty``. A plan of the
   shards (``pytest ARGS --exp-plan --exp-shards N``) runs here first: it shows what each
   shard gets, stops bad pytest arguments before anything is queued, and names the journal
   the run belongs to (``--journal=`` in the arguments, else the project's default).
2. **Submit.** Everything of one submission lives in ``.experiments/submit/<batch>/``:
   ``history.sqlite`` (a snapshot of the journal, so every shard cuts the same partition and
   estimates from the same history), ``shard-K.sqlite`` (each shard's own journal: SQLite on a
   shared file system is only written by one process), submitit's ``jobs/`` folder (logs),
   and ``submission.json`` (what ``--attach`` needs). The N shards go as one job array.
3. **Watch and merge.** Each shard that finishes is merged at once
   (:func:`~.merge.merge`) into the journal; a shard whose pytest did not finish (cancelled,
   killed, out of memory, node failure, timed out too often) is submitted again, up to
   ``--retries`` times, and resumes: ``--exp-resume`` reports what earlier attempts finished.
   A shard that keeps failing is reported with its log. Ctrl-C cancels the jobs still queued
   or running; what finished is merged.
4. **Report.** The merged run's verdict counts; the exit status is the run's (pytest's codes),
   or 2 (interrupted) when a shard never finished.

Time-outs and preemption are submitit's: the job is signalled ``signal_delay`` seconds before
its end, :class:`~.task.ShardTask` stops pytest and the job is requeued, resuming likewise.
"""

from __future__ import annotations

import datetime
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pytest_experiments.notebook.history import get_run, open_for_reading
from pytest_experiments.notebook.journal import DEFAULT_JOURNAL, JournalError, open_journal
from pytest_experiments.notebook.provenance import git_state
from pytest_experiments.offsite.task import FINISHED_STATUSES, describe_status

#: Where submissions live, under the directory submit runs in.
SUBMIT_FOLDER = Path(".experiments") / "submit"

#: pytest's exit status of a run that was interrupted: a shard never finished.
EXIT_INCOMPLETE = 2

#: The pytest options submit sets itself for each shard.
_OWN_OPTIONS = {
    "--exp-shard": "submit gives each shard its --exp-shard K/N; set the number with --shards",
    "--shard": "submit gives each shard its --exp-shard K/N; set the number with --shards",
    "--exp-history": "submit gives every shard a snapshot of the journal as its history",
    "--no-journal": "submit merges the shards' journals; drop --no-journal",
    "--exp-no-journal": "submit merges the shards' journals; drop --no-journal",
}


class SubmitError(Exception):
    """submit cannot go on; nothing (more) was submitted. The message says what to do."""


@dataclass
class Attempt:
    """One job of one shard."""

    job: str
    submitted: float
    outcome: str | None = None


@dataclass
class Submission:
    """What one submit sent, as ``submission.json`` (all JSON-safe)."""

    batch: str
    count: int
    executor: str
    directory: str
    folder: str
    journal: str
    history: str | None
    pytest_args: list[str]
    commit: str | None
    dirty: bool | None
    retries: int
    parameters: dict[str, Any]
    created: float
    attempts: dict[str, list[Attempt]] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return Path(self.folder) / "submission.json"

    @property
    def jobs_folder(self) -> Path:
        return Path(self.folder) / "jobs"

    def shard_journal(self, index: int) -> Path:
        return Path(self.folder) / f"shard-{index}.sqlite"

    def command(self, index: int) -> list[str]:
        """The pytest command of shard ``index``."""
        command = [
            sys.executable,
            "-m",
            "pytest",
            *self.pytest_args,
            f"--exp-shard={index}/{self.count}",
            f"--exp-batch={self.batch}",
            f"--journal={self.shard_journal(index)}",
            "--exp-resume",
        ]
        if self.history is not None:
            command.append(f"--exp-history={self.history}")
        return command

    def save(self) -> None:
        temporary = self.path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(asdict(self), indent=1) + "\n")
        os.replace(temporary, self.path)

    @classmethod
    def load(cls, path: Path) -> Submission:
        data = json.loads(path.read_text())
        attempts = {
            key: [Attempt(**attempt) for attempt in value]
            for key, value in data.pop("attempts", {}).items()
        }
        return cls(**data, attempts=attempts)


@dataclass
class Options:
    """The command line of ``submit``, checked."""

    shards: int | None
    executor: str
    partition: str | None
    timeout: float
    cpus_per_task: int
    mem: str | None
    retries: int
    wait: bool
    allow_dirty: bool
    attach: str | None
    batch: str | None
    journal: Path | None
    poll: float
    signal_delay: int | None
    pytest_args: list[str]


# -- check ---------------------------------------------------------------------------------------


def dirty_paths(directory: Path, journal: Path | None = None) -> list[str] | None:
    """Changed or untracked files of the checkout (not under ``.experiments/``, nor the
    journal the run merges into with its ``-wal``/``-shm`` files), or None outside git."""
    try:
        completed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=directory,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None
    paths = [line[3:].strip().strip('"') for line in completed.stdout.splitlines() if line]
    top = _git_top(directory)
    ours = set()
    if journal is not None and top is not None:
        target = os.path.realpath(directory / journal)
        ours = {target + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    return [
        path
        for path in paths
        if ".experiments" not in Path(path.split(" -> ")[-1]).parts
        and (top is None or os.path.realpath(top / path.split(" -> ")[-1]) not in ours)
    ]


def _git_top(directory: Path) -> Path | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(completed.stdout.strip()) if completed.returncode == 0 else None


def split_journal(arguments: Sequence[str]) -> tuple[list[str], str | None]:
    """The pytest arguments without ``--journal=PATH``, and that path; refuses the options
    submit sets itself."""
    kept: list[str] = []
    journal: str | None = None
    words = list(arguments)
    position = 0
    while position < len(words):
        word = words[position]
        name, equals, value = word.partition("=")
        if name in _OWN_OPTIONS:
            raise SubmitError(f"{word} in the pytest arguments: {_OWN_OPTIONS[name]}")
        if name in ("--journal", "--exp-journal"):
            if equals:
                journal = value
            elif position + 1 < len(words):
                journal = words[position + 1]
                position += 1
            else:
                raise SubmitError(f"{word} needs a path: write {name}=PATH")
        else:
            kept.append(word)
        position += 1
    return kept, journal


def plan(
    pytest_args: Sequence[str], count: int, directory: Path, folder: Path, journal: str | None
) -> dict[str, Any]:
    """Run ``pytest --exp-plan --exp-shards N`` here; its JSON (the journal, the shards)."""
    target = folder / "plan.json"
    command = [
        sys.executable,
        "-m",
        "pytest",
        *pytest_args,
        *([f"--journal={journal}"] if journal else []),
        "--exp-plan",
        f"--exp-shards={count}",
        f"--exp-plan-json={target}",
        "-p",
        "no:cacheprovider",
    ]
    completed = subprocess.run(command, cwd=directory, capture_output=True, text=True)
    if completed.returncode in (0, 5) and target.exists():
        data: dict[str, Any] = json.loads(target.read_text())
        if not data.get("experiments"):
            raise SubmitError(
                "the pytest arguments select no experiments, so there is nothing to shard; "
                "check the paths, -k and -m (pytest ARGS --exp-plan shows what they select)"
            )
        data["output"] = completed.stdout
        return data
    tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-15:])
    raise SubmitError(
        f"the plan of the shards failed (pytest {describe_status(completed.returncode)}); "
        f"fix the pytest arguments and submit again. pytest said:\n{tail}"
    )


def snapshot(journal: Path, target: Path) -> Path | None:
    """A consistent copy of ``journal`` (SQLite's online backup), or None if there is none."""
    if not journal.exists():
        return None
    source = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return target


def default_batch() -> str:
    """``submit-20261202-0530-3fa2``: when, and a few random letters for two in a minute."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return f"submit-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


# -- submit --------------------------------------------------------------------------------------


def executor_for(submission: Submission) -> Any:
    """submitit's executor for the submission's engine and parameters."""
    import submitit

    parameters = dict(submission.parameters)
    executor = submitit.AutoExecutor(
        folder=submission.jobs_folder, cluster=submission.executor, slurm_max_num_timeout=3
    )
    update: dict[str, Any] = {
        "name": f"pytest-experiments-{submission.batch}",
        "timeout_min": max(1, round(parameters["timeout"] / 60)),
        "cpus_per_task": parameters["cpus_per_task"],
        "tasks_per_node": 1,
        "nodes": 1,
    }
    if submission.executor == "slurm":
        update["slurm_array_parallelism"] = submission.count
        update["slurm_signal_delay_s"] = parameters["signal_delay"]
        if parameters.get("partition"):
            update["slurm_partition"] = parameters["partition"]
        if parameters.get("mem"):
            update["slurm_mem"] = parameters["mem"]
    executor.update_parameters(**update)
    return executor


def signal_delay(timeout: float) -> int:
    """Seconds before the time limit that Slurm warns a shard: 90 (submitit's default), less
    for short limits, so a shard gets most of its time and still stops in order."""
    return int(max(15, min(90, timeout / 4)))


def submit_shards(submission: Submission, executor: Any, indices: Sequence[int]) -> list[Any]:
    """Submit the shards ``indices`` (one array on Slurm); record their jobs."""
    from pytest_experiments.offsite.task import ShardTask

    tasks = [ShardTask(submission.command(index), submission.directory, index) for index in indices]
    with executor.batch():
        jobs = [executor.submit(task) for task in tasks]
    now = time.time()
    for index, job in zip(indices, jobs, strict=True):
        submission.attempts.setdefault(str(index), []).append(Attempt(str(job.job_id), now))
    submission.save()
    return jobs


def job_of(submission: Submission, job_id: str) -> Any:
    """A submitit job object for a recorded job (for ``--attach``)."""
    import submitit

    if submission.executor != "slurm":
        raise SubmitError("--attach follows Slurm jobs; local shards end with their submit")
    return submitit.SlurmJob(folder=submission.jobs_folder, job_id=job_id)


# -- watch ---------------------------------------------------------------------------------------


@dataclass
class ShardEnd:
    """How the latest attempt of a shard ended, read from the shard's journal."""

    finished: bool
    exit_status: int | None
    results: int
    host: str | None = None
    seconds: float | None = None


def shard_end(path: Path, batch: str) -> ShardEnd:
    """From the shard's journal: did its latest run of ``batch`` finish, with what status."""
    if not path.exists():
        return ShardEnd(False, None, 0)
    try:
        connection = open_for_reading(path)
    except JournalError:
        return ShardEnd(False, None, 0)
    try:
        rows = connection.execute(
            "SELECT id, finished, exit_status, shard, host, started FROM runs ORDER BY started DESC"
        ).fetchall()
        for run_id, finished, status, shard, host, started in rows:
            data = json.loads(shard) if shard else {}
            if data.get("batch") != batch:
                continue
            count = connection.execute(
                "SELECT COUNT(*) FROM results WHERE run_id = ? AND status != 'crashed'", (run_id,)
            ).fetchone()[0]
            ok = finished is not None and status in FINISHED_STATUSES
            seconds = None if finished is None else float(finished) - float(started)
            return ShardEnd(ok, status, int(count), host, seconds)
        return ShardEnd(False, None, 0)
    except sqlite3.Error:
        return ShardEnd(False, None, 0)
    finally:
        connection.close()


class Watcher:
    """Waits for the shards, merges each as it ends, retries the ones that fail."""

    def __init__(
        self,
        submission: Submission,
        jobs: dict[int, Any],
        executor: Any,
        poll: float,
        say: Callable[[str], None] = print,
    ) -> None:
        self.submission = submission
        self.jobs = jobs
        self.executor = executor
        self.poll = poll
        self.say = say
        self.done: dict[int, str] = {}
        self.run_id: int | None = None

    def watch(self) -> int:
        count = self.submission.count
        for key, attempts in self.submission.attempts.items():
            outcome = attempts[-1].outcome
            if outcome is not None and (outcome == "finished" or outcome.startswith("gave up")):
                self.done[int(key)] = outcome
        try:
            while len(self.done) < count:
                waiting = [index for index in self.jobs if index not in self.done]
                if waiting:
                    self.jobs[waiting[0]].done(force_check=True)  # one sacct for all
                for index in waiting:
                    if self.jobs[index].done():
                        self._ended(index)
                if len(self.done) < count:
                    time.sleep(self.poll)
        except KeyboardInterrupt:
            self._cancel()
            self._merge_all()
            self.say("interrupted: cancelled the shards still queued or running")
            self._summary()
            return EXIT_INCOMPLETE
        return self._summary()

    def _ended(self, index: int) -> None:
        submission = self.submission
        attempt = submission.attempts[str(index)][-1]
        end = shard_end(submission.shard_journal(index), submission.batch)
        merged = self._merge(index)
        label = f"shard {index}/{submission.count}"
        if end.finished:
            attempt.outcome = "finished"
            self.done[index] = "finished"
            took = _duration(end.seconds or 0.0)
            self.say(
                f"[{len(self.done)}/{submission.count}] {label} finished on {end.host} in "
                f"{took} ({describe_status(end.exit_status)}, job {attempt.job}): "
                f"{end.results} results; {merged}"
            )
            submission.save()
            return
        state = _state(self.jobs[index], submission.executor)
        why = f"job {attempt.job} {state.lower()}"
        if end.exit_status is not None:
            why += f", pytest {describe_status(end.exit_status)}"
        log = self._log(index)
        tries = len(submission.attempts[str(index)])
        if tries <= submission.retries:
            attempt.outcome = f"failed: {why}"
            self.say(
                f"{label} failed ({why}); retry {tries} of {submission.retries}, resuming "
                f"its {end.results} journaled results. Log: {log}"
            )
            (job,) = submit_shards(submission, self.executor, [index])
            self.jobs[index] = job
            return
        attempt.outcome = f"gave up: {why}"
        self.done[index] = attempt.outcome
        submission.save()
        self.say(
            f"[{len(self.done)}/{submission.count}] {label} FAILED ({why}) after {tries} "
            f"attempt{'s' if tries != 1 else ''}; its {end.results} results are merged. "
            f"Log: {log}"
        )

    def _log(self, index: int) -> str:
        job = self.jobs[index]
        try:
            paths = job.paths
            return f"{paths.stderr} (and {paths.stdout.name})"
        except Exception:
            return str(self.submission.jobs_folder)

    def _merge(self, index: int) -> str:
        from pytest_experiments.offsite.merge import MergeError, merge

        source = self.submission.shard_journal(index)
        if not source.exists():
            return "nothing to merge (the shard wrote no journal)"
        try:
            with open_journal(Path(self.submission.journal)) as journal:
                reports = [
                    report for report in merge([source], journal) if report.count is not None
                ]
        except (MergeError, JournalError) as error:
            return f"not merged: {error}"
        if not reports:
            return "nothing to merge"
        self.run_id = reports[0].run_id
        return f"merged into run {self.run_id}"

    def _merge_all(self) -> None:
        for index in range(1, self.submission.count + 1):
            self._merge(index)

    def _cancel(self) -> None:
        for index, job in self.jobs.items():
            if index not in self.done:
                try:
                    job.cancel(check=False)
                except Exception:
                    continue
                self.submission.attempts[str(index)][-1].outcome = "gave up: cancelled"
        self.submission.save()

    def _summary(self) -> int:
        submission = self.submission
        failed = sorted(index for index, outcome in self.done.items() if outcome != "finished")
        if self.run_id is None:
            self.say("nothing was merged: no shard wrote a journal")
            return EXIT_INCOMPLETE
        connection = open_for_reading(Path(submission.journal))
        try:
            run = get_run(connection, self.run_id)
        finally:
            connection.close()
        counts = ", ".join(f"{number} {status}" for status, number in run.counts.items() if number)
        self.say(
            f"run {run.id} (batch {submission.batch}, {_shards(submission.count)}): "
            f"{run.total} results" + (f": {counts}" if counts else "")
        )
        if failed:
            self.say(
                f"shard {', '.join(map(str, failed))} never finished: the run is incomplete "
                f"(their logs are in {submission.jobs_folder})"
            )
            return EXIT_INCOMPLETE
        return run.exit_status if run.exit_status is not None else EXIT_INCOMPLETE


def _state(job: Any, executor: str) -> str:
    """The job's state as the scheduler says it now (CANCELLED, FAILED, TIMEOUT, …): on
    Slurm from ``sacct`` for this one job (submitit's cached view of an array can lag)."""
    if executor == "slurm":
        # Accounting can lag the controller by a moment right after a job ends.
        for _ in range(10):
            try:
                found = subprocess.run(
                    ["sacct", "-j", str(job.job_id), "-X", "-n", "-P", "-o", "State"],
                    capture_output=True,
                    text=True,
                    timeout=30,
                    check=False,
                )
            except (OSError, subprocess.SubprocessError):
                break
            states = found.stdout.split()
            if found.returncode == 0 and states and states[0] not in ("RUNNING", "PENDING"):
                return states[0]
            time.sleep(0.5)
    try:
        return str(job.state).split(" ")[0]
    except Exception:
        return "UNKNOWN"


def _duration(seconds: float) -> str:
    from pytest_experiments.notebook.history import duration

    return duration(seconds)


# -- the command ---------------------------------------------------------------------------------


def run(options: Options, say: Callable[[str], None] = print) -> int:
    """``pytest-experiments submit``; the exit status."""
    if options.attach is not None:
        return attach(options, say)
    if options.shards is None:
        raise SubmitError("say how many shards to cut the run into: --shards N")
    if options.executor == "local" and not options.wait:
        raise SubmitError(
            "--no-wait leaves the shards running, and local shards are children of this "
            "command; drop --no-wait, or submit to Slurm with --executor slurm"
        )
    directory = Path.cwd()
    commit, _branch, _dirty = git_state(directory)
    pytest_args, journal_option = split_journal(options.pytest_args)
    if journal_option is None and options.journal is not None:
        journal_option = str(options.journal)
    dirty = dirty_paths(directory, None if journal_option is None else Path(journal_option))
    if dirty and not options.allow_dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise SubmitError(
            f"the working tree has changes ({shown}); the shards would run code that no commit "
            "records. Commit them, or pass --allow-dirty"
        )
    batch = options.batch or default_batch()
    folder = (directory / SUBMIT_FOLDER / batch).resolve()
    if folder.exists():
        raise SubmitError(f"{folder} exists already: a batch named {batch}; choose --batch NAME")
    folder.mkdir(parents=True)
    try:
        shown_plan = plan(pytest_args, options.shards, directory, folder, journal_option)
    except SubmitError:
        shutil.rmtree(folder, ignore_errors=True)  # nothing was submitted: leave no trace
        raise
    journal = Path(shown_plan.get("journal") or directory / DEFAULT_JOURNAL)
    for line in _shard_plan_lines(shown_plan):
        say(line)
    history = snapshot(journal, folder / "history.sqlite")
    submission = Submission(
        batch=batch,
        count=options.shards,
        executor=options.executor,
        directory=str(directory),
        folder=str(folder),
        journal=str(journal),
        history=None if history is None else str(history),
        pytest_args=pytest_args,
        commit=commit,
        dirty=bool(dirty) if dirty is not None else None,
        retries=options.retries,
        parameters={
            "timeout": options.timeout,
            "cpus_per_task": options.cpus_per_task,
            "mem": options.mem,
            "partition": options.partition,
            "signal_delay": options.signal_delay or signal_delay(options.timeout),
        },
        created=time.time(),
    )
    submission.save()
    executor = executor_for(submission)
    indices = list(range(1, options.shards + 1))
    jobs = submit_shards(submission, executor, indices)
    array = str(jobs[0].job_id).split("_")[0]
    if options.executor == "slurm":
        kind = "job array" if options.shards > 1 else "job"
        what = f"submitted {kind} {array} ({_shards(options.shards)})"
    else:
        processes = ", ".join(str(job.job_id) for job in jobs[:3])
        more = ", …" if len(jobs) > 3 else ""
        what = f"started {_shards(options.shards, 'local shard')} (processes {processes}{more})"
    say(f"{what} for batch {batch}; merging into {journal}")
    if not options.wait:
        say(f"follow it with: pytest-experiments submit --attach {array}")
        return 0
    watcher = Watcher(
        submission, dict(zip(indices, jobs, strict=True)), executor, options.poll, say
    )
    return watcher.watch()


def _shard_plan_lines(data: dict[str, Any]) -> list[str]:
    shards = data.get("shards") or []
    selected = len(data.get("experiments") or [])
    lines = [f"{selected} experiments selected, cut into {_shards(len(shards))}:"]
    for shard in shards:
        lines.append(
            f"  shard {shard['index']}: {len(shard['experiments'])} experiments, about "
            f"{_duration(float(shard['seconds']))}"
        )
    return lines


def find_submission(directory: Path, name: str) -> Submission:
    """The submission with batch ``name`` or a job (array) id ``name``."""
    root = directory / SUBMIT_FOLDER
    candidates = sorted(root.glob("*/submission.json")) if root.exists() else []
    for path in candidates:
        submission = Submission.load(path)
        jobs = {
            attempt.job.split("_")[0]
            for attempts in submission.attempts.values()
            for attempt in attempts
        }
        if name == submission.batch or name.split("_")[0] in jobs:
            return submission
    raise SubmitError(
        f"--attach {name}: no submission under {root} has that job or batch; give the job "
        "array id submit printed, or the batch name (pytest-experiments submit --attach "
        "submit-…)"
    )


def attach(options: Options, say: Callable[[str], None]) -> int:
    assert options.attach is not None
    submission = find_submission(Path.cwd(), options.attach)
    executor = executor_for(submission)
    jobs = {
        int(index): job_of(submission, attempts[-1].job)
        for index, attempts in submission.attempts.items()
    }
    say(
        f"attached to batch {submission.batch} ({_shards(submission.count)}); journal "
        f"{submission.journal}"
    )
    return Watcher(submission, jobs, executor, options.poll, say).watch()


def _shards(count: int, word: str = "shard") -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"
