"""Verdicts on estimates: whole interval satisfies -> confirmed, violates -> refuted, else
inconclusive; the sample-aware rule; --sample auto; --confidence; corrections across verdicts."""

from __future__ import annotations

import itertools
import json
import math
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_experiments import Verdict
from pytest_experiments.spec.expectations import parse_expectation
from pytest_experiments.stats.correction import adjust, holm
from pytest_experiments.stats.estimates import Estimate, proportion
from pytest_experiments.stats.evidence import Judging
from pytest_experiments.stats.sequential import Sample, run_looks


def estimate(low: float, high: float, trend: str | None = None) -> Estimate:
    centre = (low + high) / 2
    return Estimate(centre, low, high, 0.95, 30, "t", {"se": (high - low) / 4, "df": 29}, trend)  # type: ignore[arg-type]


def verdict(text: str, answer: object, subsample: bool = False) -> Verdict:
    return parse_expectation((text,), {}).evaluate(answer, Judging(0.95, subsample))


@pytest.mark.parametrize(
    ("text", "low", "high", "expected"),
    [
        (">= 0.9", 0.91, 0.95, Verdict.CONFIRMED),
        (">= 0.9", 0.85, 0.89, Verdict.REFUTED),
        (">= 0.9", 0.88, 0.92, Verdict.INCONCLUSIVE),
        ("< 0.5", 0.1, 0.4, Verdict.CONFIRMED),
        ("< 0.5", 0.5, 0.6, Verdict.REFUTED),
        ("0.8 < answer < 0.95", 0.85, 0.9, Verdict.CONFIRMED),
        ("0.8 < answer < 0.95", 0.9, 0.97, Verdict.INCONCLUSIVE),
        ("0.8 < answer < 0.95", 0.96, 0.99, Verdict.REFUTED),
        ("!= 0", 0.01, 0.05, Verdict.CONFIRMED),
        ("!= 0", -0.01, 0.05, Verdict.INCONCLUSIVE),
        ("== 0", -0.01, 0.05, Verdict.INCONCLUSIVE),
        ("== 0", 0.01, 0.05, Verdict.REFUTED),
        ("not answer > 0", -0.5, -0.1, Verdict.CONFIRMED),
        ("answer * 100 >= 90", 0.91, 0.95, Verdict.CONFIRMED),
        ("answer - 0.9 >= 0", 0.88, 0.92, Verdict.INCONCLUSIVE),
    ],
)
def test_interval_rules(text: str, low: float, high: float, expected: Verdict) -> None:
    assert verdict(text, estimate(low, high)) is expected


def test_kleene_connectives_over_estimates() -> None:
    answer = {"a": estimate(0.91, 0.95), "b": estimate(0.4, 0.6), "c": estimate(0.1, 0.2)}
    assert verdict("a >= 0.9 and b > 0.5", answer) is Verdict.INCONCLUSIVE
    assert verdict("a >= 0.9 and c > 0.5", answer) is Verdict.REFUTED
    assert verdict("c > 0.5 or b > 0.5", answer) is Verdict.INCONCLUSIVE
    assert verdict("a >= 0.9 or b > 0.5", answer) is Verdict.CONFIRMED
    assert verdict("not b > 0.5", answer) is Verdict.INCONCLUSIVE


def test_sample_aware_rule_never_refutes_a_rising_score_on_a_subsample() -> None:
    short = estimate(0.80, 0.88, trend="rises")
    assert verdict(">= 0.9", short, subsample=False) is Verdict.REFUTED
    assert verdict(">= 0.9", short, subsample=True) is Verdict.INCONCLUSIVE
    assert verdict("< 0.9", short, subsample=True) is Verdict.INCONCLUSIVE
    clears = estimate(0.92, 0.96, trend="rises")
    assert verdict(">= 0.9", clears, subsample=True) is Verdict.CONFIRMED
    assert verdict("< 0.9", clears, subsample=True) is Verdict.REFUTED
    loss = estimate(0.2, 0.3, trend="falls")
    assert verdict("<= 0.1", loss, subsample=True) is Verdict.INCONCLUSIVE
    assert verdict("<= 0.35", loss, subsample=True) is Verdict.CONFIRMED


