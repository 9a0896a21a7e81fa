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

Cost (:class:`_Costs`): the smaller looks and their checks may spend at most a tenth of what the
journal expects the full-data look to take, so a claim only all the data settles costs at most
10 % more than ``--full``; an experiment the journal has never timed on all the data goes
straight to all the data (judged at the whole alpha, as ``--full`` judges it), and that timing
budgets the next run's looks.

Without an expectation there is nothing to decide: the first look's answer is reported, its
intervals at the run's confidence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_experiments.stats.estimates import Estimate, without_pending_curves
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
    #: Seconds each look took and then its checks took: ``(fraction, look, checks)``.
    spent: list[tuple[float, float, float]] = field(default_factory=list)
    #: Why ``--sample auto`` skipped every smaller look, when it did for their cost:
    #: :data:`UNTIMED`, :data:`QUICK` or :data:`DEAR`.
    straight: str | None = None


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
    ``exact_plain`` judges plain values on a subsample as they are.

    ``cost_at(fraction)`` is the journal's estimate of a look's seconds with its checks (None:
    not known); without ``cost_at`` cost is not considered. With it the smaller looks and their
    checks together stay within :data:`AUTO_COST_SHARE` of the full-data look (see :class:`_Costs`),
    are only taken when that look is expected to take :data:`AUTO_MIN_FULL_SECONDS` or more,
    and not at all when the journal has no full-data look to budget by. Leave it out for a
    sample fixed before the first look (drawn in a fixture): that look is at the first
    fraction, whatever it costs, because it is the only one.
    """
    alpha = 1 - confidence
    alphas = look_alphas(alpha, len(fractions))
    last = len(fractions) - 1
    outcome: LookOutcome | None = None
    index, looks, previous_rows = 0, 0, None
    previous: tuple[Any, Sample] | None = None
    costs = _Costs(cost_at)
    spent: list[tuple[float, float, float]] = []
    straight: str | None = None
    while index <= last:
        fraction = fractions[index]
        if index < last and rows_at is not None and looks > 0:
            rows = rows_at(fraction)
            if rows is not None and rows == previous_rows:
                index += 1  # the same rows again: the same answer
                continue
        if index < last:
            why = costs.why_not(fraction, blind=expectation is None)
            if why is not None:
                straight = why if looks == 0 else straight
                index = last  # smaller looks could cost more than the full look can spare
                continue
        started = time.perf_counter()
        answer, sample = run_at(fraction)
        look_seconds = time.perf_counter() - started
        costs.spent(look_seconds)
        looks += 1
        previous_rows = sample.rows
        whole = fraction >= 1 or sample.is_all_data
        stuck = not whole and not sample.grows and index < last
        if (whole or stuck) and index < last:
            index = last  # every later look would see these rows again
        if expectation is None:
            # Nothing to decide, so nothing to grow the sample for or to split alpha over.
            spent.append((fraction, look_seconds, 0.0))
            return LookOutcome(answer, fraction, looks, confidence, None, spent, straight)
        # A first look whose rows every later look would repeat is the only distinct look, so
        # it may spend all of alpha.
        look_alpha = alpha if (whole or stuck) and looks == 1 else alphas[index]
        level = 1 - look_alpha
        started = time.perf_counter()
        pilot = pilot_at
        if not whole and not costs.checks_affordable(look_seconds):
            # The learning curve and the smaller look would take auto past its budget: the
            # sample's verdict stays inconclusive and all the data decides.
            answer = without_pending_curves(answer, OVER_BUDGET)
            pilot = _over_budget
        judgement = judge(expectation, answer, level, not whole, with_p_value)
        moved = False
        if not whole and judgement.verdict.decisive:
            checked = _checked(answer, sample, fraction, previous, pilot, exact_plain)
            if contains_unsettled(checked):
                judgement = judge(expectation, checked, level, True, with_p_value)
                moved = _plain_moved(checked)
        check_seconds = time.perf_counter() - started if not whole else 0.0
        costs.spent(check_seconds)
        spent.append((fraction, look_seconds, check_seconds))
        previous = (answer, sample)
        if judgement.p_value is not None:
            judgement.p_value = min(1.0, judgement.p_value * alpha / look_alpha)
        outcome = LookOutcome(answer, fraction, looks, level, judgement, spent, straight)
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
#: Why ``--sample auto`` went straight to all the data: the journal has no timing of the
#: experiment on all the data; that look takes under :data:`AUTO_MIN_FULL_SECONDS`; a smaller
#: look with its checks would cost more than :data:`AUTO_COST_SHARE` of it.
UNTIMED, QUICK, DEAR = "untimed", "quick", "dear"
#: Why a subsample's checks were not run.
OVER_BUDGET = (
    "checking that the effect carries (a learning curve, a smaller look) would take --sample "
    "auto past a tenth of the full-data look's time"
)


def _over_budget(sample: Sample, fraction: float) -> Pilot:
    return OVER_BUDGET


class _Costs:
    """What the smaller looks of ``--sample auto`` and their checks have spent, against what
    the journal says the looks take (:func:`pytest_experiments.downtime.runtime.look_seconds`:
    timed looks, interpolated between their sizes, never extrapolated above them).

    The budget is :data:`AUTO_COST_SHARE` of the full-data look's timed seconds. A look is
    taken when what was spent plus what the journal says it costs with its checks fits the
    budget; its checks run when what was spent (the look included) plus the look's measured
    seconds again fits. So the budget is only exceeded when a look took longer than the journal
    says, or its checks longer than the look. An experiment the journal never timed on all the
    data gets no smaller look at all: without that time there is no budget, and a blind first
    look can cost as much as all the data (a fixed cost such as loading the data dominates
    small samples), so it would double the cost of every claim that only all the data settles.
    """

    def __init__(self, cost_at: Callable[[float], float | None] | None) -> None:
        self.cost_at = cost_at
        self.total = 0.0

    def spent(self, seconds: float) -> None:
        self.total += seconds

    def why_not(self, fraction: float, blind: bool = False) -> str | None:
        """Why a smaller look at ``fraction`` does not fit the budget (:data:`UNTIMED`,
        :data:`QUICK`, :data:`DEAR`), or None when it does; ``blind`` takes it when the cost
        is unknown (an experiment without an expectation takes one look only)."""
        if self.cost_at is None:
            return None
        look, full = self.cost_at(fraction), self.cost_at(1.0)
        if look is None or full is None:
            return None if blind else UNTIMED
        if full < AUTO_MIN_FULL_SECONDS:
            return QUICK
        return None if self.total + look <= AUTO_COST_SHARE * full else DEAR

    def checks_affordable(self, look_seconds: float) -> bool:
        """Whether the checks of a look that took ``look_seconds`` fit the budget."""
        full = self.cost_at(1.0) if self.cost_at is not None else None
        if full is None:
            return True  # cost is not considered (one planned look), or no smaller look ran
        return self.total + look_seconds <= AUTO_COST_SHARE * full


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
