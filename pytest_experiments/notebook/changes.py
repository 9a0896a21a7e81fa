"""What changed between two runs: verdicts that flipped, answers that moved, experiments added
or gone.

Answers are compared exactly as journaled (their JSON), so a diff shows every change and hides
none; for the numbers in an answer (plain numbers, estimates, named values) the change is also
given as old → new with its difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_experiments.notebook.answer_values import SCALAR, Number, change_text, numeric_parts
from pytest_experiments.notebook.history import Result, Run


@dataclass(frozen=True)
class Movement:
    """One number of an answer that moved, e.g. ``lr: 0.972 → 0.975 (+0.003)``."""

    name: str
    old: Number
    new: Number

    def text(self) -> str:
        label = f"{self.name}: " if self.name else ""
        estimate = self.old.has_interval or self.new.has_interval
        change = change_text(self.old.value, self.new.value, estimate)
        return f"{label}{self.old.text()} → {self.new.text()} ({change})"


def _answered(result: Result) -> bool:
    return result.answer is not None or result.answer_text is not None


@dataclass(frozen=True)
class Change:
    """An experiment present in both runs whose status or answer differs."""

    old: Result
    new: Result
    movements: tuple[Movement, ...] = ()

    @property
    def nodeid(self) -> str:
        return self.new.nodeid

    @property
    def flipped(self) -> bool:
        return self.old.status != self.new.status

    @property
    def moved(self) -> bool:
        """Both runs answered, and the answers differ as they are shown: a number (or its
        interval) whose printed form changed, a number added or gone, or a part that is no
        number. A move below the printed precision is no move. (A change to or from a
        failure, which has no answer, is a flip, not a move.)"""
        if not (_answered(self.old) and _answered(self.new)):
            return False
        if self.old.answer is None and self.new.answer is None:
            return self.old.answer_text != self.new.answer_text
        before, after = numeric_parts(self.old.answer), numeric_parts(self.new.answer)
        if set(before) != set(after):
            return True
        if any(before[name].text() != after[name].text() for name in after):
            return True
        return bool(_other_parts(self.old.answer, before) != _other_parts(self.new.answer, after))

    def answer_text(self) -> str:
        """How the answer moved: numbers with their change, anything else as old → new text."""
        if self.movements:
            return "; ".join(movement.text() for movement in self.movements)
        return f"{self.old.shown_answer() or '-'} → {self.new.shown_answer() or '-'}"


@dataclass
class RunDiff:
    """The differences between run ``a`` (older) and run ``b``."""

    a: Run
    b: Run
    flipped: list[Change] = field(default_factory=list)
    moved: list[Change] = field(default_factory=list)
    added: list[Result] = field(default_factory=list)
    gone: list[Result] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.flipped or self.moved or self.added or self.gone)


def _other_parts(answer: Any, numbers: dict[str, Number]) -> Any:
    """What of an answer is not among its numbers (a dict's other entries, a text)."""
    if numbers and SCALAR in numbers:
        return None
    if isinstance(answer, Mapping):
        return {key: value for key, value in answer.items() if str(key) not in numbers}
    return answer


def movements(old: Result, new: Result) -> tuple[Movement, ...]:
    """The numbers whose shown form differs between two answers, by name (``""`` for a
    scalar answer)."""
    before = numeric_parts(old.answer)
    after = numeric_parts(new.answer)
    return tuple(
        Movement(name, before[name], after[name])
        for name in after
        if name in before and before[name].text() != after[name].text()
    )


def diff_runs(a: Run, b: Run, old: dict[str, Result], new: dict[str, Result]) -> RunDiff:
    """Compare the results of two runs (each keyed by node id)."""
    diff = RunDiff(a, b)
    for nodeid in sorted(old.keys() | new.keys()):
        if nodeid not in new:
            diff.gone.append(old[nodeid])
            continue
        if nodeid not in old:
            diff.added.append(new[nodeid])
            continue
        change = Change(old[nodeid], new[nodeid], movements(old[nodeid], new[nodeid]))
        if change.flipped:
            diff.flipped.append(change)
        if change.moved:
            diff.moved.append(change)
        if not (change.flipped or change.moved):
            diff.unchanged += 1
    return diff
