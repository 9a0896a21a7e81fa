"""Judging uncertain answers: intervals against expectations, honest on subsamples.

A comparison involving an :class:`~pytest_experiments.stats.estimates.Estimate` is ``confirmed``
when the whole interval satisfies it, ``refuted`` when the whole interval violates it and
``inconclusive`` otherwise; two estimates are compared through their intervals (conservatively, as
if independent). Plain numbers are intervals of width zero, so they keep the deterministic
behaviour.

The sample-aware rule: on a subsample (fraction < 1), an estimate whose quantity has a
``trend`` with more training data has its interval opened on that side — a score that ``rises``
is treated as ``[low, +inf)``, a loss that ``falls`` as ``(-inf, high]``. The subsample's lower
bound on a score is evidence about the full data (the learning curve only goes up from there),
its upper bound is not. So a score that falls short of a threshold on 5 % of the data is
``inconclusive`` ("may still rise"), never ``refuted``; a score that clears it is ``confirmed``.
The rule rests on the monotone learning curve, which holds in expectation for most learners and
is stated as an assumption in the README.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_experiments.stats.estimates import Estimate
from pytest_experiments.stats.verdicts import Verdict


@dataclass
class Judging:
    """How one verdict is reached: the interval level, whether the data was a subsample, and
    notes explaining verdicts that the sample-aware rule changed."""

    level: float = 0.95
    subsample: bool = False
    notes: list[str] = field(default_factory=list)
    trend_blocked: bool = False

    def prepare(self, value: Any) -> Any:
        """The answer with every estimate at this judging's level."""
        if isinstance(value, Estimate):
            return value.at_level(self.level)
        if isinstance(value, Mapping):
            return {key: self.prepare(item) for key, item in value.items()}
        return value

    def bounds(self, value: Any) -> tuple[float, float, float, float] | None:
        """``(low, high, raw_low, raw_high)`` of an estimate, opened by its trend on a
        subsample; None for anything that is not an estimate."""
        if not isinstance(value, Estimate):
            return None
        low, high = value.low, value.high
        if self.subsample and value.trend == "rises":
            return low, math.inf, low, high
        if self.subsample and value.trend == "falls":
            return -math.inf, high, low, high
        return low, high, low, high


IntervalRule = Callable[[float, float, float, float], Verdict]
_INTERVAL_RULES: dict[str, IntervalRule] = {}


def _rule(op: str) -> Callable[[IntervalRule], IntervalRule]:
    def register(function: IntervalRule) -> IntervalRule:
        _INTERVAL_RULES[op] = function
        return function

    return register


def _decide(holds: bool, fails: bool) -> Verdict:
    if holds:
        return Verdict.CONFIRMED
    if fails:
        return Verdict.REFUTED
    return Verdict.INCONCLUSIVE


