"""What the plugin keeps of one experiment item, from its collection to its report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pytest_experiments.running.context import Experiment
from pytest_experiments.running.results import ExperimentResult
from pytest_experiments.settings import SamplePlan
from pytest_experiments.spec.markers import ExperimentSpec


@dataclass
class ExperimentState:
    """Per-item state, kept in the item's stash (:data:`pytest_experiments.state.state_key`)."""

    #: What the markers declare; None when they could not be read (see ``problem``).
    spec: ExperimentSpec | None
    #: A definition error to report at setup instead of running, or None.
    problem: str | None
    #: The result, filled in from collection (question, seed) to the report (verdict).
    result: ExperimentResult
    #: The data shares this run looks at.
    plan: SamplePlan
    #: The ``exp`` fixture's object, made at setup.
    context: Experiment | None = None
    #: Seconds a look at a fraction should take, by the journal's runtime model (None: no
    #: history); ``--sample auto`` spends on smaller looks only what the full look can spare.
    costs: Callable[[float], float | None] | None = None
