"""Unit and property tests for seeded subsampling (``sampling.py``, ``Experiment.sample``).

Plain function calls, no pytester. Arrays are built so that every row encodes its own index,
which lets each test recover exactly which rows were taken from every array and check that they
are the same rows, in their original order, without duplicates.
"""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_experiments.errors import ExperimentError
from pytest_experiments.running.context import Experiment
from pytest_experiments.running.sampling import (
    SamplingError,
    allocate,
    choose_rows,
    sample_size,
    subsample,
)
from pytest_experiments.settings import (
    DEFAULT_MIN_ROWS,
    SettingError,
    experiment_seed,
    parse_fraction,
)

FAST = settings(max_examples=60, deadline=None)

fractions = st.floats(min_value=1e-4, max_value=1.0, allow_nan=False, exclude_min=False)
seeds = st.integers(min_value=0, max_value=2**32 - 1)
row_counts = st.integers(min_value=1, max_value=400)
min_rows_values = st.integers(min_value=0, max_value=150)


def encoded(n: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``X[i] = [i, -i, 1000 + i]`` and ``y[i] = 10 * i``: each row names its index."""
    index = np.arange(n, dtype=np.int64)
    X = np.column_stack([index, -index, 1000 + index])
    return X, 10 * index


def expected_size(n: int, fraction: float, min_rows: int) -> int:
    return min(n, max(math.ceil(fraction * n), min_rows, 1))


def assert_rows_of_numpy(X: npt.NDArray[Any], y: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Check that the sampled X and y hold the same, sorted, distinct rows; return them."""
    rows = X[:, 0]
    np.testing.assert_array_equal(X[:, 1], -rows)
    np.testing.assert_array_equal(X[:, 2], 1000 + rows)
    np.testing.assert_array_equal(y, 10 * rows)
    assert np.all(np.diff(rows) > 0), "rows must keep their original order, without repeats"
    return np.asarray(rows)


# --- sample_size ---------------------------------------------------------------------------


@FAST
@given(n=row_counts, fraction=fractions, min_rows=min_rows_values)
def test_sample_size_is_ceil_of_share_with_floor_and_cap(
    n: int, fraction: float, min_rows: int
) -> None:
    size = sample_size(n, fraction, min_rows)
    assert 1 <= size <= n
    assert size >= min(n, min_rows)
    if min_rows <= fraction * n <= n - 1:
        # Not clamped: the smallest whole number of rows covering the share.
        assert fraction * n - 1e-9 <= size < fraction * n + 1


@pytest.mark.parametrize(
    ("n", "fraction", "min_rows", "size"),
    [
        (1000, 0.1, 0, 100),
        (1000, 0.1, 150, 150),
        (1000, 0.001, 0, 1),
        (1000, 0.0001, 0, 1),  # never zero rows
        (50, 0.1, 100, 50),  # min_rows capped at the rows available
        (1000, 1.0, 0, 1000),
        (10, 0.25, 0, 3),  # 2.5 rows -> 3
        (7, 0.5, 2, 4),
    ],
)
def test_sample_size_examples(n: int, fraction: float, min_rows: int, size: int) -> None:
    assert sample_size(n, fraction, min_rows) == size


@pytest.mark.parametrize(("text", "n"), [("0.07", 100), ("0.14", 100), ("0.28", 100)])
def test_sample_size_of_a_decimal_share_is_not_inflated_by_float_error(text: str, n: int) -> None:
    # 0.07 * 100 == 7.000000000000001 in floating point; 7% of 100 rows is 7 rows, not 8.
    assert sample_size(n, float(text), 0) == math.ceil(Fraction(text) * n)
    percent = f"{Fraction(text) * 100}%"  # e.g. --sample 7%
    assert sample_size(n, parse_fraction(percent, "--sample"), 0) == math.ceil(Fraction(text) * n)


@settings(max_examples=300, deadline=None)  # cheap; float error hits ~4% of exact cases
@given(
    digits=st.integers(min_value=1, max_value=9999),
    multiple=st.integers(min_value=1, max_value=200),
    n_any=st.integers(min_value=1, max_value=10**6),
    exact=st.booleans(),
)
def test_sample_size_of_decimal_shares_matches_exact_arithmetic(
    digits: int, multiple: int, n_any: int, exact: bool
) -> None:
    """A share written as a decimal (``--sample 0.0123``) keeps ceil(share * n) rows exactly.

    ``exact`` picks a row count for which share * n is a whole number, where float error in
    ``fraction * n`` can round up past it.
    """
    text = str(Decimal(digits) / Decimal(10000))
    n = multiple * 10000 // math.gcd(digits, 10000) if exact else n_any
    assert sample_size(n, float(text), 0) == min(n, max(math.ceil(Fraction(text) * n), 1))


# --- choose_rows / allocate ----------------------------------------------------------------


@FAST
@given(n=row_counts, data=st.data(), seed=seeds)
def test_choose_rows_sorted_distinct_in_range(n: int, data: st.DataObject, seed: int) -> None:
    size = data.draw(st.integers(min_value=1, max_value=n))
    rows = choose_rows(n, size, seed)
    assert len(rows) == size
    assert np.all(np.diff(rows) > 0)
    assert rows.min() >= 0 and rows.max() < n
    np.testing.assert_array_equal(rows, choose_rows(n, size, seed))


def hamilton_excess(quotas: npt.NDArray[np.float64]) -> float:
    """Rows the at-least-one floor adds beyond the quotas: F = sum(1 - q) over quotas below 1."""
    return float(np.clip(1.0 - quotas, 0.0, None).sum())


@settings(max_examples=150, deadline=None)
@given(
    counts=st.lists(
        st.one_of(st.integers(1, 5), st.integers(1, 60), st.integers(200, 3000)),
        min_size=1,
        max_size=12,
    ),
    data=st.data(),
)
def test_allocate_bounds(counts: list[int], data: st.DataObject) -> None:
    """Largest remainder with an at-least-one floor.

    With quotas ``q_i = size * c_i / N`` the allocation ``a_i`` guarantees:

    * ``sum(a) == size`` and ``1 <= a_i <= c_i``;
    * ``a_i <= ceil(q_i)`` always (no class gets more than its quota rounded up);
    * when every quota is at least 1 the floor never binds and this is plain Hamilton
      apportionment: ``a_i`` is ``floor(q_i)`` or ``ceil(q_i)``, so ``|a_i - q_i| < 1``;
    * otherwise the classes lifted to one row take ``F = sum(1 - q_i for q_i < 1)`` rows (F is
      less than the number of such classes) from the others, so ``a_i >= q_i - max(1, F)``.
      That bound is tight: with one large class and many tiny ones, the large class loses all
      of F (see ``test_allocate_floor_can_push_a_class_far_below_its_quota``);
    * the allocation is as close to the quotas as the constraints allow: no row can move from a
      class with ``a_i > 1`` to a class with ``a_j < c_j`` and bring them closer, i.e.
      ``(a_i - q_i) - (a_j - q_j) <= 1``. With the box constraints and the fixed total this
      exchange condition means ``a`` minimises ``sum((a_i - q_i) ** 2)``.
    """
    array = np.array(counts)
    total = int(array.sum())
    size = data.draw(st.integers(min_value=len(counts), max_value=total))
    allocation = allocate(array.copy(), size)
    quotas = array * size / total
    assert int(allocation.sum()) == size
    assert np.all(allocation >= 1) and np.all(allocation <= array)
    assert np.all(allocation <= np.ceil(quotas - 1e-9))
    if np.all(quotas >= 1):
        assert np.all(allocation >= np.floor(quotas + 1e-9))
        assert np.all(np.abs(allocation - quotas) < 1)
    else:
        slack = max(1.0, hamilton_excess(quotas))
        assert np.all(allocation >= quotas - slack - 1e-9)
    deviation = allocation - quotas
    can_give, can_take = allocation > 1, allocation < array
    if can_give.any() and can_take.any():
        assert deviation[can_give].max() - deviation[can_take].min() <= 1 + 1e-9


@pytest.mark.parametrize(
    ("counts", "size", "expected"),
    [
        ([50, 30, 20], 10, [5, 3, 2]),  # exact quotas
        ([5, 3, 2], 7, [4, 2, 1]),  # quotas 3.5, 2.1, 1.4: the largest remainder wins
        ([1, 1, 1], 3, [1, 1, 1]),
        ([98, 1, 1], 10, [8, 1, 1]),  # the floor lifts the two tiny classes
        ([10], 4, [4]),
        # The floor costs 1.5 rows; they come from the class furthest above its quota (2.0 ->
        # 1), not from the biggest class (3.5 -> 3 stays): deviations -1 and -0.5, not 0, -1.5.
        ([4, 7, 1, 1, 1], 7, [1, 3, 1, 1, 1]),
    ],
)
def test_allocate_examples(counts: list[int], size: int, expected: list[int]) -> None:
    assert allocate(np.array(counts), size).tolist() == expected


def test_allocate_floor_can_push_a_class_far_below_its_quota() -> None:
    counts = np.array([1000] + [1] * 50)
    allocation = allocate(counts, 100)
    quota = 1000 * 100 / 1050
    assert allocation.tolist() == [50] + [1] * 50
    # Not within 1 of the quota; within F = 50 * (1 - 100/1050) of it, as the bound states.
    assert allocation[0] == pytest.approx(quota - hamilton_excess(counts * 100 / 1050))


# --- subsample: the same rows of every array ------------------------------------------------


@FAST
@given(n=row_counts, fraction=fractions, seed=seeds, min_rows=min_rows_values)
def test_numpy_rows_aligned_sorted_and_sized(
    n: int, fraction: float, seed: int, min_rows: int
) -> None:
    X, y = encoded(n)
    (Xs, ys), kept, total = subsample([X, y], fraction, seed, min_rows=min_rows)
    size = expected_size(n, fraction, min_rows)
    assert (kept, total) == (size, n)
    assert Xs.shape == (size, 3) and ys.shape == (size,)
    rows = assert_rows_of_numpy(Xs, ys)
    assert len(set(rows.tolist())) == size
    if size < n:
        np.testing.assert_array_equal(rows, choose_rows(n, size, seed))


@FAST
@given(n=st.integers(2, 300), fraction=fractions, seed=seeds)
def test_pandas_rows_aligned_with_index_preserved(n: int, fraction: float, seed: int) -> None:
    labels = [f"r{i}" for i in range(n)][::-1]  # a non-default, non-monotonic index
    frame = pd.DataFrame({"a": np.arange(n), "b": np.arange(n) * 2.0}, index=labels)
    series = pd.Series(np.arange(n) * 10, index=labels, name="target")
    (fs, ss), kept, _ = subsample([frame, series], fraction, seed, min_rows=0)
    assert isinstance(fs, pd.DataFrame) and isinstance(ss, pd.Series)
    rows = fs["a"].to_numpy()
    assert len(fs) == len(ss) == kept == expected_size(n, fraction, 0)
    assert np.all(np.diff(rows) > 0)
    assert list(fs.index) == [labels[i] for i in rows]
    assert list(ss.index) == list(fs.index)
    pd.testing.assert_frame_equal(fs, frame.iloc[rows])
    pd.testing.assert_series_equal(ss, series.iloc[rows])


@FAST
@given(n=st.integers(1, 300), fraction=fractions, seed=seeds)
def test_lists_and_numpy_take_the_same_rows(n: int, fraction: float, seed: int) -> None:
    X, y = encoded(n)
    names = [f"row-{i}" for i in range(n)]
    (Xs, ys, ns), kept, _ = subsample([X, y, names], fraction, seed, min_rows=0)
    assert isinstance(ns, list)
    rows = assert_rows_of_numpy(Xs, ys)
    assert ns == [f"row-{i}" for i in rows]
    assert len(ns) == kept


@FAST
@given(n=st.integers(1, 300), fraction=fractions, seed=seeds, fmt=st.sampled_from(["csr", "coo"]))
def test_sparse_rows_aligned(n: int, fraction: float, seed: int, fmt: str) -> None:
    X, y = encoded(n)
    dense = X + 1  # no zero entries, so every row is stored
    matrix = sp.csr_matrix(dense) if fmt == "csr" else sp.coo_matrix(dense)
    (Ms, ys), kept, _ = subsample([matrix, y], fraction, seed, min_rows=0)
    assert sp.issparse(Ms)
    assert Ms.shape == (kept, 3)
    assert_rows_of_numpy(Ms.toarray() - 1, ys)


@FAST
@given(n=st.integers(1, 400), fraction=fractions, seed=seeds, min_rows=min_rows_values)
def test_deterministic_for_a_seed(n: int, fraction: float, seed: int, min_rows: int) -> None:
    X, y = encoded(n)
    first, _, _ = subsample([X, y], fraction, seed, min_rows=min_rows)
    second, _, _ = subsample([X.copy(), y.copy()], fraction, seed, min_rows=min_rows)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_different_seeds_draw_different_rows() -> None:
    X, y = encoded(1000)
    draws = {tuple(subsample([X, y], 0.1, seed, min_rows=0)[0][1].tolist()) for seed in range(20)}
    assert len(draws) == 20


def test_rows_are_spread_over_the_data() -> None:
    # A seeded random sample, not the first rows: over many seeds every row gets picked.
    X, y = encoded(200)
    picked: set[int] = set()
    for seed in range(60):
        (_, ys), _, _ = subsample([X, y], 0.1, seed, min_rows=0)
        picked.update((ys // 10).tolist())
    assert len(picked) > 190


@pytest.mark.parametrize("stratify", [None, True])
@pytest.mark.parametrize(
    ("n", "fraction", "min_rows"),
    [(100, 1.0, 0), (100, 0.1, 100), (100, 0.5, 200), (30, 0.1, DEFAULT_MIN_ROWS)],
)
def test_everything_kept_returns_the_same_objects(
    n: int, fraction: float, min_rows: int, stratify: bool | None
) -> None:
    X, y = encoded(n)
    y = y % 3
    frame = pd.DataFrame(X)
    matrix = sp.csr_matrix(X)
    names = list(range(n))
    arrays = [X, frame, matrix, names, y]
    sampled, kept, total = subsample(arrays, fraction, 7, stratify=stratify, min_rows=min_rows)
    assert (kept, total) == (n, n)
    assert len(sampled) == len(arrays)
    assert all(out is given for out, given in zip(sampled, arrays, strict=True))


def test_smaller_sample_is_a_new_object_and_input_untouched() -> None:
    X, y = encoded(500)
    before = X.copy()
    (Xs, ys), kept, _ = subsample([X, y], 0.1, 3, min_rows=0)
    assert kept == 50 and Xs is not X and ys is not y
    np.testing.assert_array_equal(X, before)


# --- stratified -----------------------------------------------------------------------------


@st.composite
def labelled(draw: st.DrawFn) -> tuple[npt.NDArray[np.int64], float, int]:
    n_classes = draw(st.integers(1, 6))
    counts = draw(
        st.lists(st.integers(1, 150), min_size=n_classes, max_size=n_classes).filter(
            lambda c: sum(c) >= 2 * len(c)
        )
    )
    order = draw(st.permutations(range(sum(counts))))
    labels = np.repeat(np.arange(n_classes), counts)[list(order)]
    fraction = draw(fractions)
    min_rows = draw(st.integers(0, 40))
    return labels, fraction, min_rows


@settings(max_examples=80, deadline=None)
@given(case=labelled(), seed=seeds)
def test_stratified_keeps_every_class_and_proportions(
    case: tuple[npt.NDArray[np.int64], float, int], seed: int
) -> None:
    labels, fraction, min_rows = case
    n = len(labels)
    classes, counts = np.unique(labels, return_counts=True)
    X = np.arange(n)
    (Xs, ys), kept, total = subsample([X, labels], fraction, seed, stratify=True, min_rows=min_rows)
    requested = max(expected_size(n, fraction, min_rows), len(classes))
    if requested >= n:
        assert kept == total == n
    else:
        assert (kept, total) == (requested, n)
    assert len(Xs) == len(ys) == kept
    np.testing.assert_array_equal(ys, labels[Xs])  # same rows in both arrays
    assert np.all(np.diff(Xs) > 0)
    taken = Counter(ys.tolist())
    assert set(taken) == set(classes.tolist())  # no class disappears
    quotas = counts * kept / n
    floor_binds = bool(np.any(quotas < 1))
    slack = max(1.0, hamilton_excess(quotas))
    for label, count, quota in zip(classes.tolist(), counts, quotas, strict=True):
        assert 1 <= taken[label] <= count
        assert taken[label] <= math.ceil(quota - 1e-9)
        if floor_binds:
            assert taken[label] >= quota - slack - 1e-9
        else:
            assert abs(taken[label] - quota) < 1


def test_stratified_example_keeps_class_shares() -> None:
    y = np.array([0] * 900 + [1] * 90 + [2] * 10)
    X = np.arange(1000)
    (Xs, ys), kept, _ = subsample([X, y], 0.1, 0, stratify=True, min_rows=0)
    assert kept == 100
    assert Counter(ys.tolist()) == {0: 90, 1: 9, 2: 1}
    np.testing.assert_array_equal(ys, y[Xs])


def test_stratified_rare_class_is_kept_where_a_plain_sample_would_lose_it() -> None:
    y = np.array([0] * 995 + [1] * 5)
    X = np.arange(1000)
    lost = 0
    for seed in range(30):
        (_, plain), _, _ = subsample([X, y], 0.02, seed, min_rows=0)
        (_, strat), _, _ = subsample([X, y], 0.02, seed, stratify=True, min_rows=0)
        lost += int(1 not in plain)
        assert Counter(strat.tolist()) == {0: 19, 1: 1}
    assert lost > 0  # the plain sample does lose the rare class for some seeds


def test_stratified_rows_within_a_class_are_random_and_seeded() -> None:
    y = np.repeat([0, 1], [800, 200])
    X = np.arange(1000)
    draws = [subsample([X, y], 0.05, seed, stratify=True, min_rows=0)[0][0] for seed in range(10)]
    assert len({tuple(d.tolist()) for d in draws}) == 10
    picked = np.unique(np.concatenate(draws))
    assert picked.max() > 900 and picked[picked < 800].max() > 700  # not just the first rows
    again = subsample([X, y], 0.05, 3, stratify=True, min_rows=0)[0][0]
    np.testing.assert_array_equal(again, draws[3])


def test_stratify_size_grows_to_the_number_of_classes() -> None:
    y = np.repeat(np.arange(300), 4)  # 300 classes, 1200 rows
    (_, ys), kept, total = subsample([np.arange(1200), y], 0.01, 1, stratify=True, min_rows=0)
    assert (kept, total) == (300, 1200)
    assert sorted(ys.tolist()) == list(range(300))


def test_stratify_true_uses_the_last_array() -> None:
    n = 600
    y = np.arange(n) % 3
    X = np.arange(n)
    by_true, _, _ = subsample([X, y], 0.1, 5, stratify=True, min_rows=0)
    by_labels, _, _ = subsample([X, y], 0.1, 5, stratify=y, min_rows=0)
    np.testing.assert_array_equal(by_true[0], by_labels[0])
    # Stratifying on the first array (all distinct values) is refused, so True really means y.
    with pytest.raises(SamplingError):
        subsample([y, X], 0.1, 5, stratify=True, min_rows=0)


def test_stratify_on_given_labels_not_the_target() -> None:
    n = 1000
    X = np.arange(n)
    y = np.arange(n) * 0.5  # continuous target: cannot be stratified on
    groups = np.where(np.arange(n) < 990, "common", "rare")
    (Xs, ys), kept, _ = subsample([X, y], 0.05, 11, stratify=groups, min_rows=0)
    assert kept == 50
    np.testing.assert_array_equal(ys, y[Xs])
    assert Counter(groups[Xs].tolist()) == {"common": 49, "rare": 1}


@pytest.mark.parametrize(
    "make_labels",
    [
        pytest.param(lambda y: pd.Series(y, index=np.arange(len(y))[::-1]), id="series"),
        pytest.param(lambda y: y.reshape(-1, 1), id="column"),
        pytest.param(lambda y: sp.csr_matrix(y.reshape(-1, 1)), id="sparse-column"),
        pytest.param(lambda y: [["a", "b", "c"][v] for v in y], id="list-of-str"),
    ],
)
def test_stratify_accepts_label_containers(make_labels: Any) -> None:
    y = np.array([0] * 400 + [1] * 80 + [2] * 20)
    X = np.arange(500)
    (Xs, _), kept, _ = subsample([X, y], 0.1, 2, stratify=make_labels(y), min_rows=0)
    assert kept == 50
    assert Counter(y[Xs].tolist()) == {0: 40, 1: 8, 2: 2}


def test_stratify_false_is_a_plain_sample() -> None:
    X, y = encoded(500)
    plain, _, _ = subsample([X, y % 2], 0.1, 9, min_rows=0)
    off, _, _ = subsample([X, y % 2], 0.1, 9, stratify=False, min_rows=0)
    np.testing.assert_array_equal(plain[0], off[0])


# --- errors -------------------------------------------------------------------------------


def test_sampling_error_is_an_experiment_error() -> None:
    assert issubclass(SamplingError, ExperimentError)


def test_different_lengths_are_refused() -> None:
    with pytest.raises(SamplingError, match=r"different numbers of rows \[10, 9\]"):
        subsample([np.zeros((10, 2)), np.zeros(9)], 0.5, 0)


def test_different_lengths_refused_even_when_everything_would_be_kept() -> None:
    with pytest.raises(SamplingError, match="different numbers of rows"):
        subsample([np.zeros(10), list(range(11))], 1.0, 0)


def test_no_arrays_is_refused() -> None:
    with pytest.raises(SamplingError, match=r"at least one array.*exp\.sample\(X, y\)"):
        subsample([], 0.5, 0)


@pytest.mark.parametrize("min_rows", [-1, 1.5, True, "10", None])
def test_bad_min_rows_is_refused(min_rows: Any) -> None:
    with pytest.raises(SamplingError, match=r"min_rows=.*whole number >= 0") as info:
        subsample([np.zeros(10)], 0.5, 0, min_rows=min_rows)
    assert repr(min_rows) in str(info.value)


def test_something_without_rows_is_refused() -> None:
    with pytest.raises(SamplingError, match="got 'int', which has no rows"):
        subsample([5], 0.5, 0)


def test_continuous_target_cannot_be_stratified() -> None:
    X = np.arange(1000)
    y = np.linspace(0.0, 1.0, 1000)
    with pytest.raises(SamplingError, match=r"1000 distinct labels in 1000 rows.*binned") as info:
        subsample([X, y], 0.1, 0, stratify=True)
    assert "stratify" in str(info.value)


def test_integer_valued_regression_target_cannot_be_stratified() -> None:
    # diabetes: 214 distinct integer values in 442 rows; keeping one row of each would make a
    # 5 % sample (22 rows) nearly half the data
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(SamplingError, match=r"214 distinct labels in 442 rows.*regression target"):
        subsample([X, y], 0.05, 0, stratify=True, min_rows=0)
    # class labels stratify however many there are: 300 classes of 4 rows each
    labels = np.repeat(np.arange(300), 4)
    _, rows, _ = subsample([labels], 0.05, 0, stratify=True, min_rows=0)
    assert rows == 300


def test_stratify_on_a_matrix_is_refused() -> None:
    X = np.zeros((200, 3))
    with pytest.raises(SamplingError, match=r"shape \(200, 3\)"):
        subsample([np.arange(200), X], 0.1, 0, stratify=True, min_rows=0)


def test_stratify_labels_of_the_wrong_length_are_refused() -> None:
    with pytest.raises(SamplingError, match="got 99 stratify labels for 200 rows"):
        subsample([np.arange(200)], 0.1, 0, stratify=np.zeros(99), min_rows=0)


# --- Experiment ---------------------------------------------------------------------------


def test_experiment_sample_records_rows_and_returns_like_its_arguments() -> None:
    exp = Experiment("tests/test_x.py::test_a", 0.1, 1234)
    assert (exp.rows, exp.total_rows) == (None, None)
    assert not exp.full
    X, y = encoded(1000)
    Xs, ys = exp.sample(X, y, min_rows=0)
    assert (exp.rows, exp.total_rows) == (100, 1000)
    assert_rows_of_numpy(Xs, ys)
    one = exp.sample(y, min_rows=0)
    assert isinstance(one, np.ndarray)  # a single array, not a list of one
    np.testing.assert_array_equal(one, ys)  # same seed, same rows
    exp.sample(y[:300], min_rows=0)
    assert (exp.rows, exp.total_rows) == (30, 300)  # updated at every call


def test_experiment_sample_uses_its_seed_and_fraction() -> None:
    X, y = encoded(2000)
    exp = Experiment("tests/test_x.py::test_a", 0.05, 77)
    Xs, _ = exp.sample(X, y, min_rows=0)
    (expected, _), _, _ = subsample([X, y], 0.05, 77, min_rows=0)
    np.testing.assert_array_equal(Xs, expected)
    other = Experiment("tests/test_x.py::test_a", 0.05, 78).sample(X, y, min_rows=0)[0]
    assert not np.array_equal(Xs, other)


def test_experiment_sample_default_min_rows() -> None:
    exp = Experiment("t::a", 0.01, 0)
    _, y = encoded(1000)
    assert len(exp.sample(y)) == DEFAULT_MIN_ROWS == 100
    assert exp.rows == 100


def test_experiment_sample_stratify_and_errors() -> None:
    exp = Experiment("t::a", 0.1, 0)
    y = np.array([0] * 950 + [1] * 50)
    _, ys = exp.sample(np.arange(1000), y, stratify=True, min_rows=0)
    assert Counter(ys.tolist()) == {0: 95, 1: 5}
    with pytest.raises(SamplingError):
        exp.sample(np.arange(3), np.arange(4))


def test_full_experiment_returns_the_very_same_objects() -> None:
    exp = Experiment("t::a", 1.0, 0)
    assert exp.full
    X, y = encoded(5000)
    frame = pd.DataFrame(X)
    Xs, ys, fs = exp.sample(X, y, frame)
    assert Xs is X and ys is y and fs is frame
    assert exp.sample(X) is X
    assert (exp.rows, exp.total_rows) == (5000, 5000)


@FAST
@given(seed=seeds)
def test_rng_is_a_generator_seeded_with_the_seed(seed: int) -> None:
    exp = Experiment("t::a", 0.1, seed)
    assert isinstance(exp.rng, np.random.Generator)
    assert exp.rng is exp.rng  # created once, so successive draws continue the stream
    draws = exp.rng.integers(0, 2**62, size=4)
    expected = np.random.default_rng(seed).integers(0, 2**62, size=4)
    np.testing.assert_array_equal(draws, expected)
    again = Experiment("t::b", 0.5, seed).rng.integers(0, 2**62, size=4)
    np.testing.assert_array_equal(again, expected)
    other = Experiment("t::a", 0.1, seed + 1).rng.integers(0, 2**62, size=4)
    assert not np.array_equal(other, expected)


def test_experiment_repr() -> None:
    assert repr(Experiment("t.py::a", 0.05, 3)) == "<Experiment t.py::a fraction=0.05 seed=3>"


# --- settings: seeds and fractions ---------------------------------------------------------


@FAST
@given(base=st.integers(0, 2**31), nodeid=st.text(min_size=1, max_size=40))
def test_experiment_seed_is_deterministic_and_32_bit(base: int, nodeid: str) -> None:
    seed = experiment_seed(base, nodeid)
    assert seed == experiment_seed(base, nodeid)
    assert 0 <= seed < 2**32


def test_experiment_seed_differs_across_node_ids_and_base_seeds() -> None:
    nodeids = [f"tests/test_m.py::test_{i}" for i in range(200)] + [
        "tests/test_m.py::test_a[1]",
        "tests/test_m.py::test_a[2]",
    ]
    by_node = {experiment_seed(0, nodeid) for nodeid in nodeids}
    assert len(by_node) == len(nodeids)
    by_base = {experiment_seed(base, "tests/test_m.py::test_a") for base in range(200)}
    assert len(by_base) == 200
    # The separator keeps (1, "2x") and (12, "x") apart.
    assert experiment_seed(1, "2x") != experiment_seed(12, "x")


def test_experiment_seed_is_pinned() -> None:
    # Changing the derivation would silently change every experiment's sample: pin two values.
    assert experiment_seed(0, "tests/test_m.py::test_a") == 166602804
    assert experiment_seed(42, "tests/test_m.py::test_a") == 1006599617


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.05, 0.05),
        (1, 1.0),
        (1.0, 1.0),
        ("0.5", 0.5),
        (" 0.25 ", 0.25),
        ("5%", 0.05),
        ("100%", 1.0),
        ("12.5%", 0.125),
        ("1e-3", 0.001),
    ],
)
def test_parse_fraction_accepts_shares(value: object, expected: float) -> None:
    parsed = parse_fraction(value, "--sample")
    assert isinstance(parsed, float)
    assert parsed == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "value",
    [
        0,
        0.0,
        -0.1,
        1.01,
        2,
        "0",
        "0%",
        "101%",
        "-5%",
        "abc",
        "%",
        "",
        "nan",
        "inf",
        True,
        None,
        [0.1],
    ],
)
def test_parse_fraction_rejects_others(value: object) -> None:
    with pytest.raises(SettingError, match=r"^--sample got .*0 < F <= 1") as info:
        parse_fraction(value, "--sample")
    assert repr(value) in str(info.value)


