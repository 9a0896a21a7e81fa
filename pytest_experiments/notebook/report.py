"""The knowledge base: what the journal says is known, built once and shown as Markdown or HTML.

For every experiment it holds the current answer and verdict (from the newest run that ran it),
the evidence behind it (data share and rows, seed, run, commit, interval), the last full-data
answer when the current one comes from a sample, how the experiment's sample verdicts agreed with
its full-data verdicts, and a compact history. "Changed recently" lists the verdicts that flipped
in the last few runs.

It scales with the journal: SQL does the grouping (window functions pick the newest results and
the flips), and Python touches each result row at most once, as a tuple of a few columns.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pytest_experiments.formatting import bound_text, interval_text
from pytest_experiments.notebook.answer_values import SCALAR, Number, numeric_parts
from pytest_experiments.notebook.families import Family, Variant, group
from pytest_experiments.notebook.history import (
    RESULT_COLUMNS,
    RESULTS_FROM,
    STATUSES,
    VERDICTS,
    Result,
    Run,
    agreement_outcome,
    agreement_summary,
    iter_rows,
    latest_run_ids,
    list_runs,
    nearest,
    result_from_row,
    strongest,
    timestamp,
)
from pytest_experiments.running.answers import format_value

#: Runs that count as "recent" for the changed-recently section, unless told otherwise.
RECENT_RUNS = 5
#: History entries kept per experiment, newest first.
HISTORY_ENTRIES = 10


@dataclass(frozen=True)
class Flip:
    """A verdict that changed from one result of an experiment to its next."""

    nodeid: str
    question: str | None
    run_id: int
    run_started: float
    before: str
    after: str
    previous_run: int


@dataclass
class Entry:
    """One experiment in the knowledge base."""

    nodeid: str
    current: Result
    history: list[Result]  # newest first, at most HISTORY_ENTRIES
    results: int  # how many results the journal holds for it
    last_full: Result | None = None  # the newest full-data result, when current is a sample
    #: The newest result, when it is not ``current`` (a newer result on less data).
    latest: Result | None = None
    #: Sample verdicts against the nearest full-data verdict, by ``agreement_outcome``.
    agreement: dict[str, int] = field(default_factory=dict)
    flips: list[Flip] = field(default_factory=list)
    latest_run: int | None = None  # the journal's newest run, to tell when this one was not in it

    @property
    def question(self) -> str | None:
        return self.current.question

    @property
    def title(self) -> str:
        """The question, with the parameters of a parametrized experiment (``[svc]``), which
        share one question; the node id when there is no question."""
        if not self.current.question:
            return self.nodeid
        name = self.nodeid.rsplit("::", 1)[-1]
        if name.endswith("]") and "[" in name:
            return f"{self.current.question} {name[name.index('[') :]}"
        return self.current.question

    def numbers(self) -> dict[str, Number]:
        return numeric_parts(self.current.answer)

    def interval_texts(self) -> list[str]:
        """``[0.84, 0.9] at 95% (wilson, n=300)`` for each estimate in the current answer."""
        texts = []
        for name, number in self.numbers().items():
            interval = number.interval_text()
            if interval:
                texts.append(f"{name}: {interval}" if name else interval)
        return texts

    def record_text(self) -> str | None:
        record = self.current.record
        if isinstance(record, dict) and record:
            return format_value(record)
        return None

    def evidence_text(self) -> str:
        current = self.current
        cost = (
            f"reused from run {current.reused_from}"
            if current.reused_from is not None
            else f"{current.duration:.2f}s"
        )
        return (
            f"{current.sample_text()}, seed {current.seed}, run {current.run_id} "
            f"({timestamp(current.run_started)}), commit {current.commit_text()}, {cost}"
        )

    def absent_text(self) -> str | None:
        """``not in the latest run (4)`` when the newest run did not run this experiment."""
        newest = self.latest or self.current
        if self.latest_run is None or newest.run_id == self.latest_run:
            return None
        return f"not in the latest run ({self.latest_run}); last ran in run {newest.run_id}"

    def latest_text(self) -> str | None:
        """``latest: inconclusive at 10% (run 5)``, when a newer result on less data than the
        headline's exists."""
        latest = self.latest
        if latest is None:
            return None
        return f"latest: {latest.status} at {latest.sample_text()} (run {latest.run_id})"

    @property
    def compared(self) -> int:
        """Sample verdicts that had a full-data verdict to compare with."""
        return sum(self.agreement.values())

    def agreement_text(self) -> str | None:
        if not self.compared:
            return None
        return agreement_summary(self.agreement)


