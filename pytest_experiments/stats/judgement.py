"""Where a verdict is decided: an expectation, an answer, a confidence level and the data share.

:func:`judge` gives the verdict, the notes explaining it and, for answers with estimates, a
p-value by test inversion: ``1 - L*`` where ``L*`` is the highest confidence level at which the
verdict is still decisive. Because confidence intervals nest as the level grows and comparisons
and Kleene connectives are monotone in the intervals, the verdict is decisive for every level
below ``L*`` and inconclusive above it, so the verdict at level ``C`` is decisive exactly when
``p <= 1 - C``. Those p-values let a run control its error rate across many verdicts
(:mod:`pytest_experiments.stats.correction`) and across the looks of ``--sample auto``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pytest_experiments.errors import AnswerError
from pytest_experiments.stats.evidence import Judging, contains_estimate, is_nan, nan_message
from pytest_experiments.stats.verdicts import Verdict


class Expectation(Protocol):
    """Anything that can judge an answer: what :mod:`pytest_experiments.spec.expectations`
    parses from ``@pytest.mark.expect``, seen from the statistics without importing it."""

    @property
    def text(self) -> str: ...

    def evaluate(self, answer: Any, judging: Judging) -> Verdict: ...


_LOWEST_LEVEL = 1e-6
_HIGHEST_LEVEL = 1 - 1e-12
_BISECTIONS = 48


@dataclass
class Judgement:
    verdict: Verdict
    notes: list[str] = field(default_factory=list)
    p_value: float | None = None
    #: Inconclusive only because the sample-aware rule held back a decisive verdict.
    trend_blocked: bool = False


def judge(
    expectation: Expectation,
    answer: Any,
    level: float,
    subsample: bool,
    with_p_value: bool = True,
) -> Judgement:
    """The verdict of ``expectation`` on ``answer`` with intervals at ``level``; the p-value
    (for answers with estimates) costs a bisection and can be skipped."""
    if is_nan(answer):
        raise AnswerError(nan_message(expectation.text, answer))
    judging = Judging(level=level, subsample=subsample)
    verdict = expectation.evaluate(answer, judging)
    p_value = None
    if with_p_value and contains_estimate(answer):
        p_value = decisive_p_value(expectation, answer, subsample)
    return Judgement(
        verdict=verdict,
        notes=judging.all_notes(),
        p_value=p_value,
        trend_blocked=judging.trend_blocked and not verdict.decisive,
    )


def decisive_p_value(expectation: Expectation, answer: Any, subsample: bool) -> float:
    """``1 - sup{L : verdict at level L is decisive}``, found by bisection on the level."""

    def decisive(level: float) -> bool:
        return expectation.evaluate(answer, Judging(level=level, subsample=subsample)).decisive

    if not decisive(_LOWEST_LEVEL):
        return 1.0
    if decisive(_HIGHEST_LEVEL):
        return 1 - _HIGHEST_LEVEL
    low, high = _LOWEST_LEVEL, _HIGHEST_LEVEL
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2
        if decisive(middle):
            low = middle
        else:
            high = middle
    return 1 - low
