"""A tuning experiment's estimate follows the trials its code asks for: journaled with
``n_iter=4``, the plan for ``n_iter=8`` is about twice as long, and says why; ``--budget``
uses the same estimate."""

from __future__ import annotations

import re

import pytest

from pytest_experiments.downtime.search_cost import planned_trials

SUITE = """
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression


@pytest.mark.question("Does tuning C help?")
def exp_tune_c(exp):
    X, y = exp.sample(*load_iris(return_X_y=True), stratify=True)
    return exp.tune(LogisticRegression(max_iter=200), {"C": [0.01, 0.1, 1, 10, 100, 1000, 3, 30]},
                    X, y, n_iter=TRIALS)
"""


def estimate(output: str) -> float:
    found = re.search(r"about ([\d.]+)s at 100%", output)
    assert found is not None, output
    return float(found.group(1))


def test_the_plan_scales_a_search_by_its_planned_trials(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_tune=SUITE.replace("TRIALS", "4"))
    ran = pytester.runpytest_subprocess("-p", "no:randomly", "--full")
    assert ran.ret == 0, ran.stdout.str()
    same = pytester.runpytest_subprocess("-p", "no:randomly", "--full", "--exp-plan")
    assert "trials planned" not in same.stdout.str()
    pytester.makepyfile(test_tune=SUITE.replace("TRIALS", "8"))
    plan = pytester.runpytest_subprocess("-p", "no:randomly", "--full", "--exp-plan")
    text = plan.stdout.str()
    assert "(8 trials planned, 4 journaled)" in text
    assert estimate(text) == pytest.approx(2 * estimate(same.stdout.str()), rel=0.02, abs=0.02)


@pytest.mark.parametrize(
    ("source", "trials"),
    [
        ("def f(exp):\n    return exp.tune(m, s, X, y, n_iter=30)\n", 30),
        (
            "def f(exp):\n    a = exp.tune(m, s, X, y, n_iter=3)\n"
            "    return exp.tune(m, s, X, y, n_iter=5)\n",
            8,
        ),
        ("def f(exp):\n    return exp.tune(m, s, X, y, n_iter=N)\n", None),
        ("def f(exp):\n    return exp.tune(m, s, X, y, method='grid')\n", None),
    ],
)
def test_planned_trials_are_the_n_iter_literals(source: str, trials: int | None) -> None:
    namespace: dict[str, object] = {}
    exec(compile(source, "<test>", "exec"), namespace)
    function = namespace["f"]
    import linecache

    linecache.cache["<test>"] = (len(source), None, source.splitlines(True), "<test>")
    assert planned_trials(function) == trials
