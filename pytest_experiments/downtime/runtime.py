"""How long experiments take: a duration model fitted to the journal, the wall-clock time of a
batch on N workers, and how good the model's past estimates were.

The model, per experiment, from its timed results in the journal (newest first, at most
:data:`HISTORY_LIMIT`; results reused by ``--reuse`` cost nothing and are left out):

* the size of a run is the rows it saw (``rows``; at a new fraction, ``ceil(fraction *
  total_rows)`` but never below a ``min_rows`` floor the history shows), or its fraction when
  the experiment never sampled;
* with two or more distinct sizes, ``seconds = a * size ** b``, fitted by least squares on
  log(size), log(seconds) (the durations at one size averaged first), with ``0 <= b <= 3``: a
  fixed cost gives ``b`` near 0, a linear fit ``b`` near 1, a quadratic kernel ``b`` near 2;
* with one size, or sizes spanning less than :data:`MIN_SIZE_SPAN`, proportional to the size;
* ``--sample auto`` budgets its smaller looks by :func:`look_seconds` instead: the seconds
  of a result's last look alone (its ``look_seconds``, without its checks or the smaller looks
  before it), interpolated between timed sizes and never extrapolated above them;
* never run (or never finished): a *guess*, the median estimate of similar experiments (the
  same function with other parameters, then its module, then the whole batch) or
  :data:`DEFAULT_GUESS`, and always shown as a guess.

A batch's wall-clock time on N workers is the longest-first schedule of the estimates, plus the
plain tests (their time per test from the last run that ran any, spread over the workers) and
the run's overhead — start-up, imports, fixtures: what past runs on as many workers took beyond
the time spent inside experiments.

Everything here is plain computation over journal rows; only the standard library is used.
"""

from __future__ import annotations

import heapq
import math
import statistics
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pytest_experiments.notebook.journal import Journal, ResultRow, RunRow

#: Statuses whose duration is the cost of answering (a failure may have stopped early).
TIMED_STATUSES = ("confirmed", "refuted", "inconclusive", "answered")

#: Past results of one experiment the estimate looks at, newest first.
HISTORY_LIMIT = 20

#: Seconds assumed for an experiment when nothing comparable has ever been timed.
DEFAULT_GUESS = 10.0

#: The fitted exponent of size is kept in ``[0, MAX_EXPONENT]``: durations that shrink with
#: more data are noise, and anything steeper than cubic is extrapolating noise.
MAX_EXPONENT = 3.0

#: Past sizes must span at least this factor for an exponent to be fitted; closer sizes (100
#: and 114 rows) give an exponent made of timing noise, so the estimate is proportional.
MIN_SIZE_SPAN = 1.5

#: Durations below this are timer noise; the floor keeps their logarithm finite.
MIN_SECONDS = 1e-3

#: Finished runs whose overhead (start-up, fixtures) is averaged, newest first: those on as
#: many workers among the last :data:`OVERHEAD_SCAN` runs (any of them if none).
OVERHEAD_RUNS = 5
OVERHEAD_SCAN = 50

#: Runs whose estimates are checked against what happened, newest first.
ACCURACY_RUNS = 10

#: Experiments faster than this are left out of the accuracy figure: a tenth of a second off
#: a 20 ms experiment is a 500 % error that nobody waits for.
ACCURACY_FLOOR = 0.1


# -- one experiment ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One past run of an experiment: its share of the data, rows and duration."""

    fraction: float
    rows: int | None
    total_rows: int | None
    duration: float
    #: Seconds of the run's last look alone (without its verdict's checks, or the smaller looks
    #: of ``--sample auto`` before it), and of that look's checks, when the result says.
    look: float | None = None
    checks: float | None = None


def timed(row: ResultRow) -> bool:
    """Whether a result's duration says what answering costs (not reused, not a failure)."""
    return row.status in TIMED_STATUSES and row.data.get("reused_from") is None


def points_from(history: Iterable[ResultRow]) -> list[Point]:
    """The timed points of an experiment's history (newest first)."""
    return [
        Point(row.fraction, row.rows, row.total_rows, row.duration, *last_look(row.data))
        for row in history
        if timed(row)
    ][:HISTORY_LIMIT]


