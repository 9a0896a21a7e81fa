"""Unit and property tests for JSON-safe values (``jsonsafe.py``) and answers (``answers.py``).

Plain function calls, no pytester.
"""

from __future__ import annotations

import datetime
import enum
import json
import math
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_experiments.errors import AnswerError
from pytest_experiments.jsonsafe import NotJSONSafe, to_jsonable
from pytest_experiments.running.answers import format_value, normalize_answer

PLAIN_TYPES = (dict, list, str, int, float, bool, type(None))


def assert_plain(value: Any) -> None:
    """Only exact JSON types, recursively (no numpy scalars, tuples or subclasses)."""
    assert type(value) in PLAIN_TYPES, f"{value!r} is a {type(value).__name__}"
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            assert_plain(item)
    elif isinstance(value, list):
        for item in value:
            assert_plain(item)


def round_trip(value: Any) -> Any:
    return json.loads(json.dumps(value))


class Colour(enum.Enum):
    RED = "red"
    BLUE = 2


class Level(enum.IntEnum):
    LOW = 1


class Mode(str, enum.Enum):
    FAST = "fast"


class Nested(enum.Enum):
    PAIR = (1, 2)


class Bad(enum.Enum):
    OBJ = object()


class Point:
    def __init__(self, x: int) -> None:
        self.x = x

    def to_json(self) -> dict[str, Any]:
        return {"x": np.int64(self.x)}


# --- numpy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "kind"),
    [
        (np.int64(3), 3, int),
        (np.int32(-7), -7, int),
        (np.uint8(255), 255, int),
        (np.float64(0.5), 0.5, float),
        (np.float32(0.25), 0.25, float),
        (np.bool_(True), True, bool),
        (np.bool_(False), False, bool),
        (np.array(4), 4, int),
        (np.array(2.5, dtype=np.float32), 2.5, float),
        (np.array(True), True, bool),
    ],
)
def test_numpy_scalars_and_0d_arrays_become_python_scalars(
    value: Any, expected: Any, kind: type
) -> None:
    result = to_jsonable(value)
    assert type(result) is kind
    assert result == expected


def test_float32_keeps_its_float32_value() -> None:
    result = to_jsonable(np.float32(0.1))
    assert type(result) is float
    assert result == float(np.float32(0.1))
    assert np.float32(result) == np.float32(0.1)


def test_numpy_arrays_become_nested_lists() -> None:
    matrix = np.arange(6, dtype=np.int64).reshape(2, 3)
    assert to_jsonable(matrix) == [[0, 1, 2], [3, 4, 5]]
    assert_plain(to_jsonable(matrix))
    assert to_jsonable(np.array([True, False])) == [True, False]
    assert to_jsonable(np.zeros((2, 0))) == [[], []]
    assert to_jsonable(np.array([0.5, np.nan]))[0] == 0.5
    assert math.isnan(to_jsonable(np.array([0.5, np.nan]))[1])
    assert to_jsonable(np.array(["a", "b"])) == ["a", "b"]


def test_numpy_inside_containers() -> None:
    value = {"acc": np.float64(0.9), "n": np.int64(3), "cm": np.eye(2, dtype=int), "ok": np.True_}
    result = to_jsonable(value)
    assert result == {"acc": 0.9, "n": 3, "cm": [[1, 0], [0, 1]], "ok": True}
    assert_plain(result)
    assert round_trip(result) == result


def test_numpy_object_arrays_are_checked_element_by_element() -> None:
    assert to_jsonable(np.array([1, "a"], dtype=object)) == [1, "a"]
    with pytest.raises(NotJSONSafe, match=r"builtins\.object"):
        to_jsonable(np.array([object()], dtype=object))


# --- other types -------------------------------------------------------------------------


def test_paths_become_strings() -> None:
    assert to_jsonable(Path("/data/x.csv")) == "/data/x.csv"
    assert to_jsonable(PurePosixPath("a/b")) == "a/b"
    assert to_jsonable({"file": Path("out") / "m.pkl"}) == {"file": str(Path("out") / "m.pkl")}


