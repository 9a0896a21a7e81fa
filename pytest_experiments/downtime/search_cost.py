"""A tuning experiment's cost, trial by trial, for ``--exp-plan`` and ``--budget``.

The runtime model (:mod:`.runtime`) fits an experiment's whole duration to the rows it saw.
For an ``exp.tune`` search that holds only while the search keeps its size: change ``n_iter``
from 12 to 30 and the fit is 2.5x low. So for an experiment whose newest timed answer is a
tuning result, the estimate is scaled by the trials its code now asks for::

    estimate = fitted estimate * planned trials / journaled trials

The journaled trials are the candidates of that result's search (its ``trials``); a nested
search fits every candidate once per outer fold too, so its cost grows with the candidates,
which is what the scale assumes (the baseline's and the winner's refits are a small share).
The planned trials are the ``n_iter=`` literals of the ``exp.tune`` calls in the experiment's
source (summed over calls); without one (a grid, or ``n_iter`` from a variable) the scale is 1.

What it leaves out: trials cached in the journal (an unchanged search on the same rows
recomputes nothing, so the estimate is then pessimistic) and ``budget=`` inside ``exp.tune``.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Iterable
from typing import Any

from pytest_experiments.notebook.journal import ResultRow
from pytest_experiments.tuning.results import is_tuning

#: Statuses whose duration says what a search costs.
_TIMED = ("confirmed", "refuted", "inconclusive", "answered")


def planned_trials(function: Any) -> int | None:
    """The sum of the ``n_iter=`` integer literals of ``exp.tune(...)`` calls in the
    function's source, or None when there is no such literal."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None
    total, found = 0, False
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "tune"
        ):
            continue
        for keyword in node.keywords:
            value = keyword.value
            if (
                keyword.arg == "n_iter"
                and isinstance(value, ast.Constant)
                and isinstance(value.value, int)
                and not isinstance(value.value, bool)
                and value.value > 0
            ):
                total += value.value
                found = True
    return total if found else None


def journaled_trials(rows: Iterable[ResultRow]) -> int | None:
    """The candidates of the newest timed tuning result among ``rows`` (newest first)."""
    for row in rows:
        if row.status not in _TIMED or row.data.get("reused_from") is not None:
            continue
        if not is_tuning(row.answer):
            return None
        trials = row.answer.get("trials")
        return len(trials) if isinstance(trials, list) and trials else None
    return None


def trial_scale(function: Any, rows: Iterable[ResultRow]) -> tuple[float, str] | None:
    """``(factor, note)`` to scale a tuning experiment's fitted estimate by, or None."""
    journaled = journaled_trials(rows)
    if journaled is None:
        return None
    planned = planned_trials(function)
    if planned is None or planned == journaled:
        return None
    return planned / journaled, f"{planned} trials planned, {journaled} journaled"
