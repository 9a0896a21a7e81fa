"""An experiment's result: the JSON-safe record that travels on pytest's report.

It is attached to the test report of the phase that ends the experiment (``call``, or ``setup``
when a marker is malformed), so it survives pytest-xdist's report serialisation and reaches the
controller, the terminal summary, junitxml and, later, the journal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

from pytest_experiments.running.answers import format_value
from pytest_experiments.settings import format_fraction

#: Attribute of ``pytest.TestReport`` that carries :meth:`ExperimentResult.to_json`.
REPORT_ATTRIBUTE = "experiment"

#: Attribute of an experiment's passing ``setup`` report, carrying what is known of it before it
#: runs (``ExperimentResult.to_json()`` at setup), so that the controller can describe it if
#: its process dies during the call.
STARTED_ATTRIBUTE = "experiment_started"

#: Every status an experiment can end with: a verdict, ``answered`` (no expectation), or the
#: pytest outcomes that mean the experiment itself went wrong, or ``crashed``: its process died
#: while it ran (a timeout, a kill, a crash in native code).
STATUSES = (
    "confirmed",
    "refuted",
    "inconclusive",
    "answered",
    "failed",
    "error",
    "skipped",
    "crashed",
)


@dataclass
class ExperimentResult:
    """What one experiment found, in JSON-safe fields."""

    nodeid: str
    index: int
    question: str | None
    expectation: str | None
    fraction: float
    seed: int
    status: str = "error"
    answer: Any = None
    answer_text: str | None = None
    rows: int | None = None
    total_rows: int | None = None
    record: dict[str, Any] = field(default_factory=dict)
    duration: float = 0.0
    error: str | None = None
    auto: bool = False
    looks: int = 1
    level: float | None = None
    p_value: float | None = None
    note: str | None = None
    #: Hash of the experiment's inputs (``reuse.fingerprint``); equal fingerprints, equal answer.
    fingerprint: str | None = None
    #: The fingerprint without the share of the data and the seed: equal for every look at
    #: the same code and claim (what the knowledge base weighs evidence by).
    claim: str | None = None
    #: With ``--reuse``: the id of the run whose journaled answer this result repeats.
    reused_from: int | None = None
    #: With ``--reuse``: the uid of that run, which names it in any journal (ids are local).
    reused_from_run: str | None = None
    #: Marked ``xfail``: its refutation was expected (reported as pytest's XFAIL).
    expected_to_fail: bool = False
    #: ``exp.tune``'s finished units of work (key -> scores), kept so a rerun resumes.
    trials_cache: dict[str, Any] | None = None
    #: Whether the answer depended on the share of the data (the experiment sampled or read
    #: ``exp.fraction``); one that did not answered on all its data.
    uses_fraction: bool = True
    #: Seconds of each look and of its checks: ``[fraction, look, checks]`` per look.
    look_seconds: list[list[float]] = field(default_factory=list)
    #: Why ``--sample auto`` took no smaller look, when their cost ruled them out: "untimed"
    #: (no timing on all the data in the journal), "quick" (under a second there) or "dear".
    straight: str | None = None

    def to_json(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies every value through copy.deepcopy, a third of
        # the plugin's own time on a trivial experiment; the fields hold JSON values only.
        return {name: _copied(getattr(self, name)) for name in _FIELDS}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExperimentResult:
        return cls(**data)

    @property
    def verdict(self) -> str | None:
        return self.status if self.status in ("confirmed", "refuted", "inconclusive") else None

    def sample_text(self) -> str:
        """``10% (100/178 rows)``, ``full data (178 rows)``, or for ``--sample auto``
        ``at 12.5% (2,240/17,920 rows), 3 looks``."""
        share = "full data" if self.fraction >= 1.0 else format_fraction(self.fraction)
        if not self.uses_fraction:
            text = "not sampled"
        elif self.rows is None or self.total_rows is None:
            text = share
        elif self.rows >= self.total_rows:
            text = f"{share} ({self.total_rows:,} rows)"
        elif self.rows > math.ceil(round(self.fraction * self.total_rows, 9)) + 1:
            # the min_rows floor (or stratification) took more than the fraction asked for
            used = format_fraction(self.rows / self.total_rows)
            text = f"{share} ({self.rows:,}/{self.total_rows:,} rows = {used})"
        else:
            text = f"{share} ({self.rows:,}/{self.total_rows:,} rows)"
        if self.auto:
            looks = "1 look" if self.looks == 1 else f"{self.looks} looks"
            return f"{text}, {looks}" if not self.uses_fraction else f"at {text}, {looks}"
        return text

    def details(self) -> str:
        """The block shown for a refuted or inconclusive experiment instead of a traceback."""
        lines = [
            f"question:    {self.question or '(none)'}",
            f"expected:    {self.expectation}",
            f"answer:      {self.answer_text}",
            f"sample:      {self.sample_text()}, seed {self.seed}",
        ]
        if self.level is not None and self.p_value is not None:
            lines.append(f"level:       {self.level:.4g} (p = {self.p_value:.3g})")
        if self.record:
            lines.append(f"recorded:    {format_value(self.record)}")
        if self.note:
            lines.append(f"why:         {self.note}")
        if self.error:
            lines.append(f"note:        {self.error}")
        return "\n".join(lines)


_FIELDS = tuple(item.name for item in fields(ExperimentResult))


def _copied(value: Any) -> Any:
    """A copy of a JSON value's containers (the leaves are immutable)."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value
