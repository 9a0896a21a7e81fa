"""Journals for the command-line tests, written the way the plugin writes them.

:class:`JournalBuilder` writes through :mod:`pytest_experiments.notebook.journal` (the plugin's
own write API), or, with ``writer="schema-doc"``, with plain sqlite3 from the SQL in
``docs/journal-schema.md`` — so the reading side is tested against both the code and the
documented schema. Run end times are set directly, since the write API stamps "now".

:func:`lab_journal` writes a small but realistic history of four runs (sample and full-data
fractions, a verdict that flips, answers that move, an experiment added and one gone, estimates
with intervals, a crash and a failure).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pytest_experiments.notebook.journal import SCHEMA_VERSION, Journal, RunInfo, open_journal

SCHEMA_DOC = Path(__file__).resolve().parent.parent / "docs" / "journal-schema.md"

DAY = 86_400.0
#: 2025-11-20 09:00 UTC, the first run of :func:`lab_journal`.
T0 = 1_763_629_200.0


def schema_sql() -> str:
    """The ``sql`` block of the schema document."""
    match = re.search(r"```sql\n(.*?)```", SCHEMA_DOC.read_text(), re.DOTALL)
    assert match, f"no ```sql block in {SCHEMA_DOC}"
    return match.group(1)


def estimate(value: float, low: float, high: float, n: int = 300) -> dict[str, Any]:
    return {
        "kind": "estimate",
        "value": value,
        "low": low,
        "high": high,
        "level": 0.95,
        "n": n,
        "method": "wilson",
    }


def estimate_text(value: float, low: float, high: float) -> str:
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


@dataclass
class JournalBuilder:
    """Writes runs and results through the journal's write API, or from the schema document."""

    path: Path
    writer: Literal["journal", "schema-doc"] = "journal"
    connection: sqlite3.Connection = field(init=False)
    journal: Journal | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.writer == "journal":
            self.journal = open_journal(self.path)
        self.connection = sqlite3.connect(self.path, timeout=30)
        if self.writer == "schema-doc":
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.executescript(schema_sql())
            self.connection.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("created_by", "pytest-experiments 0.1.0"),
                ],
            )
            self.connection.commit()

    def run(
        self,
        started: float,
        *,
        took: float | None = 60.0,
        full: bool = False,
        sample: float | None = 0.05,
        seed: int = 0,
        commit: str | None = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
        dirty: bool = False,
        command: str | None = None,
        exit_status: int | None = 0,
    ) -> int:
        mode = {
            "full": full,
            "sample": None if full else sample,
            "ini_sample": None,
            "seed": seed,
            "confidence": 0.95,
        }
        if command is None:
            command = "pytest --full -n 2" if full else f"pytest -m experiment --sample {sample}"
        packages = {"pytest": "9.2.0", "numpy": "2.1.0", "scikit-learn": "1.5.2"}
        if self.journal is not None:
            run_id = self.journal.start_run(
                RunInfo(
                    uid=uuid.uuid4().hex,
                    started=started,
                    command=command,
                    mode=mode,
                    git_commit=commit,
                    git_branch="main" if commit else None,
                    git_dirty=None if commit is None else dirty,
                    host="lab-server",
                    python="3.11.7",
                    packages=packages,
                )
            )
            if took is not None:
                self.connection.execute(
                    "UPDATE runs SET finished = ?, exit_status = ? WHERE id = ?",
                    (started + took, exit_status, run_id),
                )
                self.connection.commit()
            return run_id
        cursor = self.connection.execute(
            """INSERT INTO runs (uid, started, finished, exit_status, command, mode, git_commit,
                                 git_branch, git_dirty, host, python, packages)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                uuid.uuid4().hex,
                started,
                None if took is None else started + took,
                None if took is None else exit_status,
                command,
                json.dumps(mode),
                commit,
                "main" if commit else None,
                None if commit is None else int(dirty),
                "lab-server",
                "3.11.7",
                json.dumps(packages),
            ),
        )
        self.connection.commit()
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def result(
        self,
        run_id: int,
        nodeid: str,
        *,
        question: str | None,
        status: str,
        answer: Any = None,
        answer_text: str | None = None,
        expectation: str | None = None,
        fraction: float = 0.05,
        rows: int | None = None,
        total_rows: int | None = None,
        seed: int = 12345,
        record: dict[str, Any] | None = None,
        duration: float = 1.5,
        error: str | None = None,
        worker: str | None = "gw0",
        reused_from: int | None = None,
    ) -> None:
        if answer_text is None and answer is not None:
            answer_text = json.dumps(answer)
        data = {
            "nodeid": nodeid,
            "index": 0,
            "question": question,
            "expectation": expectation,
            "fraction": fraction,
            "seed": seed,
            "status": status,
            "answer": answer,
            "answer_text": answer_text,
            "rows": rows,
            "total_rows": total_rows,
            "record": record or {},
            "duration": duration,
            "error": error,
        }
        if reused_from is not None:
            data["reused_from"] = reused_from
        if self.journal is not None:
            self.journal.add_result(run_id, data, worker or "master")
            return
        self.connection.execute(
            """INSERT OR IGNORE INTO results (run_id, nodeid, question, expectation, status,
                   answer, answer_text, fraction, rows, total_rows, seed, record, duration,
                   error, worker, finished, data)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                run_id,
                nodeid,
                question,
                expectation,
                status,
                None if answer is None else json.dumps(answer),
                answer_text,
                fraction,
                rows,
                total_rows,
                seed,
                json.dumps(record or {}),
                duration,
                error,
                worker,
                time.time(),
                json.dumps(data),
            ),
        )
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()
        if self.journal is not None:
            self.journal.close()


