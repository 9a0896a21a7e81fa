"""The batch a run is about to execute: what each experiment should cost, what ``--budget``
leaves out, the order xdist gets, and the wall-clock estimate.

Decided once, at the end of collection, in every process that collects (each xdist worker
computes the same batch from the same journal rows: only rows written before the run started
count). The controller of an xdist run collects nothing; it gets the batch on the first report
of each worker (:data:`BATCH_ATTRIBUTE`), for the progress lines and the budget summary.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_experiments.downtime.budget import HEADROOM, Candidate, choose, read_priority
from pytest_experiments.downtime.reuse import data_files, find_reusable, fingerprint, reuse_key
from pytest_experiments.downtime.runtime import (
    History,
    format_duration,
    guess,
    load_history,
    look_seconds,
    plan_estimate,
    seconds_per_test,
    typical_overhead,
    wall_clock,
)
from pytest_experiments.downtime.scheduling import arrange, reorders
from pytest_experiments.downtime.search_cost import trial_scale
from pytest_experiments.errors import DefinitionError
from pytest_experiments.notebook.journal import Journal, JournalError, open_journal
from pytest_experiments.offsite.sharding import ShardRequest, cut
from pytest_experiments.state import shard_key

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable

    from pytest_experiments.running.item import ExperimentState
    from pytest_experiments.settings import RunSettings

#: Attribute of a worker's first test report that carries :meth:`Batch.to_json`.
BATCH_ATTRIBUTE = "experiment_batch"


@dataclass
class Job:
    """One experiment in the batch (JSON-safe)."""

    nodeid: str
    #: Estimated seconds (for ``--sample auto``, all looks); 0 when reused.
    cost: float
    #: Why the cost is a guess (never timed), or None when it is fitted to the history.
    guess: str | None = None
    priority: int = 0
    #: When its newest answer was journaled; None: never answered.
    answered: float | None = None
    #: With ``--reuse``: the run whose answer it will reuse.
    reused_from: int | None = None
    #: The estimate before ``--reuse`` made it 0: what ``--exp-shard`` balances.
    estimate: float | None = None
    #: A tuning experiment's scale for the trials its code now asks for (:mod:`.search_cost`).
    scale: float = 1.0
    #: What the scale rests on (``30 trials planned, 12 journaled``).
    trials: str | None = None


@dataclass
class Batch:
    """What a run will do, as estimated before it starts (JSON-safe)."""

    workers: int
    dist: str
    reordered: bool
    jobs: list[Job] = field(default_factory=list)
    dropped: list[Job] = field(default_factory=list)
    tests: int = 0
    #: Estimated seconds of the plain tests; None when the journal never measured any.
    tests_seconds: float | None = None
    #: Start-up and fixtures, from past runs; None when no run finished yet.
    overhead: float | None = None
    overhead_runs: int = 0
    budget: float | None = None
    wall: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Batch:
        data = dict(data)
        data["jobs"] = [Job(**job) for job in data.get("jobs", [])]
        data["dropped"] = [Job(**job) for job in data.get("dropped", [])]
        return cls(**data)

    @property
    def guessed(self) -> list[Job]:
        return [job for job in self.jobs if job.guess is not None]


def estimate_wall(
    costs: list[float], workers: int, tests: float | None, overhead: float | None
) -> float:
    return wall_clock(costs, workers, tests=tests or 0.0, overhead=overhead or 0.0)


def build(
    items: list[pytest.Item],
    states: dict[int, ExperimentState],
    history: History,
    workers: int,
    settings: RunSettings,
) -> Batch:
    """Estimate every experiment among ``items`` (``states`` by item position)."""
    jobs: dict[int, Job] = {}
    known: dict[str, float] = {}
    for index, state in states.items():
        nodeid = items[index].nodeid
        points = history.points(nodeid)
        _, whole = plan_estimate(state.plan.fractions, points)
        if state.plan.auto and points:
            state.costs = partial(look_seconds, points=points)
        scale = trial_scale(getattr(items[index], "obj", None), history.results.get(nodeid, ()))
        if whole is not None:
            whole *= scale[0] if scale else 1.0
            known[nodeid] = whole
        jobs[index] = Job(
            nodeid=nodeid,
            cost=whole if whole is not None else 0.0,
            priority=_priority(items[index], state),
            answered=history.last_answered(nodeid),
            scale=scale[0] if scale else 1.0,
            trials=scale[1] if scale else None,
        )
    for job in jobs.values():
        if job.nodeid not in known:
            job.cost, job.guess = guess(job.nodeid, known)
        job.estimate = job.cost
    overhead = typical_overhead(history, workers)
    per_test = seconds_per_test(history)
    tests = len(items) - len(states)
    return Batch(
        workers=workers,
        dist="no",
        reordered=False,
        jobs=[jobs[index] for index in sorted(jobs)],
        tests=tests,
        tests_seconds=None if per_test is None else per_test * tests,
        overhead=None if overhead is None else overhead[0],
        overhead_runs=0 if overhead is None else overhead[1],
    )


def _priority(item: pytest.Item, state: ExperimentState) -> int:
    try:
        return read_priority(item)
    except DefinitionError as error:
        if state.problem is None:
            state.problem = str(error)
        return 0


class BatchPlanner:
    """Estimates, reuses, budgets and orders the collected experiments (in every process that
    collects)."""

    def __init__(
        self,
        config: pytest.Config,
        state_key: pytest.StashKey[ExperimentState],
        settings: RunSettings,
        *,
        journal: Path | None,
        before: float,
        workers: int,
        dist: str,
        budget: float | None,
        reuse: bool,
        longest_first: bool,
        on_experiments: Callable[[], None] = lambda: None,
        shard: ShardRequest | None = None,
        history: Path | None = None,
    ) -> None:
        self.config = config
        self.state_key = state_key
        self.settings = settings
        self.journal = journal
        self.before = before
        self.workers = workers
        self.dist = dist
        self.budget = budget
        self.reuse = reuse
        self.longest_first = longest_first
        self.on_experiments = on_experiments
        self.shard = shard
        self.history = history
        self.batch: Batch | None = None
        self.costs: dict[str, float] = {}

    # After -k, -m and --deselect have chosen, so the budget sees only what was selected.
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        states = self._states(items)
        if not states:
            return
        self.on_experiments()
        for index, state in states.items():
            try:
                data_files(items[index])
            except DefinitionError as error:
                if state.problem is None:
                    state.problem = str(error)
        history = self._history(items[index].nodeid for index in states)
        batch = build(items, states, history, self.workers, self.settings)
        if self.shard is not None:
            batch = self._keep_shard(batch, items, config)
            states = self._states(items)
        if self.reuse or (self.shard is not None and self.shard.resume):
            self._find_reusable(items, states)
        for job, index in zip(batch.jobs, sorted(states), strict=True):
            row = items[index].stash.get(reuse_key, None)
            if row is not None:
                job.reused_from = row.data.get("reused_from") or row.run_id
                job.cost, job.guess = 0.0, None
        batch.budget = self.budget
        if self.budget is not None:
            self._apply_budget(batch, items, config)
        batch.dist = self.dist
        if self.longest_first and reorders(self.dist, self.workers):
            costs = {job.nodeid: job.cost for job in batch.jobs}
            order = arrange(
                [item.nodeid for item in items],
                costs,
                self.dist,
                self.workers,
                getattr(config.option, "maxschedchunk", None),
            )
            items[:] = [items[index] for index in order]
            batch.reordered = True
        batch.wall = estimate_wall(
            [job.cost for job in batch.jobs], self.workers, batch.tests_seconds, batch.overhead
        )
        self.batch = batch
        self.costs = {job.nodeid: job.cost for job in batch.jobs}
        config.stash[batch_key] = batch

    def _states(self, items: list[pytest.Item]) -> dict[int, ExperimentState]:
        return {
            index: item.stash[self.state_key]
            for index, item in enumerate(items)
            if self.state_key in item.stash
        }

    def _history(self, nodeids: Iterable[str]) -> History:
        """What the runtime model knows: from ``--exp-history`` if given, else the run's
        journal; a shard leaves out the runs of its own batch, so a retry is cut as before."""
        source = self.history or self.journal
        if source is None or not source.exists():
            return History()
        try:
            with open_journal(source, create=False) as journal:
                skip = self._batch_runs(journal)
                return load_history(journal, nodeids, before=self.before, skip_runs=skip)
        except JournalError:
            # The journal's own hooks report an unusable journal; estimates just go without.
            return History()

    def _batch_runs(self, journal: Journal) -> set[int]:
        """The ids of the runs in ``journal`` that were shards of this run's batch."""
        if self.shard is None:
            return set()
        return {
            run.id
            for run in journal.runs()
            if run.shard and run.shard.get("batch") == self.shard.batch
        }

    def _keep_shard(self, batch: Batch, items: list[pytest.Item], config: pytest.Config) -> Batch:
        """Keep this shard's items (``--exp-shard``), deselect the rest."""
        assert self.shard is not None
        positions = sorted(self._states(items))
        costs = {position: job.cost for position, job in zip(positions, batch.jobs, strict=True)}
        shard = cut([item.nodeid for item in items], costs, self.shard)
        kept = set(shard.keep)
        deselected = [item for index, item in enumerate(items) if index not in kept]
        batch.jobs = [
            job for position, job in zip(positions, batch.jobs, strict=True) if position in kept
        ]
        tests_before = batch.tests
        items[:] = [items[index] for index in shard.keep]
        batch.tests = len(items) - len(batch.jobs)
        if batch.tests_seconds is not None and tests_before:
            batch.tests_seconds *= batch.tests / tests_before
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        config.stash[shard_key] = shard.info
        return batch

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """With ``--budget``: do not start an experiment that would end after the budget.

        The batch was chosen to end within 90 % of the budget; this guards the rest when
        experiments run slower than their estimates (the run's start is the controller's, so
        workers agree on it).
        """
        if self.budget is None or item.nodeid not in self.costs:
            return
        cost = self.costs[item.nodeid]
        left = self.budget - (time.time() - self.before)
        if cost > left:
            # A skip marker (pytest's skipping hook runs after this one) reports the skip at
            # the experiment's line rather than here.
            reason = (
                f"--budget: not started, its estimate of {format_duration(cost)} is more than "
                f"the {format_duration(max(0.0, left))} left of {format_duration(self.budget)}"
            )
            item.add_marker(pytest.mark.skip(reason=reason))

    def _find_reusable(self, items: list[pytest.Item], states: dict[int, ExperimentState]) -> None:
        """Stash on each item the journaled result ``--reuse`` can report instead of running it:
        from the run's journal, else from ``--exp-history``. ``--exp-resume`` alone takes only
        the results of earlier attempts of the shard's batch, from the run's journal."""
        resume_only = not self.reuse
        sources = [self.journal] if resume_only else [self.journal, self.history]
        journals: list[Journal] = []
        allowed: list[set[int] | None] = []
        try:
            for path in sources:
                if path is not None and path.exists():
                    try:
                        journal = open_journal(path, create=False)
                    except JournalError:
                        continue
                    journals.append(journal)
                    allowed.append(self._batch_runs(journal) if resume_only else None)
            if not journals:
                return
            for index, state in states.items():
                if state.problem is not None:
                    continue
                item = items[index]
                try:
                    state.result.fingerprint = fingerprint(item, state, self.settings)
                except DefinitionError as error:
                    state.problem = str(error)
                    continue
                for journal, runs in zip(journals, allowed, strict=True):
                    row = find_reusable(journal, item.nodeid, state.result.fingerprint, self.before)
                    if row is not None and (runs is None or row.run_id in runs):
                        item.stash[reuse_key] = row
                        break
        except JournalError:
            return
        finally:
            for journal in journals:
                journal.close()

    def _apply_budget(self, batch: Batch, items: list[pytest.Item], config: pytest.Config) -> None:
        assert self.budget is not None
        by_id = {job.nodeid: job for job in batch.jobs}
        candidates = [
            Candidate(job.nodeid, job.cost, job.priority, job.answered, position)
            for position, job in enumerate(batch.jobs)
        ]
        choice = choose(
            candidates,
            self.budget,
            self.workers,
            tests=batch.tests_seconds or 0.0,
            overhead=batch.overhead or 0.0,
        )
        dropped = {candidate.nodeid for candidate in choice.dropped}
        if not dropped:
            return
        batch.dropped = [by_id[candidate.nodeid] for candidate in choice.dropped]
        batch.jobs = [job for job in batch.jobs if job.nodeid not in dropped]
        deselected = [item for item in items if item.nodeid in dropped]
        items[:] = [item for item in items if item.nodeid not in dropped]
        config.hook.pytest_deselected(items=deselected)


