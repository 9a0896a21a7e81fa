"""Expectation expressions: a small, safe language over the names of an answer.

``"accuracy >= 0.9 and n_features == 30"``, ``"0.8 < answer < 0.95"``, ``"abs(a - b) < 0.01"``
and the leading-operator form ``">= 0.9"`` (short for ``"answer >= 0.9"``) are parsed with
:mod:`ast` and checked against a whitelist of node types before anything is evaluated, so an
expectation can never run arbitrary code. Evaluation is three-valued (see
:mod:`pytest_experiments.stats.verdicts`): comparisons yield verdicts and ``and``/``or``/``not``
combine them with Kleene's rules.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pytest_experiments.errors import AnswerError, DefinitionError
from pytest_experiments.stats.estimates import Estimate
from pytest_experiments.stats.evidence import (
    Judging,
    Unsettled,
    compare,
    contains_unsettled,
    float_near_miss,
    is_nan,
    nan_message,
    unsettled_verdict,
)
from pytest_experiments.stats.verdicts import Verdict, all_of, any_of

#: The name under which a single (non-dict) answer is visible to an expression.
ANSWER_NAME = "answer"

_LEADING_OPERATOR = re.compile(r"^\s*(<=|>=|==|!=|<|>|not\s+in\s|in\s)")

_FUNCTIONS: dict[str, Callable[..., Any]] = {"abs": abs, "min": min, "max": max, "round": round}

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}

_COMPARE_TEXT: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}

_MAX_EXPONENT = 1000


@dataclass(frozen=True)
class Expression:
    """A parsed, validated expectation expression."""

    text: str
    tree: ast.expr
    names: frozenset[str]

    def evaluate(self, answer: Any, judging: Judging | None = None) -> Verdict:
        """Judge ``answer`` (a single value or a dict of named values) against this expression.

        Estimates in the answer are compared through their intervals at ``judging.level``.
        """
        judging = judging or Judging()
        env = _environment(judging.prepare(answer))
        missing = sorted(self.names - env.keys())
        if missing:
            raise AnswerError(_missing_names_message(self.text, missing, answer))
        evaluator = _Evaluator(self.text, env, judging)
        return evaluator.verdict(self.tree)


def parse_expression(text: str) -> Expression:
    """Parse and validate ``text``; raise :class:`DefinitionError` quoting it when it is bad."""
    if not text.strip():
        raise DefinitionError(
            "expectation is an empty string; write a condition such as '>= 0.9' "
            "or 'accuracy >= 0.9'"
        )
    source = text.strip()
    if _LEADING_OPERATOR.match(source):
        source = f"{ANSWER_NAME} {source}"
    try:
        with warnings.catch_warnings():
            # e.g. SyntaxWarning for "answer == '\d'": the expression is reported, not warned of
            warnings.simplefilter("ignore")
            module = ast.parse(source, mode="eval")
        names: set[str] = set()
        _check(text, module.body, names)
    except (SyntaxError, ValueError, UnicodeError):
        raise DefinitionError(
            f"expectation {text!r} is not a valid expression; write a condition such as "
            "'>= 0.9', '0.8 < answer < 0.95' or 'accuracy >= 0.9 and n_features == 30'"
        ) from None
    except (RecursionError, MemoryError):
        raise DefinitionError(
            f"expectation {_shorten(text)!r} is nested too deeply; write a shorter condition"
        ) from None
    if not _is_condition(module.body):
        raise DefinitionError(
            f"expectation {text!r} is not a condition: it computes a value but does not compare "
            f"it; write for example '{text.strip()} >= 0.9'"
        )
    return Expression(text=text, tree=module.body, names=frozenset(names))


_MAX_DEPTH = 100


def _check(text: str, node: ast.AST, names: set[str], depth: int = 0) -> None:
    """Reject every node outside the whitelist, naming the construct and the expression."""
    if depth > _MAX_DEPTH:
        raise RecursionError  # reported as "nested too deeply"; evaluation recurses as deep
    depth += 1
    match node:
        case ast.BoolOp(values=values):
            for value in values:
                _check(text, value, names, depth)
        case ast.UnaryOp(op=ast.Not() | ast.USub() | ast.UAdd(), operand=operand):
            _check(text, operand, names, depth)
        case ast.BinOp(op=op, left=left, right=right) if type(op) in _BINARY:
            _check(text, left, names, depth)
            _check(text, right, names, depth)
        case ast.Compare(left=left, ops=ops, comparators=comparators) if all(
            type(op) in _COMPARE for op in ops
        ):
            _check(text, left, names, depth)
            for comparator in comparators:
                _check(text, comparator, names, depth)
        case ast.Name(id=name, ctx=ast.Load()):
            if name in _FUNCTIONS:
                raise DefinitionError(
                    f"expectation {text!r} uses the function {name!r} without calling it"
                )
            names.add(name)
        case ast.Constant(value=value) if isinstance(value, (int, float, str, bool)):
            pass
        case ast.Tuple(elts=elts) | ast.List(elts=elts):
            for elt in elts:
                _check(text, elt, names, depth)
        case ast.Call(func=ast.Name(id=func), args=args, keywords=[]) if func in _FUNCTIONS:
            if not args or any(isinstance(arg, ast.Starred) for arg in args):
                raise DefinitionError(
                    f"expectation {text!r} calls {func}() without plain arguments"
                )
            for arg in args:
                _check(text, arg, names, depth)
        case ast.Call(func=ast.Name(id=func)):
            raise DefinitionError(
                f"expectation {text!r} calls {func}(), which expectations do not allow; "
                f"only {', '.join(sorted(_FUNCTIONS))} are available"
            )
        case _:
            try:
                fragment = ast.unparse(node)
            except Exception:  # pragma: no cover - unparse handles every parsed node
                fragment = type(node).__name__
            raise DefinitionError(
                f"expectation {text!r} uses {fragment!r}, which expectations do not allow; "
                "use names, numbers, strings, comparisons, and/or/not, arithmetic and "
                "abs/min/max/round"
            )


def _is_condition(node: ast.expr) -> bool:
    match node:
        case ast.Compare():
            return True
        case ast.BoolOp(values=values):
            return all(_is_condition(value) for value in values)
        case ast.UnaryOp(op=ast.Not()):
            return True
        case ast.Name():
            return True  # a boolean answer; checked when evaluated
        case ast.Constant(value=bool()):
            return True
    return False


def _environment(answer: Any) -> dict[str, Any]:
    if isinstance(answer, Mapping):
        env = {ANSWER_NAME: answer}
        env.update({str(key): value for key, value in answer.items()})
        return env
    return {ANSWER_NAME: answer}


def _missing_names_message(text: str, missing: list[str], answer: Any) -> str:
    quoted = ", ".join(repr(name) for name in missing)
    if isinstance(answer, Mapping):
        available = ", ".join(repr(str(key)) for key in answer) or "no names"
        return (
            f"expectation {text!r} uses {quoted}, but the answer has only {available}; "
            "return a dict with those names or change the expectation"
        )
    hint = f'"== {missing[0]!r}"' if len(missing) == 1 else "\"== 'text'\""
    return (
        f"expectation {text!r} uses {quoted}, but the answer is a single value ({answer!r}); "
        f"refer to it as 'answer' or use the leading-operator form such as '>= 0.9'; "
        f"to compare with a string write {hint}"
    )


def _as_verdict(text: str, node: ast.expr, value: Any) -> Verdict:
    if isinstance(value, Verdict):
        return value
    if isinstance(value, bool):
        return Verdict.of(value)
    raise AnswerError(
        f"expectation {text!r} does not give True or False: {ast.unparse(node)!r} is {value!r}; "
        "compare it with something, e.g. '>= 0.9'"
    )


class _Evaluator:
    """Walks a validated tree; comparisons give verdicts, arithmetic gives values."""

    def __init__(self, text: str, env: Mapping[str, Any], judging: Judging) -> None:
        self.text = text
        self.env = env
        self.judging = judging

    def visit(self, node: ast.expr) -> Any:
        match node:
            case ast.BoolOp(op=op, values=values):
                verdicts = [self.verdict(v) for v in values]
                return all_of(verdicts) if isinstance(op, ast.And) else any_of(verdicts)
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return self.verdict(operand).negate()
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return self._arith(operator.neg, self.visit(operand))
            case ast.UnaryOp(op=ast.UAdd(), operand=operand):
                return self._arith(operator.pos, self.visit(operand))
            case ast.BinOp(op=op, left=left, right=right):
                left_value, right_value = self.visit(left), self.visit(right)
                if isinstance(op, ast.Pow) and _too_large(right_value):
                    raise AnswerError(f"expectation {self.text!r} raises to a huge power")
                return self._arith(_BINARY[type(op)], left_value, right_value)
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                verdicts = []
                current = self.visit(left)
                for comparison, comparator in zip(ops, comparators, strict=True):
                    right_value = self.visit(comparator)
                    verdicts.append(self._compare(comparison, current, right_value))
                    current = right_value
                return all_of(verdicts)
            case ast.Name(id=name):
                return self.env[name]
            case ast.Constant(value=value):
                return value
            case ast.Tuple(elts=elts) | ast.List(elts=elts):
                # Lists, like answers, which arrive JSON-safe with sequences as lists.
                return [self.visit(elt) for elt in elts]
            case ast.Call(func=ast.Name(id=func), args=args):
                return self._arith(_FUNCTIONS[func], *(self.visit(arg) for arg in args))
        raise AssertionError(f"unvalidated node {ast.dump(node)}")  # pragma: no cover

    def verdict(self, node: ast.expr) -> Verdict:
        value = self.visit(node)
        if isinstance(value, Unsettled):
            return unsettled_verdict(value, self.judging)
        return _as_verdict(self.text, node, value)

    def _arith(self, function: Callable[..., Any], *args: Any) -> Any:
        unsettled = [arg for arg in args if isinstance(arg, Unsettled)]
        if unsettled:
            settled = [arg.value if isinstance(arg, Unsettled) else arg for arg in args]
            try:
                value = function(*settled)
            except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                value = None
            return Unsettled(value, unsettled[0].reason, unsettled[0].advice)
        try:
            return function(*args)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError) as error:
            shown = ", ".join(_show(arg) for arg in args)
            hint = _ESTIMATE_HINT if any(isinstance(arg, Estimate) for arg in args) else ""
            raise AnswerError(
                f"expectation {self.text!r} cannot be computed on the answer ({shown}): "
                f"{error}{hint}"
            ) from None

    def _compare(self, op: ast.cmpop, left: Any, right: Any) -> Verdict:
        if contains_unsettled(left) or contains_unsettled(right):
            return unsettled_verdict([left, right], self.judging)
        for side in (left, right):
            if is_nan(side):
                raise AnswerError(nan_message(repr(self.text), side))
        try:
            uncertain = compare(_COMPARE_TEXT[type(op)], left, right, self.judging)
            if uncertain is not None:
                return uncertain
            result = _COMPARE[type(op)](left, right)
        except TypeError:
            estimates = isinstance(left, Estimate) or isinstance(right, Estimate)
            hint = _ESTIMATE_HINT if estimates else "; check the answer's type"
            raise AnswerError(
                f"expectation {self.text!r} compares {_show(left)} ({type(left).__name__}) "
                f"{_COMPARE_TEXT[type(op)]} {_show(right)} ({type(right).__name__}), which cannot "
                f"be compared{hint}"
            ) from None
        if isinstance(result, Verdict):
            return result
        if isinstance(op, (ast.Eq, ast.NotEq)):
            near_miss = float_near_miss(left, right)
            if near_miss is not None:
                self.judging.notes.append(near_miss)
        return Verdict.of(bool(result))


_ESTIMATE_HINT = (
    "; an estimate is compared with a number (<, <=, >, >=, ==, !=, in a band with "
    "pytest.approx) and shifted or scaled by one (+, -, *, /): write 'a > 0.5 and b > 0.5' "
    "rather than 'min(a, b) > 0.5', and exp.compare(a, b, X, y) for a difference of two learners"
)


def _show(value: Any) -> str:
    """A value as the user sees it in reports: estimates as ``0.871 [0.842, 0.897]``."""
    return str(value) if isinstance(value, Estimate) else repr(value)


def _too_large(exponent: Any) -> bool:
    if isinstance(exponent, int):
        return abs(exponent) > _MAX_EXPONENT
    return (
        isinstance(exponent, float) and math.isfinite(exponent) and (abs(exponent) > _MAX_EXPONENT)
    )


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
