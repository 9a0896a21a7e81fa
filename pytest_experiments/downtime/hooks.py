"""Running experiments in downtime: the options and hooks for long, unattended batches.

``--budget``, ``--reuse``, longest-first ordering under xdist, progress lines and per-worker
thread limits, wired for each process's role the way :mod:`recording` wires the journal:

* the process that collects — the only process, each xdist worker, or the ``--exp-plan`` run —
  decides the batch (:class:`batch.BatchPlanner`) and, when it runs experiments, fingerprints
  and reuses them (:class:`reuse.ReuseRunner`);
* the controller (or the only process) shows the budget, the progress and the reuses;
* an xdist worker sends the batch to the controller and limits its thread pools.

Nothing here opens the journal unless experiments were collected.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest

from pytest_experiments.downtime.budget import PRIORITY_HELP, budget_option
from pytest_experiments.downtime.scheduling import RECOMMENDED_DIST
from pytest_experiments.notebook.options import journal_path
from pytest_experiments.offsite.sharding import ShardRequest, history_path, request_of
from pytest_experiments.spec.names import looks_like_experiment
from pytest_experiments.state import settings_key, state_key

if TYPE_CHECKING:
    from pytest_experiments.downtime.batch import Batch

# The batch, reuse, progress and runtime-model modules (and the journal behind them) are
# imported only once experiments are collected: a plain unit-test run does not load them.

PROGRESS_MODES = ("auto", "always", "never")

DATA_FILES_HELP = (
    "data_files(*paths): files (or directories) the experiment reads; their contents are part "
    "of the inputs --reuse compares. Relative to the test file's directory, else the rootdir."
)

#: ``workerinput`` key with what workers need to decide the same batch as each other.
WORKER_INPUT = "experiments_batch"

ORDERS = ("longest", "collection")


def addoption(parser: pytest.Parser, add: Callable[..., None]) -> None:
    """The downtime options, in the plugin's ``experiments`` group (``add`` gives each its
    ``--exp-`` name and its short one)."""
    add(
        None,
        "--exp-plan",
        dest="experiment_plan",
        action="store_true",
        default=False,
        help="list every selected experiment with its question, expectation, last answer and "
        "estimated time at this run's sample, without running anything",
    )
    add(
        None,
        "--exp-plan-json",
        dest="experiment_plan_json",
        metavar="PATH",
        help="with --exp-plan: also write the plan for tools to PATH as JSON (the journal, the "
        "selected experiments with their estimates, and the shards of --exp-shards)",
    )
    add(
        "--budget",
        "--exp-budget",
        dest="experiment_budget",
        type=budget_option,
        metavar="DURATION",
        help="run only the experiments that fit this wall-clock time (90s, 45m, 8h, 1h30m) on "
        "the run's workers, most important first (@pytest.mark.priority, then never or "
        "longest ago answered); the rest are deselected and listed",
    )
    add(
        "--reuse",
        "--exp-reuse",
        dest="experiment_reuse",
        action="store_true",
        default=False,
        help="do not run an experiment whose inputs (code, markers, sample, seed, package "
        "versions, data files) are unchanged since a journaled answer; report that answer",
    )
    add(
        None,
        "--exp-order",
        dest="experiment_order",
        choices=ORDERS,
        help="under -n N: start the longest experiments first (longest, the default) or keep "
        f"the collection order; ini experiment_order. Best with --dist {RECOMMENDED_DIST}",
    )
    parser.addini(
        "experiment_order", "longest (default) or collection: experiment order under -n N"
    )
    parser.addini(
        "experiment_progress",
        "progress lines per finished experiment: auto (long runs, default), always or never",
    )
    parser.addini(
        "experiment_limit_threads",
        "limit each xdist worker's BLAS/OpenMP threads to its share of the cores",
        type="bool",
        default=True,
    )


def _choice(config: pytest.Config, option: str | None, ini: str, choices: tuple[str, ...]) -> str:
    if option is not None:
        return option
    text = str(config.getini(ini) or "").strip().lower() or choices[0]
    if text not in choices:
        raise pytest.UsageError(
            f"ini setting {ini} got {text!r}; write one of {', '.join(choices)}"
        )
    return text


def register_plan(config: pytest.Config) -> None:
    """``--exp-plan``: collect in this process, print the plan, run nothing."""
    from pytest_experiments.downtime.plan import PlanPrinter

    # Planning collects in this process: no workers to start.
    if getattr(config.option, "dist", "no") != "no":
        config.option.dist = "no"
        config.option.tx = []
    plan = PlanPrinter(config, journal_path(config), state_key, config.stash[settings_key])
    config.pluginmanager.register(plan, "experiments-plan")


def register(config: pytest.Config) -> None:
    """Register the downtime hooks for this process's role."""
    config.addinivalue_line("markers", PRIORITY_HELP)
    config.addinivalue_line("markers", DATA_FILES_HELP)
    settings = config.stash[settings_key]
    budget: float | None = config.getoption("experiment_budget")
    reuse = bool(config.getoption("experiment_reuse"))
    order = _choice(config, config.getoption("experiment_order"), "experiment_order", ORDERS)
    progress = _choice(config, None, "experiment_progress", PROGRESS_MODES)
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is not None:
        shared = workerinput.get(WORKER_INPUT) or {}
        journal = Path(shared["journal"]) if shared.get("journal") else None
        started = float(shared.get("started", time.time()))
        workers = int(workerinput.get("workercount", 1))
        dist = str(shared.get("dist", "load"))
        shard = ShardRequest.from_json(shared["shard"]) if shared.get("shard") else None
        history = Path(shared["history"]) if shared.get("history") else None
    else:
        journal = journal_path(config)
        started = time.time()
        dist = str(getattr(config.option, "dist", "no"))
        workers = len(getattr(config.option, "tx", None) or []) if dist != "no" else 1
        if reuse and journal is None:
            raise pytest.UsageError(
                "--reuse looks for unchanged experiments in the journal, and --no-journal "
                "turns the journal off; drop one of the two"
            )
        shard = request_of(config, settings)
        history = history_path(config)
        if shard is not None and journal is None:
            raise pytest.UsageError(
                "--exp-shard records the shard's results for 'pytest-experiments merge', and "
                "--no-journal turns the journal off; drop --no-journal (give each shard its "
                "own --journal=PATH)"
            )
    planning = bool(config.getoption("experiment_plan"))
    if config.getoption("experiment_shards", None) and not planning:
        raise pytest.UsageError(
            "--exp-shards N shows a plan of N shards with --exp-plan; to run shard K of N, "
            "write --exp-shard K/N"
        )
    distributing = workerinput is None and dist != "no" and not planning

    def run_plugins() -> list[tuple[object, str]]:
        from pytest_experiments.downtime.batch import BatchCourier
        from pytest_experiments.downtime.progress import ProgressReporter
        from pytest_experiments.downtime.reuse import ReuseReporter, ReuseRunner

        plugins: list[tuple[object, str]] = []
        if not distributing:
            plugins.append((ReuseRunner(state_key, settings), "experiments-reuse"))
        if workerinput is not None:
            plugins.append((BatchCourier(config), "experiments-batch-courier"))
            return plugins
        plugins.append((BatchTerminal(config), "experiments-batch-terminal"))
        plugins.append((ProgressReporter(config, progress, started), "experiments-progress"))
        if reuse or (shard is not None and shard.resume):
            plugins.append((ReuseReporter(config), "experiments-reuse-reporter"))
        return plugins

    activate = Activation(config, [] if planning else run_plugins)
    if not distributing:
        config.pluginmanager.register(
            LazyPlanner(
                config,
                state_key,
                settings,
                journal=journal,
                before=started,
                workers=max(1, workers),
                dist=dist,
                budget=budget,
                reuse=reuse,
                longest_first=order == "longest" and workerinput is not None,
                on_experiments=activate,
                shard=shard,
                history=history,
            ),
            "experiments-batch",
        )
    if workerinput is not None and workers > 1 and config.getini("experiment_limit_threads"):
        # Now, before collection imports numpy: the variables only work before BLAS loads.
        from pytest_experiments.downtime.threads import ThreadLimiter

        config.pluginmanager.register(ThreadLimiter(workers), "experiments-threads")
    if distributing:
        shared = {"journal": None if journal is None else str(journal.resolve())}
        shared.update(started=started, dist=dist)
        shared.update(
            shard=None if shard is None else shard.to_json(),
            history=None if history is None else str(history.resolve()),
        )
        config.pluginmanager.register(XdistBatch(shared, activate), "experiments-batch-xdist")