#: The columns of a family's table after its parameters.
FAMILY_COLUMNS = ["verdict", "answer", "interval", "data", "rows", "time", "run"]
#: Statuses whose "answer" is an error message.
BROKEN = ("failed", "error", "crashed", "skipped")


def answer_cells(result: Result) -> tuple[str, str]:
    """The answer and its interval as two cells: ``("0.980", "[0.944, 1.000]")`` for an
    estimate; the whole answer and ``""`` for anything else."""
    numbers = numeric_parts(result.answer)
    scalar = numbers.get(SCALAR)
    if result.status not in BROKEN and list(numbers) == [SCALAR] and scalar is not None:
        if scalar.has_interval:
            return bound_text(scalar.value), interval_text(scalar.low, scalar.high)
    return result.shown_answer(), ""


def family_table(family: Family[Result]) -> tuple[list[str], list[list[str]], list[int]]:
    """A family as a table: header, one row per variant (what is known of it), and the
    indices of the right-aligned (numeric) columns."""
    header = [*family.columns(), *FAMILY_COLUMNS]
    rows = []
    for variant in family.variants:
        result = variant.item
        answer, interval = answer_cells(result)
        share = "not sampled" if not result.uses_fraction else result.sample_text().split(" ")[0]
        rows.append(
            [
                *family.cells(variant),
                result.status,
                answer,
                interval,
                share,
                "-" if result.rows is None else f"{result.rows:,}",
                f"{result.duration:.2f}s",
                str(result.run_id),
            ]
        )
    width = family.width
    right = [*family.numeric_columns(), width + 4, width + 5, width + 6]
    return header, rows, right


def known_family(family: Family[Entry]) -> Family[Result]:
    """The same family with each variant's headline result (its strongest evidence)."""
    return Family(family.base, [Variant(v.params, v.item.current) for v in family.variants])


def family_title(family: Family[Entry]) -> str:
    """The variants' shared question (or the function's node id), and how many there are."""
    questions = {variant.item.question for variant in family.variants}
    question = questions.pop() if len(questions) == 1 else None
    return f"{question or family.base} ({len(family.variants)} variants)"


def family_counts(family: Family[Entry]) -> dict[str, int]:
    """The variants' headline verdicts, counted in the order of :data:`STATUSES`."""
    counter = Counter(variant.item.current.status for variant in family.variants)
    ordered = {status: counter.pop(status) for status in STATUSES if status in counter}
    ordered.update(sorted(counter.items()))
    return ordered


@dataclass
class KnowledgeBase:
    """Everything a report shows, read from one journal."""

    journal: Path
    generated: float
    runs: int
    latest: Run | None
    entries: list[Entry]
    recent_runs: int
    flips: list[Flip]  # in the recent runs, newest first

    def grouped(self) -> list[Entry | Family[Entry]]:
        """The entries with each parametrized experiment's variants gathered into one family."""
        return group(self.entries)

    def counts(self) -> dict[str, int]:
        """Current status -> number of experiments, in the order of :data:`STATUSES`."""
        counter = Counter(entry.current.status for entry in self.entries)
        ordered = {status: counter.pop(status) for status in STATUSES if status in counter}
        ordered.update(sorted(counter.items()))  # statuses a later version may add
        return ordered


