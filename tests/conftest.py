"""Shared set-up for the plugin's own tests.

In-process ``pytester`` runs drop modules imported during the inner run from ``sys.modules``
afterwards: numpy refuses to be imported twice in one process, and re-importing hypothesis
(whose plugin's summary imports it) and scikit-learn costs seconds per inner run. Importing
them here, once, keeps them loaded across inner runs.
"""

from __future__ import annotations

import hypothesis  # noqa: F401
import numpy  # noqa: F401
import pytest
import sklearn.utils  # noqa: F401


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester whose inner runs do not warn that the plugin could not be assertion-rewritten.

    In-process inner runs find the plugin already imported by the outer run; that warning is an
    artefact of testing a plugin in-process, not something a user sees.
    """
    # pytest-sugar (in the dev extra) takes over the terminal when the outer run's output is
    # a terminal, and would in every in-process inner run too; the tests of it ask for it.
    monkeypatch.setenv("PYTEST_ADDOPTS", "-W ignore::pytest.PytestAssertRewriteWarning -p no:sugar")
    # Experiment lines wrap at the terminal's width; most tests match whole lines, so give
    # them a wide terminal (tests of the wrapping set their own).
    monkeypatch.setenv("COLUMNS", "1000")
    return pytester
