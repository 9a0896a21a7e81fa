"""Recording every experiment's result in the journal, the moment it exists.

The roles follow pytest-xdist's split:

* the process that runs an experiment — the only process, or an xdist worker — writes its
  result row in ``pytest_runtest_logreport``, as soon as the report exists, so a run killed
  later loses nothing that had finished;
* the controller (or the only process) writes the run's row once it knows experiments were
  collected, hands the run's uid to the workers, records an experiment whose worker died as
  ``crashed``, writes at session end any result a worker could not write, and marks the run
  finished with pytest's exit status.

Nothing is opened or written, and git is not run, unless the run collected an experiment: a
plain unit-test run leaves no journal behind.
"""

from __future__ import annotations

import shlex
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_experiments.notebook.journal import (
    Journal,
    JournalError,
    RunInfo,
    display_path,
    open_journal,
)
from pytest_experiments.notebook.options import journal_path
from pytest_experiments.notebook.provenance import scheduler_job
from pytest_experiments.notebook.trials import JournalTrials, tuning_lookup
from pytest_experiments.running.results import REPORT_ATTRIBUTE, STARTED_ATTRIBUTE
from pytest_experiments.spec.names import looks_like_experiment
from pytest_experiments.state import corrected_key, settings_key, shard_key, state_key

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_experiments.running.item import ExperimentState
    from pytest_experiments.settings import RunSettings

#: ``workerinput`` key with what a worker needs to write into the controller's run.
WORKER_INPUT = "experiments_journal"

#: ``workeroutput`` key with the journal errors a worker met.
WORKER_ERRORS = "experiments_journal_errors"


#: Worker name recorded for results of a run without xdist.
MAIN_WORKER = "master"


def register(config: pytest.Config) -> None:
    """Register the journal's hooks for this process's role (none when the run only lists:
    ``--co``, ``--fixtures``, ``--fixtures-per-test``, ``--setup-plan``)."""
    if _runs_nothing(config):
        return
    settings = config.stash[settings_key]
    path = journal_path(config)
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is not None:
        shared = workerinput.get(WORKER_INPUT)
        if shared is not None:
            writer = RunWriter(
                Path(shared["path"]),
                uid=shared["uid"],
                started=shared["started"],
                command=shared["command"],
                settings=settings,
                rootdir=config.rootpath,
            )
            config.pluginmanager.register(
                WorkerRecorder(config, writer, state_key, str(workerinput["workerid"])),
                "experiments-journal",
            )
        return
    if path is None:
        return
    writer = RunWriter(
        path,
        uid=uuid.uuid4().hex,
        started=time.time(),
        command=shlex.join(["pytest", *map(str, config.invocation_params.args)]),
        settings=settings,
        rootdir=config.rootpath,
    )
    recorder = RunRecorder(config, writer, state_key)
    config.pluginmanager.register(recorder, "experiments-journal")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistRecorder(recorder), "experiments-journal-xdist")


# -- the run's writer ------------------------------------------------------------------------


