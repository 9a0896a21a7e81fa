"""Flat curves that cannot reach their threshold.

A learner whose score hardly moves with the rows and sits far below a threshold on a sample
will not reach it on all the data; the sample-aware rule still holds the refutation back
("may still rise with more data") and sends the experiment to all the data. These are the
cases where an early refutation is right and cheap: naive Bayes on digits, linear models on
targets they cannot represent.

Truths: the plugin's ``--full`` estimates at seeds 0-5, and 5x2 CV with scikit-learn at 5 %,
20 % and all the data (numbers in each marker).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from benchdata import bundled, friedman, interaction, nonlinear_classes
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.naive_bayes import GaussianNB

from pytest_experiments import Experiment

if TYPE_CHECKING:
    from pytest_experiments.stats.estimates import Estimate


@pytest.mark.question("Does Gaussian naive Bayes reach 95% accuracy on digits?")
@pytest.mark.expect(">= 0.95")
@pytest.mark.truth("threshold", holds=False, why="0.84 +- 0.025 on all the data; 0.71-0.73 on 5 %")
def exp_naive_bayes_reaches_095(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("digits"), stratify=True)
    return exp.score(GaussianNB(), X, y)


@pytest.mark.question("Does linear regression explain half the variance of an interaction?")
@pytest.mark.expect(">= 0.5")
@pytest.mark.truth("threshold", holds=False, why="R^2 0.13 on all the data, 0.09-0.16 on 5 %")
def exp_linear_explains_half_of_interaction(exp: Experiment) -> Estimate:
    X, y = exp.sample(*interaction())
    return exp.score(LinearRegression(), X, y)


@pytest.mark.question("Does linear regression explain 80% of the variance of Friedman #1?")
@pytest.mark.expect(">= 0.8")
@pytest.mark.truth("threshold", holds=False, why="R^2 0.643 on all 20,000 rows, 0.60-0.65 on 5 %")
def exp_linear_explains_080_on_friedman(exp: Experiment) -> Estimate:
    X, y = exp.sample(*friedman())
    return exp.score(LinearRegression(), X, y)


@pytest.mark.question("Does logistic regression reach 85% accuracy on clustered classes?")
@pytest.mark.expect(">= 0.85")
@pytest.mark.truth("threshold", holds=False, why="0.788 +- 0.01 on all the data, 0.78-0.80 on 5 %")
def exp_logreg_reaches_085(exp: Experiment) -> Estimate:
    X, y = exp.sample(*nonlinear_classes(), stratify=True)
    return exp.score(LogisticRegression(), X, y)
