"""The ``pytest-experiments`` command: read the journal that pytest runs write.

::

    pytest-experiments runs                  # the runs, newest first, with counts per verdict
    pytest-experiments show QUERY            # one experiment's history (node id or question)
    pytest-experiments diff [RUN_A] [RUN_B]  # what changed between two runs (default: last two)
    pytest-experiments report [--html FILE]  # the knowledge base, Markdown or one HTML page
    pytest-experiments export --format jsonl|csv [-o FILE]   # every result, for pandas

Also ``python -m pytest_experiments``. The journal is ``--journal PATH``, or else
``.experiments/journal.sqlite`` in the current directory or its nearest parent that has one.
It is only ever read.

Exit status: 0 on success; for ``diff``, 0 when the runs do not differ and 1 when they do (like
``diff`` and ``git diff --exit-code``); 2 when the command cannot do its work (no or unreadable
journal, an unknown run, a query that matches no experiment or several, bad usage) — with a
one-line message on stderr saying what to do, never a traceback.

Only the standard library is imported until ``report --html`` needs Jinja2 and matplotlib.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sqlite3
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_experiments import __version__
from pytest_experiments.formatting import number_text
from pytest_experiments.notebook.changes import Change, RunDiff, diff_runs
from pytest_experiments.notebook.families import Family, Variant, as_family
from pytest_experiments.notebook.history import (
    STATUSES,
    Result,
    Run,
    agreement_summary,
    count_runs,
    describe_error,
    find_experiments,
    find_journal,
    get_run,
    history,
    latest_run_ids,
    list_runs,
    open_for_reading,
    results_of_run,
    sample_agreement,
    strongest,
    timestamp,
)
from pytest_experiments.notebook.journal import JournalError
from pytest_experiments.notebook.report import family_table
from pytest_experiments.running.answers import format_value
from pytest_experiments.tuning.results import is_tuning, trial_rows

PROG = "pytest-experiments"

EXIT_OK = 0
EXIT_DIFFERENT = 1
EXIT_TROUBLE = 2
EXIT_INTERRUPTED = 130

#: Experiments that get plots in ``report --html`` unless ``--max-plots`` says otherwise.
DEFAULT_MAX_PLOTS = 20


class CommandError(Exception):
    """The command cannot do what was asked; the message says why and what to do."""


@dataclass(frozen=True)
class ExtraCommand:
    """A command another part adds (``merge``, ``submit``): ``add`` puts its parser among the
    subcommands, ``run`` does it. It opens what it needs itself; :class:`CommandError` and
    ``JournalError`` it raises become the one-line error and exit status 2."""

    name: str
    add: Callable[[Any], argparse.ArgumentParser]
    run: Callable[[argparse.Namespace], int]


# -- arguments ---------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _run_id(text: str) -> int:
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a run id; run ids are whole numbers like 12 "
            f"(`{PROG} runs` lists them)"
        ) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value < 1e6:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 1e6 seconds")
    return value


def _journal_options(parser: argparse.ArgumentParser, top: bool) -> None:
    # On the subcommands too, so `pytest-experiments report --journal x` works; SUPPRESS keeps a
    # subcommand's unset option from overwriting one given before the subcommand.
    default: object = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--journal",
        metavar="PATH",
        type=Path,
        default=default,
        help="the journal to read (default: .experiments/journal.sqlite in the current "
        "directory or the nearest parent that has one)",
    )
    parser.add_argument(
        "--wait",
        metavar="SECONDS",
        type=_seconds,
        default=10.0 if top else argparse.SUPPRESS,
        help="how long to wait for a journal locked by another process (default: 10)",
    )


def build_parser(more: Sequence[ExtraCommand] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Read the journal of pytest-experiments: runs, histories, differences "
        "between runs, the report of what is known, and exports.",
        epilog="Exit status: 0 success (diff: no difference); 1 diff found differences; "
        "2 the journal cannot be read, an unknown run or query, or bad usage.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _journal_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    runs = commands.add_parser("runs", help="the runs, newest first, with counts per verdict")
    runs.add_argument(
        "--limit",
        type=_count,
        default=20,
        metavar="N",
        help="show the newest N runs (default: 20; 0 shows all)",
    )
    _journal_options(runs, top=False)

    show = commands.add_parser("show", help="one experiment's history, run by run")
    show.add_argument(
        "query", metavar="QUERY", help="part of the experiment's node id or of its question"
    )
    _journal_options(show, top=False)

    diff = commands.add_parser(
        "diff",
        help="what changed between two runs (default: the last two)",
        description="Compare run RUN_A with run RUN_B: verdicts that flipped, answers that "
        "moved, experiments added or gone. Without run ids, the last two runs; with one, that "
        "run and the newest. Exit status 0 when nothing differs, 1 when something does.",
    )
    diff.add_argument("run_a", metavar="RUN_A", nargs="?", type=_run_id, help="the older run")
    diff.add_argument(
        "run_b", metavar="RUN_B", nargs="?", type=_run_id, help="the newer run (default: newest)"
    )
    _journal_options(diff, top=False)

    report = commands.add_parser(
        "report",
        help="the knowledge base: Markdown on stdout, or --html FILE",
        description="Every question with its current answer and verdict, the evidence behind "
        "it, its history and what changed recently.",
    )
    report.add_argument(
        "--html",
        metavar="FILE",
        type=Path,
        help="write one self-contained HTML page with plots instead (needs the 'report' extra: "
        "pip install 'pytest-experiments[report]'; without matplotlib it has tables only)",
    )
    report.add_argument(
        "--recent",
        type=_count,
        default=5,
        metavar="N",
        help="'changed recently' covers the last N runs (default: 5)",
    )
    report.add_argument(
        "--history",
        type=_positive_int,
        default=10,
        metavar="N",
        help="history entries per experiment, newest first (default: 10)",
    )
    report.add_argument(
        "--max-plots",
        type=_count,
        default=DEFAULT_MAX_PLOTS,
        metavar="N",
        help=f"draw plots for at most N experiments in the HTML page, those whose verdict "
        f"changed recently first, then refuted and inconclusive ones (default: "
        f"{DEFAULT_MAX_PLOTS}; each plot takes about 0.1 s)",
    )
    report.add_argument(
        "--force",
        action="store_true",
        help="replace --html FILE even if it is not an earlier report",
    )
    _journal_options(report, top=False)

    export = commands.add_parser(
        "export",
        help="every result joined with its run, as JSON lines or CSV",
        description="One row per result, joined with its run; times are Unix seconds. "
        "JSON lines keep answers, records and modes as nested JSON (NaN and Infinity as "
        "Python and pandas write them); CSV holds them as JSON text.",
    )
    export.add_argument(
        "--format",
        required=True,
        choices=("jsonl", "csv", "mlflow"),
        dest="fmt",
        help="JSON lines or CSV (to stdout or -o FILE), or MLflow runs, one per result (needs "
        "the 'mlflow' extra; exporting twice adds nothing)",
    )
    export.add_argument(
        "--tracking-uri",
        metavar="URI",
        help="with --format mlflow: the tracking store (sqlite:///mlflow.db, http://host:5000; "
        "default: MLflow's, MLFLOW_TRACKING_URI)",
    )
    export.add_argument(
        "--experiment",
        metavar="NAME",
        help="with --format mlflow: the MLflow experiment (default: 'pytest-experiments' and "
        "the journal's project)",
    )
    export.add_argument(
        "-o", "--output", metavar="FILE", type=Path, help="write here instead of stdout"
    )
    export.add_argument(
        "--force",
        action="store_true",
        help="replace --output FILE even if it is not an earlier export",
    )
    _journal_options(export, top=False)
    for extra in more:
        _journal_options(extra.add(commands), top=False)
    return parser


# -- main ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, more: Sequence[ExtraCommand] = ()) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser(more)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # --help, --version, or a usage error already printed
        return exit.code if isinstance(exit.code, int) else EXIT_TROUBLE
    extra = {command.name: command for command in more}.get(args.command)
    try:
        if extra is not None:
            return extra.run(args)
        command = COMMANDS[args.command]
        path = args.journal if args.journal is not None else find_journal()
        connection = open_for_reading(path, wait=args.wait)
        try:
            return command(args, connection, path)
        except sqlite3.Error as error:
            raise describe_error(path, error) from None
        finally:
            connection.close()
    except (JournalError, CommandError) as error:
        _error(str(error))
        return EXIT_TROUBLE
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`... | head`): not an error worth a message.
        _silence_stdout()
        return EXIT_OK


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


# -- text tables ---------------------------------------------------------------------------------


def format_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()
) -> str:
    """Columns padded to their widest cell; columns listed in ``right`` are right-aligned;
    a column with no text at all (header included) is left out."""
    kept = [index for index, title in enumerate(header) if title or any(row[index] for row in rows)]
    if len(kept) < len(header):
        right = [kept.index(index) for index in right if index in kept]
        header = [header[index] for index in kept]
        rows = [[row[index] for index in kept] for row in rows]
    widths = [len(title) for title in header]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(header), *(line(row) for row in rows)])


def _one_line(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# -- runs ----------------------------------------------------------------------------------------


def cmd_runs(args: argparse.Namespace, connection: sqlite3.Connection, path: Path) -> int:
    runs = list_runs(connection, limit=args.limit or None)
    if not runs:
        print(f"The journal {path} has no runs yet; run your experiments with pytest.")
        return EXIT_OK
    present = [status for status in STATUSES if any(run.counts.get(status) for run in runs)]
    extra = sorted({status for run in runs for status in run.counts} - set(STATUSES))
    statuses = present + extra
    header = ["run", "started", "took", "mode", "commit", *statuses]
    rows = [
        [
            str(run.id),
            run.started_text(),
            run.duration_text(),
            run.mode_text(),
            run.commit_text(),
            *(str(run.counts.get(status, 0)) for status in statuses),
        ]
        for run in runs
    ]
    right = [0, *range(5, 5 + len(statuses))]
    # The command takes what the terminal has left (COLUMNS, else the terminal, else 120).
    used = max(len(line) for line in format_table(header, rows, right).splitlines())
    room = shutil.get_terminal_size((120, 24)).columns - used - 2
    if room >= 12:
        header.append("command")
        for row, run in zip(rows, runs, strict=True):
            row.append(_one_line(run.command, min(room, 80)))
    print(format_table(header, rows, right))
    total = count_runs(connection)
    if total > len(runs):
        print(f"({total - len(runs)} older runs not shown; --limit 0 shows all)")
    return EXIT_OK


# -- show ----------------------------------------------------------------------------------------


def cmd_show(args: argparse.Namespace, connection: sqlite3.Connection, path: Path) -> int:
    matches = find_experiments(connection, args.query)
    if not matches:
        raise CommandError(
            f"no experiment's node id or question contains {args.query!r}; "
            f"`{PROG} report` lists them all"
        )
    family = as_family(matches)
    if family is not None:
        histories = [
            Variant(variant.params, history(connection, variant.item.nodeid))
            for variant in family.variants
        ]
        print(render_family(Family(family.base, histories)))
        return EXIT_OK
    if len(matches) > 1:
        lines = [
            f"{PROG}: error: {len(matches)} experiments match {args.query!r}; narrow the query "
            "(a longer part of the node id, or the whole node id):"
        ]
        lines += [
            f"  {match.nodeid}" + (f"  {_one_line(match.question)!r}" if match.question else "")
            for match in matches
        ]
        print("\n".join(lines), file=sys.stderr)
        return EXIT_TROUBLE
    results = history(connection, matches[0].nodeid)
    print(render_history(results))
    tuning = next((result for result in reversed(results) if is_tuning(result.answer)), None)
    if tuning is not None:
        print("\n" + render_trials(tuning))
    return EXIT_OK


def render_family(family: Family[list[Result]]) -> str:
    """A parametrized experiment as one table: a row per variant (its history's strongest
    evidence, :func:`strongest`), its parameter ids as columns, sorted naturally."""
    known = Family(
        family.base,
        [Variant(v.params, strongest(v.item[-1], v.item)) for v in family.variants],
    )
    latest = max((v.item[-1] for v in family.variants), key=lambda result: result.run_started)
    lines = [f"{family.base}  ({len(family.variants)} variants)"]
    if latest.question:
        lines.append(f"question:  {latest.question}")
    if latest.expectation:
        lines.append(f"expected:  {latest.expectation}")
    lines.append("")
    header, rows, right = family_table(known)
    rows = [[_one_line(cell, 50) for cell in row] for row in rows]
    lines.append(format_table(header, rows, right=right))
    lines += ["", f"one variant's history: {PROG} show '{family.base}[ID]'"]
    return "\n".join(lines)


def render_trials(result: Result) -> str:
    """A tuning result's trials, best first: a column per parameter, then score, rows, time."""
    rows = trial_rows(result.answer)
    names = sorted({name for row in rows for name in row} - {"score", "rows", "seconds"})
    header = [*names, "score", "rows", "seconds"]
    table = [
        [_cell(row.get(name)) for name in names]
        + [_cell(row.get("score")), _cell(row.get("rows")), _cell(row.get("seconds"))]
        for row in rows
    ]
    title = f"trials ({len(rows)}, best first) of run {result.run_id}:"
    return title + "\n" + format_table(header, table, right=list(range(len(names), len(header))))