class RunWriter:
    """One process's handle on one run in the journal, opened on first use."""

    def __init__(
        self,
        path: Path,
        *,
        uid: str,
        started: float,
        command: str,
        settings: RunSettings,
        rootdir: Path,
    ) -> None:
        self.path = path
        self.uid = uid
        self.started = started
        self.command = command
        self.settings = settings
        self.rootdir = rootdir
        self.run_id: int | None = None
        self._journal: Journal | None = None
        #: With ``--exp-shard``: which shard of which batch the run is (``runs.shard``).
        self.shard: dict[str, Any] | None = None
        #: The batch scheduler's job (Slurm), kept with each result.
        self.job = scheduler_job()

    def journal(self) -> Journal:
        if self._journal is None:
            self._journal = open_journal(self.path)
        return self._journal

    def start(self) -> int:
        """The run's id, writing the run's row if no process of this run has yet."""
        if self.run_id is None:
            journal = self.journal()
            # A worker usually finds the row the controller wrote; only a missing row costs
            # the git calls that describe the run.
            run_id = journal.run_id(self.uid)
            self.run_id = run_id if run_id is not None else journal.start_run(self.describe())
            if self.shard is not None:
                journal.set_shard(self.run_id, self.shard)
        return self.run_id

    def describe(self) -> RunInfo:
        from pytest_experiments.notebook.provenance import collect

        mode = asdict(self.settings)
        mode.setdefault("confidence", getattr(self.settings, "confidence", None))
        origin = collect(self.rootdir)
        return RunInfo(
            uid=self.uid,
            started=self.started,
            command=self.command,
            mode=mode,
            git_commit=origin.git_commit,
            git_branch=origin.git_branch,
            git_dirty=origin.git_dirty,
            host=origin.host,
            python=origin.python,
            packages=origin.packages,
            project=origin.project,
        )

    def add(self, result: dict[str, Any], worker: str) -> None:
        self.journal().add_result(self.start(), self._with_job(result), worker)

    def add_started(self, result: dict[str, Any], worker: str) -> None:
        self.journal().add_started(self.start(), self._with_job(result), worker)

    def _with_job(self, result: dict[str, Any]) -> dict[str, Any]:
        return result if self.job is None else {**result, "job": self.job}

    def shared(self) -> dict[str, Any]:
        """What a worker needs to write into this run (JSON-safe, for ``workerinput``)."""
        return {
            "path": str(self.path.resolve()),
            "uid": self.uid,
            "started": self.started,
            "command": self.command,
        }

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None


# -- the process that runs experiments: a worker ---------------------------------------------


class WorkerRecorder:
    """On an xdist worker: writes each result this worker produced, at once."""

    def __init__(
        self,
        config: pytest.Config,
        writer: RunWriter,
        state_key: pytest.StashKey[ExperimentState],
        worker: str,
    ) -> None:
        self.config = config
        self.writer = writer
        self.state_key = state_key
        self.worker = worker

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """A shard's run row says which shard it is, even if this worker runs nothing."""
        shard = self.config.stash.get(shard_key, None)
        if shard is None:
            return
        self.writer.shard = shard
        try:
            self.writer.start()
        except JournalError as error:
            output: dict[str, Any] | None = getattr(self.config, "workeroutput", None)
            if output is not None:
                output.setdefault(WORKER_ERRORS, []).append(str(error))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        write_started(self.writer, item, self.state_key, self.worker, self.config)

    # Before xdist's own hook sends the report to the controller, which may be gone.
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, REPORT_ATTRIBUTE, None)
        if data is None:
            return
        try:
            self.writer.add(data, self.worker)
        except JournalError as error:
            # The controller writes what is missing at session end; tell it why.
            output: dict[str, Any] | None = getattr(self.config, "workeroutput", None)
            if output is not None:
                output.setdefault(WORKER_ERRORS, []).append(str(error))

    def pytest_unconfigure(self) -> None:
        self.writer.close()


# -- the controller, or the only process -----------------------------------------------------


