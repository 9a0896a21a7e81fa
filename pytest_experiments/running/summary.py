"""The terminal's experiment sections: refuted assumptions in full, then one line per
experiment, and the experiments' lines of pytest's short test summary.

Lines fit the terminal (pytest's terminal writer knows its width): one line per experiment when
it fits, otherwise wrapped at word boundaries under an indent, never mid-word.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import pytest

from pytest_experiments.running.results import STATUSES, ExperimentResult

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
    width = terminal_width(reporter)
    for result in refuted:
        reporter.write_sep("_", result.nodeid, red=True)
        for line in result.details().splitlines():
            for piece in wrap(line, width, DETAIL_INDENT):
                reporter.write_line(piece)


def is_sugar(reporter: object) -> bool:
    """Whether pytest-sugar's terminal reporter replaced pytest's (it does when the output is
    a terminal, or with ``--force-sugar``)."""
    return type(reporter).__name__ == "SugarTerminalReporter"


def write_sugar_counts(
    reporter: pytest.TerminalReporter, results: Sequence[ExperimentResult]
) -> None:
    """pytest-sugar's ``Results`` block counts passed, failed and skipped, not verdicts: say
    the verdicts in a line of our own before it."""
    statuses = [result.status for result in results]
    order = [*STATUSES, *sorted(set(statuses) - set(STATUSES))]
    text = ", ".join(
        f"{statuses.count(status)} {status}" for status in order if statuses.count(status)
    )
    line = (
        f"experiments: {text} (pytest-sugar's Results below count confirmed and answered "
        "as passed, refuted as failed, inconclusive as skipped)"
    )
    for piece in wrap(line, terminal_width(reporter), "    "):
        reporter.write_line(piece, bold=True)


def write_inconclusive_reasons(
    reporter: pytest.TerminalReporter, results: Sequence[ExperimentResult]
) -> None:
    """Why each inconclusive verdict with a known reason could not be decided."""
    explained = [r for r in results if r.status == "inconclusive" and r.note]
    if not explained:
        return
    reporter.write_sep("-", "why inconclusive", yellow=True)
    width = terminal_width(reporter)
    for result in explained:
        for piece in wrap(f"{result.nodeid}: {result.note}", width, "    "):
            reporter.write_line(piece)


def write_experiments(
    reporter: pytest.TerminalReporter, results: Sequence[ExperimentResult]
) -> None:
    """One line per experiment: verdict, node id, question, expectation, answer, sample, time."""
    if not results:
        return
    reporter.write_sep("=", "experiments")
    width = terminal_width(reporter)
    column = max(len(result.nodeid) for result in results)
    # Align the node ids only while the aligned lines still fit.
    aligned = all(
        len(WORD_INDENT) + len(summary_line(result, column)) <= width for result in results
    )
    for result in results:
        word = result.status.upper()
        text = summary_line(result, column if aligned else 0)
        pieces = wrap(text, width - len(WORD_INDENT), "")
        reporter.write(f"{word:<13}", **_MARKUP.get(result.status, {}))
        reporter.write_line(pieces[0])
        for piece in pieces[1:]:
            reporter.write_line(WORD_INDENT + piece)
    straight = straight_text(results)
    for piece in wrap(straight, width, "") if straight else []:
        reporter.write_line(piece)
    write_inconclusive_reasons(reporter, results)


#: Why ``--sample auto`` took no smaller look, for the line that counts them.
_STRAIGHT_REASONS = (
    (
        "untimed",
        "not yet timed there in the journal (a blind smaller look could cost as much as all "
        "the data; later runs budget by this run's timings)",
    ),
    ("quick", "that take under a second there"),
    ("dear", "whose smaller look with its checks would cost more than a tenth of it"),
)


def straight_text(results: Sequence[ExperimentResult]) -> str:
    """How many experiments ``--sample auto`` ran on all the data at once for the cost of the
    smaller looks, and why; empty when none."""
    counts = {
        why: sum(result.straight == why for result in results) for why, _ in _STRAIGHT_REASONS
    }
    total = sum(counts.values())
    if not total:
        return ""
    parts = [f"{counts[why]} {text}" for why, text in _STRAIGHT_REASONS if counts[why]]
    plural = "s" if total > 1 else ""
    return (
        f"sample auto went straight to all the data, as --full, for {total} experiment{plural}: "
        + ", ".join(parts)
        + "."
    )


#: The verdict word's column; continued lines start under the text after it.
WORD_INDENT = " " * 13
#: Continued lines of a refutation's details start under the value after its label.
DETAIL_INDENT = " " * 13


def terminal_width(reporter: pytest.TerminalReporter) -> int:
    """The terminal's width as pytest's terminal writer sees it (80 when unknown)."""
    writer = getattr(reporter, "_tw", None)
    width = getattr(writer, "fullwidth", 80)
    return width if isinstance(width, int) and width > 20 else 80


def wrap(text: str, width: int, indent: str) -> list[str]:
    """``text`` in lines of at most ``width``, broken between words (a word longer than a
    line, a node id say, stands on its own line whole), continued lines after ``indent``."""
    if len(text) <= width:
        return [text]
    return textwrap.wrap(
        text,
        width=width,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
        replace_whitespace=False,
    ) or [text]


def short_summary_lines(
    results: Sequence[ExperimentResult], reportchars: str, width: int
) -> list[str]:
    """The experiments' lines of pytest's short test summary: refutations with ``-rf`` (the
    default, and ``-ra``/``-rA``), inconclusive verdicts with ``-rs``, one line each, cut to
    the terminal as pytest cuts its own."""
    lines = []
    for status, char in (("refuted", "f"), ("inconclusive", "s")):
        if char not in reportchars:
            continue
        for result in results:
            if result.status != status or result.expected_to_fail:
                continue
            line = f"{status.upper()} {result.nodeid} - {short_summary_message(result)}"
            lines.append(line if len(line) <= width else line[: width - 3] + "...")
    return lines


def short_summary_message(result: ExperimentResult) -> str:
    """What follows the node id in a short-summary line: question, expectation, answer."""
    about = [repr(result.question)] if result.question else []
    about += [f"expected {result.expectation}", f"answer {result.answer_text}"]
    return ", ".join(about)


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
