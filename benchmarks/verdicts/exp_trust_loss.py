"""A loss passed as a score: root mean squared error, written three ways.

``make_scorer(root_mean_squared_error)`` makes a scorer whose *higher* values are taken as
better (``greater_is_better`` defaults to True), so the plugin reads an error that falls with
more data as a score that rises: a subsample's larger error looks like a lower bound on the
full-data error, and ``"<= 2.35"`` is refuted on a sample although it holds on all the data. The
intended fix is to refuse that definition (an error, not a verdict); ``truth(...,
error_expected=True)`` tells ``run.py`` that an error is the right outcome there. Beside it stand
the correct spellings: ``scoring="neg_root_mean_squared_error"`` with ``">= -2.35"``,
``make_scorer(mean_squared_error, greater_is_better=False)`` with ``">= -5.52"`` (2.35 squared),
``make_scorer(mean_absolute_error, greater_is_better=False)``, and the opposite claim.

The data: Friedman #1's five informative features, 10,000 rows, noise sd 2 (``benchdata``);
scaled 15-NN regression. Truths: the plugin's ``--full`` estimate at seeds 0-5.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from benchdata import friedman_informative
from sklearn.metrics import (
    make_scorer,
    mean_absolute_error,
    mean_squared_error,
    root_mean_squared_error,
)
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from pytest_experiments import Experiment

if TYPE_CHECKING:
    from pytest_experiments.stats.estimates import Estimate

RMSE = (
    "all 10,000 rows, seeds 0-5: RMSE 2.26 (interval about +-0.04); the plugin's estimate at "
    "seeds 0-2: 2.69-2.96 at 5 %, 2.43-2.52 at 20 %"
)


def knn() -> Pipeline:
    return make_pipeline(StandardScaler(), KNeighborsRegressor(n_neighbors=15))


@pytest.mark.question("Is 15-NN's RMSE on Friedman #1 at most 2.35 (RMSE as a plain scorer)?")
@pytest.mark.expect("<= 2.35")
@pytest.mark.truth(
    "threshold",
    holds=True,
    error_expected=True,
    why=RMSE + "; make_scorer(loss) without greater_is_better=False is a definition error",
)
def exp_rmse_scorer_at_most_2_35(exp: Experiment) -> Estimate:
    X, y = exp.sample(*friedman_informative())
    return exp.score(knn(), X, y, scoring=make_scorer(root_mean_squared_error))


@pytest.mark.question("Is 15-NN's RMSE on Friedman #1 at most 2.35 (negated RMSE)?")
@pytest.mark.expect(">= -2.35")
@pytest.mark.truth("threshold", holds=True, why=RMSE)
def exp_neg_rmse_at_least_minus_2_35(exp: Experiment) -> Estimate:
    X, y = exp.sample(*friedman_informative())
    return exp.score(knn(), X, y, scoring="neg_root_mean_squared_error")


@pytest.mark.question("Is 15-NN's RMSE on Friedman #1 above 2.35 (negated RMSE)?")
@pytest.mark.expect("< -2.35")
@pytest.mark.truth("threshold", holds=False, why=RMSE)
def exp_neg_rmse_below_minus_2_35(exp: Experiment) -> Estimate:
    X, y = exp.sample(*friedman_informative())
    return exp.score(knn(), X, y, scoring="neg_root_mean_squared_error")


@pytest.mark.question("Is 15-NN's MSE on Friedman #1 at most 5.52 (a loss scorer)?")
@pytest.mark.expect(">= -5.52")
@pytest.mark.truth("threshold", holds=True, why=RMSE + "; MSE 5.11-5.14")
def exp_mse_loss_scorer_at_most_5_52(exp: Experiment) -> Estimate:
    X, y = exp.sample(*friedman_informative())
    scorer = make_scorer(mean_squared_error, greater_is_better=False)
    return exp.score(knn(), X, y, scoring=scorer)


@pytest.mark.question("Is 15-NN's mean absolute error on Friedman #1 at most 1.9?")
@pytest.mark.expect(">= -1.9")
@pytest.mark.truth("threshold", holds=True, why="MAE 1.81 (+-0.04) on all the data, seeds 0-5")
def exp_mae_loss_scorer_at_most_1_9(exp: Experiment) -> Estimate:
    X, y = exp.sample(*friedman_informative())
    scorer = make_scorer(mean_absolute_error, greater_is_better=False)
    return exp.score(knn(), X, y, scoring=scorer)
