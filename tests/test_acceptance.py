"""The core issue's acceptance example, exactly as a user writes it, with and without xdist.

Its answers are plain numbers (``cross_val_score(...).mean()``, what most users write first).
On all the data they are judged as they are; on a sample a plain number that moves with the
size of the sample (every mean score does) is inconclusive and says to return an estimate or
run ``--full``, while one that does not move (the majority class) keeps its verdict.
"""

from __future__ import annotations

import re

import pytest

ISSUE_EXAMPLE = """
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def test_digits_have_64_features():          # a unit test: untouched by the plugin
    assert load_digits().data.shape[1] == 64


@pytest.mark.question("Is an RBF SVC at least 90% accurate on digits?")
@pytest.mark.expect(">= 0.9")
@pytest.mark.sample(0.5)
def exp_svc_accuracy(exp):
    X, y = exp.sample(*load_digits(return_X_y=True), stratify=True)
    return cross_val_score(SVC(), X, y, cv=3).mean()


@pytest.mark.question("Is k-NN accurate on wine without scaling?")
@pytest.mark.expect(">= 0.9")                # wrong on purpose: refuted, not an error
def exp_knn_unscaled(exp):
    X, y = exp.sample(*load_wine(return_X_y=True), stratify=True)
    return cross_val_score(KNeighborsClassifier(), X, y, cv=3).mean()


@pytest.mark.question("Which class is the majority in breast cancer?")
@pytest.mark.expect(1)
def exp_majority_class(exp):
    _, y = exp.sample(*load_breast_cancer(return_X_y=True))
    return int(np.bincount(y).argmax())


@pytest.mark.question("Is scaled logistic regression accurate and small?")
@pytest.mark.expect("accuracy >= 0.9 and n_features == 30")
def exp_two_numbers(exp):
    X, y = exp.sample(*load_breast_cancer(return_X_y=True), stratify=True)
    model = make_pipeline(StandardScaler(), LogisticRegression())
    exp.record(cv_folds=3)                   # kept with the result, not part of the answer
    return {"accuracy": cross_val_score(model, X, y, cv=3).mean(), "n_features": X.shape[1]}
"""

EXPECTED_VERDICTS = {
    "test_digits_have_64_features": "PASSED",
    "exp_svc_accuracy": "CONFIRMED",
    "exp_knn_unscaled": "REFUTED",
    "exp_majority_class": "CONFIRMED",
    "exp_two_numbers": "CONFIRMED",
}

EXPECTED_SAMPLE_VERDICTS = {
    "test_digits_have_64_features": "PASSED",
    "exp_svc_accuracy": "INCONCLUSIVE",
    "exp_knn_unscaled": "INCONCLUSIVE",
    "exp_majority_class": "CONFIRMED",
    "exp_two_numbers": "INCONCLUSIVE",
}


def verbose_words(lines: list[str]) -> dict[str, str]:
    """Map test name -> the verbose outcome word pytest -v printed for it."""
    words: dict[str, str] = {}
    for line in lines:
        match = re.search(r"::(\w+) (PASSED|CONFIRMED|REFUTED|INCONCLUSIVE|FAILED|ERROR)", line)
        if match is None:
            match = re.search(
                r"(PASSED|CONFIRMED|REFUTED|INCONCLUSIVE|FAILED|ERROR) .*::(\w+)", line
            )
            if match is not None:
                words[match.group(2)] = match.group(1)
            continue
        words[match.group(1)] = match.group(2)
    return words


def experiments_section(lines: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(lines) if re.match(r"=+ experiments =+", line))
    section = []
    for line in lines[start + 1 :]:
        if line.startswith("="):
            break
        if not line.startswith("journal:"):
            section.append(re.sub(r"\d+\.\d\ds$", "<time>", line))
    return section


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_issue_example_gives_the_promised_verdicts(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    pytester.makepyfile(test_study=ISSUE_EXAMPLE)
    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider", "--full", *xdist)

    assert result.ret == 1
    assert verbose_words(result.outlines) == EXPECTED_VERDICTS
    result.stdout.fnmatch_lines(["*= 1 passed, 3 confirmed, 1 refuted in *"])
    result.stdout.fnmatch_lines(
        [
            "*= assumptions refuted =*",
            "*test_study.py::exp_knn_unscaled*",
            "question:    Is k-NN accurate on wine without scaling?",
            "expected:    >= 0.9",
            "answer:      0.*",
            "sample:      full data (178 rows), seed *",
        ]
    )
    assert "Traceback" not in result.stdout.str()
    assert "INTERNALERROR" not in result.stdout.str()

    sample = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider", *xdist)
    assert sample.ret == 0
    assert verbose_words(sample.outlines) == EXPECTED_SAMPLE_VERDICTS
    sample.stdout.fnmatch_lines(
        [
            "*exp_knn_unscaled: answer was 0.* on 25 rows and is 0.* on 100 rows: a plain value "
            "that moves with the size of the sample is not settled by a subsample; return an "
            "estimate (exp.score, exp.compare) or run --full",
        ]
    )


def test_summary_and_exit_status_are_the_same_with_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_study=ISSUE_EXAMPLE)
    serial = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    parallel = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")

    assert serial.ret == parallel.ret == 0
    assert experiments_section(serial.outlines) == experiments_section(parallel.outlines)
    verdict_lines = [
        line for line in experiments_section(serial.outlines) if line.startswith(("CONF", "INCO"))
    ]
    assert len(verdict_lines) == 4
