"""Journals with a timed history, for the downtime tests (budget, order, progress, estimates).

:func:`timed_history` writes finished runs the way the plugin does, with chosen durations, rows,
workers and wall times, so the estimates a test expects can be worked out by hand.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pytest_experiments.notebook.journal import RunInfo, open_journal

#: 2025-11-20 09:00 UTC.
T0 = 1_763_629_200.0


@dataclass
class Timed:
    """One experiment's result in a past run."""

    nodeid: str
    duration: float
    fraction: float = 0.1
    rows: int | None = 100
    total_rows: int | None = 1000
    status: str = "answered"
    worker: str = "master"
    fingerprint: str | None = None


@dataclass
class PastRun:
    """A finished past run: its results, its wall time and its plain tests."""

    results: Sequence[Timed]
    wall: float | None = None
    tests: int | None = None
    tests_seconds: float | None = None
    extra: dict[str, object] = field(default_factory=dict)


def timed_history(path: Path, runs: Sequence[PastRun], start: float = T0) -> None:
    """Write ``runs`` (oldest first, a day apart) into the journal at ``path``."""
    with open_journal(path) as journal:
        for number, run in enumerate(runs):
            started = start + number * 86_400.0
            info = RunInfo(
                f"{number:032d}", started, "pytest", {}, None, None, None, "box", "3.11.7", {}
            )
            run_id = journal.start_run(info)
            for timed in run.results:
                journal.add_result(
                    run_id,
                    {
                        "nodeid": timed.nodeid,
                        "question": "Q?",
                        "expectation": None,
                        "fraction": timed.fraction,
                        "seed": 0,
                        "rows": timed.rows,
                        "total_rows": timed.total_rows,
                        "duration": timed.duration,
                        "status": timed.status,
                        "answer": 1,
                        "answer_text": "1",
                        "fingerprint": timed.fingerprint,
                    },
                    timed.worker,
                )
            journal.finish_run(run_id, 0, run.tests, run.tests_seconds)
    # The write API stamps "now"; give each run its own times.
    db = sqlite3.connect(path)
    with db:
        for number, run in enumerate(runs):
            started = start + number * 86_400.0
            wall = run.wall if run.wall is not None else sum(t.duration for t in run.results)
            db.execute(
                "UPDATE runs SET finished = ? WHERE uid = ?", (started + wall, f"{number:032d}")
            )
            db.execute(
                "UPDATE results SET finished = ?"
                " WHERE run_id = (SELECT id FROM runs WHERE uid = ?)",
                (started + wall, f"{number:032d}"),
            )
    db.close()
