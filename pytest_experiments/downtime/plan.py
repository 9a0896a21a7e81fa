"""``pytest --exp-plan``: what each experiment asks, what it last answered, and what it will cost.

Collects without running anything and prints, for every selected experiment, its question and
expectation, its last verdict and answer from the journal, how long it last took, and how long
it should take at the share of the data this command line asks for (the model is in
:mod:`runtime`: a power law in the rows fitted to the experiment's history, and an honest
*guess* for an experiment never timed). Then the batch: the experiment time in total, the
wall-clock estimate on the run's workers (``-n N``) with what else the run costs, how close
past estimates came, and with ``--budget`` what fits and what would be left out.

The formatting is plain functions; :class:`PlanPrinter` is the thin hook.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_experiments.downtime.batch import Batch, Job, batch_key, budget_lines, other_time_lines
from pytest_experiments.downtime.runtime import (
    HISTORY_LIMIT,
    Accuracy,
    accuracy_line,
    estimate_duration,
    format_duration,
    past_accuracy,
    plan_estimate,
    points_from,
)
from pytest_experiments.notebook.journal import JournalError, ResultRow, display_path, open_journal
from pytest_experiments.offsite.sharding import plan_shards
from pytest_experiments.settings import format_fraction

if TYPE_CHECKING:
    from pytest_experiments.running.item import ExperimentState
    from pytest_experiments.settings import RunSettings

__all__ = ["PlanEntry", "PlanPrinter", "entry_lines", "estimate_duration", "format_duration"]


@dataclass(frozen=True)
class PlanEntry:
    """One experiment in the plan."""

    nodeid: str
    question: str | None
    expectation: str | None
    fraction: float
    problem: str | None
    last: ResultRow | None
    last_started: float | None
    estimate: float | None
    #: With ``--sample auto``: the time if the sample grows all the way to the full data.
    worst: float | None = None
    #: For an experiment never timed: the guess and what it rests on.
    guess: tuple[float, str] | None = None
    #: With ``--reuse``: the run whose answer it would reuse.
    reused_from: int | None = None
    auto: bool = False
    #: A tuning experiment scaled to the trials its code asks for (``30 trials planned, …``).
    trials: str | None = None


def entry_lines(entry: PlanEntry) -> list[str]:
    """The lines that describe one experiment in the plan."""
    lines = [
        entry.nodeid,
        f"    question:  {entry.question or '(none)'}",
        f"    expected:  {entry.expectation or '(no expectation: the answer is recorded)'}",
    ]
    if entry.problem is not None:
        lines.append(f"    problem:   {entry.problem}")
    last = entry.last
    if last is None:
        lines.append("    last:      never run")
        lines.append(f"    time:      {_estimate_text(entry)}")
        return lines
    answer = f", answer {last.answer_text}" if last.answer_text is not None else ""
    when = ""
    if entry.last_started is not None:
        stamp = datetime.datetime.fromtimestamp(entry.last_started).strftime("%Y-%m-%d %H:%M")
        when = f", {stamp}"
    source = last.data.get("reused_from") if isinstance(last.data, dict) else None
    reused = f", reused from run {source}" if source is not None else ""
    lines.append(
        f"    last:      {last.status}{answer} at {format_fraction(last.fraction)} "
        f"(run {last.run_id}{when}{reused})"
    )
    if last.error and last.status in ("failed", "error", "crashed") and entry.problem is None:
        lines.append(f"    error:     {_shorten(last.error)}")
    took = "reused (not run)" if source is not None else format_duration(last.duration)
    lines.append(
        f"    time:      last {took} at {format_fraction(last.fraction)}; {_estimate_text(entry)}"
    )
    return lines


def _estimate_text(entry: PlanEntry) -> str:
    share = format_fraction(entry.fraction)
    if entry.reused_from is not None:
        return f"reused from run {entry.reused_from} at {share} (inputs unchanged)"
    if entry.estimate is None:
        text = f"unknown at {share}"
        if entry.guess is not None:
            seconds, basis = entry.guess
            upto = "auto: guess up to" if entry.auto else "guess"
            text += f" ({upto} {format_duration(seconds)}: {basis})"
        return text
    text = f"about {format_duration(entry.estimate)} at {share}"
    if entry.trials is not None:
        text += f" ({entry.trials})"
    if entry.worst is not None:
        text += f" (auto: up to {format_duration(entry.worst)} if it grows to 100%)"
    return text


def _shorten(text: str, width: int = 100) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= width else first[: width - 3] + "..."


def total_line(entries: Sequence[PlanEntry], mode: str) -> str:
    """How many experiments and how much experiment time they should take together."""
    running = [entry for entry in entries if entry.reused_from is None]
    known = [entry.estimate for entry in running if entry.estimate is not None]
    guessed = [entry.guess[0] for entry in running if entry.estimate is None and entry.guess]
    count = f"{len(entries)} experiment{'s' if len(entries) != 1 else ''}"
    reused = len(entries) - len(running)
    tail = f" ({reused} reused)" if reused else ""
    if not known and not guessed:
        return f"{count} at {mode}: nothing to run{tail}" if reused else f"{count} at {mode}"
    if not known:
        text = f"{count} at {mode}: time unknown (never run; guessed {_sum(guessed)})"
        return text + tail
    text = f"{count} at {mode}: about {_sum(known)} of experiment time"
    worst = [entry.worst for entry in running if entry.worst is not None]
    if worst:
        rest = [e.estimate for e in running if e.worst is None and e.estimate is not None]
        text += f" (auto: up to {_sum(worst + rest)})"
    if guessed:
        text += f" + {len(guessed)} never timed (guessed {_sum(guessed)})"
    return text + tail


def _sum(values: Sequence[float]) -> str:
    return format_duration(sum(values))


def wall_line(batch: Batch) -> str:
    """The wall-clock estimate of the batch on its workers."""
    if batch.workers > 1:
        where = f"on {batch.workers} workers, longest first"
    else:
        where = "in one process"
    return f"wall-clock {where}: about {format_duration(batch.wall)}"


def shard_lines(batch: Batch, count: int) -> list[str]:
    """``--exp-plan --exp-shards N``: each shard's experiments and estimated time, as
    ``--exp-shard K/N`` would cut them (plain tests go to shard 1)."""
    costs = [job.estimate if job.estimate is not None else job.cost for job in batch.jobs]
    shards = plan_shards(costs, count, [job.nodeid for job in batch.jobs])
    loads = [sum(costs[job] for job in jobs) for jobs in shards]
    lines: list[str] = []
    for index, jobs in enumerate(shards, start=1):
        guessed = sum(1 for job in jobs if batch.jobs[job].guess is not None)
        tail = f", {guessed} guessed" if guessed else ""
        plain = "plain test" if batch.tests == 1 else "plain tests"
        tests = f" + {batch.tests} {plain}" if index == 1 and batch.tests else ""
        size = f"{len(jobs)} experiment{'s' if len(jobs) != 1 else ''}"
        lines.append(
            f"shard {index}/{count}: {size}{tests}, about {_sum([loads[index - 1]])}{tail}"
        )
        for job in jobs:
            lines.append(f"    {format_duration(costs[job]):>8}  {batch.jobs[job].nodeid}")
    mean = sum(loads) / count if count else 0.0
    if mean > 0:
        lines.append(
            f"longest shard {format_duration(max(loads))}, {max(loads) / mean:.2f}x the mean "
            f"shard ({format_duration(mean)})"
        )
    return lines


def plan_json(batch: Batch | None, journal: Path | None, count: int | None) -> dict[str, object]:
    """``--exp-plan-json``: the plan as data: the journal, each selected experiment with its
    estimated seconds, and with ``--exp-shards N`` each shard's experiments."""
    jobs = batch.jobs if batch is not None else []
    costs = [job.estimate if job.estimate is not None else job.cost for job in jobs]
    data: dict[str, object] = {
        "journal": None if journal is None else str(journal.resolve()),
        "experiments": [
            {"nodeid": job.nodeid, "seconds": round(cost, 3), "guessed": job.guess is not None}
            for job, cost in zip(jobs, costs, strict=True)
        ],
        "tests": batch.tests if batch is not None else 0,
    }
    if count:
        data["shards"] = [
            {
                "index": index,
                "experiments": [jobs[job].nodeid for job in shard],
                "seconds": round(sum(costs[job] for job in shard), 3),
            }
            for index, shard in enumerate(
                plan_shards(costs, count, [job.nodeid for job in jobs]), start=1
            )
        ]
    return data


