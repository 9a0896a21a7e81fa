"""Estimates: answers that carry their uncertainty as a confidence interval.

An :class:`Estimate` knows its value, interval, confidence level, number of observations and the
method that produced it, prints as ``0.871 [0.842, 0.897]`` and travels as JSON. It keeps the
sufficient statistics of its method so the interval can be recomputed at any level
(:meth:`Estimate.at_level`), which the verdict machinery needs for ``--sample auto`` (a level per
look) and for corrections across many experiments.

Methods (each tested for its error rate by simulation in
``tests/stats/test_estimates_statistics.py``):

``wilson``
    Wilson score interval for a binomial proportion (E. B. Wilson, "Probable inference, the law
    of succession, and statistical inference", JASA 22, 1927), via
    :meth:`scipy.stats.binomtest(...).proportion_ci(method="wilson")`; recommended over the Wald
    interval by L. D. Brown, T. T. Cai and A. DasGupta, "Interval estimation for a binomial
    proportion", Statistical Science 16, 2001.
``t``
    Student-t interval for a mean of independent observations (:func:`scipy.stats.t`).
``corrected-t``
    The corrected resampled t interval for a cross-validated score or score difference
    (C. Nadeau and Y. Bengio, "Inference for the generalization error", Machine Learning 52,
    2003; in its repeated k-fold form from R. R. Bouckaert and E. Frank, "Evaluating the
    replicability of significance tests for comparing learning algorithms", PAKDD 2004). The
    variance of the mean of the J split scores is ``(1/J + n_test/n_train) * s^2`` instead of the
    naive ``s^2/J``, which ignores that overlapping training sets make split scores correlated;
    t with J - 1 degrees of freedom. Two conservative guards, each of which can only widen the
    coverage: the interval is cut to the score's range when the scorer has one (accuracy and
    AUC lie in [0, 1], R^2 at most 1, a ``neg_`` loss at most 0; the true score lies in the
    range, so the cut interval covers whenever the uncut one does), and an accuracy's interval
    spans at least the Wilson interval of its pooled test predictions (the union of two
    intervals covers whenever either does): split scores that happen to agree, e.g. every fold
    at 1.0, give ``s = 0`` and would otherwise claim certainty from a hundred rows.

The ``trend`` of an estimate says how its quantity moves as the training data grows: a
learner's score ``"rises"`` (learning curves), a loss ``"falls"``. On a subsample the verdict
machinery opens the interval on that side, because the full-data value can lie beyond it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from pytest_experiments.errors import EstimateError
from pytest_experiments.formatting import estimate_text

if TYPE_CHECKING:
    from pytest_experiments.stats.learning_curve import LazyCurve

Trend = Literal["rises", "falls"]

ESTIMATE_KIND = "estimate"


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a confidence interval."""

    value: float
    low: float
    high: float
    level: float
    n: int
    method: str
    stats: dict[str, float] = field(default_factory=dict)
    trend: Trend | None = None
    label: str = ""
    #: The learning curve measured inside a subsample (:mod:`.learning_curve`, JSON form), or
    #: ``{"problem": "..."}`` when it could not be measured; None on all the data.
    curve: dict[str, Any] | None = None
    #: The curve still to be measured, when a verdict needs it (never travels as JSON).
    pending_curve: LazyCurve | None = field(default=None, compare=False, repr=False)

    def learning_curve(self, far: bool = True) -> dict[str, Any] | None:
        """The learning curve, measured now if it was pending (with its far anchors when
        ``far``); None without one."""
        if self.curve is None and self.pending_curve is not None:
            return self.pending_curve.get(far)
        return self.curve

    @property
    def has_curve(self) -> bool:
        return self.curve is not None or self.pending_curve is not None

    def __str__(self) -> str:
        return estimate_text(self.value, self.low, self.high)

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        return f"{format(self.value, spec)} [{format(self.low, spec)}, {format(self.high, spec)}]"

    def at_level(self, level: float) -> Estimate:
        """The same estimate with its interval at confidence ``level``."""
        if level == self.level:
            return self
        low, high = interval(self.method, self.stats, self.value, level)
        return replace(self, low=low, high=high, level=level)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": ESTIMATE_KIND,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "level": self.level,
            "n": self.n,
            "method": self.method,
            "stats": dict(self.stats),
            "trend": self.trend,
            "label": self.label,
            **({"curve": curve} if (curve := self._known_curve()) is not None else {}),
        }

    def _known_curve(self) -> dict[str, Any] | None:
        if self.curve is None and self.pending_curve is not None:
            return self.pending_curve.known
        return self.curve

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Estimate:
        return cls(
            value=float(data["value"]),
            low=float(data["low"]),
            high=float(data["high"]),
            level=float(data["level"]),
            n=int(data["n"]),
            method=str(data["method"]),
            stats={str(k): float(v) for k, v in data.get("stats", {}).items()},
            trend=data.get("trend"),
            label=str(data.get("label", "")),
            curve=data.get("curve"),
        )

    # Shifting and scaling by known constants keeps the interval exact; anything else (adding
    # two estimates) would need their joint distribution, so it is refused.
    def __add__(self, other: object) -> Estimate:
        return self._affine(1.0, _constant(other, "+"))

    __radd__ = __add__

    def __sub__(self, other: object) -> Estimate:
        return self._affine(1.0, -_constant(other, "-"))

    def __rsub__(self, other: object) -> Estimate:
        return (-self)._affine(1.0, _constant(other, "-"))

    def __mul__(self, other: object) -> Estimate:
        return self._affine(_constant(other, "*"), 0.0)

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Estimate:
        factor = _constant(other, "/")
        if factor == 0:
            raise ZeroDivisionError("division of an estimate by zero")
        return self._affine(1.0 / factor, 0.0)

    def __neg__(self) -> Estimate:
        return self._affine(-1.0, 0.0)

    def __pos__(self) -> Estimate:
        return self

    def _affine(self, scale: float, shift: float) -> Estimate:
        ends = sorted((self.low * scale + shift, self.high * scale + shift))
        trend = self.trend
        if scale < 0 and trend is not None:
            trend = "falls" if trend == "rises" else "rises"
        stats = dict(self.stats)
        stats["scale"] = stats.get("scale", 1.0) * scale
        stats["shift"] = stats.get("shift", 0.0) * scale + shift
        return replace(
            self,
            value=self.value * scale + shift,
            low=ends[0],
            high=ends[1],
            stats=stats,
            trend=trend,
        )


