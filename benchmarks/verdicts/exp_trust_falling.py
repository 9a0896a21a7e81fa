"""Curves that fall: feature selection fitted on the whole sample before cross-validation.

``SelectKBest`` chosen on every row of the sample, then cross-validated, leaks: on a few
hundred rows the best 10 of 1,000 noise columns fit those rows by chance, and the score they
earn in cross-validation is far above what the features are worth. With more rows the chance
fits shrink and the score *falls* towards the truth (about 0.56: two weakly informative
columns). A sample's high score then says nothing about all the data: ``"<= 0.6"`` is refuted
on 5 % (0.69) and holds on all the data, ``">= 0.6"`` the other way round. The mistake is the
researcher's, but a decisive verdict on a sample is still a claim about all the data.

The data: ``benchdata.many_noise_features`` (5,000 rows x 1,000 columns). Truths: the plugin's
``--full`` estimate at seeds 0-5, and SelectKBest + 5x2 CV with scikit-learn at 5 %, 20 % and
all the data over three seeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from benchdata import many_noise_features
from sklearn.feature_selection import SelectKBest
from sklearn.linear_model import LogisticRegression

from pytest_experiments import Experiment

if TYPE_CHECKING:
    from pytest_experiments.stats.estimates import Estimate

TEN = (
    "all 5,000 rows, seeds 0-5: accuracy 0.560-0.563 (interval about +-0.015); 5x2 CV with the "
    "leak at 5 %: 0.69, 0.70, 0.69; at 20 %: 0.60-0.61"
)
TWENTY = (
    "k=20, all 5,000 rows, seeds 0-5: 0.571-0.575 (+-0.015); 5x2 CV at 5 %: 0.73-0.76, at "
    "20 %: 0.63-0.65"
)


@pytest.mark.question("Do the 10 best columns, chosen up front, leave accuracy at most 0.6?")
@pytest.mark.expect("<= 0.6")
@pytest.mark.truth("threshold", holds=True, why=TEN)
def exp_selected_columns_at_most_060(exp: Experiment) -> Estimate:
    X, y = exp.sample(*many_noise_features(), stratify=True)
    selected = SelectKBest(k=10).fit_transform(X, y)
    return exp.score(LogisticRegression(), selected, y)


@pytest.mark.question("Do the 10 best columns, chosen up front, reach 60% accuracy?")
@pytest.mark.expect(">= 0.6")
@pytest.mark.truth("threshold", holds=False, why=TEN)
def exp_selected_columns_reach_060(exp: Experiment) -> Estimate:
    X, y = exp.sample(*many_noise_features(), stratify=True)
    selected = SelectKBest(k=10).fit_transform(X, y)
    return exp.score(LogisticRegression(), selected, y)


@pytest.mark.question("Do the 10 best columns, chosen up front, beat chance?")
@pytest.mark.expect("> 0.5")
@pytest.mark.truth("threshold", holds=True, why=TEN + ": above 0.5 at every size")
def exp_selected_columns_beat_chance(exp: Experiment) -> Estimate:
    X, y = exp.sample(*many_noise_features(), stratify=True)
    selected = SelectKBest(k=10).fit_transform(X, y)
    return exp.score(LogisticRegression(), selected, y)


@pytest.mark.question("Do the 20 best columns, chosen up front, reach 62% accuracy?")
@pytest.mark.expect(">= 0.62")
@pytest.mark.truth("threshold", holds=False, why=TWENTY)
def exp_twenty_selected_columns_reach_062(exp: Experiment) -> Estimate:
    X, y = exp.sample(*many_noise_features(), stratify=True)
    selected = SelectKBest(k=20).fit_transform(X, y)
    return exp.score(LogisticRegression(), selected, y)