def test_approx_is_an_equivalence_check_on_estimates() -> None:
    inside, straddles, outside = estimate(0.62, 0.64), estimate(0.6, 0.7), estimate(0.7, 0.8)
    expectation = parse_expectation((pytest.approx(0.63, abs=0.02),), {})
    assert expectation.evaluate(inside, Judging()) is Verdict.CONFIRMED
    assert expectation.evaluate(straddles, Judging()) is Verdict.INCONCLUSIVE
    assert expectation.evaluate(outside, Judging()) is Verdict.REFUTED


def test_approx_inside_a_dict_expectation_is_judged_key_by_key() -> None:
    expectation = parse_expectation(({"p": pytest.approx(0.63, abs=0.02), "n": 100},), {})
    assert expectation.evaluate({"p": estimate(0.62, 0.64), "n": 100}, Judging()) is (
        Verdict.CONFIRMED
    )
    assert expectation.evaluate({"p": estimate(0.6, 0.7), "n": 100}, Judging()) is (
        Verdict.INCONCLUSIVE
    )
    assert expectation.evaluate({"p": estimate(0.62, 0.64), "n": 99}, Judging()) is (
        Verdict.REFUTED
    )
    assert expectation.evaluate({"p": estimate(0.62, 0.64)}, Judging()) is Verdict.REFUTED


def test_an_estimate_of_nan_is_an_error_not_a_verdict() -> None:
    from pytest_experiments.errors import AnswerError

    nan = Estimate(math.nan, math.nan, math.nan, 0.95, 30, "t", {"se": math.nan, "df": 29})
    for expected in (">= 0.9", 0.9, pytest.approx(0.9)):
        with pytest.raises(AnswerError, match="not a number"):
            parse_expectation((expected,), {}).evaluate(nan, Judging())


def test_arithmetic_between_two_estimates_is_refused() -> None:
    from pytest_experiments.errors import AnswerError

    with pytest.raises(AnswerError, match=r"exp\.compare"):
        verdict("a - b > 0", {"a": estimate(0.9, 0.95), "b": estimate(0.8, 0.9)})


levels = st.floats(min_value=0.5, max_value=0.999)


@given(
    successes=st.integers(0, 200),
    extra=st.integers(1, 200),
    threshold=st.floats(0.0, 1.0),
    low_level=levels,
    high_level=levels,
    op=st.sampled_from([">=", ">", "<=", "<", "!="]),
)
def test_a_verdict_decisive_at_a_level_is_the_same_at_every_lower_level(
    successes: int, extra: int, threshold: float, low_level: float, high_level: float, op: str
) -> None:
    low_level, high_level = sorted((low_level, high_level))
    answer = proportion(successes, successes + extra, 0.95)
    expectation = parse_expectation((f"{op} {threshold!r}",), {})
    strict = expectation.evaluate(answer, Judging(high_level))
    lenient = expectation.evaluate(answer, Judging(low_level))
    if strict.decisive:
        assert lenient is strict


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30))
def test_holm_adjusted_p_values_are_monotone_and_at_least_the_raw_ones(ps: list[float]) -> None:
    adjusted = holm(ps)
    assert all(a >= p for a, p in zip(adjusted, ps, strict=True))
    assert all(a <= 1 for a in adjusted)
    order = sorted(range(len(ps)), key=ps.__getitem__)
    assert all(adjusted[i] <= adjusted[j] for i, j in itertools.pairwise(order))


def test_bh_uses_scipy_and_is_no_stricter_than_holm() -> None:
    ps = [0.001, 0.01, 0.02, 0.04, 0.3]
    assert adjust(ps, "bh") == pytest.approx([0.005, 0.025, 0.0333333, 0.05, 0.3], rel=1e-4)
    assert all(b <= h for b, h in zip(adjust(ps, "bh"), holm(ps), strict=True))


def test_estimates_print_and_round_trip_through_json() -> None:
    value = proportion(87, 100, 0.95)
    assert str(value) == "0.870 [0.790, 0.922]"
    back = Estimate.from_json(json.loads(json.dumps(value.to_json())))
    assert back == value
    assert back.at_level(0.99).low < value.low
    assert math.isclose(back.at_level(0.95).high, value.high)


