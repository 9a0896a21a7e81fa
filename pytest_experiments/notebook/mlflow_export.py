"""``pytest-experiments export --format mlflow``: every journaled result as an MLflow run.

One MLflow run per result, in one MLflow experiment (``--experiment``, default the journal's
project name), through :class:`mlflow.tracking.MlflowClient` at ``--tracking-uri`` (default:
MLflow's own, ``MLFLOW_TRACKING_URI``):

* run name: the experiment's node id; start and end: the result's run start and the result's
  end; status ``FINISHED`` for an answer or a verdict, ``FAILED`` for a failure or a crash;
* params: fraction, rows, total rows, seed, mode, commit, branch, host, Python;
* metrics: the answer's numbers with their interval bounds (``answer``, ``answer.low``,
  ``answer.high``, or ``answer.best``, ``answer.best.low``, … for a dict answer), and
  ``duration``;
* tags: question, expectation, verdict, the node id, the journal run's uid and
  ``pytest_experiments.result`` = ``<run uid>/<node id>``, the result's stable id.

Idempotent: the result ids already in the MLflow experiment are read first (one paged search),
and only the others are written, so exporting twice adds nothing. Each run is written with one
``log_batch`` call, within MLflow's limits (1,000 metrics, 100 params, 100 tags per call; long
values are cut to MLflow's lengths). mlflow is imported only here.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from pytest_experiments.notebook.answer_values import SCALAR, numeric_parts
from pytest_experiments.notebook.export import records

#: The tag that names a journal result in MLflow; its value is ``<run uid>/<node id>``.
RESULT_TAG = "pytest_experiments.result"

#: MLflow's limits (``mlflow.utils.validation``): values longer are cut.
PARAM_LENGTH = 6000
TAG_LENGTH = 5000
METRIC_NAME_LENGTH = 250

_PARAMS = (
    "fraction",
    "rows",
    "total_rows",
    "seed",
    "git_commit",
    "git_branch",
    "host",
    "python",
)
_FAILED = ("failed", "error", "crashed")


def result_id(record: dict[str, Any]) -> str:
    return f"{record['run_uid']}/{record['nodeid']}"


def mode_text(mode: Any) -> str:
    if not isinstance(mode, dict):
        return str(mode)
    if mode.get("full"):
        return "full"
    share = mode.get("sample") or mode.get("ini_sample")
    return f"sample {share}" if share is not None else "sample (default)"


def _metric_name(name: str) -> str:
    cleaned = "".join(char if char.isalnum() or char in "_-./ " else "_" for char in name)
    return cleaned[:METRIC_NAME_LENGTH]


def metrics_of(record: dict[str, Any]) -> dict[str, float]:
    """The answer's finite numbers and interval bounds, and the duration."""
    found: dict[str, float] = {}
    for name, number in numeric_parts(record.get("answer")).items():
        base = "answer" if name == SCALAR else _metric_name(f"answer.{name}")
        for suffix, value in (("", number.value), (".low", number.low), (".high", number.high)):
            if value is not None and math.isfinite(value):
                found[base + suffix] = float(value)
    duration = record.get("duration")
    if isinstance(duration, (int, float)) and math.isfinite(duration):
        found["duration"] = float(duration)
    return found


def params_of(record: dict[str, Any]) -> dict[str, str]:
    params = {
        name: str(record[name])[:PARAM_LENGTH] for name in _PARAMS if record.get(name) is not None
    }
    params["mode"] = mode_text(record.get("mode"))
    return params


def tags_of(record: dict[str, Any]) -> dict[str, str]:
    tags = {
        RESULT_TAG: result_id(record),
        "pytest_experiments.nodeid": str(record["nodeid"]),
        "pytest_experiments.run_uid": str(record["run_uid"]),
        "verdict": str(record["verdict"]),
        "mlflow.note.content": str(record.get("question") or ""),
    }
    for name in ("question", "expectation", "answer_text", "error"):
        if record.get(name):
            tags[name] = str(record[name])
    return {key: value[:TAG_LENGTH] for key, value in tags.items()}


def _exported(client: Any, experiment_id: str) -> set[str]:
    """The result ids already in the MLflow experiment (deleted runs too)."""
    from mlflow.entities import ViewType

    seen: set[str] = set()
    token = None
    while True:
        page = client.search_runs(
            [experiment_id], max_results=1000, page_token=token, run_view_type=ViewType.ALL
        )
        for run in page:
            value = run.data.tags.get(RESULT_TAG)
            if value:
                seen.add(value)
        token = getattr(page, "token", None)
        if not token:
            return seen


def export_mlflow(
    connection: sqlite3.Connection,
    tracking_uri: str | None,
    experiment: str,
    progress: Callable[[int], None] = lambda count: None,
) -> tuple[int, int]:
    """Write the journal's results as MLflow runs; ``(written, already there)``."""
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = (
        found.experiment_id if found is not None else client.create_experiment(experiment)
    )
    seen = _exported(client, experiment_id)
    written = skipped = 0
    for record in records(connection):
        if result_id(record) in seen:
            skipped += 1
            continue
        started = int(float(record["started"]) * 1000)
        finished = int(float(record["finished"]) * 1000)
        run = client.create_run(
            experiment_id,
            start_time=started,
            tags={RESULT_TAG: result_id(record)},
            run_name=str(record["nodeid"]),
        )
        metrics = [Metric(key, value, finished, 0) for key, value in metrics_of(record).items()]
        params = [Param(key, value) for key, value in params_of(record).items()]
        tags = [RunTag(key, value) for key, value in tags_of(record).items()]
        for chunk in _chunks(metrics, 1000):
            client.log_batch(run.info.run_id, metrics=chunk)
        client.log_batch(run.info.run_id, params=params[:100], tags=tags[:100])
        status = "FAILED" if record["verdict"] in _FAILED else "FINISHED"
        client.set_terminated(run.info.run_id, status=status, end_time=finished)
        seen.add(result_id(record))
        written += 1
        progress(written)
    return written, skipped


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def project_name(connection: sqlite3.Connection) -> str:
    """The journal's project (its git root commit, or the directory's name) for the default
    MLflow experiment name."""
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'project'").fetchone()
    except sqlite3.Error:
        row = None
    name = str(row[0]) if row and row[0] else "journal"
    return f"pytest-experiments {name[:12]}" if len(name) == 40 else f"pytest-experiments {name}"
