"""Answers: what an experiment returns, checked, made JSON-safe and shown to people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_experiments.errors import AnswerError
from pytest_experiments.formatting import number_text
from pytest_experiments.jsonsafe import NotJSONSafe, to_jsonable
from pytest_experiments.stats.estimates import Estimate


def normalize_answer(value: Any) -> Any:
    """Return the answer as plain Python values (estimates kept as :class:`Estimate`), or raise
    :class:`AnswerError` saying why."""
    if value is None:
        raise AnswerError(
            "returned no answer; return the value that answers the question "
            "(a number, string, bool or dict of named values)"
        )
    if isinstance(value, type) or (callable(value) and not hasattr(value, "to_json")):
        kind = "the class" if isinstance(value, type) else "the function"
        name = getattr(value, "__qualname__", type(value).__qualname__)
        raise AnswerError(
            f"returned {kind} {name}; return the value that answers the question "
            "(a number, string, bool or dict of named values), not a function or class"
        )
    try:
        return to_jsonable(value, keep=(Estimate,))
    except NotJSONSafe as error:
        raise AnswerError(
            f"returned an answer containing {error}; return numbers, strings, bools, "
            "lists or a dict of named values"
        ) from None


def format_value(value: Any) -> str:
    """A short human form: floats to 4 significant digits, dicts as ``name=value`` pairs."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, Estimate):
        return str(value)
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        search = value.get("search")
        if isinstance(search, Mapping) and search.get("kind") == "tuning":
            return _tuning_text(value)
        return ", ".join(f"{key}={format_value(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        shown = [format_value(item) for item in value[:8]]
        more = ", ..." if len(value) > 8 else ""
        return "[" + ", ".join(shown) + more + "]"
    return str(value)


def _tuning_text(value: Mapping[str, Any]) -> str:
    """A tuning result in short: its estimates, the winner, and how many trials (all of them
    are in the journal, ``pytest-experiments show`` lists them)."""
    parts = [f"{key}={format_value(value[key])}" for key in ("best", "gain") if key in value]
    params = value.get("params")
    if isinstance(params, Mapping):
        parts.append("params=(" + format_value(params) + ")")
    search = value["search"]
    trials = f"{search.get('candidates')} trials"
    if search.get("cached"):
        trials += f", {search['cached']} from the journal"
    if search.get("stopped"):
        trials += ", stopped by its budget"
    return ", ".join(parts) + f" ({trials})"
