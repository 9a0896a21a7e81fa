"""``--exp-shard K/N``: run shard K of N of the selected experiments.

Every machine that runs a shard collects the whole suite, applies ``-k``/``-m``/``--deselect``,
and cuts the selected experiments into N shards by :func:`~.partition.partition` over the
runtime model's estimates; it keeps shard K. The cut is the same on every machine that sees the
same selection and the same history: the estimates come from ``--exp-history`` (a journal read,
never written) or else the run's own journal, and leave out every run of the same batch, so a
shard run again into its journal (a retry) is cut as it was the first time. Each shard's run
says in the journal which shard of which batch it was and a digest of the whole cut, so
``pytest-experiments merge`` can tell when two machines cut differently.

Plain tests run in shard 1 only (``--exp-shard-tests=first``), in every shard (``all``), or
dealt out over the shards in collection order (``split``).

A *batch* is one sharded run of the suite, the N shards together. It is named by
``--exp-batch NAME`` (a CI run id, for example) or else by a digest of what every shard shares:
N, the mode (full or sample, seed, confidence), the test paths, ``-k`` and ``-m``, and the UTC
date — so shards of one night's run started on different machines belong together.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

from pytest_experiments.notebook.provenance import scheduler_job
from pytest_experiments.offsite.partition import (
    Shard,
    digest,
    parse_shard,
    parse_shard_count,
    partition,
)
from pytest_experiments.settings import RunSettings

#: Where plain tests run: shard 1 only, every shard, or dealt out over the shards.
TEST_MODES = ("first", "all", "split")


def _shard_option(text: str) -> Shard:
    try:
        return parse_shard(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


_shard_option.__name__ = "K/N"


def _count_option(text: str) -> int:
    try:
        return parse_shard_count(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


_count_option.__name__ = "shard count"


def addoption(parser: pytest.Parser, add: Callable[..., None]) -> None:
    """The off-site options, in the plugin's ``experiments`` group."""
    add(
        "--shard",
        "--exp-shard",
        dest="experiment_shard",
        type=_shard_option,
        metavar="K/N",
        help="run only shard K of N of the selected experiments, balanced by their estimated "
        "times (the same cut on every machine); merge the shards' journals with "
        "'pytest-experiments merge'",
    )
    add(
        "--shards",
        "--exp-shards",
        dest="experiment_shards",
        type=_count_option,
        metavar="N",
        help="with --exp-plan: show what each of N shards would run and how long it would take",
    )
    add(
        None,
        "--exp-shard-tests",
        dest="experiment_shard_tests",
        choices=TEST_MODES,
        default="first",
        help="with --exp-shard: run the plain tests in shard 1 only (first, the default), in "
        "every shard (all), or dealt out over the shards (split)",
    )
    add(
        None,
        "--exp-batch",
        dest="experiment_batch",
        metavar="NAME",
        help="with --exp-shard: the name of the batch the shard belongs to, the same on every "
        "machine (e.g. a CI run id); default: a digest of the shard count, the mode, the test "
        "paths, -k, -m and today's UTC date",
    )
    add(
        None,
        "--exp-history",
        dest="experiment_history",
        metavar="PATH",
        help="read runtime estimates (and --reuse's earlier answers) from this journal too; it "
        "is only read. For shards that each write their own journal",
    )
    add(
        None,
        "--exp-resume",
        dest="experiment_resume",
        action="store_true",
        default=False,
        help="with --exp-shard: report the answers an earlier attempt of the same shard batch "
        "journaled instead of running those experiments again (what 'pytest-experiments "
        "submit' gives a retried or requeued shard)",
    )


