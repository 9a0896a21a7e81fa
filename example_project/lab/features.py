"""Feature engineering: a correlation filter for tabular data and pooling for small images.

Each comes as a plain function and as a scikit-learn transformer (:class:`CorrelationFilter`,
:func:`image_pooling`), so that it can go first in a pipeline: cross-validation then refits the
filter on each split's training rows, and comparing a model with and without it is paired.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import FunctionTransformer


def correlated_features(X: np.ndarray, threshold: float = 0.95) -> list[tuple[int, int]]:
    """Pairs of columns ``(i, j)``, ``i < j``, whose absolute Pearson correlation exceeds
    ``threshold``. Constant columns correlate with nothing."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    X = np.asarray(X, dtype=float)
    std = X.std(axis=0)
    centred = X - X.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = (centred.T @ centred) / (len(X) * np.outer(std, std))
    corr = np.nan_to_num(corr, nan=0.0)
    rows, cols = np.nonzero(np.triu(np.abs(corr) > threshold, k=1))
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True)]


def drop_correlated(X: np.ndarray, threshold: float = 0.95) -> np.ndarray:
    """Indices of the columns to keep: scanning left to right, a column is dropped when it is
    correlated above ``threshold`` with a column already kept."""
    X = np.asarray(X, dtype=float)
    partners: dict[int, set[int]] = {}
    for i, j in correlated_features(X, threshold):
        partners.setdefault(j, set()).add(i)
    kept: list[int] = []
    for column in range(X.shape[1]):
        if not partners.get(column, set()) & set(kept):
            kept.append(column)
    return np.array(kept, dtype=int)


def pool_images(X: np.ndarray, side: int, block: int = 2) -> np.ndarray:
    """Average-pool flattened square images: ``(n, side * side)`` -> ``(n, (side // block) ** 2)``.

    ``pool_images(digits, side=8)`` turns the 8x8 digits into 4x4 images of block means.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != side * side:
        raise ValueError(f"expected rows of {side * side} pixels, got shape {X.shape}")
    if block < 1 or side % block:
        raise ValueError(f"block {block} must divide the image side {side}")
    cells = side // block
    images = X.reshape(len(X), cells, block, cells, block)
    pooled: np.ndarray = images.mean(axis=(2, 4)).reshape(len(X), cells * cells)
    return pooled


class CorrelationFilter(TransformerMixin, BaseEstimator):
    """Keep the columns :func:`drop_correlated` keeps on the rows it is fitted on."""

    def __init__(self, threshold: float = 0.95) -> None:
        self.threshold = threshold

    def fit(self, X: np.ndarray, y: Any = None) -> CorrelationFilter:
        self.kept_ = drop_correlated(X, self.threshold)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        kept: np.ndarray = np.asarray(X, dtype=float)[:, self.kept_]
        return kept


def image_pooling(side: int, block: int = 2) -> FunctionTransformer:
    """:func:`pool_images` as a pipeline step: ``make_pipeline(image_pooling(8), model)``."""
    return FunctionTransformer(pool_images, kw_args={"side": side, "block": block})
