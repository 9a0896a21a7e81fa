"""Replay subsample verdicts on the Learning Curve Database with the plugin's own rule.

Run from the repository root with the project's interpreter (pandas, a dev dependency, builds
the cache on the first run)::

    python benchmarks/lcdb/replay.py [--cache DIR]

A decisive verdict on a subsample is a claim about all the data. LCDB (Mohr et al. 2022) has,
for 248 OpenML datasets and 20 scikit-learn classifiers, test accuracies at training sizes
``16 * 2 ** (k / 2)`` up to the dataset's size, over 25 paired replicates (:mod:`lcdb_data`).
The replay makes claims as if only ``level`` (5, 10, 20 %) of a curve's largest size ``N`` had
been run, and scores every subsample verdict against the reference verdict at ``N``
(:mod:`lcdb_claims`): a 95 % t interval over the replicates there. A *contradiction* is a
decisive subsample verdict opposite to a decisive reference.

**The plugin's rule.** Every claim goes through
:func:`pytest_experiments.stats.learning_curve.reach` exactly as the plugin calls it: a
:class:`~pytest_experiments.stats.learning_curve.Curve` whose anchors are the shares of ``n``
that ``SCORE_ANCHORS`` (a score: n/16, n/8, n/4, n/2, n) or ``DIFFERENCE_ANCHORS`` (a
difference: n/4, n/2, n) name, taken from LCDB's sqrt(2)-spaced anchors (window index
``k0 + 2 log2(share)``); ``holdout=0.0`` (LCDB's replicates are separate splits, so a plain t
interval), ``direction=1``, ``bounds=(0, 1)``, ``target=N``, level 0.95, and ``own`` the plain
two-sided 95 % t interval of the values at ``n`` (the score, or the paired difference). An
anchor is dropped when the database does not reach that far down or has fewer than 5 (paired)
replicates there; a claim keeps the replicates finite at every anchor it uses (for both
learners of a pair) and needs 5 of them, else it is undecided. Verdicts: ``"a > b"`` is
confirmed when the interval's low end is > 0 and refuted when its high end is < 0; ``"score >=
t"`` is confirmed when low >= t and refuted when high < t. A threshold's interval does not
depend on ``t``, so ``reach`` is called once per curve and level, and read for each ``t``.

**Baselines** (on the same claims, NaN-aware over every replicate as the research harness
computed them): today's rule (the subsample's 95 % t interval of the difference excludes 0);
the same, held back when the mean gap narrows from the previous (sqrt 2 smaller) size; a
pessimistic log-linear extrapolation of the gap from the two neighbouring sizes; and today's
threshold rule (confirm when the interval's low end clears ``t``, never refute).

Even OpenML ids were used to tune the rule's constants, odd ids are the independent check. The
goal: comparisons on odd ids contradict in at most 2 % of their decisive verdicts at every level
(aim 1 %). Figures are printed, never asserted; the script exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import lcdb_claims as lc
import lcdb_data
import numpy as np
import numpy.typing as npt

from pytest_experiments.stats.learning_curve import (
    DIFFERENCE_ANCHORS,
    SCORE_ANCHORS,
    Curve,
    reach,
)

Floats = lc.Floats
Signs = lc.Signs

CONFIDENCE = 0.95
GOAL, AIM = 2.0, 1.0  # contradictions in % of decisive verdicts, comparisons on odd ids
PARITIES = ((0, "even"), (1, "odd"))


def window_columns(shares: Sequence[float]) -> list[int]:
    """Window positions of the anchors ``share * n`` (and ``n``): LCDB doubles every 2 steps."""
    last = lc.WINDOW - 1
    columns = [last + round(2 * math.log2(share)) for share in shares] + [last]
    if min(columns) < 0:
        raise ValueError(f"anchor shares {shares} reach below the window of {lc.WINDOW}")
    return columns


SCORE_COLUMNS = window_columns(SCORE_ANCHORS)
DIFFERENCE_COLUMNS = window_columns(DIFFERENCE_ANCHORS)


# ------------------------------------------------------------------------------ the plugin
@dataclass
class Calls:
    """What the per-claim calls of ``reach`` cost, and how many claims lacked replicates."""

    calls: int = 0
    seconds: float = 0.0
    too_few: int = 0


def _prepare(
    sizes: Floats, learners: Sequence[Floats]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per claim: the anchors used (present, with enough replicates) and the replicates kept
    (finite at every used anchor for every learner)."""
    finite = np.logical_and.reduce([np.isfinite(scores) for scores in learners])
    anchors = np.isfinite(sizes) & (finite.sum(-1) >= lc.MIN_REPLICATES)
    replicates = np.all(finite | ~anchors[:, :, None], axis=1)
    return anchors, replicates