@dataclass(frozen=True)
class ShardRequest:
    """What ``--exp-shard`` asked of this process (JSON-safe through :meth:`to_json`)."""

    index: int
    count: int
    batch: str
    tests: str = "first"
    #: Reuse what earlier attempts of this batch journaled (``--exp-resume``).
    resume: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ShardRequest:
        return cls(
            index=int(data["index"]),
            count=int(data["count"]),
            batch=str(data["batch"]),
            tests=str(data.get("tests", "first")),
            resume=bool(data.get("resume", False)),
        )

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def request_of(config: pytest.Config, settings: RunSettings) -> ShardRequest | None:
    """This run's shard, or None when it runs the whole selection."""
    shard: Shard | None = config.getoption("experiment_shard", None)
    if shard is None:
        return None
    name = config.getoption("experiment_batch", None)
    batch = str(name) if name else default_batch(config, settings, shard.count)
    tests = str(config.getoption("experiment_shard_tests", "first") or "first")
    resume = bool(config.getoption("experiment_resume", False))
    return ShardRequest(shard.index, shard.count, batch, tests, resume)


def default_batch(config: pytest.Config, settings: RunSettings, count: int) -> str:
    """The batch's name when ``--exp-batch`` is not given: what all its shards share."""
    option = config.option
    shared = {
        "count": count,
        "mode": asdict(settings),
        "paths": sorted(str(argument) for argument in config.args),
        "keyword": getattr(option, "keyword", "") or "",
        "markers": getattr(option, "markexpr", "") or "",
        "date": datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
    }
    text = json.dumps(shared, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def history_path(config: pytest.Config) -> Path | None:
    """``--exp-history``, relative to the current directory."""
    option = config.getoption("experiment_history", None)
    if not option:
        return None
    path = config.invocation_params.dir / Path(str(option)).expanduser()
    if not path.is_file():
        raise pytest.UsageError(
            f"--exp-history={option}: no journal there; give the path of a journal file, or "
            "leave the option out to read estimates from the run's own journal"
        )
    return path


@dataclass(frozen=True)
class Cut:
    """What a shard keeps: the positions of its items, and what the journal says about it."""

    keep: list[int]
    info: dict[str, Any]


def cut(
    nodeids: Sequence[str],
    experiments: Mapping[int, float],
    request: ShardRequest,
) -> Cut:
    """The items (by position among ``nodeids``, the selection in collection order) that shard
    ``request`` keeps; ``experiments`` maps the position of each experiment to its estimated
    seconds. Plain tests follow ``request.tests``."""
    positions = sorted(experiments, key=lambda position: nodeids[position])
    costs = [experiments[position] for position in positions]
    shards = partition(costs, request.count, [nodeids[position] for position in positions])
    mine = {
        position
        for position, shard in zip(positions, shards, strict=True)
        if shard == request.index - 1
    }
    tests = sorted(
        (position for position in range(len(nodeids)) if position not in experiments),
        key=lambda position: nodeids[position],
    )
    if request.tests == "all":
        mine.update(tests)
    elif request.tests == "split":
        mine.update(
            p for number, p in enumerate(tests) if number % request.count == request.index - 1
        )
    elif request.index == 1:
        mine.update(tests)
    loads = [0.0] * request.count
    for cost, shard in zip(costs, shards, strict=True):
        loads[shard] += cost
    info: dict[str, Any] = {
        "index": request.index,
        "count": request.count,
        "batch": request.batch,
        "selected": len(positions),
        "assigned": sum(1 for shard in shards if shard == request.index - 1),
        "estimate": round(loads[request.index - 1], 3),
        "partition": digest([nodeids[position] for position in positions], shards),
        "job": scheduler_job(),
    }
    return Cut(sorted(mine), info)


def plan_shards(costs: Sequence[float], count: int, nodeids: Sequence[str]) -> list[list[int]]:
    """For ``--exp-plan --exp-shards N``: the jobs (by index into ``costs``) of each shard, cut
    as :func:`cut` cuts them."""
    shards: list[list[int]] = [[] for _ in range(count)]
    for job, shard in enumerate(partition(costs, count, nodeids)):
        shards[shard].append(job)
    return shards
