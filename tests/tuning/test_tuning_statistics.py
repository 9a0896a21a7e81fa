"""Tuning's winners are honest: on a search with no real effect, "the tuned model beats the
baseline" is confirmed at most at the rate alpha, where the best of K scores is not."""

from __future__ import annotations

import numpy as np

from pytest_experiments.spec.expectations import parse_expectation
from pytest_experiments.stats.crossval import make_splits, split_scores
from pytest_experiments.stats.estimates import mean
from pytest_experiments.stats.evidence import Judging
from pytest_experiments.stats.verdicts import Verdict
from pytest_experiments.tuning.search import tune

REPLICATES = 40


def null_data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(160, 5))
    y = (X[:, 0] + rng.normal(scale=1.5, size=160) > 0).astype(int)
    return X, y


def test_a_search_with_no_real_effect_confirms_a_gain_at_most_at_alpha() -> None:
    from sklearn.tree import DecisionTreeClassifier

    # Only the tree's random_state changes: no setting is better than another in truth.
    space = {"random_state": list(range(1, 9))}
    expectation = parse_expectation(("> 0",), {})
    honest = naive = 0
    for replicate in range(REPLICATES):
        X, y = null_data(replicate)
        learner = DecisionTreeClassifier(max_features=2, max_depth=3, random_state=0)
        result = tune(
            learner,
            space,
            X,
            y,
            n_iter=None,
            method="grid",
            baseline=None,
            scoring=None,
            cv=None,
            budget=None,
            seed=replicate,
            level=0.95,
            cache=None,
        )
        honest += expectation.evaluate(result["gain"], Judging()) is Verdict.CONFIRMED
        # The naive claim, as searches report it: the best trial's fold scores against the
        # baseline's on the same folds, a t interval over the folds.
        splits = make_splits(y, X, 5, 1, replicate)
        best = np.asarray(result["trials"][0]["scores"])
        baseline = split_scores(learner, X, y, None, splits)
        naive_gain = mean(best - baseline, 0.95)
        naive += expectation.evaluate(naive_gain, Judging()) is Verdict.CONFIRMED
    assert honest <= 5  # alpha 2.5 % one-sided: 1 expected in 40; 5 is beyond 99 % of chance
    assert naive >= 3 * max(honest, 1)  # the best of 8 looks better than it is


def test_trials_are_the_same_whatever_the_order_and_resume_from_the_cache() -> None:
    from sklearn.tree import DecisionTreeClassifier

    from pytest_experiments.tuning.search import MemoryCache

    X, y = null_data(0)
    space = {"max_depth": [1, 2, 3, 4], "min_samples_leaf": [1, 5]}
    cache = MemoryCache()
    first = tune(
        DecisionTreeClassifier(random_state=0),
        space,
        X,
        y,
        n_iter=None,
        method="grid",
        baseline=None,
        scoring=None,
        cv=None,
        budget=None,
        seed=3,
        level=0.95,
        cache=cache,
    )
    again = tune(
        DecisionTreeClassifier(random_state=0),
        space,
        X,
        y,
        n_iter=None,
        method="grid",
        baseline=None,
        scoring=None,
        cv=None,
        budget=None,
        seed=3,
        level=0.95,
        cache=cache,
    )
    # 8 candidates; 5 outer folds, each a search of 8 on its training rows
    assert first["search"]["computed"] == 8 + 5 * 8 + 5 and first["search"]["cached"] == 0
    assert again["search"]["computed"] == 0 and again["search"]["cached"] == 8 + 5
    assert again["params"] == first["params"] and again["best"] == first["best"]


def small_search(**kwargs: object) -> dict[str, object]:
    from sklearn.tree import DecisionTreeClassifier

    X, y = null_data(1)
    arguments: dict[str, object] = dict(
        n_iter=None,
        method="random",
        baseline=None,
        scoring=None,
        cv=None,
        budget=None,
        seed=5,
        level=0.95,
        cache=None,
    )
    arguments.update(kwargs)
    space = arguments.pop("space", {"max_depth": [1, 2, 3, 4, 5, 6, 7, 8, 9]})
    return tune(DecisionTreeClassifier(random_state=0), space, X, y, **arguments)  # type: ignore[arg-type]


def test_successive_halving_tries_all_on_few_rows_and_the_best_on_all() -> None:
    result = small_search(method="halving")
    trials = result["trials"]
    rows = sorted({trial["rows"] for trial in trials})  # type: ignore[index]
    assert rows[-1] == 160 and rows[0] < 60
    on_all = [trial for trial in trials if trial["rows"] == 160]  # type: ignore[index]
    assert 1 <= len(on_all) < 9 and trials[0]["rows"] == 160  # type: ignore[index]


def test_a_budget_stops_the_search_and_the_answer_says_so() -> None:
    result = small_search(budget=1e-9)
    assert result["search"]["stopped"] is True  # type: ignore[index]
    assert len(result["trials"]) >= 1  # type: ignore[arg-type]


def test_random_draws_are_seeded_by_the_data_seed() -> None:
    from scipy.stats import loguniform

    space = {"ccp_alpha": loguniform(1e-4, 1e-1)}
    first = small_search(space=space, n_iter=4)
    again = small_search(space=space, n_iter=4)
    other = small_search(space=space, n_iter=4, seed=6)
    params = lambda result: sorted(t["params"]["ccp_alpha"] for t in result["trials"])  # noqa: E731
    assert params(first) == params(again) != params(other)


def test_tpe_proposes_from_the_trials_so_far_when_optuna_is_installed() -> None:
    import pytest

    pytest.importorskip("optuna")
    from scipy.stats import loguniform

    result = small_search(space={"ccp_alpha": loguniform(1e-4, 1e-1)}, method="tpe", n_iter=6)
    assert result["search"]["method"] == "tpe" and len(result["trials"]) == 6  # type: ignore[index, arg-type]


def test_bad_searches_are_one_line_errors() -> None:
    import pytest

    from pytest_experiments.errors import EstimateError

    with pytest.raises(EstimateError, match="method='bayes'; write one of"):
        small_search(method="bayes")
    with pytest.raises(EstimateError, match="needs lists of values"):
        from scipy.stats import uniform

        small_search(method="grid", space={"ccp_alpha": uniform(0, 0.1)})
    with pytest.raises(EstimateError, match=r"n_iter=\.\.\."):
        from scipy.stats import uniform

        small_search(space={"ccp_alpha": uniform(0, 0.1)})
    with pytest.raises(EstimateError, match="pass a dict of parameter names"):
        small_search(space=["max_depth"])
