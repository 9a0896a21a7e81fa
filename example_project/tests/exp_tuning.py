"""Tuning as experiments: a methodical search whose result later experiments build on.

``exp_tune_svc`` searches C and gamma of an RBF SVC on digits; its ``best`` and ``gain`` are
estimated by nested cross-validation, so the search's own luck does not flatter them.
``exp_tuned_svc`` reads the winner back from the journal (``exp.tuned``) and checks that it
holds up, and ``exp_tune_svc_narrow`` searches again around the first search's best trials
(``exp.narrowed``). In one run the tuning experiment runs first; its trials are journaled as they
finish, so an interrupted search resumes where it stopped.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_experiments import Estimate, Experiment
from scipy.stats import loguniform
from sklearn.svm import SVC

from lab import load_dataset

SPACE = {"C": loguniform(1e-1, 1e3), "gamma": loguniform(1e-5, 1e-1)}


@pytest.mark.question("Does tuning C and gamma make an RBF SVC beat its defaults on digits?")
@pytest.mark.expect("gain > 0 and best >= 0.97")
def exp_tune_svc(exp: Experiment) -> dict[str, Any]:
    X, y = exp.sample(*load_dataset("digits"), stratify=True)
    return exp.tune(SVC(), SPACE, X, y, n_iter=12, baseline=SVC())


@pytest.mark.question("Does the tuned SVC reach 97% on digits?")
@pytest.mark.expect(">= 0.97")
def exp_tuned_svc(exp: Experiment) -> Estimate:
    X, y = exp.sample(*load_dataset("digits"), stratify=True)
    return exp.score(SVC(**exp.tuned("exp_tune_svc")), X, y)


@pytest.mark.question("Does searching again around the best trials still not lose to the winner?")
@pytest.mark.expect("gain >= -0.01")
def exp_tune_svc_narrow(exp: Experiment) -> dict[str, Any]:
    X, y = exp.sample(*load_dataset("digits"), stratify=True)
    return exp.tune(
        SVC(),
        exp.narrowed("exp_tune_svc", top=4),
        X,
        y,
        n_iter=6,
        baseline=SVC(**exp.tuned("exp_tune_svc")),
    )
