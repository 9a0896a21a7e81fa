"""``pytest --exp-plan``: what each experiment asks, what it last answered, and what it will cost.

Collects without running anything and prints, for every selected experiment, its question and
expectation, its last verdict and answer from the journal, how long it last took, and how long
it should take at the share of the data this command line asks for. The estimate scales the
journal's past durations by the rows the experiment will see: a line through the past
(rows, seconds) points when there are several, proportional to rows when there is one, and
``unknown`` when the experiment has never run.

The estimating and formatting are plain functions; :class:`PlanPrinter` is the thin hook.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .journal import JournalError, ResultRow, display_path, open_journal
from .settings import format_fraction

if TYPE_CHECKING:
    from .plugin import ExperimentState
    from .settings import RunSettings

#: Statuses whose duration is the cost of answering (a failure may have stopped early).
TIMED_STATUSES = ("confirmed", "refuted", "inconclusive", "answered")

#: Past results of one experiment the estimate looks at, newest first.
HISTORY_LIMIT = 20


@dataclass(frozen=True)
class Point:
    """One past run of an experiment: its share of the data, rows and duration."""

    fraction: float
    rows: int | None
    total_rows: int | None
    duration: float


def expected_rows(fraction: float, points: Sequence[Point]) -> int | None:
    """Rows an experiment will see at ``fraction``, from the data size its past runs saw.

    Like ``exp.sample``: ``ceil(fraction * total)``, but never fewer than a floor the history
    shows (a past run that kept more rows than its fraction asked for hit ``min_rows``).
    """
    sized = [point for point in points if point.rows is not None and point.total_rows]
    if not sized:
        return None
    total = sized[0].total_rows
    assert total is not None
    floor = max(
        (
            point.rows
            for point in sized
            if point.rows is not None and point.rows > _ceil_share(point.fraction, total)
        ),
        default=1,
    )
    return min(total, max(_ceil_share(fraction, total), floor))


def _ceil_share(fraction: float, total: int) -> int:
    return math.ceil(round(fraction * total, 9))


def estimate_duration(fraction: float, points: Sequence[Point]) -> float | None:
    """Seconds an experiment should take at ``fraction``; None without history.

    ``points`` are newest first. Sizes are rows when the experiment samples (and so knows its
    data size), else fractions. Durations at one size are averaged; with one size the duration
    is taken as proportional to it; with several, a least-squares line through them (falling
    back to a constant when the durations do not grow with the data, and to a line through the
    origin when the fitted one would go negative). The estimate never decreases with
    ``fraction``.
    """
    target: float
    rows = expected_rows(fraction, points)
    if rows is not None:
        target = rows
        sizes = [(float(p.rows), p.duration) for p in points if p.rows is not None and p.total_rows]
    else:
        target = fraction
        sizes = [(p.fraction, p.duration) for p in points]
    if not sizes:
        return None
    by_size: dict[float, list[float]] = {}
    for size, duration in sizes:
        by_size.setdefault(size, []).append(duration)
    means = [(size, sum(values) / len(values)) for size, values in by_size.items()]
    if len(means) == 1:
        size, duration = means[0]
        return duration * target / size
    n = len(means)
    mean_x = sum(x for x, _ in means) / n
    mean_y = sum(y for _, y in means) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in means) / sum(
        (x - mean_x) ** 2 for x, _ in means
    )
    intercept = mean_y - slope * mean_x
    if slope <= 0:
        # No measurable growth with the data: the cost is fixed; take the average.
        return mean_y
    if intercept >= 0:
        return intercept + slope * target
    # Growing faster than linearly near zero: a line through the origin never goes negative.
    through_origin = sum(x * y for x, y in means) / sum(x * x for x, _ in means)
    return through_origin * target


def points_from(history: Sequence[ResultRow]) -> list[Point]:
    """The timed points of an experiment's history (newest first)."""
    return [
        Point(row.fraction, row.rows, row.total_rows, row.duration)
        for row in history
        if row.status in TIMED_STATUSES
    ]


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


def format_duration(seconds: float) -> str:
    """``0.42s``, ``12.3s``, ``4m 05s``, ``2h 03m``."""
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def entry_lines(entry: PlanEntry) -> list[str]:
    """The lines that describe one experiment in the plan."""
    share = format_fraction(entry.fraction)
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
        lines.append(f"    time:      unknown at {share}")
        return lines
    answer = f", answer {last.answer_text}" if last.answer_text is not None else ""
    when = ""
    if entry.last_started is not None:
        stamp = datetime.datetime.fromtimestamp(entry.last_started).strftime("%Y-%m-%d %H:%M")
        when = f", {stamp}"
    lines.append(
        f"    last:      {last.status}{answer} at {format_fraction(last.fraction)} "
        f"(run {last.run_id}{when})"
    )
    if last.error and last.status in ("failed", "error", "crashed") and entry.problem is None:
        lines.append(f"    error:     {_shorten(last.error)}")
    estimate = (
        f"about {format_duration(entry.estimate)}" if entry.estimate is not None else "unknown"
    )
    estimate += f" at {share}"
    if entry.worst is not None:
        estimate += f" (auto: up to {format_duration(entry.worst)} if it grows to 100%)"
    lines.append(
        f"    time:      last {format_duration(last.duration)} at "
        f"{format_fraction(last.fraction)}; {estimate}"
    )
    return lines


def _shorten(text: str, width: int = 100) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= width else first[: width - 3] + "..."


def total_line(entries: Sequence[PlanEntry], mode: str) -> str:
    """The plan's last line: how many experiments and how long they should take together."""
    known = [entry.estimate for entry in entries if entry.estimate is not None]
    unknown = len(entries) - len(known)
    count = f"{len(entries)} experiment{'s' if len(entries) != 1 else ''}"
    if not known:
        return f"{count} at {mode}: time unknown (never run)"
    total = f"about {format_duration(sum(known))}"
    if unknown:
        total += f" + {unknown} unknown"
    # Summed as if run one after another: under -n the wall-clock time is shorter.
    return f"{count} at {mode}: {total} (in one process)"


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
        try:
            entries, source = self.entries(states)
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
        return True

    def entries(self, states: Sequence[ExperimentState]) -> tuple[list[PlanEntry], str]:
        """The plan's entries, and a line saying where the history came from."""
        if self.journal is None:
            return [self._entry(state, [], None) for state in states], "journal: off"
        if not self.journal.exists():
            return [self._entry(state, [], None) for state in states], (
                f"journal: none yet at {display_path(self.journal)}"
            )
        with open_journal(self.journal, create=False) as journal:
            started = {run.id: run.started for run in journal.runs()}
            entries = [
                self._entry(
                    state, journal.history(state.result.nodeid, limit=HISTORY_LIMIT), started
                )
                for state in states
            ]
        return entries, f"journal: {display_path(self.journal)}"

    def _entry(
        self,
        state: ExperimentState,
        history: Sequence[ResultRow],
        started: dict[int, float] | None,
    ) -> PlanEntry:
        result = state.result
        last = history[0] if history else None
        points = points_from(history)
        worst = None
        sample_plan = getattr(state, "plan", None)
        if sample_plan is not None and sample_plan.auto:
            looks = [estimate_duration(fraction, points) for fraction in sample_plan.fractions]
            worst = None if None in looks else sum(look for look in looks if look is not None)
        return PlanEntry(
            nodeid=result.nodeid,
            question=result.question,
            expectation=result.expectation,
            fraction=result.fraction,
            problem=state.problem,
            last=last,
            last_started=None if last is None or started is None else started.get(last.run_id),
            estimate=estimate_duration(result.fraction, points),
            worst=worst,
        )