def _cell(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value)
    return "-" if value is None else str(value)


def render_history(results: list[Result]) -> str:
    """One experiment's history as text: a header, one line per run, and an agreement line."""
    latest = results[-1]
    agreements = sample_agreement(results)
    lines = [latest.nodeid]
    if latest.question:
        lines.append(f"question:  {latest.question}")
    if latest.expectation:
        lines.append(f"expected:  {latest.expectation}")
    if isinstance(latest.record, dict) and latest.record:
        lines.append(f"recorded:  {format_value(latest.record)} (run {latest.run_id})")
    known = strongest(latest, results)
    if known is not latest:
        lines.append(
            f"known:     {known.status} on {known.sample_text()} (run {known.run_id}), the "
            f"most data on these inputs; latest: {latest.status} at {latest.sample_text()} "
            f"(run {latest.run_id})"
        )
    lines.append("")
    expectations = {result.expectation for result in results}
    header = ["run", "started", "verdict", "answer", "data", "commit"]
    if len(expectations) > 1:
        header.insert(3, "expected")
    header.append("vs full data")
    rows = []
    for result in reversed(results):
        agreement = agreements.get(result.run_id)
        if agreement is not None:
            versus = agreement.text()
        elif result.full_data:
            versus = "(full data)"
        else:
            versus = "-"
        reused = f" (reused from run {result.reused_from})" if result.reused_from else ""
        row = [
            str(result.run_id),
            timestamp(result.run_started),
            result.status + reused,
            _one_line(result.shown_answer(), 50),
            result.sample_text(),
            result.commit_text(),
            versus,
        ]
        if len(expectations) > 1:
            row.insert(3, result.expectation or "-")
        rows.append(row)
    lines.append(format_table(header, rows, right=[0]))
    if agreements:
        counts: dict[str, int] = {}
        for agreement in agreements.values():
            counts[agreement.outcome] = counts.get(agreement.outcome, 0) + 1
        lines += ["", agreement_summary(counts)]
    elif any(not result.full_data and result.is_verdict for result in results):
        lines += ["", "sample verdicts: no full-data verdict to compare with yet (run --full)"]
    return "\n".join(lines)