ESTIMATE_EXPERIMENTS = """
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.dummy import DummyClassifier
from sklearn.svm import SVC


@pytest.mark.question("Does an RBF SVC beat always guessing the most common digit?")
@pytest.mark.expect("> 0")
def exp_beats_guessing(exp):
    X, y = exp.sample(*load_digits(return_X_y=True), stratify=True)
    return exp.compare(SVC(), DummyClassifier(), X, y)


@pytest.mark.question("Does an RBF SVC reach 0.95 on digits?")
@pytest.mark.expect("accuracy >= 0.95 and folds == 25")
def exp_svc_digits(exp):
    X, y = exp.sample(*load_digits(return_X_y=True), stratify=True, min_rows=0)
    score = exp.score(SVC(), X, y)
    return {"accuracy": score, "folds": score.n}


@pytest.mark.question("Is a fair coin fair?")
@pytest.mark.expect(pytest.approx(0.5, abs=0.2))
def exp_coin(exp):
    flips = exp.rng.integers(0, 2, size=200)
    return exp.proportion(int(flips.sum()), flips.size)
"""


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_estimates_in_a_run(pytester: pytest.Pytester, xdist: list[str]) -> None:
    pytester.makepyfile(test_estimates=ESTIMATE_EXPERIMENTS)
    result = pytester.runpytest_subprocess(
        "--sample", "0.05", "-p", "no:cacheprovider", "--no-journal", *xdist
    )
    result.stdout.fnmatch_lines(
        [
            "CONFIRMED    test_estimates.py::exp_beats_guessing *answer 0.* [[]0.*, 0.*[]]*",
            "INCONCLUSIVE test_estimates.py::exp_svc_digits *accuracy=0.* [[]*]*, folds=25*",
            "CONFIRMED    test_estimates.py::exp_coin *",
            "*- why inconclusive -*",
            "*exp_svc_digits: 0.* >= 0.95 holds for only part of the 95% interval; more data*",
        ]
    )
    assert result.ret == 0
    assert "INTERNALERROR" not in result.stdout.str()


def test_sample_auto_goes_to_all_the_data_for_an_untimed_experiment_and_says_why(
    pytester: pytest.Pytester,
) -> None:
    # Without a timing in the journal there is no budget for smaller looks: a first look could
    # cost as much as all the data, so auto runs what --full runs and says so, once.
    pytester.makepyfile(test_estimates=ESTIMATE_EXPERIMENTS)
    result = pytester.runpytest_subprocess(
        "--sample",
        "auto",
        "-o",
        "experiment_sample=0.05",
        "-p",
        "no:cacheprovider",
        "--no-journal",
        "-k",
        "svc",
    )
    result.stdout.fnmatch_lines(
        [
            "experiments: sample auto (from 5%, x4 per look), seed 0",
            "CONFIRMED    test_estimates.py::exp_svc_digits *answer accuracy=0.9* at full data "
            "(1,797 rows), 1 look*",
            "sample auto went straight to all the data, as --full, for 1 experiment: 1 not "
            "yet timed there in the journal (a blind smaller look could cost as much as all the "
            "data; later runs budget by this run's timings).",
        ]
    )
    assert result.ret == 0


def test_sample_auto_takes_smaller_looks_once_the_journal_timed_a_sample_and_all_the_data(
    pytester: pytest.Pytester,
) -> None:
    # An experiment whose cost grows with the rows (2 s on all 10,000): after a 5 % run and a
    # --full run the journal budgets auto's smaller looks, and a large effect stops at 5 %.
    pytester.makepyfile(
        test_slow="""
        import time
        import pytest

        @pytest.mark.question("Mostly heads?")
        @pytest.mark.expect("> 0.5")
        def exp_heads(exp):
            flips = exp.sample([1] * 9_000 + [0] * 1_000)
            time.sleep(2.0 * (len(flips) / 10_000) ** 2)
            return exp.proportion(sum(flips), len(flips))
        """
    )
    journal = f"--journal={pytester.path / 'journal.sqlite'}"
    auto = ["--sample", "auto", "-o", "experiment_sample=0.05", journal, "-p", "no:cacheprovider"]
    first = pytester.runpytest(*auto)
    first.stdout.fnmatch_lines(
        ["CONFIRMED    test_slow.py::exp_heads *at full data (10,000 rows), 1 look*"]
    )
    assert "went straight to all the data, as --full, for 1 experiment: 1 not yet" in str(
        first.stdout
    )
    pytester.runpytest("--sample", "0.05", journal, "-p", "no:cacheprovider")
    pytester.runpytest("--full", journal, "-p", "no:cacheprovider")
    later = pytester.runpytest(*auto)
    later.stdout.fnmatch_lines(
        ["CONFIRMED    test_slow.py::exp_heads *at 5% (500/10,000 rows), 1 look*"]
    )
    assert "went straight to all the data" not in later.stdout.str()


