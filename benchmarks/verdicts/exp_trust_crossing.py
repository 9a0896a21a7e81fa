"""Learning curves that cross: which of two learners wins depends on how many rows it gets.

A difference between two learners measured on a subsample says which one wins *on that many
rows*; a decisive verdict on it is a claim about all the data only if the curves do not cross in
between. Here they do, on purpose, for three pairs (the data are in ``benchdata``):

* Gaussian naive Bayes against logistic regression on features with redundant copies: naive
  Bayes reaches its (worse) asymptote on few rows, logistic regression overtakes it (Ng and
  Jordan, "On discriminative vs. generative classifiers", NIPS 2001);
* 1-NN against 15-NN on noisy rings: on few rows 15 neighbours span several rings, on many
  they resolve them and average out the flipped labels that 1-NN copies;
* a depth-8 decision tree against a depth-2 one on a split plus a diagonal, with flipped
  labels: the shallow tree finds the split on few rows, the deep one fits noise there and draws
  the diagonal once it has thousands.

Each claim is written both ways round ("a beats b" and "b beats a"), plus an equivalence and a
band on the rings' difference. Truths: the plugin's own ``--full`` verdict and estimate at
seeds 0-5 (six fold sets on the same data) agreed, and 5x2 CV with scikit-learn on 5 %, 20 %
and all the data at three seeds shows the crossing (numbers in each marker).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from benchdata import noisy_rings, redundant_classes, split_and_diagonal
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from pytest_experiments import Experiment

if TYPE_CHECKING:
    from pytest_experiments.stats.estimates import Estimate

NB_LR = (
    "all 6,000 rows, seeds 0-5: accuracy difference NB - LR -0.032 to -0.035 (interval about "
    "+-0.012); 5x2 CV at 5 % (300 rows), five seeds: +0.085, +0.023, +0.075, -0.035, +0.037; "
    "at 20 %: -0.004 to -0.025"
)
RINGS = (
    "all 10,000 rows, seeds 0-5: 1-NN - 15-NN -0.051 to -0.057 (interval about +-0.012); 5x2 CV "
    "at 5 %: +0.11, +0.09, +0.12; at 20 %: +0.11 to +0.12"
)
TREES = (
    "all 10,000 rows, seeds 0-5: depth 8 - depth 2 +0.059 to +0.064 (interval about +-0.01); "
    "5x2 CV at 5 %: -0.035, -0.059, -0.042; at 20 %: +0.008"
)


def logreg() -> LogisticRegression:
    return LogisticRegression(max_iter=1000)


@pytest.mark.question("Does naive Bayes beat logistic regression on redundant features?")
@pytest.mark.expect("> 0")
@pytest.mark.truth("effect", holds=False, why=NB_LR)
def exp_naive_bayes_beats_logreg(exp: Experiment) -> Estimate:
    X, y = exp.sample(*redundant_classes(), stratify=True)
    return exp.compare(GaussianNB(), logreg(), X, y)


@pytest.mark.question("Does logistic regression beat naive Bayes on redundant features?")
@pytest.mark.expect("< 0")
@pytest.mark.truth("effect", holds=True, why=NB_LR)
def exp_logreg_beats_naive_bayes_redundant(exp: Experiment) -> Estimate:
    X, y = exp.sample(*redundant_classes(), stratify=True)
    return exp.compare(GaussianNB(), logreg(), X, y)


@pytest.mark.question("Does 1-NN beat 15-NN on noisy rings?")
@pytest.mark.expect("> 0")
@pytest.mark.truth("effect", holds=False, why=RINGS)
def exp_1nn_beats_15nn_on_rings(exp: Experiment) -> Estimate:
    X, y = exp.sample(*noisy_rings(), stratify=True)
    return exp.compare(KNeighborsClassifier(1), KNeighborsClassifier(15), X, y)


@pytest.mark.question("Does 15-NN beat 1-NN on noisy rings?")
@pytest.mark.expect("< 0")
@pytest.mark.truth("effect", holds=True, why=RINGS)
def exp_15nn_beats_1nn_on_rings(exp: Experiment) -> Estimate:
    X, y = exp.sample(*noisy_rings(), stratify=True)
    return exp.compare(KNeighborsClassifier(1), KNeighborsClassifier(15), X, y)


@pytest.mark.question("Are 1-NN and 15-NN within 8 points of each other on noisy rings?")
@pytest.mark.expect(pytest.approx(0, abs=0.08))
@pytest.mark.truth("effect", holds=True, why=RINGS + "; inside +-0.08")
def exp_1nn_and_15nn_equivalent_on_rings(exp: Experiment) -> Estimate:
    X, y = exp.sample(*noisy_rings(), stratify=True)
    return exp.compare(KNeighborsClassifier(1), KNeighborsClassifier(15), X, y)


@pytest.mark.question("Is 1-NN ahead of 15-NN by 5 to 20 points on noisy rings?")
@pytest.mark.expect("0.05 <= answer <= 0.2")
@pytest.mark.truth("effect", holds=False, why=RINGS + "; below the band")
def exp_1nn_ahead_by_5_to_20_points_on_rings(exp: Experiment) -> Estimate:
    X, y = exp.sample(*noisy_rings(), stratify=True)
    return exp.compare(KNeighborsClassifier(1), KNeighborsClassifier(15), X, y)


@pytest.mark.question("Does a depth-8 tree beat a depth-2 tree on a split plus a diagonal?")
@pytest.mark.expect("> 0")
@pytest.mark.truth("effect", holds=True, why=TREES)
def exp_deep_tree_beats_shallow(exp: Experiment) -> Estimate:
    X, y = exp.sample(*split_and_diagonal(), stratify=True)
    deep = DecisionTreeClassifier(max_depth=8, random_state=0)
    return exp.compare(deep, DecisionTreeClassifier(max_depth=2, random_state=0), X, y)


@pytest.mark.question("Does a depth-2 tree beat a depth-8 tree on a split plus a diagonal?")
@pytest.mark.expect("< 0")
@pytest.mark.truth("effect", holds=False, why=TREES)
def exp_shallow_tree_beats_deep(exp: Experiment) -> Estimate:
    X, y = exp.sample(*split_and_diagonal(), stratify=True)
    deep = DecisionTreeClassifier(max_depth=8, random_state=0)
    return exp.compare(deep, DecisionTreeClassifier(max_depth=2, random_state=0), X, y)
