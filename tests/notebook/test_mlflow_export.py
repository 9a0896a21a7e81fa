"""``export --format mlflow``: one MLflow run per journaled result in a real local tracking
store (``sqlite:///``), read back with ``MlflowClient.search_runs``; a second export adds
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from journal_fixtures import lab_journal

from pytest_experiments.commands import main

mlflow = pytest.importorskip("mlflow")


def runs_in(uri: str, name: str) -> list[object]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(name)
    assert experiment is not None
    return list(client.search_runs([experiment.experiment_id], max_results=1000))


def test_each_result_becomes_one_mlflow_run_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = lab_journal(tmp_path / "j.sqlite")
    import sqlite3

    with sqlite3.connect(journal) as connection:
        results = connection.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    export = ["export", "--format", "mlflow", "--tracking-uri", uri, "--experiment", "lab"]
    assert main([*export, f"--journal={journal}"]) == 0
    assert f"wrote {results} MLflow runs to experiment 'lab'" in capsys.readouterr().err
    runs = runs_in(uri, "lab")
    assert len(runs) == results
    svc = [
        run
        for run in runs
        if run.info.run_name == "tests/exp_digits.py::exp_svc_accuracy"  # type: ignore[attr-defined]
        and run.data.params["fraction"] == "1.0"  # type: ignore[attr-defined]
    ]
    assert svc, "the SVC's full-data results"
    data = svc[0].data  # type: ignore[attr-defined]
    assert data.tags["verdict"] == "confirmed"
    assert data.tags["question"] == "Is an RBF SVC at least 90% accurate on digits?"
    assert data.tags["expectation"] == ">= 0.9"
    assert {"answer", "answer.low", "answer.high", "duration"} <= set(data.metrics)
    assert data.params["mode"] == "full"
    assert len({run.data.tags["pytest_experiments.result"] for run in runs}) == results  # type: ignore[attr-defined]

    assert main([*export, f"--journal={journal}"]) == 0
    assert f"wrote 0 MLflow runs to experiment 'lab' ({results} results were there already)" in (
        capsys.readouterr().err
    )
    assert len(runs_in(uri, "lab")) == results


def test_mlflow_options_belong_to_the_mlflow_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = lab_journal(tmp_path / "j.sqlite")
    assert main(["export", "--format", "csv", "--experiment", "x", f"--journal={journal}"]) == 2
    assert "--tracking-uri and --experiment go with --format mlflow" in capsys.readouterr().err
