"""``--budget DURATION``: run the experiments that fit the time, the most important first.

Importance, strongest first: ``@pytest.mark.priority(N)`` (higher N first; unmarked experiments
have priority 0, so a negative N means "only if there is time left"), then the experiments
whose answer was never known, then those whose answer is oldest, then collection order.

Experiments are taken in that order and kept when the batch, scheduled longest first on the
run's workers (``-n N``; the budget is wall-clock), still ends within :data:`HEADROOM` of the
budget; one that does not fit is left out and the next, possibly shorter, is tried. Estimates
come from :mod:`runtime`; the plain tests are always kept and their time counted when the
journal knows it. The ones left out are deselected, like ``-k`` deselects.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from pytest_experiments.errors import DefinitionError
from pytest_experiments.settings import SettingError, parse_duration

__all__ = ["parse_duration"]

#: The batch is planned to end by this share of the budget: estimates are good to a few tens of
#: percent, and a morning that finds the run still going has lost the point of the budget.
HEADROOM = 0.9

PRIORITY_MARKER = "priority"
PRIORITY_HELP = (
    "priority(n): with --budget, experiments with a higher n run first (default 0; negative "
    "means only if time is left)."
)


def budget_option(text: str) -> float:
    """argparse ``type=`` for ``--budget`` (argparse names the option in its message)."""
    try:
        return parse_duration(text)
    except SettingError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


budget_option.__name__ = "duration"


def read_priority(item: pytest.Item) -> int:
    """The experiment's ``@pytest.mark.priority(n)``, 0 without one."""
    marker = item.get_closest_marker(PRIORITY_MARKER)
    if marker is None:
        return 0
    value = marker.args[0] if len(marker.args) == 1 and not marker.kwargs else None
    if not isinstance(value, int) or isinstance(value, bool):
        shown = ", ".join(
            [*map(repr, marker.args), *(f"{k}={v!r}" for k, v in marker.kwargs.items())]
        )
        raise DefinitionError(
            f"@pytest.mark.priority takes one whole number, got ({shown}); write "
            "@pytest.mark.priority(2) (higher runs first under --budget; default 0)"
        )
    return value


@dataclass(frozen=True)
class Candidate:
    """An experiment the budget may run."""

    nodeid: str
    cost: float
    priority: int = 0
    #: When its newest answer was journaled (Unix time); None: never answered.
    answered: float | None = None
    #: Position in the collection, the last tie-break.
    index: int = 0


def importance(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Most important first: priority, never answered, oldest answer, collection order."""
    return sorted(
        candidates,
        key=lambda c: (
            -c.priority,
            c.answered is not None,
            c.answered or 0.0,
            c.index,
        ),
    )


@dataclass(frozen=True)
class Choice:
    """What the budget keeps and leaves out, and the kept batch's estimated wall-clock time."""

    kept: list[Candidate]
    dropped: list[Candidate]
    wall: float
    limit: float


def choose(
    candidates: Sequence[Candidate],
    budget: float,
    workers: int,
    *,
    tests: float = 0.0,
    overhead: float = 0.0,
    headroom: float = HEADROOM,
) -> Choice:
    """Keep as many experiments as fit ``budget`` seconds on ``workers``, most important first."""
    limit = budget * headroom
    kept: list[Candidate] = []
    dropped: list[Candidate] = []
    from pytest_experiments.downtime.runtime import wall_clock

    wall = wall_clock([], workers, tests=tests, overhead=overhead)
    for candidate in importance(candidates):
        trial = wall_clock(
            [c.cost for c in [*kept, candidate]], workers, tests=tests, overhead=overhead
        )
        if trial <= limit:
            kept.append(candidate)
            wall = trial
        else:
            dropped.append(candidate)
    return Choice(kept=kept, dropped=dropped, wall=wall, limit=limit)