# -- the lab's history -------------------------------------------------------------------------

SVC = "tests/exp_digits.py::exp_svc_accuracy"
SCALING = "tests/exp_wine.py::exp_scaling_helps_knn"
LR_NB = "tests/exp_cancer.py::exp_lr_vs_nb"
LEGACY = "tests/exp_old.py::exp_legacy_split_leaks"
MARKUP = "tests/exp_markup.py::exp_markup"
ROWS = "tests/exp_new.py::exp_rows_needed"
TREE = "tests/exp_digits.py::exp_tree_overfits"

QUESTIONS = {
    SVC: "Is an RBF SVC at least 90% accurate on digits?",
    SCALING: "Does scaling help k-NN on wine?",
    LR_NB: "How do logistic regression and Gaussian NB compare on breast cancer?",
    LEGACY: "Does the legacy split leak test rows into training?",
    MARKUP: "Does <script>alert(1)</script> show as text?",
    ROWS: "How many rows does the learning curve need?",
    TREE: "Does a depth-20 tree overfit digits?",
}

#: (digits, wine, cancer) rows at 5 % and in full
DIGITS = (90, 1797)
WINE = (9, 178)
CANCER = (28, 569)

SVC_ANSWERS = {  # run -> (value, low, high, status)
    1: (0.870, 0.842, 0.897, "inconclusive"),
    2: (0.970, 0.961, 0.977, "confirmed"),
    3: (0.930, 0.902, 0.951, "confirmed"),
    4: (0.975, 0.967, 0.982, "confirmed"),
}
SCALING_ANSWERS = {1: 0.031, 2: 0.045, 3: -0.012, 4: 0.052}
SCALING_STATUS = {1: "confirmed", 2: "confirmed", 3: "refuted", 4: "confirmed"}
LR_NB_ANSWERS = {
    1: {"lr": 0.95, "nb": 0.93},
    2: {"lr": 0.972, "nb": 0.94},
    3: {"lr": 0.972, "nb": 0.94},
    4: {"lr": 0.975, "nb": 0.94},
}
RUN_STARTS = {1: T0, 2: T0 + 0.5 * DAY, 3: T0 + 1.05 * DAY, 4: T0 + 2.6 * DAY}
TREE_ERROR = (
    "ValueError: max_depth must be >= 1, got 0\n  File lab/models.py, line 12, in build_tree"
)
CRASH_ERROR = "worker 'gw1' crashed while running tests/exp_new.py::exp_rows_needed"


