"""A decisive verdict on a subsample is a claim about all the data (the trust issue's examples).

Each experiment is written the way researchers write them. On a 5 % sample the verdict must be
inconclusive, saying why, or the full-data verdict; never the opposite.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EXAMPLES = """
import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import make_scorer, root_mean_squared_error
from sklearn.model_selection import cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier


def noisy_rings():
    # rings 0.1 wide, 15 % of labels flipped: 1-NN wins on a few hundred rows, 15-NN on all
    rng = np.random.default_rng(21)
    X = rng.uniform(-1, 1, size=(10_000, 2))
    y = (np.floor(np.hypot(X[:, 0], X[:, 1]) / 0.1) % 2).astype(int)
    return X, np.where(rng.random(10_000) < 0.15, 1 - y, y)


@pytest.mark.question("Does 1-NN beat 15-NN on noisy rings?")
@pytest.mark.expect("> 0")
def exp_crossing(exp):
    X, y = exp.sample(*noisy_rings(), stratify=True)
    return exp.compare(KNeighborsClassifier(1), KNeighborsClassifier(15), X, y)


@pytest.mark.question("Are 1-NN and 15-NN within 8 points on noisy rings?")
@pytest.mark.expect(pytest.approx(0, abs=0.08))
def exp_equivalent_over_a_crossing(exp):
    X, y = exp.sample(*noisy_rings(), stratify=True)
    return exp.compare(KNeighborsClassifier(1), KNeighborsClassifier(15), X, y)


@pytest.mark.question("Are the 10 best of 500 noise columns, chosen up front, at most 60% right?")
@pytest.mark.expect("<= 0.6")
def exp_leak(exp):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5_000, 500)), rng.integers(0, 2, 5_000)
    X, y = exp.sample(X, y, stratify=True)
    X = SelectKBest(f_classif, k=10).fit_transform(X, y)  # fitted before cross-validation
    return exp.score(LogisticRegression(), X, y)


@pytest.mark.question("Does an RBF SVC reach 95% on digits?")
@pytest.mark.expect(">= 0.95")
def exp_plain_number(exp):
    X, y = exp.sample(*load_digits(return_X_y=True), stratify=True)
    return cross_val_score(SVC(), X, y, cv=3).mean()


@pytest.mark.question("Is logistic regression 60% right, and a tree at most 30 leaves?")
@pytest.mark.expect("accuracy >= 0.6 and leaves <= 30")
def exp_plain_number_in_a_dict(exp):
    X, y = exp.sample(*make_classification(5_000, flip_y=0.2, random_state=1), stratify=True)
    tree = DecisionTreeClassifier(min_samples_leaf=20, random_state=0).fit(X, y)
    return {"accuracy": exp.score(LogisticRegression(), X, y), "leaves": int(tree.get_n_leaves())}


@pytest.mark.question("Does the stratified sample keep all 10 digits?")
@pytest.mark.expect("== 10")
def exp_structural_number(exp):
    _, y = exp.sample(*load_digits(return_X_y=True), stratify=True)
    return len(np.unique(y))


@pytest.mark.question("Does least squares explain 80% of a spiked regression?")
@pytest.mark.expect(">= 0.8")
def exp_double_descent(exp):
    rng = np.random.default_rng(81)
    factors = rng.normal(size=(656, 10))
    X = factors @ (rng.normal(size=(10, 500)) / np.sqrt(10)) + 0.3 * rng.normal(size=(656, 500))
    y = factors @ rng.normal(size=10) + 0.5 * rng.normal(size=656)
    X, y = exp.sample(X, y)
    return exp.score(LinearRegression(), X, y)
"""

#: Verdicts on all the data (measured once; the full-data test checks them).
FULL = {
    "exp_crossing": "refuted",
    "exp_equivalent_over_a_crossing": "confirmed",
    "exp_leak": "confirmed",
    "exp_plain_number": "confirmed",
    "exp_plain_number_in_a_dict": "refuted",
    "exp_structural_number": "confirmed",
    "exp_double_descent": "refuted",
}

RESULTS = """
import json

