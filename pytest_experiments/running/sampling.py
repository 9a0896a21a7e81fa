"""Seeded subsampling of rows: the same rows of every array, optionally stratified.

Imported only when an experiment calls ``exp.sample``, so numpy and scikit-learn stay out of
plain test runs. Row selection is by numpy's ``Generator.choice`` without replacement; the chosen
rows keep their original order, so a subsample looks like the data with rows left out. Rows are
taken with :func:`sklearn.utils._safe_indexing`, which handles numpy arrays, pandas objects,
lists and scipy sparse matrices alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_experiments.errors import ExperimentError
from pytest_experiments.settings import DEFAULT_MIN_ROWS


class SamplingError(ExperimentError):
    """The arrays or options given to ``exp.sample`` cannot be sampled together."""


def count_rows(array: Any) -> int:
    """Number of rows (first-axis length) of an array-like."""
    shape = getattr(array, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    if isinstance(array, (str, bytes, Mapping)):
        what = "a dict of columns" if isinstance(array, Mapping) else "a string"
        raise SamplingError(
            f"exp.sample got {what}, which has no rows to sample; pass arrays, DataFrames "
            "(pandas.DataFrame(columns) for a dict of columns), Series, lists or sparse matrices"
        )
    try:
        return len(array)
    except TypeError:
        raise SamplingError(
            f"exp.sample got {type(array).__name__!r}, which has no rows; pass arrays, "
            "DataFrames, Series, lists or sparse matrices"
        ) from None


def sample_size(n_rows: int, fraction: float, min_rows: int) -> int:
    """Rows to keep: ``ceil(fraction * n_rows)``, at least ``min_rows``, at most ``n_rows``.

    The product is rounded to 9 decimals first, so that float error (``0.14 * 100`` is
    ``14.000000000000002``) does not add a row.
    """
    return min(n_rows, max(math.ceil(round(fraction * n_rows, 9)), min_rows, 1))


def choose_rows(
    n_rows: int,
    size: int,
    seed: int,
    labels: npt.ArrayLike | None = None,
) -> npt.NDArray[np.intp]:
    """Sorted indices of ``size`` rows out of ``n_rows``, stratified on ``labels`` if given.

    Stratified allocation gives each class ``size * share`` rows rounded by largest remainder
    (Hamilton's method), with at least one row for every class, so class proportions are kept
    as closely as integers allow and no class disappears.
    """
    rng = np.random.default_rng(seed)
    if labels is None:
        return np.sort(rng.choice(n_rows, size=size, replace=False))
    classes, codes = np.unique(np.asarray(labels), return_inverse=True)
    codes = codes.reshape(-1)
    counts = np.bincount(codes, minlength=len(classes))
    allocation = allocate(counts, size)
    chosen = [
        rng.choice(np.flatnonzero(codes == code), size=int(take), replace=False)
        for code, take in enumerate(allocation)
    ]
    return np.sort(np.concatenate(chosen))


def allocate(counts: npt.NDArray[np.int_], size: int) -> npt.NDArray[np.int_]:
    """Rows per class: proportional to ``counts`` (largest remainder), each class >= 1.

    ``size`` must be at least the number of classes and at most ``counts.sum()``.
    """
    if not len(counts) <= size <= int(counts.sum()):
        raise ValueError(
            f"cannot give each of {len(counts)} classes a row with {size} rows "
            f"out of {int(counts.sum())}"
        )
    quotas = counts * size / int(counts.sum())
    allocation = np.clip(np.floor(quotas).astype(int), 1, counts)
    # Rows still owed go to the classes furthest below their quota (the largest remainders);
    # rows over the total, given by the at-least-one floor, come from those furthest above it.
    while allocation.sum() < size:
        deficit = np.where(allocation < counts, quotas - allocation, -np.inf)
        allocation[int(np.argmax(deficit))] += 1
    while allocation.sum() > size:
        surplus = np.where(allocation > 1, allocation - quotas, -np.inf)
        allocation[int(np.argmax(surplus))] -= 1
    result: npt.NDArray[np.int_] = allocation
    return result


def take_rows(array: Any, indices: npt.NDArray[np.intp]) -> Any:
    """The given rows of ``array``, keeping its type."""
    # numpy arrays without scikit-learn: importing it costs most of a second, which the first
    # experiment of every process would otherwise pay inside its timed call (and which would
    # then skew that experiment's runtime estimates).
    if type(array) is np.ndarray:
        return array[indices]
    from sklearn.utils import _safe_indexing

    if hasattr(array, "tocsr") and not hasattr(array, "indptr"):
        array = array.tocsr()  # COO/DOK/LIL matrices cannot be indexed by rows
    return _safe_indexing(array, indices, axis=0)


def subsample(
    arrays: Sequence[Any],
    fraction: float,
    seed: int,
    stratify: Any = None,
    min_rows: int = DEFAULT_MIN_ROWS,
) -> tuple[list[Any], int, int]:
    """Sample the same rows of every array; returns ``(arrays, rows kept, rows in all)``.

    ``stratify`` is ``None``/``False`` (simple random sample), ``True`` (stratify on the last
    array, the target) or an array of labels. When every row is kept the arrays are returned
    unchanged, without a copy.
    """
    if not arrays:
        raise SamplingError("exp.sample needs at least one array, e.g. exp.sample(X, y)")
    if isinstance(min_rows, bool) or not isinstance(min_rows, int) or min_rows < 0:
        raise SamplingError(f"exp.sample got min_rows={min_rows!r}; write a whole number >= 0")
    lengths = [count_rows(array) for array in arrays]
    if len(set(lengths)) > 1:
        raise SamplingError(
            f"exp.sample got arrays with different numbers of rows {lengths}; pass arrays that "
            "describe the same rows, e.g. exp.sample(X, y)"
        )
    n_rows = lengths[0]
    labels = _labels(arrays, stratify, n_rows)
    size = sample_size(n_rows, fraction, min_rows)
    if labels is not None:
        try:
            n_classes = len(np.unique(labels))
        except TypeError:  # None or NaN among strings: numpy cannot sort them
            raise SamplingError(
                "exp.sample(stratify=...) got labels that cannot be sorted into classes (missing "
                "values among strings?); fill or drop the missing labels first"
            ) from None
        # Labels with under 2 rows each, or dozens of float labels with under 5 rows each, are
        # a measurement, not classes (diabetes' target: 214 whole-number floats in 442 rows);
        # keeping one row of each would swell the sample far beyond its fraction.
        floats = labels.dtype.kind == "f" and n_classes >= 50 and n_classes > n_rows // 5
        if (n_classes > n_rows // 2 or floats) and n_classes > size:
            raise SamplingError(
                f"exp.sample(stratify=...) found {n_classes} distinct labels in {n_rows} rows, "
                f"more than the {size} rows to keep: that looks like a regression target; drop "
                "stratify (or stratify on binned values)"
            )
        size = min(n_rows, max(size, n_classes))
    if size >= n_rows:
        return list(arrays), n_rows, n_rows
    indices = choose_rows(n_rows, size, seed, labels)
    return [take_rows(array, indices) for array in arrays], size, n_rows


def _labels(arrays: Sequence[Any], stratify: Any, n_rows: int) -> Any:
    if stratify is None or stratify is False:
        return None
    source = arrays[-1] if stratify is True else stratify
    labels = np.asarray(source.toarray() if hasattr(source, "toarray") else source)
    if labels.ndim > 1 and labels.shape[1:] != (1,) * (labels.ndim - 1):
        raise SamplingError(
            "exp.sample(stratify=True) stratifies on the last array, which has "
            f"shape {labels.shape}; pass the class labels as the last array or as stratify=y"
        )
    labels = labels.reshape(-1)
    if len(labels) != n_rows:
        raise SamplingError(
            f"exp.sample got {len(labels)} stratify labels for {n_rows} rows; "
            "pass one label per row"
        )
    return labels
