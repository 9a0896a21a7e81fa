"""The journal: an SQLite file that keeps every experiment's answer with its provenance.

The schema is documented in ``docs/journal-schema.md`` and versioned in the ``meta`` table. A
journal is opened with :func:`open_journal`; the file is created (with its parent directories)
unless ``create=False``. Several processes write at once — xdist workers, two terminals — so the
file is in WAL mode with a long busy timeout, and every write is its own short transaction,
committed at once: a process killed a moment later loses nothing it has written.

Only the standard library is used, so the journal is cheap to load from the pytest plugin.
Every problem with the file (missing, not a database, damaged, locked, written by a newer
version) is a :class:`JournalError` whose message says which file and what to do; callers show
it as one line, never as a traceback.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from pytest_experiments.running.results import STATUSES

#: The schema version this code writes and reads.
#: How the error of a row written when an experiment started begins (see ``add_started``).
UNFINISHED = "started"

#: Where pytest-experiments writes its journal, relative to pytest's rootdir.
DEFAULT_JOURNAL = Path(".experiments") / "journal.sqlite"

SCHEMA_VERSION = 3

#: Seconds a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT = 30.0

#: Statuses of a result row: the verdicts, ``answered``, pytest's failure outcomes, ``crashed``
#: (in the order counts are shown).
RESULT_STATUSES = STATUSES

_SCHEMA_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    uid         TEXT NOT NULL UNIQUE,
    started     REAL NOT NULL,
    finished    REAL,
    exit_status INTEGER,
    command     TEXT NOT NULL,
    mode        TEXT NOT NULL,
    git_commit  TEXT, git_branch TEXT, git_dirty INTEGER,
    host        TEXT NOT NULL,
    python      TEXT NOT NULL,
    packages    TEXT NOT NULL
);
CREATE TABLE results (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    nodeid      TEXT NOT NULL,
    question    TEXT,
    expectation TEXT,
    status      TEXT NOT NULL,
    answer      TEXT,
    answer_text TEXT,
    fraction    REAL NOT NULL,
    rows        INTEGER, total_rows INTEGER,
    seed        INTEGER NOT NULL,
    record      TEXT NOT NULL,
    duration    REAL NOT NULL,
    error       TEXT,
    worker      TEXT,
    finished    REAL NOT NULL,
    data        TEXT NOT NULL,
    UNIQUE (run_id, nodeid)
);
CREATE INDEX results_nodeid ON results (nodeid, run_id);
CREATE INDEX results_question ON results (question);
"""


def _create_v1(connection: sqlite3.Connection) -> None:
    # executescript() would COMMIT the caller's transaction; run the statements one by one.
    for statement in _SCHEMA_V1.split(";"):
        if statement.strip():
            connection.execute(statement)


def _migrate_v1_to_v2(connection: sqlite3.Connection) -> None:
    """Version 2: each result's input fingerprint (for ``--reuse``), and per run the number and
    total time of the plain tests that ran beside the experiments (for runtime estimates)."""
    connection.execute("ALTER TABLE results ADD COLUMN fingerprint TEXT")
    connection.execute("CREATE INDEX results_fingerprint ON results (nodeid, fingerprint)")
    connection.execute("ALTER TABLE runs ADD COLUMN tests INTEGER")
    connection.execute("ALTER TABLE runs ADD COLUMN tests_seconds REAL")


def _migrate_v2_to_v3(connection: sqlite3.Connection) -> None:
    """Version 3: off-site runs. ``runs.shard`` describes a run that was one shard of a batch
    (``--exp-shard K/N``), and ``shards`` lists the shard runs merged into a run of this
    journal (``pytest-experiments merge``)."""
    connection.execute("ALTER TABLE runs ADD COLUMN shard TEXT")
    connection.execute(_SHARDS_TABLE)


_SHARDS_TABLE = """
CREATE TABLE shards (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    uid         TEXT NOT NULL UNIQUE,
    shard       INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    host        TEXT NOT NULL,
    started     REAL NOT NULL,
    finished    REAL,
    exit_status INTEGER,
    git_commit  TEXT,
    job         TEXT,
    source      TEXT NOT NULL,
    info        TEXT NOT NULL
)"""


#: Migration steps: ``MIGRATIONS[i]`` turns a version ``i + 1`` journal into version ``i + 2``.
#: Version 1 is the base (created by :func:`_create_v1`); a new journal is created at version 1
#: and taken through every step, so new and migrated journals have the same shape. Each step runs
#: inside the one transaction that also bumps ``schema_version``.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_v1_to_v2, _migrate_v2_to_v3]


