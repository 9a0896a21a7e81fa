"""Null experiments: claims about effects that do not exist, each over many replicate data sets.

Every experiment here has a true value exactly on the boundary of its claim, so the right
verdicts are known without any run:

* a difference between a learner and itself with another ``random_state``, between two learners
  on features that say nothing about the labels, or of a learner with itself on permuted labels,
  is 0 in expectation; ``"> 0"`` does not hold (``confirmed`` is a false alarm, ``refuted`` is
  right), ``"!= 0"`` does not hold (``confirmed`` is a false alarm), and
  ``approx(0, abs=...)`` holds (``refuted`` is a false alarm);
* a classifier's accuracy on balanced labels that its features do not predict is exactly 0.5 in
  expectation: every prediction is independent of the true label, which is 0 or 1 with
  probability 1/2 (stratified folds keep each test fold balanced), so ``"> 0.5"`` does not hold;
* the mean of an A/A test's per-user differences is 0 and a simulated 10 % conversion rate is
  0.1, so ``"> 0"`` and ``"> 0.1"`` do not hold.

The learners are small and fast on purpose: the false-alarm rate needs hundreds of null
verdicts to be measured well. Each replicate draws its own data from its own data seed; the
``--seed`` of a run changes only the subsample, the folds and ``exp.rng``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from benchdata import (
    balanced_noise,
    conversions,
    paired_sessions,
    shuffled_breast_cancer,
    signal_classes,
)
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from pytest_experiments import Experiment

if TYPE_CHECKING:
    from pytest_experiments.stats.estimates import Estimate

REPLICATES = range(20)
FEW_REPLICATES = range(10)  # for the forest, the slowest learner here
MANY_REPLICATES = range(40)  # for the experiments that take milliseconds


@pytest.mark.parametrize("replicate", FEW_REPLICATES)
@pytest.mark.question("Does a random forest do better with seed 1 than with seed 0?")
@pytest.mark.expect("> 0")
@pytest.mark.truth("null", holds=False, why="two forests differing only in seed: difference 0")
def exp_forest_seed_matters(exp: Experiment, replicate: int) -> Estimate:
    X, y = exp.sample(*signal_classes(100 + replicate, rows=300), stratify=True)
    return exp.compare(
        RandomForestClassifier(n_estimators=10, random_state=1),
        RandomForestClassifier(n_estimators=10, random_state=0),
        X,
        y,
    )


@pytest.mark.parametrize("replicate", REPLICATES)
@pytest.mark.question("Does SGD's seed change its accuracy?")
@pytest.mark.expect("> 0")
@pytest.mark.truth("null", holds=False, why="A vs A with another random_state: difference 0")
def exp_sgd_seed_matters(exp: Experiment, replicate: int) -> Estimate:
    X, y = exp.sample(*signal_classes(200 + replicate, rows=400), stratify=True)
    return exp.compare(SGDClassifier(random_state=1), SGDClassifier(random_state=0), X, y)


@pytest.mark.parametrize("replicate", REPLICATES)
@pytest.mark.question("Is a randomised tree's accuracy within 5 points whatever its seed?")
@pytest.mark.expect(pytest.approx(0, abs=0.05))
@pytest.mark.truth("null", holds=True, why="A vs A: difference 0, inside the band")
def exp_tree_seed_negligible(exp: Experiment, replicate: int) -> Estimate:
    X, y = exp.sample(*signal_classes(300 + replicate, rows=400), stratify=True)
    return exp.compare(
        DecisionTreeClassifier(max_features="sqrt", random_state=1),
        DecisionTreeClassifier(max_features="sqrt", random_state=0),
        X,
        y,
    )


@pytest.mark.parametrize("replicate", REPLICATES)
@pytest.mark.question("Does logistic regression beat k-NN on these features?")
@pytest.mark.expect("> 0")
@pytest.mark.truth("null", holds=False, why="pure-noise features: both at chance, difference 0")
def exp_logreg_beats_knn_on_noise(exp: Experiment, replicate: int) -> Estimate:
    X, y = exp.sample(*balanced_noise(400 + replicate, rows=600), stratify=True)
    return exp.compare(LogisticRegression(), KNeighborsClassifier(), X, y)


@pytest.mark.parametrize("replicate", REPLICATES)
@pytest.mark.question("Do naive Bayes and logistic regression differ on these features?")
@pytest.mark.expect("!= 0")
@pytest.mark.truth("null", holds=False, why="pure-noise features: both at chance, difference 0")
def exp_naive_bayes_differs_on_noise(exp: Experiment, replicate: int) -> Estimate:
    X, y = exp.sample(*balanced_noise(500 + replicate, rows=600), stratify=True)
    return exp.compare(GaussianNB(), LogisticRegression(), X, y)


@pytest.mark.parametrize("replicate", REPLICATES)
@pytest.mark.question("Does SGD's seed matter on shuffled breast cancer labels?")
@pytest.mark.expect("> 0")
@pytest.mark.truth("null", holds=False, why="a learner against itself on permuted labels: 0")
def exp_sgd_seed_on_permuted_labels(exp: Experiment, replicate: int) -> Estimate:
    X, y = exp.sample(*shuffled_breast_cancer(600 + replicate), stratify=True)
    return exp.compare(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=1)),
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)),
        X,
        y,
    )


@pytest.mark.parametrize("replicate", REPLICATES)
@pytest.mark.question("Does logistic regression find any signal in these features?")
@pytest.mark.expect("> 0.5")
@pytest.mark.truth("null", holds=False, why="balanced labels independent of X: accuracy 0.5")
def exp_logreg_above_chance_on_noise(exp: Experiment, replicate: int) -> Estimate:
    X, y = exp.sample(*balanced_noise(700 + replicate, rows=600), stratify=True)
    return exp.score(LogisticRegression(), X, y)


@pytest.mark.parametrize("replicate", MANY_REPLICATES)
@pytest.mark.question("Is a held-out naive Bayes better than a coin on these features?")
@pytest.mark.expect("> 0.5")
@pytest.mark.truth("null", holds=False, why="balanced labels independent of X: accuracy 0.5")
def exp_holdout_above_chance_on_noise(exp: Experiment, replicate: int) -> Estimate:
    X, y = exp.sample(*balanced_noise(800 + replicate), stratify=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=exp.seed % 2**32
    )
    return exp.accuracy(y_test, GaussianNB().fit(X_train, y_train).predict(X_test))


@pytest.mark.parametrize("replicate", MANY_REPLICATES)
@pytest.mark.question("Does variant B raise the mean session length (A/A test)?")
@pytest.mark.expect("> 0")
@pytest.mark.truth("null", holds=False, why="identical variants: mean difference 0")
def exp_aa_test_mean_difference(exp: Experiment, replicate: int) -> Estimate:
    differences = exp.sample(paired_sessions(900 + replicate))
    return exp.mean(differences)


@pytest.mark.parametrize("replicate", MANY_REPLICATES)
@pytest.mark.question("Do more than 10% of the users convert?")
@pytest.mark.expect("> 0.1")
@pytest.mark.truth("null", holds=False, why="simulated at a true rate of exactly 0.1")
def exp_conversion_above_010(exp: Experiment, replicate: int) -> Estimate:
    converted = exp.sample(conversions(1000 + replicate))
    return exp.proportion(int(np.sum(converted)), len(converted))
