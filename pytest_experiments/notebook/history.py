"""Reading the journal: its runs, each experiment's results, and how sample verdicts held up.

Everything here only reads. The journal is opened read-only (``mode=ro``), so no command of the
``pytest-experiments`` script can change a record, migrate it or leave it half-written, even
when a run is writing to it at the same time (WAL mode lets readers and writers share it), and a
journal on a read-only disk can still be read. That is why this module opens the file itself instead
of through :func:`pytest_experiments.notebook.journal.open_journal`, which opens for writing;
problems are reported with the same :class:`~pytest_experiments.notebook.journal.JournalError`. The
layout read is the one in ``docs/journal-schema.md``.
"""

from __future__ import annotations

import bisect
import datetime
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_experiments.notebook.answer_values import loads
from pytest_experiments.notebook.journal import (
    DEFAULT_JOURNAL,
    RESULT_STATUSES,
    SCHEMA_VERSION,
    JournalError,
    RunRow,
)
from pytest_experiments.settings import DEFAULT_FRACTION

#: Statuses a result row can have, in the order counts are shown.
STATUSES = RESULT_STATUSES
VERDICTS = ("confirmed", "refuted", "inconclusive")


def find_journal(start: Path | None = None) -> Path:
    """``.experiments/journal.sqlite`` in ``start`` (default: the current directory) or the
    nearest parent that has one, like pytest finds its rootdir."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / DEFAULT_JOURNAL
        if candidate.is_file():
            return candidate
    raise JournalError(
        f"no journal found: there is no {DEFAULT_JOURNAL} in {here} or any parent directory; "
        "run pytest on your experiments first (it writes the journal), or pass --journal PATH"
    )


def open_for_reading(path: Path, wait: float = 10.0) -> sqlite3.Connection:
    """Open a journal read-only and check that it is one this code understands.

    ``wait`` is how many seconds to wait for a lock held by another process before giving up.
    """
    if not path.exists():
        raise JournalError(
            f"journal {path} does not exist; run pytest on your experiments first, "
            "or pass --journal with the path of an existing journal"
        )
    if path.is_dir():
        raise JournalError(
            f"journal {path} is a directory; pass --journal with the journal file, "
            f"e.g. {path / DEFAULT_JOURNAL.name}"
        )
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=wait)
    except sqlite3.Error as error:
        raise describe_error(path, error) from None
    try:
        _check_schema(connection, path)
    except BaseException:
        connection.close()
        raise
    return connection


def _check_schema(connection: sqlite3.Connection, path: Path) -> None:
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        if not {"meta", "runs", "results"} <= tables:
            raise JournalError(
                f"{path} is an SQLite database but not a pytest-experiments journal (it has no "
                "meta/runs/results tables); pass --journal with the path of a journal"
            )
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error as error:
        raise describe_error(path, error) from None
    try:
        version = int(row[0]) if row is not None else None
    except (TypeError, ValueError):
        version = None
    if version is None:
        raise JournalError(
            f"journal {path} has no valid schema version in its meta table; it is damaged or "
            "was not written by pytest-experiments"
        )
    if version > SCHEMA_VERSION:
        raise JournalError(
            f"journal {path} was written by a newer pytest-experiments (schema version "
            f"{version}; this version reads up to {SCHEMA_VERSION}); upgrade pytest-experiments "
            "to read it"
        )


def describe_error(path: Path, error: sqlite3.Error) -> JournalError:
    """An SQLite failure as a message that says what it means for the journal."""
    text = str(error)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return JournalError(
            f"journal {path} is locked by another process ({text}); wait for it to finish and "
            "try again, or pass --wait SECONDS to wait longer"
        )
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return JournalError(
            f"journal {path} is damaged or not an SQLite database ({text}); restore it from a "
            "copy, or move it away and let the next pytest run start a new one"
        )
    if "unable to open" in lowered:
        return JournalError(
            f"cannot open journal {path} ({text}); check that the file and its directory are "
            "readable"
        )
    return JournalError(f"cannot read journal {path}: {text}")


# -- runs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run(RunRow):
    """One pytest session (a row of ``runs``), with the number of results of each status."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def started_text(self) -> str:
        return timestamp(self.started)

    def duration_text(self) -> str:
        if self.finished is None:
            return "unfinished"
        took = duration(self.finished - self.started)
        return f"{took} ({self.ending})" if self.ending else took

    @property
    def ending(self) -> str | None:
        """How the run ended when it was not a normal end (exit status 0 or 1)."""
        return {2: "interrupted", 3: "internal error", 4: "usage error", 5: "no tests"}.get(
            self.exit_status if self.exit_status is not None else -1
        )

    @property
    def comparable(self) -> bool:
        """Finished, with results, and did not end abnormally (interrupted, errors, usage): what
        it lacks is then what it did not select, not what it did not reach."""
        return self.finished is not None and self.ending is None and any(self.counts.values())

    def commit_text(self) -> str:
        return commit_text(self.git_commit, self.git_dirty)

    def mode_text(self) -> str:
        """``full``, ``sample 5%`` or ``sample (markers)``, and the seed."""
        mode = self.mode
        seed = mode.get("seed")
        seed_text = f", seed {seed}" if isinstance(seed, int) and not isinstance(seed, bool) else ""
        count = mode.get("shards")
        if isinstance(count, int) and not isinstance(count, bool):
            seed_text += f", {count} shard{'s' if count != 1 else ''}"
        if mode.get("full"):
            return f"full{seed_text}"
        for key in ("sample", "ini_sample"):
            share = mode.get(key)
            if isinstance(share, (int, float)) and not isinstance(share, bool):
                return f"sample {share * 100:.3g}%{seed_text}"
            if isinstance(share, str) and share:
                return f"sample {share}{seed_text}"
        return f"sample {DEFAULT_FRACTION * 100:.3g}%{seed_text}"


