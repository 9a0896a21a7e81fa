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
from typing import TYPE_CHECKING, Any

from pytest_experiments.formatting import number_text
from pytest_experiments.stats.estimates import Estimate
from pytest_experiments.stats.verdicts import Verdict

if TYPE_CHECKING:
    from pytest_experiments.stats.learning_curve import Reach


@dataclass
class Judging:
    """How one verdict is reached: the interval level, whether the data was a subsample, and
    notes explaining verdicts that the sample-aware rule changed."""

    level: float = 0.95
    subsample: bool = False
    notes: list[str] = field(default_factory=list)
    trend_blocked: bool = False
    #: Unsettled parts the verdict met, their reasons under their advice (see
    #: :func:`unsettled_verdict`).
    unsettled: dict[str, list[str]] = field(default_factory=dict)

    def all_notes(self) -> list[str]:
        """The notes, with the unsettled parts' reasons gathered under one advice each."""
        gathered = [
            "; ".join(reasons) + (f": {advice}" if advice else "")
            for advice, reasons in self.unsettled.items()
        ]
        return self.notes + gathered

    def prepare(self, value: Any) -> Any:
        """The answer with every estimate at this judging's level."""
        if isinstance(value, Estimate):
            return value.at_level(self.level)
        if isinstance(value, Mapping):
            return {key: self.prepare(item) for key, item in value.items()}
        return value

    def bounds(self, value: Any) -> tuple[float, float, float, float] | None:
        """``(low, high, raw_low, raw_high)`` of an estimate, widened on a subsample to where
        it can be on all the data; None for anything that is not an estimate."""
        found = self.reach(value)
        return None if found is None else found[:4]

    def reach(
        self, value: Any, ends: tuple[bool, bool] = (True, True)
    ) -> tuple[float, float, float, float, Reach | None] | None:
        """:meth:`bounds` and, for an estimate with a learning curve on a subsample, the
        :class:`~pytest_experiments.stats.learning_curve.Reach` behind them. ``ends`` says
        whether the low and the high end matter to the verdict (the curve is measured as far
        as they need)."""
        if not isinstance(value, Estimate):
            return None
        low, high = value.low, value.high
        if not self.subsample:
            return low, high, low, high, None
        if value.has_curve:
            found = curve_reach(value, ends)
            return found.low, found.high, low, high, found
        if value.trend == "rises":
            return low, math.inf, low, high, None
        if value.trend == "falls":
            return -math.inf, high, low, high, None
        return low, high, low, high, None


def curve_reach(estimate: Estimate, ends: tuple[bool, bool] = (True, True)) -> Reach:
    """Where an estimate with a learning curve can be on all the data, in its own units (its
    affine shifts and scales applied), at its level; ``ends`` as in :meth:`Judging.reach`."""
    from pytest_experiments.stats.learning_curve import Curve, Reach, reach

    # Refuting a score (its high end, in the direction it improves) takes the far anchors.
    far = ends[1] if estimate.trend == "rises" else ends[0] if estimate.trend == "falls" else False
    curve = estimate.learning_curve(far)
    problem = curve.get("problem") if curve else None
    if problem is not None or not curve:
        reason = str(problem or "no learning curve was measured")
        return Reach(-math.inf, math.inf, reason, reason)
    scale = estimate.stats.get("scale", 1.0)
    shift = estimate.stats.get("shift", 0.0)
    own = sorted(((estimate.low - shift) / scale, (estimate.high - shift) / scale))
    found = reach(Curve.from_json(curve), estimate.level, (own[0], own[1]))
    low, high = found.low * scale + shift, found.high * scale + shift
    problems = (found.low_problem, found.high_problem)
    if scale < 0:
        low, high, problems = high, low, problems[::-1]
    return Reach(low, high, problems[0], problems[1], found.description)


@dataclass(frozen=True)
class Unsettled:
    """A part of an answer that a subsample does not settle: it moved between a smaller look
    and this one (a plain number, say), so no comparison with it is decisive.

    Put in the answer in place of ``value`` before a subsample verdict (see
    :mod:`pytest_experiments.stats.stability`); every comparison with it is inconclusive and
    every computation with it is unsettled too, so Kleene logic keeps what the rest of the
    answer decides (``unsettled and refuted`` is still refuted).
    """

    value: Any
    #: What moved, e.g. "leaves was 9 on 100 rows and is 20 on 400 rows".
    reason: str
    #: What follows and what to do, said once for every part it applies to.
    advice: str = ""

    def __str__(self) -> str:
        return str(self.value)


