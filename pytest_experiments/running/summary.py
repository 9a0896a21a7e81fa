"""The terminal's experiment sections: refuted assumptions in full, then one line per experiment."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from pytest_experiments.running.results import ExperimentResult

_MARKUP = {
    "confirmed": {"green": True},
    "refuted": {"red": True, "bold": True},
    "inconclusive": {"yellow": True},
    "answered": {"cyan": True},
    "failed": {"red": True},
    "error": {"red": True},
    "skipped": {"yellow": True},
    "crashed": {"red": True, "bold": True},
}


def write_refuted(reporter: pytest.TerminalReporter, results: Sequence[ExperimentResult]) -> None:
    """An ``assumptions refuted`` section: question, expectation and answer, no traceback."""
    refuted = [r for r in results if r.status == "refuted" and not r.expected_to_fail]
    if not refuted:
        return
    reporter.write_sep("=", "assumptions refuted", red=True, bold=True)
    for result in refuted:
        reporter.write_sep("_", result.nodeid, red=True)
        reporter.write_line(result.details())


def write_inconclusive_reasons(
    reporter: pytest.TerminalReporter, results: Sequence[ExperimentResult]
) -> None:
    """Why each inconclusive verdict with a known reason could not be decided."""
    explained = [r for r in results if r.status == "inconclusive" and r.note]
    if not explained:
        return
    reporter.write_sep("-", "why inconclusive", yellow=True)
    for result in explained:
        reporter.write_line(f"{result.nodeid}: {result.note}")


def write_experiments(
    reporter: pytest.TerminalReporter, results: Sequence[ExperimentResult]
) -> None:
    """One line per experiment: verdict, node id, question, expectation, answer, sample, time."""
    if not results:
        return
    reporter.write_sep("=", "experiments")
    width = max(len(result.nodeid) for result in results)
    for result in results:
        word = result.status.upper()
        reporter.write(f"{word:<13}", **_MARKUP.get(result.status, {}))
        reporter.write_line(f"{summary_line(result, width)}")
    write_inconclusive_reasons(reporter, results)


def summary_line(result: ExperimentResult, width: int = 0) -> str:
    """The text after the verdict word in the experiments section."""
    parts = [result.nodeid.ljust(width)]
    if result.question:
        parts.append(repr(result.question))
    if result.expectation:
        parts.append(f"expected {result.expectation}")
    if result.status in ("failed", "error", "skipped", "crashed") and result.error:
        parts.append(result.error.strip().splitlines()[0] if result.error.strip() else "")
    elif result.answer_text is not None:
        parts.append(f"answer {result.answer_text}")
    parts.append(result.sample_text())
    parts.append(f"{result.duration:.2f}s")
    if result.reused_from is not None:
        parts.append(f"reused from run {result.reused_from}")
    if result.expected_to_fail and result.status == "refuted":
        parts.append("expected (xfail)")
    return "  ".join(part for part in parts if part)
