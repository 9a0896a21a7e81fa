"""Which functions and files are experiments: ``exp_*`` functions, in test files or ``exp_*.py``."""

from __future__ import annotations

import pytest

#: A function (or ``Test*`` method) whose name starts with this is an experiment.
EXPERIMENT_PREFIX = "exp_"

#: Files collected as experiment modules besides ``python_files`` (ini ``experiment_files``).
EXPERIMENT_FILES = "exp_*.py"


def is_experiment(item: pytest.Item) -> bool:
    """Whether a collected item is an experiment."""
    return isinstance(item, pytest.Function) and item.originalname.startswith(EXPERIMENT_PREFIX)


def looks_like_experiment(nodeid: str) -> bool:
    """Whether a node id names an ``exp_*`` function (the controller sees ids, not items)."""
    if EXPERIMENT_PREFIX not in nodeid:
        return False  # the common case, a plain test: no string splitting per report
    name = nodeid.split("[", 1)[0].rsplit("::", 1)[-1]
    return "::" in nodeid and name.startswith(EXPERIMENT_PREFIX)
