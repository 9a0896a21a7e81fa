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

Two shortcuts skip looks without spending more alpha (benchmarks/verdicts measured both):

* a look whose sample would have the same rows as the previous one (the ``min_rows`` floor on
  small data) is skipped, and one that would take every row is the full-data look;
* when a subsample look is inconclusive only because the sample-aware rule held back a
  refutation (see :mod:`pytest_experiments.evidence`), only all the data can settle it, so the
  next look is the full-data one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .expectations import Expectation
from .judgement import Judgement, judge

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
    """What one look actually used: rows kept and rows in all (None when not sampled)."""

    rows: int | None
    total_rows: int | None

    @property
    def is_all_data(self) -> bool:
        return self.rows is not None and self.rows == self.total_rows


def run_looks(
    run_at: Callable[[float], tuple[Any, Sample]],
    expectation: Expectation | None,
    fractions: Sequence[float],
    confidence: float,
    with_p_value: bool = True,
    rows_at: Callable[[float], int | None] | None = None,
) -> LookOutcome:
    """Run ``run_at(fraction)`` look after look until the verdict is decisive.

    ``run_at`` returns the answer and the sample it used; ``rows_at(fraction)`` says how many
    rows a look at ``fraction`` would keep (None when unknown), to skip looks that would repeat.
    """
    alpha = 1 - confidence
    alphas = look_alphas(alpha, len(fractions))
    last = len(fractions) - 1
    outcome: LookOutcome | None = None
    index, looks, previous_rows = 0, 0, None
    while index <= last:
        fraction = fractions[index]
        if index < last and rows_at is not None and looks > 0:
            rows = rows_at(fraction)
            if rows is not None and rows == previous_rows:
                index += 1  # the same rows again: the same answer
                continue
        answer, sample = run_at(fraction)
        looks += 1
        previous_rows = sample.rows
        whole = fraction >= 1 or sample.is_all_data
        if whole and index < last:
            index = last  # every row was used: this is the full-data look
        look_alpha = alphas[index]
        if expectation is None:
            return LookOutcome(answer, fraction, looks, 1 - look_alpha, None)
        judgement = judge(expectation, answer, 1 - look_alpha, not whole, with_p_value)
        if judgement.p_value is not None:
            judgement.p_value = min(1.0, judgement.p_value * alpha / look_alpha)
        outcome = LookOutcome(answer, fraction, looks, 1 - look_alpha, judgement)
        if judgement.verdict.decisive or index == last:
            break
        index = last if judgement.trend_blocked else index + 1
    assert outcome is not None, "at least one fraction is always planned"
    return outcome
