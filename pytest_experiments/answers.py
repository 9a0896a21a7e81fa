"""Answers: what an experiment returns, checked, made JSON-safe and shown to people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import AnswerError
from .jsonsafe import NotJSONSafe, to_jsonable


def normalize_answer(value: Any) -> Any:
    """Return the answer as JSON-safe Python values, or raise :class:`AnswerError` saying why."""
    if value is None:
        raise AnswerError(
            "returned no answer; return the value that answers the question "
            "(a number, string, bool or dict of named values)"
        )
    if isinstance(value, type) or (callable(value) and not hasattr(value, "to_json")):
        raise AnswerError(
            f"returned {value!r}; return the value that answers the question "
            "(a number, string, bool or dict of named values), not a function or class"
        )
    try:
        return to_jsonable(value)
    except NotJSONSafe as error:
        raise AnswerError(
            f"returned an answer containing {error}; return numbers, strings, bools, "
            "lists or a dict of named values"
        ) from None


def format_value(value: Any) -> str:
    """A short human form: floats to 4 significant digits, dicts as ``name=value`` pairs."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int):
        return f"{value}"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{key}={format_value(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        shown = [format_value(item) for item in value[:8]]
        more = ", ..." if len(value) > 8 else ""
        return "[" + ", ".join(shown) + more + "]"
    return str(value)
