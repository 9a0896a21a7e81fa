"""Which model should the lab use? Unit tests of ``lab.models`` and the experiments that decide.

The experiments compare the candidate pipelines from :func:`lab.build_model` on the bundled
breast-cancer, digits and wine data. One assumption is expected to be refuted, on purpose:
see ``TestKnnScaling.exp_raw_knn_is_good_enough``.
"""

from __future__ import annotations

import numpy as np
import pytest
from pytest_experiments import Estimate, Experiment
from sklearn.base import is_classifier, is_regressor
from sklearn.preprocessing import StandardScaler

from lab import MODEL_NAMES, build_model, cv_score, load_dataset

# -- unit tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_build_model_knows_every_name(name: str) -> None:
    model = build_model(name)
    assert is_classifier(model) or is_regressor(model)
    assert isinstance(model.steps[0][1], StandardScaler)


def test_build_model_without_scaling_has_a_single_step() -> None:
    assert len(build_model("knn", scale=False).steps) == 1


def test_build_model_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown model 'xgboost'"):
        build_model("xgboost")


def test_cv_score_is_deterministic_for_a_seed() -> None:
    X, y = load_dataset("iris")
    first = cv_score(build_model("forest", random_state=3), X, y, seed=3)
    second = cv_score(build_model("forest", random_state=3), X, y, seed=3)
    assert first.shape == (3,)
    np.testing.assert_array_equal(first, second)


def test_cv_score_gives_r2_for_regressors() -> None:
    X, y = load_dataset("diabetes")
    scores = cv_score(build_model("ridge"), X, y, folds=4)
    assert scores.shape == (4,)
    assert np.all(scores < 1.0)


# -- experiments -----------------------------------------------------------------------------


@pytest.mark.question("Does a scaled logistic regression recognise at least 85% of digits?")
@pytest.mark.expect(">= 0.85")
@pytest.mark.sample(0.3)
def exp_digits_logreg(exp: Experiment) -> Estimate:
    X, y = load_dataset("digits")
    # 30% by default; --sample 0.05 overrides the marker, so also keep at least 50 images
    # per digit, below which the score says more about the sample than about the model.
    X, y = exp.sample(X, y, stratify=True, min_rows=500)
    return exp.score(build_model("logreg"), X, y)


@pytest.mark.question(
    "Does every candidate classifier beat always predicting the majority class (benign) by at "
    "least 20 points of accuracy on breast cancer?"
)
@pytest.mark.expect(">= 0.20")
@pytest.mark.parametrize("model", ["logreg", "svc", "naive_bayes", "knn"])
def exp_candidate_beats_baseline(exp: Experiment, model: str) -> Estimate:
    # A paired difference from the majority baseline (0.627, which learns nothing): on 100
    # rows the candidates have nearly levelled off, and a score's own shape checks would often
    # withhold "reaches 85%"; the difference needs only that the candidate's curve does not
    # fall. (The forest is checked on a held-out split in exp_evidence.py: its 50 trees cost
    # ten times a fit of these.)
    X, y = load_dataset("breast_cancer")
    X, y = exp.sample(X, y, stratify=True)  # stratified: the class shares stay as in the data
    return exp.compare(build_model(model), build_model("baseline"), X, y)


class TestKnnScaling:
    """k-NN measures raw distances, so wine's proline (values in the hundreds) should dominate
    unless the features are standardised first.

    Wine has 178 rows, so these experiments do not sample: they answer on all of it at any
    --sample (the line says "not sampled"), where a subsample would save nothing. On 100 rows
    they would often stay inconclusive: unscaled k-NN levels off by 40 training rows, and on a
    flat learning curve the plugin's shape checks cannot rule out that it still climbs.
    """

    @pytest.mark.question("Does standardising the wine features gain k-NN at least 10 points?")
    @pytest.mark.expect(">= 0.10")
    def exp_scaling_gain(self, exp: Experiment) -> Estimate:
        X, y = load_dataset("wine")
        return exp.compare(build_model("knn"), build_model("knn", scale=False), X, y)

    # REFUTED ON PURPOSE. A colleague's notebook claimed "k-NN does as well on wine without
    # scaling, so the scaler is optional". It does not: unscaled k-NN trails scaled k-NN by
    # about 25 points, which is why build_model scales by default. Kept as a standing record
    # of that finding (and as the example of a refuted assumption: exit status 1, not a bug).
    @pytest.mark.question(
        "Is k-NN without feature scaling within 5 points of scaled k-NN on wine (is the "
        "scaler optional)?"
    )
    @pytest.mark.expect(">= -0.05")
    def exp_raw_knn_is_good_enough(self, exp: Experiment) -> Estimate:
        X, y = load_dataset("wine")
        return exp.compare(build_model("knn", scale=False), build_model("knn"), X, y)
