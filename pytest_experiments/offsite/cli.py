"""The off-site commands of ``pytest-experiments``: ``merge`` and ``submit``.

::

    pytest-experiments merge JOURNAL... [--journal=TARGET]
    pytest-experiments submit --shards N [--executor slurm|local] [--slurm-partition P]
        [--timeout 8h] [--cpus-per-task C] [--mem M] [--retries R] [--no-wait]
        [--allow-dirty] -- PYTEST_ARGS...
    pytest-experiments submit --attach JOB

Both write the journal (the others only read it): ``--journal`` names the one to merge into,
else the project's (``.experiments/journal.sqlite`` in the current directory or the nearest
parent that has one; created in the current directory if there is none). ``submit`` takes the
journal from the pytest arguments' ``--journal=`` first.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pytest_experiments.notebook.cli import EXIT_OK, CommandError, ExtraCommand
from pytest_experiments.notebook.history import find_journal
from pytest_experiments.notebook.journal import DEFAULT_JOURNAL, JournalError, open_journal


def target_journal(option: Path | None) -> Path:
    """``--journal``, else the project's journal, else a new one in the current directory."""
    if option is not None:
        return option
    try:
        return find_journal()
    except JournalError:
        return Path.cwd() / DEFAULT_JOURNAL


# -- merge -------------------------------------------------------------------------------------


def add_merge(commands: Any) -> argparse.ArgumentParser:
    merge: argparse.ArgumentParser = commands.add_parser(
        "merge",
        help="bring shards' journals (pytest --exp-shard K/N) into one run of the journal",
        description="Each batch of shards becomes one run of the target journal, made of its "
        "shards (host, start, end and exit status kept per shard); a run that was no shard is "
        "copied as it was. Merging the same journal twice adds nothing. The sources are only "
        "read.",
    )
    merge.add_argument("sources", metavar="JOURNAL", nargs="+", type=Path, help="shard journals")
    return merge


def run_merge(args: argparse.Namespace) -> int:
    from pytest_experiments.offsite.merge import MergeError, merge

    target = target_journal(args.journal)
    try:
        with open_journal(target) as journal:
            reports = merge(args.sources, journal, wait=args.wait)
    except MergeError as error:
        raise CommandError(str(error)) from None
    for report in reports:
        for line in report.lines():
            print(line)
    if not reports:
        print("nothing to merge: the journals hold no runs")
    return EXIT_OK


# -- submit ------------------------------------------------------------------------------------


def _duration_option(text: str) -> float:
    from pytest_experiments.settings import SettingError, parse_duration

    try:
        return parse_duration(text, "--timeout")
    except SettingError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


_duration_option.__name__ = "duration"


def _whole(least: int) -> Any:
    """An argparse type: a whole number of at least ``least``, else a one-line error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = least - 1
        if value < least:
            raise argparse.ArgumentTypeError(f"got {text!r}; write a whole number, {least} or more")
        return value

    parse.__name__ = "number"
    return parse


_count_option, _natural = _whole(1), _whole(0)


def add_submit(commands: Any) -> argparse.ArgumentParser:
    submit: argparse.ArgumentParser = commands.add_parser(
        "submit",
        help="run the suite's shards as one Slurm job array (submitit), merging each into the "
        "journal as it finishes",
        description="Cuts the selected experiments into N shards (as pytest --exp-shard K/N "
        "would), submits them as one submitit job array from this directory (same Python, "
        "same working tree), shows progress, merges each finished shard into the journal the "
        "pytest arguments name (--journal=, else the project's), retries failed shards, and "
        "exits with the run's exit status. Everything of a submission is kept in "
        ".experiments/submit/BATCH/.",
        epilog="example: pytest-experiments submit --shards 8 --slurm-partition gpu "
        "--timeout 8h -- --full --reuse",
    )
    submit.add_argument(
        "--shards", type=_count_option, metavar="N", help="how many shards (array tasks)"
    )
    submit.add_argument(
        "--executor",
        choices=("slurm", "local"),
        default="slurm",
        help="Slurm (the default; run from a machine where sbatch works) or local processes "
        "on this machine (for trying it out)",
    )
    submit.add_argument("--slurm-partition", metavar="P", help="the Slurm partition to use")
    submit.add_argument(
        "--timeout",
        type=_duration_option,
        default=4 * 3600.0,
        metavar="DURATION",
        help="each shard's time limit (90s, 45m, 8h; default 4h); a shard that reaches it is "
        "requeued and resumes",
    )
    submit.add_argument(
        "--cpus-per-task", type=_count_option, default=1, metavar="C", help="CPUs per shard"
    )
    submit.add_argument("--mem", metavar="M", help="memory per shard, as Slurm writes it (8G)")
    submit.add_argument(
        "--retries",
        type=_natural,
        default=1,
        metavar="R",
        help="submit a shard that failed again, up to R times (default 1); it resumes",
    )
    submit.add_argument(
        "--no-wait",
        dest="wait",
        action="store_false",
        help="return after submitting; follow later with --attach JOB",
    )
    submit.add_argument(
        "--attach",
        metavar="JOB",
        help="wait for and merge an earlier submission (its job array id or batch name)",
    )
    submit.add_argument(
        "--allow-dirty",
        action="store_true",
        help="submit even though the working tree has uncommitted changes",
    )
    submit.add_argument(
        "--batch", metavar="NAME", help="the batch's name (default: submit-DATE-TIME-XXXX)"
    )
    submit.add_argument(
        "--poll",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how often to look at the jobs (default 5 on Slurm, 1 locally)",
    )
    submit.add_argument(
        "--signal-delay",
        type=_count_option,
        default=None,
        metavar="SECONDS",
        help="how long before the time limit Slurm warns a shard to stop and be requeued "
        "(default: a quarter of --timeout, 15 to 90 seconds)",
    )
    submit.add_argument(
        "pytest_args",
        nargs="*",
        metavar="-- PYTEST_ARGS",
        help="the pytest command line of every shard, after --",
    )
    return submit


def run_submit(args: argparse.Namespace) -> int:
    import importlib.util
    import shutil

    from pytest_experiments.offsite.submit import Options, SubmitError, run

    if importlib.util.find_spec("submitit") is None:
        raise CommandError(
            "submit runs the shards through submitit, which is not installed; "
            "pip install 'pytest-experiments[offsite]'"
        )
    if args.executor == "slurm" and args.attach is None and shutil.which("sbatch") is None:
        raise CommandError(
            "no Slurm here (sbatch is not on PATH); run submit where jobs can be submitted, "
            "or try it on this machine with --executor local"
        )
    options = Options(
        shards=args.shards,
        executor=args.executor,
        partition=args.slurm_partition,
        timeout=args.timeout,
        cpus_per_task=args.cpus_per_task,
        mem=args.mem,
        retries=args.retries,
        wait=args.wait,
        allow_dirty=args.allow_dirty,
        attach=args.attach,
        batch=args.batch,
        journal=getattr(args, "journal", None),
        poll=args.poll if args.poll is not None else (5.0 if args.executor == "slurm" else 1.0),
        signal_delay=args.signal_delay,
        pytest_args=list(args.pytest_args),
    )
    try:
        return run(options)
    except SubmitError as error:
        raise CommandError(str(error)) from None


COMMANDS = (
    ExtraCommand("merge", add_merge, run_merge),
    ExtraCommand("submit", add_submit, run_submit),
)
