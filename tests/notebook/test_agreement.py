"""How a sample verdict compares with the full-data verdict: inconclusive is undecided, never
a disagreement; a decisive sample verdict the full data did not reach is counted apart."""

from __future__ import annotations

import pytest

from pytest_experiments.notebook.history import agreement_outcome, agreement_summary


@pytest.mark.parametrize(
    ("sample", "full", "outcome"),
    [
        ("confirmed", "confirmed", "agreed"),
        ("refuted", "refuted", "agreed"),
        ("confirmed", "refuted", "contradicted"),
        ("refuted", "confirmed", "contradicted"),
        ("inconclusive", "confirmed", "undecided"),
        ("inconclusive", "inconclusive", "undecided"),
        ("confirmed", "inconclusive", "unsupported"),
    ],
)
def test_each_pair_of_verdicts_has_one_outcome(sample: str, full: str, outcome: str) -> None:
    assert agreement_outcome(sample, full) == outcome


def test_the_summary_counts_each_outcome_apart() -> None:
    assert agreement_summary({"agreed": 3, "undecided": 2}) == (
        "sample verdicts against the nearest full-data verdict: 3 agreed, 0 contradicted, "
        "2 undecided (inconclusive on the sample)"
    )
    assert agreement_summary({"agreed": 1, "unsupported": 1}).endswith(
        ", 1 decided where all the data did not"
    )
