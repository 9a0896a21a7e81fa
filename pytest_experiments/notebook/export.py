"""Every result joined with its run, as JSON lines or CSV, for pandas and other tools.

One row per result, oldest run first; the columns are :data:`COLUMNS`. ``verdict`` is the
result's status (confirmed, refuted, inconclusive, answered, or failed, error, crashed,
skipped). Times (``started``, ``run_finished``, ``finished``) are Unix seconds in JSON lines
(``pd.to_datetime(df.started, unit="s")``) and ISO 8601 in UTC in CSV
(``2026-12-02T06:51:03.123Z``; ``pd.read_csv(..., parse_dates=[...])``). ``value``, ``low``
and ``high`` hold the answer's number and interval when it is a plain number or an estimate,
so a plot needs no JSON parsing.

JSON lines keep ``mode``, ``answer`` and ``record`` as nested JSON values, written by Python's
:mod:`json` like the journal itself: lossless, with ``NaN``/``Infinity`` for non-finite numbers
(pandas reads them; strict JSON parsers such as ``jq`` do not). Floats are written exactly; pass
``precise_float=True`` to ``pd.read_json``, whose default parser can be one unit in the last
place off. CSV holds the three JSON columns as JSON text. Rows are streamed, so memory stays
flat however large the journal is.
"""

from __future__ import annotations

import csv
import datetime
import json
import sqlite3
from collections.abc import Iterator
from typing import Any, TextIO

from pytest_experiments.notebook.answer_values import as_number, loads
from pytest_experiments.notebook.history import DATA_EXTRAS, extras_from_data, iter_rows

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
    "verdict",
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
    "reused_from",
)

_QUERY = f"""
SELECT r.run_id, runs.uid, runs.started, runs.finished, runs.exit_status, runs.command,
       runs.mode, r.fraction >= 1.0, runs.git_commit, runs.git_branch, runs.git_dirty,
       runs.host, runs.python, r.nodeid, r.question, r.expectation, r.status, r.answer,
       r.answer_text, r.fraction, r.rows, r.total_rows, r.seed, r.record, r.duration, r.error,
       r.worker, r.finished,
       {DATA_EXTRAS}
FROM results AS r JOIN runs ON runs.id = r.run_id
ORDER BY r.run_id, r.id
"""


def _raw_rows(connection: sqlite3.Connection) -> Iterator[list[Any]]:
    """Rows in :data:`COLUMNS` order, JSON columns as journaled text; ``value``, ``low`` and
    ``high`` filled from the parsed answer."""
    value_at = COLUMNS.index("value")
    for row in iter_rows(connection, _QUERY):
        cells = list(row)
        cells[7] = bool(cells[7])  # full
        if cells[10] is not None:
            cells[10] = bool(cells[10])  # git_dirty
        cells[-1] = extras_from_data(cells[-1]).get("reused_from")
        number = as_number(loads(cells[17]))
        numbers = [None, None, None] if number is None else [number.value, number.low, number.high]
        cells[value_at:value_at] = numbers
        yield cells


_MODE = COLUMNS.index("mode")
_ANSWER = COLUMNS.index("answer")
_RECORD = COLUMNS.index("record")


def records(connection: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Export rows as dicts, JSON columns decoded (a run's mode once per run)."""
    modes: dict[str, Any] = {}
    for cells in _raw_rows(connection):
        mode_text = cells[_MODE]
        if mode_text not in modes:
            modes[mode_text] = loads(mode_text)
        cells[_MODE] = modes[mode_text]
        cells[_ANSWER] = loads(cells[_ANSWER])
        cells[_RECORD] = loads(cells[_RECORD])
        yield dict(zip(COLUMNS, cells, strict=True))


def write_jsonl(connection: sqlite3.Connection, stream: TextIO) -> int:
    """Write one JSON object per line; return the number of rows."""
    count = 0
    for count, row in enumerate(records(connection), start=1):  # noqa: B007
        stream.write(json.dumps(row, ensure_ascii=False))
        stream.write("\n")
    return count


def write_csv(connection: sqlite3.Connection, stream: TextIO) -> int:
    """Write a header and one line per result; return the number of rows.

    The JSON columns are copied as the journal holds them (``json.dumps`` text), NULL as an
    empty cell."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for count, cells in enumerate(_raw_rows(connection), start=1):  # noqa: B007
        for index in _TIMES:
            cells[index] = iso_time(cells[index])
        writer.writerow(cells)
    return count


_TIMES = tuple(COLUMNS.index(name) for name in ("started", "run_finished", "finished"))


def iso_time(seconds: Any) -> str | None:
    """Unix seconds as ISO 8601 in UTC with milliseconds; None stays None."""
    if not isinstance(seconds, (int, float)):
        return None
    moment = datetime.datetime.fromtimestamp(float(seconds), tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
