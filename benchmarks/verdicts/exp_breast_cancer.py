"""Experiments on breast cancer (569 rows, 30 features, 37 % malignant).

Scaled logistic regression scores about 0.977 in 5x5 cross-validation, Gaussian naive Bayes
0.938.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from benchdata import bundled
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from pytest_experiments import Experiment

if TYPE_CHECKING:
    from pytest_experiments.stats.estimates import Estimate


def scaled_logreg() -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression())


@pytest.mark.question("Does scaled logistic regression reach 99% accuracy on breast cancer?")
@pytest.mark.expect(">= 0.99")
@pytest.mark.truth("threshold", holds=False, why="0.977 +- 0.017: false, but within noise")
def exp_logreg_reaches_099(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("breast_cancer"), stratify=True)
    return exp.score(scaled_logreg(), X, y)


@pytest.mark.question("Does scaled logistic regression beat Gaussian naive Bayes?")
@pytest.mark.expect("> 0")
@pytest.mark.truth("effect", holds=True, why="+0.039 +- 0.020 on all data: small")
def exp_logreg_beats_naive_bayes(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("breast_cancer"), stratify=True)
    return exp.compare(scaled_logreg(), GaussianNB(), X, y)


@pytest.mark.question("Does a depth-3 tree do at least as well as a fully grown one?")
@pytest.mark.expect(">= 0")
@pytest.mark.truth("effect", holds=None, why="pruning vs overfitting: close, unknown sign")
def exp_shallow_tree_not_worse(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("breast_cancer"), stratify=True)
    shallow = DecisionTreeClassifier(max_depth=3, random_state=0)
    return exp.compare(shallow, DecisionTreeClassifier(random_state=0), X, y)


@pytest.mark.question("Is scaled logistic regression at least 90% accurate on a held-out third?")
@pytest.mark.expect(">= 0.9")
@pytest.mark.truth("threshold", holds=True, why="about 0.97 held out")
def exp_holdout_accuracy_above_090(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("breast_cancer"), stratify=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=1 / 3, stratify=y, random_state=exp.seed % 2**32
    )
    predicted = scaled_logreg().fit(X_train, y_train).predict(X_test)
    return exp.accuracy(y_test, predicted)


@pytest.mark.question("Are at least 30% of the tumours malignant?")
@pytest.mark.expect(">= 0.3")
@pytest.mark.truth("threshold", holds=True, why="212 of 569 = 0.373")
def exp_malignant_share_above_030(exp: Experiment) -> Estimate:
    _, y = bundled("breast_cancer")
    y = exp.sample(y)  # a simple random sample: stratifying would fix the share by design
    return exp.proportion(int(np.sum(y == 0)), len(y))
