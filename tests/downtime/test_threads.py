"""Thread pools under xdist: each worker keeps to its share of the cores."""

from __future__ import annotations

import json

import pytest

from pytest_experiments.downtime.threads import THREAD_VARIABLES, cores, threads_per_worker


@pytest.mark.parametrize(
    ("workers", "available", "threads"), [(2, 8, 4), (3, 8, 2), (4, 2, 1), (1, 2, 2)]
)
def test_each_worker_gets_its_share_of_the_cores(
    workers: int, available: int, threads: int
) -> None:
    assert threads_per_worker(workers, available) == threads


STUDY = """
import json
import os

import numpy
import pytest
from threadpoolctl import threadpool_info

@pytest.mark.question("How many threads may BLAS use here?")
def exp_threads(exp):
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    seen = {"variable": os.environ.get("OPENBLAS_NUM_THREADS"), "blas": blas[0]}
    with open("threads.json", "w") as handle:
        json.dump(seen, handle)
    return 1
"""


@pytest.fixture
def threads(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(test_study=STUDY)
    return pytester


def seen(pytester: pytest.Pytester, *arguments: str) -> dict[str, object]:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *arguments)
    assert result.parseoutcomes() == {"answered": 1}
    loaded: dict[str, object] = json.loads((pytester.path / "threads.json").read_text())
    return loaded


@pytest.mark.skipif(cores() < 2, reason="one core: every worker gets one thread anyway")
def test_a_worker_limits_its_thread_pools(threads: pytest.Pytester) -> None:
    share = cores() // 2
    assert seen(threads, "-n", "2") == {"variable": str(share), "blas": share}
    # Switched off, BLAS uses every core, as it would alone.
    off = seen(threads, "-n", "2", "-o", "experiment_limit_threads=false")
    assert off["variable"] is None and off["blas"] == cores()


def test_threads_the_user_chose_are_kept(
    threads: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert seen(threads, "-n", "2")["variable"] is None


def test_without_xdist_nothing_is_limited(threads: pytest.Pytester) -> None:
    assert seen(threads)["variable"] is None
