"""The controller's (or the only process's) view of the run's experiments.

:class:`ResultsReporter` gathers every experiment's result from its report, applies the run's
correction across verdicts (``--exp-correction``) at session end, and writes the terminal's
experiment sections.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from pytest_experiments.running.outcome import VERDICT_CATEGORIES
from pytest_experiments.running.results import (
    REPORT_ATTRIBUTE,
    STARTED_ATTRIBUTE,
    ExperimentResult,
)
from pytest_experiments.running.summary import (
    is_sugar,
    short_summary_lines,
    short_summary_message,
    terminal_width,
    write_experiments,
    write_refuted,
    write_sugar_counts,
)
from pytest_experiments.settings import RunSettings


class ResultsReporter:
    """Gathers experiment results on the controller (or the only process) and summarises them."""

    def __init__(
        self, config: pytest.Config, settings: RunSettings, corrected: list[ExperimentResult]
    ) -> None:
        self.config = config
        self.settings = settings
        #: Filled at session finish with the results the correction changed (for the journal).
        self.corrected = corrected
        self.results: dict[str, ExperimentResult] = {}
        #: What was known of experiments that started and have no result yet.
        self.started: dict[str, dict[str, object]] = {}
        self.reports: dict[str, pytest.TestReport] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, REPORT_ATTRIBUTE, None)
        if data is None:
            started = getattr(report, STARTED_ATTRIBUTE, None)
            if started is not None:
                self.started[report.nodeid] = started
            elif report.failed and report.nodeid in self.started:
                data = self._crashed(report)  # its process died: xdist reports it, not we
            if data is None:
                return
        self.started.pop(report.nodeid, None)
        if not self.results:
            self._order_summary_line()
        result = ExperimentResult.from_json(data)
        self.results[result.nodeid] = result
        self.reports[result.nodeid] = report

    def _crashed(self, report: pytest.TestReport) -> dict[str, object]:
        data = dict(self.started.pop(report.nodeid))
        crash = getattr(report.longrepr, "reprcrash", None)
        message = str(getattr(crash, "message", None) or report.longrepr or "").strip()
        data.update(
            status="crashed",
            error=message.splitlines()[-1] if message else "the process running it died",
        )
        return data

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        settings = self.settings
        if settings.correction == "none":
            return
        downgraded = correct(list(self.results.values()), settings)
        self.corrected[:] = [result for result, _ in downgraded]
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        junit = self.config.pluginmanager.get_plugin("experiments-junitxml")
        refuted_failures = 0
        for result, previous in downgraded:
            report = self.reports[result.nodeid]
            tail = " (reused)" if result.reused_from is not None else ""  # --reuse's categories
            if terminal is not None and report in terminal.stats.get(previous + tail, []):
                terminal.stats[previous + tail].remove(report)
                terminal.stats.setdefault("inconclusive" + tail, []).append(report)
            if junit is not None and not settings.fail_inconclusive:
                junit.make_inconclusive(
                    result.nodeid,
                    previous,
                    result.note or f"inconclusive after {settings.correction}",
                )
            if previous == "refuted" and report.failed and not settings.fail_inconclusive:
                refuted_failures += 1
        if refuted_failures:
            session.testsfailed -= refuted_failures
            if session.testsfailed == 0 and session.exitstatus == pytest.ExitCode.TESTS_FAILED:
                session.exitstatus = pytest.ExitCode.OK

    def _order_summary_line(self) -> None:
        # pytest lists unknown categories in the order they first appear, which differs between
        # runs under xdist; registering ours up front keeps "3 confirmed, 1 refuted" stable.
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            for category in VERDICT_CATEGORIES:
                terminal.stats.setdefault(category, [])
            # pytest recomputes the categories its last line lists only when one is new (or at
            # the last test): without this, an interrupted run would say "no tests ran".
            refresh = getattr(terminal, "_set_main_color", None)
            if callable(refresh):
                refresh()

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        results = sorted(self.results.values(), key=lambda result: result.index)
        sugar = is_sugar(terminalreporter)
        if not sugar:  # pytest-sugar printed each refutation as it happened
            write_refuted(terminalreporter, results)
        write_experiments(terminalreporter, results)
        if sugar and results:
            write_sugar_counts(terminalreporter, results)


class ShortSummary:
    """The experiments' lines of pytest's short test summary (``-r``), printed right after
    pytest's own: a wrapper around pytest's terminal summary, whose short summary comes last."""

    def __init__(self, reporter: ResultsReporter) -> None:
        self.reporter = reporter

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(
        self, terminalreporter: pytest.TerminalReporter
    ) -> Generator[None, None, None]:
        if is_sugar(terminalreporter):
            self._one_line_refutations()
        yield
        reportchars = str(getattr(terminalreporter, "reportchars", "") or "")
        if getattr(terminalreporter, "no_summary", False) or not reportchars:
            return
        results = sorted(self.reporter.results.values(), key=lambda result: result.index)
        if is_sugar(terminalreporter):
            # pytest-sugar files refutations under "failed" and inconclusive verdicts under
            # "skipped", which pytest's own short summary lists already.
            listed = {"refuted": "f" in reportchars, "inconclusive": "s" in reportchars}
            results = [result for result in results if not listed.get(result.status, False)]
        lines = short_summary_lines(results, reportchars, terminal_width(terminalreporter))
        if not lines:
            return
        if not _pytest_printed_short_summary(terminalreporter, reportchars):
            terminalreporter.write_sep("=", "short test summary info", cyan=True, bold=True)
        for line in lines:
            terminalreporter.write_line(line)

    def _one_line_refutations(self) -> None:
        """pytest-sugar printed each refutation's details as it finished; pytest's short
        summary, which lists them as failures, would print those lines again in full where it
        does not cut messages (on CI, or with ``-vv``). Give it the one-line version."""
        for nodeid, result in self.reporter.results.items():
            report = self.reporter.reports.get(nodeid)
            if report is not None and report.failed and result.status == "refuted":
                report.longrepr = short_summary_message(result)


def _pytest_printed_short_summary(terminalreporter: pytest.TerminalReporter, chars: str) -> bool:
    """Whether pytest's own short summary had lines (then its header is already there)."""
    stats = terminalreporter.stats
    kinds = {"f": "failed", "E": "error", "s": "skipped", "x": "xfailed", "X": "xpassed"}
    kinds["p"] = "passed"
    return any(stats.get(kinds[char]) for char in chars if char in kinds)


def correct(
    results: list[ExperimentResult], settings: RunSettings
) -> list[tuple[ExperimentResult, str]]:
    """Apply the run's correction; returns the results made inconclusive, with their old
    status."""
    from pytest_experiments.stats.correction import adjust

    judged = [result for result in results if result.p_value is not None and result.verdict]
    adjusted = adjust([result.p_value or 0.0 for result in judged], settings.correction)
    alpha = 1 - settings.confidence
    downgraded = []
    for result, p_value in zip(judged, adjusted, strict=True):
        previous = result.status
        if previous in ("confirmed", "refuted") and p_value > alpha:
            downgraded.append((result, previous))
            result.status = "inconclusive"
            result.note = (
                f"{previous} before the {settings.correction} correction over {len(judged)} "
                f"verdicts; adjusted p = {p_value:.3g} > {alpha:g}"
            )
    return downgraded
