"""Unit and property tests for expectation expressions, expectations and three-valued verdicts.

Plain function calls, no pytester.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_experiments.errors import AnswerError, DefinitionError
from pytest_experiments.spec.expectations import (
    Equals,
    ExpressionExpectation,
    Predicate,
    parse_expectation,
)
from pytest_experiments.spec.expressions import Expression, parse_expression
from pytest_experiments.stats.evidence import Judging
from pytest_experiments.stats.verdicts import Verdict, all_of, any_of

CONFIRMED, INCONCLUSIVE, REFUTED = Verdict.CONFIRMED, Verdict.INCONCLUSIVE, Verdict.REFUTED
VERDICTS = [REFUTED, INCONCLUSIVE, CONFIRMED]
PAIRS = list(itertools.product(VERDICTS, repeat=2))
TRIPLES = list(itertools.product(VERDICTS, repeat=3))

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def judge(text: str, answer: Any) -> Verdict:
    return parse_expression(text).evaluate(answer)


# --- parsing and evaluating -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "answer", "verdict"),
    [
        # leading-operator form
        (">= 0.9", 0.95, CONFIRMED),
        (">= 0.9", 0.85, REFUTED),
        ("  > 0.9", 0.9, REFUTED),
        ("< 1", 0, CONFIRMED),
        ("<= 1", 1, CONFIRMED),
        ("== 'svc'", "svc", CONFIRMED),
        ("== 'svc'", "knn", REFUTED),
        ("!= 3", 3, REFUTED),
        ("== True", True, CONFIRMED),
        ("in ('svc', 'knn')", "knn", CONFIRMED),
        ("not in ('svc', 'knn')", "knn", REFUTED),
        ("in 'abc'", "b", CONFIRMED),
        # chained comparisons
        ("0.8 < answer < 0.95", 0.9, CONFIRMED),
        ("0.8 < answer < 0.95", 0.95, REFUTED),
        ("0.8 < answer < 0.95", 0.8, REFUTED),
        ("0 <= answer <= 1 != answer", 0.5, CONFIRMED),
        ("1 < 2 < answer", 1.5, REFUTED),
        # boolean answers and and/or/not
        ("answer", True, CONFIRMED),
        ("answer", False, REFUTED),
        ("not answer", False, CONFIRMED),
        ("True", 0, CONFIRMED),
        ("answer > 1 or answer < -1", 0, REFUTED),
        ("answer > 1 or answer < -1", -2, CONFIRMED),
        ("not (answer > 1) and answer >= 0", 0.5, CONFIRMED),
        ("not answer > 1", 2, REFUTED),
        # arithmetic and functions
        ("answer * 2 + 1 == 7", 3, CONFIRMED),
        ("answer / 4 == 0.5", 2, CONFIRMED),
        ("answer // 4 == 2 and answer % 4 == 1", 9, CONFIRMED),
        ("answer ** 2 == 9", -3, CONFIRMED),
        ("-answer > 0", -1, CONFIRMED),
        ("+answer > 0", -1, REFUTED),
        ("abs(answer - 1) < 0.01", 1.005, CONFIRMED),
        ("abs(answer - 1) < 0.01", 0.98, REFUTED),
        ("min(answer, 3) == 3", 5, CONFIRMED),
        ("max(answer, 3) == 3", 5, REFUTED),
        ("round(answer, 1) == 0.3", 0.31, CONFIRMED),
        ("max('abc') == 'c'", 0, CONFIRMED),
    ],
)
def test_single_answers(text: str, answer: Any, verdict: Verdict) -> None:
    assert judge(text, answer) is verdict


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("accuracy >= 0.9 and n_features == 30", CONFIRMED),
        ("accuracy >= 0.95 and n_features == 30", REFUTED),
        ("accuracy >= 0.95 or n_features == 30", CONFIRMED),
        ("abs(accuracy - baseline) < 0.05", CONFIRMED),
        ("accuracy - baseline > 0.05", REFUTED),
        ("max(accuracy, baseline) == accuracy", CONFIRMED),
        ("best == 'svc'", CONFIRMED),
        ("best in ('svc', 'knn') and converged", CONFIRMED),
        ("not converged", REFUTED),
        ("'best' in answer", CONFIRMED),  # `answer` is the whole dict
        ("'worst' not in answer", CONFIRMED),
        ("inside > 1", CONFIRMED),  # a name starting with "in" is not the leading `in`
        ("not in_range", CONFIRMED),  # ...nor "not in"
    ],
)
def test_dict_answers(text: str, verdict: Verdict) -> None:
    answer = {
        "accuracy": 0.93,
        "baseline": 0.9,
        "n_features": 30,
        "best": "svc",
        "converged": True,
        "inside": 2,
        "in_range": False,
    }
    assert judge(text, answer) is verdict


def test_names_of_an_expression() -> None:
    assert parse_expression("abs(a - b) < 0.01").names == frozenset({"a", "b"})
    assert parse_expression(">= 0.9").names == frozenset({"answer"})
    assert parse_expression("0 < x < y and not z").names == frozenset({"x", "y", "z"})
    assert parse_expression("'a' == 'a'").names == frozenset()


def test_expression_keeps_its_text() -> None:
    expression = parse_expression("  >= 0.9 ")
    assert isinstance(expression, Expression)
    assert expression.text == "  >= 0.9 "


@pytest.mark.parametrize(
    ("text", "answer"),
    [("== [1, 2]", [1, 2]), ("answer == (1, 2)", [1, 2]), ("answer == [1, [2, 3]]", [1, [2, 3]])],
)
def test_list_literals_equal_list_answers(text: str, answer: Any) -> None:
    # Answers are made JSON-safe, so sequences arrive as lists; a list or tuple written in the
    # expectation must compare equal to them.
    assert judge(text, answer) is CONFIRMED


def test_membership_in_list_literals() -> None:
    assert judge("in [1, 2, 3]", 2) is CONFIRMED
    assert judge("in [1, 2, 3]", 4) is REFUTED


# --- property: comparisons agree with Python ------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
any_float = st.floats(allow_nan=False, allow_infinity=True)
numbers = st.one_of(finite, st.integers(-(10**6), 10**6))


@settings(max_examples=200, deadline=None)
@given(a=any_float, b=numbers, op=st.sampled_from(sorted(COMPARISONS)))
def test_comparison_agrees_with_python(a: float, b: float, op: str) -> None:
    expected = Verdict.of(COMPARISONS[op](a, b))
    assert judge(f"answer {op} {b!r}", a) is expected
    assert judge(f"{op} {b!r}", a) is expected  # leading-operator form


@settings(max_examples=100, deadline=None)
@given(a=any_float, lo=finite, hi=finite)
def test_chained_comparison_agrees_with_python(a: float, lo: float, hi: float) -> None:
    assert judge(f"{lo!r} < answer <= {hi!r}", a) is Verdict.of(lo < a <= hi)


@settings(max_examples=100, deadline=None)
@given(
    x=numbers,
    y=numbers,
    p=numbers,
    q=numbers,
    op1=st.sampled_from(sorted(COMPARISONS)),
    op2=st.sampled_from(sorted(COMPARISONS)),
    join=st.sampled_from(["and", "or"]),
    negate=st.booleans(),
)
def test_boolean_combinations_agree_with_python(
    x: float, y: float, p: float, q: float, op1: str, op2: str, join: str, negate: bool
) -> None:
    left, right = COMPARISONS[op1](x, p), COMPARISONS[op2](y, q)
    expected = (left and right) if join == "and" else (left or right)
    text = f"x {op1} {p!r} {join} y {op2} {q!r}"
    if negate:
        text, expected = f"not ({text})", not expected
    assert judge(text, {"x": x, "y": y}) is Verdict.of(expected)


@settings(max_examples=100, deadline=None)
@given(a=st.integers(-1000, 1000), b=st.integers(-1000, 1000).filter(bool))
def test_arithmetic_agrees_with_python(a: int, b: int) -> None:
    answer = {"a": a, "b": b}
    assert judge(f"a + b == {a + b}", answer) is CONFIRMED
    assert judge(f"a * b - a == {a * b - a}", answer) is CONFIRMED
    assert judge(f"a // b == {a // b} and a % b == {a % b}", answer) is CONFIRMED
    assert judge(f"abs(a) - min(a, b) == {abs(a) - min(a, b)}", answer) is CONFIRMED
    assert judge(f"a + b == {a + b + 1}", answer) is REFUTED


# --- three-valued logic ---------------------------------------------------------------------


def and_(*verdicts: Verdict) -> Verdict:
    return all_of(verdicts)


def or_(*verdicts: Verdict) -> Verdict:
    return any_of(verdicts)


def not_(verdict: Verdict) -> Verdict:
    return verdict.negate()


def test_kleene_truth_tables() -> None:
    # Kleene's strong logic, spelled out: U is inconclusive.
    T, U, F = CONFIRMED, INCONCLUSIVE, REFUTED
    and_table = {
        (T, T): T, (T, U): U, (T, F): F,
        (U, T): U, (U, U): U, (U, F): F,
        (F, T): F, (F, U): F, (F, F): F,
    }  # fmt: skip
    or_table = {
        (T, T): T, (T, U): T, (T, F): T,
        (U, T): T, (U, U): U, (U, F): U,
        (F, T): T, (F, U): U, (F, F): F,
    }  # fmt: skip
    for (a, b), expected in and_table.items():
        assert and_(a, b) is expected
    for (a, b), expected in or_table.items():
        assert or_(a, b) is expected
    assert (not_(T), not_(U), not_(F)) == (F, U, T)


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_de_morgan_and_commutativity(a: Verdict, b: Verdict) -> None:
    assert not_(and_(a, b)) is or_(not_(a), not_(b))
    assert not_(or_(a, b)) is and_(not_(a), not_(b))
    assert and_(a, b) is and_(b, a)
    assert or_(a, b) is or_(b, a)
    assert and_(a, or_(a, b)) is a  # absorption holds in Kleene logic
    assert or_(a, and_(a, b)) is a


@pytest.mark.parametrize("a", VERDICTS)
def test_identity_annihilation_idempotence_double_negation(a: Verdict) -> None:
    assert and_(a, CONFIRMED) is a
    assert or_(a, REFUTED) is a
    assert and_(a, REFUTED) is REFUTED
    assert or_(a, CONFIRMED) is CONFIRMED
    assert and_(a, a) is a and or_(a, a) is a
    assert not_(not_(a)) is a
    assert and_(a) is a and or_(a) is a


def test_excluded_middle_and_non_contradiction_fail_only_for_inconclusive() -> None:
    for a in VERDICTS:
        expected_or = CONFIRMED if a.decisive else INCONCLUSIVE
        expected_and = REFUTED if a.decisive else INCONCLUSIVE
        assert or_(a, not_(a)) is expected_or
        assert and_(a, not_(a)) is expected_and


@pytest.mark.parametrize(("a", "b", "c"), TRIPLES)
def test_associativity_and_distributivity(a: Verdict, b: Verdict, c: Verdict) -> None:
    assert and_(and_(a, b), c) is and_(a, and_(b, c)) is and_(a, b, c)
    assert or_(or_(a, b), c) is or_(a, or_(b, c)) is or_(a, b, c)
    assert and_(a, or_(b, c)) is or_(and_(a, b), and_(a, c))
    assert or_(a, and_(b, c)) is and_(or_(a, b), or_(a, c))


@pytest.mark.parametrize(("p", "q"), list(itertools.product([False, True], repeat=2)))
def test_decisive_values_agree_with_python(p: bool, q: bool) -> None:
    assert and_(Verdict.of(p), Verdict.of(q)) is Verdict.of(p and q)
    assert or_(Verdict.of(p), Verdict.of(q)) is Verdict.of(p or q)
    assert not_(Verdict.of(p)) is Verdict.of(not p)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(VERDICTS), max_size=8))
def test_all_of_any_of_on_lists(verdicts: list[Verdict]) -> None:
    assert all_of(iter(verdicts)) is all_of(verdicts)  # any iterable, consumed once
    assert all_of(verdicts) is all_of(list(reversed(verdicts)))
    assert all_of(verdicts).negate() is any_of(v.negate() for v in verdicts)
    assert any_of(verdicts).negate() is all_of(v.negate() for v in verdicts)
    if REFUTED in verdicts:
        assert all_of(verdicts) is REFUTED
    elif INCONCLUSIVE in verdicts:
        assert all_of(verdicts) is INCONCLUSIVE
    else:
        assert all_of(verdicts) is CONFIRMED
    decisive = [v for v in verdicts if v.decisive]
    if len(decisive) == len(verdicts):
        assert all_of(verdicts) is Verdict.of(all(v is CONFIRMED for v in verdicts))
        assert any_of(verdicts) is Verdict.of(any(v is CONFIRMED for v in verdicts))


def test_empty_conjunction_and_disjunction() -> None:
    assert all_of([]) is CONFIRMED
    assert any_of([]) is REFUTED


def test_verdict_helpers() -> None:
    assert Verdict.of(True) is CONFIRMED and Verdict.of(False) is REFUTED
    assert [v.rank for v in VERDICTS] == [0, 1, 2]
    assert [v.decisive for v in VERDICTS] == [True, False, True]
    assert [str(v) for v in VERDICTS] == ["refuted", "inconclusive", "confirmed"]


@pytest.mark.parametrize(("a", "b"), list(itertools.product([REFUTED, CONFIRMED], repeat=2)))
def test_expressions_combine_verdicts_with_kleene_rules(a: Verdict, b: Verdict) -> None:
    # Answers are exact, so expressions see decisive verdicts: check that corner end to end.
    answer = {"p": a is CONFIRMED, "q": b is CONFIRMED}
    assert judge("p and q", answer) is and_(a, b)
    assert judge("p or q", answer) is or_(a, b)
    assert judge("not (p and q)", answer) is or_(not_(a), not_(b))


# --- safety: nothing runs -------------------------------------------------------------------

DANGEROUS = [
    "__import__('os').system('x')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "open('f')",
    "lambda: 1",
    "(lambda: 1)()",
    "[x for x in y]",
    "{x for x in y} == 1",
    "a.b",
    "a.b > 1",
    "a[0]",
    "a[0] > 1",
    "f'{x}'",
    "f'{x}' == 'x'",
    "x := 1",
    "(x := 1) > 0",
    "exec('1')",
    "eval('1') > 0",
    "getattr(answer, 'x') > 1",
    "answer if answer else 1",
    "{'a': 1} == answer",
    "answer == b'x'",
    "answer == None",
    "answer is True",
    "answer @ answer > 1",
    "answer << 2 > 1",
    "~answer > 1",
    "answer > 1j",
    "*answer",
    "max(answer, key=abs) > 1",
    "abs > 1",
    "min() > 1",
    "max(*answer) > 1",
    "answer; import os",
    "yield answer",
    "await answer",
    "answer == ...",
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_dangerous_strings_are_rejected_quoting_the_expression(text: str) -> None:
    with pytest.raises(DefinitionError) as info:
        parse_expression(text)
    assert repr(text) in str(info.value)


def test_rejected_code_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    attempts = [
        f"__import__('pathlib').Path({str(marker)!r}).touch()",
        f"__import__('pathlib').Path({str(marker)!r}).touch() or True",
        f"answer == __import__('pathlib').Path({str(marker)!r}).touch()",
        f"[__import__('pathlib').Path({str(marker)!r}).touch() for _ in 'x'] == []",
    ]
    for text in attempts:
        with pytest.raises(DefinitionError):
            parse_expression(text).evaluate(1)
    assert not marker.exists()


def test_messages_name_the_construct() -> None:
    with pytest.raises(DefinitionError, match=r"calls exec\(\).*abs, max, min, round"):
        parse_expression("exec('1')")
    with pytest.raises(DefinitionError, match=r"uses 'a\.b', which expectations do not allow"):
        parse_expression("a.b > 1")
    with pytest.raises(DefinitionError, match="uses the function 'abs' without calling it"):
        parse_expression("abs > 1")
    with pytest.raises(DefinitionError, match=r"calls min\(\) without plain arguments"):
        parse_expression("min() > 1")


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_expression(text: str) -> None:
    with pytest.raises(DefinitionError, match="empty string"):
        parse_expression(text)


@pytest.mark.parametrize(
    "text", [">= ", "=> 0.9", "answer >", "0.9 <", "and", "answer >= 0.9 )", "accuracy = 0.9"]
)
def test_syntax_errors(text: str) -> None:
    with pytest.raises(DefinitionError, match="is not a valid expression") as info:
        parse_expression(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("text", ["answer + 1", "0.9", "abs(answer)", "'svc'", "answer - 0.9"])
def test_values_that_are_not_conditions(text: str) -> None:
    with pytest.raises(DefinitionError, match="is not a condition") as info:
        parse_expression(text)
    assert f"'{text} >= 0.9'" in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "answer > " + "+".join(["1"] * 1200),
        "answer > " + "-" * 1200 + "1",
        "not " * 1200 + "answer",
        "answer > " + "(" * 1200 + "1" + ")" * 1200,
    ],
    ids=["long-sum", "many-minus", "many-not", "deep-parens"],
)
def test_very_deep_expressions_are_definition_errors(text: str) -> None:
    # Too deep to parse must still be reported as a bad expectation, not a RecursionError.
    with pytest.raises(DefinitionError):
        parse_expression(text)


@pytest.mark.parametrize("text", ["== '\ud800'", "\udcff > 1"], ids=["in-string", "bare"])
def test_unencodable_text_is_a_definition_error(text: str) -> None:
    # Lone surrogates can be written in a marker as escapes; ast.parse cannot encode them.
    with pytest.raises(DefinitionError):
        parse_expression(text)


TOKENS = [
    "answer", "a", "x", "1", "2", "0.5", "'x'", "(", ")", "[", "]", ",", " ", "<", "<=", ">",
    ">=", "==", "!=", " in ", " not ", " and ", " or ", "not ", "+", "-", "*", "/", "//", "%",
    "**", "abs", "min", "max", "round", ".", "__class__", "lambda", ":", " if ", " else ",
    " for ", "{", "}", "@", "import", "=", ":=", ";", "\\", "\n", "#", "f'", "'", '"', "*",
    "True", "None", "...", "1e400", "j",
]  # fmt: skip

ANSWERS: list[Any] = [1.0, 0, "x", True, [1, 2], {"a": 1, "x": 2.5}, float("nan")]


def check_never_raises_anything_else(text: str) -> None:
    try:
        expression = parse_expression(text)
    except DefinitionError as error:
        assert repr(text) in str(error) or not text.strip()
        return
    assert isinstance(expression, Expression)
    for answer in ANSWERS:
        try:
            verdict = expression.evaluate(answer)
        except AnswerError:
            continue
        assert isinstance(verdict, Verdict)


@pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_random_text_parses_or_is_a_definition_error(text: str) -> None:
    check_never_raises_anything_else(text)


@pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")
@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14).map("".join))
def test_random_token_soup_parses_or_is_a_definition_error(text: str) -> None:
    check_never_raises_anything_else(text)


# --- evaluation errors ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["answer >= 0.9", "< 0.9", "!= 0", "not (answer < 0.5)"])
def test_a_nan_answer_is_an_error_not_a_verdict(text: str) -> None:
    # Python says nan >= 0.9 is False and nan != 0 is True; neither is evidence about anything.
    with pytest.raises(AnswerError, match="not a number"):
        judge(text, float("nan"))


def test_a_nan_value_in_a_dict_answer_is_an_error_when_compared() -> None:
    with pytest.raises(AnswerError, match="not a number"):
        judge("auc >= 0.5", {"auc": float("nan"), "n": 3})
    assert judge("n == 3", {"auc": float("nan"), "n": 3}) is CONFIRMED  # NaN not looked at


def test_missing_names_in_a_dict_answer() -> None:
    with pytest.raises(AnswerError) as info:
        judge("accuracy >= 0.9 and recall > 0.5", {"accuracy": 0.95, "f1": 0.3})
    message = str(info.value)
    assert "'accuracy >= 0.9 and recall > 0.5'" in message
    assert "uses 'recall'" in message
    assert "the answer has only 'accuracy', 'f1'" in message


def test_missing_names_in_an_empty_dict_answer() -> None:
    with pytest.raises(AnswerError, match="the answer has only no names"):
        judge("a > 1", {})


def test_missing_names_in_a_single_answer_suggest_answer_and_strings() -> None:
    with pytest.raises(AnswerError) as info:
        judge("== svc", "svc")
    message = str(info.value)
    assert "uses 'svc', but the answer is a single value ('svc')" in message
    assert "refer to it as 'answer'" in message
    assert "\"== 'svc'\"" in message


def test_missing_names_are_listed_sorted() -> None:
    with pytest.raises(AnswerError, match="uses 'a', 'b', but the answer is a single value"):
        judge("b > a", 1)


@pytest.mark.parametrize(
    ("text", "answer", "shown"),
    [
        ("answer", 0.5, "'answer' is 0.5"),
        ("answer", "yes", "'answer' is 'yes'"),
        ("a and b > 1", {"a": 3, "b": 2}, "'a' is 3"),
        ("not answer", 1, "'answer' is 1"),
        ("answer or answer > 1", 0, "'answer' is 0"),
    ],
)
def test_non_boolean_results(text: str, answer: Any, shown: str) -> None:
    with pytest.raises(AnswerError, match="does not give True or False") as info:
        judge(text, answer)
    assert shown in str(info.value)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(
    ("text", "answer", "fragment"),
    [
        (">= 0.9", "high", "compares 'high' (str) >= 0.9 (float)"),
        ("answer < 1", [1, 2], "compares [1, 2] (list) < 1 (int)"),
        ("in 5", 1, "compares 1 (int) in 5 (int)"),
        ("answer > 1", {"a": 1}, "(dict) > 1 (int)"),
    ],
)
def test_comparing_incompatible_types(text: str, answer: Any, fragment: str) -> None:
    with pytest.raises(AnswerError, match="which cannot be compared") as info:
        judge(text, answer)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("text", "answer", "fragment"),
    [
        ("answer ** 100000 > 1", 2, "raises to a huge power"),
        ("2 ** answer > 1", 10**6, "raises to a huge power"),
        ("2 ** 1000 ** 2 > answer", 1, "raises to a huge power"),
        ("10.0 ** 400 > answer", 1, "cannot be computed"),
        ("answer / 0 > 1", 1, "cannot be computed on the answer (1, 0): division by zero"),
        ("answer + 1 > 1", "x", "cannot be computed"),
        ("abs(answer) > 1", "x", "cannot be computed"),
        ("round(answer) > 1", float("inf"), "cannot be computed"),
        ("max(answer) > 1", [], "cannot be computed"),
        ("2 ** (10 ** 400) > answer", 1, "huge power"),
    ],
)
def test_arithmetic_errors(text: str, answer: Any, fragment: str) -> None:
    with pytest.raises(AnswerError) as info:
        judge(text, answer)
    assert fragment in str(info.value)
    assert repr(text) in str(info.value)


# --- parse_expectation / Equals / Predicate ------------------------------------------------

EXACT = Judging()  # plain answers, full data: exact verdicts


def test_parse_expectation_string_is_an_expression() -> None:
    expectation = parse_expectation((" >= 0.9 ",), {})
    assert isinstance(expectation, ExpressionExpectation)
    assert expectation.text == ">= 0.9"
    assert expectation.evaluate(0.95, EXACT) is CONFIRMED
    assert expectation.evaluate(0.5, EXACT) is REFUTED


def test_parse_expectation_bad_string_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match=r"'a\.b'"):
        parse_expectation(("a.b",), {})


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((), {}, "exactly one expectation, got 0"),
        ((1, 2), {}, "exactly one expectation, got 2"),
        ((), {"value": 1}, r"not keywords \(value\)"),
        ((1,), {"b": 1, "a": 2}, r"not keywords \(a, b\)"),
        ((None,), {}, r"expect\(None\) can never hold"),
    ],
)
def test_parse_expectation_errors(
    args: tuple[Any, ...], kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(DefinitionError, match=match):
        parse_expectation(args, kwargs)


def test_equals_plain_values() -> None:
    expectation = parse_expectation((1,), {})
    assert isinstance(expectation, Equals)
    assert expectation.text == "== 1"
    assert expectation.evaluate(1, EXACT) is CONFIRMED
    assert expectation.evaluate(1.0, EXACT) is CONFIRMED
    assert expectation.evaluate(2, EXACT) is REFUTED
    assert Equals("svc").text == "== 'svc'"


def test_equals_with_approx() -> None:
    expectation = parse_expectation((pytest.approx(0.93, abs=0.02),), {})
    assert isinstance(expectation, Equals)
    assert expectation.evaluate(0.94, EXACT) is CONFIRMED
    assert expectation.evaluate(0.911, EXACT) is CONFIRMED
    assert expectation.evaluate(0.96, EXACT) is REFUTED
    assert "0.93" in expectation.text


def test_equals_with_dicts() -> None:
    expectation = parse_expectation(({"best": "svc", "score": pytest.approx(0.9, abs=0.01)},), {})
    assert isinstance(expectation, Equals)
    assert expectation.evaluate({"best": "svc", "score": 0.905}, EXACT) is CONFIRMED
    assert expectation.evaluate({"best": "svc", "score": 0.92}, EXACT) is REFUTED
    assert expectation.evaluate({"best": "knn", "score": 0.9}, EXACT) is REFUTED
    assert expectation.evaluate({"best": "svc", "score": 0.9, "extra": 1}, EXACT) is REFUTED
    assert expectation.evaluate({"best": "svc"}, EXACT) is REFUTED


def test_equals_tuple_matches_list_answers() -> None:
    assert Equals((1, 2)).evaluate([1, 2], EXACT) is CONFIRMED
    assert Equals((1, 2)).evaluate([2, 1], EXACT) is REFUTED
    assert Equals([1, 2]).evaluate([1, 2], EXACT) is CONFIRMED


def test_equals_class_is_compared_not_called() -> None:
    expectation = parse_expectation((int,), {})
    assert isinstance(expectation, Equals)
    assert expectation.evaluate(1, EXACT) is REFUTED


def test_equals_that_cannot_compare_is_an_answer_error() -> None:
    with pytest.raises(AnswerError, match=r"cannot be compared with the answer \[1, 2\]"):
        Equals(np.array([1, 2])).evaluate([1, 2], EXACT)


def test_predicate_from_lambda_shows_its_source() -> None:
    expectation = parse_expectation((lambda acc: acc > 0.9,), {})
    assert isinstance(expectation, Predicate)
    assert expectation.text == "lambda acc: acc > 0.9"
    assert expectation.evaluate(0.95, EXACT) is CONFIRMED
    assert expectation.evaluate(0.5, EXACT) is REFUTED


def is_good(answer: float) -> bool:
    return answer > 0.5


def test_predicate_from_named_function() -> None:
    expectation = parse_expectation((is_good,), {})
    assert isinstance(expectation, Predicate)
    assert expectation.text == "is_good"
    assert expectation.evaluate(0.7, EXACT) is CONFIRMED
    assert parse_expectation((math.isfinite,), {}).evaluate(float("inf"), EXACT) is REFUTED


def test_predicate_may_return_numpy_bools_and_verdicts() -> None:
    assert parse_expectation((lambda a: np.bool_(a > 1),), {}).evaluate(2, EXACT) is CONFIRMED
    assert parse_expectation((lambda a: np.float64(a) > 5,), {}).evaluate(2, EXACT) is REFUTED
    assert parse_expectation((lambda a: INCONCLUSIVE,), {}).evaluate(2, EXACT) is INCONCLUSIVE


def test_predicate_optional_extra_parameters_are_fine() -> None:
    def within(answer: float, tolerance: float = 0.1) -> bool:
        return abs(answer - 1) < tolerance

    assert parse_expectation((within,), {}).evaluate(1.05, EXACT) is CONFIRMED


@pytest.mark.parametrize(
    "function",
    [lambda: True, lambda a, b: True, lambda *, a: True],
    ids=["no-args", "two-args", "keyword-only"],
)
def test_predicate_with_wrong_arity(function: Callable[..., Any]) -> None:
    with pytest.raises(DefinitionError, match="takes exactly one argument") as info:
        parse_expectation((function,), {})
    assert "cannot be called with the answer alone" in str(info.value)


def two_args(a: float, b: float) -> bool:
    return a > b


def test_predicate_with_wrong_arity_names_the_function() -> None:
    with pytest.raises(DefinitionError, match=r"predicate two_args\(a: 'float', b: 'float'\)"):
        parse_expectation((two_args,), {})


@pytest.mark.parametrize(
    ("function", "shown"),
    [
        (lambda a: 1, "returned 1 (int)"),
        (lambda a: "yes", "returned 'yes' (str)"),
        (lambda a: None, "returned None (NoneType)"),
        (lambda a: np.array([True]), "(ndarray)"),
    ],
)
def test_predicate_non_bool_return_is_an_answer_error(
    function: Callable[[Any], Any], shown: str
) -> None:
    expectation = parse_expectation((function,), {})
    with pytest.raises(AnswerError, match="it must return True or False") as info:
        expectation.evaluate(1, EXACT)
    assert shown in str(info.value)
