"""The learning-curve rule: where a score measured on a subsample can be on all the data.

Simulations draw curves of known shape (power laws that rise and bend as the rule assumes,
crossings, falls, plateaus) with paired replicates, and count how often the rule's interval
misses the true value on all the data; property tests check its symmetries. The replay on
real curves is ``benchmarks/lcdb/replay.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_experiments.stats.learning_curve import (
    SCORE_ANCHORS,
    Curve,
    anchor_splits,
    reach,
    stratified_order,
)

RUNS = 400
REPLICATES = 25
SAMPLE = 400.0  # training rows of the sample
TARGET = 8000.0  # on all the data (a 5 % sample)


def power_law(top: float, gain: float, rate: float):  # type: ignore[no-untyped-def]
    """A curve that rises and is concave in log n: ``top - gain * n ** -rate``."""
    return lambda n: top - gain * np.asarray(n, dtype=float) ** -rate


def draw(curve, sizes: list[float], rng: np.random.Generator, noise: float = 0.02):  # type: ignore[no-untyped-def]
    """Replicate scores at each size: the curve, a test-fold effect shared by a replicate's
    anchors (what pairing removes) and noise of each fit."""
    fold = rng.normal(0, noise, size=REPLICATES)
    return [tuple(curve(size) + fold + rng.normal(0, noise / 2, size=REPLICATES)) for size in sizes]


def sizes_for(shares: tuple[float, ...]) -> list[float]:
    return [share * SAMPLE for share in shares] + [SAMPLE]


def own(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    from scipy.stats import t

    half = float(t.ppf((1 + level) / 2, values.size - 1)) * values.std(ddof=1)
    half /= math.sqrt(values.size)
    return float(values.mean() - half), float(values.mean() + half)


def single(scores: list[tuple[float, ...]], sizes: list[float]) -> Curve:
    return Curve(tuple(sizes), TARGET, 0.0, (tuple(scores),), bounds=(0.0, 1.0))


def pair(a: list[tuple[float, ...]], b: list[tuple[float, ...]], sizes: list[float]) -> Curve:
    return Curve(tuple(sizes), TARGET, 0.0, (tuple(a), tuple(b)), bounds=(0.0, 1.0))


@pytest.mark.parametrize(
    "shape",
    [power_law(0.95, 2.0, 0.5), power_law(0.85, 0.5, 0.3), power_law(0.99, 5.0, 0.8)],
    ids=["sqrt", "slow", "fast"],
)
def test_a_score_on_all_the_data_lies_in_the_interval(shape) -> None:  # type: ignore[no-untyped-def]
    # Under the assumption (rises, concave in log n) each end misses at most alpha/2 = 2.5 %
    # of the time; the bounds are conservative, so far less.
    rng = np.random.default_rng(0)
    sizes = sizes_for(SCORE_ANCHORS)
    truth = float(shape(TARGET))
    low_misses = high_misses = 0
    for _ in range(RUNS):
        scores = draw(shape, sizes, rng)
        found = reach(single(scores, sizes), 0.95, own(np.asarray(scores[-1])))
        low_misses += found.low > truth
        high_misses += found.high < truth
    assert low_misses / RUNS <= 0.025 + 0.015
    assert high_misses / RUNS <= 0.025 + 0.015


def test_crossing_curves_are_never_ordered_the_wrong_way() -> None:
    # b learns fast and stops low, a starts badly and ends high (naive Bayes against logistic
    # regression): b leads on the sample, a on all the data. "a < b" must not be confirmed.
    a, b = power_law(0.95, 5.0, 0.5), power_law(0.80, 0.3, 0.5)
    sizes = sizes_for((1 / 4, 1 / 2))
    assert a(SAMPLE) < b(SAMPLE) and a(TARGET) > b(TARGET)
    wrong = decided = 0
    rng = np.random.default_rng(1)
    for _ in range(RUNS):
        scores_a, scores_b = draw(a, sizes, rng), draw(b, sizes, rng)
        difference = np.asarray(scores_a[-1]) - np.asarray(scores_b[-1])
        found = reach(pair(scores_a, scores_b, sizes), 0.95, own(difference))
        decided += found.low > 0 or found.high < 0
        wrong += found.high < 0
    assert wrong == 0
    assert decided <= RUNS * 0.05


def test_a_difference_that_holds_is_confirmed_on_the_sample() -> None:
    a, b = power_law(0.95, 1.0, 0.8), power_law(0.80, 1.0, 0.8)  # a constant gap of 0.15
    sizes = sizes_for((1 / 4, 1 / 2))
    rng = np.random.default_rng(2)
    confirmed = 0
    for _ in range(100):
        scores_a, scores_b = draw(a, sizes, rng), draw(b, sizes, rng)
        difference = np.asarray(scores_a[-1]) - np.asarray(scores_b[-1])
        confirmed += reach(pair(scores_a, scores_b, sizes), 0.95, own(difference)).low > 0
    assert confirmed >= 90


def test_a_flat_curve_refutes_a_threshold_it_cannot_reach() -> None:
    flat = power_law(0.80, 0.05, 0.5)  # naive Bayes on digits: about 0.8 at any size
    sizes = sizes_for(SCORE_ANCHORS)
    rng = np.random.default_rng(3)
    refuted = sum(
        reach(single(scores, sizes), 0.95, own(np.asarray(scores[-1]))).high < 0.95
        for scores in (draw(flat, sizes, rng, noise=0.01) for _ in range(100))
    )
    # Its strict shape checks (no step down, no slope growth beyond 0.005) hold back the rest.
    assert refuted >= 75


def test_a_threshold_is_not_refuted_without_a_sixteenfold_curve() -> None:
    flat = power_law(0.80, 0.05, 0.5)
    sizes = sizes_for((1 / 4, 1 / 2))
    scores = draw(flat, sizes, np.random.default_rng(4))
    found = reach(single(scores, sizes), 0.95, own(np.asarray(scores[-1])))
    assert found.high == math.inf
    assert found.high_problem is not None and "16-fold" in found.high_problem


def test_a_falling_score_gives_no_lower_bound() -> None:
    # A score that falls as the rows grow (a leak's optimism fading, a peaking learner):
    # its value on the sample is no floor for all the data.
    falling = lambda n: 0.7 + 2.0 * np.asarray(n, dtype=float) ** -0.5  # noqa: E731
    sizes = sizes_for(SCORE_ANCHORS)
    rng = np.random.default_rng(5)
    blocked = 0
    for _ in range(100):
        scores = draw(falling, sizes, rng, noise=0.01)
        found = reach(single(scores, sizes), 0.95, own(np.asarray(scores[-1])))
        blocked += found.low == -math.inf and "falls" in (found.low_problem or "")
    assert blocked >= 95


def test_a_curve_that_bends_upwards_gives_no_bound_on_its_gain() -> None:
    # Flat, then taking off (a learner that has only just started): its last slope says
    # nothing about what it will still gain.
    takeoff = lambda n: 0.5 + 0.3 * (np.asarray(n, dtype=float) / 400.0) ** 2  # noqa: E731
    sizes = sizes_for((1 / 4, 1 / 2))
    rng = np.random.default_rng(6)
    other = power_law(0.75, 0.2, 0.5)
    blocked = 0
    for _ in range(100):
        scores_a, scores_b = draw(other, sizes, rng, 0.005), draw(takeoff, sizes, rng, 0.005)
        difference = np.asarray(scores_a[-1]) - np.asarray(scores_b[-1])
        found = reach(pair(scores_a, scores_b, sizes), 0.95, own(difference))
        blocked += found.low == -math.inf
    assert blocked >= 90


def test_a_learner_that_has_not_started_is_not_trusted_but_a_baseline_is() -> None:
    sizes = sizes_for((1 / 4, 1 / 2))
    rng = np.random.default_rng(7)
    learner = draw(power_law(0.9, 1.0, 0.5), sizes, rng)
    stuck = [tuple([0.1] * REPLICATES) for _ in sizes]  # the majority class, at every anchor
    difference = np.asarray(learner[-1]) - 0.1
    curve = pair(learner, stuck, sizes)
    assert reach(curve, 0.95, own(difference)).low == -math.inf
    baseline = Curve(curve.sizes, TARGET, 0.0, curve.scores, bounds=(0, 1), baselines=(False, True))
    assert reach(baseline, 0.95, own(difference)).low > 0.5


scores_strategy = st.lists(
    st.floats(0.3, 0.99, allow_nan=False), min_size=REPLICATES, max_size=REPLICATES
)


@settings(max_examples=60, deadline=None)
@given(
    a=st.lists(scores_strategy, min_size=3, max_size=3),
    b=st.lists(scores_strategy, min_size=3, max_size=3),
    level=st.floats(0.5, 0.999),
)
def test_swapping_the_learners_negates_the_interval(
    a: list[list[float]], b: list[list[float]], level: float
) -> None:
    sizes = sizes_for((1 / 4, 1 / 2))
    forward_own = own(np.asarray(a[-1]) - np.asarray(b[-1]), level)
    backward_own = (-forward_own[1], -forward_own[0])
    forward = reach(pair([tuple(x) for x in a], [tuple(x) for x in b], sizes), level, forward_own)
    backward = reach(pair([tuple(x) for x in b], [tuple(x) for x in a], sizes), level, backward_own)
    assert forward.low == pytest.approx(-backward.high)
    assert forward.high == pytest.approx(-backward.low)


@settings(max_examples=60, deadline=None)
@given(scores=st.lists(scores_strategy, min_size=5, max_size=5), level=st.floats(0.5, 0.99))
def test_the_interval_holds_its_own_and_widens_with_the_level(
    scores: list[list[float]], level: float
) -> None:
    sizes = sizes_for(SCORE_ANCHORS)
    curve = single([tuple(x) for x in scores], sizes)
    narrow_own, wide_own = own(np.asarray(scores[-1]), level), own(np.asarray(scores[-1]), 0.999)
    narrow, wide = reach(curve, level, narrow_own), reach(curve, 0.999, wide_own)
    assert narrow.low <= narrow_own[0] and narrow.high >= narrow_own[1]
    assert wide.low <= narrow.low and wide.high >= narrow.high
    assert 0.0 <= narrow.low or narrow.low == -math.inf
    assert narrow.high <= 1.0 or narrow.high == math.inf


@settings(max_examples=40, deadline=None)
@given(scores=st.lists(scores_strategy, min_size=5, max_size=5))
def test_a_loss_is_judged_as_its_negation(scores: list[list[float]]) -> None:
    sizes = sizes_for(SCORE_ANCHORS)
    as_score = single([tuple(x) for x in scores], sizes)
    as_loss = Curve(
        tuple(sizes),
        TARGET,
        0.0,
        (tuple(tuple(-v for v in x) for x in scores),),
        direction=-1,
        bounds=(-1.0, 0.0),
    )
    score_own = own(np.asarray(scores[-1]))
    found = reach(as_score, 0.95, score_own)
    mirrored = reach(as_loss, 0.95, (-score_own[1], -score_own[0]))
    assert mirrored.low == pytest.approx(-found.high)
    assert mirrored.high == pytest.approx(-found.low)


def test_curves_round_trip_through_json() -> None:
    sizes = sizes_for((1 / 4, 1 / 2))
    curve = Curve(tuple(sizes), TARGET, 0.25, ((tuple([0.5, 0.6]),) * 3,), baselines=(True,))
    assert Curve.from_json(curve.to_json()) == curve


def test_anchors_are_nested_stratified_prefixes_that_keep_the_test_rows() -> None:
    labels = np.random.default_rng(0).permutation(np.array([0] * 90 + [1] * 10))
    train, test = np.arange(80), np.arange(80, 100)
    order = stratified_order(train, labels, seed=0)
    assert sorted(order.tolist()) == train.tolist()
    share = labels[train].mean()
    assert labels[order[:40]].mean() == pytest.approx(share, abs=1 / 40)  # each prefix stratified
    (quarter, half) = anchor_splits([(train, test)], labels, seed=0, shares=(1 / 4, 1 / 2))
    assert set(quarter[0][0]) <= set(half[0][0]) <= set(train.tolist())
    assert quarter[0][1] is test and len(quarter[0][0]) == 20
    assert anchor_splits([(train, test)], labels, 0, shares=(1 / 16,)) == []  # 5 rows: too few


def test_a_learner_still_at_chance_gives_no_bound_on_what_it_may_gain() -> None:
    # 15-NN on thin noisy rings: at chance on a few hundred rows, far better on all of them.
    sizes = sizes_for((1 / 4, 1 / 2))
    rng = np.random.default_rng(8)
    leader = draw(power_law(0.7, 0.5, 0.5), sizes, rng, 0.01)
    at_chance = draw(lambda n: 0.5 + 0.0 * np.asarray(n, dtype=float), sizes, rng, 0.01)
    difference = np.asarray(leader[-1]) - np.asarray(at_chance[-1])
    curve = Curve(tuple(sizes), TARGET, 0.0, (tuple(leader), tuple(at_chance)), chance=(0.5, 0.5))
    found = reach(curve, 0.95, own(difference))
    assert found.low == -math.inf and "at chance level" in (found.low_problem or "")
    without = Curve(tuple(sizes), TARGET, 0.0, curve.scores)
    assert reach(without, 0.95, own(difference)).low > 0  # what it would have claimed
