"""One share of the cores per xdist worker for the BLAS and OpenMP thread pools.

numpy's BLAS and scikit-learn's OpenMP loops start one thread per core in every process. Under
``-n N`` that is N x cores threads fighting for the cores: on a 2-core machine a logistic
regression fit ran 40 times slower under ``-n 2`` than alone. So each worker limits its pools to
``max(1, cores // N)`` threads:

* at start-up, by setting ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``,
  ``BLIS_NUM_THREADS`` and ``VECLIB_MAXIMUM_THREADS`` for variables the user has not set
  (read by the libraries when they load, usually at collection);
* before the worker's first experiment, with threadpoolctl (a scikit-learn dependency, imported
  only then) for libraries a ``conftest.py`` loaded before the variables were set.

A user who set any of these variables chose the threads: the worker then changes nothing. The
ini switch ``experiment_limit_threads = false`` turns all of it off. Without xdist nothing
changes.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def threads_per_worker(workers: int, available: int | None = None) -> int:
    """``max(1, cores // workers)``."""
    return max(1, (cores() if available is None else available) // max(1, workers))


class ThreadLimiter:
    """On an xdist worker: keeps the thread pools to this worker's share of the cores."""

    def __init__(self, workers: int) -> None:
        self.limit = threads_per_worker(workers)
        self.user_set = any(name in os.environ for name in THREAD_VARIABLES)
        self.applied = self.user_set
        self._limits: Any = None
        if not self.user_set:
            for name in THREAD_VARIABLES:
                os.environ[name] = str(self.limit)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.applied:
            return
        from pytest_experiments.state import state_key

        if state_key not in item.stash:
            return
        self.applied = True
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - scikit-learn depends on it
            return
        # Kept alive for the whole worker: the limits hold until the object is restored.
        self._limits = threadpool_limits(limits=self.limit)