def last_look(data: Mapping[str, object]) -> tuple[float | None, float | None]:
    """The seconds of a result's last look alone and of its checks, from its
    ``look_seconds``; ``(None, None)`` when the result does not say (journaled before looks
    were timed)."""
    looks = data.get("look_seconds")
    final = looks[-1] if isinstance(looks, list) and looks else None
    if not isinstance(final, list) or len(final) != 3:
        return None, None
    if not all(isinstance(value, (int, float)) and value >= 0 for value in final[1:]):
        return None, None
    return float(final[1]), float(final[2])


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

    A power law in the rows (or the fraction, for experiments that never sampled) through the
    past points, proportional with one size; never decreasing with ``fraction``.
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
        by_size.setdefault(size, []).append(max(0.0, duration))
    means = [(size, sum(values) / len(values)) for size, values in by_size.items()]
    if len(means) == 1:
        size, seconds = means[0]
        return seconds * target / size
    xs = [math.log(size) for size, _ in means]
    ys = [math.log(max(seconds, MIN_SECONDS)) for _, seconds in means]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    if max(xs) - min(xs) < math.log(MIN_SIZE_SPAN):
        slope = 1.0  # sizes too close: timing noise would set the exponent
    else:
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
            (x - mean_x) ** 2 for x in xs
        )
        slope = min(MAX_EXPONENT, max(0.0, slope))
    return math.exp(mean_y + slope * (math.log(target) - mean_x))


#: A smaller look of ``--sample auto`` with its checks is taken to cost at least this many
#: times the look alone: the learning curve fits a score's learners on up to 0.94 of the
#: training rows of 10 of the 25 splits, and the smaller look beside the first one runs the
#: experiment again on a quarter of the rows (its fixed costs included).
LOOK_WITH_CHECKS = 2.0


def look_seconds(fraction: float, points: Sequence[Point]) -> float | None:
    """Seconds one look at ``fraction`` should take with its checks, for ``--sample auto``'s
    budget of smaller looks: measured, never extrapolated upwards; None unless a past look
    used all the data.

    The full-data look is the mean of the timed looks on all the data (a result's last look
    alone where it says; a look on all the data has no checks). A smaller look costs what its
    look and checks took at that size, at least :data:`LOOK_WITH_CHECKS` times the look (the
    whole call where the result did not time its looks). Between timed sizes a power law is
    interpolated (log seconds linear in log rows), each size capped by the timed sizes above
    it, since a look never costs more with fewer rows; below the smallest timed size a look
    costs what that size did, since its fixed part (loading the data, a fit's overhead) does
    not shrink with the rows, and extrapolating downwards would promise small looks for nearly
    nothing. A full-data look is not extrapolated from samples at all: a cost that stops
    growing beyond the sizes seen (a learner capped at some rows) or starts to grow faster (a
    kernel) makes that wrong by multiples, and a budget too large would overspend.
    """
    sized = [p for p in points if p.rows is not None and p.total_rows]
    target: float
    if sized:
        whole = float(sized[0].total_rows or 0)
        pairs = [
            (float(p.rows or 0), _look(p, p.rows == whole)) for p in sized if p.total_rows == whole
        ]
        rows = expected_rows(fraction, points)
        target = float(rows) if rows is not None else whole
    else:
        whole = 1.0
        pairs = [(min(p.fraction, 1.0), _look(p, p.fraction >= 1)) for p in points]
        target = min(fraction, 1.0)
    by_size: dict[float, list[float]] = {}
    for size, seconds in pairs:
        by_size.setdefault(size, []).append(max(seconds, MIN_SECONDS))
    if whole not in by_size:
        return None
    sizes = sorted(by_size)
    capped: dict[float, float] = {}
    ceiling = math.inf
    for size in reversed(sizes):
        ceiling = min(ceiling, statistics.fmean(by_size[size]))
        capped[size] = ceiling
    if target >= whole:
        return capped[whole]
    if target <= sizes[0]:
        return capped[sizes[0]]
    upper = next(size for size in sizes if size >= target)
    lower = max(size for size in sizes if size < target)
    share = math.log(target / lower) / math.log(upper / lower)
    low, high = math.log(capped[lower]), math.log(capped[upper])
    return math.exp(low + share * (high - low))


def _look(point: Point, whole: bool) -> float:
    """A timed look's seconds, with its checks unless it saw all the data."""
    if point.look is None:
        return point.duration
    if whole:
        return point.look
    return max(point.look + (point.checks or 0.0), LOOK_WITH_CHECKS * point.look)


def plan_estimate(
    fractions: Sequence[float], points: Sequence[Point]
) -> tuple[float | None, float | None]:
    """``(first, whole)``: seconds at the first planned fraction, and for all of them (the
    worst case of ``--sample auto``, which stops at the first decisive look)."""
    looks = [estimate_duration(fraction, points) for fraction in fractions]
    first = looks[0]
    if len(looks) == 1:
        return first, first
    return first, None if None in looks else sum(look for look in looks if look is not None)