def test_enums_become_their_values() -> None:
    assert to_jsonable(Colour.RED) == "red"
    assert to_jsonable(Colour.BLUE) == 2
    result = to_jsonable(Level.LOW)
    assert result == 1 and type(result) is int
    result = to_jsonable(Mode.FAST)
    assert result == "fast" and type(result) is str
    assert to_jsonable(Nested.PAIR) == [1, 2]
    with pytest.raises(NotJSONSafe):
        to_jsonable(Bad.OBJ)


def test_dates_become_iso_strings() -> None:
    assert to_jsonable(datetime.date(2024, 1, 31)) == "2024-01-31"
    assert to_jsonable(datetime.datetime(2024, 1, 31, 12, 30)) == "2024-01-31T12:30:00"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float64("nan"), np.inf])
def test_non_finite_floats_stay_floats_and_round_trip(value: float) -> None:
    result = to_jsonable(value)
    assert type(result) is float
    back = round_trip(result)
    if math.isnan(value):
        assert math.isnan(back)
    else:
        assert back == value


def test_nested_tuples_lists_and_dicts() -> None:
    value = {"a": (1, [2, (3, {"b": (4,)})]), "c": [], "d": {}}
    result = to_jsonable(value)
    assert result == {"a": [1, [2, [3, {"b": [4]}]]], "c": [], "d": {}}
    assert_plain(result)
    assert round_trip(result) == result


def test_sets_become_lists_in_a_stable_order() -> None:
    result = to_jsonable({3, 1, 2})
    assert type(result) is list and sorted(result) == [1, 2, 3]
    assert result == to_jsonable({2, 3, 1})
    assert sorted(to_jsonable(frozenset({"b", "a"}))) == ["a", "b"]
    mixed = to_jsonable({1, "a"})  # sorted by repr, which never compares int with str
    assert mixed == ["a", 1]  # repr "'a'" sorts before "1"
    assert to_jsonable({"a", 1}) == mixed


def test_objects_with_to_json() -> None:
    assert to_jsonable(Point(4)) == {"x": 4}
    assert_plain(to_jsonable(Point(4)))
    assert to_jsonable([Point(1), Point(2)]) == [{"x": 1}, {"x": 2}]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (object(), "builtins.object"),
        (b"bytes", "builtins.bytes"),
        (1 + 2j, "builtins.complex"),
        ({"a": object()}, "builtins.object"),
        ([1, [2, object()]], "builtins.object"),
        ({("a", "b"): 1}, "a dict key ('a', 'b') (tuple), which is not a string or a number"),
        ({1: "a", "1": "b"}, "two dict keys that both read '1'"),
        (Point, "builtins.type"),
        (lambda: 1, "function"),
        (datetime.timedelta(1), "datetime.timedelta"),
    ],
)
def test_unsupported_values_raise(value: Any, fragment: str) -> None:
    with pytest.raises(NotJSONSafe) as info:
        to_jsonable(value)
    assert fragment in str(info.value)
    assert isinstance(info.value, TypeError)


def test_pandas_objects_are_not_silently_turned_into_json_text() -> None:
    # pandas objects have a ``to_json`` method that returns a JSON *string*; an answer that is a
    # Series must not arrive as the text '{"0":1,"1":2}'. A Series is its values named by its
    # labels (so 'x > 0' can name them), a list when its labels are only positions; a
    # DataFrame is its columns.
    series = to_jsonable(pd.Series([1, 2], index=["x", "y"]))
    assert series == {"x": 1, "y": 2}
    assert to_jsonable(pd.Series([1, 2])) == [1, 2]
    assert to_jsonable(pd.Series([3, 4], index=[0, 0])) == [3, 4]  # repeated labels
    assert to_jsonable(pd.Series([5], index=[7])) == {"7": 5}
    frame = to_jsonable(pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5]}))
    assert frame == {"a": [1, 2], "b": [0.5, 1.5]}
    assert_plain(series)
    assert_plain(frame)


