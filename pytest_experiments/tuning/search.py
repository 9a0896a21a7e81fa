"""A search, and honest estimates of what its winner is worth.

**The search** tries each candidate of the space (:mod:`.space`) with cross-validation on the
experiment's sample (5 folds, the same folds for every candidate, so candidates are compared
paired) and keeps the one with the best mean score. ``method="halving"`` is successive halving
over the rows (K. Jamieson and A. Talwalkar, "Non-stochastic Best Arm Identification and
Hyperparameter Optimization", AISTATS 2016): every candidate on a ninth of the rows, the best
third on a third, the best of those on all of them; ``method="tpe"`` asks Optuna's
tree-structured Parzen estimator (J. Bergstra et al., NeurIPS 2011) for each next candidate,
when Optuna is installed.

**The winner's score is not the best of the scores.** The best of K cross-validated scores is
biased upwards by the selection (the winner's curse; G. C. Cawley and N. L. C. Talbot, "On
Over-fitting in Model Selection and Subsequent Selection Bias in Performance Evaluation", JMLR
11, 2010): a search over settings that change nothing "beats" the default by selection alone.
``best`` and ``gain`` are therefore estimated by **nested cross-validation** (S. Varma and R.
Simon, "Bias in error estimation when using cross-validation for model selection", BMC
Bioinformatics 7, 2006): in each of 5 outer folds the whole search runs again on the outer
training rows alone (3 inner folds), its winner is refitted there and scored on the outer test
rows the search never saw, beside the baseline on the same rows. ``best`` is the mean of those
scores and ``gain`` the mean of the paired differences, each with the corrected resampled t
interval (:mod:`pytest_experiments.stats.estimates`); their labels say "nested CV". They
estimate the tuning *procedure* on this many rows, which is what "tuning beats the defaults"
claims. ``params`` is the winner of the search on the whole sample.

**Every unit of work is cached** (a candidate's scores, an outer fold's result) under a key
made of the estimator, the candidate, the data's digest, the folds and the scorer, never of
the order it ran in: a search interrupted (Ctrl-C, a killed worker, a budget) and run again on
the same inputs takes what is cached and computes only the rest.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from pytest_experiments.errors import EstimateError
from pytest_experiments.jsonsafe import to_jsonable
from pytest_experiments.stats.crossval import (
    fold_scores,
    holdout_ratio,
    make_splits,
    score_range,
    scoring_trend,
)
from pytest_experiments.stats.estimates import Estimate, corrected_resampled_mean
from pytest_experiments.tuning.results import TUNING_KIND
from pytest_experiments.tuning.space import candidates, check_space, describe

METHODS = ("random", "grid", "halving", "tpe")

#: Folds of the search on the sample, and of the outer and inner loops of nested CV.
SEARCH_FOLDS, OUTER_FOLDS, INNER_FOLDS = 5, 5, 3

#: Successive halving keeps the best 1/ETA of the candidates at each rung.
ETA = 3


class TrialCache(Protocol):
    """Where finished units of a search are kept (the journal, between runs)."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...

    def entries(self) -> dict[str, dict[str, Any]]:
        """What this run found or used, to keep with its result."""
        ...


