"""Running one experiment: the ``exp`` object it gets at setup, and its call, look by look.

Under ``--sample auto`` the body runs once per look (see
:mod:`pytest_experiments.stats.sequential`); the answer of the last look, with the intervals its
verdict used, becomes the result's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_experiments.jsonsafe import to_jsonable
from pytest_experiments.running.answers import format_value, normalize_answer
from pytest_experiments.running.context import Experiment
from pytest_experiments.running.item import ExperimentState
from pytest_experiments.settings import RunSettings, data_seed
from pytest_experiments.stats.evidence import Judging
from pytest_experiments.stats.sequential import Pilot, Sample, run_looks
from pytest_experiments.stats.stability import PILOT_SHARE, pilot_rows


def start(item: pytest.Item, state: ExperimentState, settings: RunSettings) -> None:
    """Make the experiment's ``exp`` object before its fixtures run."""
    result = state.result
    state.context = Experiment(
        item.nodeid,
        result.fraction,
        result.seed,
        settings.confidence,
        data_seed=data_seed(
            settings.seed, item.nodeid, item.name, getattr(item, "originalname", item.name)
        ),
    )


def call(pyfuncitem: pytest.Function, state: ExperimentState, settings: RunSettings) -> None:
    """Run the experiment's body at each look of its plan and keep the answer and verdict."""
    function = pyfuncitem.obj
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    assert state.spec is not None and state.context is not None
    expectation, context, result = state.spec.expectation, state.context, state.result

    # A fixture that sampled (or read exp.fraction) fixed the data before the body runs.
    fixed_in_setup = context.uses_fraction

    def run_at(fraction: float) -> tuple[Any, Sample]:
        if not fixed_in_setup:
            context.start_look(fraction)
        answer = normalize_answer(function(**arguments))
        return answer, Sample(
            context.rows, context.total_rows, context.uses_fraction, grows=not fixed_in_setup
        )

    def pilot_at(sample: Sample, fraction: float) -> Pilot:
        return _pilot(function, arguments, context, sample, fraction)

    outcome = run_looks(
        run_at,
        expectation,
        state.plan.fractions,
        context.confidence,
        rows_at=context.rows_for,
        pilot_at=pilot_at,
        exact_plain=settings.exact_plain_numbers,
        # A sample fixed in setup has one look, at the rows the fixture drew: nothing to budget.
        cost_at=(state.costs or _untimed) if state.plan.auto and not fixed_in_setup else None,
    )
    answer = outcome.answer
    result.looks, result.fraction = outcome.looks, outcome.fraction
    result.look_seconds = [list(look) for look in outcome.spent]
    result.straight = outcome.straight
    result.uses_fraction = context.uses_fraction
    if outcome.judgement is None:
        result.status = "answered"
    else:
        result.status = outcome.judgement.verdict.value
        result.note = "; ".join(outcome.judgement.notes) or None
        result.p_value = outcome.judgement.p_value
        result.level = outcome.level
        answer = Judging(level=outcome.level).prepare(answer)  # the intervals the verdict used
    result.answer = to_jsonable(answer)
    result.answer_text = format_value(answer)


def _untimed(fraction: float) -> float | None:
    """The cost of a look at an experiment the journal has no timing of: unknown."""
    return None


def _pilot(
    function: Callable[..., Any],
    arguments: dict[str, Any],
    context: Experiment,
    sample: Sample,
    fraction: float,
) -> Pilot:
    """Run the body once more on about a quarter of the look's rows (the checks of
    :mod:`pytest_experiments.stats.stability`), leaving the look's own state as it was."""
    if sample.rows is not None and sample.total_rows:
        rows = pilot_rows(sample.rows)
        if rows is None:
            return f"the sample's {sample.rows} rows leave no smaller sample to compare with"
        smaller = rows / sample.total_rows
    else:
        smaller = fraction * PILOT_SHARE
    kept = (context.rows, context.total_rows, context.recorded, context.uses_fraction)
    try:
        context.start_look(smaller, floor=False)
        answer = normalize_answer(function(**arguments))
        return answer, Sample(context.rows, context.total_rows, context.uses_fraction)
    except Exception as error:  # the experiment cannot run on so few rows: no evidence, no harm
        text = str(error).strip().splitlines()[0][:120] if str(error).strip() else ""
        return f"on a quarter of the rows it raised {type(error).__name__} ({text})"
    finally:
        context.start_look(fraction)
        context.rows, context.total_rows, context.recorded, context.uses_fraction = kept
