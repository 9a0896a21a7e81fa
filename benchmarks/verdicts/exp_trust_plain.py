"""Plain-number answers: a cross-validated mean returned as a float.

``cross_val_score(SVC(), X, y, cv=5).mean()`` is what many researchers return. It has no
interval, so the plugin judges it exactly, and on a subsample that means judging a score that
is biased low (a learner trained on fewer rows scores lower) as if it were the full-data score:
``">= 0.95"`` for an RBF SVC on digits (0.9633 on all the data) is refuted on 5 % at every seed,
``"< 0.95"`` confirmed. Naive Bayes on digits (0.807) never reaches 0.95 at any size; 15-NN
on the noisy rings of ``benchdata`` (0.767 on all 10,000 rows, about 0.5 on 5 %) is the same
trap on a larger data set.

Truths: ``cv=5`` on all the data is unshuffled ``StratifiedKFold``, so the full-data answer is
the same number at every seed (the plugin's ``--full`` at seeds 0-5: SVC 0.9633, naive
Bayes 0.8069, 15-NN on rings 0.7672).
"""

from __future__ import annotations

import pytest
from benchdata import bundled, noisy_rings
from sklearn.model_selection import cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from pytest_experiments import Experiment


@pytest.mark.question("Does an RBF SVC reach 95% accuracy on digits (cross_val_score mean)?")
@pytest.mark.expect(">= 0.95")
@pytest.mark.truth("threshold", holds=True, why="0.9633 on all the data at every seed")
def exp_svc_cv_mean_reaches_095(exp: Experiment) -> float:
    X, y = exp.sample(*bundled("digits"), stratify=True)
    return float(cross_val_score(SVC(), X, y, cv=5).mean())


@pytest.mark.question("Does an RBF SVC stay below 95% accuracy on digits (cross_val_score)?")
@pytest.mark.expect("< 0.95")
@pytest.mark.truth("threshold", holds=False, why="0.9633 on all the data at every seed")
def exp_svc_cv_mean_below_095(exp: Experiment) -> float:
    X, y = exp.sample(*bundled("digits"), stratify=True)
    return float(cross_val_score(SVC(), X, y, cv=5).mean())


@pytest.mark.question("Does naive Bayes reach 95% accuracy on digits (cross_val_score mean)?")
@pytest.mark.expect(">= 0.95")
@pytest.mark.truth("threshold", holds=False, why="0.8069 on all the data; about 0.8 at any size")
def exp_naive_bayes_cv_mean_reaches_095(exp: Experiment) -> float:
    X, y = exp.sample(*bundled("digits"), stratify=True)
    return float(cross_val_score(GaussianNB(), X, y, cv=5).mean())


@pytest.mark.question("Does 15-NN reach 75% accuracy on noisy rings (cross_val_score mean)?")
@pytest.mark.expect(">= 0.75")
@pytest.mark.truth("threshold", holds=True, why="0.7672 on all 10,000 rows; 0.51-0.53 on 5 %")
def exp_15nn_cv_mean_reaches_075_on_rings(exp: Experiment) -> float:
    X, y = exp.sample(*noisy_rings(), stratify=True)
    return float(cross_val_score(KNeighborsClassifier(15), X, y, cv=5).mean())
