"""junitxml: a refuted assumption's ``<failure>`` typed ``AssumptionRefuted``, and the test
case of a verdict that ``--exp-correction`` made inconclusive written as a skip."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_experiments.running.results import REPORT_ATTRIBUTE


class JUnitFailureType:
    """Types the junitxml ``<failure>`` of a refuted assumption as ``AssumptionRefuted``, and
    turns the test case of a verdict that ``--exp-correction`` made inconclusive into a skip.

    Runs after junitxml has written the element for the report (trylast) and only touches that
    element's ``type`` attribute; keeps the test case's reporter for the correction.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.reporters: dict[str, Any] = {}

    def _log(self) -> Any:
        try:
            from _pytest.junitxml import xml_key
        except ImportError:  # pragma: no cover - junitxml moved; the failure keeps its type
            return None
        return self.config.stash.get(xml_key, None)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, REPORT_ATTRIBUTE, None)
        if data is None or report.when != "call":
            return
        log = self._log()
        if log is None:
            return
        reporter = log.node_reporter(report)
        self.reporters[report.nodeid] = reporter
        if data.get("status") != "refuted" or not report.failed:
            return
        for node in reversed(reporter.nodes):
            if node.tag == "failure":
                node.set("type", "AssumptionRefuted")
                break

    def make_inconclusive(self, nodeid: str, previous: str, message: str) -> None:
        """The corrected verdict in the test case junitxml is about to write: a skip (as an
        inconclusive verdict is) instead of a pass or an AssumptionRefuted failure."""
        log, reporter = self._log(), self.reporters.get(nodeid)
        if log is None or reporter is None:
            return
        import xml.etree.ElementTree as ET

        case = reporter.to_xml()  # the finished test case's element
        for child in list(case):
            if child.tag == "failure":
                case.remove(child)
                log.stats["failure"] -= 1
        if previous == "confirmed":
            log.stats["passed"] -= 1
        ET.SubElement(case, "skipped", type="pytest.skip", message=message)
        log.stats["skipped"] += 1
        for prop in case.iter("property"):
            if prop.get("name") == "verdict":
                prop.set("value", "inconclusive")