class JournalError(Exception):
    """The journal cannot be used; the message names the file and says what to do."""


@dataclass(frozen=True)
class RunInfo:
    """What is known about a run when its row is written."""

    uid: str
    started: float
    command: str
    mode: dict[str, Any]
    git_commit: str | None
    git_branch: str | None
    git_dirty: bool | None
    host: str
    python: str
    packages: dict[str, str]
    #: Who the journal belongs to (:func:`~pytest_experiments.notebook.provenance.project_of`),
    #: written into ``meta`` by the first run; None: not known.
    project: str | None = None


@dataclass(frozen=True)
class RunRow:
    """One row of ``runs``, JSON columns decoded."""

    id: int
    uid: str
    started: float
    finished: float | None
    exit_status: int | None
    command: str
    mode: dict[str, Any]
    git_commit: str | None
    git_branch: str | None
    git_dirty: bool | None
    host: str
    python: str
    packages: dict[str, str]
    #: Plain (non-experiment) tests the run finished, and their seconds (all phases); None
    #: while running, and for runs written before schema version 2.
    tests: int | None = None
    tests_seconds: float | None = None
    #: For a run that was shard K of N (``--exp-shard``): ``index``, ``count``, ``batch``,
    #: ``selected``, ``assigned``, ``partition``, ``job``; None for any other run.
    shard: dict[str, Any] | None = None


@dataclass(frozen=True)
class ResultRow:
    """One row of ``results``, JSON columns decoded (``data`` is the whole result as written)."""

    id: int
    run_id: int
    nodeid: str
    question: str | None
    expectation: str | None
    status: str
    answer: Any
    answer_text: str | None
    fraction: float
    rows: int | None
    total_rows: int | None
    seed: int
    record: dict[str, Any]
    duration: float
    error: str | None
    worker: str | None
    finished: float
    data: dict[str, Any]


def open_journal(
    path: str | Path, *, create: bool = True, timeout: float = BUSY_TIMEOUT
) -> Journal:
    """Open the journal at ``path``, creating it (and its directories) if ``create``.

    The schema is created in an empty file and migrated in an older one; a journal written by a
    newer version is refused and left exactly as it is.
    """
    return Journal(Path(path), create=create, timeout=timeout)


