"""The journal's side of tuning: the trials a search finished (so a rerun resumes), and the
newest result of a tuning experiment (``exp.tuned``, ``exp.narrowed``).

A search's finished units of work are kept in the row written when the experiment started
(:meth:`~pytest_experiments.notebook.journal.Journal.keep_trials`) as each one finishes: a run
killed mid-search leaves them, and its result, when it comes, carries them all
(``trials_cache`` in its data). The next run on the same inputs reads them back from every
earlier result of the experiment, newest first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any, Protocol

from pytest_experiments.errors import ExperimentError
from pytest_experiments.notebook.journal import Journal, JournalError
from pytest_experiments.tuning.results import TUNING_KIND, is_tuning


class RunWriter(Protocol):
    """What of :class:`~pytest_experiments.notebook.recording.RunWriter` this needs."""

    def journal(self) -> Journal: ...

    def start(self) -> int: ...


#: Seconds between two writes of a search's trials to the journal (0: after every unit, so a
#: killed search loses none).
KEEP_EVERY = 0.0

#: How long ``exp.tuned`` waits for a tuning experiment running elsewhere in this run (under
#: xdist) before it takes the newest earlier result.
WAIT_FOR_TUNING = 3600.0


class JournalTrials:
    """A :class:`~pytest_experiments.tuning.search.TrialCache` on the journal."""

    def __init__(self, writer: RunWriter, nodeid: str, errors: list[str]) -> None:
        self.writer, self.nodeid, self.errors = writer, nodeid, errors
        self._known: dict[str, dict[str, Any]] | None = None
        self.mine: dict[str, dict[str, Any]] = {}
        self._kept = 0.0

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._known is None:
            self._known = {}
            try:
                for row in reversed(self.writer.journal().history(self.nodeid, limit=50)):
                    cache = row.data.get("trials_cache") if isinstance(row.data, dict) else None
                    if isinstance(cache, dict):
                        self._known.update(cache)
            except JournalError as error:
                self.errors.append(str(error))
        return self._known

    def get(self, key: str) -> dict[str, Any] | None:
        found = self._load().get(key)
        if found is not None:
            self.mine[key] = found
        return found

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._load()[key] = value
        self.mine[key] = value
        if time.monotonic() - self._kept >= KEEP_EVERY:
            self.keep()

    def keep(self) -> None:
        self._kept = time.monotonic()
        try:
            self.writer.journal().keep_trials(self.writer.start(), self.nodeid, self.mine)
        except JournalError as error:
            self.errors.append(str(error))

    def entries(self) -> dict[str, dict[str, Any]]:
        return dict(self.mine)


def tuning_lookup(
    writer: RunWriter, selected: Collection[str], errors: list[str]
) -> Callable[[str], dict[str, Any]]:
    """``exp.tuned``'s lookup: the newest tuning result of the one experiment ``query`` names.

    When that experiment is part of this run (``selected``) and has not finished yet (it runs
    on another xdist worker), wait for its result, up to :data:`WAIT_FOR_TUNING`.
    """

    def lookup(query: str) -> dict[str, Any]:
        try:
            journal = writer.journal()
            known = _tuning_nodeids(journal)
        except JournalError as error:
            raise ExperimentError(
                f"exp.tuned({query!r}) cannot read the journal: {error}"
            ) from None
        candidates = sorted(_matching(query, known | set(selected)))
        if not candidates:
            raise ExperimentError(
                f"exp.tuned({query!r}): no tuning experiment of that name in the journal or this "
                f"run; run it first (pytest -k {query})"
            )
        if len(candidates) > 1:
            shown = ", ".join(candidates[:5])
            raise ExperimentError(
                f"exp.tuned({query!r}) matches {len(candidates)} experiments ({shown}); name one"
            )
        (nodeid,) = candidates
        deadline = time.monotonic() + WAIT_FOR_TUNING
        run_id = writer.start()
        while True:
            rows = journal.history(nodeid, limit=20)
            in_run = [row for row in rows if row.run_id == run_id]
            finished = [row for row in in_run if not _started_only(row)]
            if nodeid not in selected or finished or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        for row in rows:
            if is_tuning(row.answer) and row.status not in ("error", "failed", "crashed"):
                return dict(row.answer)
        raise ExperimentError(
            f"exp.tuned({query!r}): {nodeid} has no finished tuning result in the journal; run "
            f"it first (pytest -k {nodeid.rsplit('::', 1)[-1]})"
        )

    return lookup


def _tuning_nodeids(journal: Journal) -> set[str]:
    return set(journal.nodeids_answering(f'"kind": "{TUNING_KIND}"'))


def _matching(query: str, nodeids: set[str]) -> set[str]:
    exact = {nodeid for nodeid in nodeids if nodeid == query or nodeid.endswith("::" + query)}
    return exact or {nodeid for nodeid in nodeids if query in nodeid}


def _started_only(row: Any) -> bool:
    return row.status == "crashed" and str(row.error or "").startswith("started")
