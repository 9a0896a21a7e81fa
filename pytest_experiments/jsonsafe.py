"""Turning answers and recorded values into JSON-safe Python values.

Everything that leaves the process that ran an experiment (to the xdist controller, to a journal)
is first made of ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool`` and ``None``. numpy is
recognised by duck typing so that this module never imports it.
"""

from __future__ import annotations

import datetime
import enum
import json
import os
from collections.abc import Mapping
from typing import Any

JSONValue = Any  # dict | list | str | int | float | bool | None, recursively


class NotJSONSafe(TypeError):
    """A value has no faithful JSON form."""


def to_jsonable(value: Any, keep: tuple[type, ...] = ()) -> JSONValue:
    """Return ``value`` as plain JSON-safe Python values, or raise :class:`NotJSONSafe`.

    numpy scalars and arrays become Python numbers and lists, paths become strings, enums their
    value, dates ISO strings. Non-finite floats stay floats (Python's :mod:`json` writes them as
    ``NaN``/``Infinity`` and reads them back). Instances of the ``keep`` types are left as they
    are (answers keep their estimates until they have been judged).
    """
    if keep and isinstance(value, keep):
        return value
    if value is None or isinstance(value, (bool, int, str)):
        if isinstance(value, enum.Enum):
            return to_jsonable(value.value, keep)
        if isinstance(value, str) and type(value) is not str:
            return str(value)  # numpy.str_ and other str subclasses
        if isinstance(value, int) and type(value) not in (int, bool):
            return int(value)
        return value
    if isinstance(value, float):
        return float(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value, keep)
    package = type(value).__module__.split(".")[0]
    if package == "numpy" and hasattr(value, "tolist"):
        return to_jsonable(value.tolist(), keep)
    if package == "pandas":
        # pandas' own to_json gives text; a DataFrame is its columns, a Series its values,
        # named by its labels unless they are just positions (0, 1, 2, ...).
        if hasattr(value, "columns"):
            return to_jsonable(value.to_dict(orient="list"), keep)
        index = getattr(value, "index", None)
        if index is not None and index.is_unique and not _positions(index):
            return to_jsonable({str(label): item for label, item in value.items()}, keep)
        if hasattr(value, "tolist"):
            return to_jsonable(value.tolist(), keep)
    to_json = getattr(value, "to_json", None)
    if callable(to_json) and not isinstance(value, type):
        return to_jsonable(to_json(), keep)
    if isinstance(value, Mapping):
        result: dict[str, JSONValue] = {}
        for key, item in value.items():
            name = key_name(key)
            if name in result:
                raise NotJSONSafe(f"two dict keys that both read {name!r}")
            result[name] = to_jsonable(item, keep)
        return result
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item, keep) for item in value]
    if isinstance(value, (set, frozenset)):
        return [to_jsonable(item, keep) for item in sorted(value, key=repr)]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    raise NotJSONSafe(f"a {type(value).__module__}.{type(value).__qualname__} value")


def _positions(index: Any) -> bool:
    """Whether a pandas index is just 0, 1, 2, ... (a RangeIndex from 0 in steps of 1)."""
    return type(index).__name__ == "RangeIndex" and index.start == 0 and index.step == 1


def key_name(key: Any) -> str:
    """A dict key as JSON writes it: strings as they are, numbers as their text (``{3: 0.9}``
    becomes ``{"3": 0.9}``, as ``json.dumps`` would); any other key is refused."""
    if isinstance(key, str):
        return key
    if type(key).__module__ == "numpy" and hasattr(key, "item"):
        key = key.item()
    if isinstance(key, (bool, int, float)):
        return json.dumps(key)
    raise NotJSONSafe(
        f"a dict key {key!r} ({type(key).__name__}), which is not a string or a number"
    )


def answer_shape(value: Any) -> Any:
    """An expected value shaped as answers arrive: dict keys as :func:`key_name` writes them,
    tuples as lists, at any depth (other keys and values unchanged)."""
    if isinstance(value, Mapping):
        shaped = {}
        for key, item in value.items():
            try:
                name: Any = key_name(key)
            except NotJSONSafe:
                name = key
            shaped[name] = answer_shape(item)
        return shaped
    if isinstance(value, (list, tuple)):
        return [answer_shape(item) for item in value]
    return value