class Journal:
    """An open journal. Use :func:`open_journal`; close it (or use ``with``) when done."""

    def __init__(self, path: Path, *, create: bool, timeout: float) -> None:
        self.path = path
        if not path.exists():
            if not create:
                raise JournalError(
                    f"no journal at {path}; run some experiments with pytest first, or point "
                    "to an existing journal (pytest's --journal PATH / ini experiment_journal)"
                )
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise JournalError(
                    f"cannot create the journal's directory {path.parent}: {error.strerror}; "
                    "choose another place with --journal PATH or ini experiment_journal"
                ) from None
        elif path.is_dir():
            raise JournalError(
                f"the journal path {path} is a directory; give the path of a file, like "
                f"{path / 'journal.sqlite'}"
            )
        uri = f"{path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}"
        try:
            self._db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
        except sqlite3.Error as error:
            raise self._error(error) from None
        try:
            self._prepare()
        except BaseException:
            self._db.close()
            raise

    # -- opening -------------------------------------------------------------------------

    def _prepare(self) -> None:
        with self._translated():
            # Look before changing anything: a newer journal must stay byte for byte as it is,
            # and switching to WAL rewrites the file header.
            self._check_version(self._version())
            self._db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL still survives a killed process (what the kill tests check);
            # only a power loss can drop the last commits. FULL syncs every result to disk.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            version = self._version()
            if version == SCHEMA_VERSION:
                return
            with self._transaction():
                # Another process may have created or migrated the file meanwhile: look again
                # now that this one holds the write lock.
                version = self._version()
                self._check_version(version)
                if version == 0:
                    _create_v1(self._db)
                    self._db.executemany(
                        "INSERT INTO meta (key, value) VALUES (?, ?)",
                        [
                            ("schema_version", "1"),
                            ("created_by", f"pytest-experiments {_package_version()}"),
                        ],
                    )
                    version = 1
                for step in range(version, SCHEMA_VERSION):
                    MIGRATIONS[step - 1](self._db)
                self._db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'",
                    (str(SCHEMA_VERSION),),
                )

    def _version(self) -> int:
        """The file's schema version; 0 for an empty database."""
        tables = {
            row[0]
            for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if not tables:
            return 0
        if "meta" not in tables:
            raise JournalError(
                f"{self.path} is an SQLite database but not a pytest-experiments journal (it "
                "has no meta table); point --journal (or ini experiment_journal) to another file"
            )
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        try:
            return int(row[0])
        except (TypeError, ValueError):
            raise JournalError(
                f"{self.path} has no valid schema_version in its meta table, so it is not a "
                "journal this version can read; point --journal to another file"
            ) from None

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"{self.path} was written by a newer pytest-experiments (journal schema "
                f"{version}; this version reads up to {SCHEMA_VERSION}); upgrade "
                "pytest-experiments, or point --journal to another file. The journal was not "
                "changed."
            )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front, so a busy journal waits out the busy timeout
        # here instead of failing half-way through.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise self._error(error) from None

    def _error(self, error: sqlite3.Error) -> JournalError:
        text = str(error)
        if "locked" in text or "busy" in text:
            return JournalError(
                f"the journal {self.path} stayed locked by another process for longer than the "
                "busy timeout; wait for the other run to finish, or use another file with "
                "--journal PATH"
            )
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return JournalError(
                f"{self.path} is not a readable journal ({text}); move it aside or delete it "
                "to start a new one, or point --journal to another file"
            )
        if "readonly" in text or "unable to open" in text:
            return JournalError(
                f"cannot write the journal {self.path} ({text}); check its permissions, or "
                "point --journal to a writable place"
            )
        return JournalError(f"cannot use the journal {self.path}: {text}")

    def close(self) -> None:
        """Close the connection (committed rows are already on disk)."""
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------

    def start_run(self, info: RunInfo) -> int:
        """The id of the run with ``info.uid``, writing its row if no process has yet.

        Safe to call from every process of one run: the uid is unique, so the first caller
        writes the row and the others get its id.
        """
        with self._translated():
            self._db.execute(
                "INSERT OR IGNORE INTO runs (uid, started, command, mode, git_commit, git_branch,"
                " git_dirty, host, python, packages) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    info.uid,
                    info.started,
                    info.command,
                    json.dumps(info.mode),
                    info.git_commit,
                    info.git_branch,
                    None if info.git_dirty is None else int(info.git_dirty),
                    info.host,
                    info.python,
                    json.dumps(info.packages),
                ),
            )
            if info.project is not None:
                self._db.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('project', ?)",
                    (info.project,),
                )
            run_id = self.run_id(info.uid)
        assert run_id is not None, "the runs row was just written"
        return run_id

    def set_shard(self, run_id: int, shard: dict[str, Any]) -> None:
        """Say that the run is one shard of a batch (every process of the shard says the same;
        the first write stays)."""
        with self._translated():
            self._db.execute(
                "UPDATE runs SET shard = ? WHERE id = ? AND shard IS NULL",
                (json.dumps(shard), run_id),
            )

    def meta(self, key: str) -> str | None:
        """A value of the ``meta`` table (``schema_version``, ``created_by``, ``project``)."""
        with self._translated():
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on the journal's connection (``BEGIN IMMEDIATE``): all of
        what is done inside lands, or none of it."""
        with self._translated(), self._transaction():
            yield self._db

    def run_id(self, uid: str) -> int | None:
        """The id of the run with this uid, or None if its row has not been written."""
        with self._translated():
            row = self._db.execute("SELECT id FROM runs WHERE uid = ?", (uid,)).fetchone()
        return None if row is None else int(row[0])

    def run_uid(self, run_id: int) -> str | None:
        """The uid of the run with this id, or None."""
        with self._translated():
            row = self._db.execute("SELECT uid FROM runs WHERE id = ?", (run_id,)).fetchone()
        return None if row is None else str(row[0])

    def finish_run(
        self,
        run_id: int,
        exit_status: int,
        tests: int | None = None,
        tests_seconds: float | None = None,
    ) -> None:
        """Mark the run finished now, with pytest's exit status, and the number and total
        seconds of the plain tests it ran (what runtime estimates add for them)."""
        with self._translated():
            self._db.execute(
                "UPDATE runs SET finished = ?, exit_status = ?, tests = ?, tests_seconds = ?"
                " WHERE id = ?",
                (time.time(), exit_status, tests, tests_seconds, run_id),
            )

    def add_result(self, run_id: int, result: dict[str, Any], worker: str) -> bool:
        """Write one experiment's result (``ExperimentResult.to_json()``) for the run.

        Returns False when the run already has a row for this node id: a result is never
        written twice, and the first one written stays.
        """
        row = _result_columns(result)
        with self._translated():
            # The row written when the experiment started, in case its process died, gives way.
            self._db.execute(
                "DELETE FROM results WHERE run_id = ? AND nodeid = ? AND status = 'crashed'"
                " AND error LIKE ?",
                (run_id, result["nodeid"], UNFINISHED + "%"),
            )
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO results (run_id, nodeid, question, expectation, status,"
                " answer, answer_text, fraction, rows, total_rows, seed, record, duration,"
                " error, worker, finished, data, fingerprint)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, *row[:13], worker, time.time(), row[13], result.get("fingerprint")),
            )
        return cursor.rowcount == 1

    def correct_result(self, run_id: int, result: dict[str, Any]) -> None:
        """Replace the status and data of a written result: a verdict that the run's
        correction across verdicts (``--exp-correction``) made inconclusive."""
        row = _result_columns(result)
        with self._translated():
            self._db.execute(
                "UPDATE results SET status = ?, data = ? WHERE run_id = ? AND nodeid = ?",
                (result["status"], row[13], run_id, result["nodeid"]),
            )

    def add_started(self, run_id: int, result: dict[str, Any], worker: str) -> None:
        """Write a ``crashed`` row for an experiment about to run, which its result (or a
        crash report) replaces: if the process dies during the call, the row says so."""
        started = dict(result)
        started.update(
            status="crashed",
            error=f"{UNFINISHED} at {time.strftime('%H:%M:%S')} and did not finish: the process "
            "running it ended (a timeout, a kill, a crash in native code)",
            duration=0.0,
            answer=None,
        )
        self.add_result(run_id, started, worker)

    def keep_trials(self, run_id: int, nodeid: str, trials: dict[str, Any]) -> None:
        """Keep an experiment's finished tuning trials in the row written when it started, so
        that a run killed mid-search leaves them for the next (its result replaces the row)."""
        with self._translated():
            row = self._db.execute(
                "SELECT data FROM results WHERE run_id = ? AND nodeid = ? AND status = 'crashed'"
                " AND error LIKE ?",
                (run_id, nodeid, UNFINISHED + "%"),
            ).fetchone()
            if row is None:
                return
            data = json.loads(row[0]) if row[0] else {}
            data["trials_cache"] = trials
            self._db.execute(
                "UPDATE results SET data = ? WHERE run_id = ? AND nodeid = ? AND status = "
                "'crashed' AND error LIKE ?",
                (json.dumps(data), run_id, nodeid, UNFINISHED + "%"),
            )

    def add_crash(
        self, run_id: int, known: dict[str, Any], error: str, worker: str, duration: float = 0.0
    ) -> bool:
        """Record that ``known["nodeid"]`` crashed its worker, unless it already has a row.

        ``known`` holds what the controller knew of the experiment before it died (at least
        ``nodeid``, ``fraction`` and ``seed``); ``duration`` is how long it had been running.
        """
        result = dict(known)
        result.update(status="crashed", error=error, duration=duration, answer=None)
        return self.add_result(run_id, result, worker)

    # -- reading -------------------------------------------------------------------------

    def runs(self) -> list[RunRow]:
        """Every run, newest first."""
        with self._translated():
            rows = self._db.execute(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY id DESC").fetchall()
        return [_run_row(row) for row in rows]

    def results(self, run_id: int) -> list[ResultRow]:
        """The run's results in the order they were written."""
        return self._results("WHERE run_id = ? ORDER BY id", (run_id,))

    def nodeids(self, run_id: int) -> set[str]:
        """Node ids that have a result in the run."""
        with self._translated():
            rows = self._db.execute("SELECT nodeid FROM results WHERE run_id = ?", (run_id,))
            return {row[0] for row in rows}

    def nodeids_answering(self, fragment: str) -> list[str]:
        """Node ids with a result whose answer's JSON text contains ``fragment``."""
        with self._translated():
            rows = self._db.execute(
                "SELECT DISTINCT nodeid FROM results WHERE instr(answer, ?) > 0", (fragment,)
            ).fetchall()
        return [row[0] for row in rows]

    def history(self, nodeid: str, limit: int | None = None) -> list[ResultRow]:
        """Every result of one experiment, newest run first."""
        if limit is None:
            return self._results("WHERE nodeid = ? ORDER BY run_id DESC, id DESC", (nodeid,))
        return self._results(
            "WHERE nodeid = ? ORDER BY run_id DESC, id DESC LIMIT ?", (nodeid, limit)
        )

    def latest_with_fingerprint(
        self,
        nodeid: str,
        fingerprint: str,
        statuses: Sequence[str],
        before: float | None = None,
    ) -> ResultRow | None:
        """The newest result of ``nodeid`` whose inputs had ``fingerprint`` and whose status is
        one of ``statuses`` (written before the Unix time ``before``, if given), or None."""
        marks = ", ".join("?" for _ in statuses)
        rows = self._results(
            f"WHERE nodeid = ? AND fingerprint = ? AND status IN ({marks}) AND finished < ?"
            " ORDER BY run_id DESC, id DESC LIMIT 1",
            (nodeid, fingerprint, *statuses, math.inf if before is None else before),
        )
        return rows[0] if rows else None

    def latest_result(self, nodeid: str) -> ResultRow | None:
        """The experiment's result in the newest run that has one, or None."""
        rows = self.history(nodeid, limit=1)
        return rows[0] if rows else None

    def _results(self, where: str, parameters: tuple[Any, ...]) -> list[ResultRow]:
        with self._translated():
            rows = self._db.execute(
                f"SELECT {_RESULT_COLUMNS} FROM results {where}", parameters
            ).fetchall()
        return [_result_row(row) for row in rows]


