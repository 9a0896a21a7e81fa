"""Longest first under pytest-xdist: the collection order that makes xdist start the longest
experiments first, on different workers.

xdist collects on every worker and schedules by index into the collection, so reordering the
items (identically on every worker) is the one lever a plugin has. How xdist hands out the
indices depends on ``--dist`` (pytest-xdist 3.x):

* ``worksteal`` splits the collection into N contiguous blocks, one per worker, and later moves
  the tail of the busiest worker's queue to a worker that ran dry;
* ``load`` sends each worker one block of ``max(2, min(n // N // 4, --maxschedchunk))`` items
  (or deals items one by one when there are fewer than 2N), then refills from the front of
  the remaining queue as workers finish;
* ``loadscope``, ``loadfile`` and ``loadgroup`` hand out whole scopes (class, module, group),
  by default the scopes with most tests first (``--loadscope-reorder``);
* ``each`` runs everything everywhere, and without xdist order does not change the wall time.

So the experiments are sorted by estimated cost, longest first, with the plain tests after them
in their own order, and handed out to the initial blocks xdist will form the way longest-first
scheduling would: each to the block with the least estimated work that still has room. Every
worker starts on one of the longest experiments, and the blocks end with short ones, which are
what ``worksteal`` moves and what ``load`` refills with — the tail the slowest worker leaves is
one short experiment. ``worksteal`` keeps the balanced blocks as they are (``load`` sends only
small first blocks, then first come, first served) and is the recommended mode
(``benchmarks/overnight.py`` measures both); for the scoped modes scopes are ordered by their
total cost, which only matters with ``--no-loadscope-reorder``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

#: ``--dist`` modes whose scheduling follows the order of the collection item by item.
ITEM_MODES = ("load", "worksteal")
#: ``--dist`` modes that hand out scopes; the scope of a node id for each.
SCOPE_MODES: dict[str, Callable[[str], str]] = {
    "loadscope": lambda nodeid: nodeid.rsplit("::", 1)[0],
    "loadfile": lambda nodeid: nodeid.split("::", 1)[0],
    "loadgroup": lambda nodeid: nodeid.rsplit("@", 1)[-1] if "@" in nodeid else nodeid,
}
#: The mode recommended for long batches.
RECOMMENDED_DIST = "worksteal"


def reorders(dist: str, workers: int) -> bool:
    """Whether ordering changes anything for this ``--dist`` mode and number of workers."""
    return workers > 1 and (dist in ITEM_MODES or dist in SCOPE_MODES)


def longest_first(nodeids: Sequence[str], costs: Mapping[str, float]) -> list[int]:
    """Indices of ``nodeids``: those with a cost longest first (ties in collection order), then
    the others (plain tests) in collection order."""
    timed = sorted(
        (index for index, nodeid in enumerate(nodeids) if nodeid in costs),
        key=lambda index: -costs[nodeids[index]],
    )
    rest = [index for index, nodeid in enumerate(nodeids) if nodeid not in costs]
    return timed + rest


def initial_blocks(dist: str, count: int, workers: int, max_chunk: int | None) -> list[int]:
    """The sizes of the first blocks xdist sends the workers, in worker order."""
    if dist == "worksteal":
        sizes, remaining = [], count
        for position in range(workers):
            size = remaining // (workers - position)
            sizes.append(size)
            remaining -= size
        return sizes
    if count < 2 * workers:
        return [1] * count  # dealt one by one, round-robin
    chunk = max(2, min(count // workers // 4, max_chunk or count))
    return [chunk] * workers


def fill(sequence: Sequence[int], sizes: Sequence[int], costs: Sequence[float]) -> list[int]:
    """Hand ``sequence`` (longest first) out to blocks of ``sizes``, each item to the block with
    the least estimated work that still has room (longest-first scheduling, with xdist's block
    sizes); the items left over follow in order."""
    blocks: list[list[int]] = [[] for _ in sizes]
    loads = [0.0] * len(sizes)
    placed = 0
    for index in sequence:
        room = [block for block in range(len(sizes)) if len(blocks[block]) < sizes[block]]
        if not room:
            break
        block = min(room, key=lambda block: (loads[block], block))
        blocks[block].append(index)
        loads[block] += costs[index]
        placed += 1
    return [index for block in blocks for index in block] + list(sequence[placed:])


def arrange(
    nodeids: Sequence[str],
    costs: Mapping[str, float],
    dist: str,
    workers: int,
    max_chunk: int | None = None,
) -> list[int]:
    """The collection order (indices into ``nodeids``) that makes ``--dist`` start the longest
    experiments first; the identity when ordering cannot help."""
    if not reorders(dist, workers):
        return list(range(len(nodeids)))
    wanted = longest_first(nodeids, costs)
    if dist in SCOPE_MODES:
        scope_of = SCOPE_MODES[dist]
        totals: dict[str, float] = {}
        first: dict[str, int] = {}
        for position, index in enumerate(wanted):
            scope = scope_of(nodeids[index])
            totals[scope] = totals.get(scope, 0.0) + costs.get(nodeids[index], 0.0)
            first.setdefault(scope, position)
        return sorted(
            wanted,
            key=lambda index: (
                -totals[scope_of(nodeids[index])],
                first[scope_of(nodeids[index])],
            ),
        )
    if dist == "load" and len(nodeids) < 2 * workers:
        return wanted  # one by one, round-robin: the sorted order is already dealt
    sizes = initial_blocks(dist, len(nodeids), workers, max_chunk)
    return fill(wanted, sizes, [costs.get(nodeid, 0.0) for nodeid in nodeids])