def guess(nodeid: str, known: Mapping[str, float]) -> tuple[float, str]:
    """Seconds to assume for an experiment without history, and what the guess rests on.

    ``known`` maps the node ids of experiments with estimates to their estimates.
    """
    function = nodeid.split("[", 1)[0]
    module = nodeid.split("::", 1)[0]
    name = function.rsplit("::", 1)[-1]
    groups = (
        ([v for k, v in known.items() if k.split("[", 1)[0] == function], f"{name}[...]"),
        ([v for k, v in known.items() if k.split("::", 1)[0] == module], f"in {module}"),
        (list(known.values()), "in this batch"),
    )
    for values, where in groups:
        if values:
            count = f"{len(values)} experiment{'s' if len(values) != 1 else ''}"
            if where.endswith("[...]"):
                count = f"{len(values)} other parameter set{'s' if len(values) != 1 else ''} of"
            return statistics.median(values), f"median of {count} {where}"
    return DEFAULT_GUESS, "default: nothing comparable was ever timed"


# -- many experiments on N workers -------------------------------------------------------------


def longest_first(costs: Iterable[float], workers: int) -> list[float]:
    """Each worker's load after handing out ``costs`` longest first, each to the worker that
    frees up first (the schedule ``-n N`` gets with longest-first ordering)."""
    loads = [0.0] * max(1, workers)
    heapq.heapify(loads)
    for cost in sorted(costs, reverse=True):
        heapq.heapreplace(loads, loads[0] + cost)
    return sorted(loads, reverse=True)


def in_order(costs: Iterable[float], workers: int) -> float:
    """The makespan when ``costs`` are handed out in the order given, each to the worker that
    frees up first."""
    loads = [0.0] * max(1, workers)
    heapq.heapify(loads)
    for cost in costs:
        heapq.heapreplace(loads, loads[0] + cost)
    return max(loads)


def spread(loads: Sequence[float], extra: float) -> float:
    """The makespan after pouring ``extra`` seconds of small tests into the least-loaded
    workers (water-filling)."""
    if not loads:
        return 0.0
    level = max(loads)
    if extra <= 0:
        return level
    ordered = sorted(loads)
    poured = 0.0
    for index, load in enumerate(ordered):
        # Raising the `index` lowest workers to the next load costs this much.
        ceiling = ordered[index + 1] if index + 1 < len(ordered) else math.inf
        room = (ceiling - load) * (index + 1)
        if poured + room >= extra:
            return max(level, load + (extra - poured) / (index + 1))
        poured += room
    return level  # pragma: no cover - the last ceiling is infinite


def wall_clock(
    costs: Iterable[float], workers: int, *, tests: float = 0.0, overhead: float = 0.0
) -> float:
    """Seconds from start to end of a batch: overhead, then the longest-first schedule of the
    experiments with the plain tests filling the gaps."""
    return overhead + spread(longest_first(costs, workers), tests)


# -- what the journal knew ---------------------------------------------------------------------


@dataclass
class History:
    """What the journal knew before a moment: each experiment's results (newest first) and the
    finished runs (newest first) with their results."""

    results: dict[str, list[ResultRow]] = field(default_factory=dict)
    runs: list[RunRow] = field(default_factory=list)
    run_results: dict[int, list[ResultRow]] = field(default_factory=dict)

    def points(self, nodeid: str) -> list[Point]:
        return points_from(self.results.get(nodeid, ()))

    def last_answered(self, nodeid: str) -> float | None:
        """When the experiment's newest answer (a verdict or ``answered``) was written."""
        for row in self.results.get(nodeid, ()):
            if row.status in TIMED_STATUSES:
                return row.finished
        return None


def load_history(
    journal: Journal,
    nodeids: Iterable[str],
    before: float | None = None,
    runs: int = OVERHEAD_SCAN,
    skip_runs: Collection[int] = (),
) -> History:
    """The history of ``nodeids`` and the last ``runs`` finished runs, as written before
    ``before`` (a Unix time; None: everything).

    Every xdist worker of a run must compute the same estimates, so rows written after the run
    started (its own, or a concurrent run's) are left out, and so are the runs in
    ``skip_runs`` (a shard's own batch).
    """

    def known(row: ResultRow) -> bool:
        return (before is None or row.finished < before) and row.run_id not in skip_runs

    history = History()
    for nodeid in dict.fromkeys(nodeids):
        rows = [row for row in journal.history(nodeid, limit=HISTORY_LIMIT * 2) if known(row)]
        history.results[nodeid] = rows[:HISTORY_LIMIT]
    finished = [
        run
        for run in journal.runs()
        if run.finished is not None
        and (before is None or run.finished < before)
        and run.id not in skip_runs
    ]
    for run in finished:
        results = journal.results(run.id)
        if results:
            history.runs.append(run)
            history.run_results[run.id] = results
        if len(history.runs) >= runs:
            break
    return history


