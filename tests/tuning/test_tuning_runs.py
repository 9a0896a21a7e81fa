"""Tuning experiments in runs: journaled trials, resuming a killed search, exp.tuned and
exp.narrowed, serially and under xdist."""

from __future__ import annotations

import json
import sqlite3

import pytest

COUNTED = """
import os, signal
from pathlib import Path

import pytest
from sklearn.tree import DecisionTreeClassifier
from sklearn.datasets import load_breast_cancer


class CountedTree(DecisionTreeClassifier):
    def fit(self, X, y, **kwargs):
        fits = Path(os.environ["FITS"])
        with fits.open("a") as stream:
            stream.write("fit\\n")
        done = len(fits.read_text().splitlines())
        if os.environ.get("KILL_AT") and done == int(os.environ["KILL_AT"]):
            os.kill(os.getpid(), signal.SIGKILL)
        return super().fit(X, y, **kwargs)


@pytest.mark.question("Does a tuned tree beat its defaults on breast cancer?")
@pytest.mark.expect("gain > -1")
def exp_tune_tree(exp):
    X, y = load_breast_cancer(return_X_y=True)
    return exp.tune(CountedTree(random_state=0), {"max_depth": [1, 2, 3, 5]}, X, y, cv=3)
"""


def fits(path: object) -> int:
    from pathlib import Path

    file = Path(str(path))
    return len(file.read_text().splitlines()) if file.exists() else 0


def test_a_killed_search_resumes_without_recomputing_its_trials(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_study=COUNTED)
    counter = pytester.path / "fits.txt"
    monkeypatch.setenv("FITS", str(counter))
    complete = pytester.path / "complete.txt"
    # a search from scratch, for the count: 4 candidates x 3 folds, nested 5 x (4 x 3 + 2)
    monkeypatch.setenv("FITS", str(complete))
    pytester.runpytest_subprocess("--full", "--no-journal", "-p", "no:cacheprovider")
    total = fits(complete)
    assert total == 4 * 3 + 5 * (4 * 3 + 2)
    # killed after 30 fits, then run again: only what was not finished is fitted
    monkeypatch.setenv("FITS", str(counter))
    monkeypatch.setenv("KILL_AT", "30")
    pytester.runpytest_subprocess("--full", "-p", "no:cacheprovider")
    assert fits(counter) == 30
    monkeypatch.delenv("KILL_AT")
    result = pytester.runpytest_subprocess("--full", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["CONFIRMED    test_study.py::exp_tune_tree *(4 trials, * from the journal)*"]
    )
    redone = fits(counter) - 30
    assert redone < total - 30 + 3  # at most the unit cut short by the kill is fitted again
    with sqlite3.connect(pytester.path / ".experiments" / "journal.sqlite") as connection:
        (answer,) = connection.execute(
            "SELECT answer FROM results WHERE status = 'confirmed'"
        ).fetchone()
    trials = json.loads(answer)["trials"]
    assert [trial["params"]["max_depth"] for trial in trials] != []
    assert trials == sorted(trials, key=lambda trial: -trial["score"])


FED = """
import pytest
from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.svm import SVC


@pytest.mark.question("Does the tuned SVC hold up?")
@pytest.mark.expect(">= 0.9")
def exp_tuned_svc(exp):
    X, y = exp.sample(*load_digits(return_X_y=True), stratify=True)
    return exp.score(SVC(**exp.tuned("exp_tune_svc")), X, y)


@pytest.mark.question("Does tuning C and gamma make an RBF SVC beat its defaults on digits?")
@pytest.mark.expect("gain > -0.1 and best >= 0.9")
def exp_tune_svc(exp):
    X, y = exp.sample(*load_digits(return_X_y=True), stratify=True)
    return exp.tune(SVC(), {"C": loguniform(1e-1, 1e3), "gamma": loguniform(1e-5, 1e-1)},
                    X, y, n_iter=8, baseline=SVC())


@pytest.mark.question("Is the best region narrower than the first search suggested?")
@pytest.mark.expect("gain >= -0.1")
def exp_tune_svc_narrow(exp):
    X, y = exp.sample(*load_digits(return_X_y=True), stratify=True)
    return exp.tune(SVC(), exp.narrowed("exp_tune_svc", top=3), X, y, n_iter=4,
                    baseline=SVC(**exp.tuned("exp_tune_svc")))
"""


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_tuned_parameters_feed_later_experiments_in_the_same_run(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    pytester.makepyfile(test_study=FED)
    result = pytester.runpytest_subprocess("--sample", "0.2", "-p", "no:cacheprovider", *xdist)
    assert result.ret == 0, result.stdout.str()
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == outcomes.get("error", 0) == 0, result.stdout.str()
    with sqlite3.connect(pytester.path / ".experiments" / "journal.sqlite") as connection:
        rows = dict(connection.execute("SELECT nodeid, answer FROM results").fetchall())
    tuned = json.loads(rows["test_study.py::exp_tune_svc"])
    narrowed = json.loads(rows["test_study.py::exp_tune_svc_narrow"])
    first = tuned["search"]["space"]["C"]
    second = narrowed["search"]["space"]["C"]
    assert first["dist"] == second["dist"] == "loguniform"
    assert first["low"] <= second["low"] <= second["high"] <= first["high"]
    show = pytester.run("pytest-experiments", "show", "exp_tune_svc")
    show.stdout.fnmatch_lines(["*trials (8, best first)*"])
    if not xdist:
        return
    report = pytester.run("pytest-experiments", "report", "--html", "report.html")
    assert report.ret == 0
    page = (pytester.path / "report.html").read_text()
    assert "trials: 8, best first" in page and "Trial scores against each parameter" in page
    exported = pytester.run("pytest-experiments", "export", "--format", "jsonl")
    rows = [json.loads(line) for line in exported.stdout.lines if line.strip()]
    (tuning,) = [row for row in rows if row["nodeid"].endswith("::exp_tune_svc")]
    assert len(tuning["answer"]["trials"]) == 8


def test_exp_tuned_of_an_experiment_never_run_says_to_run_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest
        from sklearn.svm import SVC

        @pytest.mark.question("Q?")
        def exp_reads(exp):
            return str(SVC(**exp.tuned("exp_tune_nothing")))
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        [
            "*exp.tuned('exp_tune_nothing'): no tuning experiment of that name in the journal or "
            "this run; run it first (pytest -k exp_tune_nothing)*"
        ]
    )
