"""Under pytest-xdist every value crosses processes as JSON-safe data, never an INTERNALERROR."""

from __future__ import annotations

import pytest

AWKWARD_VALUES = """
import enum
import pathlib

import numpy as np
import pytest


class Colour(enum.Enum):
    RED = "red"


@pytest.mark.question("What is the loss?")
def exp_nan(exp):
    exp.record(worst=float("-inf"), best=np.float32("inf"), nan=np.nan)
    return np.float64("nan")


@pytest.mark.question("Is it infinite?")
@pytest.mark.expect("> 1e308")
def exp_inf(exp):
    return float("inf")


@pytest.mark.question("Which per-class scores?")
@pytest.mark.expect([1.0, 0.5])
def exp_array(exp):
    exp.record(matrix=np.eye(2), where=pathlib.Path("data") / "x.csv", colour=Colour.RED)
    return np.array([1.0, 0.5])


@pytest.mark.question("Named numpy values?")
@pytest.mark.expect("n == 3 and ok and score > 0.5")
def exp_named(exp):
    return {"n": np.int16(3), "ok": np.bool_(True), "score": np.float16(0.75)}


@pytest.mark.question("A bad record value?")
def exp_bad_record(exp):
    exp.record(model=object())
    return 1
"""


def test_awkward_values_cross_processes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_values=AWKWARD_VALUES)
    serial = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rfE")
    parallel = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rfE", "-n", "2")

    for result in (serial, parallel):
        assert "INTERNALERROR" not in result.stdout.str()
        result.stdout.fnmatch_lines(
            [
                "FAILED *exp_bad_record*exp.record(model=...) got a builtins.object value*",
                "*= 1 failed, 3 confirmed, 1 answered in *",
            ]
        )
        assert result.ret == 1
    assert summary_without_times(serial.outlines) == summary_without_times(parallel.outlines)
    serial.stdout.fnmatch_lines(
        [
            "ANSWERED     test_values.py::exp_nan *answer nan*",
            "CONFIRMED    test_values.py::exp_inf *answer inf*",
            "CONFIRMED    test_values.py::exp_array *answer ?1, 0.5?*",
            "CONFIRMED    test_values.py::exp_named *answer n=3, ok=True, score=0.75*",
        ]
    )


def summary_without_times(lines: list[str]) -> list[str]:
    start = lines.index(next(line for line in lines if "= experiments =" in line))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("="))
    section = [line for line in lines[start + 1 : end] if not line.startswith("journal:")]
    return [line.rsplit("  ", 1)[0] for line in section]