def without_pending_curves(value: Any, problem: str) -> Any:
    """``value`` with every learning curve still to be measured given up, saying ``problem``
    (a verdict on a subsample then cannot rest on the curve: it stays inconclusive)."""
    if isinstance(value, Estimate):
        if value.curve is None and value.pending_curve is not None:
            return replace(value, pending_curve=None, curve={"problem": problem})
        return value
    if isinstance(value, dict):
        return {key: without_pending_curves(item, problem) for key, item in value.items()}
    if isinstance(value, list):
        return [without_pending_curves(item, problem) for item in value]
    return value


def is_estimate_json(value: Any) -> bool:
    return isinstance(value, dict) and value.get("kind") == ESTIMATE_KIND and "low" in value


def _constant(other: object, op: str) -> float:
    if isinstance(other, bool) or not isinstance(other, (int, float)):
        raise TypeError(
            f"an estimate can only be combined with a plain number by {op!r}; compare two "
            "learners with exp.compare(a, b, X, y), which pairs their scores on the same folds"
        )
    return float(other)


def interval(
    method: str, stats: dict[str, float], value: float, level: float
) -> tuple[float, float]:
    """The interval of ``method`` at ``level`` from its sufficient statistics."""
    scale, shift = stats.get("scale", 1.0), stats.get("shift", 0.0)
    if method == "wilson":
        low, high = wilson_interval(int(stats["successes"]), int(stats["trials"]), level)
    elif method in ("t", "corrected-t"):
        base = (value - shift) / scale if scale else value
        low, high = t_interval(base, stats["se"], stats["df"], level)
        if "successes" in stats:  # a [0, 1] score: at least its pooled rows' Wilson interval
            pooled = wilson_interval(int(stats["successes"]), int(stats["trials"]), level)
            low, high = min(low, pooled[0]), max(high, pooled[1])
        if "tie_trials" in stats:  # a difference whose splits all agreed: see corrected_...
            reach = wilson_interval(0, int(stats["tie_trials"]), level)[1]
            low, high = min(low, base - reach), max(high, base + reach)
        low, high = (
            max(low, stats.get("lowest", -math.inf)),
            min(high, stats.get("highest", math.inf)),
        )
    else:  # pragma: no cover - every constructor below names a known method
        raise ValueError(f"unknown estimate method {method!r}")
    ends = sorted((low * scale + shift, high * scale + shift))
    return ends[0], ends[1]


def wilson_interval(successes: int, trials: int, level: float) -> tuple[float, float]:
    """Wilson score interval (see the module docstring), via scipy."""
    from scipy.stats import binomtest

    ci = binomtest(successes, trials).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def t_interval(mean: float, se: float, df: float, level: float) -> tuple[float, float]:
    """``mean ± t_{df, (1+level)/2} * se``; a point when ``se`` is 0."""
    if se == 0 or not math.isfinite(se):
        return (mean, mean) if se == 0 else (-math.inf, math.inf)
    from scipy.stats import t

    half = float(t.ppf((1 + level) / 2, df)) * se
    return mean - half, mean + half


def proportion(
    successes: int, trials: int, level: float, trend: Trend | None = None, label: str = ""
) -> Estimate:
    """A binomial proportion with its Wilson interval."""
    if isinstance(successes, bool) or isinstance(trials, bool):
        raise EstimateError(
            f"exp.{label or 'proportion'} needs whole numbers of successes and trials, not "
            f"booleans ({successes!r}, {trials!r}); pass counts, e.g. int(hits.sum()), len(hits)"
        )
    successes, trials = int(successes), int(trials)
    if trials <= 0:
        raise EstimateError(
            f"exp.{label or 'proportion'} got {trials} trials: a share of nothing has no value; "
            "check that the sample or test set is not empty"
        )
    if not 0 <= successes <= trials:
        raise EstimateError(
            f"exp.{label or 'proportion'} needs 0 <= successes <= trials, got "
            f"{successes}/{trials}; pass (successes, trials) in that order"
        )
    low, high = wilson_interval(successes, trials, level)
    return Estimate(
        value=successes / trials,
        low=low,
        high=high,
        level=level,
        n=trials,
        method="wilson",
        stats={"successes": successes, "trials": trials},
        trend=trend,
        label=label,
    )


