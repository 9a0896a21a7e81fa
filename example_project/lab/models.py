"""Model pipelines by name and a cross-validated score, kept small so experiments run fast."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

MODEL_NAMES = ("baseline", "forest", "knn", "logreg", "naive_bayes", "ridge", "svc", "tree")


def _estimator(name: str, random_state: int) -> BaseEstimator:
    match name:
        case "baseline":
            return DummyClassifier(strategy="most_frequent")
        case "forest":
            return RandomForestClassifier(n_estimators=50, random_state=random_state)
        case "knn":
            return KNeighborsClassifier(n_neighbors=5)
        case "logreg":
            return LogisticRegression(max_iter=500)
        case "naive_bayes":
            return GaussianNB()
        case "ridge":
            return Ridge(alpha=1.0)
        case "svc":
            return SVC(C=1.0, gamma="scale")
        case "tree":
            return DecisionTreeClassifier(random_state=random_state)
    raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")


def build_model(name: str, *, scale: bool = True, random_state: int = 0) -> Pipeline:
    """A pipeline for the model ``name``, standardising the features first unless ``scale`` is
    false. ``random_state`` seeds the models that draw random numbers."""
    estimator = _estimator(name, random_state)
    steps: list[Any] = [StandardScaler()] if scale else []
    return make_pipeline(*steps, estimator)


def cv_score(
    model: BaseEstimator, X: np.ndarray, y: np.ndarray, *, folds: int = 3, seed: int = 0
) -> np.ndarray:
    """Scores of ``model`` over shuffled ``folds``-fold cross-validation (stratified for
    classifiers): accuracy for classifiers, R² for regressors."""
    splitter_class = StratifiedKFold if is_classifier(model) else KFold
    splitter = splitter_class(n_splits=folds, shuffle=True, random_state=seed % 2**32)
    scores: np.ndarray = cross_val_score(model, X, y, cv=splitter)
    return scores