class MemoryCache:
    """A cache for one call, when there is no journal."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        return self.values.get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.values[key] = value

    def entries(self) -> dict[str, dict[str, Any]]:
        return dict(self.values)


def tune(
    estimator: Any,
    space: Any,
    X: Any,
    y: Any,
    *,
    n_iter: int | None,
    method: str,
    baseline: Any,
    scoring: Any,
    cv: Any,
    budget: float | None,
    seed: int,
    level: float,
    cache: TrialCache | None,
) -> dict[str, Any]:
    """The tuning result: ``best``, ``gain`` (estimates), ``params``, ``trials``, ``search``."""
    from sklearn.base import clone, is_classifier

    if method not in METHODS:
        raise EstimateError(
            f"exp.tune got method={method!r}; write one of {', '.join(map(repr, METHODS))}"
        )
    if cv is not None and not (isinstance(cv, int) and not isinstance(cv, bool) and cv >= 2):
        raise EstimateError(f"exp.tune got cv={cv!r}; write a number of folds >= 2, e.g. cv=5")
    checked = check_space(space, method)
    trend = scoring_trend(scoring)
    if trend == "falls":
        raise EstimateError(
            "exp.tune maximises its score, and the scorer is a loss; write its neg_ name or "
            "make_scorer(..., greater_is_better=False)"
        )
    pool = [] if method == "tpe" else candidates(checked, method, n_iter, seed)
    baseline = clone(estimator) if baseline is None else baseline
    classifier = is_classifier(estimator)
    work = _Work(estimator, X, y, scoring, cache or MemoryCache(), classifier, budget)
    folds = cv or SEARCH_FOLDS
    splits = make_splits(y, X, folds, 1, seed, classifier=classifier)
    trials = _search(work, checked, pool, method, n_iter, splits, seed)
    if not trials:
        raise EstimateError("exp.tune had no time for a single trial; give it a larger budget")
    winner = _winner(trials)
    nested, baseline_scores, outer = _nested(work, checked, pool, method, n_iter, baseline, seed)
    low, high = score_range(scoring, classifier)
    name = _scoring_name(scoring)
    best = corrected_resampled_mean(
        nested,
        holdout_ratio(outer),
        level,
        trend="rises",
        label=f"{name} of the tuned model, nested CV",
        score_range=(low, high),
    )
    gain = corrected_resampled_mean(
        nested - baseline_scores,
        holdout_ratio(outer),
        level,
        trend=None,
        label=f"{name} gain over the baseline, nested CV",
        score_range=(low - high, high - low),
        difference=True,
    )
    return {
        "best": best,
        "gain": gain,
        "params": to_jsonable(winner["params"]),
        "trials": sorted(trials, key=lambda trial: -_score_of(trial)),
        "search": {
            "kind": TUNING_KIND,
            "method": method,
            "candidates": len(trials),
            "space": describe(checked),
            "stopped": work.stopped,
            "cached": work.cached,
            "computed": work.computed,
            "search_score": _score_of(winner),
        },
    }


def with_curve_problem(estimate: Estimate, problem: str) -> Estimate:
    """``estimate`` marked as one whose learning curve is not measured (no subsample verdict
    on it: only all the data settles a claim about it)."""
    from dataclasses import replace

    return replace(estimate, curve={"problem": problem})


class _Work:
    """Fits and scores, through the cache, within the budget."""

    def __init__(
        self,
        estimator: Any,
        X: Any,
        y: Any,
        scoring: Any,
        cache: TrialCache,
        classifier: bool,
        budget: float | None,
    ) -> None:
        self.estimator, self.X, self.y, self.scoring = estimator, X, y, scoring
        self.cache, self.classifier = cache, classifier
        self.deadline = None if budget is None else time.monotonic() + budget
        self.stopped = False
        self.cached = self.computed = 0
        self.digest = _digest(X, y)
        self.base = _describe_estimator(estimator)

    def out_of_time(self) -> bool:
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.stopped = True
        return self.stopped

    def key(self, *parts: Any) -> str:
        text = json.dumps(
            [self.base, self.digest, _scoring_name(self.scoring), *parts], default=str
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def scores(self, params: Mapping[str, Any], rows: Any, splits: Any) -> dict[str, Any]:
        """The candidate's fold scores on ``rows`` (indices into the sample) with ``splits``
        (indices into those rows), cached."""
        key = self.key("scores", dict(params), _indices(rows), [_indices(t) for t, _ in splits])
        found = self.cache.get(key)
        if found is not None:
            self.cached += 1
            return found
        from sklearn.base import clone

        started = time.perf_counter()
        model = clone(self.estimator).set_params(**params)
        X, y = _take(self.X, rows), _take(self.y, rows)
        values = fold_scores(model, X, y, self.scoring, splits)
        trial = {
            "params": to_jsonable(dict(params)),
            "score": float(np.mean(values)),
            "scores": [float(value) for value in values],
            "rows": len(_indices(rows)),
            "seconds": round(time.perf_counter() - started, 4),
        }
        self.cache.put(key, trial)
        self.computed += 1
        return trial


def _search(
    work: _Work,
    space: Mapping[str, Any],
    pool: list[dict[str, Any]],
    method: str,
    n_iter: int | None,
    splits: Any,
    seed: int,
    rows: Any = None,
) -> list[dict[str, Any]]:
    """The trials of one search on ``rows`` (all the sample when None)."""
    rows = np.arange(_count(work.X)) if rows is None else rows
    if method == "halving":
        return _halving(work, pool, rows, splits, seed)
    if method == "tpe":
        return _tpe(work, space, n_iter, rows, splits, seed)
    trials: list[dict[str, Any]] = []
    for params in pool:
        if trials and work.out_of_time():
            break  # a search always has one trial: the budget stops the rest
        trials.append(work.scores(params, rows, splits))
    return trials


def _halving(
    work: _Work, pool: list[dict[str, Any]], rows: Any, splits: Any, seed: int
) -> list[dict[str, Any]]:
    """Successive halving over the rows: each rung keeps the best third, on three times the
    rows; the last rung is all of them. Trials of every rung are kept (with their rows)."""
    from pytest_experiments.stats.learning_curve import stratified_order

    rungs = max(1, math.ceil(math.log(max(len(pool), 1), ETA)))
    labels = np.asarray(_take(work.y, rows)) if work.classifier else None
    order = stratified_order(np.arange(len(rows)), labels, seed)
    alive, trials = list(pool), []
    for rung in range(rungs, -1, -1):
        share = ETA ** (-rung)
        kept = np.sort(order[: max(2 * INNER_FOLDS, math.ceil(share * len(rows)))])
        subset = np.asarray(rows)[kept]
        sub_splits = make_splits(
            _take(work.y, subset),
            _take(work.X, subset),
            len(splits),
            1,
            seed,
            classifier=work.classifier,
        )
        scored: list[dict[str, Any]] = []
        for params in alive:
            if scored and work.out_of_time():
                break
            trial = dict(work.scores(params, subset, sub_splits), rung=rungs - rung)
            scored.append(trial)
        trials.extend(scored)
        if not scored or rung == 0 or work.stopped:
            break
        scored.sort(key=lambda trial: -_score_of(trial))
        alive = [trial["params"] for trial in scored[: max(1, math.ceil(len(scored) / ETA))]]
    if trials and trials[-1].get("rung") != rungs:
        return trials  # stopped early: the best so far, on fewer rows
    last = [trial for trial in trials if trial.get("rung") == rungs]
    return last + [trial for trial in trials if trial.get("rung") != rungs]


def _tpe(
    work: _Work, space: Mapping[str, Any], n_iter: int | None, rows: Any, splits: Any, seed: int
) -> list[dict[str, Any]]:
    """Optuna's TPE sampler proposes each candidate from the trials so far (seeded)."""
    try:
        import optuna  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise EstimateError(
            "exp.tune(method='tpe') needs Optuna: pip install optuna (or "
            "pip install 'pytest-experiments[optuna]'), or use method='random'"
        ) from None
    if n_iter is None:
        raise EstimateError("exp.tune(method='tpe') needs n_iter=...; write n_iter=30, say")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed % 2**32)
    )
    trials: list[dict[str, Any]] = []
    for _ in range(n_iter):
        if trials and work.out_of_time():
            break
        asked = study.ask()
        params = {name: _suggest(asked, name, values) for name, values in space.items()}
        trial = work.scores(params, rows, splits)
        study.tell(asked, trial["score"])
        trials.append(trial)
    return trials


