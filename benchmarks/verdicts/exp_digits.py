"""Experiments on scikit-learn's digits (1,797 8x8 images, 10 classes).

Truths come from 5x5 cross-validation on all the data with another seed (see each ``truth``
marker): an RBF SVC scores about 0.988, k-NN 0.986, scaled logistic regression 0.969 and
Gaussian naive Bayes 0.842.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from benchdata import bundled
from sklearn.decomposition import PCA
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from pytest_experiments import Experiment

if TYPE_CHECKING:
    from pytest_experiments.stats.estimates import Estimate


@pytest.mark.question("Does an RBF SVC beat always predicting the most frequent digit?")
@pytest.mark.expect("> 0")
@pytest.mark.truth("effect", holds=True, why="0.99 against 0.10: a huge difference")
def exp_svc_beats_dummy(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("digits"), stratify=True)
    return exp.compare(SVC(), DummyClassifier(strategy="most_frequent"), X, y)


@pytest.mark.question("Does an RBF SVC reach 95% accuracy on digits?")
@pytest.mark.expect(">= 0.95")
@pytest.mark.truth("threshold", holds=True, why="0.988, interval about +-0.004 on all data")
def exp_svc_reaches_095(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("digits"), stratify=True)
    return exp.score(SVC(), X, y)


@pytest.mark.question("Does Gaussian naive Bayes reach 90% accuracy on digits?")
@pytest.mark.expect(">= 0.9")
@pytest.mark.truth("threshold", holds=False, why="0.842 +- 0.03 on all data")
def exp_naive_bayes_reaches_090(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("digits"), stratify=True)
    return exp.score(GaussianNB(), X, y)


@pytest.mark.question("Does 5-nearest-neighbours reach 98% accuracy on digits?")
@pytest.mark.expect(">= 0.98")
@pytest.mark.truth("threshold", holds=True, why="0.986 +- 0.006: true, but near the bar")
def exp_knn_reaches_098(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("digits"), stratify=True)
    return exp.score(KNeighborsClassifier(), X, y)


@pytest.mark.question("Does scaled logistic regression beat Gaussian naive Bayes on digits?")
@pytest.mark.expect("> 0")
@pytest.mark.truth("effect", holds=True, why="0.969 against 0.842")
def exp_logreg_beats_naive_bayes(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("digits"), stratify=True)
    logreg = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return exp.compare(logreg, GaussianNB(), X, y)


@pytest.mark.question("Does reducing digits to 20 principal components cost the SVC < 2 points?")
@pytest.mark.expect(pytest.approx(0, abs=0.02))
@pytest.mark.truth("effect", holds=True, why="difference +0.001 +- 0.004 on all data")
def exp_pca_keeps_svc_accuracy(exp: Experiment) -> Estimate:
    X, y = exp.sample(*bundled("digits"), stratify=True)
    return exp.compare(make_pipeline(PCA(n_components=20), SVC()), SVC(), X, y)


@pytest.mark.question("Is a held-out 5-NN at least 97% accurate on digits?")
@pytest.mark.expect(">= 0.97")
@pytest.mark.truth("threshold", holds=True, why="about 0.986 held out")
def exp_knn_holdout_accuracy(exp: Experiment) -> Estimate:
    from sklearn.model_selection import train_test_split

    X, y = exp.sample(*bundled("digits"), stratify=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=exp.seed % 2**32
    )
    predicted = KNeighborsClassifier().fit(X_train, y_train).predict(X_test)
    return exp.accuracy(y_test, predicted)