class LazyPlanner:
    """Stands in for :class:`batch.BatchPlanner` until experiments are collected, so that a
    plain unit-test run neither imports the batch machinery nor calls its per-test hooks."""

    def __init__(self, config: pytest.Config, *args: Any, **kwargs: Any) -> None:
        self.config = config
        self.args, self.kwargs = args, kwargs

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        state_key = self.args[0]
        if not any(state_key in item.stash for item in items):
            return
        from pytest_experiments.downtime.batch import BatchPlanner

        planner = BatchPlanner(self.config, *self.args, **self.kwargs)
        planner.pytest_collection_modifyitems(session, config, items)
        self.config.pluginmanager.register(planner, "experiments-batch-planner")


class Activation:
    """Registers the hooks that only a run with experiments needs, once, when experiments are
    first seen: a plain unit-test run pays for none of them, test by test."""

    def __init__(
        self, config: pytest.Config, plugins: Callable[[], list[tuple[object, str]]] | list[Any]
    ) -> None:
        self.config = config
        self.plugins = plugins
        self.done = False

    def __call__(self) -> None:
        if self.done:
            return
        self.done = True
        for plugin, name in self.plugins() if callable(self.plugins) else self.plugins:
            self.config.pluginmanager.register(plugin, name)


class XdistBatch:
    """The controller's xdist hooks: hands every worker what it needs to decide the batch, and
    turns the controller's hooks on once a worker collected an experiment."""

    def __init__(self, shared: dict[str, Any], activate: Activation) -> None:
        self.shared = shared
        self.activate = activate

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[WORKER_INPUT] = self.shared

    def pytest_xdist_node_collection_finished(self, node: Any, ids: Sequence[str]) -> None:
        if any(map(looks_like_experiment, ids)):
            self.activate()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # A budget that deselected every experiment leaves only plain tests to carry the
        # batch: keep it for the budget section, and turn the controller's hooks on.
        from pytest_experiments.downtime.batch import BATCH_ATTRIBUTE

        shipped = getattr(report, BATCH_ATTRIBUTE, None)
        if shipped is None or self.activate.done:
            return
        from pytest_experiments.downtime.batch import Batch, batch_key

        self.activate.config.stash[batch_key] = Batch.from_json(shipped)
        self.activate()


