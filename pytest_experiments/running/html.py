"""pytest-html: each experiment's question, expectation, answer and verdict in the report, and
refuted assumptions told apart from the failures.

Registered only when pytest-html is loaded (its hooks exist only then); nothing of it is
imported. pytest-html counts a refutation among its failures and an inconclusive verdict among
its skips (their pytest outcomes): the summary says how many of those are assumptions, the
result column says ``Refuted`` or ``Inconclusive``, and the row's log starts with the verdict's
details instead of a traceback.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pytest

from pytest_experiments.running.results import REPORT_ATTRIBUTE, ExperimentResult

#: The columns added after pytest-html's Test column.
COLUMNS = ("Question", "Expected", "Answer", "Verdict")


class HtmlReport:
    """pytest-html's hooks for experiments."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells[2:2] = [f'<th class="col-experiment">{name}</th>' for name in COLUMNS]

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        result = _result(report)
        values = ["", "", "", ""]
        if result is not None:
            values = [
                result.question or "",
                result.expectation or "",
                result.answer_text or result.error or "",
                result.status,
            ]
            if result.status in ("refuted", "inconclusive", "crashed"):
                cells[0] = f'<td class="col-result">{result.status.capitalize()}</td>'
            if report.when == "call" or result.status in ("error", "crashed"):
                self.counts[result.status] = self.counts.get(result.status, 0) + 1
        cells[2:2] = [f'<td class="col-experiment">{escape(value)}</td>' for value in values]

    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        result = _result(report)
        if result is not None and result.status in ("refuted", "inconclusive"):
            # the verdict's details are the report's longrepr: shown once, first
            data[:] = [escape(result.details()) + "\n", *data[1:]]

    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: Any
    ) -> None:
        if not self.counts:
            return
        refuted = self.counts.get("refuted", 0)
        inconclusive = self.counts.get("inconclusive", 0)
        parts = [f"{count} {status}" for status, count in sorted(self.counts.items())]
        text = f"Experiments: {', '.join(parts)}."
        if refuted:
            text += (
                f" The {refuted} refuted are assumptions that failed (findings, not bugs), "
                "counted among the failures above."
            )
        if inconclusive:
            text += f" The {inconclusive} inconclusive are counted among the skipped."
        summary.append(f'<p class="experiments">{escape(text)}</p>')


def _result(report: pytest.TestReport) -> ExperimentResult | None:
    data = getattr(report, REPORT_ATTRIBUTE, None)
    return ExperimentResult.from_json(data) if isinstance(data, dict) else None