class PlanPrinter:
    """Prints the plan instead of running the session's tests."""

    def __init__(
        self,
        config: pytest.Config,
        journal: Path | None,
        state_key: pytest.StashKey[ExperimentState],
        settings: RunSettings,
    ) -> None:
        self.config = config
        self.journal = journal
        self.state_key = state_key
        self.settings = settings

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if session.testsfailed and not self.config.option.continue_on_collection_errors:
            failed = session.testsfailed
            raise session.Interrupted(
                f"{failed} error{'s' if failed != 1 else ''} during collection"
            )
        states = [
            state
            for state in (item.stash.get(self.state_key, None) for item in session.items)
            if state is not None
        ]
        batch = self.config.stash.get(batch_key, None)
        try:
            entries, source, accuracy = self.entries(states, batch)
        except JournalError as error:
            raise pytest.UsageError(str(error)) from None
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return True
        reporter.write_sep("=", "experiment plan")
        reporter.write_line(source)
        for entry in entries:
            for line in entry_lines(entry):
                reporter.write_line(line)
        reporter.write_sep("-")
        reporter.write_line(total_line(entries, self.settings.describe()), bold=True)
        if batch is not None:
            reporter.write_line(wall_line(batch), bold=True)
            for line in other_time_lines(batch):
                reporter.write_line(line)
        if accuracy is not None:
            reporter.write_line(accuracy_line(accuracy))
        if batch is not None and batch.budget is not None:
            reporter.write_sep("-")
            for line in budget_lines(batch, details=False):
                reporter.write_line(line)
        shards = self.config.getoption("experiment_shards", None)
        if batch is not None and shards:
            reporter.write_sep("-", f"{shards} shards, longest first over the estimates")
            for line in shard_lines(batch, shards):
                reporter.write_line(line)
        target = self.config.getoption("experiment_plan_json", None)
        if target:
            path = self.config.invocation_params.dir / Path(str(target)).expanduser()
            path.write_text(json.dumps(plan_json(batch, self.journal, shards), indent=1) + "\n")
        return True

    def entries(
        self, states: Sequence[ExperimentState], batch: Batch | None
    ) -> tuple[list[PlanEntry], str, Accuracy | None]:
        """The plan's entries, where the history came from, and how good past estimates were."""
        jobs = {job.nodeid: job for job in batch.jobs} if batch is not None else {}
        if self.journal is None or not self.journal.exists():
            source = (
                "journal: off"
                if self.journal is None
                else f"journal: none yet at {display_path(self.journal)}"
            )
            return [self._entry(state, [], None, jobs) for state in states], source, None
        with open_journal(self.journal, create=False) as journal:
            started = {run.id: run.started for run in journal.runs()}
            entries = [
                self._entry(
                    state,
                    journal.history(state.result.nodeid, limit=HISTORY_LIMIT),
                    started,
                    jobs,
                )
                for state in states
            ]
            accuracy = past_accuracy(journal)
        return entries, f"journal: {display_path(self.journal)}", accuracy

    def _entry(
        self,
        state: ExperimentState,
        history: Sequence[ResultRow],
        started: dict[int, float] | None,
        jobs: dict[str, Job],
    ) -> PlanEntry:
        result = state.result
        last = history[0] if history else None
        first, whole = plan_estimate(state.plan.fractions, points_from(history))
        job = jobs.get(result.nodeid)
        scale = job.scale if job is not None else 1.0
        first = None if first is None else first * scale
        whole = None if whole is None else whole * scale
        return PlanEntry(
            nodeid=result.nodeid,
            question=result.question,
            expectation=result.expectation,
            fraction=result.fraction,
            problem=state.problem,
            last=last,
            last_started=None if last is None or started is None else started.get(last.run_id),
            estimate=first,
            worst=whole if state.plan.auto else None,
            guess=(job.cost, job.guess) if job is not None and job.guess is not None else None,
            reused_from=job.reused_from if job is not None else None,
            auto=state.plan.auto,
            trials=job.trials if job is not None else None,
        )