@_rule("<")
def _lt(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> Verdict:
    return _decide(a_hi < b_lo, a_lo >= b_hi)


@_rule("<=")
def _le(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> Verdict:
    return _decide(a_hi <= b_lo, a_lo > b_hi)


@_rule(">")
def _gt(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> Verdict:
    return _decide(a_lo > b_hi, a_hi <= b_lo)


@_rule(">=")
def _ge(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> Verdict:
    return _decide(a_lo >= b_hi, a_hi < b_lo)


@_rule("==")
def _eq(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> Verdict:
    return _decide(a_lo == a_hi == b_lo == b_hi, a_hi < b_lo or b_hi < a_lo)


@_rule("!=")
def _ne(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> Verdict:
    return _eq(a_lo, a_hi, b_lo, b_hi).negate()


def compare(op: str, left: Any, right: Any, judging: Judging) -> Verdict | None:
    """Three-valued comparison when either side is an estimate; None to fall back to Python."""
    left_bounds, right_bounds = judging.bounds(left), judging.bounds(right)
    if left_bounds is None and right_bounds is None:
        return None
    rule = _INTERVAL_RULES.get(op)
    if rule is None:
        raise TypeError(f"an estimate cannot be used with {op!r}")
    a = left_bounds or _point(left)
    b = right_bounds or _point(right)
    verdict = rule(a[0], a[1], b[0], b[1])
    unopened = rule(a[2], a[3], b[2], b[3])
    estimate = left if isinstance(left, Estimate) else right
    if verdict is Verdict.INCONCLUSIVE and unopened is Verdict.INCONCLUSIVE:
        judging.notes.append(
            f"{left} {op} {right} holds for only part of the {estimate.level * 100:.3g}% "
            f"interval; {_remedy(judging)}"
        )
    elif verdict is Verdict.INCONCLUSIVE and _trend(left) and _trend(right):
        # Both may move with more data: only all the data orders them, and a paired
        # comparison on the same folds (exp.compare) is far sharper than two intervals.
        judging.trend_blocked = True
        judging.notes.append(
            f"on a subsample both {left} and {right} may still change with more data, so "
            f"{op} between them is not taken as {unopened.value}; run --full, or compare the "
            "two learners paired on the same folds with exp.compare(a, b, X, y)"
        )
    elif verdict is Verdict.INCONCLUSIVE:
        judging.trend_blocked = True
        judging.notes.append(
            f"on a subsample the {estimate.label or 'score'} may still "
            f"{'rise' if estimate.trend == 'rises' else 'fall'} with more data (learning "
            f"curve), so {estimate} {op} {_other(left, right)} is not taken as "
            f"{unopened.value}; grow the sample (--sample auto) or run --full"
        )
    return verdict


def within(answer: Any, low: float, high: float, judging: Judging) -> Verdict | None:
    """Equivalence: an estimate is confirmed inside ``[low, high]`` only if its whole
    interval is, refuted if its whole interval lies outside."""
    bounds = judging.bounds(answer)
    if bounds is None:
        return None
    a_lo, a_hi = bounds[0], bounds[1]
    verdict = _decide(low <= a_lo and a_hi <= high, a_hi < low or a_lo > high)
    if verdict is Verdict.INCONCLUSIVE:
        opened = (a_lo, a_hi) != (bounds[2], bounds[3])
        remedy = (
            "on a subsample the score may still change with more data (learning curve); grow "
            "the sample (--sample auto) or run --full"
            if opened
            else _remedy(judging)
        )
        judging.notes.append(
            f"{answer} lies only partly inside the band [{_short_number(low)}, "
            f"{_short_number(high)}] at the {answer.level * 100:.3g}% level; {remedy}"
        )
    return verdict


def _remedy(judging: Judging) -> str:
    return (
        "more data would narrow it (--sample auto or a larger --sample)"
        if judging.subsample
        else "all the data was used: the question needs more data or a less noisy method"
    )


def _short_number(number: float) -> str:
    return f"{number:.4g}"


def _point(value: Any) -> tuple[float, float, float, float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"an estimate can only be compared with a number, not {value!r}")
    number = float(value)
    return number, number, number, number


def _trend(value: Any) -> bool:
    return isinstance(value, Estimate) and value.trend is not None


def _other(left: Any, right: Any) -> str:
    return str(right if isinstance(left, Estimate) else left)


def is_nan(value: Any) -> bool:
    """Whether ``value`` is a NaN number or an estimate of NaN: no expectation can judge it."""
    if isinstance(value, Estimate):
        return math.isnan(value.value)
    return isinstance(value, float) and math.isnan(value)  # numpy floats are floats


def nan_message(expectation: str, value: Any) -> str:
    return (
        f"expectation {expectation} meets {value}, which is not a number, so no verdict can be "
        "reached; find where the experiment produced NaN (a mean of nothing, a diverged fit, "
        "0/0) and return a number"
    )


def float_near_miss(answer: Any, expected: Any) -> str | None:
    """A note when two numbers differ only by floating-point rounding (``0.1 + 0.2 == 0.3`` is
    false): the shortened answer in reports would look equal to the expectation."""
    numbers = [
        isinstance(value, (int, float)) and not isinstance(value, bool)
        for value in (answer, expected)
    ]
    if not all(numbers) or answer == expected:
        return None
    if not (isinstance(answer, float) or isinstance(expected, float)):
        return None
    if not math.isclose(answer, expected, rel_tol=1e-9, abs_tol=1e-12):
        return None
    return (
        f"{answer!r} is not exactly {expected!r}; compare floats with pytest.approx({expected!r})"
    )


def contains_estimate(value: Any) -> bool:
    if isinstance(value, Estimate):
        return True
    if isinstance(value, Mapping):
        return any(contains_estimate(item) for item in value.values())
    return False
