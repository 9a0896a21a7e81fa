"""Which model should the lab use? Unit tests of ``lab.models`` and the experiments that decide.

The experiments compare the candidate pipelines from :func:`lab.build_model` on the bundled
breast-cancer, digits and wine data. One assumption is expected to be refuted, on purpose:
see ``TestKnnScaling.exp_raw_knn_is_good_enough``.
"""

from __future__ import annotations

import numpy as np
import pytest
from pytest_experiments import Experiment
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
def exp_digits_logreg(exp: Experiment) -> float:
    X, y = load_dataset("digits")
    # 30% by default; --sample 0.05 overrides the marker, so also keep at least 50 images
    # per digit, below which the score says more about the sample than about the model.
    X, y = exp.sample(X, y, stratify=True, min_rows=500)
    scores = cv_score(build_model("logreg"), X, y, seed=exp.seed)
    exp.record(folds=scores.tolist())
    return float(scores.mean())


@pytest.mark.question("Does every candidate classifier reach 85% accuracy on breast cancer?")
@pytest.mark.expect(">= 0.85")
@pytest.mark.parametrize("model", ["logreg", "svc", "naive_bayes", "forest"])
def exp_candidate_accuracy(exp: Experiment, model: str) -> float:
    X, y = load_dataset("breast_cancer")
    X, y = exp.sample(X, y, stratify=True)
    scores = cv_score(build_model(model, random_state=exp.seed), X, y, seed=exp.seed)
    exp.record(folds=scores.tolist(), spread=float(scores.max() - scores.min()))
    return float(scores.mean())


class TestKnnScaling:
    """k-NN measures raw distances, so wine's proline (values in the hundreds) should dominate
    unless the features are standardised first."""

    @pytest.mark.question("Does standardising the wine features gain k-NN at least 10 points?")
    @pytest.mark.expect(lambda answer: answer["scaled"] - answer["raw"] >= 0.10)
    def exp_scaling_gain(self, exp: Experiment) -> dict[str, float]:
        X, y = load_dataset("wine")
        X, y = exp.sample(X, y, stratify=True)
        scaled = cv_score(build_model("knn"), X, y, seed=exp.seed).mean()
        raw = cv_score(build_model("knn", scale=False), X, y, seed=exp.seed).mean()
        return {"scaled": scaled, "raw": raw}

    # REFUTED ON PURPOSE. A colleague's notebook claimed "k-NN without scaling reaches 0.9 on
    # wine, so the scaler is optional". It does not: unscaled k-NN stays near 0.7 on every
    # sample and on the full data, which is why build_model scales by default. Kept as a
    # standing record of that finding (and as the example of a refuted assumption).
    @pytest.mark.question("Does k-NN reach 90% accuracy on wine without scaling the features?")
    @pytest.mark.expect(">= 0.9")
    def exp_raw_knn_is_good_enough(self, exp: Experiment) -> float:
        X, y = load_dataset("wine")
        X, y = exp.sample(X, y, stratify=True)
        return float(cv_score(build_model("knn", scale=False), X, y, seed=exp.seed).mean())