# -- diff ----------------------------------------------------------------------------------------


def cmd_diff(args: argparse.Namespace, connection: sqlite3.Connection, path: Path) -> int:
    if args.run_a is None:
        # The two newest runs that ended normally: an interrupted run lacks what it did not
        # reach, and would show it as gone.
        recent = list_runs(connection, limit=50)
        complete = [run for run in recent if run.comparable]
        if len(complete) < 2:
            if len(recent) < 2:
                have = "no runs" if not recent else "only one run"
            else:
                have = f"{len(complete) or 'no'} run(s) that ended normally with results"
            raise CommandError(
                f"diff compares two runs, and the journal {path} has {have}; run the "
                "experiments again, then diff (interrupted runs and runs without results are "
                "left out unless named: diff 3 5)"
            )
        a_id, b_id = complete[1].id, complete[0].id
        skipped = [run for run in recent if run.id > a_id and not run.comparable]
        if skipped:
            names = ", ".join(f"{run.id} ({_left_out(run)})" for run in skipped)
            print(
                f"(left out: run {names}; comparing the last two finished runs, {a_id} and "
                f"{b_id}; name runs to compare them)",
                file=sys.stderr,
            )
    elif args.run_b is None:
        a_id, b_id = args.run_a, latest_run_ids(connection, 1)[0]
    else:
        a_id, b_id = args.run_a, args.run_b
    a, b = get_run(connection, a_id), get_run(connection, b_id)
    if a.id == b.id:
        raise CommandError(
            f"diff compares two different runs; got run {a.id} twice (with one run id, diff "
            "compares it with the newest run)"
        )
    diff = diff_runs(a, b, results_of_run(connection, a.id), results_of_run(connection, b.id))
    print(render_diff(diff))
    return EXIT_OK if diff.empty else EXIT_DIFFERENT


