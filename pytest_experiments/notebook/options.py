"""The journal's options and where this run's journal is."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_experiments.notebook.journal import DEFAULT_JOURNAL


def addoption(parser: pytest.Parser) -> None:
    """The journal's options, in the plugin's ``experiments`` group."""
    group = parser.getgroup("experiments")
    group.addoption(
        "--journal",
        dest="experiment_journal",
        metavar="PATH",
        help="keep the experiments' results in this journal (default "
        f"{DEFAULT_JOURNAL} under the rootdir; ini experiment_journal)",
    )
    group.addoption(
        "--no-journal",
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
    if "--journal" in arguments and not hasattr(config, "workerinput"):
        following = arguments[arguments.index("--journal") + 1 :][:1]
        raise pytest.UsageError(
            f"write --journal={following[0] if following else 'PATH'} (with '='): pytest picks "
            "the rootdir before it knows that --journal takes a value, and would take the path "
            "for a test path"
        )
