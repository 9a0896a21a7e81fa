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


COMMANDS = (ExtraCommand("merge", add_merge, run_merge),)