# --- properties ------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=10),
    st.integers(-(2**31), 2**31 - 1).map(np.int64),
    st.floats(width=32, allow_nan=False).map(np.float32),
    st.floats(allow_nan=False).map(np.float64),
    st.booleans().map(np.bool_),
    st.sampled_from([Colour.RED, Colour.BLUE, Level.LOW, Mode.FAST]),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=5), children, max_size=4),
        st.lists(st.integers(-50, 50), max_size=4).map(lambda xs: np.array(xs, dtype=np.int64)),
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(values)
def test_to_jsonable_is_plain_idempotent_and_round_trips(value: Any) -> None:
    result = to_jsonable(value)
    assert_plain(result)
    assert to_jsonable(result) == result
    assert round_trip(result) == result
    if value is not None:
        assert normalize_answer(value) == result


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(allow_nan=False, width=64), min_size=0, max_size=20))
def test_float_arrays_keep_every_value(xs: list[float]) -> None:
    result = to_jsonable(np.array(xs, dtype=np.float64))
    assert result == xs
    assert round_trip(result) == xs


# --- normalize_answer ------------------------------------------------------------------------


def test_normalize_answer_accepts_values() -> None:
    assert normalize_answer(np.float64(0.93)) == 0.93
    assert normalize_answer({"acc": np.float32(0.5), "best": "svc"}) == {"acc": 0.5, "best": "svc"}
    assert normalize_answer((1, 2)) == [1, 2]
    assert normalize_answer(False) is False
    assert normalize_answer(0) == 0


def test_normalize_answer_accepts_callables_with_to_json() -> None:
    class CallablePoint(Point):
        def __call__(self) -> None:
            return None

    assert normalize_answer(CallablePoint(5)) == {"x": 5}


def test_normalize_answer_rejects_none() -> None:
    with pytest.raises(AnswerError, match=r"^returned no answer; return the value"):
        normalize_answer(None)


def helper() -> float:
    return 0.9


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (helper, "the function helper"),
        (lambda: 1, "the function <lambda>"),
        (print, "the function print"),
        (Point, "the class Point"),
        (int, "the class int"),
    ],
    ids=["def", "lambda", "builtin", "class", "int"],
)
def test_normalize_answer_rejects_functions_and_classes(value: Any, shown: str) -> None:
    with pytest.raises(AnswerError, match="not a function or class") as info:
        normalize_answer(value)
    assert str(info.value).startswith(f"returned {shown}; return the value")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (object(), "containing a builtins.object value"),
        ({"model": object()}, "containing a builtins.object value"),
        ({(1, 2): 0.5}, "containing a dict key (1, 2) (tuple), which is not a string or a number"),
        (b"x", "builtins.bytes"),
    ],
)
def test_normalize_answer_rejects_objects(value: Any, fragment: str) -> None:
    with pytest.raises(AnswerError, match="return numbers, strings, bools") as info:
        normalize_answer(value)
    assert fragment in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


# --- format_value ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.934567, "0.9346"),
        (0.5, "0.5"),
        (1234567.0, "1.235e+06"),
        (1e-7, "1e-07"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (3, "3"),
        (10**20, "100000000000000000000"),
        (True, "True"),
        (False, "False"),
        (None, "None"),
        ("svc", "'svc'"),
        ({"acc": 0.912345, "best": "svc"}, "acc=0.9123, best='svc'"),
        ({}, ""),
        ([1, 0.333333, "a"], "[1, 0.3333, 'a']"),
        ((1, 2), "[1, 2]"),
        (list(range(8)), "[0, 1, 2, 3, 4, 5, 6, 7]"),
        (list(range(9)), "[0, 1, 2, 3, 4, 5, 6, 7, ...]"),
        ({"cm": [[1, 2], [3, 4]]}, "cm=[[1, 2], [3, 4]]"),
        (Path("x"), "x"),
    ],
)
def test_format_value(value: Any, shown: str) -> None:
    assert format_value(value) == shown


def test_number_keys_become_their_json_text() -> None:
    # {k: score for k in (1, 3, 5)} is a natural answer; JSON writes its keys as text
    assert to_jsonable({1: 0.5, 3: 0.7}) == {"1": 0.5, "3": 0.7}
    assert to_jsonable({np.int64(5): 1, True: 2, 0.5: 3}) == {"5": 1, "true": 2, "0.5": 3}
