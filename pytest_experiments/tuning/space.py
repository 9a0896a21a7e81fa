"""Search spaces: scikit-learn's parameter grids and distributions, described as JSON, drawn
reproducibly, and narrowed around the best trials of an earlier search.

A space maps parameter names to a list of values or a frozen :mod:`scipy.stats` distribution
(``loguniform(1e-1, 1e3)``, ``uniform(0, 1)``, ``randint(1, 10)``), as
:class:`sklearn.model_selection.ParameterSampler` takes it; a grid search takes lists only
(:class:`sklearn.model_selection.ParameterGrid`). Candidates are drawn from the experiment's
data seed, so every worker and every rerun draws the same ones, in the same order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_experiments.errors import EstimateError
from pytest_experiments.jsonsafe import to_jsonable

Space = Mapping[str, Any]

#: The scipy.stats distributions a space may describe as JSON (and narrow): their names and
#: how their arguments read as bounds.
_CONTINUOUS = ("loguniform", "reciprocal", "uniform")


def check_space(space: Any, method: str) -> dict[str, Any]:
    """``space`` as a plain dict, or an EstimateError saying what to write instead."""
    if not isinstance(space, Mapping) or not space:
        raise EstimateError(
            f"exp.tune got the space {space!r}; pass a dict of parameter names to lists of "
            "values or scipy.stats distributions, e.g. {'C': loguniform(1e-1, 1e3)}"
        )
    checked: dict[str, Any] = {}
    for name, values in space.items():
        if not isinstance(name, str):
            raise EstimateError(f"exp.tune's space has the key {name!r}; name a parameter")
        if hasattr(values, "rvs"):
            if method == "grid":
                raise EstimateError(
                    f"exp.tune(method='grid') needs lists of values, and {name} is a "
                    "distribution; write method='random' with n_iter=..., or list the values"
                )
        elif isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise EstimateError(
                f"exp.tune's space gives {name} as {values!r}; give a non-empty list of values "
                "or a scipy.stats distribution"
            )
        checked[name] = values
    return checked


def candidates(space: Space, method: str, n_iter: int | None, seed: int) -> list[dict[str, Any]]:
    """The candidates a search tries, in a fixed order: the whole grid, or ``n_iter`` draws."""
    from sklearn.model_selection import ParameterGrid, ParameterSampler

    if method == "grid":
        return [dict(params) for params in ParameterGrid(dict(space))]
    if n_iter is None:
        if all(not hasattr(values, "rvs") for values in space.values()):
            return [dict(params) for params in ParameterGrid(dict(space))]
        raise EstimateError(
            "exp.tune draws from distributions only with n_iter=...; write n_iter=30, say"
        )
    if isinstance(n_iter, bool) or not isinstance(n_iter, int) or n_iter < 1:
        raise EstimateError(f"exp.tune got n_iter={n_iter!r}; write a whole number >= 1")
    sampler = ParameterSampler(dict(space), n_iter=n_iter, random_state=seed % 2**32)
    return [{name: _plain(value) for name, value in params.items()} for params in sampler]


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers, so parameters travel as JSON and print as typed."""
    item = getattr(value, "item", None)
    return item() if callable(item) and type(value).__module__ == "numpy" else value


def describe(space: Space) -> dict[str, Any]:
    """The space as JSON: ``{"C": {"dist": "loguniform", "low": 0.1, "high": 1000}, "kernel":
    {"values": ["rbf", "linear"]}}``; distributions it does not know as their text."""
    described: dict[str, Any] = {}
    for name, values in space.items():
        if hasattr(values, "rvs"):
            dist = getattr(getattr(values, "dist", None), "name", None)
            args = tuple(float(arg) for arg in getattr(values, "args", ()))
            if dist in ("loguniform", "reciprocal") and len(args) == 2:
                described[name] = {"dist": "loguniform", "low": args[0], "high": args[1]}
            elif dist == "uniform":
                low, width = (args + (0.0, 1.0)[len(args) :])[:2]
                described[name] = {"dist": "uniform", "low": low, "high": low + width}
            elif dist == "randint" and len(args) == 2:
                described[name] = {"dist": "randint", "low": int(args[0]), "high": int(args[1])}
            else:
                described[name] = {"dist": str(dist or values)}
        else:
            described[name] = {"values": to_jsonable(list(values))}
    return described


def narrow(described: Mapping[str, Any], trials: Sequence[Mapping[str, Any]], top: int) -> Space:
    """A space around the ``top`` best trials: each distribution cut to the range those trials
    span (on a log scale where it was one), each list cut to the values they used."""
    from scipy.stats import loguniform, randint, uniform

    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise EstimateError(f"exp.narrowed got top={top!r}; write a whole number >= 1")
    ranked = sorted(
        (trial for trial in trials if _finite(trial.get("score"))),
        key=lambda trial: float(trial["score"]),
        reverse=True,
    )[:top]
    if not ranked:
        raise EstimateError("exp.narrowed found no scored trials to narrow around")
    space: dict[str, Any] = {}
    for name, spec in described.items():
        used = [trial["params"][name] for trial in ranked if name in trial.get("params", {})]
        if not used:
            continue
        if "values" in spec:
            space[name] = [value for value in spec["values"] if value in used] or used
        elif spec.get("dist") == "loguniform":
            low, high = min(used), max(used)
            space[name] = loguniform(low, high) if high > low else [low]
        elif spec.get("dist") == "uniform":
            low, high = min(used), max(used)
            space[name] = uniform(low, high - low) if high > low else [low]
        elif spec.get("dist") == "randint":
            low, high = int(min(used)), int(max(used))
            space[name] = randint(low, high + 1) if high > low else [low]
        else:
            space[name] = sorted(set(used), key=repr)
    return space


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
