"""The ``exp`` fixture's object: what an experiment knows about its run and how it samples."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_experiments.errors import EstimateError, ExperimentError
from pytest_experiments.jsonsafe import NotJSONSafe, to_jsonable
from pytest_experiments.settings import DEFAULT_MIN_ROWS

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    from pytest_experiments.stats.estimates import Estimate, Trend
    from pytest_experiments.tuning.search import TrialCache


#: The smaller look that checks a subsample verdict (``floor=False``) cross-validates with at
#: most this many repeats: its estimates are only held against the look's, and their wider
#: intervals only make the check fire less.
PILOT_REPEATS = 2


class Experiment:
    """Handed to an experiment as its ``exp`` argument.

    Attributes:
        nodeid: the experiment's pytest node id.
        fraction: share of the data this run uses (1.0 with ``--full``).
        full: whether the experiment runs on all the data.
        seed: a seed derived from the run's ``--seed`` and the node id, so the same experiment
            draws the same sample on any xdist worker.
        rows / total_rows: rows kept and rows available at the last ``exp.sample`` call.
        recorded: values kept with the result by ``exp.record``.
        confidence: the level of the intervals the estimate methods return (``--confidence``).
    """

    def __init__(
        self,
        nodeid: str,
        fraction: float,
        seed: int,
        confidence: float = 0.95,
        data_seed: int | None = None,
    ) -> None:
        self.nodeid = nodeid
        #: Seeds which rows ``exp.sample`` keeps and the folds of ``exp.score``/``compare``:
        #: shared by the parametrized variants of one experiment, so that comparing them is
        #: paired; ``seed`` and ``rng`` differ per variant.
        self.data_seed = seed if data_seed is None else data_seed
        self._fraction = fraction
        #: Whether the experiment looked at its share of the data (read ``fraction`` or
        #: ``full``, or sampled): an answer that never did is the answer on all the data.
        self.uses_fraction = False
        self.seed = seed
        self.confidence = confidence
        self.rows: int | None = None
        self._sampled: tuple[int, int] | None = None
        self.total_rows: int | None = None
        self.recorded: dict[str, Any] = {}
        self._rng: np.random.Generator | None = None
        self._floor = True
        #: Where ``exp.tune`` keeps finished trials (the journal's), or None.
        self.trial_cache: TrialCache | None = None
        #: Looks up a tuning experiment's newest result for ``exp.tuned``, or None.
        self.tunings: Callable[[str], dict[str, Any]] | None = None

    def start_look(self, fraction: float, *, floor: bool = True) -> None:
        """Reset for a (new) run of the experiment at ``fraction`` (``--sample auto`` looks);
        ``floor=False`` for the smaller look of a subsample verdict's checks, whose
        ``exp.sample`` keeps ``fraction`` of the rows however few (``min_rows`` ignored)."""
        self._floor = floor
        self._fraction = fraction
        self.uses_fraction = False
        self.rows = self.total_rows = None
        # _sampled (rows in all, min_rows of the last exp.sample) is kept across looks
        self.recorded = {}
        self._rng = None

    @property
    def fraction(self) -> float:
        """Share of the data this run uses (1.0 with ``--full``)."""
        self.uses_fraction = True
        return self._fraction

    @property
    def full(self) -> bool:
        """Whether the experiment runs on all the data."""
        self.uses_fraction = True
        return self._fraction >= 1.0

    def scale(self) -> float | None:
        """How many times more rows all the data has than this look's sample (None: unknown,
        or the experiment never sampled nor read its fraction, so its data is all there is)."""
        if self.rows and self.total_rows:
            return self.total_rows / self.rows
        if self.uses_fraction and 0 < self._fraction < 1:
            return 1 / self._fraction
        return None

    def rows_for(self, fraction: float) -> int | None:
        """Rows ``exp.sample`` would keep at ``fraction``, as last called; None before a call."""
        if self._sampled is None:
            return None
        from pytest_experiments.running.sampling import sample_size

        total, min_rows = self._sampled
        return sample_size(total, fraction, min_rows)

    @property
    def rng(self) -> np.random.Generator:
        """A :class:`numpy.random.Generator` seeded with :attr:`seed` (created on first use)."""
        if self._rng is None:
            import numpy as np

            self._rng = np.random.default_rng(self.seed)
        return self._rng

    def sample(self, *arrays: Any, stratify: Any = None, min_rows: int = DEFAULT_MIN_ROWS) -> Any:
        """The same seeded subsample of rows of every array, at :attr:`fraction`.

        Accepts numpy arrays, pandas DataFrames/Series, lists and scipy sparse matrices, all with
        the same number of rows. ``stratify=True`` keeps the class proportions of the last array
        (the target), with every class present; pass an array of labels to stratify on it
        instead. At least ``min_rows`` rows are kept (default 100), so tiny fractions of small
        data sets stay meaningful. On all the data the arrays come back unchanged (no copy).
        Returns one array for one argument, a list otherwise, ready to unpack: ``X, y =
        exp.sample(X, y)``.
        """
        from pytest_experiments.running.sampling import subsample

        self.uses_fraction = True
        sampled, self.rows, self.total_rows = subsample(
            arrays,
            self._fraction,
            self.data_seed,
            stratify=stratify,
            min_rows=min_rows if self._floor else 0,
        )
        if self._floor:
            self._sampled = (self.total_rows, min_rows)
        return sampled[0] if len(sampled) == 1 else sampled

    def record(self, **values: Any) -> None:
        """Keep extra values with the result (not part of the answer): ``exp.record(folds=3)``."""
        for name, value in values.items():
            try:
                self.recorded[name] = to_jsonable(value)
            except NotJSONSafe as error:
                raise ExperimentError(
                    f"exp.record({name}=...) got {error}; record numbers, strings, bools, "
                    "lists or dicts of them"
                ) from None

    # -- estimates ---------------------------------------------------------------------------

    def proportion(self, successes: int, trials: int) -> Estimate:
        """``successes / trials`` with a Wilson score interval at :attr:`confidence`."""
        from pytest_experiments.stats.estimates import proportion

        return proportion(successes, trials, self.confidence, label="proportion")

    def accuracy(self, y_true: Any, y_pred: Any, *, trend: Trend | None = "rises") -> Estimate:
        """The share of ``y_pred`` equal to ``y_true``, a proportion with a Wilson interval.

        Its ``trend`` is ``"rises"``: predictions usually come from a model trained on the
        subsample, and such a model gets better with more data. Pass ``trend=None`` when the
        predictions do not depend on the sample size.
        """
        import numpy as np

        from pytest_experiments.stats.estimates import check_trend, proportion

        check_trend(trend)
        # column vectors count as flat ones, as scikit-learn's metrics take them
        truth, predicted = (
            array.reshape(-1) if array.ndim == 2 and array.shape[1] == 1 else array
            for array in (np.asarray(y_true), np.asarray(y_pred))
        )
        if truth.shape != predicted.shape:
            raise EstimateError(
                f"exp.accuracy got y_true of shape {truth.shape} and y_pred of shape "
                f"{predicted.shape}; pass one prediction per label"
            )
        hits = int(np.sum(truth == predicted))
        return proportion(hits, int(truth.size), self.confidence, trend=trend, label="accuracy")

    def mean(self, values: Any, *, trend: Trend | None = None) -> Estimate:
        """The mean of independent ``values`` with a Student-t interval at :attr:`confidence`.

        Not for cross-validation fold scores: their training sets overlap, so they are not
        independent and this interval would be far too narrow; use :meth:`score` for them.
        """
        from pytest_experiments.stats.estimates import check_trend, mean

        check_trend(trend)
        return mean(values, self.confidence, trend=trend, label="mean")

    def score(
        self,
        estimator: Any,
        X: Any,
        y: Any,
        scoring: Any = None,
        cv: Any = None,
        *,
        repeats: int = 5,
        groups: Any = None,
    ) -> Estimate:
        """The cross-validated score of ``estimator`` with an interval valid for CV.

        ``cv`` is a number of folds (default 5, repeated ``repeats`` times, stratified for class
        labels), a scikit-learn splitter or an iterable of (train, test) index pairs;
        ``scoring`` is any scikit-learn scoring (default: the estimator's ``score``). The
        interval is the Nadeau-Bengio corrected resampled t. Its trend is ``"rises"``: on a
        subsample a score short of a threshold is inconclusive, not refuted. ``groups`` go to
        a group-aware splitter (``cv=GroupKFold(5)``) so that no group is in training and test.
        """
        from pytest_experiments.stats.crossval import score

        return score(
            estimator,
            X,
            y,
            scoring=scoring,
            cv=cv,
            repeats=repeats if self._floor else min(repeats, PILOT_REPEATS),
            seed=self.data_seed,
            level=self.confidence,
            groups=groups,
            scale=self.scale(),
        )

    def compare(
        self,
        estimator_a: Any,
        estimator_b: Any,
        X: Any,
        y: Any,
        scoring: Any = None,
        cv: Any = None,
        *,
        repeats: int = 5,
        groups: Any = None,
    ) -> Estimate:
        """The paired score difference ``a - b`` on identical folds, corrected resampled t.

        Expect ``"> 0"`` for "a beats b". Same ``scoring``/``cv``/``repeats``/``groups`` as
        :meth:`score`.
        """
        from pytest_experiments.stats.crossval import compare

        return compare(
            estimator_a,
            estimator_b,
            X,
            y,
            scoring=scoring,
            cv=cv,
            repeats=repeats if self._floor else min(repeats, PILOT_REPEATS),
            seed=self.data_seed,
            level=self.confidence,
            groups=groups,
            scale=self.scale(),
        )

    # -- tuning ------------------------------------------------------------------------------

    def tune(
        self,
        estimator: Any,
        space: Any,
        X: Any,
        y: Any,
        *,
        n_iter: int | None = None,
        method: str = "random",
        baseline: Any = None,
        scoring: Any = None,
        cv: Any = None,
        budget: str | float | None = None,
    ) -> dict[str, Any]:
        """Search ``space`` for ``estimator``'s best parameters on this sample, honestly.

        ``space`` maps parameter names to lists or scipy.stats distributions; ``method`` is
        ``"random"`` (``n_iter`` draws), ``"grid"``, ``"halving"`` (successive halving over
        the rows) or ``"tpe"`` (Optuna, when installed); ``baseline`` the model to beat (the
        untuned ``estimator`` by default); ``budget`` (``"10m"`` or seconds) stops the search
        in time, keeping its trials. The answer has ``best`` and ``gain`` (the tuned model's
        score and its paired gain over the baseline, both by nested cross-validation, so the
        selection does not flatter them), ``params`` (the winner on the whole sample),
        ``trials`` (best first) and ``search``. Trials are cached in the journal: a search
        run again on the same data takes the finished ones from there.
        """
        from pytest_experiments.settings import parse_duration
        from pytest_experiments.tuning.search import tune, with_curve_problem

        seconds: float | None
        if budget is None or (isinstance(budget, (int, float)) and not isinstance(budget, bool)):
            seconds = None if budget is None else float(budget)
        elif isinstance(budget, str):
            try:
                seconds = parse_duration(budget, "exp.tune(budget=...)")
            except ValueError as error:
                raise ExperimentError(str(error)) from None
        else:
            raise ExperimentError(
                f"exp.tune got budget={budget!r}; write a duration like '10m' or seconds"
            )
        result = tune(
            estimator,
            space,
            X,
            y,
            n_iter=n_iter,
            method=method,
            baseline=baseline,
            scoring=scoring,
            cv=cv,
            budget=seconds,
            seed=self.data_seed,
            level=self.confidence,
            cache=self.trial_cache,
        )
        scale = self.scale()
        if scale is not None and scale > 1:
            # Extrapolating a tuning gain would take a search at every anchor.
            result["gain"] = with_curve_problem(
                result["gain"],
                "a tuning gain measured on a subsample is not extrapolated to all the data "
                "(its learning curve would cost a search per anchor)",
            )
        return result

    def tuned(self, query: str) -> dict[str, Any]:
        """The winning parameters of the newest journaled run of the tuning experiment named
        by ``query`` (its node id, or a unique part of it)."""
        return dict(self._tuning(query)["params"])

    def narrowed(self, query: str, top: int = 5) -> dict[str, Any]:
        """The space of that tuning experiment narrowed around its ``top`` best trials: each
        distribution cut to the range they span (log-scale where it was), lists to the values
        they used."""
        from pytest_experiments.tuning.space import narrow

        answer = self._tuning(query)
        return dict(narrow(answer["search"]["space"], answer["trials"], top))

    def _tuning(self, query: str) -> dict[str, Any]:
        if not isinstance(query, str) or not query.strip():
            raise ExperimentError(
                f"exp.tuned needs the name of a tuning experiment, got {query!r}; write "
                "exp.tuned('exp_tune_svc')"
            )
        if self.tunings is None:
            raise ExperimentError(
                f"exp.tuned({query!r}) reads the journal, and this run has none (--no-journal); "
                "run with the journal"
            )
        return self.tunings(query)

    def __repr__(self) -> str:
        return f"<Experiment {self.nodeid} fraction={self._fraction:g} seed={self.seed}>"
