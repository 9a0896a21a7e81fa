"""``python -m pytest_experiments``: the same as the ``pytest-experiments`` command."""

from __future__ import annotations

from pytest_experiments.commands import main

if __name__ == "__main__":
    raise SystemExit(main())