def _left_out(run: Run) -> str:
    if run.finished is None:
        return "unfinished"
    return run.ending or "no results"


def _experiments(count: int) -> str:
    return f"{count} experiment{'' if count == 1 else 's'}"


def _run_line(label: str, run: Run) -> str:
    unfinished = ", unfinished" if run.finished is None else ""
    return (
        f"{label} run {run.id}  {run.started_text()}  {run.mode_text()}  "
        f"commit {run.commit_text()}  ({run.total} results{unfinished})"
    )


def _share_change(change: Change) -> str:
    """``(5% → full)`` when the two results looked at different shares of the data."""
    old, new = change.old, change.new
    if not (old.uses_fraction and new.uses_fraction) or round(old.fraction, 6) == round(
        new.fraction, 6
    ):
        return ""
    return f"({_share_word(old)} → {_share_word(new)})"


def _share_word(result: Result) -> str:
    return "full" if result.full_data else f"{result.fraction * 100:.3g}%"


def render_diff(diff: RunDiff) -> str:
    lines = [_run_line("---", diff.a), _run_line("+++", diff.b), ""]
    if diff.empty:
        lines.append(f"no differences: {_experiments(diff.unchanged)} unchanged")
        return "\n".join(lines)
    across = [change for change in diff.flipped + diff.moved if _share_change(change)]
    if across:
        count = len({change.nodeid for change in across})
        note = (
            f"({_experiments(count)} ran on different shares of the data in these two runs, "
            f"marked {_share_change(across[0])} below: a verdict or answer that differs between "
            "a sample and all the data is a different look at the same claim, not a change of "
            f"it; `{PROG} report` and `show` headline the strongest evidence)"
        )
        width = max(shutil.get_terminal_size((120, 24)).columns - 1, 40)
        lines += [*textwrap.wrap(note, width, break_on_hyphens=False), ""]
    if diff.flipped:
        lines.append(f"verdicts that flipped ({len(diff.flipped)}):")
        rows = [
            [
                change.nodeid,
                f"{change.old.status} → {change.new.status}",
                _share_change(change),
                _one_line(change.new.shown_answer(), 50),
            ]
            for change in diff.flipped
        ]
        lines += ["  " + line for line in format_table(["", "", "", ""], rows).splitlines()[1:]]
        lines.append("")
    if diff.moved:
        lines.append(f"answers that moved ({len(diff.moved)}):")
        rows = [
            [change.nodeid, _share_change(change), change.answer_text()] for change in diff.moved
        ]
        lines += ["  " + line for line in format_table(["", "", ""], rows).splitlines()[1:]]
        lines.append("")
    for title, results in (
        (f"added (in run {diff.b.id}, not in run {diff.a.id})", diff.added),
        (
            f"not yet run (run {diff.b.id} has not finished)"
            if diff.b.finished is None
            else f"gone (in run {diff.a.id}, not in run {diff.b.id}: not selected, or removed)",
            diff.gone,
        ),
    ):
        if not results:
            continue
        lines.append(f"{title} ({len(results)}):")
        rows = [
            [result.nodeid, result.status, _one_line(result.shown_answer(), 50)]
            for result in results
        ]
        lines += ["  " + line for line in format_table(["", "", ""], rows).splitlines()[1:]]
        lines.append("")
    lines.append(f"{_experiments(diff.unchanged)} unchanged")
    return "\n".join(lines)


