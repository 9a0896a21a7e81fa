"""What is known is the strongest evidence for the current inputs: after a full-data run, a
quick sample run of the same code does not override it in ``report``, ``show`` or the HTML
page; it shows beneath, as the latest. Changed code leads with its newest result."""

from __future__ import annotations

import pytest

from pytest_experiments.commands import main

SUITE = """
import numpy as np
import pytest


@pytest.mark.question("Do at least 90% of the parts pass?")
@pytest.mark.expect(">= 0.9")
def exp_parts_pass(exp):
    passed = (np.arange(2000) % 100) < LIMIT
    return exp.mean(exp.sample(passed).astype(float))
"""


def run(pytester: pytest.Pytester, *args: str) -> None:
    pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", *args)


def report(pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    journal = pytester.path / ".experiments" / "journal.sqlite"
    capsys.readouterr()  # what the pytest runs printed
    assert main([*args, f"--journal={journal}"]) == 0
    return capsys.readouterr().out


def test_a_later_sample_run_does_not_override_the_full_data_verdict(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makepyfile(test_parts=SUITE.replace("LIMIT", "93"))
    run(pytester, "--full")
    run(pytester, "--sample", "0.05")
    text = report(pytester, capsys, "report")
    assert "1 experiment: 1 confirmed" in text
    assert "- latest: inconclusive at 5% (100/2,000 rows) (run 2)" in text
    assert "not in the latest run" not in text  # it was, on less data
    shown = report(pytester, capsys, "show", "exp_parts_pass")
    assert "known:     confirmed on full (2,000 rows) (run 1)" in shown
    page = pytester.path / "r.html"
    report(pytester, capsys, "report", "--html", str(page))
    assert "<dt>latest</dt><dd>inconclusive at 5% (100/2,000 rows) (run 2)</dd>" in (
        page.read_text()
    )
    # the switch from full data to a sample is no change of the claim
    assert "changed recently" not in text.lower().split("## questions")[-1]


def test_changed_inputs_lead_with_their_newest_result(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makepyfile(test_parts=SUITE.replace("LIMIT", "96"))
    run(pytester, "--full")
    pytester.makepyfile(test_parts=SUITE.replace("LIMIT", "50"))
    run(pytester, "--sample", "0.05")
    text = report(pytester, capsys, "report")
    assert "1 experiment: 1 refuted" in text
    assert "- latest:" not in text


FAMILY = """
import numpy as np
import pytest


@pytest.mark.question("Do at least 90% of the parts pass at each tolerance?")
@pytest.mark.expect(">= 0.9")
@pytest.mark.parametrize("tolerance", [95, 3, 40, 100])
def exp_parts_pass(exp, tolerance):
    passed = (np.arange(2000) % 100) < tolerance
    return exp.mean(exp.sample(passed).astype(float))
"""


def test_a_family_after_a_full_and_a_sample_run_is_one_table_of_full_data_verdicts(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makepyfile(test_parts=FAMILY)
    run(pytester, "--full")
    run(pytester, "--sample", "0.1")
    text = report(pytester, capsys, "report")
    assert "4 experiments: 2 confirmed, 2 refuted" in text
    section = text.split("(4 variants)\n")[1]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:5]
    assert [row.split(" | ")[:2] for row in rows] == [
        ["| 3", "refuted"],
        ["| 40", "refuted"],
        ["| 95", "confirmed"],
        ["| 100", "confirmed"],
    ]
    assert all(" | full | 2,000 | " in row for row in rows)
    shown = report(pytester, capsys, "show", "exp_parts_pass")
    assert shown.startswith("test_parts.py::exp_parts_pass  (4 variants)")
    assert [line.split()[:2] for line in shown.splitlines()[5:9]] == [
        ["3", "refuted"],
        ["40", "refuted"],
        ["95", "confirmed"],
        ["100", "confirmed"],
    ]