def build(
    connection: sqlite3.Connection,
    journal: Path,
    recent_runs: int = RECENT_RUNS,
    history_entries: int = HISTORY_ENTRIES,
) -> KnowledgeBase:
    """Read the knowledge base out of an open journal."""
    latest = list_runs(connection, limit=1)
    started = dict(connection.execute("SELECT id, started FROM runs").fetchall())
    entries: dict[str, Entry] = {}

    # The newest results of every experiment, newest first; the first of each is current.
    # Ranking ids on the (nodeid, run_id) index first keeps the wide rows out of the sort.
    for row in iter_rows(
        connection,
        f"""
        WITH ranked AS (
            SELECT id, ROW_NUMBER() OVER (PARTITION BY nodeid ORDER BY run_id DESC) AS k,
                   COUNT(*) OVER (PARTITION BY nodeid) AS total
            FROM results
        )
        SELECT {RESULT_COLUMNS}, ranked.total
        FROM ranked JOIN results AS r ON r.id = ranked.id JOIN runs ON runs.id = r.run_id
        WHERE ranked.k <= ? ORDER BY r.nodeid, r.run_id DESC
        """,
        (max(history_entries, 1),),
    ):
        result = result_from_row(row)
        entry = entries.get(result.nodeid)
        if entry is None:
            entries[result.nodeid] = Entry(result.nodeid, result, [result], results=row[-1])
        else:
            entry.history.append(result)

    for entry in entries.values():
        if latest:
            entry.latest_run = latest[0].id
        newest = entry.current
        candidates = list(entry.history)
        if newest.claim is not None and not any(r.full_data for r in candidates):
            older = _last_full(connection, entry.nodeid)
            if older is not None:
                candidates.append(older)
        entry.current = strongest(newest, candidates)
        if entry.current is not newest:
            entry.latest = newest
        if not entry.current.full_data:
            entry.last_full = next(
                (result for result in entry.history if result.full_data), None
            ) or _last_full(connection, entry.nodeid)

    recent = latest_run_ids(connection, recent_runs) if recent_runs > 0 else []
    flips = _scan_verdicts(connection, entries, started, since=min(recent) if recent else None)

    return KnowledgeBase(
        journal=journal,
        generated=time.time(),
        runs=len(started),
        latest=latest[0] if latest else None,
        entries=[entries[nodeid] for nodeid in sorted(entries)],
        recent_runs=len(recent),
        flips=flips,
    )


def _last_full(connection: sqlite3.Connection, nodeid: str) -> Result | None:
    """The newest full-data result of one experiment (walks its index entries backwards)."""
    row = connection.execute(
        f"SELECT {RESULT_COLUMNS} FROM {RESULTS_FROM} "
        "WHERE r.nodeid = ? AND r.fraction >= 1.0 ORDER BY r.run_id DESC LIMIT 1",
        (nodeid,),
    ).fetchone()
    return None if row is None else result_from_row(row)


def _scan_verdicts(
    connection: sqlite3.Connection,
    entries: dict[str, Entry],
    started: dict[int, float],
    since: int | None,
) -> list[Flip]:
    """One pass over every result's status, in (experiment, run) order, that does two things:

    * counts, per experiment, how many sample verdicts agreed with the full-data verdict
      nearest in time (the rule of ``show``, :func:`~pytest_experiments.notebook.history.nearest`);
    * returns the flips — a status different from the same experiment's previous result —
      in runs ``>= since``, newest first.
    """
    flips: list[Flip] = []
    current: str | None = None
    # A flip compares results on the same share of the data: a sample run after a full one
    # of the same code is a different look, not a change.
    previous: dict[float, tuple[int, str]] = {}
    samples: list[tuple[float, str]] = []
    full: list[tuple[float, str]] = []

    def settle() -> None:
        entry = entries.get(current) if current is not None else None
        if entry is None or not full or not samples:
            return
        full.sort()
        times = [when for when, _ in full]
        for when, status in samples:
            outcome = agreement_outcome(status, full[nearest(times, when)][1])
            entry.agreement[outcome] = entry.agreement.get(outcome, 0) + 1

    rows = iter_rows(
        connection,
        "SELECT nodeid, run_id, fraction >= 1.0, status, round(fraction, 6) FROM results"
        " ORDER BY nodeid, run_id",
    )
    for nodeid, run_id, full_data, status, share in rows:
        if nodeid != current:
            settle()
            current, previous, samples, full = nodeid, {}, [], []
        when = started.get(run_id, 0.0)
        if status in VERDICTS:
            (full if full_data else samples).append((when, status))
        before = previous.get(share)
        if since is not None and before is not None and run_id >= since and before[1] != status:
            entry = entries.get(nodeid)
            flips.append(
                Flip(
                    nodeid,
                    entry.question if entry else None,
                    run_id,
                    when,
                    before[1],
                    status,
                    before[0],
                )
            )
        previous[share] = (run_id, status)
    settle()
    flips.sort(key=lambda flip: (-flip.run_id, flip.nodeid))
    for flip in flips:
        if flip.nodeid in entries:
            entries[flip.nodeid].flips.append(flip)
    return flips


