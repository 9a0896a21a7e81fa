"""What an experiment's verdict makes of its test report.

``refuted`` is a failure (an assumption failure, typed ``AssumptionRefuted`` in junitxml) unless
the run only reports; ``inconclusive`` a skip unless the run fails on it; ``confirmed`` and
``answered`` pass. ``xfail`` on an experiment means its refutation is expected. The result
travels on the report as :data:`~pytest_experiments.running.results.REPORT_ATTRIBUTE`.
"""

from __future__ import annotations

import pytest

from pytest_experiments.errors import ExperimentError
from pytest_experiments.running.item import ExperimentState
from pytest_experiments.running.results import (
    REPORT_ATTRIBUTE,
    STARTED_ATTRIBUTE,
    ExperimentResult,
)
from pytest_experiments.settings import RunSettings, format_fraction
from pytest_experiments.stats.verdicts import Verdict

#: The progress letter of a refutation: an Assumption failure. Not pytest's (. F E s x X) nor a
#: common plugin's (pytest-rerunfailures' R).
REFUTED_LETTER = "A"

#: The verdict categories of pytest's last line, in the order they are listed.
VERDICT_CATEGORIES = ("confirmed", "refuted", "inconclusive", "answered")


def finish_report(
    item: pytest.Item,
    call: pytest.CallInfo[None],
    report: pytest.TestReport,
    state: ExperimentState | None,
    settings: RunSettings,
) -> None:
    """Give ``report`` what the experiment's result means (``state`` None: a plain test)."""
    if call.excinfo is not None and isinstance(call.excinfo.value, ExperimentError):
        report.longrepr = str(call.excinfo.value)
    if state is None:
        return
    if report.when == "setup" and report.passed:
        setattr(report, STARTED_ATTRIBUTE, state.result.to_json())
    if not _ends_experiment(report):
        return
    result = state.result
    result.duration = report.duration
    context = state.context
    if context is not None:
        result.rows, result.total_rows = context.rows, context.total_rows
        result.record = dict(context.recorded)
        if context.trial_cache is not None and context.trial_cache.entries():
            result.trials_cache = context.trial_cache.entries()
    if report.failed:
        result.status = "error" if report.when != "call" else "failed"
        result.error = _one_line(report.longrepr)
    elif report.skipped:
        result.status = "skipped"
        result.error = _one_line(report.longrepr)
    else:
        _judge(item, report, result, settings)
        if result.status == Verdict.REFUTED.value and report.failed:
            _not_to_be_rerun(item, report)
    setattr(report, REPORT_ATTRIBUTE, result.to_json())
    if item.config.option.xmlpath:
        item.user_properties.extend(_junit_properties(result))


def teststatus(report: pytest.TestReport) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    """The category, progress letter and word of an experiment's call report."""
    data = getattr(report, REPORT_ATTRIBUTE, None)
    if data is None or report.when != "call" or hasattr(report, "wasxfail"):
        return None  # xfail-marked: pytest's own XFAIL/XPASS
    status = data.get("status")
    if status == "confirmed":
        return "confirmed", ".", ("CONFIRMED", {"green": True})
    if status == "refuted":
        return "refuted", REFUTED_LETTER, ("REFUTED", {"red": True, "bold": True})
    if status == "inconclusive":
        return "inconclusive", "?", ("INCONCLUSIVE", {"yellow": True})
    if status == "answered":
        return "answered", ".", ("ANSWERED", {"green": True})
    return None


def _not_to_be_rerun(item: pytest.Item, report: pytest.TestReport) -> None:
    """At a fixed seed a refutation is a finding, not a flaky failure: pytest-rerunfailures
    does not rerun a phase whose error it counts as terminal (its ``_terminal_errors``, filled
    by its own makereport wrapper, which runs inside this one)."""
    terminal = getattr(item, "_terminal_errors", None)
    if isinstance(terminal, dict):
        terminal[report.when] = True


def _ends_experiment(report: pytest.TestReport) -> bool:
    return report.when == "call" or (report.when == "setup" and not report.passed)


def _judge(
    item: pytest.Item, report: pytest.TestReport, result: ExperimentResult, settings: RunSettings
) -> None:
    """Give the call report the outcome its verdict means."""
    # pytest's xfail handling saw a body that returned normally: an (un)expected pass. For an
    # experiment, xfail means "this assumption is expected to be refuted".
    strict_xpass = report.failed and str(report.longrepr).startswith("[XPASS(strict)]")
    if getattr(report, "wasxfail", None) is not None or strict_xpass:
        result.expected_to_fail = True
        if result.status == Verdict.REFUTED.value:
            marker = item.get_closest_marker("xfail")
            reason = str(marker.kwargs.get("reason", "")) if marker is not None else ""
            report.outcome, report.wasxfail = "skipped", reason
            report.longrepr = result.details()
            return
        if result.status != Verdict.INCONCLUSIVE.value:
            return  # confirmed or answered: pytest's XPASS (a failure when strict) stands
        if hasattr(report, "wasxfail"):
            del report.wasxfail  # inconclusive is neither an expected nor an unexpected pass
        report.outcome = "passed"
    if result.status == Verdict.REFUTED.value:
        report.longrepr = result.details()
        report.outcome = "passed" if settings.report_only else "failed"
    elif result.status == Verdict.INCONCLUSIVE.value:
        if settings.fail_inconclusive:
            report.outcome = "failed"
            report.longrepr = result.details()
        else:
            path, lineno, _ = item.location
            report.outcome = "skipped"
            report.longrepr = (
                path,
                (lineno or 0) + 1,
                # the reasons are in the "why inconclusive" section; -v shows this line
                f"inconclusive: expected {result.expectation}, answer {result.answer_text}",
            )


def _one_line(longrepr: object) -> str:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)
    return str(longrepr)


def _junit_properties(result: ExperimentResult) -> list[tuple[str, object]]:
    return [
        ("question", result.question or ""),
        ("expectation", result.expectation or ""),
        ("answer", result.answer_text if result.answer_text is not None else ""),
        ("verdict", result.status),
        ("fraction", format_fraction(result.fraction)),
    ]