# -- report --------------------------------------------------------------------------------------


def cmd_report(args: argparse.Namespace, connection: sqlite3.Connection, path: Path) -> int:
    from pytest_experiments.notebook.report import build, render_markdown

    if args.html is not None and not args.html.parent.is_dir():
        # Say so before spending seconds on the plots.
        raise CommandError(
            f"cannot write the report to {args.html}: there is no directory "
            f"{args.html.parent}; create it or choose another --html path"
        )
    if args.html is not None and not args.force:
        _refuse_to_overwrite(args.html, "--html", "an earlier report", _is_html_report)
    kb = build(connection, path, recent_runs=args.recent, history_entries=args.history)
    if args.html is None:
        sys.stdout.write(render_markdown(kb))
        sys.stdout.write("\n")
        return EXIT_OK
    from pytest_experiments.notebook.report_html import ReportError, render_html

    try:
        page = render_html(kb, connection, max_plots=args.max_plots)
    except ReportError as error:
        raise CommandError(str(error)) from None
    try:
        args.html.write_text(page, encoding="utf-8")
    except OSError as error:
        raise CommandError(
            f"cannot write the report to {args.html}: {error.strerror}; choose another --html path"
        ) from None
    print(f"wrote {args.html} ({len(kb.entries)} experiments, {len(page) // 1024:,} KiB)")
    return EXIT_OK


