"""The experiment markers and the specification they add up to.

``question(text)`` says what the experiment answers (required unless the ini switch
``experiment_require_question = false``), ``expect(expectation)`` what answer is expected and
``sample(fraction)`` the share of the data it runs on by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from pytest_experiments.errors import DefinitionError
from pytest_experiments.settings import SettingError, Share, parse_share
from pytest_experiments.spec.expectations import Expectation, parse_expectation

EXPERIMENT_MARKER = "experiment"
EXPERIMENT_MARKERS = ("question", "expect", "sample")

MARKER_HELP = {
    EXPERIMENT_MARKER: "experiment: an exp_* function; added by pytest-experiments, select with "
    "-m experiment or -m 'not experiment'.",
    "question": "question(text): the question an experiment answers (required).",
    "expect": "expect(expectation): the expected answer: a value (== or pytest.approx), an "
    "expression such as '>= 0.9' or 'accuracy >= 0.9 and n_features == 30', or a predicate.",
    "sample": "sample(fraction): share of the data this experiment runs on (0 < F <= 1, or "
    "'auto' to grow it until the verdict is decisive) unless --sample or --full say otherwise.",
}


@dataclass(frozen=True)
class ExperimentSpec:
    """What the markers of one experiment say."""

    question: str | None
    expectation: Expectation | None
    fraction: Share | None


#: Every marker the plugin reads on an experiment, for spotting misspelt ones.
PLUGIN_MARKERS = (*EXPERIMENT_MARKERS, "priority", "data_files")


def read_spec(item: pytest.Item, require_question: bool) -> ExperimentSpec:
    """Read and validate an experiment's markers; raise :class:`DefinitionError` on the first
    problem."""
    for name in EXPERIMENT_MARKERS:
        own = getattr(getattr(item, "obj", None), "pytestmark", ())
        stacked = [mark for mark in own if mark.name == name]
        if len(stacked) > 1:
            combine = " (combine conditions with and / or)" if name == "expect" else ""
            raise DefinitionError(
                f"{item.name} has {len(stacked)} @pytest.mark.{name} markers and only the "
                f"nearest would count; keep one{combine}"
            )
    misspelt = _misspelt_marker(item)
    if misspelt is not None:
        name, meant = misspelt
        raise DefinitionError(
            f"@pytest.mark.{name} is not a marker pytest knows; did you mean "
            f"@pytest.mark.{meant}? (register it in the ini file's markers if it is your own)"
        )
    return ExperimentSpec(
        question=_question(item.get_closest_marker("question"), require_question),
        expectation=_expectation(item.get_closest_marker("expect")),
        fraction=_fraction(item.get_closest_marker("sample")),
    )


def _question(marker: pytest.Mark | None, required: bool) -> str | None:
    if marker is None:
        if required:
            raise DefinitionError(
                'experiment has no question; add @pytest.mark.question("What does this experiment '
                'answer?") (or set experiment_require_question = false in the ini file); it is '
                "an experiment because its name starts with exp_: rename a helper that is not one"
            )
        return None
    text = _single_argument(marker, "question", '@pytest.mark.question("Is k-NN better scaled?")')
    if not isinstance(text, str):
        raise DefinitionError(
            f"@pytest.mark.question needs a string, got {text!r} ({type(text).__name__}); "
            'write @pytest.mark.question("Is k-NN better scaled?")'
        )
    if not text.strip():
        raise DefinitionError(
            "@pytest.mark.question is empty; write the question the experiment answers, e.g. "
            '@pytest.mark.question("Is k-NN better scaled?")'
        )
    return " ".join(text.split())


def _expectation(marker: pytest.Mark | None) -> Expectation | None:
    if marker is None:
        return None
    return parse_expectation(tuple(marker.args), dict(marker.kwargs))


def _fraction(marker: pytest.Mark | None) -> Share | None:
    if marker is None:
        return None
    value = _single_argument(marker, "sample", "@pytest.mark.sample(0.05)")
    try:
        return parse_share(value, "@pytest.mark.sample")
    except SettingError as error:
        raise DefinitionError(str(error)) from None


def _single_argument(marker: pytest.Mark, name: str, example: str) -> Any:
    if marker.kwargs:
        raise DefinitionError(
            f"@pytest.mark.{name} takes one positional argument, not keywords "
            f"({', '.join(sorted(marker.kwargs))}); write {example}"
        )
    if len(marker.args) != 1:
        raise DefinitionError(
            f"@pytest.mark.{name} takes exactly one positional argument, got {len(marker.args)}; "
            f"write {example}"
        )
    return marker.args[0]


def stray_marker(item: pytest.Item) -> str | None:
    """The name of an experiment marker put directly on a plain test, if any."""
    for mark in item.own_markers:
        if mark.name in PLUGIN_MARKERS:
            return mark.name
    return None


#: Markers of pytest and of plugins users run beside this one: never taken for a typo.
KNOWN_MARKERS = frozenset(
    {
        "skip",
        "skipif",
        "xfail",
        "parametrize",
        "usefixtures",
        "filterwarnings",
        "timeout",
        "flaky",
        "asyncio",
        "anyio",
        "trio",
        "django_db",
        "benchmark",
        "slow",
        "order",
        "run",
        "dependency",
        "repeat",
        "randomly_dont_reorder",
        "no_cover",
        "forked",
        "xdist_group",
        "tryfirst",
        "trylast",
        "hypothesis",
        "freeze_time",
        "vcr",
        "httpx_mock",
        "integration",
        "unit",
        "smoke",
        "network",
        "gpu",
        "serial",
        "nondestructive",
        "incremental",
        "describe",
    }
)

#: Names this short or shorter are close to an experiment marker at one edit, longer ones by
#: difflib's ratio as well.
_SHORT_NAME = 8


def _misspelt_marker(item: pytest.Item) -> tuple[str, str] | None:
    """An unregistered marker whose name is close to one of the plugin's, and that one."""
    names = {mark.name for mark in item.iter_markers()} - set(PLUGIN_MARKERS) - KNOWN_MARKERS
    if not names:
        return None
    registered = {
        line.split(":")[0].split("(")[0].strip() for line in item.config.getini("markers")
    }
    for name in sorted(names - registered):
        meant = misspelt_name(name)
        if meant is not None:
            return name, meant
    return None


def misspelt_name(name: str) -> str | None:
    """The experiment marker ``name`` is a typo of, or None: one edit away for short names
    (``expcet``, ``smaple``), else close by difflib's ratio; never a marker of pytest or of a
    common plugin."""
    if name in KNOWN_MARKERS or name in PLUGIN_MARKERS:
        return None
    import difflib

    lowered = name.lower()
    for meant in PLUGIN_MARKERS:
        if lowered == meant or (
            min(len(name), len(meant)) <= _SHORT_NAME and _one_edit(lowered, meant)
        ):
            return meant
    close = difflib.get_close_matches(lowered, PLUGIN_MARKERS, n=1, cutoff=0.85)
    return close[0] if close else None


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one insertion, deletion, substitution or transposition of
    neighbours (the optimal string alignment distance is 1)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
