"""The ``exp`` fixture's object: what an experiment knows about its run and how it samples."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ExperimentError
from .jsonsafe import NotJSONSafe, to_jsonable

if TYPE_CHECKING:
    import numpy as np

#: Default floor on the number of rows ``exp.sample`` keeps (mirrors ``sampling``, which is only
#: imported when an experiment samples).
DEFAULT_MIN_ROWS = 100


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
    """

    def __init__(self, nodeid: str, fraction: float, seed: int) -> None:
        self.nodeid = nodeid
        self.fraction = fraction
        self.full = fraction >= 1.0
        self.seed = seed
        self.rows: int | None = None
        self.total_rows: int | None = None
        self.recorded: dict[str, Any] = {}
        self._rng: np.random.Generator | None = None

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
        from .sampling import subsample

        sampled, self.rows, self.total_rows = subsample(
            arrays, self.fraction, self.seed, stratify=stratify, min_rows=min_rows
        )
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

    def __repr__(self) -> str:
        return f"<Experiment {self.nodeid} fraction={self.fraction:g} seed={self.seed}>"