def timestamp(seconds: float | None) -> str:
    """Unix seconds as local ``YYYY-MM-DD HH:MM``."""
    if seconds is None:
        return "?"
    try:
        return datetime.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return "?"


def duration(seconds: float) -> str:
    """``0.8s``, ``42s``, ``12m 5s``, ``3h 02m``."""
    if seconds < 0:
        return "?"
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def commit_text(commit: str | None, dirty: bool | None) -> str:
    """``1a2b3c4d``, ``1a2b3c4d-dirty`` (uncommitted changes), or ``-`` outside git."""
    if not commit:
        return "-"
    return commit[:8] + ("-dirty" if dirty else "")


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


_RUN_COLUMNS = (
    "id, uid, started, finished, exit_status, command, mode, git_commit, git_branch, "
    "git_dirty, host, python, packages"
)


def _run(row: Sequence[Any], counts: dict[str, int]) -> Run:
    mode = loads(row[6])
    return Run(
        id=row[0],
        uid=row[1],
        started=row[2],
        finished=row[3],
        exit_status=row[4],
        command=row[5],
        mode=mode if isinstance(mode, dict) else {},
        git_commit=row[7],
        git_branch=row[8],
        git_dirty=_bool(row[9]),
        host=row[10],
        python=row[11],
        packages=_packages(row[12]),
        counts=counts,
    )


def _packages(text: Any) -> dict[str, str]:
    packages = loads(text) if isinstance(text, str) else None
    return packages if isinstance(packages, dict) else {}


def list_runs(connection: sqlite3.Connection, limit: int | None = None) -> list[Run]:
    """Runs, newest first, each with its counts per status."""
    query = f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY id DESC"
    parameters: tuple[int, ...] = ()
    if limit is not None:
        query += " LIMIT ?"
        parameters = (limit,)
    rows = connection.execute(query, parameters).fetchall()
    if not rows:
        return []
    oldest = rows[-1][0]
    counts: dict[int, dict[str, int]] = {}
    for run_id, status, count in connection.execute(
        "SELECT run_id, status, COUNT(*) FROM results WHERE run_id >= ? GROUP BY run_id, status",
        (oldest,),
    ):
        counts.setdefault(run_id, {})[status] = count
    return [_run(row, counts.get(row[0], {})) for row in rows]


