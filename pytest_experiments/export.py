"""Every result joined with its run, as JSON lines or CSV, for pandas and other tools.

One row per result, oldest run first; the columns are :data:`COLUMNS`. Times are Unix seconds
(``pd.to_datetime(df.started, unit="s")``). ``value``, ``low`` and ``high`` hold the answer's
number and interval when it is a plain number or an estimate, so a plot needs no JSON parsing.

JSON lines keep ``mode``, ``answer`` and ``record`` as nested JSON values, written by Python's
:mod:`json` like the journal itself: lossless, with ``NaN``/``Infinity`` for non-finite numbers
(pandas reads them; strict JSON parsers such as ``jq`` do not). Floats are written exactly; pass
``precise_float=True`` to ``pd.read_json``, whose default parser can be one unit in the last
place off. CSV holds the three JSON columns as JSON text. Rows are streamed, so memory stays flat however large the journal is.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from .answer_values import as_number, loads
from .history import iter_rows

#: The exported columns, in order.
COLUMNS = (
    "run_id",
    "run_uid",
    "started",
    "run_finished",
    "exit_status",
    "command",
    "mode",
    "full",
    "git_commit",
    "git_branch",
    "git_dirty",
    "host",
    "python",
    "nodeid",
    "question",
    "expectation",
    "status",
    "answer",
    "answer_text",
    "value",
    "low",
    "high",
    "fraction",
    "rows",
    "total_rows",
    "seed",
    "record",
    "duration",
    "error",
    "worker",
    "finished",
)
_JSON_COLUMNS = ("mode", "answer", "record")

_QUERY = """
SELECT r.run_id, runs.uid, runs.started, runs.finished, runs.exit_status, runs.command,
       runs.mode, r.fraction >= 1.0, runs.git_commit, runs.git_branch, runs.git_dirty,
       runs.host, runs.python, r.nodeid, r.question, r.expectation, r.status, r.answer,
       r.answer_text, r.fraction, r.rows, r.total_rows, r.seed, r.record, r.duration, r.error,
       r.worker, r.finished
FROM results AS r JOIN runs ON runs.id = r.run_id
ORDER BY r.run_id, r.id
"""


def records(connection: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Export rows as dicts, JSON columns decoded."""
    for row in iter_rows(connection, _QUERY):
        (run_id, uid, started, run_finished, exit_status, command, mode, full) = row[:8]
        (commit, branch, dirty, host, python, nodeid, question, expectation, status) = row[8:17]
        (answer, answer_text, fraction, rows, total_rows, seed, record) = row[17:24]
        (duration, error, worker, finished) = row[24:]
        answer_value = loads(answer)
        number = as_number(answer_value)
        yield {
            "run_id": run_id,
            "run_uid": uid,
            "started": started,
            "run_finished": run_finished,
            "exit_status": exit_status,
            "command": command,
            "mode": loads(mode),
            "full": bool(full),
            "git_commit": commit,
            "git_branch": branch,
            "git_dirty": None if dirty is None else bool(dirty),
            "host": host,
            "python": python,
            "nodeid": nodeid,
            "question": question,
            "expectation": expectation,
            "status": status,
            "answer": answer_value,
            "answer_text": answer_text,
            "value": None if number is None else number.value,
            "low": None if number is None else number.low,
            "high": None if number is None else number.high,
            "fraction": fraction,
            "rows": rows,
            "total_rows": total_rows,
            "seed": seed,
            "record": loads(record),
            "duration": duration,
            "error": error,
            "worker": worker,
            "finished": finished,
        }


def write_jsonl(connection: sqlite3.Connection, stream: TextIO) -> int:
    """Write one JSON object per line; return the number of rows."""
    count = 0
    for count, row in enumerate(records(connection), start=1):  # noqa: B007
        stream.write(json.dumps(row, ensure_ascii=False))
        stream.write("\n")
    return count


def _cell(name: str) -> Callable[[Any], Any]:
    if name in _JSON_COLUMNS:
        return lambda value: "" if value is None else json.dumps(value, ensure_ascii=False)
    return lambda value: "" if value is None else value


_CELLS = {name: _cell(name) for name in COLUMNS}


def write_csv(connection: sqlite3.Connection, stream: TextIO) -> int:
    """Write a header and one line per result; return the number of rows."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for count, row in enumerate(records(connection), start=1):  # noqa: B007
        writer.writerow([_CELLS[name](row[name]) for name in COLUMNS])
    return count