# -- export --------------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace, connection: sqlite3.Connection, path: Path) -> int:
    from pytest_experiments.notebook.export import write_csv, write_jsonl

    if args.fmt == "mlflow":
        return _export_mlflow(args, connection)
    if args.tracking_uri or args.experiment:
        raise CommandError("--tracking-uri and --experiment go with --format mlflow")

    writer = write_jsonl if args.fmt == "jsonl" else write_csv
    if args.output is None:
        writer(connection, sys.stdout)
        return EXIT_OK
    if not args.force:
        _refuse_to_overwrite(args.output, "--output", "an earlier export", _is_export)
    try:
        with args.output.open("w", encoding="utf-8", newline="") as stream:
            count = writer(connection, stream)
    except OSError as error:
        raise CommandError(
            f"cannot write {args.output}: {error.strerror}; choose another --output path"
        ) from None
    print(f"wrote {count:,} results to {args.output}", file=sys.stderr)
    return EXIT_OK


def _export_mlflow(args: argparse.Namespace, connection: sqlite3.Connection) -> int:
    import importlib.util

    if args.output is not None:
        raise CommandError(
            "--format mlflow writes to a tracking store: give --tracking-uri, not -o"
        )
    if importlib.util.find_spec("mlflow") is None:
        raise CommandError(
            "--format mlflow needs mlflow, which is not installed; "
            "pip install 'pytest-experiments[mlflow]'"
        )
    from pytest_experiments.notebook.mlflow_export import export_mlflow, project_name

    experiment = args.experiment or project_name(connection)
    try:
        written, skipped = export_mlflow(connection, args.tracking_uri, experiment)
    except Exception as error:  # MLflow's errors are many kinds; say which store refused
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CommandError(
            f"MLflow at {args.tracking_uri or 'its default tracking URI'} refused the export: "
            f"{first}"
        ) from None
    print(
        f"wrote {written:,} MLflow runs to experiment {experiment!r}"
        + (f" ({skipped:,} results were there already)" if skipped else ""),
        file=sys.stderr,
    )
    return EXIT_OK


def _refuse_to_overwrite(path: Path, option: str, what: str, ours: Callable[[str], bool]) -> None:
    """A CommandError unless ``path`` is new, empty, or a file this command wrote before."""
    if path.is_dir():
        raise CommandError(f"{option} {path} is a directory; name a file")
    try:
        with path.open("rb") as stream:
            head = stream.read(4096).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return
    except OSError as error:
        raise CommandError(
            f"cannot read {path}: {error.strerror}; choose another {option} path"
        ) from None
    if head and not ours(head):
        raise CommandError(
            f"{path} exists and is not {what} of pytest-experiments; choose another {option} "
            "path, or add --force to replace it"
        )


def _is_html_report(head: str) -> bool:
    return '<meta name="generator" content="pytest-experiments' in head


def _is_export(head: str) -> bool:
    from pytest_experiments.notebook.export import COLUMNS

    first = head.split("\n", 1)[0]
    return first.startswith(",".join(COLUMNS[:3])) or first.startswith('{"run_id": ')


COMMANDS: dict[str, Callable[[argparse.Namespace, sqlite3.Connection, Path], int]] = {
    "runs": cmd_runs,
    "show": cmd_show,
    "diff": cmd_diff,
    "report": cmd_report,
    "export": cmd_export,
}
