"""The claims the replay decides on LCDB curves, and the reference verdict of each.

A claim is made at a *level* (5, 10 or 20 %) of a curve's largest training size ``N``: the
subsample sees the anchors up to ``level * N``, the largest of them being its own size ``n``
(anchor index ``k0``). Each claim keeps a window of :data:`WINDOW` anchors ``k0 - 8 .. k0``:
LCDB's anchors are ``16 * 2 ** (k / 2)`` rows (rounded), so the window reaches back to ``n/16``
and index ``k0 - 2 j`` is ``n / 2 ** j``. Window positions before the first anchor are NaN.

* Comparisons: every pair of learners ``a < b`` (in the database's order) on a dataset, the
  claim ``"a > b"``. Scores are paired by replicate; a replicate missing for one learner at an
  anchor is NaN for both. An anchor is usable when it has at least :data:`MIN_REPLICATES`
  paired replicates; ``N`` is the largest usable anchor.
* Thresholds: every curve (dataset, learner) and offset ``o`` in :data:`OFFSETS`, the claim
  ``"score >= t"`` with ``t = mean score at N + o``, kept when ``0 <= t <= 1``.

The reference verdict is the two-sided 95 % t interval over the replicates at ``N`` (the score,
or the paired difference): +1 when it lies above ``t`` (or 0), -1 when below, 0 otherwise.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from lcdb_data import Database

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Signs = npt.NDArray[np.int8]

LEVELS = (0.05, 0.10, 0.20)
WINDOW = 9
MIN_REPLICATES = 5
OFFSETS = (-0.1, -0.05, -0.02, -0.01, -0.005, 0.005, 0.01, 0.02, 0.05, 0.1)
REFERENCE_LEVEL = 0.95


@dataclass(frozen=True)
class Comparisons:
    """Claims ``"a > b"`` at one level; ``a``/``b`` are ``[claim, window anchor, replicate]``."""

    a: Floats
    b: Floats
    sizes: Floats  # [claim, window anchor], NaN before the first anchor
    target: Floats  # N
    a_final: Floats  # [claim, replicate] at N
    b_final: Floats
    oid: Ints
    pair: Ints  # [claim, 3]: dataset, learner a, learner b (indices)
    reference: Signs

    def __len__(self) -> int:
        return int(self.target.size)


@dataclass(frozen=True)
class Thresholds:
    """Claims ``"score >= t"`` at one level, grouped by curve.

    ``scores``/``sizes``/``target``/``final``/``curve_oid``/``learner`` are per curve;
    ``t``/``offset``/``curve``/``reference`` per claim, ``curve`` indexing the curve arrays.
    """

    scores: Floats  # [curve, window anchor, replicate]
    sizes: Floats
    target: Floats
    final: Floats  # [curve, replicate] at N
    curve_oid: Ints
    learner: Ints
    t: Floats
    offset: Floats
    curve: Ints
    reference: Signs

    def __len__(self) -> int:
        return int(self.t.size)

    @property
    def oid(self) -> Ints:
        return self.curve_oid[self.curve]


@contextmanager
def quiet() -> Iterator[None]:
    """No warnings for NaN rows (an all-NaN mean is NaN, and is read as such)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def t_interval(values: Floats, level: float = REFERENCE_LEVEL) -> tuple[Floats, Floats, Floats]:
    """NaN-aware two-sided t interval over the last axis: mean, low, high (inf with < 2)."""
    from scipy import stats

    count = np.sum(np.isfinite(values), axis=-1)
    with quiet():
        mean = np.nanmean(values, axis=-1)
        spread = np.nanstd(values, axis=-1, ddof=1)
        quantile = stats.t.ppf(0.5 + level / 2, np.maximum(count - 1, 1))
        half = np.where(count >= 2, quantile * spread / np.sqrt(count), np.inf)
    return mean, mean - half, mean + half


def reference_sign(values: Floats, threshold: Floats | float = 0.0) -> Signs:
    _, low, high = t_interval(values)
    return np.where(low > threshold, 1, np.where(high < threshold, -1, 0)).astype(np.int8)


