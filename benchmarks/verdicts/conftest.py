"""The benchmark's own wiring: the ``truth`` marker and, for ``run.py``, a results file.

``@pytest.mark.truth(kind, holds=..., why=...)`` records what is known about an experiment's
claim independently of any run:

* ``kind`` is ``"effect"`` (a difference between learners or settings that exists),
  ``"threshold"`` (a score claimed to clear a bar) or ``"null"`` (no effect by construction);
* ``holds`` says whether the claim is true of the population (for nulls: the truth is exactly
  the boundary value, e.g. a difference of 0, so ``"> 0"`` does not hold and ``confirmed`` is a
  false alarm, while ``approx(0, abs=0.01)`` holds and ``refuted`` is the false alarm);
  ``None`` when the full data cannot settle it (a near-threshold claim);
* ``why`` explains how we know;
* ``error_expected=True`` marks an experiment whose definition is wrong in a way the plugin
  should refuse (e.g. a loss passed as a score without ``greater_is_better=False``): an error
  or failure is the right outcome there, and ``run.py`` counts it so.

Before the experiments run, every process that runs them builds the data sets
(``benchdata.warm``), so an experiment's measured CPU time never includes building a data set.

When the environment variable ``BENCH_RESULTS`` names a file, the controller (the only process
without xdist, never an xdist worker) appends one JSON line per experiment: its node id, the
``report.experiment`` dict the plugin attaches, the truth, and the CPU time of the experiment's
call. Truth and CPU time travel from the worker to the controller in ``report.user_properties``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

KINDS = ("effect", "threshold", "null")
TRUTH_PROPERTY = "bench_truth"
CPU_PROPERTY = "bench_cpu_seconds"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "truth(kind, holds=None, why='', error_expected=False): what is known about the claim "
        "(verdict benchmark)",
    )
    path = os.environ.get("BENCH_RESULTS")
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(ResultsFile(Path(path)), "bench-results-file")


def read_truth(marker: pytest.Mark | None, nodeid: str) -> dict[str, Any]:
    if marker is None or len(marker.args) != 1 or marker.args[0] not in KINDS:
        raise pytest.UsageError(
            f"{nodeid}: every benchmark experiment needs @pytest.mark.truth(kind, holds=..., "
            f"why=...) with kind one of {', '.join(KINDS)}"
        )
    holds = marker.kwargs.get("holds")
    if holds not in (True, False, None):
        raise pytest.UsageError(f"{nodeid}: truth(holds=...) must be True, False or None")
    error_expected = marker.kwargs.get("error_expected", False)
    if error_expected not in (True, False):
        raise pytest.UsageError(f"{nodeid}: truth(error_expected=...) must be True or False")
    return {
        "kind": marker.args[0],
        "holds": holds,
        "why": str(marker.kwargs.get("why", "")),
        "error_expected": error_expected,
    }


def pytest_collection_finish(session: pytest.Session) -> None:
    # Build the data sets before any experiment runs (in every xdist worker, each of which
    # collects), so the CPU time measured for an experiment never includes building a data set
    # that it happened to be the first in its process to ask for. Building them is the same
    # work in every mode, and would otherwise land on a different experiment in each run.
    if session.items and not session.config.option.collectonly:
        import benchdata

        benchdata.warm()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.Function) and item.originalname.startswith("exp_"):
            truth = read_truth(item.get_closest_marker("truth"), item.nodeid)
            item.user_properties.append((TRUTH_PROPERTY, truth))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    # CPU time of the experiment's process (every --sample auto look included): unlike the
    # wall-clock duration it does not grow when other jobs share the machine. With one BLAS
    # thread per process it is the compute the experiment used.
    started = time.process_time()
    try:
        return (yield)
    finally:
        item.user_properties.append((CPU_PROPERTY, time.process_time() - started))


class ResultsFile:
    """Appends each experiment's result and truth to a JSON-lines file (controller only)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "experiment", None)
        if data is None:
            return
        properties = dict(report.user_properties)
        line = {
            "nodeid": report.nodeid,
            "when": report.when,
            "result": data,
            "truth": properties.get(TRUTH_PROPERTY),
            "cpu_seconds": properties.get(CPU_PROPERTY),
        }
        with self.path.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(line) + "\n")
