"""Cross-validated scores and paired comparisons with intervals valid for overlapping folds.

Scores come from scikit-learn (:func:`sklearn.model_selection.cross_validate` with a scorer from
:func:`sklearn.metrics.check_scoring`) on repeated k-fold splits
(:class:`~sklearn.model_selection.RepeatedStratifiedKFold` for classification targets,
:class:`~sklearn.model_selection.RepeatedKFold` otherwise). The interval is the corrected
resampled t of Nadeau and Bengio (2003), see :mod:`pytest_experiments.stats.estimates`: split scores
share most of their training data, so the naive ``s / sqrt(J)`` is far too narrow and a naive
t-test on fold scores rejects true null hypotheses several times more often than its level.
Imported only when an experiment calls ``exp.score`` or ``exp.compare``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_experiments.errors import EstimateError
from pytest_experiments.stats.estimates import Estimate, Trend, corrected_resampled_mean
from pytest_experiments.stats.learning_curve import LazyCurve

#: Default design: 5 folds repeated 5 times (25 scores), a compromise between the 10x10 that
#: Bouckaert and Frank (2004) recommend for replicability and the cost of a subsample run.
DEFAULT_FOLDS = 5
DEFAULT_REPEATS = 5

Splits = list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]


def make_splits(
    y: Any, X: Any, cv: Any, repeats: int, seed: int, classifier: bool = True, groups: Any = None
) -> Splits:
    """Materialise the splits once, so paired comparisons use identical folds.

    Folds are stratified for classifiers on class labels, as scikit-learn's ``check_cv`` does;
    an integer-valued regression target is not a class label. ``groups`` go to the splitter's
    ``split`` (GroupKFold and the like).
    """
    from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold
    from sklearn.utils.multiclass import type_of_target

    if cv is None:
        cv = DEFAULT_FOLDS
    if isinstance(cv, bool) or (isinstance(cv, int) and cv < 2):
        raise EstimateError(f"cv={cv!r} needs at least 2 folds; write cv=5 or pass a CV splitter")
    if isinstance(cv, int):
        if groups is not None:
            raise EstimateError(
                f"groups= needs a splitter that keeps groups apart, not cv={cv}; write "
                f"cv=GroupKFold({cv}) or cv=StratifiedGroupKFold({cv}) (sklearn.model_selection)"
            )
        if repeats < 1:
            raise EstimateError(f"repeats={repeats!r} must be at least 1")
        stratified = classifier and type_of_target(y) in ("binary", "multiclass")
        splitter_class = RepeatedStratifiedKFold if stratified else RepeatedKFold
        splitter = splitter_class(n_splits=cv, n_repeats=repeats, random_state=seed % 2**32)
        return [(train, test) for train, test in splitter.split(X, y)]
    if hasattr(cv, "split"):
        try:
            return [(np.asarray(train), np.asarray(test)) for train, test in cv.split(X, y, groups)]
        except ValueError as error:
            if groups is None and "groups" in str(error):
                raise EstimateError(
                    f"cv={cv!r} splits by groups; pass them: exp.score(..., cv=..., "
                    "groups=<the group of each row>)"
                ) from None
            raise
    return [(np.asarray(train), np.asarray(test)) for train, test in cv]


def split_scores(estimator: Any, X: Any, y: Any, scoring: Any, splits: Splits) -> Any:
    from sklearn.model_selection import cross_validate

    result = cross_validate(estimator, X, y, scoring=scoring, cv=splits, error_score="raise")
    return np.asarray(result["test_score"], dtype=float)


def fold_scores(estimator: Any, X: Any, y: Any, scoring: Any, splits: Splits) -> Any:
    """Each split's score; R^2 as ``1 - MSE_split / Var(y)`` over the whole sample.

    scikit-learn's R^2 divides each test fold's squared error by that fold's own variance:
    their mean is biased low on small folds, and their spread misses the sample's variance,
    so the corrected t under-covers (10-NN on Friedman #1 at 200 rows: 86 % at 95 %). Against
    the sample's variance the split R^2 are an affine map of the split MSEs, a mean of per-row
    losses as the Nadeau-Bengio correction assumes (D. L. J. Alexander, A. Tropsha and D. A.
    Winkler, "Beware of R^2", J. Chem. Inf. Model. 55, 2015, on R^2 from pooled predictions).
    """
    if _is_r2(scoring, estimator):
        spread = float(np.var(np.asarray(y, dtype=float)))
        if spread > 0:
            squared = -split_scores(estimator, X, y, "neg_mean_squared_error", splits)
            return 1.0 - squared / spread
    return split_scores(estimator, X, y, scoring, splits)


def _is_r2(scoring: Any, estimator: Any) -> bool:
    """``"r2"``, or no scoring for a regressor whose ``score`` is scikit-learn's R^2."""
    if scoring == "r2":
        return True
    if scoring is not None:
        return False
    from sklearn.base import RegressorMixin, is_regressor

    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    return is_regressor(estimator) and getattr(type(final), "score", None) is RegressorMixin.score


def holdout_ratio(splits: Splits) -> float:
    """Mean of n_test / n_train over the splits, the Nadeau-Bengio correction's ratio."""
    return float(np.mean([len(test) / len(train) for train, test in splits]))


def score(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    scoring: Any,
    cv: Any,
    repeats: int,
    seed: int,
    level: float,
    groups: Any = None,
    scale: float | None = None,
) -> Estimate:
    """A learner's cross-validated score with the corrected resampled t interval.

    ``scale`` is how many times more rows all the data has than ``X`` (None or 1: ``X`` is all
    of it); on a subsample the learning curve inside the splits goes with the estimate (see
    :mod:`pytest_experiments.stats.learning_curve`).
    """
    from sklearn.base import is_classifier

    _one_scoring(scoring)
    trend = scoring_trend(scoring)
    classifier = is_classifier(estimator)
    splits = make_splits(y, X, cv, repeats, seed, classifier=classifier, groups=groups)
    scores = fold_scores(estimator, X, y, scoring, splits)
    accuracy = _is_accuracy(scoring, classifier)
    low, high = score_range(scoring, classifier)
    curve = None
    if _subsample(scale):
        curve = LazyCurve(
            lambda far: measure_curve(
                [(estimator, scores)],
                X,
                y,
                scoring,
                splits,
                scale,
                trend,
                (low, high),
                classifier,
                seed,
                far,
            )
        )
    return corrected_resampled_mean(
        scores,
        holdout_ratio(splits),
        level,
        trend=trend,
        label=_scoring_name(scoring),
        score_range=(low, high),
        pooled_rows=tested_rows(splits) if accuracy else None,
        tie_rows=_tie_rows(y, splits, scoring, classifier),
        curve=curve,
    )


def compare(
    estimator_a: Any,
    estimator_b: Any,
    X: Any,
    y: Any,
    *,
    scoring: Any,
    cv: Any,
    repeats: int,
    seed: int,
    level: float,
    groups: Any = None,
    scale: float | None = None,
) -> Estimate:
    """The paired score difference a - b on identical splits, corrected resampled t; on a
    subsample (``scale`` > 1) with both learners' learning curves (see :func:`score`)."""
    from sklearn.base import is_classifier

    _one_scoring(scoring)
    trend = scoring_trend(scoring)
    if scoring is None and is_classifier(estimator_a) != is_classifier(estimator_b):
        raise EstimateError(
            "exp.compare would score a classifier by accuracy and a regressor by R^2 (their own "
            "score methods), which cannot be subtracted; pass one scoring= for both"
        )
    classifier = is_classifier(estimator_a) and is_classifier(estimator_b)
    splits = make_splits(y, X, cv, repeats, seed, classifier=classifier, groups=groups)
    scores_a = fold_scores(estimator_a, X, y, scoring, splits)
    scores_b = fold_scores(estimator_b, X, y, scoring, splits)
    low_a, high_a = score_range(scoring, is_classifier(estimator_a))
    low_b, high_b = score_range(scoring, is_classifier(estimator_b))
    curve = None
    if _subsample(scale):
        curve = LazyCurve(
            lambda far: measure_curve(
                [(estimator_a, scores_a), (estimator_b, scores_b)],
                X,
                y,
                scoring,
                splits,
                scale,
                trend,
                (max(low_a, low_b), min(high_a, high_b)),
                classifier,
                seed,
            )
        )
    return corrected_resampled_mean(
        scores_a - scores_b,
        holdout_ratio(splits),
        level,
        trend=None,
        label=f"{_scoring_name(scoring)} difference",
        score_range=(low_a - high_b, high_a - low_b),
        tie_rows=_tie_rows(y, splits, scoring, classifier),
        difference=True,
        curve=curve,
    )


def _subsample(scale: float | None) -> bool:
    return scale is not None and scale > 1 + 1e-9


def measure_curve(
    learners: list[tuple[Any, Any]],
    X: Any,
    y: Any,
    scoring: Any,
    splits: Splits,
    scale: float | None,
    trend: Trend,
    bounds: tuple[float, float],
    classifier: bool,
    seed: int,
    far: bool = True,
) -> dict[str, Any]:
    """Score each learner at the anchors of the first splits (their scores on the whole
    training rows are given); the curve's JSON form, or ``{"problem": ...}`` when an anchor
    fails. A score's far anchors (below a quarter of the rows) only when ``far``."""
    from sklearn.utils.multiclass import type_of_target

    from pytest_experiments.stats.learning_curve import (
        ANCHOR_SPLITS,
        DIFFERENCE_ANCHORS,
        NEAR_ANCHORS,
        SCORE_ANCHORS,
        Curve,
        anchor_splits,
    )

    assert scale is not None
    splits = splits[:ANCHOR_SPLITS]
    learners = [(estimator, np.asarray(whole)[: len(splits)]) for estimator, whole in learners]
    main_rows = float(np.mean([len(train) for train, _ in splits]))
    peak = _peak_problem([estimator for estimator, _ in learners], X, y, main_rows, scale)
    if peak is not None:
        return {"problem": peak}
    stratified = classifier and type_of_target(y) in ("binary", "multiclass")
    labels = np.asarray(y) if stratified else None
    shares = SCORE_ANCHORS if len(learners) == 1 and far else NEAR_ANCHORS
    if len(learners) > 1:
        shares = DIFFERENCE_ANCHORS
    anchored = anchor_splits(splits, labels, seed, shares)
    sizes = [float(np.mean([len(train) for train, _ in anchor])) for anchor in anchored]
    # Largest anchors first: a learner that cannot fit a sixteenth of the rows (too few for
    # its neighbours, say) still gives the anchors above it.
    scores: list[list[tuple[float, ...]]] = [[] for _ in learners]
    kept = 0
    for anchor in reversed(anchored):
        try:
            row = [fold_scores(estimator, X, y, scoring, anchor) for estimator, _ in learners]
        except Exception as error:
            if kept == 0:
                text = str(error).strip().splitlines()[0][:120] if str(error).strip() else ""
                return {
                    "problem": "the learning curve could not be measured on "
                    f"{sizes[len(anchored) - 1]:,.0f} training rows ({type(error).__name__}: "
                    f"{text})"
                }
            break
        kept += 1
        for learner, values in zip(scores, row, strict=True):
            learner.insert(0, tuple(values.tolist()))
    for learner, (_, whole) in zip(scores, learners, strict=True):
        learner.append(tuple(np.asarray(whole, dtype=float).tolist()))
    sizes = sizes[len(sizes) - kept :]
    return Curve(
        sizes=(*sizes, main_rows),
        target=main_rows * scale,
        holdout=holdout_ratio(splits),
        scores=tuple(tuple(learner) for learner in scores),
        direction=-1 if trend == "falls" else 1,
        bounds=bounds,
        baselines=tuple(_is_baseline(estimator) for estimator, _ in learners),
        chance=tuple(chance_level(scoring, y, classifier) for _ in learners),
    ).to_json()


def chance_level(scoring: Any, y: Any, classifier: bool) -> float | None:
    """What always guessing scores: the majority class's share for accuracy, 0.5 for ROC AUC,
    1/k for balanced accuracy; None for other scorers and regressors."""
    if not classifier:
        return None
    if scoring is None or scoring == "accuracy":
        _, counts = np.unique(np.asarray(y), return_counts=True)
        return float(counts.max() / counts.sum())
    if isinstance(scoring, str) and scoring.startswith("roc_auc"):
        return 0.5
    if scoring == "balanced_accuracy":
        return 1.0 / len(np.unique(np.asarray(y)))
    return None


#: Learners whose error peaks near as many training rows as features (double descent): least
#: squares without or with a weak penalty, discriminant analysis (per class for QDA).
_PEAKING = {
    "LinearRegression": 1,
    "Ridge": 1,
    "RidgeClassifier": 1,
    "LinearDiscriminantAnalysis": 1,
    "QuadraticDiscriminantAnalysis": 0,  # 0: features times classes
}


def _peak_problem(estimators: list[Any], X: Any, y: Any, rows: float, scale: float) -> str | None:
    """Why the curve cannot be extrapolated past an interpolation peak, or None.

    Least squares and discriminant analysis peak where the training rows meet the features
    (M. Belkin, D. Hsu, S. Ma and S. Mandal, "Reconciling modern machine-learning practice and
    the classical bias-variance trade-off", PNAS 116, 2019; M. Loog, T. Viering, A. Mey, J. H.
    Krijthe and D. M. J. Tax, "A brief prehistory of double descent", PNAS 117, 2020; the
    peaking curves of LDA and ridge in LCDB): a curve seen below twice that many rows says
    nothing about a curve that runs through it.
    """
    features = X.shape[1] if getattr(X, "ndim", 2) == 2 and hasattr(X, "shape") else None
    if not features:
        return None
    for estimator in estimators:
        final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
        factor = _PEAKING.get(type(final).__name__)
        if factor is None or not type(final).__module__.startswith("sklearn."):
            continue
        peak = features * (factor or len(np.unique(np.asarray(y))))
        if rows < 2 * peak and rows * scale > peak / 2:
            return (
                f"{type(final).__name__}'s error can peak near as many training rows as "
                f"features ({peak:,}; double descent), and the way from the sample's "
                f"{rows:,.0f} training rows to all the data's {rows * scale:,.0f} passes near it"
            )
    return None


def _is_baseline(estimator: Any) -> bool:
    """A scikit-learn dummy (most frequent class, mean, ...), alone or at a pipeline's end."""
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    return type(final).__module__.startswith("sklearn.dummy")


#: Words in a metric's name that say lower is better.
_LOSS_WORDS = ("error", "loss", "deviance")


def _is_loss_name(name: str | None) -> bool:
    return name is not None and any(word in name.lower() for word in _LOSS_WORDS)


def scoring_trend(scoring: Any) -> Trend:
    """How a score moves as the training data grows: ``"rises"`` for scores (and scikit-learn's
    negated ``neg_*`` losses), ``"falls"`` for a callable scorer named as a loss.

    A :func:`sklearn.metrics.make_scorer` scorer of a loss that claims greater is better
    (``make_scorer(mean_squared_error)``) is refused: scikit-learn would treat the loss as a
    score everywhere (searches would pick the worst model), and so would the verdicts.
    """
    function = getattr(scoring, "_score_func", None)
    if function is not None:
        name = getattr(function, "__name__", None)
        if _is_loss_name(name) and getattr(scoring, "_sign", 1) == 1:
            from sklearn.metrics import get_scorer_names

            negated = f"neg_{name}"
            named = f" or scoring={negated!r}" if negated in get_scorer_names() else ""
            raise EstimateError(
                f"scoring=make_scorer({name}) scores the loss {name} as if greater were better; "
                f"write make_scorer({name}, greater_is_better=False){named}"
            )
        return "rises"
    if callable(scoring) and _is_loss_name(getattr(scoring, "__name__", None)):
        return "falls"
    return "rises"


def _one_scoring(scoring: Any) -> None:
    if isinstance(scoring, (list, tuple, set, dict)):
        raise EstimateError(
            f"scoring={scoring!r} names several metrics; an estimate is one score: call "
            "exp.score once per metric, e.g. {'acc': exp.score(m, X, y, scoring='accuracy'), "
            "'f1': exp.score(m, X, y, scoring='f1_macro')}"
        )


#: Metric functions (as wrapped by sklearn.metrics.make_scorer) whose values lie in [0, 1].
_UNIT_METRICS = (
    "accuracy_score",
    "balanced_accuracy_score",
    "top_k_accuracy_score",
    "average_precision_score",
    "roc_auc_score",
    "f1_score",
    "fbeta_score",
    "precision_score",
    "recall_score",
    "jaccard_score",
)


def _metric_of(scoring: Any) -> str | None:
    """The metric function's name behind a make_scorer scorer that rewards higher values."""
    function = getattr(scoring, "_score_func", None)
    if function is None or getattr(scoring, "_sign", 1) != 1:
        return None
    return getattr(function, "__name__", None)


def _is_accuracy(scoring: Any, classifier: bool) -> bool:
    return scoring == "accuracy" or (scoring is None and classifier)


def _tie_rows(y: Any, splits: Splits, scoring: Any, classifier: bool) -> int | None:
    """Rows behind a [0, 1] score when its split scores all agree (see
    ``corrected_resampled_mean``): the rows tested for an accuracy, the smaller class's for
    the other classification scores (AUC, F1, ...); None for unbounded scores."""
    if score_range(scoring, classifier) != (0.0, 1.0):
        return None
    rows = tested_rows(splits)
    if _is_accuracy(scoring, classifier) or not classifier:
        return rows
    _, counts = np.unique(np.asarray(y), return_counts=True)
    return int(min(rows, counts.min()))


#: Scorers (by name, or name prefix) whose values lie in [0, 1].
_UNIT_SCORERS = (
    "accuracy",
    "balanced_accuracy",
    "top_k_accuracy",
    "average_precision",
    "roc_auc",
    "f1",
    "precision",
    "recall",
    "jaccard",
)


def score_range(scoring: Any, classifier: bool) -> tuple[float, float]:
    """The values a score can take, where scikit-learn's scorer says so; else unbounded.

    ``None`` means the estimator's own ``score``: accuracy for classifiers, R^2 for regressors.
    """
    inf = float("inf")
    if scoring is None:
        return (0.0, 1.0) if classifier else (-inf, 1.0)
    if not isinstance(scoring, str):
        return (0.0, 1.0) if _metric_of(scoring) in _UNIT_METRICS else (-inf, inf)
    if scoring.startswith(_UNIT_SCORERS):
        return 0.0, 1.0
    if scoring == "matthews_corrcoef":
        return -1.0, 1.0
    if scoring in ("r2", "explained_variance") or scoring.startswith("d2_"):
        return -inf, 1.0
    if scoring.startswith("neg_"):
        return -inf, 0.0
    return -inf, inf


def tested_rows(splits: Splits) -> int:
    """Rows that appear in some test fold: what an accuracy's predictions cover."""
    return int(np.unique(np.concatenate([test for _, test in splits])).size)


def _scoring_name(scoring: Any) -> str:
    if scoring is None:
        return "score"
    if isinstance(scoring, str):
        return scoring
    metric = getattr(getattr(scoring, "_score_func", None), "__name__", None)
    return str(metric or getattr(scoring, "__name__", "score"))
