"""Learning-curve evidence: where a score measured on a subsample can be on all the data.

A decisive verdict on a subsample is a claim about all the data. ``exp.score`` and
``exp.compare`` on a subsample therefore measure the learning curve inside the sample, the way
learning-curve cross-validation does (LCCV: F. Mohr and J. N. van Rijn, "Fast and Informative
Model Selection Using Learning Curve Cross-Validation", IEEE TPAMI 45, 2023): in every
cross-validation split the learner is also trained on nested subsets of the split's training
rows (the *anchors*, :data:`ANCHORS` of them, stratified for class labels) and scored on the
split's own test fold. The anchors of one split share their test rows, so the gain from one
anchor to the next is measured paired, without the noise of the test fold.

**Assumption.** The expected score of each learner, as a function of the number of training
rows ``n``, does not fall and is concave in ``log n`` from the smallest anchor on: every
doubling of the data gains no more than the one before. It is the shape learning-curve
research finds for most learners (power laws and their kin; T. Viering and M. Loog, "The Shape
of Learning Curves: A Review", IEEE TPAMI 45, 2023) and the one LCCV relies on, and it is not
universal: in the Learning Curve Database about 15 % of curves break monotonicity or
convexity somewhere (F. Mohr et al., "LCDB 1.0: An Extensive Learning Curves Database for
Classification Tasks", ECML PKDD 2022). So it is **checked on the observed anchors** before it
is used (:func:`reach`): a score that falls as the anchors grow, or whose gains grow from one
anchor to the next (a curve that bends upwards), voids the extrapolation and leaves no
subsample verdict.

**Bounds.** Under the assumption, with ``n`` the sample's training rows, ``N`` the training
rows a split would have on all the data and ``d`` the slope per unit of ``log n`` of the secant
from the smallest anchor to ``n`` (at least the slope anywhere beyond ``n``, by concavity)::

    s(n) <= s(N) <= s(n) + d * log(N / n)

and for a difference of two learners, ``a(n) - b(n) - d_b log(N/n) <= a(N) - b(N) <= a(n) -
b(n) + d_a log(N/n)``. Each bound is, split by split, a fixed linear combination of that split's
anchor scores, so its mean over the splits gets the same corrected resampled t interval as the
score itself (Nadeau and Bengio, see :mod:`pytest_experiments.stats.estimates`); the lower end
of the lower bound and the upper end of the upper bound, each at ``(1 + C) / 2``, make the
interval the verdict reads at confidence ``C``. That interval always contains the estimate's
own: extrapolation can only widen it. A loss (``trend == "falls"``) is judged as its negation.
Everything here is plain numpy/scipy and knows nothing of pytest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

#: Shares of a split's training rows the learner is also trained on (the last anchor, all of
#: them, is implied): a score gets five anchors, as far back as a sixteenth of the rows, for
#: refuting a threshold a flat curve cannot reach; a difference needs only the last quarter.
SCORE_ANCHORS = (1 / 16, 1 / 8, 1 / 4, 1 / 2)
DIFFERENCE_ANCHORS = (1 / 4, 1 / 2)
#: The anchors of the last quarter, which bound a score from below and a difference both ways.
NEAR_ANCHORS = DIFFERENCE_ANCHORS

#: The anchors are fitted on the first this many splits (the first two repeats of the default
#: 5 x 5): the Nadeau-Bengio term n_test/n_train dominates the variance of a mean over the
#: splits, so 10 splits widen the bounds by about a fifth at 40 % of the fits of 25.
ANCHOR_SPLITS = 10

#: An anchor with fewer training rows than this is not fitted.
MIN_ANCHOR_ROWS = 10

CURVE_KIND = "learning-curve"

# The rule's constants, tuned on the Learning Curve Database's datasets with even OpenML ids
# and checked on the odd ones (benchmarks/lcdb/replay.py). Slopes and tolerances are per unit of
# log n, in units of the score (accuracy-like scores; larger scores scale them, see _unit).
#: A flat curve may still rise by this much per unit of log n.
ALLOWANCE = 0.005
#: A threshold is refuted against the observed slope times this.
REFUTE_SLOPE_FACTOR = 1.5
#: Differences: a step between anchors below -1 standard error means a curve falls; a slope
#: that grows by more than 2 standard errors means the curve bounding the gain accelerates.
FALL_SE_DIFFERENCE, BEND_SE_DIFFERENCE = 1.0, 2.0
#: Confirming a threshold: a step below -2 standard errors falls; a slope growing by more
#: than 1 standard error accelerates.
FALL_SE_CONFIRM, BEND_SE_CONFIRM = 2.0, 1.0
#: Refuting a threshold: no mean step down, and no slope growth, beyond this.
REFUTE_TOLERANCE = 0.005
#: Comparisons and confirmations read the anchors of the last quarter of the rows (n/4 to n),
#: refutations those of the last sixteenth (n/16 to n), and need three anchors at least.
NEAR_SPAN, FAR_SPAN, MIN_ANCHORS = 4.0, 16.0, 3

#: A learner within this much of chance (plus one standard error) has not started to learn.
CHANCE_MARGIN = 0.02

#: One-sided level of the checks of :mod:`.stability` (the smaller look beside the sample's).
CHECK_LEVEL = 0.8


@dataclass(frozen=True)
class Curve:
    """Anchor scores of one or two learners on the same splits, and the size to reach.

    ``scores[learner][anchor][split]`` in the scorer's units; ``sizes[anchor]`` the mean
    training rows of the anchor; ``target`` the training rows a split would have on all the
    data; ``holdout`` the splits' mean ``n_test / n_train`` (the Nadeau-Bengio ratio);
    ``direction`` +1 when higher scores are better, -1 for a loss; ``bounds`` the values a
    score can take.
    """

    sizes: tuple[float, ...]
    target: float
    holdout: float
    scores: tuple[tuple[tuple[float, ...], ...], ...]
    direction: int = 1
    bounds: tuple[float, float] = (-math.inf, math.inf)
    #: Per learner: a baseline that never learns (sklearn.dummy), exempt from the check that a
    #: learner scoring the same on every split has not started to learn.
    baselines: tuple[bool, ...] = ()
    #: Per learner: the score of always guessing (the majority class's share for accuracy,
    #: 0.5 for AUC), or None where the scorer has no such level.
    chance: tuple[float | None, ...] = ()

    @property
    def difference(self) -> bool:
        return len(self.scores) == 2

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": CURVE_KIND,
            "sizes": list(self.sizes),
            "target": self.target,
            "holdout": self.holdout,
            "scores": [[list(anchor) for anchor in learner] for learner in self.scores],
            "direction": self.direction,
            "bounds": [_json_number(bound) for bound in self.bounds],
            "baselines": list(self.baselines),
            "chance": list(self.chance),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Curve:
        return cls(
            sizes=tuple(float(size) for size in data["sizes"]),
            target=float(data["target"]),
            holdout=float(data["holdout"]),
            scores=tuple(
                tuple(tuple(float(score) for score in anchor) for anchor in learner)
                for learner in data["scores"]
            ),
            direction=int(data.get("direction", 1)),
            bounds=_bounds_from_json(data.get("bounds")),
            baselines=tuple(bool(flag) for flag in data.get("baselines", ())),
            chance=tuple(
                None if level is None else float(level) for level in data.get("chance", ())
            ),
        )


class LazyCurve:
    """A learning curve measured only when a verdict needs it, and only as far as it needs.

    The anchors cost extra fits, and they can only widen an estimate's interval: a claim the
    estimate's own interval leaves undecided stays undecided, so its curve is never measured.
    The near anchors (the last quarter of the rows) bound a score from below and a difference
    both ways; the far ones (down to a sixteenth) are fitted only to refute a threshold.
    ``measure(far)`` returns the curve's JSON form, with the far anchors when ``far``.
    """

    def __init__(self, measure: Callable[[bool], dict[str, Any]]) -> None:
        self._measure: Callable[[bool], dict[str, Any]] | None = measure
        self.known: dict[str, Any] | None = None
        self._far = False

    def get(self, far: bool = True) -> dict[str, Any]:
        if self.known is None or (far and not self._far and self._measure is not None):
            assert self._measure is not None
            self.known = self._measure(far)
            self._far = self._far or far
            if self._far:
                self._measure = None  # let go of the data the measurement needed
        return self.known


@dataclass(frozen=True)
class Reach:
    """Where the quantity can be on all the data, at one confidence level."""

    low: float
    high: float
    #: Why the low (high) end is unbounded: the assumption it needs failed on the anchors.
    low_problem: str | None = None
    high_problem: str | None = None
    #: The curve in words, for notes: "0.71 at 100 rows, 0.78 at 400 (training rows; ...)".
    description: str = ""

    @property
    def problem(self) -> str | None:
        """The reasons the interval is unbounded, if it is."""
        reasons = dict.fromkeys(p for p in (self.low_problem, self.high_problem) if p)
        return "; ".join(reasons) or None


def reach(curve: Curve, level: float, own: tuple[float, float]) -> Reach:
    """The interval, at confidence ``level``, for the quantity on all the data.

    ``own`` is the estimate's own interval at ``level``; the result contains it. An end whose
    assumption the anchors contradict is unbounded, and says why.
    """
    import numpy as np

    sign = curve.direction
    learners = [sign * np.asarray(learner, dtype=float) for learner in curve.scores]
    sizes = np.asarray(curve.sizes, dtype=float)
    unit = _unit(learners)
    gap = max(0.0, math.log(curve.target / sizes[-1]))
    near = sizes >= sizes[-1] / (NEAR_SPAN * 1.1)
    quantile = _t_quantile((1 + level) / 2, learners[0].shape[1] - 1)
    if curve.difference:
        low, high, low_problem, high_problem = _difference(
            learners, sizes, near, gap, unit, quantile, curve
        )
    else:
        low, high, low_problem, high_problem = _threshold(
            learners[0], sizes, near, gap, unit, quantile, curve
        )
    if sign < 0:
        low, high = -high, -low
        low_problem, high_problem = high_problem, low_problem
    if curve.difference:
        low_problem, high_problem = (
            _learner_points(low_problem, curve),
            _learner_points(high_problem, curve),
        )
    floor, ceiling = _range(curve)
    low = -math.inf if low_problem else max(min(low, own[0]), floor)
    high = math.inf if high_problem else min(max(high, own[1]), ceiling)
    return Reach(low, high, low_problem, high_problem, _describe(curve))


def _difference(
    learners: list[Any],
    sizes: Any,
    near: Any,
    gap: float,
    unit: float,
    quantile: float,
    curve: Curve,
) -> tuple[float, float, str | None, str | None]:
    """``a - b`` on all the data: at least ``a(n) - b(n)`` less what b may still gain, at most
    it plus what a may still gain (score orientation)."""
    a, b = (learner[near] for learner in learners)
    near_sizes = sizes[near]
    if near_sizes.size < MIN_ANCHORS:
        problem = _too_few(near_sizes)
        return -math.inf, math.inf, problem, problem
    value = a[-1] - b[-1]
    allowance = ALLOWANCE * unit
    lower = value - (_rising_slope(b, near_sizes) + allowance) * gap
    upper = value + (_rising_slope(a, near_sizes) + allowance) * gap
    low = _mean(lower) - quantile * _corrected_se(lower, curve.holdout)
    high = _mean(upper) + quantile * _corrected_se(upper, curve.holdout)
    names = ("a's score", "b's score")
    falls = next(
        (
            f"{name} falls as the training rows grow"
            for name, learner in zip(names, (a, b), strict=True)
            if _falls(learner, near_sizes, FALL_SE_DIFFERENCE)
        ),
        None,
    )
    constant = _constant_problem((a, b), names, curve)
    low_problem = (
        falls
        or _bends(b, near_sizes, BEND_SE_DIFFERENCE, names[1])
        or _at_chance(b, 1, names[1], curve)
        or constant
    )
    high_problem = (
        falls
        or _bends(a, near_sizes, BEND_SE_DIFFERENCE, names[0])
        or _at_chance(a, 0, names[0], curve)
        or constant
    )
    return low, high, low_problem, high_problem


def _at_chance(scores: Any, index: int, name: str, curve: Curve) -> str | None:
    """A learner whose score on the sample is not clearly above chance (what always guessing
    the majority class scores) has not started to learn: a flat curve there says nothing of
    when it takes off (k-NN with many neighbours on a few hundred rows of thin rings)."""
    chance = curve.chance[index] if index < len(curve.chance) else None
    if chance is None or (index < len(curve.baselines) and curve.baselines[index]):
        return None
    main = scores[-1] * curve.direction
    if _mean(main) - _plain_se(main) <= chance + CHANCE_MARGIN:
        return (
            f"{name} is at chance level ({_mean(main):.3g} where always guessing gives "
            f"{chance:.3g}): the learner has not started to learn, and may still take off"
        )
    return None


def _threshold(
    scores: Any,
    sizes: Any,
    near: Any,
    gap: float,
    unit: float,
    quantile: float,
    curve: Curve,
) -> tuple[float, float, str | None, str | None]:
    """A score on all the data: at least what it is (the curve does not fall), at most what an
    optimistic extrapolation of its slope over the last sixteenth of the rows reaches."""
    import numpy as np

    near_scores, near_sizes = scores[near], sizes[near]
    main = scores[-1]
    low = _mean(main) - quantile * _corrected_se(main, curve.holdout)
    name = ("the score",)
    constant = _constant_problem((scores[near],), name, curve)
    if near_sizes.size < MIN_ANCHORS:
        low_problem: str | None = _too_few(near_sizes)
    elif _falls(near_scores, near_sizes, FALL_SE_CONFIRM):
        low_problem = "the score falls as the training rows grow"
    else:
        low_problem = _bends(near_scores, near_sizes, BEND_SE_CONFIRM, name[0]) or constant
        if low_problem is None and _spread(main) > _spread(near_scores[0]):
            low_problem = (
                "the score's spread over the splits grows with the training rows (an unstable "
                "learner, whose curve may still turn)"
            )
    far = sizes >= sizes[-1] / (FAR_SPAN * 1.1)
    far_scores, far_sizes = scores[far], sizes[far]
    tolerance = REFUTE_TOLERANCE * unit
    upper = (
        main + (REFUTE_SLOPE_FACTOR * _rising_slope(far_scores, far_sizes) + ALLOWANCE * unit) * gap
    )
    high = _mean(upper) + quantile * _corrected_se(upper, curve.holdout)
    high_problem: str | None
    if far_sizes.size < MIN_ANCHORS or far_sizes[-1] / far_sizes[0] < FAR_SPAN * 0.9:
        high_problem = (
            f"the curve is not seen over enough rows to bound its rise "
            f"({far_sizes[0]:,.0f} to {far_sizes[-1]:,.0f} training rows; it takes a 16-fold "
            "range)"
        )
    else:
        means = far_scores.mean(axis=1)
        steps = np.diff(means)
        slopes = steps / np.diff(np.log(far_sizes))
        if np.any(steps < -tolerance):
            high_problem = "the score falls as the training rows grow"
        elif np.any(np.diff(slopes) > tolerance):
            high_problem = (
                "the score gains more from each doubling of the rows than from the one before"
            )
        else:
            high_problem = _at_chance(far_scores, 0, name[0], curve) or _constant_problem(
                (far_scores,), name, curve
            )
    return low, high, low_problem, high_problem


def _too_few(sizes: Any) -> str:
    return (
        f"the learning curve has {sizes.size} anchor(s) in the last quarter of the rows; it "
        f"takes {MIN_ANCHORS}"
    )


def _rising_slope(scores: Any, sizes: Any) -> Any:
    """Per split: the secant slope per unit of log n from the first anchor to the last, taken
    as 0 for a curve whose mean slope is negative (it may not fall: it is flat at best)."""
    if sizes.size < 2 or sizes[-1] <= sizes[0]:
        return scores[-1] * 0.0  # one anchor: no slope (the end it bounds is void anyway)
    slope = (scores[-1] - scores[0]) / math.log(sizes[-1] / sizes[0])
    return slope if _mean(slope) >= 0 else slope * 0.0


def _falls(scores: Any, sizes: Any, errors: float) -> bool:
    """A step between neighbouring anchors whose mean is more than ``errors`` standard errors
    below zero (plain standard errors over the splits: the check errs towards firing)."""
    steps = scores[1:] - scores[:-1]
    return any(_mean(step) < -errors * _plain_se(step) for step in steps)


def _bends(scores: Any, sizes: Any, errors: float, name: str) -> str | None:
    """Whether the slope grows from one pair of anchors to the next by more than ``errors``
    standard errors: the curve bends upwards, and its slope does not bound its future gain."""
    import numpy as np

    slopes = (scores[1:] - scores[:-1]) / np.diff(np.log(sizes))[:, None]
    for growth in slopes[1:] - slopes[:-1]:
        if _mean(growth) > errors * _plain_se(growth):
            return f"{name} gains more from each doubling of the rows than from the one before"
    return None


def _constant_problem(learners: Sequence[Any], names: Sequence[str], curve: Curve) -> str | None:
    """A learner that scores the same on every split at some anchor has not started to learn
    (it may take off later), unless it is a baseline that never learns (sklearn.dummy)."""
    for index, (learner, name) in enumerate(zip(learners, names, strict=True)):
        if index < len(curve.baselines) and curve.baselines[index]:
            continue
        if any(_spread(anchor) <= 1e-12 for anchor in learner):
            return f"{name} is the same on every split: the learner has not started to learn"
    return None


def _unit(learners: list[Any]) -> float:
    """The scale of the allowance and tolerances: 1 for scores like accuracy, AUC or R^2; the
    learners' typical magnitude for scores in other units (a mean squared error, say)."""
    return max([1.0] + [abs(_mean(learner[-1])) for learner in learners])


