"""Where the plugin keeps its state on pytest's own objects, shared by the parts.

The run's settings live in the config's stash, each experiment's
:class:`~pytest_experiments.running.item.ExperimentState` in its item's stash (pytest-timeout's
way: no globals). The hooks, the notebook and downtime read them through these keys; the
running part is handed the objects and never looks them up.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_experiments.running.item import ExperimentState
from pytest_experiments.running.results import ExperimentResult
from pytest_experiments.settings import RunSettings

#: The run's settings (command line and ini file combined), on the config.
settings_key = pytest.StashKey[RunSettings]()

#: Results whose verdict the run's correction across verdicts changed (for the journal).
corrected_key = pytest.StashKey[list[ExperimentResult]]()

#: How many experiments this process has collected (each result's index), on the config.
collected_key = pytest.StashKey[list[int]]()

#: Each experiment's state, on its item.
state_key = pytest.StashKey[ExperimentState]()

#: The definition error of a plain test that carries an experiment marker, on its item.
stray_key = pytest.StashKey[str]()

#: Short option names (``--seed``) that a conftest or another plugin owned, so the plugin's
#: options go by their ``--exp-`` names only, on the config.
taken_names_key = pytest.StashKey[list[str]]()

#: With ``--exp-shard``: which shard of which batch this run is, and what it kept (for the
#: journal's ``runs.shard``), on the config.
shard_key = pytest.StashKey[dict[str, Any]]()
