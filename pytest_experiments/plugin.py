"""pytest hooks for pytest-experiments: wiring from pytest to the parts, nothing else.

Read top to bottom in pytest's lifecycle order: options, configuration, collection, running one
experiment and its report, and the controller's summary. Every hook delegates to the module of
its part (see the README's "Development" map); this module reads the plugin's state from
pytest's stashes (:mod:`pytest_experiments.state`) and hands it on. Only the standard library,
pytest and the plugin's light modules are imported here; numpy and scikit-learn load when an
experiment samples.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from pytest_experiments import options
from pytest_experiments.downtime import hooks as downtime
from pytest_experiments.errors import DefinitionError
from pytest_experiments.notebook import options as journal_options
from pytest_experiments.notebook import recording
from pytest_experiments.offsite import sharding
from pytest_experiments.running import collection, execution, outcome
from pytest_experiments.running.context import Experiment
from pytest_experiments.running.item import ExperimentState
from pytest_experiments.running.junit import JUnitFailureType
from pytest_experiments.running.reporter import ResultsReporter, ShortSummary
from pytest_experiments.settings import SettingError
from pytest_experiments.spec.markers import EXPERIMENT_MARKER, MARKER_HELP
from pytest_experiments.spec.names import EXPERIMENT_PREFIX, is_experiment
from pytest_experiments.state import (
    collected_key,
    corrected_key,
    settings_key,
    state_key,
    stray_key,
)

# -- options ---------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    names = options.ShortNames(parser)
    options.addoption(parser, names.add)
    journal_options.addoption(parser, names.add)
    downtime.addoption(parser, names.add)
    sharding.addoption(parser, names.add)
    pluginmanager.register(names, "experiments-short-names")


# -- configuration ---------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    try:
        return (yield)
    except SystemExit as error:
        report = collection.exiting_script_report(collector, error)
        if report is None:
            raise
        return report


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKER_HELP.values():
        config.addinivalue_line("markers", line)
    # Appending to the user's own patterns keeps their python_functions/python_files working.
    config.addinivalue_line("python_functions", EXPERIMENT_PREFIX)
    for pattern in config.getini("experiment_files"):
        config.addinivalue_line("python_files", pattern)
    journal_options.check_journal_option(config)
    try:
        settings = config.stash[settings_key] = options.read_settings(config)
    except SettingError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[collected_key] = [0]
    if not hasattr(config, "workerinput"):
        if getattr(config.option, "numprocesses", None):
            activate_hooks(config)  # an xdist controller judges reports it does not collect
        corrected = config.stash[corrected_key] = []
        reporter = ResultsReporter(config, settings, corrected)
        config.pluginmanager.register(reporter, "experiments-reporter")
        config.pluginmanager.register(ShortSummary(reporter), "experiments-short-summary")
        if config.option.xmlpath:
            config.pluginmanager.register(JUnitFailureType(config), "experiments-junitxml")
        if config.pluginmanager.hasplugin("html"):
            from pytest_experiments.running.html import HtmlReport

            config.pluginmanager.register(HtmlReport(), "experiments-html")
    downtime.register(config)
    if config.getoption("experiment_plan"):
        downtime.register_plan(config)
    else:
        recording.register(config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return options.header_lines(config)


# -- collection ------------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_itemcollected(item: pytest.Item) -> None:
    if not is_experiment(item):
        if "exp" in getattr(item, "fixturenames", ()):
            activate_hooks(item.config)  # so the exp fixture's error is reported in one line
        problem = collection.stray_problem(item)
        if problem is not None:
            activate_hooks(item.config)
            item.stash[stray_key] = problem
        return
    item.add_marker(EXPERIMENT_MARKER)
    activate_hooks(item.config)
    counter = item.config.stash[collected_key]
    counter[0] += 1
    settings = item.config.stash[settings_key]
    item.stash[state_key] = collection.experiment_state(item, settings, counter[0])


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # After -k, -m, the budget and longest-first: a tuning runs before the experiments it feeds.
    collection.tuning_first(items)


# -- running one experiment ------------------------------------------------------------------


@pytest.fixture
def exp(request: pytest.FixtureRequest) -> Experiment:
    """The running experiment: its fraction, seed and rng, ``exp.sample`` and ``exp.record``."""
    state: ExperimentState | None = request.node.stash.get(state_key, None)
    if state is None or state.context is None:
        raise DefinitionError(
            f"{request.node.name} asks for the exp fixture, which only experiments get; "
            f"name the function {EXPERIMENT_PREFIX}... to make it an experiment"
        )
    return state.context


class ExperimentHooks:
    """The per-test hooks, registered only once an experiment (or an experiment marker on a
    plain test) is collected — or on an xdist controller, which collects nothing itself — so
    that a plain unit-test run does not pay for them test by test (benchmarks/overhead.py)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        # `key in stash` first: Stash.get raises and catches KeyError, which every plain test
        # would pay for (benchmarks/overhead.py).
        if stray_key in item.stash:
            raise DefinitionError(item.stash[stray_key])
        if state_key not in item.stash:
            return
        state = item.stash[state_key]
        if state.problem is not None:
            raise DefinitionError(state.problem)
        execution.start(item, state, item.config.stash[settings_key])
        access = recording.tuning_access(item)
        if access is not None and state.context is not None:
            state.context.trial_cache, state.context.tunings = access

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        if state_key not in pyfuncitem.stash:
            return None
        execution.call(
            pyfuncitem, pyfuncitem.stash[state_key], pyfuncitem.config.stash[settings_key]
        )
        return True

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        state = item.stash[state_key] if state_key in item.stash else None
        outcome.finish_report(item, call, report, state, item.config.stash[settings_key])
        return report

    def pytest_report_teststatus(
        self, report: pytest.TestReport, config: pytest.Config
    ) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
        return outcome.teststatus(report)


HOOKS_NAME = "experiments-hooks"


def activate_hooks(config: pytest.Config) -> None:
    """Register :class:`ExperimentHooks` once."""
    if config.pluginmanager.get_plugin(HOOKS_NAME) is None:
        config.pluginmanager.register(ExperimentHooks(), HOOKS_NAME)
