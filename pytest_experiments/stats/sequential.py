"""Looking at growing samples: ``--sample auto`` without inflating the error rate.

The experiment runs at fractions ``f0, 4 f0, 16 f0, ...`` (below one half) and finally on all
the data, and stops at the first decisive verdict. Testing at the same level at every look would
let chance pick the look that happens to be decisive: with six looks at 95 % a true null is
"found" about a fifth of the time. The error rate over all looks together is held at
``alpha = 1 - C`` by a weighted Bonferroni split fixed before any data is seen: the full-data
look gets ``alpha / 2`` and the earlier looks share the other half equally. Bonferroni's
inequality bounds the chance of any wrong decisive verdict by the sum of the per-look alphas,
whatever the dependence between looks, and skipping a planned look only leaves its share
unspent. Weighting the last look keeps the full-data verdict close to what ``--full`` alone
would say (where close calls are decided), while large effects still stop early on their tiny
p-values. The p-value reported is the look's p-value divided by its share of alpha.

Shortcuts skip looks without spending more alpha (benchmarks/verdicts measured the first two):

* a look whose sample would have the same rows as the previous one (the ``min_rows`` floor on
  small data) is skipped, and one that would take every row is the full-data look; when that is
  the first look, every planned look would see the same rows, so it is the only look and is
  judged at the whole alpha (as is the answer of an experiment that never reads its fraction
  or samples: it is the answer on all the data);
* when a subsample look is inconclusive only because the sample-aware rule held back a
  refutation (see :mod:`pytest_experiments.stats.evidence`), only all the data can settle it, so the
  next look is the full-data one;
* an answer without estimates (a plain number) carries no uncertainty to judge a subsample
  by, so its subsample verdict is not taken: the next look is the full-data one;
* a sample fixed before the look (drawn in a fixture) cannot grow: that look is the only one,
  at the whole alpha, and a plain number on it is inconclusive.

Without an expectation there is nothing to decide: the first look's answer is reported, its
intervals at the run's confidence.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_experiments.stats.estimates import Estimate
from pytest_experiments.stats.evidence import Unsettled, contains_unsettled
from pytest_experiments.stats.judgement import Expectation, Judgement, judge
from pytest_experiments.stats.stability import unsettle, unsettle_unchecked

#: Share of alpha spent on the full-data look when there are earlier looks.
FINAL_LOOK_SHARE = 0.5


@dataclass
class LookOutcome:
    """Where the looks stopped and what was found there."""

    answer: Any
    fraction: float
    looks: int
    level: float
    judgement: Judgement | None


def look_alphas(alpha: float, planned_looks: int) -> list[float]:
    """The alpha each planned look may spend; they add up to ``alpha``."""
    if planned_looks == 1:
        return [alpha]
    early = alpha * (1 - FINAL_LOOK_SHARE) / (planned_looks - 1)
    return [early] * (planned_looks - 1) + [alpha * FINAL_LOOK_SHARE]


@dataclass(frozen=True)
class Sample:
    """What one look actually used: rows kept and rows in all (None when not sampled), and
    whether the experiment looked at its share of the data at all."""

    rows: int | None
    total_rows: int | None
    uses_fraction: bool = True
    #: False when the sample was fixed before the look (drawn in a fixture): later looks
    #: would see the same rows.
    grows: bool = True

    @property
    def is_all_data(self) -> bool:
        """Every row was used, or the answer does not depend on the share of the data."""
        if not self.uses_fraction:
            return True
        return self.rows is not None and self.rows == self.total_rows


#: What a smaller look gives: its answer and sample, or why it could not be taken.
Pilot = tuple[Any, Sample] | str


def run_looks(
    run_at: Callable[[float], tuple[Any, Sample]],
    expectation: Expectation | None,
    fractions: Sequence[float],
    confidence: float,
    with_p_value: bool = True,
    rows_at: Callable[[float], int | None] | None = None,
    pilot_at: Callable[[Sample, float], Pilot] | None = None,
    exact_plain: bool = False,
    cost_at: Callable[[float], float | None] | None = None,
) -> LookOutcome:
    """Run ``run_at(fraction)`` look after look until the verdict is decisive.

    ``run_at`` returns the answer and the sample it used; ``rows_at(fraction)`` says how many
    rows a look at ``fraction`` would keep (None when unknown), to skip looks that would repeat.
    ``pilot_at(sample, fraction)`` runs the experiment on a smaller sample than ``sample`` for
    the checks of :mod:`.stability` (the previous look serves when there is one);
    ``exact_plain`` judges plain values on a subsample as they are. ``cost_at(fraction)`` is
    the journal's estimate of a look's seconds (None: unknown); with it, or with what this
    run's looks took, a smaller look is only taken while all of them together stay within
    :data:`AUTO_COST_SHARE` of the full-data look, and only when that look is expected to take
    :data:`AUTO_MIN_FULL_SECONDS` or more.
    """
    alpha = 1 - confidence
    alphas = look_alphas(alpha, len(fractions))
    last = len(fractions) - 1
    outcome: LookOutcome | None = None
    index, looks, previous_rows = 0, 0, None
    previous: tuple[Any, Sample] | None = None
    costs = _Costs(cost_at, rows_at)
    while index <= last:
        fraction = fractions[index]
        if index < last and rows_at is not None and looks > 0:
            rows = rows_at(fraction)
            if rows is not None and rows == previous_rows:
                index += 1  # the same rows again: the same answer
                continue
        if index < last and not costs.affordable(fraction):
            index = last  # smaller looks would cost more than the full look can spare
            continue
        started = time.perf_counter()
        answer, sample = run_at(fraction)
        costs.spent(fraction, sample, time.perf_counter() - started)
        looks += 1
        previous_rows = sample.rows
        whole = fraction >= 1 or sample.is_all_data
        stuck = not whole and not sample.grows and index < last
        if (whole or stuck) and index < last:
            index = last  # every later look would see these rows again
        if expectation is None:
            # Nothing to decide, so nothing to grow the sample for or to split alpha over.
            return LookOutcome(answer, fraction, looks, confidence, None)
        # A first look whose rows every later look would repeat is the only distinct look, so
        # it may spend all of alpha.
        look_alpha = alpha if (whole or stuck) and looks == 1 else alphas[index]
        level = 1 - look_alpha
        judgement = judge(expectation, answer, level, not whole, with_p_value)
        moved = False
        if not whole and judgement.verdict.decisive:
            started = time.perf_counter()
            checked = _checked(answer, sample, fraction, previous, pilot_at, exact_plain)
            costs.overhead(time.perf_counter() - started)
            if contains_unsettled(checked):
                judgement = judge(expectation, checked, level, True, with_p_value)
                moved = _plain_moved(checked)
        previous = (answer, sample)
        if judgement.p_value is not None:
            judgement.p_value = min(1.0, judgement.p_value * alpha / look_alpha)
        outcome = LookOutcome(answer, fraction, looks, level, judgement)
        if stuck:
            judgement.notes.append(
                "the sample was drawn in a fixture, before the experiment ran, so --sample auto "
                "could not grow it; call exp.sample in the experiment's body"
            )
        if index == last or judgement.verdict.decisive:
            break
        # A plain value that moves with the sample, or a score whose trend alone held back the
        # verdict, is settled by all the data only.
        index = last if judgement.trend_blocked or moved else index + 1
    assert outcome is not None, "at least one fraction is always planned"
    return outcome


#: The smaller looks of ``--sample auto`` (their checks included) may cost at most this share
#: of the full-data look, so that a claim only all the data settles costs at most this much
#: more than ``--full``.
AUTO_COST_SHARE = 0.10
#: Smaller looks are only taken when the full-data look is expected to take at least this many
#: seconds. They can save at most what the full look costs, and below a second that saving is
#: within the noise of timing it (the same look's CPU time varies by a third from run to run on
#: a shared machine) while a look's fixed costs are not: a sample's learning-curve evidence
#: (nested training subsets in each fold) often costs more than all of a small data set does.
AUTO_MIN_FULL_SECONDS = 1.0


class _Costs:
    """What the looks cost so far, and what the next one should: by the journal's runtime
    model when it knows the experiment, else by the looks of this run (seconds as a power of
    the rows, its exponent from two looks far enough apart, else proportional)."""

    def __init__(
        self,
        cost_at: Callable[[float], float | None] | None,
        rows_at: Callable[[float], int | None] | None,
    ) -> None:
        self.cost_at = cost_at
        self.rows_at = rows_at
        self.total = 0.0
        self.points: list[tuple[float, float]] = []  # (size, seconds) of this run's looks
        self.whole: float | None = None  # the size of all the data, once a look saw it

    def spent(self, fraction: float, sample: Sample, seconds: float) -> None:
        self.total += seconds
        size = float(sample.rows) if sample.rows else fraction
        self.points.append((size, seconds))
        if sample.rows and sample.total_rows:
            self.whole = float(sample.total_rows)
        elif not sample.rows:
            self.whole = 1.0

    def overhead(self, seconds: float) -> None:
        self.total += seconds

    def affordable(self, fraction: float) -> bool:
        look, full = self._predict(fraction), self._predict(1.0)
        if look is None or full is None:
            return True  # nothing known yet: the first look is taken
        if full < AUTO_MIN_FULL_SECONDS:
            return False
        return self.total + look <= AUTO_COST_SHARE * full

    def _predict(self, fraction: float) -> float | None:
        if self.cost_at is not None:
            known = self.cost_at(fraction)
            if known is not None:
                return known
        if not self.points or self.whole is None:
            return None
        rows = self.rows_at(fraction) if self.rows_at is not None and fraction < 1 else None
        size = float(rows) if rows else (self.whole if fraction >= 1 else fraction * self.whole)
        largest = max(self.points)
        smallest = min(self.points)
        exponent = 1.0
        if largest[0] >= 1.5 * smallest[0] and largest[1] > 0 and smallest[1] > 0:
            ratio = math.log(largest[1] / smallest[1]) / math.log(largest[0] / smallest[0])
            exponent = min(2.0, max(0.0, ratio))
        return float(largest[1] * (size / largest[0]) ** exponent)


def _checked(
    answer: Any,
    sample: Sample,
    fraction: float,
    previous: tuple[Any, Sample] | None,
    pilot_at: Callable[[Sample, float], Pilot] | None,
    exact_plain: bool,
) -> Any:
    """The answer with what moved since a smaller look unsettled (see :mod:`.stability`)."""
    smaller = previous is not None and (
        previous[1].rows is None or sample.rows is None or previous[1].rows < sample.rows
    )
    if not sample.grows:
        return unsettle_unchecked(
            answer,
            "the sample was drawn in a fixture, so no smaller look could be taken",
            exact_plain,
        )
    if smaller and previous is not None:
        pilot: Pilot = previous
    elif pilot_at is not None:
        pilot = pilot_at(sample, fraction)
    else:
        pilot = "no smaller look was taken"
    if isinstance(pilot, str):
        return unsettle_unchecked(answer, pilot, exact_plain)
    pilot_answer, pilot_sample = pilot
    return unsettle(answer, pilot_answer, sample.rows, pilot_sample.rows, exact_plain)


def _plain_moved(answer: Any) -> bool:
    """Whether a plain part (not an estimate) of the answer is unsettled."""
    if isinstance(answer, Unsettled):
        return not isinstance(answer.value, Estimate)
    if isinstance(answer, dict):
        return any(_plain_moved(item) for item in answer.values())
    return False