def _spread(values: Any) -> float:
    return float(values.std(ddof=1)) if values.size > 1 else 0.0


def _plain_se(values: Any) -> float:
    return _spread(values) / math.sqrt(values.size) if values.size > 1 else math.inf


def _mean(values: Any) -> float:
    return float(values.mean())


def _corrected_se(values: Any, holdout: float) -> float:
    """Nadeau-Bengio: ``sqrt((1/J + n_test/n_train) s^2)`` of J split values."""
    count = values.size
    if count < 2:
        return math.inf
    return math.sqrt((1.0 / count + holdout) * float(values.var(ddof=1)))


@lru_cache(maxsize=256)
def _t_quantile(probability: float, df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(probability, max(df, 1)))


def _range(curve: Curve) -> tuple[float, float]:
    low, high = curve.bounds
    if curve.difference:
        return low - high, high - low
    return low, high


def _learner_points(problem: str | None, curve: Curve) -> str | None:
    """A problem of one learner of a difference, with that learner's own curve."""
    if problem is None or not problem.startswith(("a's", "b's")):
        return problem
    import numpy as np

    means = np.asarray(curve.scores[0 if problem.startswith("a's") else 1], dtype=float)
    return f"{problem} ({_points(means.mean(axis=1), curve.sizes)})"


