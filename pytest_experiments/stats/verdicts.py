"""Verdicts: what an answer says about an expectation, in three-valued (Kleene) logic.

An expectation over an exact answer is either ``confirmed`` or ``refuted``. Answers that carry
uncertainty (an estimate with an interval) can also leave the question open: ``inconclusive``.
Combining verdicts with ``and``/``or``/``not`` follows Kleene's strong three-valued logic
(S. C. Kleene, *Introduction to Metamathematics*, 1952, §64): ``and`` is the minimum and ``or``
the maximum under refuted < inconclusive < confirmed, and ``not`` swaps the two decisive values.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Verdict(enum.Enum):
    """The outcome of comparing an answer with an expectation."""

    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"
    CONFIRMED = "confirmed"

    @classmethod
    def of(cls, holds: bool) -> Verdict:
        """The decisive verdict for a plain truth value."""
        return cls.CONFIRMED if holds else cls.REFUTED

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def decisive(self) -> bool:
        return self is not Verdict.INCONCLUSIVE

    def negate(self) -> Verdict:
        """Kleene negation: swaps confirmed and refuted, keeps inconclusive."""
        if self is Verdict.CONFIRMED:
            return Verdict.REFUTED
        if self is Verdict.REFUTED:
            return Verdict.CONFIRMED
        return self

    def __str__(self) -> str:
        return self.value


_RANK = {Verdict.REFUTED: 0, Verdict.INCONCLUSIVE: 1, Verdict.CONFIRMED: 2}


def all_of(verdicts: Iterable[Verdict]) -> Verdict:
    """Kleene conjunction; ``all_of([])`` is confirmed, like ``all([])``."""
    return min(verdicts, key=_RANK.__getitem__, default=Verdict.CONFIRMED)


def any_of(verdicts: Iterable[Verdict]) -> Verdict:
    """Kleene disjunction; ``any_of([])`` is refuted, like ``any([])``."""
    return max(verdicts, key=_RANK.__getitem__, default=Verdict.REFUTED)
