"""The journal file: its schema, its rows, and the files it refuses without changing them."""

from __future__ import annotations

import json
import math
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_experiments.notebook import journal as journal_module
from pytest_experiments.notebook import provenance
from pytest_experiments.notebook.journal import JournalError, RunInfo, open_journal

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "journal-schema.md"


def run_info(uid: str = "a" * 32) -> RunInfo:
    return RunInfo(
        uid=uid,
        started=1000.0,
        command="pytest --sample 0.05",
        mode={"full": False, "sample": 0.05, "seed": 0},
        git_commit="abc",
        git_branch="main",
        git_dirty=True,
        host="box",
        python="3.11.7",
        packages={"pytest": "9.0"},
    )


def result(nodeid: str = "test_s.py::exp_a", **fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "nodeid": nodeid,
        "index": 1,
        "question": "Is it good?",
        "expectation": ">= 0.9",
        "fraction": 0.05,
        "seed": 7,
        "status": "confirmed",
        "answer": 0.93,
        "answer_text": "0.93",
        "rows": 50,
        "total_rows": 1000,
        "record": {"folds": 3},
        "duration": 1.5,
        "error": None,
    }
    data.update(fields)
    return data


def shape(db: sqlite3.Connection) -> dict[str, object]:
    """Tables' columns (name, type, not null, pk), uniques and indexes: the schema's shape."""
    tables = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    found: dict[str, object] = {}
    for table in tables:
        columns = [
            (name, kind, notnull, pk)
            for _, name, kind, notnull, _, pk in db.execute(f"PRAGMA table_info({table})")
        ]
        indexes = sorted(
            (
                unique,
                tuple(column[2] for column in db.execute(f"PRAGMA index_info('{name}')")),
            )
            for _, name, unique, *_ in db.execute(f"PRAGMA index_list({table})")
        )
        keys = [tuple(row[2:5]) for row in db.execute(f"PRAGMA foreign_key_list({table})")]
        found[table] = (columns, indexes, keys)
    return found


def test_a_new_journal_has_exactly_the_documented_schema(tmp_path: Path) -> None:
    sql = re.search(r"```sql\n(.*?)```", SCHEMA_DOC.read_text(), re.S)
    assert sql is not None, "the schema document lost its sql block"
    documented = sqlite3.connect(":memory:")
    documented.executescript(sql.group(1))

    path = tmp_path / "deep" / "er" / "journal.sqlite"
    open_journal(path).close()

    db = sqlite3.connect(path)
    assert shape(db) == shape(documented)
    assert dict(db.execute("SELECT key, value FROM meta")) == {
        "schema_version": "3",
        "created_by": "pytest-experiments 0.1.0",
    }
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rows_round_trip_losslessly(tmp_path: Path) -> None:
    estimate = {"kind": "estimate", "value": 0.9, "low": 0.85, "high": 0.95, "level": 0.95}
    with open_journal(tmp_path / "j.sqlite") as journal:
        run_id = journal.start_run(run_info())
        assert journal.add_result(run_id, result(answer=estimate), "gw1")
        assert journal.add_result(
            run_id,
            result("test_s.py::exp_b", answer=float("nan"), record={"worst": -math.inf}),
            "master",
        )
        journal.finish_run(run_id, 1)

        (run,) = journal.runs()
        assert (run.id, run.uid, run.exit_status, run.git_dirty) == (run_id, "a" * 32, 1, True)
        assert run.finished is not None and run.finished >= run.started
        assert run.mode == {"full": False, "sample": 0.05, "seed": 0}
        first, second = journal.results(run_id)
        assert first.answer == estimate
        assert first.data == result(answer=estimate)
        assert (first.worker, first.rows, first.record) == ("gw1", 50, {"folds": 3})
        assert math.isnan(second.answer) and second.record == {"worst": -math.inf}
        assert journal.latest_result("test_s.py::exp_b") == second
        assert journal.latest_result("test_s.py::exp_missing") is None