def _points(values: Any, sizes: Sequence[float]) -> str:
    shown = list(zip(values, sizes, strict=True))[-3:]
    return ", ".join(f"{value:.3g} at {size:,.0f}" for value, size in shown) + " training rows"


def _describe(curve: Curve) -> str:
    """The curve in words: the mean score (or difference) at each anchor's training rows."""
    import numpy as np

    learners = [np.asarray(learner, dtype=float).mean(axis=1) for learner in curve.scores]
    values = learners[0] - learners[1] if curve.difference else learners[0]
    which = "a - b: " if curve.difference else ""
    return f"{which}{_points(values, curve.sizes)}; {curve.target:,.0f} on all the data"


def _json_number(number: float) -> float | None:
    return number if math.isfinite(number) else None


def _bounds_from_json(bounds: Any) -> tuple[float, float]:
    low, high = bounds if bounds else (None, None)
    return (
        -math.inf if low is None else float(low),
        math.inf if high is None else float(high),
    )


def stratified_order(train: Any, labels: Any | None, seed: int) -> Any:
    """``train`` reordered so that every prefix is a stratified sample of it.

    Each class's rows are shuffled and spread evenly over the order (row ``i`` of a class of
    ``m`` rows sits at ``(i + u) / m`` with ``u`` uniform), so the first ``k`` rows hold about
    ``k`` times each class's share, and nested anchors are prefixes of one order.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    train = np.asarray(train)
    if labels is None:
        return rng.permutation(train)
    labels = np.asarray(labels)[train]
    keys = np.empty(train.size, dtype=float)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        shuffled = rng.permutation(members)
        keys[shuffled] = (np.arange(members.size) + rng.uniform(size=members.size)) / members.size
    return train[np.argsort(keys, kind="stable")]


def anchor_splits(
    splits: Sequence[tuple[Any, Any]], labels: Any | None, seed: int, shares: Sequence[float]
) -> list[list[tuple[Any, Any]]]:
    """For each anchor share (ascending) with enough rows, the splits with their training rows
    cut to it: nested prefixes of one stratified order per split, the test rows untouched."""
    import numpy as np

    orders = [
        stratified_order(train, labels, seed + index) for index, (train, _) in enumerate(splits)
    ]
    smallest = min(order.size for order in orders)
    anchored = []
    for share in shares:
        if math.ceil(share * smallest) < MIN_ANCHOR_ROWS:
            continue
        anchored.append(
            [
                (np.sort(order[: math.ceil(share * order.size)]), test)
                for order, (_, test) in zip(orders, splits, strict=True)
            ]
        )
    return anchored
