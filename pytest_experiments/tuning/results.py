"""What a tuning result looks like once journaled: a dict with ``best``, ``gain``, ``params``,
``trials`` (best first) and ``search`` (``kind: "tuning"``, the method, the space as JSON).
Only the standard library: the command line reads these without numpy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: How a tuning result says it is one (its ``search`` entry's ``kind``).
TUNING_KIND = "tuning"


def is_tuning(answer: Any) -> bool:
    """Whether a (journaled) answer is a tuning result."""
    search = answer.get("search") if isinstance(answer, Mapping) else None
    return isinstance(search, Mapping) and search.get("kind") == TUNING_KIND


def trial_rows(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A tuning result's trials as rows: each parameter a column, then score and seconds."""
    rows = []
    for trial in answer.get("trials", ()):
        row = dict(trial.get("params", {}))
        row.update(score=trial.get("score"), rows=trial.get("rows"), seconds=trial.get("seconds"))
        rows.append(row)
    return rows
