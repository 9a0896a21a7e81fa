"""pytest-experiments: machine-learning experiments as pytest tests of assumptions.

Write ``exp_*`` functions beside your tests::

    @pytest.mark.question("Is an RBF SVC at least 90% accurate on digits?")
    @pytest.mark.expect(">= 0.9")
    def exp_svc_accuracy(exp):
        X, y = exp.sample(*load_digits(return_X_y=True), stratify=True)
        return cross_val_score(SVC(), X, y, cv=3).mean()

The public API:

* :class:`Experiment` — the ``exp`` fixture's type (``fraction``, ``full``, ``seed``, ``rng``,
  ``sample``, ``record``);
* :class:`Estimate` — an answer with a confidence interval, from ``exp.score``,
  ``exp.compare``, ``exp.accuracy``, ``exp.proportion`` and ``exp.mean``;
* :class:`Verdict` — ``CONFIRMED``, ``REFUTED``, ``INCONCLUSIVE``;
* :class:`ExperimentResult` — what travels on each experiment's test report as
  ``report.experiment`` (a JSON-safe dict).
"""

from __future__ import annotations

from pytest_experiments.running.context import Experiment
from pytest_experiments.running.results import ExperimentResult
from pytest_experiments.stats.estimates import Estimate
from pytest_experiments.stats.verdicts import Verdict

__all__ = ["Estimate", "Experiment", "ExperimentResult", "Verdict"]
__version__ = "0.1.0"