class RunRecorder:
    """Writes the run's row and its end; writes results too when there are no workers."""

    def __init__(
        self,
        config: pytest.Config,
        writer: RunWriter,
        state_key: pytest.StashKey[ExperimentState],
    ) -> None:
        self.config = config
        self.writer = writer
        self.state_key = state_key
        self.distributed = False
        #: Results seen on reports, by node id, with the worker that produced them.
        self.reported: dict[str, tuple[dict[str, Any], str]] = {}
        self.written: set[str] = set()
        #: Under xdist: experiments that passed setup, with when and where, for crash rows.
        self.running: dict[str, tuple[dict[str, Any], float, str]] = {}
        self.errors: list[str] = []
        #: Results written at session end because their first write failed.
        self.late = 0
        self.used = False
        #: Plain tests reported, and their seconds over all phases (for runtime estimates).
        self.tests: set[str] = set()
        self.tests_seconds = 0.0

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # xdist registers its controller session in pytest_configure (trylast), after ours.
        self.distributed = self.config.pluginmanager.hasplugin("dsession")
        if self.distributed:
            self.listen()

    def listen(self) -> None:
        """Start reading reports: under xdist from the start, otherwise once experiments are
        collected, so that a plain unit-test run pays for no per-report hook."""
        if self.config.pluginmanager.get_plugin(LISTENER_NAME) is None:
            self.config.pluginmanager.register(ReportListener(self), LISTENER_NAME)
            if not self.distributed:
                starts = StartRecorder(self.config, self.writer, self.state_key, self.errors)
                self.config.pluginmanager.register(starts, "experiments-journal-starts")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Without xdist: write the run's row before the first experiment runs."""
        if self.config.option.collectonly:
            return
        shard = self.config.stash.get(shard_key, None)
        if shard is not None:
            # A shard always has a row, so that a merge tells an empty shard from a lost one.
            self.writer.shard = shard
        if shard is not None or any(self.state_key in item.stash for item in session.items):
            self.listen()
            self.start_run()

    def start_run(self) -> None:
        """Open the journal and write the run's row; a journal that cannot be used stops the
        run before anything runs."""
        try:
            self.writer.start()
        except JournalError as error:
            raise pytest.UsageError(str(error)) from None
        self.used = True

    def on_report(self, report: pytest.TestReport) -> None:
        """Each test report of the run, from :class:`ReportListener`."""
        if not looks_like_experiment(report.nodeid):
            self.tests.add(report.nodeid)
            self.tests_seconds += report.duration
        started = getattr(report, STARTED_ATTRIBUTE, None)
        if started is not None:
            self.running[report.nodeid] = (started, time.time(), _worker_of(report))
        data = getattr(report, REPORT_ATTRIBUTE, None)
        if data is None:
            return
        self.used = True
        self.running.pop(report.nodeid, None)
        worker = _worker_of(report)
        self.reported[report.nodeid] = (data, worker)
        if self.distributed:
            return  # the worker has written it
        try:
            self.writer.add(data, worker)
        except JournalError as error:
            self.errors.append(str(error))
        else:
            self.written.add(report.nodeid)

    def record_crash(self, nodeid: str, report: pytest.TestReport) -> None:
        """Under xdist: the worker running ``nodeid`` died; record it as crashed."""
        known, since, worker = self.running.pop(nodeid, (None, None, _worker_of(report)))
        if known is None:
            if not looks_like_experiment(nodeid):
                return
            from pytest_experiments.settings import experiment_seed

            settings = self.config.stash[settings_key]
            # Died before its setup report arrived: its markers are unknown here.
            known = {
                "nodeid": nodeid,
                "question": None,
                "expectation": None,
                "fraction": settings.fraction_for(None),
                "seed": experiment_seed(settings.seed, nodeid),
            }
        self.used = True
        message = str(report.longrepr or f"worker {worker} crashed while running {nodeid}")
        duration = time.time() - since if since is not None else 0.0
        try:
            self.writer.journal().add_crash(self.writer.start(), known, message, worker, duration)
        except JournalError as error:
            self.errors.append(str(error))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.used:
            return
        try:
            run_id = self.writer.start()
            pending = set(self.reported) - self.written
            if pending:
                # Results a worker (or an earlier write here) could not store. Most did land:
                # only those without a row are written, and INSERT OR IGNORE keeps any twin out.
                for nodeid in sorted(pending - self.writer.journal().nodeids(run_id)):
                    data, worker = self.reported[nodeid]
                    self.writer.add(data, worker)
                    self.late += 1
            for result in self.config.stash.get(corrected_key, []):
                self.writer.journal().correct_result(run_id, result.to_json())
            self.writer.journal().finish_run(
                run_id, int(session.exitstatus), len(self.tests), self.tests_seconds
            )
        except JournalError as error:
            self.errors.append(str(error))

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.writer.run_id is not None:
            where = display_path(self.writer.path, self.config.invocation_params.dir)
            terminalreporter.write_line(f"journal: {where} (run {self.writer.run_id})")
        for message in dict.fromkeys(self.errors):
            terminalreporter.write_line(f"journal error: {message}", red=True, bold=True)
        if self.late:
            terminalreporter.write_line(
                f"journal: {self.late} result(s) that could not be written when they finished "
                "were written at the end of the session",
                yellow=True,
            )

    def pytest_unconfigure(self) -> None:
        self.writer.close()