def contains_unsettled(value: Any) -> bool:
    if isinstance(value, Unsettled):
        return True
    if isinstance(value, Mapping):
        return any(contains_unsettled(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_unsettled(item) for item in value)
    return False


def settle(value: Any) -> Any:
    """``value`` with every :class:`Unsettled` part replaced by what it wraps."""
    if isinstance(value, Unsettled):
        return value.value
    if isinstance(value, Mapping):
        return {key: settle(item) for key, item in value.items()}
    if isinstance(value, list):
        return [settle(item) for item in value]
    return value


def unsettled_verdict(value: Any, judging: Judging) -> Verdict:
    """The verdict of anything that rests on an unsettled value: inconclusive, with its reason
    noted once."""
    for part in _parts(value):
        reasons = judging.unsettled.setdefault(part.advice, [])
        if part.reason not in reasons:
            reasons.append(part.reason)
    return Verdict.INCONCLUSIVE


def _parts(value: Any) -> list[Unsettled]:
    if isinstance(value, Unsettled):
        return [value]
    if isinstance(value, Mapping):
        return [part for item in value.values() for part in _parts(item)]
    if isinstance(value, list):
        return [part for item in value for part in _parts(item)]
    return []


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
    """Three-valued comparison when either side is an estimate (or unsettled); None to fall
    back to Python."""
    if isinstance(left, Unsettled) or isinstance(right, Unsettled):
        return unsettled_verdict([left, right], judging)
    if not isinstance(left, Estimate) and not isinstance(right, Estimate):
        return None
    rule = _INTERVAL_RULES.get(op)
    if rule is None:
        raise TypeError(f"an estimate cannot be used with {op!r}")
    own_a, own_b = _own(left), _own(right)
    left_reach: tuple[float, float, float, float, Reach | None] | None
    right_reach: tuple[float, float, float, float, Reach | None] | None
    own_verdict = rule(own_a[0], own_a[1], own_b[0], own_b[1])
    left_ends = right_ends = (True, True)
    if own_verdict is Verdict.INCONCLUSIVE:
        left_reach, right_reach = own_a, own_b  # wider bounds cannot decide it: no curve needed
    else:
        left_ends, right_ends = _ends_used(op, own_verdict)
        left_reach, right_reach = judging.reach(left, left_ends), judging.reach(right, right_ends)
    a = left_reach or _point(left)
    b = right_reach or _point(right)
    verdict = rule(a[0], a[1], b[0], b[1])
    unopened = rule(a[2], a[3], b[2], b[3])
    estimate = left if isinstance(left, Estimate) else right
    curves = [found[4] for found in (left_reach, right_reach) if found and found[4] is not None]
    if verdict is Verdict.INCONCLUSIVE and unopened is Verdict.INCONCLUSIVE:
        judging.notes.append(
            f"{left} {op} {right} holds for only part of the {estimate.level * 100:.3g}% "
            f"interval; {_remedy(judging)}"
        )
    elif verdict is Verdict.INCONCLUSIVE and curves:
        used = left_ends if left_reach is not None and left_reach[4] is not None else right_ends
        judging.notes.append(
            _curve_note(
                f"{left} {op} {right}", unopened, curves[0], left_reach or right_reach, used
            )
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


def _curve_note(
    claim: str,
    unopened: Verdict,
    found: Reach,
    bounds: tuple[Any, ...] | None,
    ends: tuple[bool, bool] = (True, True),
) -> str:
    """Why a claim that holds (or fails) on the sample is not taken as such about all the data
    (``ends``: the ends of the interval the claim rests on, whose problems are the reason)."""
    problems = [
        problem
        for problem, used in zip((found.low_problem, found.high_problem), ends, strict=True)
        if problem is not None and used
    ]
    if problems:
        because = "; ".join(dict.fromkeys(problems))
        if found.description and not because.endswith(")"):
            because += f" ({found.description})"
        return (
            f"on a subsample {claim} is not taken as {unopened.value}: {because}, so the sample "
            "says nothing sure about all the data; run --full"
        )
    where = ""
    if bounds is not None:
        where = f" it may lie anywhere in [{_short_number(bounds[0])}, {_short_number(bounds[1])}]"
    return (
        f"on a subsample {claim} is not taken as {unopened.value}: by its learning curve "
        f"({found.description}){where} on all the data; grow the sample (--sample auto) or "
        "run --full"
    )


def within(answer: Any, low: float, high: float, judging: Judging) -> Verdict | None:
    """Equivalence: an estimate is confirmed inside ``[low, high]`` only if its whole
    interval is, refuted if its whole interval lies outside."""
    if isinstance(answer, Unsettled):
        return unsettled_verdict(answer, judging)
    if not isinstance(answer, Estimate):
        return None
    decided = low <= answer.low and answer.high <= high
    if decided or answer.high < low or answer.low > high:
        found = judging.reach(answer)
    else:
        found = _own(answer)  # wider bounds cannot decide it: no curve needed
    assert found is not None
    a_lo, a_hi = found[0], found[1]
    verdict = _decide(low <= a_lo and a_hi <= high, a_hi < low or a_lo > high)
    if verdict is Verdict.INCONCLUSIVE:
        raw_lo, raw_hi = found[2], found[3]
        unopened = _decide(low <= raw_lo and raw_hi <= high, raw_hi < low or raw_lo > high)
        band = f"[{_short_number(low)}, {_short_number(high)}]"
        if found[4] is not None and unopened.decisive:
            judging.notes.append(_curve_note(f"{answer} within {band}", unopened, found[4], found))
            return verdict
        opened = (a_lo, a_hi) != (raw_lo, raw_hi)
        remedy = (
            "on a subsample the score may still change with more data (learning curve); grow "
            "the sample (--sample auto) or run --full"
            if opened
            else _remedy(judging)
        )
        judging.notes.append(
            f"{answer} lies only partly inside the band {band} at the "
            f"{answer.level * 100:.3g}% level; {remedy}"
        )
    return verdict


def _remedy(judging: Judging) -> str:
    return (
        "more data would narrow it (--sample auto or a larger --sample)"
        if judging.subsample
        else "all the data was used: the question needs more data or a less noisy method"
    )


def _short_number(number: float) -> str:
    return number_text(number)


def _ends_used(op: str, verdict: Verdict) -> tuple[tuple[bool, bool], tuple[bool, bool]]:
    """Which ends (low, high) of each side a decisive comparison rests on."""
    both = (True, True)
    if op in ("==", "!="):
        return both, both
    # a > b (or a < b) holding, or failing, rests on one end of each side
    upward = (op in (">", ">=")) == (verdict is Verdict.CONFIRMED)
    return ((True, False), (False, True)) if upward else ((False, True), (True, False))


def _own(value: Any) -> tuple[float, float, float, float, Reach | None]:
    """An estimate's own interval (or a number's point), as :meth:`Judging.reach` gives it."""
    if isinstance(value, Estimate):
        return value.low, value.high, value.low, value.high, None
    return (*_point(value), None)


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
