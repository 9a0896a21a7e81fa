"""Data loading: the scikit-learn toy data sets by name, as plain ``(X, y)`` numpy arrays.

Every data set here ships with scikit-learn, so nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import datasets

#: The data sets the project studies, by short name.
DATASETS: dict[str, Callable[..., Any]] = {
    "breast_cancer": datasets.load_breast_cancer,
    "diabetes": datasets.load_diabetes,
    "digits": datasets.load_digits,
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
}


def load_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The features and target of a bundled data set, e.g. ``X, y = load_dataset("wine")``."""
    try:
        loader = DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise ValueError(f"unknown data set {name!r}; choose one of {known}") from None
    X, y = loader(return_X_y=True)
    return np.asarray(X, dtype=float), np.asarray(y)