def test_a_result_is_never_written_twice_for_one_run(tmp_path: Path) -> None:
    with open_journal(tmp_path / "j.sqlite") as journal:
        run_id = journal.start_run(run_info())
        assert journal.start_run(run_info()) == run_id, "a second process of the run joins it"
        assert journal.add_result(run_id, result(answer=1), "gw0")
        assert not journal.add_result(run_id, result(answer=2), "controller")
        assert not journal.add_crash(run_id, result(), "worker died", "gw0")
        assert [row.answer for row in journal.results(run_id)] == [1]

        later = journal.start_run(run_info("b" * 32))
        journal.add_crash(later, result(), "worker 'gw0' crashed", "gw0", duration=2.0)
        history = journal.history("test_s.py::exp_a")
        assert [(row.run_id, row.status) for row in history] == [
            (later, "crashed"),
            (run_id, "confirmed"),
        ]
        assert history[0].error == "worker 'gw0' crashed" and history[0].answer is None


def test_a_newer_journal_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    open_journal(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    before = path.read_bytes()

    for create in (True, False):
        with pytest.raises(JournalError) as raised:
            open_journal(path, create=create)
        message = str(raised.value)
        assert "newer pytest-experiments (journal schema 99" in message
        assert "upgrade pytest-experiments" in message and "\n" not in message
    assert path.read_bytes() == before


def test_a_damaged_file_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(JournalError, match=r"is not a readable journal .*move it aside"):
        open_journal(path)
    assert path.read_bytes() == bytes(range(256)) * 40


def test_another_database_is_not_taken_for_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE mine (x)")
    db.commit()
    db.close()
    with pytest.raises(JournalError, match="not a pytest-experiments journal"):
        open_journal(path)


def test_a_missing_journal_is_not_created_when_only_reading(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match=r"^no journal at .*run some experiments"):
        open_journal(tmp_path / "none" / "j.sqlite", create=False)
    assert not (tmp_path / "none").exists()


def test_a_directory_is_not_a_journal(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="is a directory"):
        open_journal(tmp_path)


def test_a_journal_locked_too_long_says_so(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with open_journal(path) as journal:
        run_id = journal.start_run(run_info())
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with open_journal(path, timeout=0.1) as journal:
            with pytest.raises(JournalError, match="stayed locked by another process"):
                journal.add_result(run_id, result(), "gw0")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_an_older_journal_is_migrated_step_by_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "j.sqlite"
    open_journal(path).close()

    def add_notes(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE results ADD COLUMN notes TEXT")

    current = journal_module.SCHEMA_VERSION
    monkeypatch.setattr(journal_module, "SCHEMA_VERSION", current + 1)
    monkeypatch.setattr(journal_module, "MIGRATIONS", [*journal_module.MIGRATIONS, add_notes])
    open_journal(path).close()
    db = sqlite3.connect(path)
    version = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert version == (str(current + 1),)
    assert "notes" in [row[1] for row in db.execute("PRAGMA table_info(results)")]


def test_a_failing_migration_leaves_the_journal_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "j.sqlite"
    open_journal(path).close()

    def half_done(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE results ADD COLUMN notes TEXT")
        raise sqlite3.OperationalError("disk I/O error")

    current = journal_module.SCHEMA_VERSION
    monkeypatch.setattr(journal_module, "SCHEMA_VERSION", current + 1)
    monkeypatch.setattr(journal_module, "MIGRATIONS", [*journal_module.MIGRATIONS, half_done])
    with pytest.raises(JournalError, match="disk I/O error"):
        open_journal(path)
    db = sqlite3.connect(path)
    version = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert version == (str(current),)
    assert "notes" not in [row[1] for row in db.execute("PRAGMA table_info(results)")]


V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, uid TEXT NOT NULL UNIQUE, started REAL NOT NULL,
    finished REAL, exit_status INTEGER, command TEXT NOT NULL, mode TEXT NOT NULL,
    git_commit TEXT, git_branch TEXT, git_dirty INTEGER, host TEXT NOT NULL,
    python TEXT NOT NULL, packages TEXT NOT NULL
);
CREATE TABLE results (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL REFERENCES runs(id),
    nodeid TEXT NOT NULL, question TEXT, expectation TEXT, status TEXT NOT NULL, answer TEXT,
    answer_text TEXT, fraction REAL NOT NULL, rows INTEGER, total_rows INTEGER,
    seed INTEGER NOT NULL, record TEXT NOT NULL, duration REAL NOT NULL, error TEXT,
    worker TEXT, finished REAL NOT NULL, data TEXT NOT NULL, UNIQUE (run_id, nodeid)
);
CREATE INDEX results_nodeid ON results (nodeid, run_id);
CREATE INDEX results_question ON results (question);
INSERT INTO meta VALUES ('schema_version', '1'), ('created_by', 'pytest-experiments 0.1.0');
INSERT INTO runs VALUES (1, 'u1', 1000.0, 1010.0, 0, 'pytest', '{}', NULL, NULL, NULL, 'box',
    '3.11.7', '{}');
INSERT INTO results VALUES (1, 1, 'test_s.py::exp_a', 'Q?', NULL, 'answered', '3', '3', 0.1,
    10, 100, 7, '{}', 2.5, NULL, 'master', 1009.0,
    '{"nodeid": "test_s.py::exp_a", "status": "answered", "fraction": 0.1, "seed": 7}');
"""


def test_a_version_1_journal_is_migrated_to_the_documented_schema_keeping_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(V1_SCHEMA)
    old.close()
    with open_journal(path) as journal:
        (row,) = journal.history("test_s.py::exp_a")
        assert (row.status, row.answer, row.duration) == ("answered", 3, 2.5)
        (run,) = journal.runs()
        assert (run.finished, run.tests, run.tests_seconds) == (1010.0, None, None)
        # Old results have no fingerprint, so nothing written before v2 is ever reused.
        assert journal.latest_with_fingerprint("test_s.py::exp_a", "", ["answered"]) is None
    documented = sqlite3.connect(":memory:")
    sql = re.search(r"```sql\n(.*?)```", SCHEMA_DOC.read_text(), re.S)
    assert sql is not None
    documented.executescript(sql.group(1))
    assert shape(sqlite3.connect(path)) == shape(documented)


def test_results_are_found_by_fingerprint_and_status(tmp_path: Path) -> None:
    with open_journal(tmp_path / "j.sqlite") as journal:
        for number, (status, fingerprint) in enumerate(
            [("confirmed", "f1"), ("crashed", "f1"), ("refuted", "f2")], start=1
        ):
            run_id = journal.start_run(run_info(str(number) * 32))
            journal.add_result(run_id, result(status=status, fingerprint=fingerprint), "gw0")
            journal.finish_run(run_id, 0, tests=4, tests_seconds=0.5)
        found = journal.latest_with_fingerprint("test_s.py::exp_a", "f1", ["confirmed", "refuted"])
        assert found is not None and (found.run_id, found.status) == (1, "confirmed")
        assert journal.latest_with_fingerprint("test_s.py::exp_a", "f1", ["crashed"]) is not None
        assert journal.latest_with_fingerprint("test_s.py::exp_a", "f3", ["confirmed"]) is None
        assert [(run.tests, run.tests_seconds) for run in journal.runs()] == [(4, 0.5)] * 3


# -- provenance ------------------------------------------------------------------------------


def git(directory: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *arguments],
        cwd=directory,
        check=True,
        capture_output=True,
    )


def test_git_provenance_of_a_checkout(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "trunk")
    assert provenance.git_state(tmp_path) == (None, None, None), "no commit yet"
    (tmp_path / "lab.py").write_text("x = 1\n")
    git(tmp_path, "add", "lab.py")
    git(tmp_path, "commit", "-q", "-m", "first")
    commit, branch, dirty = provenance.git_state(tmp_path / ".")
    assert re.fullmatch(r"[0-9a-f]{40}", commit or "") and branch == "trunk" and dirty is False

    (tmp_path / "notes.txt").write_text("untracked files do not make the code dirty\n")
    assert provenance.git_state(tmp_path)[2] is False
    (tmp_path / "lab.py").write_text("x = 2\n")
    assert provenance.git_state(tmp_path)[2] is True

    git(tmp_path, "checkout", "-q", "--detach")
    assert provenance.git_state(tmp_path)[:2] == (commit, None)


def test_no_git_provenance_outside_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert provenance.git_state(tmp_path) == (None, None, None)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert provenance.git_state(tmp_path) == (None, None, None), "git not installed"


def test_package_versions_are_read_without_importing_the_packages() -> None:
    code = (
        "import json, sys; from pytest_experiments.notebook import provenance; "
        "v = provenance.package_versions(); "
        "print(json.dumps([v, [m for m in ('numpy', 'scipy', 'sklearn', 'pandas') "
        "if m in sys.modules]]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    versions, imported = json.loads(output)
    assert imported == []
    assert {"pytest", "numpy", "scikit-learn", "pytest-experiments"} <= set(versions)
    assert versions["pytest"] == pytest.__version__