def _own(values: Floats, replicates: npt.NDArray[np.bool_]) -> tuple[Floats, Floats]:
    _, low, high = lc.t_interval(np.where(replicates, values, np.nan), CONFIDENCE)
    return low, high


def _rows(values: Floats) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(anchor) for anchor in values.tolist())


def plugin_intervals(
    sizes: Floats, learners: Sequence[Floats], target: Floats, calls: Calls
) -> tuple[Floats, Floats]:
    """``reach``'s (low, high) per claim for one learner (a score) or two (a - b); (-inf, inf)
    for a claim without 5 complete replicates. ``learners[j][claim, anchor, replicate]``."""
    anchors, replicates = _prepare(sizes, learners)
    final = learners[0][:, -1] - (learners[1][:, -1] if len(learners) == 2 else 0.0)
    own_low, own_high = _own(final, replicates)
    low, high = np.full(len(target), -np.inf), np.full(len(target), np.inf)
    started = time.perf_counter()
    # reach() divides by log(1) = 0 for a one-anchor window (and flags that end as unbounded).
    with np.errstate(divide="ignore", invalid="ignore"):
        for claim in range(len(target)):
            keep = replicates[claim]
            if keep.sum() < lc.MIN_REPLICATES:
                calls.too_few += 1
                continue
            used = anchors[claim]
            curve = Curve(
                sizes=tuple(sizes[claim, used].tolist()),
                target=float(target[claim]),
                holdout=0.0,
                scores=tuple(_rows(scores[claim][used][:, keep]) for scores in learners),
                direction=1,
                bounds=(0.0, 1.0),
            )
            own = (float(own_low[claim]), float(own_high[claim]))
            result = reach(curve, CONFIDENCE, own)
            low[claim], high[claim] = result.low, result.high
            calls.calls += 1
    calls.seconds += time.perf_counter() - started
    return low, high


def plugin_comparisons(claims: lc.Comparisons, calls: Calls) -> Signs:
    columns = DIFFERENCE_COLUMNS
    low, high = plugin_intervals(
        claims.sizes[:, columns],
        [claims.a[:, columns], claims.b[:, columns]],
        claims.target,
        calls,
    )
    return _signs(low > 0, high < 0)


def plugin_thresholds(claims: lc.Thresholds, calls: Calls) -> Signs:
    columns = SCORE_COLUMNS
    low, high = plugin_intervals(
        claims.sizes[:, columns], [claims.scores[:, columns]], claims.target, calls
    )
    low, high = low[claims.curve], high[claims.curve]
    return _signs(low >= claims.t, high < claims.t)


def _signs(confirmed: npt.NDArray[np.bool_], refuted: npt.NDArray[np.bool_]) -> Signs:
    return np.where(confirmed, 1, np.where(refuted, -1, 0)).astype(np.int8)


# ------------------------------------------------------------------------------ baselines
def today_comparisons(claims: lc.Comparisons) -> Signs:
    """The subsample's own 95 % t interval of the paired difference at n excludes 0."""
    _, low, high = lc.t_interval(claims.a[:, -1] - claims.b[:, -1])
    return _signs(low > 0, high < 0)


def narrowing_comparisons(claims: lc.Comparisons) -> Signs:
    """Today's rule, held back when the mean gap narrows from the previous (sqrt 2) size."""
    verdict = today_comparisons(claims)
    gap = claims.a - claims.b
    with lc.quiet():
        now, before = np.nanmean(gap[:, -1], -1), np.nanmean(gap[:, -2], -1)
    sign = np.sign(now)
    narrows = np.isfinite(before) & (sign * before > sign * now)
    return np.where(narrows, 0, verdict).astype(np.int8)


def pessimistic_comparisons(claims: lc.Comparisons) -> Signs:
    """Log-linear extrapolation of the gap from the two neighbouring sizes n' < n, pessimistic:
    per replicate ``v = s D(n) + min(0, s (D(n) - D(n')) / ln(n/n')) ln(N/n)`` with ``s`` the
    sign of the mean gap at n; decided (sign s) when the t interval of v lies above 0."""
    gap, sizes = claims.a - claims.b, claims.sizes
    with lc.quiet():
        sign = np.sign(np.nanmean(gap[:, -1], -1))[:, None]
        step = np.log(sizes[:, -1] / sizes[:, -2])
        reach_ = np.log(claims.target / sizes[:, -1])
        slope = sign * (gap[:, -1] - gap[:, -2]) / step[:, None]
        value = sign * gap[:, -1] + np.minimum(0, slope) * reach_[:, None]
    _, low, _ = lc.t_interval(value)
    return np.where((low > 0) & np.isfinite(step), sign[:, 0], 0).astype(np.int8)