class BatchTerminal:
    """On the controller (or the only process): receives the batch and shows the budget."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.announced = False

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        from pytest_experiments.downtime.batch import (
            BATCH_ATTRIBUTE,
            Batch,
            batch_key,
            budget_lines,
        )

        shipped = getattr(report, BATCH_ATTRIBUTE, None)
        if shipped is None or batch_key in self.config.stash:
            return
        batch = Batch.from_json(shipped)
        self.config.stash[batch_key] = batch
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None and self.config.pluginmanager.hasplugin("dsession"):
            # The workers deselected them: the controller's last line counts them too.
            dropped = [SimpleNamespace(nodeid=job.nodeid) for job in batch.dropped]
            terminal.stats.setdefault("deselected", []).extend(dropped)
        lines = budget_lines(batch)[:1]
        if lines and terminal is not None:
            terminal.ensure_newline()
            terminal.write_line(lines[0] + self._see_below(batch))

    def pytest_report_collectionfinish(self, config: pytest.Config) -> list[str]:
        from pytest_experiments.downtime.batch import batch_key, budget_lines

        batch = config.stash.get(batch_key, None)
        if batch is None:
            return []
        return [line + self._see_below(batch) for line in budget_lines(batch)[:1]]

    @staticmethod
    def _see_below(batch: Batch) -> str:
        return f"; {len(batch.dropped)} deselected, listed at the end" if batch.dropped else ""

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        from pytest_experiments.downtime.batch import batch_key, budget_lines

        batch = self.config.stash.get(batch_key, None)
        lines = budget_lines(batch) if batch is not None else []
        if not lines:
            return
        terminalreporter.write_sep("=", "budget")
        for line in lines:
            terminalreporter.write_line(line)