# -- Markdown ----------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = str.maketrans(
    {char: "\\" + char for char in "\\`*_[]<>|#&"} | {"\n": " ", "\r": " "}
)


def md(text: object) -> str:
    """Text shown literally by Markdown renderers: no markup, no raw HTML, safe in tables."""
    return str(text).translate(_MARKDOWN_SPECIAL)


def code(text: object) -> str:
    """An inline code span that survives backticks and table pipes in the text."""
    body = str(text).replace("\n", " ").replace("|", "\\|")
    return f"`` {body} ``" if "`" in body else f"`{body}`"


def status_word(status: str) -> str:
    return f"**{status}**" if status in ("refuted", "failed", "error", "crashed") else status


def count_text(count: int, status: str) -> str:
    """``3 confirmed``, ``1 error``, ``4 errors``: statuses read as adjectives but one."""
    if status == "error" and count != 1:
        return f"{count} errors"
    return f"{count} {status}"


def summary_text(kb: KnowledgeBase) -> str:
    counts = kb.counts()
    parts = [count_text(count, status) for status, count in counts.items()]
    total = len(kb.entries)
    noun = "experiment" if total == 1 else "experiments"
    return f"{total} {noun}" + (": " + ", ".join(parts) if parts else "")


def latest_text(kb: KnowledgeBase) -> str:
    if kb.latest is None:
        return "no runs yet"
    run = kb.latest
    return (
        f"{kb.runs} run{'s' if kb.runs != 1 else ''}; latest run {run.id} on "
        f"{run.started_text()} ({run.mode_text()}, {run.duration_text()}, "
        f"commit {run.commit_text()})"
    )


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def render_markdown(kb: KnowledgeBase) -> str:
    """The report as Markdown (GitHub-flavoured tables)."""
    out = [
        "# Experiment report",
        "",
        f"Journal {code(kb.journal)}: {latest_text(kb)}. Generated {timestamp(kb.generated)}.",
        "",
        f"**{summary_text(kb)}.**",
        "",
    ]
    if not kb.entries:
        out += ["The journal holds no results yet; run your experiments with pytest.", ""]
        return "\n".join(out)

    runs = "run" if kb.recent_runs == 1 else f"{kb.recent_runs} runs"
    out += [f"## Changed recently (last {runs})", ""]
    if kb.flips:
        out += _table(
            ["run", "date", "verdict", "question", "experiment"],
            [
                [
                    str(flip.run_id),
                    timestamp(flip.run_started),
                    f"{flip.before} → {status_word(flip.after)}",
                    md(flip.question or ""),
                    code(flip.nodeid),
                ]
                for flip in kb.flips
            ],
        )
    else:
        out.append("No verdict changed in these runs.")
    out.append("")

    grouped = kb.grouped()
    out += ["## Questions", ""]
    out += _table(
        ["verdict", "question", "answer", "data", "run"],
        [_question_row(item) for item in grouped],
    )
    out.append("")

    for item in grouped:
        out += _family_markdown(item) if isinstance(item, Family) else _entry_markdown(item)
    return "\n".join(out)