def today_thresholds(claims: lc.Thresholds) -> Signs:
    """Confirm when the subsample's 95 % t interval at n lies at or above t; never refute."""
    _, low, _ = lc.t_interval(claims.scores[:, -1])
    return _signs(low[claims.curve] >= claims.t, np.zeros(len(claims), dtype=bool))


# ------------------------------------------------------------------------------ scoring
@dataclass(frozen=True)
class Score:
    claims: int
    decisive: int
    contradictions: int

    def __add__(self, other: Score) -> Score:
        return Score(
            self.claims + other.claims,
            self.decisive + other.decisive,
            self.contradictions + other.contradictions,
        )

    @property
    def rate(self) -> float:
        return 100.0 * self.contradictions / self.decisive if self.decisive else math.nan

    @property
    def share(self) -> float:
        return 100.0 * self.decisive / self.claims if self.claims else math.nan


def score(verdict: Signs, reference: Signs, mask: npt.NDArray[np.bool_]) -> Score:
    verdict, reference = verdict[mask], reference[mask]
    decisive = verdict != 0
    contradiction = decisive & (reference != 0) & (reference != verdict)
    return Score(int(mask.sum()), int(decisive.sum()), int(contradiction.sum()))


Table = dict[tuple[str, str, float], Score]


def tabulate(
    title: str,
    candidates: Sequence[tuple[str, Callable[[float], Signs]]],
    references: dict[float, Signs],
    oids: dict[float, npt.NDArray[np.int64]],
    note: str = "",
    base: Callable[[float], Signs] | None = None,
) -> Table:
    """Score every candidate at every level and id parity and print the table. ``rel`` is
    against the first candidate (today's rule), or against ``base`` when given."""
    table: Table = {}
    today = "(base)"
    for name, verdicts in [(today, base or candidates[0][1]), *candidates]:
        for level in lc.LEVELS:
            verdict = verdicts(level)
            for parity, label in PARITIES:
                mask = (oids[level] % 2) == parity
                table[(name, label, level)] = score(verdict, references[level], mask)
    name_width = max(len(name) for name, _ in candidates) + 1
    block = "claims decisive contra  %dec share   rel"
    print(f"\n=== {title}")
    if note:
        print(f"    {note}")
    heads = " | ".join(f"{_pct(lv):^{len(block)}s}" for lv in lc.LEVELS)
    print(f"{'':{name_width}s} {'ids':4s} {heads}")
    print(f"{'rule':{name_width}s} {'':4s} " + " | ".join(block for _ in lc.LEVELS))
    for name, _ in candidates:
        for _, label in PARITIES:
            cells = [_cell(table[(name, label, lv)], table[(today, label, lv)]) for lv in lc.LEVELS]
            print(f"{name:{name_width}s} {label:4s} " + " | ".join(cells))
    for _, label in PARITIES:
        for name, _ in candidates:
            pooled = _pool(table, name, label)
            reference = _pool(table, today, label)
            print(
                f"  pooled over levels, {label:4s} {name:{name_width}s} claims {pooled.claims:6d}"
                f"  decisive {pooled.decisive:6d}  contra {pooled.contradictions:5d}"
                f" = {_fmt(pooled.rate, 5, 2)} %  share {_fmt(pooled.share, 5, 1)} %"
                f"  rel {_fmt(_rel(pooled, reference), 4, 2)}"
            )
    return table


def _pool(table: Table, name: str, label: str) -> Score:
    total = Score(0, 0, 0)
    for level in lc.LEVELS:
        total = total + table[(name, label, level)]
    return total


def _rel(this: Score, today: Score) -> float:
    return this.decisive / today.decisive if today.decisive else math.nan


def _cell(this: Score, today: Score) -> str:
    return (
        f"{this.claims:6d} {this.decisive:8d} {this.contradictions:6d} "
        f"{_fmt(this.rate, 5, 2)} {_fmt(this.share, 5, 1)} {_fmt(_rel(this, today), 5, 2)}"
    )


def _fmt(value: float, width: int, digits: int) -> str:
    return f"{value:{width}.{digits}f}" if math.isfinite(value) else f"{'-':>{width}s}"


def _pct(level: float) -> str:
    return f"{round(level * 100)} %"