def count_runs(connection: sqlite3.Connection) -> int:
    return int(connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0])


def get_run(connection: sqlite3.Connection, run_id: int) -> Run:
    """One run by id, or :class:`JournalError` naming the runs that exist."""
    row = connection.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        span = connection.execute("SELECT MIN(id), MAX(id) FROM runs").fetchone()
        known = (
            "the journal has no runs yet"
            if span[0] is None
            else f"the journal has runs {span[0]} to {span[1]}"
        )
        raise JournalError(
            f"there is no run {run_id}: {known}; `pytest-experiments runs` lists them"
        )
    counts = dict(
        connection.execute(
            "SELECT status, COUNT(*) FROM results WHERE run_id = ? GROUP BY status", (run_id,)
        ).fetchall()
    )
    return _run(row, counts)


def latest_run_ids(connection: sqlite3.Connection, count: int) -> list[int]:
    """The ids of the newest ``count`` runs, newest first."""
    return [
        row[0]
        for row in connection.execute("SELECT id FROM runs ORDER BY id DESC LIMIT ?", (count,))
    ]


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One experiment's result in one run, with what the run says about its provenance."""

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
    record: Any
    duration: float
    error: str | None
    worker: str | None
    finished: float
    run_started: float
    git_commit: str | None
    git_dirty: bool | None
    #: The run that computed this answer, when ``--reuse`` took it from there.
    reused_from: int | None = None
    #: False when the answer did not depend on the share of the data (never sampled).
    uses_fraction: bool = True
    #: The hash of the code and claim without the share and seed (``claim`` in its data).
    claim: str | None = None

    @property
    def is_verdict(self) -> bool:
        return self.status in VERDICTS

    @property
    def full_data(self) -> bool:
        return self.fraction >= 1.0

    def sample_text(self) -> str:
        """``5% (90/1,797 rows)``, ``full (1,797 rows)`` or ``not sampled``."""
        if not self.uses_fraction:
            return "not sampled"
        share = "full" if self.full_data else f"{self.fraction * 100:.3g}%"
        if self.rows is None:
            return share
        if self.total_rows is None or self.rows >= self.total_rows:
            return f"{share} ({self.rows:,} rows)"
        return f"{share} ({self.rows:,}/{self.total_rows:,} rows)"

    def shown_answer(self) -> str:
        """What the terminal showed: the answer, or the first line of the error."""
        if self.status in ("failed", "error", "crashed", "skipped") and self.error:
            lines = self.error.strip().splitlines()
            return lines[0] if lines else ""
        if self.answer_text is not None:
            return self.answer_text
        if self.answer is not None:
            return json.dumps(self.answer)
        return ""

    def commit_text(self) -> str:
        return commit_text(self.git_commit, self.git_dirty)


#: A result's data, selected only when it holds what the columns do not (a reuse, an answer
#: that never sampled): parsing every row's data would make reading a large journal slow.
DATA_EXTRAS = (
    "CASE WHEN instr(r.data, '\"reused_from\"') > 0 "
    "OR instr(r.data, '\"uses_fraction\": false') > 0 THEN r.data END"
)

RESULT_COLUMNS = (
    "r.run_id, r.nodeid, r.question, r.expectation, r.status, r.answer, r.answer_text, "
    "r.fraction, r.rows, r.total_rows, r.seed, r.record, r.duration, r.error, r.worker, "
    "r.finished, runs.started, runs.git_commit, runs.git_dirty, " + DATA_EXTRAS + ", "
    "CASE WHEN instr(r.data, '\"claim\"') > 0 THEN json_extract(r.data, '$.claim') END"
)
RESULTS_FROM = "results AS r JOIN runs ON runs.id = r.run_id"


