"""The thresholds an expectation compares with, drawn as dashed lines on the report's plots."""

from __future__ import annotations

import pytest

from pytest_experiments.notebook.answer_values import SCALAR
from pytest_experiments.notebook.plots import thresholds


@pytest.mark.parametrize(
    ("expectation", "found"),
    [
        (">= 0.9", [(SCALAR, 0.9, ">= 0.9")]),
        (">= -0.05", [(SCALAR, -0.05, ">= -0.05")]),
        ("gain > 0 and best >= 0.97", [("gain", 0.0, "gain > 0"), ("best", 0.97, "best >= 0.97")]),
        ("loss < 0.10", [("loss", 0.1, "loss < 0.1")]),
        ("== pytest.approx(2, abs=0.1)", []),
        ("not an expression (", []),
        (None, []),
    ],
)
def test_thresholds_of_an_expectation(
    expectation: str | None, found: list[tuple[str, float, str]]
) -> None:
    assert thresholds(expectation) == found