# ------------------------------------------------------------------------------ main
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--cache",
        type=Path,
        default=lcdb_data.DEFAULT_CACHE,
        help=f"where the sdist and the npz are kept (default {lcdb_data.DEFAULT_CACHE})",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    db = lcdb_data.load(args.cache.expanduser())
    loaded = time.perf_counter()
    comparisons = {level: lc.comparisons(db, level) for level in lc.LEVELS}
    thresholds = {level: lc.thresholds(db, level) for level in lc.LEVELS}
    built = time.perf_counter()

    calls = Calls()
    plugin_cmp = {lv: plugin_comparisons(comparisons[lv], calls) for lv in lc.LEVELS}
    plugin_thr = {lv: plugin_thresholds(thresholds[lv], calls) for lv in lc.LEVELS}

    datasets, learners, anchors, replicates = db.scores.shape
    print(
        f"LCDB 0.1.0 accuracy: {datasets} datasets x {learners} learners, up to {anchors} anchors,"
        f" {replicates} replicates"
    )
    print(
        "claims per level: comparisons "
        + ", ".join(f"{_pct(lv)} {len(comparisons[lv])}" for lv in lc.LEVELS)
        + "; thresholds "
        + ", ".join(f"{_pct(lv)} {len(thresholds[lv])}" for lv in lc.LEVELS)
        + " (curves "
        + ", ".join(f"{thresholds[lv].target.size}" for lv in lc.LEVELS)
        + ")"
    )
    print(
        f"plugin rule: reach() from pytest_experiments.stats.learning_curve, anchors n/16..n for a"
        f" score (window {SCORE_COLUMNS}), n/4..n for a difference (window "
        f"{DIFFERENCE_COLUMNS}); {calls.calls} calls; {calls.too_few} claims/curves with fewer"
        f" than {lc.MIN_REPLICATES} complete replicates left undecided"
    )
    print(
        "columns: claims, decisive subsample verdicts, contradictions (count, % of decisive),"
        " share decided (% of claims), rel = decisive / today's rule's decisive"
    )

    cmp_ref = {lv: comparisons[lv].reference for lv in lc.LEVELS}
    cmp_oid = {lv: comparisons[lv].oid for lv in lc.LEVELS}
    table = tabulate(
        "comparisons 'a > b'",
        [
            ("today: t interval at n excludes 0", lambda lv: today_comparisons(comparisons[lv])),
            ("hold back when the gap narrows", lambda lv: narrowing_comparisons(comparisons[lv])),
            (
                "pessimistic log-linear (2 nbr sizes)",
                lambda lv: pessimistic_comparisons(comparisons[lv]),
            ),
            ("PLUGIN reach (checked envelope)", lambda lv: plugin_cmp[lv]),
        ],
        cmp_ref,
        cmp_oid,
    )
    thr_ref = {lv: thresholds[lv].reference for lv in lc.LEVELS}
    thr_oid = {lv: thresholds[lv].oid for lv in lc.LEVELS}
    today_thr = {lv: today_thresholds(thresholds[lv]) for lv in lc.LEVELS}
    for title, keep, note in (
        ("thresholds 'score >= t' (all verdicts)", (1, -1), ""),
        ("thresholds: confirmations only", (1,), ""),
        (
            "thresholds: refutations only",
            (-1,),
            "today's rule never refutes; rel is against its (confirming) decisive verdicts",
        ),
    ):
        today = _only(today_thr, (1, -1))
        tabulate(
            title,
            [
                ("today: confirm if low >= t, never refute", _only(today_thr, keep)),
                ("PLUGIN reach (checked envelope)", _only(plugin_thr, keep)),
            ],
            thr_ref,
            thr_oid,
            note,
            base=today,
        )

    rates = [table[("PLUGIN reach (checked envelope)", "odd", lv)].rate for lv in lc.LEVELS]
    met = all(rate <= GOAL for rate in rates)
    aim = [_pct(lv) for lv, rate in zip(lc.LEVELS, rates, strict=True) if not rate <= AIM]
    print(
        f"\nGOAL comparisons, odd ids, contradictions <= {GOAL:g} % of decisive at each level "
        f"(aim {AIM:g} %): "
        + ", ".join(f"{_pct(lv)} {rate:.2f} %" for lv, rate in zip(lc.LEVELS, rates, strict=True))
        + f" -> {'MET' if met else 'MISSED'}"
        + (f" (aim {AIM:g} % missed at {', '.join(aim)})" if aim else f" (aim {AIM:g} % met)")
    )

    finished = time.perf_counter()
    print(
        f"\nmachine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {np.__version__}, scipy {metadata.version('scipy')},"
        f" pytest-experiments {metadata.version('pytest-experiments')}"
    )
    per_call = 1e6 * calls.seconds / max(calls.calls, 1)
    print(
        f"runtime {finished - started:.0f} s: data {loaded - started:.1f} s, claims "
        f"{built - loaded:.1f} s, reach() {calls.seconds:.1f} s ({per_call:.0f} us a call),"
        f" baselines and tables {finished - built - calls.seconds:.1f} s"
    )
    return 0


def _only(verdicts: dict[float, Signs], keep: tuple[int, ...]) -> Callable[[float], Signs]:
    def pick(level: float) -> Signs:
        verdict = verdicts[level]
        return np.where(np.isin(verdict, keep), verdict, 0).astype(np.int8)

    return pick


if __name__ == "__main__":
    sys.exit(main())
