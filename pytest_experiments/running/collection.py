"""What collecting an experiment item makes of it: its state, or the one-line error that
stands in for its run.

A plain test that carries an experiment marker, an async experiment and a research script
named ``exp_*.py`` that exits at import are all definition errors reported for that item or
file, never an INTERNALERROR.
"""

from __future__ import annotations

import fnmatch
import functools
import inspect
from pathlib import Path

import pytest

from pytest_experiments.errors import DefinitionError
from pytest_experiments.running.item import ExperimentState
from pytest_experiments.running.results import ExperimentResult
from pytest_experiments.settings import RunSettings, experiment_seed
from pytest_experiments.spec.markers import ExperimentSpec, read_spec, stray_marker
from pytest_experiments.spec.names import EXPERIMENT_PREFIX


def experiment_state(item: pytest.Item, settings: RunSettings, index: int) -> ExperimentState:
    """The state of an experiment item at collection: its spec (or the problem that stops it),
    the shares it looks at, and the result as far as it is known before it runs."""
    spec: ExperimentSpec | None = None
    problem: str | None = None
    try:
        spec = read_spec(item, settings.require_question)
    except DefinitionError as error:
        problem = str(error)
    if problem is None:
        problem = _async_problem(item) or _shadowed_exp(item)
    question_marker = item.get_closest_marker("question")
    plan = settings.plan_for(spec.fraction if spec else None)
    return ExperimentState(
        spec=spec,
        problem=problem,
        plan=plan,
        result=ExperimentResult(
            nodeid=item.nodeid,
            index=index,
            question=spec.question
            if spec
            else _text_or_none(
                question_marker.args[0] if question_marker and question_marker.args else None
            ),
            expectation=spec.expectation.text if spec and spec.expectation else None,
            fraction=plan.first,
            seed=experiment_seed(settings.seed, item.nodeid),
            auto=plan.auto,
        ),
    )


def stray_problem(item: pytest.Item) -> str | None:
    """The error of a plain test that carries an experiment marker, or None."""
    stray = stray_marker(item)
    if stray is None:
        return None
    return (
        f"@pytest.mark.{stray} is for experiments, but {item.name} is a plain test; "
        f"rename it {EXPERIMENT_PREFIX}{item.name.removeprefix('test_')} to make it an "
        "experiment, or remove the marker"
    )


def exiting_script_report(
    collector: pytest.Collector, error: SystemExit
) -> pytest.CollectReport | None:
    """The collection error of an ``exp_*.py`` module that exited at import, or None when the
    module is not one that ``experiment_files`` collected (pytest's own handling applies)."""
    # Research scripts are often named exp_*.py too; one that parses its command line or exits
    # at import would end the whole run with an INTERNALERROR. Make it that file's error.
    if not isinstance(collector, pytest.Module) or not any(
        fnmatch.fnmatch(collector.path.name, pattern)
        for pattern in collector.config.getini("experiment_files")
    ):
        return None
    return pytest.CollectReport(
        collector.nodeid,
        "failed",
        longrepr=(
            f"importing {collector.path.name} exited (SystemExit: {error.code}); it is "
            "collected because it matches experiment_files (exp_*.py): put a script's work "
            'under `if __name__ == "__main__":`, or set experiment_files in the ini file '
            "to patterns that match only experiment modules"
        ),
        result=[],
    )


def _async_problem(item: pytest.Item) -> str | None:
    function = getattr(item, "obj", None)
    if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
        return (
            f"{item.name} is an async function; write experiments as plain functions "
            "(run an event loop inside if needed)"
        )
    return None


def _shadowed_exp(item: pytest.Item) -> str | None:
    """A fixture named ``exp`` of the user's that hides the plugin's, where the experiment
    would get it: one line naming where it is, instead of ``'str' object has no attribute
    'sample'`` from inside the experiment."""
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.get("exp", ()) if info is not None else ()
    if not definitions:
        return None
    nearest = definitions[-1]
    function = getattr(nearest, "func", None)
    module = getattr(function, "__module__", "") or ""
    if module.startswith("pytest_experiments."):
        return None
    where = inspect.getsourcefile(function) if function is not None else None
    place = module or "a plugin"
    if where is not None:
        try:
            place = str(Path(where).relative_to(item.config.rootpath))
        except ValueError:
            place = where
    return (
        f"the fixture 'exp' in {place} hides pytest-experiments' exp fixture, which "
        f"{item.name} needs; rename that fixture (or use it under another name)"
    )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def tuning_first(items: list[pytest.Item]) -> None:
    """Order ``items`` so that a tuning experiment runs before those that read its result
    (``exp.tuned("...")`` or ``exp.narrowed("...")`` in their code), keeping every other
    order: under xdist, workers then start them first too, and ``exp.tuned`` waits for a
    tuning still running on another worker."""
    reads = {index: _tunings_read(item) for index, item in enumerate(items)}
    if not any(reads.values()):
        return
    needed: set[int] = set()
    for names in reads.values():
        for name in names:
            needed.update(
                index
                for index, item in enumerate(items)
                if item.nodeid == name or item.nodeid.split("[", 1)[0].endswith("::" + name)
            )
    first = [items[index] for index in sorted(needed) if not reads[index]]
    first += [items[index] for index in sorted(needed) if reads[index]]
    items[:] = first + [item for index, item in enumerate(items) if index not in needed]


@functools.lru_cache(maxsize=1024)
def _mentions_tuning(path: str) -> bool:
    """Whether the module's text has ``tuned(`` or ``narrowed(`` at all (read once per file)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True  # unknown: look at the function itself
    return "tuned(" in text or "narrowed(" in text


def _tunings_read(item: pytest.Item) -> list[str]:
    """The tuning experiments an experiment's code names in ``exp.tuned``/``exp.narrowed``."""
    import ast
    import textwrap

    function = getattr(item, "obj", None)
    if not callable(function) or not getattr(item, "originalname", "").startswith(
        EXPERIMENT_PREFIX
    ):
        return []
    if not _mentions_tuning(str(getattr(item, "path", ""))):
        return []  # most modules: no function of theirs can name a tuning
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return []
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("tuned", "narrowed")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]