def write_started(
    writer: RunWriter,
    item: pytest.Item,
    state_key: pytest.StashKey[ExperimentState],
    worker: str,
    config: pytest.Config,
    errors: list[str] | None = None,
) -> None:
    """Before an experiment's body runs: a row saying it started, which its result replaces,
    so that a process killed mid-experiment leaves a trace (``crashed``, "started ... and did
    not finish")."""
    if state_key not in item.stash:
        return
    try:
        writer.add_started(item.stash[state_key].result.to_json(), worker)
    except JournalError as error:
        if errors is not None:
            errors.append(str(error))
        else:
            output: dict[str, Any] | None = getattr(config, "workeroutput", None)
            if output is not None:
                output.setdefault(WORKER_ERRORS, []).append(str(error))


class StartRecorder:
    """Without xdist: the row of an experiment that starts (see :func:`write_started`)."""

    def __init__(
        self,
        config: pytest.Config,
        writer: RunWriter,
        state_key: pytest.StashKey[ExperimentState],
        errors: list[str],
    ) -> None:
        self.config, self.writer, self.state_key, self.errors = config, writer, state_key, errors

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        write_started(self.writer, item, self.state_key, MAIN_WORKER, self.config, self.errors)


LISTENER_NAME = "experiments-journal-reports"


class ReportListener:
    """Hands every test report to the :class:`RunRecorder` (registered only when needed)."""

    def __init__(self, recorder: RunRecorder) -> None:
        self.recorder = recorder

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.recorder.on_report(report)


class XdistRecorder:
    """The controller's xdist hooks; registered only when pytest-xdist is installed."""

    def __init__(self, recorder: RunRecorder) -> None:
        self.recorder = recorder

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[WORKER_INPUT] = self.recorder.writer.shared()

    def pytest_xdist_node_collection_finished(self, node: Any, ids: Sequence[str]) -> None:
        # Called before any test is scheduled: the row exists before the first result.
        recorder = self.recorder
        sharded = recorder.config.getoption("experiment_shard", None) is not None
        if recorder.writer.run_id is None and (sharded or any(map(looks_like_experiment, ids))):
            recorder.start_run()

    def pytest_handlecrashitem(self, crashitem: str, report: pytest.TestReport, sched: Any) -> None:
        self.recorder.record_crash(crashitem, report)

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", None) or {}
        self.recorder.errors.extend(output.get(WORKER_ERRORS, ()))


def _runs_nothing(config: pytest.Config) -> bool:
    option = config.option
    return any(
        getattr(option, name, False)
        for name in ("collectonly", "showfixtures", "show_fixtures_per_test", "setupplan")
    )


def _worker_of(report: pytest.TestReport) -> str:
    node = getattr(report, "node", None)
    gateway = getattr(node, "gateway", None)
    return str(getattr(gateway, "id", MAIN_WORKER))


def tuning_access(
    item: pytest.Item,
) -> tuple[JournalTrials, Callable[[str], dict[str, Any]]] | None:
    """For ``exp.tune`` and ``exp.tuned``: the journal's trial cache for ``item`` and the
    lookup of tuning results; None without a journal."""
    recorder = item.config.pluginmanager.get_plugin("experiments-journal")
    writer = getattr(recorder, "writer", None)
    if writer is None:
        return None
    errors: list[str] = getattr(recorder, "errors", [])
    selected = getattr(recorder, "selected", None)
    if selected is None:
        selected = {other.nodeid for other in item.session.items}
        recorder.selected = selected  # type: ignore[union-attr]
    return JournalTrials(writer, item.nodeid, errors), tuning_lookup(writer, selected, errors)
