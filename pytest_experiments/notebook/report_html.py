"""The knowledge base as one self-contained HTML page: inline CSS, plots as ``data:`` URIs.

Rendered with Jinja2 from ``templates/report.html.j2`` with autoescaping on, so questions,
answers, errors and recorded values (all written by users, or by their data) are shown as text,
never run as markup. Plots come from :mod:`pytest_experiments.notebook.plots` when matplotlib is
installed; without it the page is complete with its tables and says how to get the plots.

Drawing a plot costs about 0.1 s (and importing matplotlib about 0.6 s), so at most
``max_plots`` experiments get one, chosen in the order a reader needs them: verdicts that changed
recently, then refuted and inconclusive ones, then the rest in report order. The page says how
many were left without a plot.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from pytest_experiments import __version__
from pytest_experiments.formatting import number_text
from pytest_experiments.notebook.families import Family
from pytest_experiments.notebook.history import history, timestamp
from pytest_experiments.notebook.plots import OTHER_COLOUR, STATUS_COLOURS, Plotter, points
from pytest_experiments.notebook.report import (
    Entry,
    KnowledgeBase,
    count_text,
    family_counts,
    family_table,
    family_title,
    known_family,
    latest_text,
    summary_text,
)
from pytest_experiments.tuning.results import is_tuning, trial_rows

INSTALL_HINT = "pip install 'pytest-experiments[report]'"


class ReportError(Exception):
    """The HTML report cannot be made; the message says what to install or change."""


@dataclass
class Section:
    """One experiment as the template shows it."""

    anchor: str
    entry: Entry
    plot: str | None = None
    #: A tuning result's trials (best first) and their plot.
    trials: list[dict[str, Any]] | None = None
    trials_plot: str | None = None
    #: The variants of a parametrized experiment, shown as one table (``entry`` is the first).
    family: Family[Entry] | None = None

    @property
    def entries(self) -> list[Entry]:
        if self.family is None:
            return [self.entry]
        return [variant.item for variant in self.family.variants]

    @property
    def title(self) -> str:
        return self.entry.title if self.family is None else family_title(self.family)

    @property
    def expectation(self) -> str | None:
        expectations = {entry.current.expectation for entry in self.entries}
        return expectations.pop() if len(expectations) == 1 else None

    def table(self) -> tuple[list[str], list[list[str]], list[int]]:
        """The family's table: header, rows, right-aligned columns."""
        assert self.family is not None
        return family_table(known_family(self.family))

    def verdicts(self) -> list[tuple[str, int]]:
        if self.family is None:
            return [(self.entry.current.status, 1)]
        return list(family_counts(self.family).items())

    def shares(self) -> str:
        return ", ".join(dict.fromkeys(_share(entry) for entry in self.entries))

    def run_ids(self) -> str:
        return ", ".join(str(run) for run in sorted({e.current.run_id for e in self.entries}))

    @property
    def trial_columns(self) -> list[str]:
        names = {name for row in self.trials or () for name in row}
        return [*sorted(names - {"score", "rows", "seconds"}), "score", "rows", "seconds"]


def _share(entry: Entry) -> str:
    current = entry.current
    return "not sampled" if not current.uses_fraction else current.sample_text().split(" ")[0]


def _priority(section: Section) -> int:
    if any(entry.flips for entry in section.entries):
        return 0
    if any(entry.current.status in ("refuted", "inconclusive") for entry in section.entries):
        return 1
    return 2


def _plots(
    connection: sqlite3.Connection, sections: list[Section], max_plots: int
) -> tuple[bool, int]:
    """Attach plots to the sections that get one; returns (matplotlib found, plots skipped)."""
    if max_plots <= 0:
        return True, 0
    try:
        plotter = Plotter()
    except ImportError:
        return False, 0
    drawn = 0
    skipped = 0
    for section in sorted(sections, key=_priority):
        if section.family is not None:
            axis = section.family.axis()
            if axis is None or sum(1 for entry in section.entries if points([entry.current])) < 2:
                continue
            if drawn >= max_plots:
                skipped += 1
                continue
            section.plot = plotter.plot_family(
                axis,
                [entry.current for entry in section.entries],
                section.expectation,
                label=f"parameter of {section.family.name}",
            )
            drawn += section.plot is not None
            continue
        # A plot needs two numbers at least; the recent history tells cheaply whether to look.
        if sum(1 for result in section.entry.history if points([result])) < 2:
            continue
        if drawn >= max_plots:
            skipped += 1
            continue
        section.plot = plotter.plot(
            points(history(connection, section.entry.nodeid)), section.entry.current.expectation
        )
        drawn += section.plot is not None
    for section in sections:
        if section.trials is not None:
            section.trials_plot = plotter.plot_trials(section.entry.current.answer)
    return True, skipped


def render_html(kb: KnowledgeBase, connection: sqlite3.Connection, max_plots: int = 20) -> str:
    """The report page; :class:`ReportError` if Jinja2 is missing."""
    try:
        import jinja2
    except ImportError:
        raise ReportError(
            f"report --html needs Jinja2, which is not installed; {INSTALL_HINT} "
            "(or leave out --html for the Markdown report)"
        ) from None
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("pytest_experiments.notebook", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    sections = []
    for index, item in enumerate(kb.grouped(), start=1):
        if isinstance(item, Family):
            sections.append(Section(f"e{index}", item.variants[0].item, family=item))
        else:
            sections.append(Section(f"e{index}", item))
    for section in sections:
        if section.family is None and is_tuning(section.entry.current.answer):
            section.trials = trial_rows(section.entry.current.answer)
    matplotlib_found, plots_skipped = _plots(connection, sections, max_plots)
    anchors = {entry.nodeid: section.anchor for section in sections for entry in section.entries}
    titles = {entry.nodeid: entry.title for section in sections for entry in section.entries}
    context: dict[str, Any] = {
        "kb": kb,
        "sections": sections,
        "anchors": anchors,
        "titles": titles,
        "counts": kb.counts(),
        "summary": summary_text(kb),
        "latest": latest_text(kb),
        "generated": timestamp(kb.generated),
        "timestamp": timestamp,
        "count_text": count_text,
        "number": number_text,
        "colours": STATUS_COLOURS,
        "other_colour": OTHER_COLOUR,
        "matplotlib_found": matplotlib_found,
        "plots_skipped": plots_skipped,
        "max_plots": max_plots,
        "install_hint": INSTALL_HINT,
        "version": __version__,
    }
    return environment.get_template("report.html.j2").render(context)
