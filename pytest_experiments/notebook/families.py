"""Families: the variants of one parametrized experiment (``exp_k[1]``, ``exp_k[3]``, …) read as
one entry, so that the comparison a researcher parametrized for is one table.

A family is found from node ids alone: two or more experiments whose ids are one function's id
followed by ``[...]``. The parameter ids (pytest joins several parameters' ids with ``-``) are
the family's columns; they sort naturally (numbers as numbers, ``2`` before ``10``, then words).
When a family has a single parameter and every variant's id is a number, the parameter is a
numeric axis the report can plot the answer against.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class HasNodeid(Protocol):
    @property
    def nodeid(self) -> str: ...


T = TypeVar("T")
N = TypeVar("N", bound=HasNodeid)


def split_nodeid(nodeid: str) -> tuple[str, str] | None:
    """``("t.py::exp_k", "3")`` for ``t.py::exp_k[3]``; None for an id without parameters."""
    if not nodeid.endswith("]") or "[" not in nodeid:
        return None
    base, _, ident = nodeid[:-1].partition("[")
    return base, ident


def natural_key(part: str) -> tuple[int, float, str]:
    """Sort key of one parameter id: numbers as numbers, before words."""
    try:
        number = float(part)
    except ValueError:
        return (1, 0.0, part)
    if math.isnan(number):
        return (1, 0.0, part)
    return (0, number, part)


def parameter_parts(ident: str) -> list[str]:
    """The parameter ids of one variant, as pytest joined them with ``-``; a minus sign that
    starts a number (``-1``, ``1--1``) or an exponent (``1e-05``) stays with its number."""
    pieces = ident.split("-")
    parts: list[str] = []
    negative = False
    for index, piece in enumerate(pieces):
        if piece == "" and index < len(pieces) - 1:
            negative = True  # "-1" or "a--1": the next piece is negative
            continue
        if negative:
            parts.append("-" + piece)
            negative = False
        elif parts and parts[-1][-1:] in ("e", "E") and _is_number(f"{parts[-1]}-{piece}"):
            parts[-1] += "-" + piece
        else:
            parts.append(piece)
    return parts


def _is_number(text: str) -> bool:
    return natural_key(text)[0] == 0


@dataclass(frozen=True)
class Variant(Generic[T]):
    """One member of a family: its parameter ids and the item it stands for."""

    params: list[str]
    item: T


@dataclass(frozen=True)
class Family(Generic[T]):
    """The variants of one parametrized experiment, sorted naturally by their parameters."""

    base: str
    variants: list[Variant[T]]

    @property
    def width(self) -> int:
        """How many parameter columns the family's table has."""
        return max(len(variant.params) for variant in self.variants)

    @property
    def name(self) -> str:
        """The function's name, without its module path."""
        return self.base.rsplit("::", 1)[-1]

    def columns(self) -> list[str]:
        return ["param"] if self.width == 1 else [f"param {k}" for k in range(1, self.width + 1)]

    def cells(self, variant: Variant[T]) -> list[str]:
        """The variant's parameter ids, padded to the family's width."""
        return variant.params + [""] * (self.width - len(variant.params))

    def numeric_columns(self) -> list[int]:
        """The parameter columns whose every id is a number (right-aligned in tables)."""
        return [
            index
            for index in range(self.width)
            if all(_is_number(part) for part in (self.cells(v)[index] for v in self.variants))
        ]

    def axis(self) -> list[float] | None:
        """The variants' parameter as numbers, when the family has one numeric parameter."""
        if self.width != 1 or self.numeric_columns() != [0]:
            return None
        return [float(variant.params[0]) for variant in self.variants]


def family_of(base: str, items: Iterable[N]) -> Family[N]:
    """The family of ``items`` (all variants of ``base``), sorted naturally."""
    variants = []
    for item in items:
        split = split_nodeid(item.nodeid)
        ident = split[1] if split is not None else ""
        variants.append(Variant(parameter_parts(ident), item))
    variants.sort(key=lambda variant: [natural_key(part) for part in variant.params])
    return Family(base, variants)


def as_family(items: Sequence[N]) -> Family[N] | None:
    """The family ``items`` form when they are two or more variants of one experiment."""
    if len(items) < 2:
        return None
    splits = [split_nodeid(item.nodeid) for item in items]
    bases = {split[0] for split in splits if split is not None}
    if len(bases) != 1 or any(split is None for split in splits):
        return None
    return family_of(bases.pop(), items)


def group(items: Sequence[N]) -> list[N | Family[N]]:
    """``items`` with the variants of each parametrized experiment gathered into one
    :class:`Family` where the first of them stood; an experiment with a single variant stays
    itself."""
    members: dict[str, list[N]] = {}
    for item in items:
        split = split_nodeid(item.nodeid)
        if split is not None:
            members.setdefault(split[0], []).append(item)
    grouped: list[N | Family[N]] = []
    placed: set[str] = set()
    for item in items:
        split = split_nodeid(item.nodeid)
        if split is None or len(members[split[0]]) < 2:
            grouped.append(item)
        elif split[0] not in placed:
            placed.add(split[0])
            grouped.append(family_of(split[0], members[split[0]]))
    return grouped