def _question_row(item: Entry | Family[Entry]) -> list[str]:
    if isinstance(item, Family):
        counts = family_counts(item)
        verdicts = ", ".join(count_text(count, status) for status, count in counts.items())
        runs = sorted({variant.item.current.run_id for variant in item.variants})
        return [
            verdicts,
            md(family_title(item)),
            "see its table",
            md(", ".join(dict.fromkeys(_share(v.item.current) for v in item.variants))),
            ", ".join(str(run) for run in runs),
        ]
    return [
        status_word(item.current.status),
        md(item.title),
        md(item.current.shown_answer()),
        md(item.current.sample_text()),
        str(item.current.run_id),
    ]


def _share(result: Result) -> str:
    return "not sampled" if not result.uses_fraction else result.sample_text().split(" ")[0]


def _family_markdown(family: Family[Entry]) -> list[str]:
    first = family.variants[0].item.current
    expectations = {variant.item.current.expectation for variant in family.variants}
    expected = expectations.pop() if len(expectations) == 1 else None
    shown = f" (expected {code(expected)})" if expected else ""
    out = [f"### {md(family_title(family))}", "", f"{code(family.base)}{shown}", ""]
    header, rows, _ = family_table(known_family(family))
    out += _table(header, [[md(cell) for cell in row] for row in rows])
    out.append("")
    notes = []
    for variant in family.variants:
        entry = variant.item
        label = code(entry.nodeid.rsplit("::", 1)[-1])
        if entry.latest is not None:
            notes.append(f"- {label}: {md(entry.latest_text())}")
        if entry.flips:
            flips = ", ".join(f"{f.before} → {f.after} in run {f.run_id}" for f in entry.flips)
            notes.append(f"- {label}: changed recently: {flips}")
        if entry.agreement_text():
            notes.append(f"- {label}: {entry.agreement_text()}")
    out += notes
    if notes:
        out.append("")
    out.append(f"One variant's history: `pytest-experiments show '{first.nodeid}'`.")
    out.append("")
    return out


def _entry_markdown(entry: Entry) -> list[str]:
    current = entry.current
    expected = f" (expected {code(current.expectation)})" if current.expectation else ""
    out = [
        f"### {md(entry.title)}",
        "",
        f"{code(entry.nodeid)}: {status_word(current.status)}{expected}",
        "",
    ]
    label = "error" if current.status in ("failed", "error", "crashed", "skipped") else "answer"
    out.append(f"- {label}: {md(current.shown_answer()) or '-'}")
    out.extend(f"- interval: {md(text)}" for text in entry.interval_texts())
    out.append(f"- evidence: {md(entry.evidence_text())}")
    if entry.absent_text():
        out.append(f"- {entry.absent_text()}")
    if entry.record_text():
        out.append(f"- recorded: {md(entry.record_text())}")
    if entry.latest is not None:
        out.append(f"- {md(entry.latest_text())}")
    if entry.last_full is not None:
        full = entry.last_full
        out.append(
            f"- on full data: {full.status}, {md(full.shown_answer())} "
            f"(run {full.run_id}, {timestamp(full.run_started)})"
        )
    if entry.agreement_text():
        out.append(f"- {entry.agreement_text()}")
    if entry.flips:
        flips = ", ".join(
            f"{flip.before} → {flip.after} in run {flip.run_id}" for flip in entry.flips
        )
        out.append(f"- changed recently: {flips}")
    out.append("")
    shown = len(entry.history)
    of = f", {shown} of {entry.results}" if entry.results > shown else ""
    out.append(f"History (newest first{of}):")
    out.append("")
    out += _table(
        ["run", "date", "verdict", "answer", "data", "commit"],
        [
            [
                str(result.run_id)
                + (f" (reused from {result.reused_from})" if result.reused_from else ""),
                timestamp(result.run_started),
                result.status,
                md(result.shown_answer()),
                md(result.sample_text()),
                md(result.commit_text()),
            ]
            for result in entry.history
        ],
    )
    out.append("")
    return out
