"""Which experiments go to shard K of N: longest processing time first over the estimates.

Graham's LPT rule (R. L. Graham, "Bounds on multiprocessing timing anomalies", SIAM J. Appl.
Math. 17(2), 1969): sort the jobs by estimated time, longest first, and give each to the
shard with the least estimated time so far. Its makespan is at most ``4/3 - 1/(3N)`` times the
best possible, for the estimates; how close the real times come depends on the estimates
(:mod:`pytest_experiments.downtime.runtime`). Ties are broken by collection order (a stable
sort) and by the lowest shard index, so the same node ids and costs give the same partition
on every machine; with no estimates at all every cost is the same guess, and the rule deals
the experiments out in collection order: 1, 2, ..., N, 1, 2, ...

Only the standard library is used.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

SHARD_PATTERN = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str, option: str = "--exp-shard") -> Shard:
    """``"3/8"`` as :class:`Shard`; a one-line ``ValueError`` naming ``option`` otherwise."""
    match = SHARD_PATTERN.fullmatch(text)
    if match is None:
        raise ValueError(f"{option} takes K/N, shard K of N (e.g. 3/8); got {text!r}")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise ValueError(
            f"{option} {text}: K must be between 1 and N (shards are numbered 1 to N), e.g. "
            f"1/{max(count, 1)}"
        )
    return Shard(index, count)


def parse_shard_count(text: str, option: str = "--exp-shards") -> int:
    """A positive number of shards, or a one-line ``ValueError``."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"{option} takes a number of shards, 1 or more (e.g. 8); got {text!r}")
    return count


def partition(costs: Sequence[float], count: int, names: Sequence[str] | None = None) -> list[int]:
    """The shard (0-based) of each job, by longest processing time first.

    ``costs`` are the estimated seconds of the jobs; equal costs go in the order of ``names``
    (the node ids: the same on every machine, whatever order pytest-randomly or ``-p`` plugins
    collect them in), else in the order given.
    """
    rank = list(names) if names is not None else [""] * len(costs)
    order = sorted(range(len(costs)), key=lambda job: (-costs[job], rank[job]))
    loads = [(0.0, shard) for shard in range(count)]
    assigned = [0] * len(costs)
    for job in order:
        load, shard = heapq.heappop(loads)
        assigned[job] = shard
        heapq.heappush(loads, (load + max(costs[job], 0.0), shard))
    return assigned


def shard_loads(costs: Sequence[float], assigned: Sequence[int], count: int) -> list[float]:
    """The estimated seconds of each shard."""
    loads = [0.0] * count
    for cost, shard in zip(costs, assigned, strict=True):
        loads[shard] += cost
    return loads


def digest(nodeids: Sequence[str], assigned: Sequence[int]) -> str:
    """A short fingerprint of a whole partition: equal on two machines only if both cut the
    same selection the same way (the merge compares the shards' digests)."""
    text = json.dumps(sorted(zip(nodeids, assigned, strict=True)), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