def _suggest(trial: Any, name: str, values: Any) -> Any:
    if not hasattr(values, "rvs"):
        return trial.suggest_categorical(name, list(values))
    dist = getattr(getattr(values, "dist", None), "name", "")
    args = [float(arg) for arg in getattr(values, "args", ())]
    if dist in ("loguniform", "reciprocal"):
        return trial.suggest_float(name, args[0], args[1], log=True)
    if dist == "uniform":
        low, width = (args + [0.0, 1.0][len(args) :])[:2]
        return trial.suggest_float(name, low, low + width)
    if dist == "randint":
        return trial.suggest_int(name, int(args[0]), int(args[1]) - 1)
    raise EstimateError(
        f"exp.tune(method='tpe') cannot search {name}'s {dist or values} distribution; use "
        "loguniform, uniform, randint or a list"
    )


def _nested(
    work: _Work,
    space: Mapping[str, Any],
    pool: list[dict[str, Any]],
    method: str,
    n_iter: int | None,
    baseline: Any,
    seed: int,
) -> tuple[Any, Any, Any]:
    """Per outer fold: the tuned model's score (the search redone on its training rows) and
    the baseline's, on its test rows."""
    from sklearn.base import clone

    outer = make_splits(work.y, work.X, OUTER_FOLDS, 1, seed + 1, classifier=work.classifier)
    tuned, base = [], []
    for index, (train, test) in enumerate(outer):
        key = work.key("outer", index, _indices(train), _describe_estimator(baseline), method)
        key = work.key(key, sorted(map(json.dumps, (to_jsonable(p) for p in pool))), n_iter)
        found = work.cache.get(key)
        if found is not None:
            work.cached += 1
        else:
            inner = make_splits(
                _take(work.y, train),
                _take(work.X, train),
                INNER_FOLDS,
                1,
                seed,
                classifier=work.classifier,
            )
            trials = _search(work, space, pool, method, n_iter, inner, seed, train)
            if not trials:
                raise EstimateError(
                    "exp.tune ran out of its budget before its estimates; give it a larger one"
                )
            params = _winner(trials)["params"]
            model = clone(work.estimator).set_params(**params)
            found = {
                "tuned": _fit_score(model, work, train, test),
                "baseline": _fit_score(clone(baseline), work, train, test),
                "params": params,
            }
            work.cache.put(key, found)
            work.computed += 1
        tuned.append(found["tuned"])
        base.append(found["baseline"])
    return np.asarray(tuned, dtype=float), np.asarray(base, dtype=float), outer