AUTO_FRACTIONS = (0.05, 0.2, 1.0)


def test_auto_takes_a_plain_number_only_on_all_the_data() -> None:
    # A cross-validated mean short of 0.95 on 5 % of digits says nothing about all of it; a
    # plain number has no interval to say how sure it is, so auto goes to the full-data look.
    seen: list[float] = []

    def run_at(fraction: float) -> tuple[object, Sample]:
        seen.append(fraction)
        return (0.90 if fraction < 1 else 0.97), Sample(int(fraction * 1000), 1000)

    outcome = run_looks(run_at, parse_expectation((">= 0.95",), {}), AUTO_FRACTIONS, 0.95)
    assert seen == [0.05, 1.0]
    assert outcome.judgement is not None and outcome.judgement.verdict is Verdict.CONFIRMED
    assert (outcome.fraction, outcome.looks) == (1.0, 2)


def test_auto_stops_at_once_when_the_answer_does_not_depend_on_the_fraction() -> None:
    # An experiment that neither samples nor reads exp.fraction answers on all its data: every
    # look would repeat it, so there is one look, judged at the run's whole confidence.
    seen: list[float] = []

    def run_at(fraction: float) -> tuple[object, Sample]:
        seen.append(fraction)
        return proportion(60, 100, 0.95), Sample(None, None, uses_fraction=False)

    outcome = run_looks(run_at, parse_expectation(("> 0.5",), {}), AUTO_FRACTIONS, 0.95)
    assert seen == [0.05]
    assert outcome.level == 0.95
    assert outcome.judgement is not None and outcome.judgement.verdict is Verdict.CONFIRMED


def test_auto_without_an_expectation_reports_intervals_at_the_run_confidence() -> None:
    outcome = run_looks(
        lambda fraction: (proportion(6, 10, 0.95), Sample(10, 100)), None, AUTO_FRACTIONS, 0.9
    )
    assert (outcome.looks, outcome.level, outcome.judgement) == (1, 0.9, None)


def test_confidence_changes_the_intervals(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_coin="""
        import pytest

        @pytest.mark.question("Share?")
        @pytest.mark.expect("> 0.5")
        def exp_share(exp):
            return exp.proportion(60, 100)
        """
    )
    at_90 = pytester.runpytest("--confidence", "0.9", "--no-journal")
    at_99 = pytester.runpytest("--confidence", "0.99", "--no-journal")
    at_90.stdout.fnmatch_lines(["CONFIRMED *answer 0.600 [[]0.518, 0.677[]]*"])
    at_99.stdout.fnmatch_lines(["INCONCLUSIVE *answer 0.600 [[]0.471, 0.716[]]*"])


MARGINAL_STUDY = """
import pytest

@pytest.mark.question("Marginal?")
@pytest.mark.expect("> 0.5")
def exp_marginal(exp):
    return exp.proportion(39, 100)  # refuted at 95 %, p about 0.03

@pytest.mark.question("Unclear?")
@pytest.mark.expect("> 0.5")
@pytest.mark.parametrize("k", range(4))
def exp_unclear(exp, k):
    return exp.proportion(50 + k, 100)
"""