def workers_of(results: Sequence[ResultRow]) -> int:
    """How many processes ran a run's experiments (distinct worker names)."""
    return max(1, len({row.worker for row in results}))


def run_overhead(run: RunRow, results: Sequence[ResultRow]) -> float | None:
    """Seconds a finished run spent outside experiments and plain tests: start-up, imports,
    collection, fixtures. None for a run merged from shards: its span is the cluster's."""
    if run.finished is None or not results or run.mode.get("shards"):
        return None
    loads: dict[str | None, float] = {}
    for row in results:
        loads[row.worker] = loads.get(row.worker, 0.0) + row.duration
    busy = spread(list(loads.values()), run.tests_seconds or 0.0)
    return max(0.0, run.finished - run.started - busy)


def typical_overhead(history: History, workers: int) -> tuple[float, int] | None:
    """The median overhead of the newest :data:`OVERHEAD_RUNS` runs on as many workers (of
    any runs if none), and how many runs it rests on: a run on one worker says little about
    the start-up of eight."""
    measured = [
        (workers_of(history.run_results[run.id]), overhead)
        for run in history.runs
        if (overhead := run_overhead(run, history.run_results[run.id])) is not None
    ]
    same = [overhead for count, overhead in measured if count == workers]
    values = (same or [overhead for _, overhead in measured])[:OVERHEAD_RUNS]
    if not values:
        return None
    return statistics.median(values), len(values)


def seconds_per_test(history: History) -> float | None:
    """Seconds one plain test took in the newest run that ran any (None: never measured)."""
    for run in history.runs:
        if run.tests and run.tests_seconds is not None:
            return run.tests_seconds / run.tests
    return None


# -- how good past estimates were --------------------------------------------------------------


@dataclass(frozen=True)
class Accuracy:
    """Past estimates against what happened.

    ``experiment_error`` is the median of ``|estimate - actual| / actual`` over ``experiments``
    experiment results (of at least :data:`ACCURACY_FLOOR` seconds) that had an estimate before
    their run; ``run_error`` the same for the wall-clock time of ``runs`` whole runs.
    """

    experiments: int
    experiment_error: float | None
    runs: int
    run_error: float | None


def past_accuracy(journal: Journal, before: float | None = None) -> Accuracy:
    """What the model would have estimated before each of the last :data:`ACCURACY_RUNS`
    finished runs, from the history before that run, against what each run took."""
    history = load_history(journal, (), before=before, runs=ACCURACY_RUNS + OVERHEAD_SCAN)
    nodeids = {row.nodeid for rows in history.run_results.values() for row in rows}
    every = {nodeid: journal.history(nodeid, limit=None) for nodeid in nodeids}
    errors: list[float] = []
    run_errors: list[float] = []
    for position, run in enumerate(history.runs[:ACCURACY_RUNS]):
        results = history.run_results[run.id]
        costs: list[float] = []
        complete = run.exit_status in (0, 1)  # an interrupted run says nothing of its length
        for row in results:
            if row.data.get("reused_from") is not None:
                continue  # --reuse did not run it: no time to estimate, none to compare
            earlier = points_from(r for r in every[row.nodeid] if r.run_id < run.id)
            estimate = estimate_duration(row.fraction, earlier)
            if estimate is None:
                complete = False
                continue
            costs.append(estimate)
            if timed(row) and row.duration >= ACCURACY_FLOOR:
                errors.append(abs(estimate - row.duration) / row.duration)
        earlier_runs = History(runs=history.runs[position + 1 :], run_results=history.run_results)
        overhead = typical_overhead(earlier_runs, workers_of(results))
        if complete and overhead is not None and run.finished is not None:
            per_test = seconds_per_test(earlier_runs)
            tests = (run.tests or 0) * per_test if per_test is not None else 0.0
            estimate = wall_clock(costs, workers_of(results), tests=tests, overhead=overhead[0])
            actual = run.finished - run.started
            if actual > 0:
                run_errors.append(abs(estimate - actual) / actual)
    return Accuracy(
        experiments=len(errors),
        experiment_error=statistics.median(errors) if errors else None,
        runs=len(run_errors),
        run_error=statistics.median(run_errors) if run_errors else None,
    )


def accuracy_line(accuracy: Accuracy) -> str:
    """``past estimates: experiments within 12% (median of 23), runs within 8% (median of 3)``."""
    parts = []
    if accuracy.experiment_error is not None:
        parts.append(
            f"experiments within {accuracy.experiment_error:.0%} (median of {accuracy.experiments})"
        )
    if accuracy.run_error is not None:
        parts.append(f"whole runs within {accuracy.run_error:.0%} (median of {accuracy.runs})")
    if not parts:
        return "past estimates: none to check yet (they need runs with earlier history)"
    return "past estimates: " + ", ".join(parts)


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
