"""Expectations: what the researcher expects the answer to be, and how an answer is judged.

``@pytest.mark.expect(...)`` takes one of three forms:

* a plain value, compared by equality (``expect(1)``, ``expect({"best": "svc"})``,
  ``expect(pytest.approx(0.93, abs=0.02))``);
* a string expression (see :mod:`pytest_experiments.spec.expressions`), e.g. ``">= 0.9"``;
* a predicate taking the answer and returning ``True``/``False`` (``lambda acc: acc > 0.9``). A
  named function must be passed with ``pytest.mark.expect.with_args(is_good)``, because a marker
  called with a lone function decorates it instead.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pytest_experiments.errors import AnswerError, DefinitionError
from pytest_experiments.jsonsafe import answer_shape
from pytest_experiments.spec.expressions import Expression, parse_expression
from pytest_experiments.stats.evidence import (
    Judging,
    contains_estimate,
    contains_unsettled,
    float_near_miss,
    is_nan,
    nan_message,
    unsettled_verdict,
    within,
)
from pytest_experiments.stats.judgement import Expectation as Expectation  # re-exported
from pytest_experiments.stats.verdicts import Verdict, all_of


@dataclass(frozen=True)
class Equals:
    """The answer must equal ``value`` (``pytest.approx`` objects compare approximately).

    An estimate equals a number only if its whole interval is that number; against
    ``pytest.approx`` it is an equivalence check: confirmed when the whole interval lies inside
    the tolerance band, refuted when it lies wholly outside.
    """

    value: Any

    @property
    def text(self) -> str:
        return f"== {self.value!r}"

    def evaluate(self, answer: Any, judging: Judging) -> Verdict:
        expected = self.value
        if is_nan(answer):
            raise AnswerError(nan_message(self.text, answer))
        expected = answer_shape(expected)  # as answers arrive: JSON-safe keys and lists
        if (
            isinstance(expected, Mapping)
            and isinstance(answer, Mapping)
            and (contains_estimate(answer) or contains_unsettled(answer))
        ):
            # Key by key, so an estimate meets its number or approx band through its interval.
            if set(expected) != set(answer):
                return Verdict.REFUTED
            return all_of(
                [Equals(expected[key]).evaluate(answer[key], judging) for key in expected]
            )
        if contains_unsettled(answer):
            return unsettled_verdict(answer, judging)
        prepared = judging.prepare(answer)
        band = _band(expected)
        if band is not None:
            verdict = within(prepared, band[0], band[1], judging)
            if verdict is not None:
                return verdict
        near_miss = float_near_miss(answer, expected)
        if near_miss is not None:
            judging.notes.append(near_miss)
        try:
            return Verdict.of(bool(expected == answer))
        except (TypeError, ValueError) as error:
            raise AnswerError(
                f"expectation {self.text} cannot be compared with the answer {answer!r}: {error}"
            ) from None


@dataclass(frozen=True)
class Predicate:
    """The answer must satisfy ``function(answer)``."""

    function: Callable[[Any], Any]
    text: str

    def evaluate(self, answer: Any, judging: Judging) -> Verdict:
        if contains_unsettled(answer):
            return unsettled_verdict(answer, judging)  # the predicate would see a guess
        try:
            result = self.function(judging.prepare(answer))
        except TypeError as error:
            if not contains_estimate(answer):
                raise
            raise AnswerError(
                f"predicate {self.text} cannot handle an estimate ({error}); write a string "
                "expectation such as '> 0.5', which judges the whole interval, or use the "
                "estimate's .low, .high or .value in the predicate"
            ) from None
        if isinstance(result, Verdict):
            return result
        if type(result).__name__ in ("bool", "bool_") and type(result).__module__ in (
            "builtins",
            "numpy",
        ):
            return Verdict.of(bool(result))
        raise AnswerError(
            f"predicate {self.text} returned {result!r} ({type(result).__name__}); "
            "it must return True or False"
        )


def parse_expectation(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Expectation:
    """Build an expectation from the ``expect`` marker's arguments, or raise DefinitionError."""
    if kwargs:
        raise DefinitionError(
            f"@pytest.mark.expect takes one positional argument, not keywords "
            f"({', '.join(sorted(kwargs))}); write @pytest.mark.expect('>= 0.9')"
        )
    if len(args) != 1:
        raise DefinitionError(
            f"@pytest.mark.expect takes exactly one expectation, got {len(args)}; "
            "write @pytest.mark.expect('>= 0.9'), a value, or a predicate"
        )
    (value,) = args
    if isinstance(value, str):
        return ExpressionExpectation(parse_expression(value))
    if value is None:
        raise DefinitionError(
            "@pytest.mark.expect(None) can never hold, since an experiment must return an "
            "answer; expect a value, an expression such as '>= 0.9', or a predicate"
        )
    if callable(value) and not _compares_by_equality(value):
        return Predicate(value, _describe_function(value))
    return Equals(value)


@dataclass(frozen=True)
class ExpressionExpectation:
    """Adapter exposing a parsed :class:`Expression` as an :class:`Expectation`."""

    expression: Expression

    @property
    def text(self) -> str:
        return self.expression.text.strip()

    def evaluate(self, answer: Any, judging: Judging) -> Verdict:
        return self.expression.evaluate(answer, judging)


def _band(expected: Any) -> tuple[float, float] | None:
    """The ``[low, high]`` an expected number or scalar ``pytest.approx`` allows."""
    if isinstance(expected, bool):
        return None
    if isinstance(expected, (int, float)):
        return float(expected), float(expected)
    centre = getattr(expected, "expected", None)
    tolerance = getattr(expected, "tolerance", None)
    if isinstance(centre, (int, float)) and isinstance(tolerance, (int, float)):
        return float(centre) - float(tolerance), float(centre) + float(tolerance)
    return None


def _compares_by_equality(value: Any) -> bool:
    # pytest.approx objects and classes are callable-looking values meant for ==.
    return isinstance(value, type) or type(value).__module__.startswith("_pytest")


def _describe_function(function: Callable[..., Any]) -> str:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return repr(function)
    try:
        signature.bind(object())
    except TypeError:
        raise DefinitionError(
            f"predicate {_function_name(function)}{signature} cannot be called with the answer "
            "alone; a predicate takes exactly one argument, e.g. lambda answer: answer > 0.9"
        ) from None
    return _lambda_source(function) or _function_name(function)


def _function_name(function: Callable[..., Any]) -> str:
    return getattr(function, "__qualname__", None) or repr(function)


def _lambda_source(function: Callable[..., Any]) -> str | None:
    """The text of a lambda as written in the marker, for reports; None when not found."""
    if getattr(function, "__name__", "") != "<lambda>":
        return None
    try:
        source = textwrap.dedent(inspect.getsource(function))
        tree = ast.parse(source.lstrip("@"))
    except (OSError, TypeError, SyntaxError):
        return None
    lambdas = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)]
    if len(lambdas) != 1:
        return None
    return ast.get_source_segment(source.lstrip("@"), lambdas[0])
