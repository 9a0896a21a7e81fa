"""How numbers read, in one place: the terminal, ``show``, ``diff``, ``report`` and the HTML
page all print an answer with these functions, so the same answer reads the same everywhere.

Two rules:

* an estimate (its value and the bounds of its interval) has three decimals below 1,000 and
  four significant digits from there on, so that a value and its bounds line up
  (``0.980 [0.944, 1.000]``);
* any other number is shown whole when it is whole (``3``, ``12000``) and to four significant
  digits otherwise (``0.5``, ``2.718``).
"""

from __future__ import annotations

import math


def number_text(value: float | None) -> str:
    """A plain number: whole numbers whole, others to four significant digits; ``?`` for
    None."""
    if value is None:
        return "?"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def bound_text(value: float | None) -> str:
    """One number of an estimate (its value or a bound of its interval)."""
    if value is None:
        return "?"
    value = float(value)
    if math.isfinite(value) and abs(value) < 1000:
        return f"{value:.3f}"
    return f"{value:.4g}"


def interval_text(low: float | None, high: float | None) -> str:
    """``[0.944, 1.000]``."""
    return f"[{bound_text(low)}, {bound_text(high)}]"


def estimate_text(value: float | None, low: float | None, high: float | None) -> str:
    """``0.980 [0.944, 1.000]``."""
    return f"{bound_text(value)} {interval_text(low, high)}"