@FAST
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_parse_fraction_property(value: float) -> None:
    if math.isfinite(value) and 0 < value <= 1:
        assert parse_fraction(value, "ini") == value
        assert parse_fraction(f"{value * 100!r}%", "ini") == pytest.approx(value, rel=1e-12)
    else:
        with pytest.raises(SettingError, match=r"^ini got"):
            parse_fraction(value, "ini")


def test_labels_with_missing_values_cannot_be_stratified() -> None:
    labels = np.array(["cat", "dog", None, "cat"] * 50, dtype=object)
    with pytest.raises(SamplingError, match="missing values among strings"):
        subsample([np.arange(200), labels], 0.1, 0, stratify=True)


def test_parametrized_variants_share_their_sample_but_not_their_rng(
    pytester: pytest.Pytester,
) -> None:
    # Comparing k=1 with k=5 is paired only if both see the same rows (and folds); replicates
    # drawn with exp.rng must still differ.
    pytester.makepyfile(
        test_study="""
        import json
        import pytest

        @pytest.mark.question("Which rows?")
        @pytest.mark.parametrize("k", [1, 5])
        def exp_variant(exp, k):
            rows = exp.sample(list(range(1000)), min_rows=0)
            with open("seen.jsonl", "a") as out:
                out.write(json.dumps([k, rows, int(exp.rng.integers(10**9)), exp.seed]) + "\\n")
            return k
        """
    )
    pytester.runpytest("--no-journal", "-p", "no:cacheprovider")
    import json

    seen = [json.loads(line) for line in (pytester.path / "seen.jsonl").read_text().splitlines()]
    (_, rows_1, draw_1, seed_1), (_, rows_5, draw_5, seed_5) = sorted(seen)
    assert rows_1 == rows_5 and len(rows_1) == 100
    assert draw_1 != draw_5 and seed_1 != seed_5


@pytest.mark.parametrize(
    ("value", "what"), [({"a": [1, 2], "b": [3, 4]}, "a dict of columns"), ("abc", "a string")]
)
def test_things_without_rows_are_refused(value: object, what: str) -> None:
    with pytest.raises(SamplingError, match=f"exp.sample got {what}, which has no rows"):
        subsample([value], 0.5, 0)
