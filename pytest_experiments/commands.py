"""The ``pytest-experiments`` command: the notebook's reading commands (``runs``, ``show``,
``diff``, ``report``, ``export``) and the off-site ones (``merge``, ``submit``)."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_experiments.notebook import cli
from pytest_experiments.offsite.cli import COMMANDS as OFFSITE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    return cli.main(argv, more=OFFSITE)
