"""``pytest-experiments merge JOURNAL…``: shards' journals into one run of the project's journal.

Each run in a source journal that was a shard (``runs.shard``, written by ``--exp-shard``)
joins the run of its batch in the target journal, whose uid is ``batch:`` and the batch's
name: N shards' runs, and any retries of a shard, become one run. A source run that was no
shard is copied as the run it was. Everything is keyed by stable ids — a shard run by its uid
(a row of ``shards``), a result by its run and node id — so merging a journal twice, or two
journals that hold the same shard, adds nothing; all of one merge happens inside one
transaction of the target, and sources are opened read-only.

When a batch has more than one result for an experiment (a shard killed mid-experiment and
run again, a retry that reused the first attempt's answers), the merged run keeps one, by
this order, whatever the order the journals are merged in:

1. a result beats the ``crashed`` row of an experiment that never finished;
2. a result that ran beats one that ``--reuse`` copied from another attempt of the batch;
3. then the later one.

The merged run is finished when every shard 1..N has a finished attempt; until then it shows
as unfinished. Its exit status combines the shards' (pytest's codes: 0 if every shard passed
or ran nothing, else the largest other code).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_experiments.notebook.history import open_for_reading
from pytest_experiments.notebook.journal import Journal, JournalError, display_path

#: Prefix of a merged run's uid; the rest is the batch's name.
BATCH_UID = "batch:"

#: pytest's exit statuses for "all passed" and "nothing collected".
_OK, _NO_TESTS = 0, 5

_RESULT_FIELDS = (
    "nodeid, question, expectation, status, answer, answer_text, fraction, rows, total_rows,"
    " seed, record, duration, error, worker, finished, data, fingerprint"
)


class MergeError(Exception):
    """The merge cannot be done; nothing was written. The message says what to do."""


@dataclass
class SourceRun:
    """One run of a source journal, with its results (rows as dicts of the columns)."""

    source: Path
    row: dict[str, Any]
    results: list[dict[str, Any]]

    @property
    def uid(self) -> str:
        return str(self.row["uid"])

    @property
    def shard(self) -> dict[str, Any] | None:
        text = self.row.get("shard")
        data = json.loads(text) if isinstance(text, str) else None
        return data if isinstance(data, dict) else None


@dataclass
class BatchReport:
    """What one merge found for one batch (or copied run)."""

    run_id: int
    name: str
    count: int | None
    shards_seen: set[int] = field(default_factory=set)
    finished_shards: set[int] = field(default_factory=set)
    attempts: int = 0
    new_attempts: int = 0
    written: int = 0
    results: int = 0
    expected: int | None = None
    partitions: set[str] = field(default_factory=set)
    doubled: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.count is None:
            head = f"run {self.run_id} (copied run {self.name}): {self.results} results"
            return [head + (f", {self.written} written" if self.written else ", nothing new")]
        done = len(self.finished_shards)
        head = (
            f"run {self.run_id} (batch {self.name}): {done} of {self.count} shards finished, "
            f"{self.results} results"
        )
        if self.expected is not None:
            head += f" of {self.expected} selected"
        head += f"; {self.written} written" if self.written else "; nothing new"
        lines = [head]
        missing = sorted(set(range(1, self.count + 1)) - self.shards_seen)
        if missing:
            lines.append(f"  not merged yet: shard {_ranges(missing)} (the run stays unfinished)")
        running = sorted(self.shards_seen - self.finished_shards)
        if running:
            lines.append(f"  started but not finished: shard {_ranges(running)}")
        if len(self.partitions) > 1:
            lines.append(
                "  warning: the shards were cut from different selections or estimates (their "
                "machines saw different tests or journals); some experiments may have run in "
                "two shards or in none. Give every shard the same --exp-history=JOURNAL"
            )
        if self.doubled:
            lines.append(
                f"  warning: {len(self.doubled)} experiment(s) ran in more than one shard "
                f"(kept one result each), e.g. {self.doubled[0]}"
            )
        return lines


def merge(sources: Sequence[Path], target: Journal, wait: float = 10.0) -> list[BatchReport]:
    """Merge the runs of ``sources`` into ``target``; one report per batch or copied run."""
    runs = [run for path in _distinct(sources, target.path) for run in _read(path, target, wait)]
    reports: dict[str, BatchReport] = {}
    with target.writing() as db:
        for project in {run.row.get("_project") for run in runs} - {None}:
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('project', ?)", (project,))
        plain = [run for run in runs if run.shard is None]
        sharded = [run for run in runs if run.shard is not None]
        for run in plain:
            run_id = _ensure_run(db, run.uid, run.row, finished=run.row.get("finished"))
            report = reports.setdefault(run.uid, BatchReport(run_id, run.uid, None))
            within: set[str] = set()
            for result in run.results:
                report.written += _offer(db, run_id, result, run, within, None, set())
            report.results = _count(db, run_id)
        batches: dict[str, list[SourceRun]] = {}
        for run in sharded:
            assert run.shard is not None
            batches.setdefault(str(run.shard["batch"]), []).append(run)
        for name, members in batches.items():
            reports[BATCH_UID + name] = _merge_batch(db, name, members)
    return list(reports.values())


def _merge_batch(db: sqlite3.Connection, name: str, members: list[SourceRun]) -> BatchReport:
    first = min(members, key=lambda run: float(run.row["started"]))
    count = int(first.shard["count"]) if first.shard else 1
    run_id = _ensure_run(db, BATCH_UID + name, _merged_row(first, count), finished=None)
    report = BatchReport(run_id, name, count)
    new = 0
    for run in members:
        new += _upsert_shard(db, run_id, run)
    report.new_attempts = new
    within = {
        str(row[0]) for row in db.execute("SELECT uid FROM shards WHERE run_id = ?", (run_id,))
    }
    doubled: set[str] = set()
    for run in members:
        label = f"shard{(run.shard or {}).get('index')}"
        for result in run.results:
            report.written += _offer(db, run_id, result, run, within, label, doubled)
    report.doubled = sorted(doubled)
    _summarize(db, run_id, count, report)
    return report


def _distinct(sources: Sequence[Path], target: Path) -> list[Path]:
    if not sources:
        raise MergeError("give the shards' journals to merge, e.g. shards/*.sqlite")
    kept: dict[str, Path] = {}
    for path in sources:
        if not path.exists():
            raise MergeError(f"{path}: no such journal; give the path of a shard's journal file")
        if target.exists() and os.path.samefile(path, target):
            raise MergeError(
                f"{path} is the target journal itself; give the shards' journals, and the "
                "journal to merge into with --journal=PATH"
            )
        kept.setdefault(str(path.resolve()), path)
    return list(kept.values())


def _read(path: Path, target: Journal, wait: float) -> list[SourceRun]:
    try:
        connection = open_for_reading(path, wait=wait)
    except JournalError as error:
        raise MergeError(str(error)) from None
    try:
        connection.row_factory = sqlite3.Row
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        project = meta.get("project")
        ours = target.meta("project")
        if project and ours and project != ours:
            raise MergeError(
                f"{path} belongs to another project ({project}) than the journal "
                f"{display_path(target.path)} ({ours}); merge it into that project's journal. "
                "Nothing was merged."
            )
        runs = []
        for row in connection.execute("SELECT * FROM runs ORDER BY id"):
            data = dict(row)
            data["_project"] = project
            results = [
                dict(result)
                for result in connection.execute(
                    "SELECT * FROM results WHERE run_id = ? ORDER BY id", (data["id"],)
                )
            ]
            runs.append(SourceRun(path, data, results))
        return runs
    except sqlite3.Error as error:
        raise MergeError(f"cannot read the journal {path}: {error}") from None
    finally:
        connection.close()


def _merged_row(first: SourceRun, count: int) -> dict[str, Any]:
    """The merged run's row, from the first shard's (its summary is filled in later)."""
    row = dict(first.row)
    mode = json.loads(row.get("mode") or "{}")
    mode.update(shards=count, batch=(first.shard or {}).get("batch"))
    row["mode"] = json.dumps(mode)
    row["command"] = _without_shard(str(row.get("command") or ""), count)
    return row


def _without_shard(command: str, count: int) -> str:
    """The shard's command line as the batch's: ``--exp-shard K/N`` becomes ``--exp-shards N``."""
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        return command
    kept: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        name = word.split("=", 1)[0]
        if name == "--exp-resume":
            continue
        if name in (
            "--exp-shard",
            "--shard",
            "--exp-batch",
            "--journal",
            "--exp-journal",
            "--exp-history",
        ):
            skip = "=" not in word
            continue
        kept.append(word)
    return shlex.join([*kept, f"--exp-shards={count}"])


def _ensure_run(
    db: sqlite3.Connection, uid: str, row: dict[str, Any], finished: float | None
) -> int:
    found = db.execute("SELECT id FROM runs WHERE uid = ?", (uid,)).fetchone()
    if found is not None:
        if finished is not None:
            # A copied run merged again after it finished in its own journal.
            db.execute(
                "UPDATE runs SET finished = ?, exit_status = ?, tests = ?, tests_seconds = ?"
                " WHERE id = ? AND finished IS NULL",
                (
                    finished,
                    row.get("exit_status"),
                    row.get("tests"),
                    row.get("tests_seconds"),
                    found[0],
                ),
            )
        return int(found[0])
    # (INSERT OR IGNORE would bump the id sequence even when it ignores: merging twice must
    # leave the file as it was.)
    cursor = db.execute(
        "INSERT INTO runs (uid, started, finished, exit_status, command, mode,"
        " git_commit, git_branch, git_dirty, host, python, packages, tests, tests_seconds)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            uid,
            row["started"],
            finished,
            row.get("exit_status") if finished is not None else None,
            row["command"],
            row["mode"],
            row.get("git_commit"),
            row.get("git_branch"),
            row.get("git_dirty"),
            row["host"],
            row["python"],
            row["packages"],
            row.get("tests") if finished is not None else None,
            row.get("tests_seconds") if finished is not None else None,
        ),
    )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


def _upsert_shard(db: sqlite3.Connection, run_id: int, run: SourceRun) -> int:
    """Record one shard run (an attempt); 1 if it is new to the target."""
    shard = run.shard or {}
    row = run.row
    values = (
        run_id,
        run.uid,
        int(shard.get("index", 1)),
        int(shard.get("count", 1)),
        row["host"],
        row["started"],
        row.get("finished"),
        row.get("exit_status"),
        row.get("git_commit"),
        shard.get("job"),
        str(run.source.resolve()),
        json.dumps({**shard, "tests": row.get("tests"), "tests_seconds": row.get("tests_seconds")}),
    )
    known = db.execute("SELECT finished, exit_status, info FROM shards WHERE uid = ?", (run.uid,))
    existing = known.fetchone()
    if existing is None:
        db.execute(
            "INSERT INTO shards (run_id, uid, shard, count, host, started, finished, exit_status,"
            " git_commit, job, source, info) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )
        return 1
    if tuple(existing) != (values[6], values[7], values[11]) and values[6] is not None:
        db.execute(
            "UPDATE shards SET finished = ?, exit_status = ?, info = ? WHERE uid = ?",
            (values[6], values[7], values[11], run.uid),
        )
    return 0


def _rank(status: str, data: dict[str, Any], finished: float, within: set[str]) -> tuple[Any, ...]:
    """The order of :mod:`merge`'s rule: finished, then ran (not reused from the batch), then
    later."""
    return (status != "crashed", data.get("reused_from_run") not in within, finished)


def _offer(
    db: sqlite3.Connection,
    run_id: int,
    result: dict[str, Any],
    run: SourceRun,
    within: set[str],
    label: str | None,
    doubled: set[str],
) -> int:
    """Write ``result`` into the merged run unless it holds a better one; 1 if written."""
    data = json.loads(result.get("data") or "{}")
    if not isinstance(data, dict):
        data = {}
    if label is not None:
        data["shard"] = {"index": (run.shard or {}).get("index"), "run": run.uid}
    data["reused_from"] = _target_run(db, data, within)
    worker = result.get("worker")
    if label is not None:
        worker = label if worker in (None, "master") else f"{label}-{worker}"
    candidate = (
        _rank(str(result["status"]), data, float(result["finished"]), within),
        run.uid,
    )
    existing = db.execute(
        "SELECT status, data, finished FROM results WHERE run_id = ? AND nodeid = ?",
        (run_id, result["nodeid"]),
    ).fetchone()
    if existing is not None:
        held = json.loads(existing[1] or "{}")
        index = (held.get("shard") or {}).get("index")
        if label is not None and index is not None and index != data["shard"]["index"]:
            doubled.add(str(result["nodeid"]))
        held_rank = (
            _rank(str(existing[0]), held, float(existing[2]), within),
            str((held.get("shard") or {}).get("run", "")),
        )
        if held_rank >= candidate:
            return 0
        db.execute(
            "DELETE FROM results WHERE run_id = ? AND nodeid = ?", (run_id, result["nodeid"])
        )
    fields = dict(result)
    fields.update(worker=worker, data=json.dumps(data))
    names = [name.strip() for name in _RESULT_FIELDS.split(",")]
    db.execute(
        f"INSERT INTO results (run_id, {', '.join(names)}) VALUES (?{', ?' * len(names)})",
        (run_id, *(fields.get(name) for name in names)),
    )
    return 1


def _target_run(db: sqlite3.Connection, data: dict[str, Any], within: set[str]) -> int | None:
    """``reused_from`` as a run id of the target: by the reused run's uid, None when it is an
    attempt of the same batch (the same merged run) or not in the target."""
    uid = data.get("reused_from_run")
    if not data.get("reused_from") or not uid or uid in within:
        return None
    found = db.execute("SELECT id FROM runs WHERE uid = ?", (uid,)).fetchone()
    return None if found is None else int(found[0])


def _count(db: sqlite3.Connection, run_id: int) -> int:
    return int(db.execute("SELECT COUNT(*) FROM results WHERE run_id = ?", (run_id,)).fetchone()[0])


def _summarize(db: sqlite3.Connection, run_id: int, count: int, report: BatchReport) -> None:
    """The merged run's start, end, exit status, hosts and plain tests, from its shards."""
    rows = db.execute(
        "SELECT shard, host, started, finished, exit_status, git_commit, info FROM shards"
        " WHERE run_id = ? ORDER BY shard, started",
        (run_id,),
    ).fetchall()
    report.attempts = len(rows)
    latest: dict[int, tuple[Any, ...]] = {}
    for row in rows:
        report.shards_seen.add(int(row[0]))
        if row[3] is not None:
            report.finished_shards.add(int(row[0]))
            latest[int(row[0])] = row
        else:
            latest.setdefault(int(row[0]), row)
    infos = {int(row[0]): json.loads(row[6]) for row in latest.values()}
    report.partitions = {str(info.get("partition")) for info in infos.values()}
    expected = {info.get("selected") for info in infos.values()}
    report.expected = expected.pop() if len(expected) == 1 else None
    complete = set(range(1, count + 1)) <= report.finished_shards
    finished = max(row[3] for row in latest.values()) if complete else None
    statuses = [int(row[4]) for row in latest.values() if row[4] is not None]
    others = [status for status in statuses if status not in (_OK, _NO_TESTS)]
    if others:
        exit_status: int | None = max(others)
    elif statuses and all(status == _NO_TESTS for status in statuses):
        exit_status = _NO_TESTS
    else:
        exit_status = _OK
    tests = [info.get("tests") for info in infos.values() if info.get("tests") is not None]
    seconds = [info.get("tests_seconds") for info in infos.values() if info.get("tests_seconds")]
    hosts = ",".join(sorted({str(row[1]) for row in rows}))
    commits = {row[5] for row in rows}
    db.execute(
        "UPDATE runs SET started = ?, finished = ?, exit_status = ?, host = ?, git_commit = ?,"
        " tests = ?, tests_seconds = ? WHERE id = ?",
        (
            min(float(row[2]) for row in rows),
            finished,
            exit_status if complete else None,
            hosts,
            commits.pop() if len(commits) == 1 else None,
            sum(tests) if complete and tests else None,
            sum(seconds) if complete and seconds else None,
            run_id,
        ),
    )
    report.results = _count(db, run_id)


def _ranges(numbers: Iterable[int]) -> str:
    return ", ".join(str(number) for number in numbers)