def mean(values: Any, level: float, trend: Trend | None = None, label: str = "") -> Estimate:
    """The mean of independent observations with a Student-t interval."""
    data = _finite_values(values, "exp.mean")
    if data.size < 2:
        raise EstimateError(
            f"exp.mean got {data.size} value(s); an interval needs the spread of at least 2 "
            "independent values (return the single number itself if that is the answer)"
        )
    centre = float(data.mean())
    se = float(data.std(ddof=1) / math.sqrt(data.size))
    df = float(data.size - 1)
    low, high = t_interval(centre, se, df, level)
    return Estimate(
        value=centre,
        low=low,
        high=high,
        level=level,
        n=int(data.size),
        method="t",
        stats={"se": se, "df": df},
        trend=trend,
        label=label,
    )


def corrected_resampled_mean(
    scores: Any,
    test_fraction: float,
    level: float,
    trend: Trend | None,
    label: str = "",
    score_range: tuple[float, float] = (-math.inf, math.inf),
    pooled_rows: int | None = None,
    tie_rows: int | None = None,
    difference: bool = False,
    curve: LazyCurve | None = None,
) -> Estimate:
    """Mean of J resampled (e.g. repeated k-fold) scores with the Nadeau-Bengio correction.

    ``test_fraction`` is n_test / n_train averaged over the splits; ``score_range`` the values
    the score can take (the interval is cut to it); ``pooled_rows``, for an accuracy, the rows
    its test predictions cover (its interval spans at least their Wilson interval).

    ``tie_rows`` guards a [0, 1] score whose split scores all agree, where ``s = 0`` leaves the
    t interval a point, or mostly sit at the score's bound (differences: mostly exactly 0),
    where the bound censors their spread: a score then spans the Wilson interval of its value
    over ``tie_rows`` (for AUC or F1 the rows of the smaller class, so wider); a
    ``difference`` spans ``±`` the Wilson upper bound for 0 disagreements in ``tie_rows``, since
    two accuracies differ by at most the share of rows on which the models disagree.
    """
    import numpy as np

    data = _finite_values(scores, "a cross-validated score")
    if data.size < 2:
        raise EstimateError(
            f"a cross-validated interval needs at least 2 split scores, got {data.size}; "
            "use cv=5 or a splitter with several splits"
        )
    j = data.size
    centre = float(data.mean())
    variance = float(data.var(ddof=1))
    se = math.sqrt((1.0 / j + test_fraction) * variance)
    stats = {"se": se, "df": float(j - 1), "test_train_ratio": test_fraction}
    for key, bound in zip(("lowest", "highest"), score_range, strict=True):
        if math.isfinite(bound):
            stats[key] = bound
    # Split scores that mostly sit at the score's bound (or differences mostly exactly 0) hide
    # their uncertainty: the bound censors the spread the t interval would measure.
    edges = (0.0,) if difference else score_range
    censored = variance == 0 or float(np.mean(np.isin(data, edges))) >= 0.5
    if not pooled_rows and tie_rows and censored and not difference:
        pooled_rows = tie_rows
    if pooled_rows:
        stats["successes"] = round(min(max(centre, 0.0), 1.0) * pooled_rows)
        stats["trials"] = pooled_rows
    if tie_rows and censored and difference:
        stats["tie_trials"] = tie_rows
    low, high = interval("corrected-t", stats, centre, level)
    return Estimate(
        value=centre,
        low=low,
        high=high,
        level=level,
        n=j,
        method="corrected-t",
        stats=stats,
        trend=trend,
        label=label,
        pending_curve=curve,
    )


def _finite_values(values: Any, what: str) -> Any:
    """``values`` as a flat float array, or an EstimateError saying what is wrong with them."""
    import numpy as np

    if isinstance(values, Iterator):
        values = list(values)  # a generator: numpy would not read it
    try:
        data = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError) as error:
        raise EstimateError(f"{what} needs numbers, got {type(values).__name__}: {error}") from None
    bad = int(np.sum(~np.isfinite(data)))
    if bad:
        raise EstimateError(
            f"{what} got {bad} NaN or infinite value(s) among {data.size}; find where they come "
            "from, or drop them first (values[np.isfinite(values)]) if they are expected"
        )
    return data


def check_trend(trend: Any) -> None:
    """Refuse a ``trend`` other than ``"rises"``, ``"falls"`` or None."""
    if trend not in ("rises", "falls", None):
        raise EstimateError(
            f"trend={trend!r} is not a trend; write trend='rises' (a score that grows with "
            "more data), trend='falls' (a loss) or trend=None"
        )
