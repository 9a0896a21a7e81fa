"""The numbers inside journaled answers, for diffs, reports and plots.

An answer read back from the journal is plain JSON: a number, a bool, a string, a list, an
estimate (``{"kind": "estimate", "value": ..., "low": ..., "high": ..., "level": ..., "n": ...,
"method": ...}``) or a dict of named values, each of which may be an estimate. This module finds
the numbers in those shapes without knowing which code produced them, so that a journal written
by a later version (new answer kinds) still reads: what is not recognised is shown as text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pytest_experiments.formatting import bound_text, estimate_text, interval_text, number_text

#: The key of a scalar answer in :func:`numeric_parts`; named values use their own names.
SCALAR = ""


@dataclass(frozen=True)
class Number:
    """One number in an answer, with its interval when the answer is an estimate."""

    value: float
    low: float | None = None
    high: float | None = None
    level: float | None = None
    n: int | None = None
    method: str | None = None

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None

    def text(self) -> str:
        """``0.871`` or ``0.871 [0.842, 0.897]``."""
        if self.has_interval:
            return estimate_text(self.value, self.low, self.high)
        return number_text(self.value)

    def interval_text(self) -> str | None:
        """``[0.842, 0.897] at 95% (wilson, n=300)``, or None for a plain number."""
        if not self.has_interval:
            return None
        details = [part for part in (self.method, f"n={self.n:,}" if self.n else None) if part]
        level = f" at {self.level * 100:.3g}%" if self.level is not None else ""
        extra = f" ({', '.join(details)})" if details else ""
        return f"{interval_text(self.low, self.high)}{level}{extra}"


def loads(text: str | None) -> Any:
    """Parse a JSON column; ``None`` for NULL or text that is not JSON (a damaged row)."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def is_estimate(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and value.get("kind") == "estimate"
        and _is_number(value.get("value"))
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _optional_float(value: Any) -> float | None:
    return float(value) if _is_number(value) else None


def as_number(value: Any) -> Number | None:
    """The number a value stands for (a plain number or an estimate), or None."""
    if _is_number(value):
        return Number(float(value))
    if is_estimate(value):
        n = value.get("n")
        method = value.get("method")
        return Number(
            float(value["value"]),
            low=_optional_float(value.get("low")),
            high=_optional_float(value.get("high")),
            level=_optional_float(value.get("level")),
            n=n if isinstance(n, int) and not isinstance(n, bool) else None,
            method=method if isinstance(method, str) else None,
        )
    return None


def numeric_parts(answer: Any) -> dict[str, Number]:
    """The numbers of an answer by name: ``{"": n}`` for a scalar, ``{name: n}`` for a dict.

    Dict entries that are not numbers (strings, lists) are left out; an answer with no numbers
    gives an empty dict.
    """
    number = as_number(answer)
    if number is not None:
        return {SCALAR: number}
    if isinstance(answer, Mapping):
        parts = {}
        for key, item in answer.items():
            found = as_number(item)
            if found is not None:
                parts[str(key)] = found
        return parts
    return {}


def change_text(old: float, new: float, estimate: bool = False) -> str:
    """``+0.045`` or ``-0.012, -27.3%``: the absolute change (in the form of the numbers it
    is the difference of: an estimate's three decimals, a plain number's four digits), and the
    relative one when it means something (the old value is finite and not zero)."""
    delta = new - old
    if not math.isfinite(delta):
        return "n/a"
    shown = bound_text(delta) if estimate else number_text(delta)
    text = shown if shown.startswith("-") else "+" + shown
    if old != 0 and math.isfinite(old):
        relative = delta / abs(old) * 100
        text += f", {relative:+.3g}%" if abs(relative) < 1000 else f", {relative:+,.0f}%"
    return text