def result_from_row(row: Sequence[Any]) -> Result:
    return Result(
        run_id=row[0],
        nodeid=row[1],
        question=row[2],
        expectation=row[3],
        status=row[4],
        answer=loads(row[5]),
        answer_text=row[6],
        fraction=row[7],
        rows=row[8],
        total_rows=row[9],
        seed=row[10],
        record=loads(row[11]),
        duration=row[12],
        error=row[13],
        worker=row[14],
        finished=row[15],
        run_started=row[16],
        git_commit=row[17],
        git_dirty=_bool(row[18]),
        claim=row[20] if len(row) > 20 else None,
        **extras_from_data(row[19] if len(row) > 19 else None),
    )


def extras_from_data(data_text: str | None) -> dict[str, Any]:
    """``reused_from`` and ``uses_fraction`` from a result's data, when the query kept it."""
    data = loads(data_text)
    if not isinstance(data, dict):
        return {}
    source = data.get("reused_from")
    return {
        "reused_from": source if isinstance(source, int) and not isinstance(source, bool) else None,
        "uses_fraction": data.get("uses_fraction") is not False,
    }


def results_of_run(connection: sqlite3.Connection, run_id: int) -> dict[str, Result]:
    """A run's results by node id."""
    rows = connection.execute(
        f"SELECT {RESULT_COLUMNS} FROM {RESULTS_FROM} WHERE r.run_id = ? ORDER BY r.nodeid",
        (run_id,),
    )
    return {result.nodeid: result for result in map(result_from_row, rows)}


def history(connection: sqlite3.Connection, nodeid: str) -> list[Result]:
    """Every result of one experiment, oldest run first."""
    rows = connection.execute(
        f"SELECT {RESULT_COLUMNS} FROM {RESULTS_FROM} WHERE r.nodeid = ? ORDER BY r.run_id",
        (nodeid,),
    )
    return [result_from_row(row) for row in rows]


@dataclass(frozen=True)
class Match:
    """An experiment that matched a query, with its latest question."""

    nodeid: str
    question: str | None
    results: int


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_experiments(connection: sqlite3.Connection, query: str) -> list[Match]:
    """Experiments whose node id or question contains ``query`` (case-insensitive for ASCII).

    A node id equal to the query wins outright, so ``test_a.py::exp_x`` is not ambiguous with
    ``test_a.py::exp_x2``; so does an experiment whose name is the query (``exp_x``).
    """
    rows = connection.execute(
        """
        SELECT r.nodeid, COUNT(*), MAX(r.run_id) FROM results AS r
        WHERE r.nodeid LIKE :q ESCAPE '\\' OR r.question LIKE :q ESCAPE '\\'
        GROUP BY r.nodeid ORDER BY r.nodeid
        """,
        {"q": _like(query)},
    ).fetchall()
    exact = [row for row in rows if row[0] == query]
    named = [row for row in rows if row[0].split("[", 1)[0].rsplit("::", 1)[-1] == query]
    chosen = exact or named or rows
    matches = []
    for nodeid, count, last_run in chosen:
        question = connection.execute(
            "SELECT question FROM results WHERE nodeid = ? AND run_id = ?", (nodeid, last_run)
        ).fetchone()
        matches.append(Match(nodeid, question[0] if question else None, count))
    return matches


# -- how sample verdicts held up ---------------------------------------------------------------


#: How a sample verdict compares with the full-data verdict: agreed (the same decisive
#: verdict), contradicted (the opposite one), undecided (inconclusive on the sample: it claimed
#: nothing), unsupported (decisive on the sample, inconclusive on all the data).
AGREEMENT_OUTCOMES = ("agreed", "contradicted", "undecided", "unsupported")