def lab_journal(path: Path, writer: Literal["journal", "schema-doc"] = "journal") -> Path:
    """Four runs of a small lab: sample, full, sample (dirty checkout), full (unfinished).

    Between runs 3 and 4: SCALING flips refuted -> confirmed, SVC and LR_NB answers move, ROWS
    is added (crashed), LEGACY is gone, MARKUP and TREE are unchanged.
    """
    journal = JournalBuilder(path, writer)
    full_runs = {2, 4}
    runs = {
        1: journal.run(RUN_STARTS[1], took=42.0, sample=0.05),
        2: journal.run(RUN_STARTS[2], took=3720.0, full=True),
        3: journal.run(
            RUN_STARTS[3],
            took=38.5,
            sample=0.05,
            commit="9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
            dirty=True,
            exit_status=1,
        ),
        4: journal.run(
            RUN_STARTS[4], took=None, full=True, commit="9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
        ),
    }
    for number, run_id in runs.items():
        full = number in full_runs
        fraction = 1.0 if full else 0.05

        def rows(pair: tuple[int, int], full: bool = full) -> dict[str, int]:
            return {"rows": pair[1] if full else pair[0], "total_rows": pair[1]}

        value, low, high, status = SVC_ANSWERS[number]
        journal.result(
            run_id,
            SVC,
            question=QUESTIONS[SVC],
            expectation=">= 0.9",
            status=status,
            answer=estimate(value, low, high, n=rows(DIGITS)["rows"]),
            answer_text=estimate_text(value, low, high),
            fraction=fraction,
            **rows(DIGITS),
            record={"kernel": "rbf", "C": 1.0},
            duration=120.0 if full else 4.0,
        )
        journal.result(
            run_id,
            SCALING,
            question=QUESTIONS[SCALING],
            expectation="> 0",
            status=SCALING_STATUS[number],
            answer=SCALING_ANSWERS[number],
            answer_text=f"{SCALING_ANSWERS[number]:.4g}",
            fraction=fraction,
            **rows(WINE),
        )
        journal.result(
            run_id,
            LR_NB,
            question=QUESTIONS[LR_NB],
            status="answered",
            answer=LR_NB_ANSWERS[number],
            answer_text=", ".join(f"{k}={v:.4g}" for k, v in LR_NB_ANSWERS[number].items()),
            fraction=fraction,
            **rows(CANCER),
        )
        journal.result(
            run_id,
            MARKUP,
            question=QUESTIONS[MARKUP],
            status="answered",
            answer="<b>bold</b> & <i>italic</i>",
            answer_text="'<b>bold</b> & <i>italic</i>'",
            fraction=fraction,
            record={"note": "<img src=x onerror=alert(2)>"},
        )
        if number <= 3:
            journal.result(
                run_id,
                LEGACY,
                question=QUESTIONS[LEGACY],
                expectation="== False",
                status="confirmed",
                answer=False,
                answer_text="False",
                fraction=fraction,
                **rows(DIGITS),
            )
        if number >= 3:
            journal.result(
                run_id,
                TREE,
                question=QUESTIONS[TREE],
                expectation="> 0.05",
                status="failed",
                error=TREE_ERROR,
                fraction=fraction,
            )
        if number == 4:
            journal.result(
                run_id,
                ROWS,
                question=QUESTIONS[ROWS],
                status="crashed",
                error=CRASH_ERROR,
                fraction=fraction,
                worker="gw1",
            )
    journal.close()
    return path


def family_journal(path: Path, alone: bool = False) -> Path:
    """``exp_knn[k]`` for k = 25, 3, 1, 10 (in that order): one refuted, three confirmed;
    with ``alone``, also ``exp_alone[only]``, a parametrized experiment of one variant."""
    journal = JournalBuilder(path)
    run = journal.run(T0)
    for k, status in ((25, "refuted"), (3, "confirmed"), (1, "confirmed"), (10, "confirmed")):
        value = round(1 - k / 100, 2)
        journal.result(
            run,
            f"t.py::exp_knn[{k}]",
            question="Is k-NN at least 90% accurate?",
            expectation=">= 0.9",
            status=status,
            answer=estimate(value, value - 0.02, value + 0.01),
            answer_text=estimate_text(value, value - 0.02, value + 0.01),
            fraction=1.0,
            rows=1797,
        )
    if alone:
        journal.result(run, "t.py::exp_alone[only]", question="Alone?", status="answered", answer=1)
    journal.close()
    return path
