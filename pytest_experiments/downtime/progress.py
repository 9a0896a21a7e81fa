"""Progress of long runs: one line per finished experiment, with the time since the run started
and when the batch should end.

A run is *long* when the batch's estimate (of the experiments timed before; guesses do not
count) is at least :data:`LONG_BATCH` seconds on its workers, or an experiment took at least
:data:`LONG_EXPERIMENT` seconds; until then nothing is printed, so
short runs stay as quiet as pytest is. The ini setting ``experiment_progress`` says ``auto``
(that rule, the default), ``always`` or ``never``.

The ETA schedules what is left longest first on the run's workers: the estimates of experiments
not started, and what remains of those running. Estimates are scaled by how the finished
experiments compared with theirs (actual / estimated, kept within 0.5-2), so a machine that is
slower tonight moves the ETA instead of missing it; an experiment never timed counts as the
mean of those finished so far.

The lines never split pytest's own: with ``-v`` (a line per test) one follows the finished
test's line; otherwise the newest waits until pytest ends a row of progress characters (or the
last test finishes), and only it is printed.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Mapping
from typing import Any

import pytest

from pytest_experiments.downtime.batch import BATCH_ATTRIBUTE, Batch, Job, batch_key
from pytest_experiments.downtime.runtime import format_duration, wall_clock
from pytest_experiments.running.results import REPORT_ATTRIBUTE

LONG_BATCH = 60.0
LONG_EXPERIMENT = 10.0

#: Bounds of the factor that scales estimates by how the finished experiments compared.
CALIBRATION_BOUNDS = (0.5, 2.0)
#: Experiments shorter than this do not calibrate: their time is mostly noise.
CALIBRATION_FLOOR = 0.1


def calibration(batch: Batch, finished: Mapping[str, float]) -> float:
    """Actual over estimated seconds of the finished experiments with a fitted estimate."""
    estimated = actual = 0.0
    for job in batch.jobs:
        if job.nodeid in finished and job.guess is None and job.reused_from is None:
            if job.cost >= CALIBRATION_FLOOR:
                estimated += job.cost
                actual += finished[job.nodeid]
    if estimated <= 0:
        return 1.0
    low, high = CALIBRATION_BOUNDS
    return min(high, max(low, actual / estimated))


def remaining(
    batch: Batch, finished: Mapping[str, float], running: Mapping[str, float], now: float
) -> float:
    """Seconds until the batch should end, from ``now``. An experiment never timed before
    counts as the mean of those finished so far while no finished one had an estimate to
    calibrate by (its guess before any finished)."""
    factor = calibration(batch, finished)
    fitted = any(
        job.nodeid in finished and job.guess is None and job.reused_from is None
        for job in batch.jobs
    )
    typical = sum(finished.values()) / len(finished) if finished and not fitted else None
    costs = []
    for job in batch.jobs:
        if job.nodeid in finished:
            continue
        guessed = job.guess is not None and typical is not None
        cost = typical if guessed and typical is not None else job.cost * factor
        if job.nodeid in running:
            cost = max(0.0, cost - (now - running[job.nodeid]))
        costs.append(cost)
    return wall_clock(costs, batch.workers)


class ProgressReporter:
    """On the controller (or the only process): the progress lines of a long run."""

    def __init__(self, config: pytest.Config, mode: str, started: float) -> None:
        self.config = config
        self.mode = mode
        self.started = started
        self.batch: Batch | None = None
        self.jobs: dict[str, Job] = {}
        self.running: dict[str, float] = {}
        self.finished: dict[str, float] = {}
        self.loud = mode == "always"
        #: The newest progress line, waiting for the end of pytest's current row.
        self.pending: str | None = None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Without xdist the batch was decided in this process."""
        self.take_batch(self.config.stash.get(batch_key, None))

    def take_batch(self, batch: Batch | None) -> None:
        if self.batch is None and batch is not None:
            self.batch = batch
            self.jobs = {job.nodeid: job for job in batch.jobs}
            # Guesses are no evidence that the batch is long: a new batch turns loud when an
            # experiment takes long.
            fitted = [job.cost for job in batch.jobs if job.guess is None]
            if self.mode == "auto" and wall_clock(fitted, batch.workers) >= LONG_BATCH:
                self.loud = True

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        shipped: dict[str, Any] | None = getattr(report, BATCH_ATTRIBUTE, None)
        if shipped is not None and self.batch is None:
            self.take_batch(Batch.from_json(shipped))
        if report.when == "setup" and report.passed:
            self.running[report.nodeid] = time.time()
        data = getattr(report, REPORT_ATTRIBUTE, None)
        if data is None or report.nodeid in self.finished:
            return
        self.running.pop(report.nodeid, None)
        seconds = float(data.get("duration") or 0.0)
        self.finished[report.nodeid] = seconds
        if self.mode == "auto" and seconds >= LONG_EXPERIMENT:
            self.loud = True
        if self.loud and self.mode != "never":
            self.pending = self.line(report.nodeid, str(data.get("status", "")), seconds)
        self._flush()

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logfinish(self) -> None:
        self._flush()

    @pytest.hookimpl(tryfirst=True)
    def pytest_terminal_summary(self) -> None:
        self._flush(force=True)

    def line(self, nodeid: str, status: str, seconds: float, now: float | None = None) -> str:
        """``[3/12] t.py::exp_a CONFIRMED in 4m 05s (estimated 3m 50s); elapsed 12m 30s, ETA
        35m 10s (about 23:41)``."""
        now = time.time() if now is None else now
        batch, jobs = self.batch, self.jobs
        count = f"{len(self.finished)}/{len(jobs)}" if jobs else str(len(self.finished))
        text = f"[{count}] {nodeid} {status.upper()} in {format_duration(seconds)}"
        job = jobs.get(nodeid)
        if job is not None and job.reused_from is None:
            kind = "guessed" if job.guess is not None else "estimated"
            text += f" ({kind} {format_duration(job.cost)})"
        text += f"; elapsed {format_duration(now - self.started)}"
        if batch is not None:
            left = remaining(batch, self.finished, self.running, now)
            end = datetime.datetime.fromtimestamp(now + left).strftime("%H:%M")
            text += f", ETA {format_duration(left)} (about {end})"
        return text

    def _flush(self, force: bool = False) -> None:
        if self.pending is None:
            return
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is None:
            return
        # Under xdist the progress characters are written without the reporter's own notion
        # of an open line: ask the writer itself.
        writer: Any = getattr(terminal, "_tw", None)
        open_row = getattr(writer, "width_of_current_line", 0) > 0
        if open_row and not force and self.config.get_verbosity() <= 0:
            return  # a row of progress characters: wait for pytest to end it
        if open_row:
            terminal.write("\n")
        terminal.write_line(self.pending, cyan=True)
        self.pending = None
