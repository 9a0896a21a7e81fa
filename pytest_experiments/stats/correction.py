"""Controlling the error rate across all the verdicts of a run.

Each verdict reached on estimates carries a p-value (see :mod:`pytest_experiments.stats.judgement`):
the verdict at confidence ``C`` is decisive exactly when ``p <= 1 - C``. With many experiments
in one run, some decisive verdicts are wrong by chance; adjusting the p-values and keeping only
the verdicts whose adjusted p-value stays at or below ``alpha = 1 - C`` controls

* ``holm`` — the family-wise error rate (the chance of any wrong decisive verdict), by Holm's
  step-down procedure (S. Holm, "A simple sequentially rejective multiple test procedure",
  Scandinavian Journal of Statistics 6, 1979), valid under any dependence;
* ``bh`` — the false discovery rate (the expected share of wrong verdicts among the decisive
  ones), by the Benjamini-Hochberg procedure (Y. Benjamini and Y. Hochberg, JRSS B 57, 1995)
  via :func:`scipy.stats.false_discovery_control`, valid for independent or positively
  dependent tests.

Verdicts on exact answers (plain numbers) carry no p-value and are left alone.
"""

from __future__ import annotations

from collections.abc import Sequence


def adjust(p_values: Sequence[float], method: str) -> list[float]:
    """Adjusted p-values, in the order given."""
    if method == "none" or not p_values:
        return list(p_values)
    if method == "holm":
        return holm(p_values)
    if method == "bh":
        from scipy.stats import false_discovery_control

        return [float(p) for p in false_discovery_control(list(p_values), method="bh")]
    raise ValueError(f"unknown correction {method!r}; use none, holm or bh")


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values: ``max_{j<=i} min(1, (m - j + 1) p_(j))``."""
    m = len(p_values)
    order = sorted(range(m), key=lambda index: p_values[index])
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted
