"""Experiments on diabetes (442 rows, 10 features, a continuous target).

In 5x5 cross-validation linear regression explains R^2 = 0.49 of the variance, ridge (alpha 1)
0.42 and 5-nearest-neighbours 0.38.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from benchdata import bundled
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsRegressor

from pytest_experiments import Experiment

if TYPE_CHECKING:
    from pytest_experiments.stats.estimates import Estimate


@pytest.mark.question("Does linear regression explain at least 35% of the variance?")
@pytest.mark.expect(">= 0.35")
@pytest.mark.truth("threshold", holds=True, why="R^2 0.491 +- 0.08")
def exp_linear_regression_explains_035(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("diabetes"), min_rows=200)
    return exp.score(LinearRegression(), X, y)


@pytest.mark.question("Does ridge regression explain half of the variance?")
@pytest.mark.expect(">= 0.5")
@pytest.mark.truth("threshold", holds=False, why="R^2 0.420 +- 0.054")
def exp_ridge_explains_half(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("diabetes"), min_rows=200)
    return exp.score(Ridge(), X, y)


@pytest.mark.question("Does linear regression beat 5-nearest-neighbours on diabetes?")
@pytest.mark.expect("> 0")
@pytest.mark.truth("effect", holds=True, why="R^2 +0.114 +- 0.098: real, small for the data")
def exp_linear_beats_knn(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("diabetes"), min_rows=200)
    return exp.compare(LinearRegression(), KNeighborsRegressor(), X, y)


@pytest.mark.question("Is the held-out mean absolute error of linear regression below 50?")
@pytest.mark.expect("< 50")
@pytest.mark.truth("threshold", holds=True, why="MAE about 44 (target sd 77)")
def exp_holdout_error_below_50(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("diabetes"), min_rows=200)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=exp.seed % 2**32
    )
    errors = np.abs(y_test - LinearRegression().fit(X_train, y_train).predict(X_test))
    # A model trained on less data errs more, so the error falls as the sample grows.
    return exp.mean(errors, trend="falls")
