"""The journal's options and where this run's journal is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_experiments.notebook.journal import DEFAULT_JOURNAL
from pytest_experiments.state import taken_names_key


def addoption(parser: pytest.Parser, add: Callable[..., None]) -> None:
    """The journal's options, in the plugin's ``experiments`` group (``add`` gives each its
    ``--exp-`` name and its short one)."""
    add(
        "--journal",
        "--exp-journal",
        dest="experiment_journal",
        metavar="PATH",
        help="keep the experiments' results in this journal (default "
        f"{DEFAULT_JOURNAL} under the rootdir; ini experiment_journal)",
    )
    add(
        "--no-journal",
        "--exp-no-journal",
        dest="experiment_no_journal",
        action="store_true",
        default=False,
        help="do not record this run in the journal (wins over --journal)",
    )
    parser.addini(
        "experiment_journal",
        f"path of the experiments' journal, relative to the rootdir (default {DEFAULT_JOURNAL})",
        default="",
    )


def journal_path(config: pytest.Config) -> Path | None:
    """Where this run's journal is, or None with ``--no-journal``.

    ``--journal`` is relative to the current directory (like any path on the command line),
    the ini setting to the rootdir.
    """
    if config.getoption("experiment_no_journal"):
        return None
    option = config.getoption("experiment_journal")
    if option:
        return config.invocation_params.dir / Path(option).expanduser()
    ini = str(config.getini("experiment_journal")).strip()
    if ini:
        return config.rootpath / Path(ini).expanduser()
    return config.rootpath / DEFAULT_JOURNAL


def check_journal_option(config: pytest.Config) -> None:
    """``--journal PATH`` (without ``=``) is an error that says to write ``--journal=PATH``."""
    arguments = [str(argument) for argument in config.invocation_params.args]
    names = ["--exp-journal"]
    if "--journal" not in config.stash.get(taken_names_key, []):
        names.append("--journal")
    for name in names:
        if name in arguments and not hasattr(config, "workerinput"):
            following = arguments[arguments.index(name) + 1 :][:1]
            raise pytest.UsageError(
                f"write {name}={following[0] if following else 'PATH'} (with '='): pytest "
                f"picks the rootdir before it knows that {name} takes a value, and would take "
                "the path for a test path"
            )