def comparisons(db: Database, level: float) -> Comparisons:
    """Every learner pair of every dataset with a subsample anchor at ``level`` below its N."""
    learners = db.scores.shape[1]
    first, second = np.triu_indices(learners, 1)
    parts: dict[str, list[Any]] = {
        key: [] for key in ("a", "b", "sizes", "target", "a_final", "b_final", "oid", "pair")
    }
    for dataset in range(db.scores.shape[0]):
        anchors = db.anchors[dataset]
        a, b = db.scores[dataset, first], db.scores[dataset, second]  # [pair, anchor, replicate]
        both = np.isfinite(a) & np.isfinite(b)
        a, b = np.where(both, a, np.nan), np.where(both, b, np.nan)
        usable = both.sum(-1) >= MIN_REPLICATES
        k_final, k0, selected = _subsample(usable, anchors[None, :], level)
        if selected.size == 0:
            continue
        k0, k_final = k0[selected], k_final[selected]
        rows = np.arange(selected.size)
        parts["a"].append(_window(a[selected], k0))
        parts["b"].append(_window(b[selected], k0))
        tiled = np.broadcast_to(anchors, (selected.size, anchors.size))
        parts["sizes"].append(_window_sizes(tiled, k0))
        parts["a_final"].append(a[selected][rows, k_final])
        parts["b_final"].append(b[selected][rows, k_final])
        parts["target"].append(anchors[k_final])
        parts["oid"].append(np.full(selected.size, db.ids[dataset]))
        parts["pair"].append(
            np.stack([np.full(selected.size, dataset), first[selected], second[selected]], 1)
        )
    joined = {key: np.concatenate(value) for key, value in parts.items()}
    return Comparisons(
        reference=reference_sign(joined["a_final"] - joined["b_final"]),
        **joined,
    )


def thresholds(db: Database, level: float, offsets: tuple[float, ...] = OFFSETS) -> Thresholds:
    """Every curve with a subsample anchor at ``level`` below its N, and every threshold."""
    datasets, learners, width, replicates = db.scores.shape
    scores = db.scores.reshape(datasets * learners, width, replicates)
    anchors = np.repeat(db.anchors, learners, axis=0)
    usable = np.isfinite(scores).sum(-1) >= MIN_REPLICATES
    k_final, k0, selected = _subsample(usable, anchors, level)
    k0, k_final = k0[selected], k_final[selected]
    chosen = scores[selected]
    final = chosen[np.arange(selected.size), k_final]
    with quiet():
        mean = np.nanmean(final, axis=-1)
    shifts = np.asarray(offsets, dtype=np.float64)
    t = mean[:, None] + shifts[None, :]
    curve, which = np.nonzero((t >= 0) & (t <= 1))
    return Thresholds(
        scores=_window(chosen, k0),
        sizes=_window_sizes(anchors[selected], k0),
        target=anchors[selected, k_final],
        final=final,
        curve_oid=db.ids[selected // learners],
        learner=selected % learners,
        t=t[curve, which],
        offset=shifts[which],
        curve=curve.astype(np.int64),
        reference=reference_sign(final[curve], t[curve, which]),
    )


def _subsample(
    usable: npt.NDArray[np.bool_], anchors: Floats, level: float
) -> tuple[Ints, Ints, Ints]:
    """Per row: the index of N (the largest usable anchor), of n (the largest usable anchor at
    most ``level * N``), and the rows that have both with n < N."""
    width = usable.shape[1]
    has = usable.any(1)
    k_final = width - 1 - np.argmax(usable[:, ::-1], 1)
    largest = np.take_along_axis(
        np.broadcast_to(anchors, usable.shape), k_final[:, None], 1
    ).ravel()
    below = usable & (anchors <= level * largest[:, None]) & (anchors > 0)
    k0 = width - 1 - np.argmax(below[:, ::-1], 1)
    selected = np.flatnonzero(has & below.any(1) & (k0 < k_final))
    return k_final.astype(np.int64), k0.astype(np.int64), selected.astype(np.int64)


def _window(values: Floats, k0: Ints) -> Floats:
    """``values[claim, anchor, replicate]`` -> the anchors ``k0 - 8 .. k0`` (NaN before 0)."""
    index = k0[:, None] + np.arange(-WINDOW + 1, 1)[None, :]
    out: Floats = values[np.arange(k0.size)[:, None], np.clip(index, 0, None)]
    out[index < 0] = np.nan
    return out


def _window_sizes(anchors: Floats, k0: Ints) -> Floats:
    index = k0[:, None] + np.arange(-WINDOW + 1, 1)[None, :]
    out = np.take_along_axis(anchors, np.clip(index, 0, None), 1).astype(np.float64)
    out[index < 0] = np.nan
    return out