_RUN_COLUMNS = (
    "id, uid, started, finished, exit_status, command, mode, git_commit, git_branch, git_dirty,"
    " host, python, packages, tests, tests_seconds, shard"
)
_RESULT_COLUMNS = (
    "id, run_id, nodeid, question, expectation, status, answer, answer_text, fraction, rows,"
    " total_rows, seed, record, duration, error, worker, finished, data"
)


def _result_columns(result: dict[str, Any]) -> tuple[Any, ...]:
    """The ``results`` columns from ``nodeid`` to ``error``, then ``data``."""
    try:
        answer = result.get("answer")
        return (
            str(result["nodeid"]),
            result.get("question"),
            result.get("expectation"),
            str(result.get("status") or "error"),
            None if answer is None else json.dumps(answer),
            result.get("answer_text"),
            float(result["fraction"]),
            result.get("rows"),
            result.get("total_rows"),
            int(result["seed"]),
            json.dumps(result.get("record") or {}),
            float(result.get("duration") or 0.0),
            result.get("error"),
            json.dumps(result),
        )
    except (KeyError, TypeError, ValueError) as error:
        # A result the code produced should always fit; say which one did not, never crash.
        raise JournalError(
            f"cannot journal the result of {result.get('nodeid', '(no node id)')}: "
            f"{type(error).__name__}: {error}; please report this as a pytest-experiments bug"
        ) from None


