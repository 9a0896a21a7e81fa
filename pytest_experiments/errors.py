"""Errors that describe a mistake in how an experiment is written.

They are reported as a single line naming the experiment, never as a traceback into the plugin:
the user needs to know what to write instead, not where in our code it was noticed.
"""

from __future__ import annotations


class ExperimentError(Exception):
    """Base class: the message says what is wrong and what to write instead."""


class DefinitionError(ExperimentError):
    """A marker or expectation is malformed; found at collection, reported at setup."""


class AnswerError(ExperimentError):
    """The experiment ran but its answer cannot be judged (no answer, wrong type, missing name)."""


class EstimateError(ExperimentError, ValueError):
    """An ``exp`` method got values it cannot make an estimate of (too few, NaN, no trials)."""
