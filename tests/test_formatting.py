"""One number formatter: an answer reads the same in the terminal, ``show``, ``diff``,
``report`` and the HTML page."""

from __future__ import annotations

import pytest

from pytest_experiments.formatting import bound_text, estimate_text, number_text
from pytest_experiments.notebook.answer_values import Number
from pytest_experiments.running.answers import format_value
from pytest_experiments.stats.estimates import Estimate


def test_an_estimate_reads_the_same_in_the_terminal_and_from_the_journal() -> None:
    estimate = Estimate(
        value=0.97982, low=0.94371, high=1.0, level=0.95, n=99, method="wilson", stats={}
    )
    journaled = Number(0.97982, 0.94371, 1.0, 0.95, 99, "wilson")
    assert format_value(estimate) == journaled.text() == "0.980 [0.944, 1.000]"
    assert journaled.interval_text() == "[0.944, 1.000] at 95% (wilson, n=99)"


@pytest.mark.parametrize(
    ("value", "text"),
    [(3, "3"), (12000, "12000"), (0.5, "0.5"), (2.718281, "2.718"), (3.0, "3"), (None, "?")],
)
def test_plain_numbers(value: float | None, text: str) -> None:
    assert number_text(value) == text
    if value is not None:
        assert Number(float(value)).text() == number_text(float(value))
        assert format_value(value) == text


def test_estimate_numbers_beyond_a_thousand_keep_four_digits() -> None:
    assert bound_text(12345.6) == "1.235e+04"
    assert estimate_text(-0.0123, -0.05, 0.02) == "-0.012 [-0.050, 0.020]"
    assert bound_text(float("inf")) == "inf"