def agreement_outcome(sample: str, full: str) -> str:
    """One of :data:`AGREEMENT_OUTCOMES` for a sample status against a full-data status."""
    if sample == "inconclusive":
        return "undecided"
    if sample == full:
        return "agreed"
    if full == "inconclusive":
        return "unsupported"
    return "contradicted"


def agreement_summary(counts: dict[str, int]) -> str:
    """``sample verdicts against the nearest full-data verdict: 3 agreed, 0 contradicted, 1
    undecided (inconclusive on the sample)``, plus the unsupported ones when there are any."""
    text = (
        "sample verdicts against the nearest full-data verdict: "
        f"{counts.get('agreed', 0)} agreed, {counts.get('contradicted', 0)} contradicted, "
        f"{counts.get('undecided', 0)} undecided (inconclusive on the sample)"
    )
    if counts.get("unsupported"):
        text += f", {counts['unsupported']} decided where all the data did not"
    return text


@dataclass(frozen=True)
class Agreement:
    """A sample verdict compared with the nearest full-data verdict of the same experiment."""

    sample: Result
    full: Result

    @property
    def outcome(self) -> str:
        """One of :data:`AGREEMENT_OUTCOMES`."""
        return agreement_outcome(self.sample.status, self.full.status)

    def text(self) -> str:
        if self.outcome == "agreed":
            return f"agreed (run {self.full.run_id})"
        return f"{self.outcome}: full data {self.full.status} (run {self.full.run_id})"


#: Statuses that are evidence about the claim (a verdict, or an answer without expectation).
EVIDENCE_STATUSES = ("confirmed", "refuted", "inconclusive", "answered")


def strongest(latest: Result, results: Iterable[Result]) -> Result:
    """What is known of an experiment: among its results on the same inputs as ``latest``
    (the same ``claim``: code, markers, data files and versions, whatever share and seed), the
    one reached on the most data, the newer on a tie.

    A newer result on less data never replaces it; when the inputs changed, the newest
    result on the new inputs leads. A latest result that is no evidence (a failure, a crash)
    leads: it is news about the code.
    """
    if latest.claim is None or latest.status not in EVIDENCE_STATUSES:
        return latest
    same = [
        result
        for result in results
        if result.claim == latest.claim
        and result.status in EVIDENCE_STATUSES
        and result.reused_from is None
    ]
    best = latest
    for result in same:
        size = 1.0 if not result.uses_fraction else result.fraction
        held = 1.0 if not best.uses_fraction else best.fraction
        if (size, result.run_started) > (held, best.run_started):
            best = result
    return best


def nearest(times: Sequence[float], when: float) -> int:
    """The index of the time in sorted, non-empty ``times`` nearest to ``when``; on a tie the
    later one (a sample verdict predicts the full-data verdicts that follow it)."""
    i = bisect.bisect_left(times, when)
    if i == 0:
        return 0
    if i == len(times):
        return i - 1
    return i if times[i] - when <= when - times[i - 1] else i - 1


def sample_agreement(results: Iterable[Result]) -> dict[int, Agreement]:
    """For each sample-data verdict of one experiment, keyed by run id, how it compares with
    the full-data verdict nearest in time (:func:`nearest`). Results without a verdict, and all
    of them when there is no full-data verdict, are left out, and so are results ``--reuse``
    copied from an earlier run: they are not more evidence."""
    ordered = sorted(
        (result for result in results if result.reused_from is None),
        key=lambda result: result.run_started,
    )
    full = [result for result in ordered if result.full_data and result.is_verdict]
    if not full:
        return {}
    times = [result.run_started for result in full]
    return {
        result.run_id: Agreement(result, full[nearest(times, result.run_started)])
        for result in ordered
        if result.is_verdict and not result.full_data
    }


def iter_rows(connection: sqlite3.Connection, query: str, parameters: Any = ()) -> Iterator[Any]:
    """Rows of a query, fetched in batches (memory stays flat on a large journal)."""
    cursor = connection.execute(query, parameters)
    while batch := cursor.fetchmany(2000):
        yield from batch
