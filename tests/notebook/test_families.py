"""Families: the variants of one parametrized experiment found from node ids, sorted
naturally, gathered into one entry."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pytest_experiments.notebook.families import as_family, group, parameter_parts


@dataclass(frozen=True)
class Item:
    nodeid: str


@pytest.mark.parametrize(
    ("ident", "parts"),
    [
        ("1", ["1"]),
        ("-1", ["-1"]),
        ("1--1", ["1", "-1"]),
        ("1e-05", ["1e-05"]),
        ("svc-0.1", ["svc", "0.1"]),
        ("a--b", ["a", "-b"]),
        ("10-1e-05-x", ["10", "1e-05", "x"]),
        ("", [""]),
    ],
)
def test_parameter_ids_split_as_pytest_joined_them(ident: str, parts: list[str]) -> None:
    assert parameter_parts(ident) == parts


def test_variants_sort_naturally_numbers_as_numbers_before_words() -> None:
    ids = ["25", "3", "-1", "1e-05", "nan", "knn", "10"]
    family = as_family([Item(f"t.py::exp_k[{ident}]") for ident in ids])
    assert family is not None
    assert [variant.params[0] for variant in family.variants] == [
        "-1",
        "1e-05",
        "3",
        "10",
        "25",
        "knn",
        "nan",
    ]
    assert family.axis() is None  # words among the ids: no numeric axis
    numeric = as_family([Item(f"t.py::exp_k[{ident}]") for ident in ("25", "3", "10")])
    assert numeric is not None and numeric.axis() == [3.0, 10.0, 25.0]


def test_two_parameters_are_two_columns_and_no_axis() -> None:
    family = as_family([Item("t.py::exp_k[1-svc]"), Item("t.py::exp_k[10-knn]")])
    assert family is not None
    assert family.columns() == ["param 1", "param 2"] and family.numeric_columns() == [0]
    assert family.axis() is None


def test_group_gathers_families_where_their_first_variant_stood() -> None:
    items = [
        Item("a.py::exp_alone"),
        Item("a.py::exp_k[3]"),
        Item("a.py::exp_single[only]"),
        Item("a.py::exp_k[1]"),
        Item("b.py::exp_k[1]"),  # another module's exp_k: not the same family
    ]
    grouped = group(items)
    assert grouped[0] == items[0]
    family = grouped[1]
    assert not isinstance(family, Item)
    assert family.base == "a.py::exp_k" and [v.params for v in family.variants] == [["1"], ["3"]]
    assert grouped[2:] == [items[2], items[4]]
    assert as_family([items[0], items[1]]) is None
    assert as_family([items[1]]) is None
