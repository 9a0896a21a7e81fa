"""Baselines and sanity checks: what any model must beat, and that the signal is real.

A module of experiments only (no unit tests), collected because its name matches ``exp_*.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from pytest_experiments import Experiment
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from lab import build_model, cv_score, load_dataset


@pytest.mark.question(
    "What accuracy does always predicting the majority class (benign) reach on breast cancer?"
)
@pytest.mark.expect(pytest.approx(0.627, abs=0.02))  # 357 benign of 569
def exp_majority_baseline(exp: Experiment) -> float:
    X, y = load_dataset("breast_cancer")
    X, y = exp.sample(X, y, stratify=True)  # stratified: the class shares stay as in the data
    return float(cv_score(build_model("baseline"), X, y, seed=exp.seed).mean())


@pytest.mark.question(
    "Does logistic regression fall to the majority baseline when the labels are shuffled?"
)
@pytest.mark.expect("< 0.7")
def exp_shuffled_labels_control(exp: Experiment) -> float:
    X, y = load_dataset("breast_cancer")
    X, y = exp.sample(X, y, stratify=True, min_rows=200)
    shuffled = exp.rng.permutation(y)
    return float(cv_score(build_model("logreg"), X, shuffled, seed=exp.seed).mean())


@pytest.mark.question(
    "How many principal components explain 90% of the variance of the standardised iris "
    "measurements?"
)
@pytest.mark.expect(2)
def exp_iris_components(exp: Experiment) -> int:
    X, y = load_dataset("iris")
    X, y = exp.sample(X, y, stratify=True)
    ratios = PCA().fit(StandardScaler().fit_transform(X)).explained_variance_ratio_
    cumulative = np.cumsum(ratios)
    exp.record(cumulative=cumulative.round(3).tolist())
    return int(np.searchsorted(cumulative, 0.9) + 1)


@pytest.mark.question(
    "Do the ten clinical measurements explain at least a quarter of the variance in diabetes "
    "progression with a ridge regression?"
)
@pytest.mark.expect(">= 0.25")
def exp_diabetes_ridge(exp: Experiment) -> float:
    X, y = load_dataset("diabetes")
    # A continuous target: a simple random sample, not stratified. R² on 100 rows swings by
    # +-0.15 between samples, so keep 200.
    X, y = exp.sample(X, y, min_rows=200)
    scores = cv_score(build_model("ridge"), X, y, seed=exp.seed)
    exp.record(folds=scores.tolist())
    return float(scores.mean())