def _fit_score(model: Any, work: _Work, train: Any, test: Any) -> float:
    values = fold_scores(model, work.X, work.y, work.scoring, [(train, test)])
    return float(values[0])


def _winner(trials: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The best trial; among trials of successive halving, the best on the most rows."""
    most = max(int(trial.get("rows", 0)) for trial in trials)
    return max((t for t in trials if int(t.get("rows", 0)) == most), key=_score_of)


def _score_of(trial: Mapping[str, Any]) -> float:
    score = trial.get("score")
    return float(score) if isinstance(score, (int, float)) and math.isfinite(score) else -math.inf


def _digest(X: Any, y: Any) -> str:
    """A digest of the data: equal data, equal digest (what a cached trial was computed on)."""
    digest = hashlib.sha256()
    for array in (X, y):
        values = array.to_numpy() if hasattr(array, "to_numpy") else array
        if hasattr(values, "tocsr"):
            matrix = values.tocsr()
            for part in (matrix.data, matrix.indices, matrix.indptr):
                digest.update(np.ascontiguousarray(part).tobytes())
            continue
        data = np.asarray(values)
        if data.dtype == object:
            digest.update(repr(data.tolist()).encode())
        else:
            digest.update(str(data.shape).encode() + np.ascontiguousarray(data).tobytes())
    return digest.hexdigest()[:32]


def _describe_estimator(estimator: Any) -> str:
    """The estimator's class and parameters, as the cache keys it."""
    try:
        params = estimator.get_params(deep=True)
    except Exception:  # not scikit-learn-like: its repr is all there is
        return repr(estimator)
    shown = {name: repr(value) for name, value in sorted(params.items())}
    return f"{type(estimator).__module__}.{type(estimator).__qualname__}{shown}"


def _indices(rows: Any) -> list[int]:
    return [int(index) for index in np.asarray(rows).reshape(-1)]


def _count(array: Any) -> int:
    shape = getattr(array, "shape", None)
    return int(shape[0]) if shape else len(array)


def _take(array: Any, rows: Any) -> Any:
    from sklearn.utils import _safe_indexing

    return _safe_indexing(array, np.asarray(rows))


def _scoring_name(scoring: Any) -> str:
    if scoring is None:
        return "score"
    if isinstance(scoring, str):
        return scoring
    function = getattr(getattr(scoring, "_score_func", None), "__name__", None)
    return str(function or getattr(scoring, "__name__", repr(scoring)))
