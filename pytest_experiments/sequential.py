"""Looking at growing samples: ``--sample auto`` without inflating the error rate.

The experiment runs at fractions ``f0, 2 f0, 4 f0, ...`` and finally on all the data, and stops
at the first decisive verdict. Testing at the same level at every look would let chance pick
the look that happens to be decisive: with six looks at 95 % a true null is "found" about a
fifth of the time. Splitting ``alpha = 1 - C`` evenly across the K planned looks (each look at
level ``1 - alpha / K``) bounds the chance of any wrong decisive verdict over all looks by
``alpha`` (Bonferroni's inequality), whatever the dependence between looks; the p-value it
reports is the per-look p-value times K. This is the simplest valid alpha-spending scheme; it
is conservative, which costs some extra data on close calls, never a false alarm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .expectations import Expectation
from .judgement import Judgement, judge


@dataclass
class LookOutcome:
    """Where the looks stopped and what was found there."""

    answer: Any
    fraction: float
    looks: int
    level: float
    judgement: Judgement | None


def per_look_level(confidence: float, planned_looks: int) -> float:
    """The confidence level each of ``planned_looks`` uses so all of them together hold
    ``confidence``."""
    return 1 - (1 - confidence) / planned_looks


def run_looks(
    run_at: Callable[[float], Any],
    expectation: Expectation | None,
    fractions: Sequence[float],
    confidence: float,
    with_p_value: bool = True,
) -> LookOutcome:
    """Run ``run_at(fraction)`` for each fraction until the verdict is decisive."""
    level = per_look_level(confidence, len(fractions))
    outcome: LookOutcome | None = None
    for look, fraction in enumerate(fractions, start=1):
        answer = run_at(fraction)
        if expectation is None:
            return LookOutcome(answer, fraction, look, level, None)
        judgement = judge(expectation, answer, level, fraction < 1, with_p_value)
        if judgement.p_value is not None:
            judgement.p_value = min(1.0, judgement.p_value * len(fractions))
        outcome = LookOutcome(answer, fraction, look, level, judgement)
        if judgement.verdict.decisive:
            break
    assert outcome is not None, "at least one fraction is always planned"
    return outcome