def pytest_runtest_logreport(report):
    data = getattr(report, "experiment", None)
    if data:
        with open("results.jsonl", "a") as stream:
            stream.write(json.dumps(data) + "\\n")
"""


def results(path: Path) -> dict[str, dict[str, object]]:
    lines = (path / "results.jsonl").read_text().splitlines()
    found = [json.loads(line) for line in lines]
    (path / "results.jsonl").unlink()
    return {str(result["nodeid"]).rsplit("::", 1)[-1]: result for result in found}


@pytest.fixture
def examples(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(RESULTS)
    pytester.makepyfile(test_examples=EXAMPLES)
    return pytester


def test_a_sample_never_contradicts_all_the_data(examples: pytest.Pytester) -> None:
    run = examples.runpytest_subprocess("--sample", "0.05", "-n", "2", "--no-journal")
    assert "INTERNALERROR" not in run.stdout.str()
    sample = results(examples.path)
    assert {name: result["status"] for name, result in sample.items()} == {
        "exp_crossing": "inconclusive",  # 1-NN leads on the sample; 15-NN on all the data
        "exp_equivalent_over_a_crossing": "inconclusive",
        "exp_leak": "inconclusive",
        "exp_plain_number": "inconclusive",
        "exp_plain_number_in_a_dict": "inconclusive",
        "exp_structural_number": "confirmed",
        "exp_double_descent": "inconclusive",
    }
    notes = {name: str(result["note"]) for name, result in sample.items()}
    assert "not taken as confirmed" in notes["exp_crossing"]
    # the leak shows as a curve that does not hold its shape, or as a fall from a smaller look
    assert "not taken as refuted" in notes["exp_leak"] or "a leak?" in notes["exp_leak"]
    assert "a plain value" in notes["exp_plain_number"]
    assert "return an estimate (exp.score, exp.compare) or run --full" in notes["exp_plain_number"]
    assert "leaves was " in notes["exp_plain_number_in_a_dict"]
    assert "double descent" in notes["exp_double_descent"]


def test_the_full_data_verdicts_are_what_the_sample_held_back(examples: pytest.Pytester) -> None:
    examples.runpytest_subprocess("--full", "-n", "2", "--no-journal")
    full = results(examples.path)
    assert {name: result["status"] for name, result in full.items()} == FULL


LOSS = """
import pytest
from sklearn.datasets import make_friedman1
from sklearn.metrics import make_scorer, mean_squared_error, root_mean_squared_error
from sklearn.neighbors import KNeighborsRegressor


@pytest.mark.question("Is 15-NN's RMSE at most 2.4?")
@pytest.mark.expect("<= 2.4")
def exp_loss_as_a_score(exp):
    X, y = exp.sample(*make_friedman1(2_000, random_state=0))
    return exp.score(KNeighborsRegressor(15), X, y, scoring=make_scorer(root_mean_squared_error))


@pytest.mark.question("Is 15-NN's RMSE at most 2.4 (written as a loss)?")
@pytest.mark.expect("<= 2.4")
def exp_loss_callable(exp):
    X, y = exp.sample(*make_friedman1(2_000, random_state=0))

    def rmse_loss(estimator, X, y):
        return root_mean_squared_error(y, estimator.predict(X))

    return exp.score(KNeighborsRegressor(15), X, y, scoring=rmse_loss)
"""


def test_a_loss_passed_as_a_score_is_an_error_that_names_the_fix(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(RESULTS)
    pytester.makepyfile(test_loss=LOSS)
    run = pytester.runpytest_subprocess("--sample", "0.2", "--no-journal", "-rf")
    run.stdout.fnmatch_lines(
        [
            "FAILED *exp_loss_as_a_score *scoring=make_scorer(root_mean_squared_error) scores "
            "the loss root_mean_squared_error as if greater were better; write "
            "make_scorer(root_mean_squared_error, greater_is_better=False) or "
            "scoring='neg_root_mean_squared_error'  20%*",
        ]
    )
    found = results(pytester.path)
    loss = found["exp_loss_callable"]
    # the rmse of a smaller sample is higher: never refuted for it, it falls with more data
    assert loss["status"] in ("inconclusive", "confirmed")
    assert loss["answer"]["trend"] == "falls"  # type: ignore[index]