def test_correction_can_turn_a_marginal_refutation_inconclusive(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_many=MARGINAL_STUDY)
    plain = pytester.runpytest("--no-journal")
    assert plain.ret == 1
    plain.stdout.fnmatch_lines(["*1 refuted, 4 inconclusive*"])
    corrected = pytester.runpytest("--exp-correction", "holm")
    assert corrected.ret == 0
    with sqlite3.connect(pytester.path / ".experiments" / "journal.sqlite") as db:
        (status,) = db.execute(
            "SELECT status FROM results WHERE nodeid LIKE '%exp_marginal' ORDER BY id DESC"
        ).fetchone()
    assert status == "inconclusive", "the journal keeps the corrected verdict"
    corrected.stdout.fnmatch_lines(
        [
            "INCONCLUSIVE test_many.py::exp_marginal *",
            "*exp_marginal: refuted before the holm correction over 5 verdicts; adjusted p = *",
            "*5 inconclusive*",
        ]
    )


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_junitxml_carries_the_corrected_verdict(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    import xml.etree.ElementTree as ET

    pytester.makepyfile(test_many=MARGINAL_STUDY)
    result = pytester.runpytest_subprocess(
        "--exp-correction", "holm", "--junitxml", "junit.xml", "-p", "no:cacheprovider", *xdist
    )
    assert result.ret == 0
    suite = ET.parse(pytester.path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("skipped"), suite.get("tests")) == ("0", "5", "5")
    case = next(c for c in suite.iter("testcase") if c.get("name") == "exp_marginal")
    assert case.find("failure") is None
    skipped = case.find("skipped")
    assert skipped is not None and "holm" in (skipped.get("message") or "")
    verdicts = {p.get("value") for p in case.iter("property") if p.get("name") == "verdict"}
    assert verdicts == {"inconclusive"}


def test_estimate_methods_take_what_scikit_learn_takes() -> None:
    from pytest_experiments import Experiment

    exp = Experiment("x", 1.0, 0)
    assert exp.mean(value for value in (0.5, 0.7, 0.6)).value == pytest.approx(0.6)
    column = exp.accuracy([[1], [0], [1], [1]], [1, 0, 0, 1])
    assert (column.value, column.n) == (0.75, 4)


def test_score_with_groups_keeps_each_group_on_one_side() -> None:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from pytest_experiments import Experiment
    from pytest_experiments.stats.crossval import make_splits

    X, y = load_iris(return_X_y=True)
    groups = [i // 5 for i in range(len(y))]
    score = Experiment("x", 1.0, 0).score(
        LogisticRegression(max_iter=500), X, y, cv=GroupKFold(5), groups=groups
    )
    assert score.n == 5 and 0.8 < score.value <= 1.0
    for train, test in make_splits(y, X, GroupKFold(5), 1, 0, groups=groups):
        assert not {groups[i] for i in train} & {groups[i] for i in test}


def test_inconclusive_verdicts_say_why() -> None:
    judging = Judging(0.95, subsample=True)
    parse_expectation((pytest.approx(0.5, abs=0.05),), {}).evaluate(estimate(0.4, 0.6), judging)
    assert judging.notes == [
        "0.500 [0.400, 0.600] lies only partly inside the band [0.45, 0.55] at the 95% level; "
        "more data would narrow it (--sample auto or a larger --sample)"
    ]
    judging = Judging(0.95, subsample=True)
    scores = {"a": estimate(0.9, 0.95, "rises"), "b": estimate(0.1, 0.12, "rises")}
    assert parse_expectation(("a > b",), {}).evaluate(scores, judging) is Verdict.INCONCLUSIVE
    assert judging.trend_blocked
    assert "exp.compare(a, b, X, y)" in judging.notes[0]


def test_a_sample_drawn_in_a_fixture_is_the_only_look(pytester: pytest.Pytester) -> None:
    # The fixture runs once, before the body: auto cannot grow its sample, so there is one look
    # on the fixture's rows, a plain number there is not judged, and the rows are reported.
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def rows(exp):
            return exp.sample(list(range(1000)), min_rows=0)
        """
    )
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("Even share?")
        @pytest.mark.expect("> 0.3")
        def exp_even(exp, rows):
            return exp.proportion(sum(1 for x in rows if x % 2 == 0), len(rows))

        @pytest.mark.question("How many rows?")
        @pytest.mark.expect(">= 500")
        def exp_count(exp, rows):
            return len(rows)
        """
    )
    auto = pytester.runpytest("--sample", "auto", "--no-journal", "-p", "no:cacheprovider")
    auto.stdout.fnmatch_lines(
        [
            "CONFIRMED    test_study.py::exp_even *at 10% (100/1,000 rows), 1 look*",
            "INCONCLUSIVE test_study.py::exp_count *answer 100  at 10% (100/1,000 rows), 1 look*",
            "*exp_count: 100 is a plain value: it is not shown not to move with the size of the "
            "data, because the sample was drawn in a fixture, so no smaller look could be taken*"
            "; the sample was drawn in a fixture*could not grow it*",
        ]
    )
    fixed = pytester.runpytest("--sample", "0.1", "--no-journal", "-p", "no:cacheprovider")
    fixed.stdout.fnmatch_lines(["INCONCLUSIVE test_study.py::exp_count *10% (100/1,000 rows)*"])
    exact = pytester.runpytest(
        "--sample",
        "0.1",
        "--no-journal",
        "-p",
        "no:cacheprovider",
        "-o",
        "experiment_exact_plain_numbers=true",
    )
    exact.stdout.fnmatch_lines(["REFUTED      test_study.py::exp_count *10% (100/1,000 rows)*"])