batch_key = pytest.StashKey[Batch]()


class BatchCourier:
    """On an xdist worker: sends the batch to the controller on this worker's first report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.sent = False

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if not self.sent:
            batch = self.config.stash.get(batch_key, None)
            if batch is not None:
                setattr(report, BATCH_ATTRIBUTE, batch.to_json())
            self.sent = True
        return report


# -- what the terminal shows ---------------------------------------------------------------


def when(seconds: float | None) -> str:
    if seconds is None:
        return "never answered"
    stamp = datetime.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M")
    return f"answered {stamp}"


def budget_lines(batch: Batch, details: bool = True) -> list[str]:
    """What ``--budget`` decided: what fits, the wall-clock estimate (with what else it counts,
    unless ``details`` is False), what was left out."""
    if batch.budget is None:
        return []
    workers = f"{batch.workers} worker{'s' if batch.workers != 1 else ''}"
    kept = len(batch.jobs)
    total = kept + len(batch.dropped)
    fixed = (batch.overhead or 0.0) + (batch.tests_seconds or 0.0) / max(1, batch.workers)
    if kept == 0 and fixed > HEADROOM * batch.budget:
        plan = (
            f"start-up and plain tests alone take about {format_duration(fixed)}, more than "
            "the budget allows"
        )
    else:
        plan = (
            f"about {format_duration(batch.wall)} wall-clock (planned to end within "
            f"{HEADROOM:.0%} of the budget)"
        )
    lines = [
        f"budget {format_duration(batch.budget)} on {workers}: {kept} of {total} experiments "
        f"fit, {plan}"
    ]
    if details:
        lines.extend(other_time_lines(batch))
    if batch.dropped:
        lines.append(f"deselected by the budget ({len(batch.dropped)}), most important first:")
        width = max(len(job.nodeid) for job in batch.dropped)
        for job in batch.dropped:
            cost = (
                f"guess {format_duration(job.cost)}"
                if job.guess is not None
                else f"about {format_duration(job.cost)}"
            )
            lines.append(
                f"    {job.nodeid.ljust(width)}  {cost}  (priority {job.priority}, "
                f"{when(job.answered)})"
            )
    return lines


def other_time_lines(batch: Batch) -> list[str]:
    """The parts of the wall-clock estimate that are not experiments, said honestly."""
    lines = []
    if batch.overhead is None:
        lines.append("    start-up and fixtures: unknown until a run finishes (not counted)")
    else:
        runs = f"{batch.overhead_runs} past run{'s' if batch.overhead_runs != 1 else ''}"
        lines.append(
            f"    start-up and fixtures: about {format_duration(batch.overhead)} (median of {runs})"
        )
    if batch.tests:
        plural = "s" if batch.tests != 1 else ""
        if batch.tests_seconds is None:
            lines.append(
                f"    {batch.tests} plain test{plural}: time unknown (no recent run timed "
                "any; not counted)"
            )
        else:
            lines.append(
                f"    {batch.tests} plain test{plural}: about "
                f"{format_duration(batch.tests_seconds)} (from the last run that ran any)"
            )
    if batch.guessed:
        guessed = sum(job.cost for job in batch.guessed)
        lines.append(
            f"    {len(batch.guessed)} experiment{'s' if len(batch.guessed) != 1 else ''} "
            f"never timed: guessed {format_duration(guessed)} in all"
        )
    return lines


def started_now() -> float:
    return time.time()