def _run_row(row: tuple[Any, ...]) -> RunRow:
    (id_, uid, started, finished, exit_status, command, mode, commit, branch, dirty) = row[:10]
    host, python, packages, tests, tests_seconds, shard = row[10:]
    return RunRow(
        id=id_,
        uid=uid,
        started=started,
        finished=finished,
        exit_status=exit_status,
        command=command,
        mode=json.loads(mode),
        git_commit=commit,
        git_branch=branch,
        git_dirty=None if dirty is None else bool(dirty),
        host=host,
        python=python,
        packages=json.loads(packages),
        tests=tests,
        tests_seconds=tests_seconds,
        shard=None if shard is None else json.loads(shard),
    )


def _result_row(row: tuple[Any, ...]) -> ResultRow:
    (id_, run_id, nodeid, question, expectation, status, answer, answer_text) = row[:8]
    (fraction, rows, total_rows, seed, record, duration, error, worker, finished, data) = row[8:]
    return ResultRow(
        id=id_,
        run_id=run_id,
        nodeid=nodeid,
        question=question,
        expectation=expectation,
        status=status,
        answer=None if answer is None else json.loads(answer),
        answer_text=answer_text,
        fraction=fraction,
        rows=rows,
        total_rows=total_rows,
        seed=seed,
        record=json.loads(record),
        duration=duration,
        error=error,
        worker=worker,
        finished=finished,
        data=json.loads(data),
    )


def display_path(path: Path, base: Path | None = None) -> str:
    """``path`` relative to ``base`` (default: the current directory) when inside it."""
    try:
        return str(path.resolve().relative_to((base or Path.cwd()).resolve()))
    except (ValueError, OSError):
        return str(path)


def _package_version() -> str:
    from pytest_experiments import __version__

    return __version__
