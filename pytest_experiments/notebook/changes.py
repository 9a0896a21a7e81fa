"""What changed between two runs: verdicts that flipped, answers that moved, experiments added
or gone.

Answers are compared exactly as journaled (their JSON), so a diff shows every change and hides
none; for the numbers in an answer (plain numbers, estimates, named values) the change is also
given as old → new with its difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_experiments.notebook.answer_values import Number, change_text, numeric_parts
from pytest_experiments.notebook.history import Result, Run


@dataclass(frozen=True)
class Movement:
    """One number of an answer that moved, e.g. ``lr: 0.972 → 0.975 (+0.003)``."""

    name: str
    old: Number
    new: Number

    def text(self) -> str:
        label = f"{self.name}: " if self.name else ""
        change = change_text(self.old.value, self.new.value)
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
        """Both runs answered, and the answers differ. (A change to or from a failure, which has
        no answer, is a flip, not a move.)"""
        if not (_answered(self.old) and _answered(self.new)):
            return False
        return self.old.answer != self.new.answer or self.old.answer_text != self.new.answer_text

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


def movements(old: Result, new: Result) -> tuple[Movement, ...]:
    """The numbers that differ between two answers, by name (``""`` for a scalar answer)."""
    before = numeric_parts(old.answer)
    after = numeric_parts(new.answer)
    return tuple(
        Movement(name, before[name], after[name])
        for name in after
        if name in before and before[name] != after[name]
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
