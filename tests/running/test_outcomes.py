"""Outcomes: confirmed passes, refuted fails apart from bugs, inconclusive is reported."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

THREE_VERDICTS = """
import pytest
from pytest_experiments import Verdict

@pytest.mark.question("Is it big?")
@pytest.mark.expect(">= 10")
def exp_confirmed(exp):
    return 12

@pytest.mark.question("Is it small?")
@pytest.mark.expect("< 10")
def exp_refuted(exp):
    return 12.5

@pytest.mark.question("Can we tell?")
@pytest.mark.expect(lambda answer: Verdict.INCONCLUSIVE)
def exp_inconclusive(exp):
    return 0.5

@pytest.mark.question("Does the code work?")
@pytest.mark.expect(">= 0")
def exp_crashes(exp):
    raise ValueError("a bug in the experiment")

def test_unit():
    assert True
"""


def test_each_verdict_has_its_own_outcome(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_study=THREE_VERDICTS)
    result = pytester.runpytest("-v")

    result.stdout.fnmatch_lines(
        [
            "test_study.py::exp_confirmed CONFIRMED*",
            "test_study.py::exp_refuted REFUTED*",
            "test_study.py::exp_inconclusive INCONCLUSIVE*",
            "test_study.py::exp_crashes FAILED*",
            "test_study.py::test_unit PASSED*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*= 1 failed, 1 passed, 1 confirmed, 1 refuted, 1 inconclusive in *"]
    )
    assert result.ret == 1


def test_refuted_is_reported_with_question_not_traceback(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_study=THREE_VERDICTS)
    result = pytester.runpytest()
    out = result.stdout.str()

    result.stdout.fnmatch_lines(
        [
            "*= FAILURES =*",
            "*_ exp_crashes _*",
            "*ValueError: a bug in the experiment",
            "*= assumptions refuted =*",
            "*_ test_study.py::exp_refuted _*",
            "question:    Is it small?",
            "expected:    < 10",
            "answer:      12.5",
            "sample:      not sampled, seed *",
        ]
    )
    failures = out.split("= FAILURES =")[1].split("= assumptions refuted =")[0]
    assert "exp_refuted" not in failures, "a refuted assumption is not a bug: no traceback"


def test_experiments_section_has_one_line_each(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_study=THREE_VERDICTS)
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(
        [
            "*= experiments =*",
            "CONFIRMED    test_study.py::exp_confirmed     'Is it big?'  expected >= 10  "
            "answer 12  not sampled  *s",
            "REFUTED      test_study.py::exp_refuted       'Is it small?'  expected < 10  "
            "answer 12.5  not sampled  *s",
            "INCONCLUSIVE test_study.py::exp_inconclusive  'Can we tell?'  expected lambda "
            "answer: Verdict.INCONCLUSIVE  answer 0.5  not sampled  *s",
            "FAILED       test_study.py::exp_crashes       'Does the code work?'  expected >= 0  "
            "ValueError: a bug in the experiment  10%  *s",
        ]
    )


def test_inconclusive_can_be_made_to_fail(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest
        from pytest_experiments import Verdict

        @pytest.mark.question("Can we tell?")
        @pytest.mark.expect(lambda answer: Verdict.INCONCLUSIVE)
        def exp_open(exp):
            return 0.5
        """
    )
    assert pytester.runpytest().ret == 0
    failing = pytester.runpytest("--exp-fail-inconclusive")
    assert failing.ret == 1
    failing.stdout.fnmatch_lines(["*1 inconclusive*"])


def test_report_only_reports_refutations_without_failing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("Is it small?")
        @pytest.mark.expect("< 10")
        def exp_refuted(exp):
            return 12
        """
    )
    result = pytester.runpytest("--exp-report-only")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*= assumptions refuted =*", "*= 1 refuted in *"])


def test_exceptions_are_bugs_not_refutations(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("Q?")
        @pytest.mark.expect(">= 0")
        def exp_asserts(exp):
            assert 1 == 2

        @pytest.mark.question("Q?")
        @pytest.mark.expect(lambda answer: 1 / 0)
        def exp_predicate_crashes(exp):
            return 1
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=2)
    assert "refuted" not in result.stdout.str().splitlines()[-1]


def test_junitxml_types_refuted_and_skips_inconclusive(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_study=THREE_VERDICTS)
    pytester.runpytest("--junitxml=report.xml")
    cases = {
        case.get("name"): case for case in ET.parse(pytester.path / "report.xml").iter("testcase")
    }

    failure = cases["exp_refuted"].find("failure")
    assert failure is not None
    assert failure.get("type") == "AssumptionRefuted"
    assert "expected:    < 10" in (failure.text or "")
    crash = cases["exp_crashes"].find("failure")
    assert crash is not None and crash.get("type") != "AssumptionRefuted"
    skipped = cases["exp_inconclusive"].find("skipped")
    assert skipped is not None and "inconclusive" in (skipped.get("message") or "")
    assert cases["exp_confirmed"].find("failure") is None

    properties = {
        prop.get("name"): prop.get("value") for prop in cases["exp_refuted"].iter("property")
    }
    assert properties == {
        "question": "Is it small?",
        "expectation": "< 10",
        "answer": "12.5",
        "verdict": "refuted",
        "fraction": "10%",
    }


def test_junitxml_is_the_same_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_study=THREE_VERDICTS)
    pytester.runpytest_subprocess("-n", "2", "--junitxml=report.xml")
    cases = {
        case.get("name"): case for case in ET.parse(pytester.path / "report.xml").iter("testcase")
    }
    failure = cases["exp_refuted"].find("failure")
    assert failure is not None and failure.get("type") == "AssumptionRefuted"
    verdict = [
        p.get("value")
        for p in cases["exp_confirmed"].iter("property")
        if p.get("name") == "verdict"
    ]
    assert verdict == ["confirmed"]


def test_answers_of_every_supported_kind(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_study="""
        import numpy as np
        import pytest

        @pytest.mark.question("numpy float?")
        @pytest.mark.expect(pytest.approx(0.3))
        def exp_numpy_float(exp):
            return np.float32(0.1) + np.float64(0.2)

        @pytest.mark.question("numpy int?")
        @pytest.mark.expect(3)
        def exp_numpy_int(exp):
            return np.int64(3)

        @pytest.mark.question("bool?")
        @pytest.mark.expect(True)
        def exp_bool(exp):
            return np.bool_(True)

        @pytest.mark.question("string?")
        @pytest.mark.expect("== 'svc'")
        def exp_string(exp):
            return "svc"

        @pytest.mark.question("dict?")
        @pytest.mark.expect({"best": "svc", "k": 3})
        def exp_dict(exp):
            return {"best": "svc", "k": np.int32(3)}

        @pytest.mark.question("chained?")
        @pytest.mark.expect("0.8 < answer < 0.95")
        def exp_chained(exp):
            return 0.9

        @pytest.mark.question("arithmetic?")
        @pytest.mark.expect("abs(a - b) < 0.05 and max(a, b) <= 1 and not a > 2 * b")
        def exp_arithmetic(exp):
            return {"a": 0.91, "b": 0.9}

        @pytest.mark.question("nan?")
        def exp_nan(exp):
            return float("nan")
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["ANSWERED*exp_nan*answer nan*", "*= 7 confirmed, 1 answered in *"])
    assert result.ret == 0


def test_a_nan_answer_under_an_expectation_fails_with_what_to_do(pytester: pytest.Pytester) -> None:
    # Python would call nan >= 0.9 False (refuted) and nan != 0 True (confirmed): neither is
    # evidence, and an assumption failure must not hide a bug.
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("Is the model accurate?")
        @pytest.mark.expect(">= 0.9")
        def exp_empty_mean(exp):
            return float("nan")
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["FAILED*exp_empty_mean*meets nan, which is not a number*"])
    result.stdout.no_fnmatch_line("*REFUTED*")
    assert result.ret == 1


def test_recorded_values_are_kept_with_the_result(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import json
        def pytest_runtest_logreport(report):
            data = getattr(report, "experiment", None)
            if data:
                with open("results.jsonl", "a") as f:
                    f.write(json.dumps(data) + "\\n")
        """
    )
    pytester.makepyfile(
        test_study="""
        import numpy as np
        import pytest

        @pytest.mark.question("Q?")
        @pytest.mark.expect(">= 0")
        def exp_records(exp):
            X = np.arange(1000).reshape(500, 2)
            X, = [exp.sample(X)]
            exp.record(folds=np.int64(3), path=__import__("pathlib").Path("a/b"), scores=np.ones(2))
            exp.record(rows=len(X))
            return float(X.shape[1])
        """
    )
    pytester.runpytest()

    (data,) = [
        json.loads(line) for line in (pytester.path / "results.jsonl").read_text().splitlines()
    ]
    # the smaller look that checks the answer does not move (25 rows) leaves the record alone
    assert data["record"] == {"folds": 3, "path": "a/b", "scores": [1.0, 1.0], "rows": 100}
    assert (data["rows"], data["total_rows"]) == (100, 500)
    assert data["status"] == "confirmed"
    assert data["answer"] == 2.0


def test_an_interrupted_run_still_counts_what_finished(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("Which n?")
        @pytest.mark.parametrize("n", [1, 2, 3])
        def exp_n(exp, n):
            if n == 3:
                raise KeyboardInterrupt  # Ctrl-C during the third experiment
            return n
        """
    )
    # in a subprocess: in-process, pytester would pass the interrupt on to this run
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*KeyboardInterrupt*", "*= 2 answered in *"])


def test_an_answer_keyed_by_numbers_meets_an_expectation_keyed_by_numbers(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("Which k is best?")
        @pytest.mark.expect({1: 0.5, 3: pytest.approx(0.7)})
        def exp_by_k(exp):
            return {k: score for k, score in ((1, 0.5), (3, 0.7000001))}
        """
    )
    result = pytester.runpytest("--no-journal")
    result.stdout.fnmatch_lines(["CONFIRMED    test_study.py::exp_by_k *answer 1=0.5, 3=0.7*"])


def test_xfail_on_an_experiment_means_its_refutation_is_expected(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("Known weak?")
        @pytest.mark.xfail(reason="known weak")
        @pytest.mark.expect(">= 2")
        def exp_weak(exp):
            return 1

        @pytest.mark.question("Better than feared?")
        @pytest.mark.xfail(reason="known weak")
        @pytest.mark.expect(">= 0")
        def exp_better(exp):
            return 1

        @pytest.mark.question("Strictly weak?")
        @pytest.mark.xfail(reason="known weak", strict=True)
        @pytest.mark.expect(">= 0")
        def exp_strict(exp):
            return 1
        """
    )
    result = pytester.runpytest("--no-journal", "-rxXf", "--junitxml", "junit.xml")
    result.stdout.fnmatch_lines(
        [
            "REFUTED      test_study.py::exp_weak *expected (xfail)",
            "XFAIL test_study.py::exp_weak - known weak",
            "XPASS test_study.py::exp_better - known weak",
            "FAILED test_study.py::exp_strict - [XPASS(strict)] known weak",
            "*= 1 failed, 1 xfailed, 1 xpassed in *",
        ]
    )
    assert "assumptions refuted" not in result.stdout.str()
    junit = (pytester.path / "junit.xml").read_text()
    assert '<skipped type="pytest.xfail" message="known weak"' in junit


@pytest.mark.parametrize("expected", ['"== 0.3"', "0.3"])
def test_a_float_that_misses_only_by_rounding_says_so(
    pytester: pytest.Pytester, expected: str
) -> None:
    pytester.makepyfile(
        test_study=f"""
        import pytest

        @pytest.mark.question("Sum?")
        @pytest.mark.expect({expected})
        def exp_sum(exp):
            return 0.1 + 0.2
        """
    )
    result = pytester.runpytest("--no-journal")
    result.stdout.fnmatch_lines(
        ["why: *0.30000000000000004 is not exactly 0.3; compare floats with pytest.approx(0.3)"]
    )


LONG = """
import pytest

QUESTION = (
    "Which k is best for k-nearest neighbours on the wine data when the features are not "
    "scaled?"
)

@pytest.mark.question(QUESTION)
@pytest.mark.expect(">= 0.9")
def exp_long_question(exp):
    return 0.5

@pytest.mark.question("Is it half?")
@pytest.mark.expect(pytest.approx(0.5, abs=0.01))
def exp_half(exp):
    return exp.proportion(40, 100)
"""


@pytest.mark.parametrize("columns", [80, 200])
def test_experiment_lines_fit_the_terminal_and_wrap_between_words(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    pytester.makepyfile(test_study=LONG)
    result = pytester.runpytest("--no-journal", "-p", "no:cacheprovider", "-ra")
    lines = result.outlines
    start = lines.index(next(line for line in lines if "= assumptions refuted =" in line))
    assert max(len(line) for line in lines[start:]) <= columns  # pytest's header is its own
    start = lines.index(next(line for line in lines if "= experiments =" in line))
    section = lines[start + 1 :]
    section = section[: next(i for i, line in enumerate(section) if line.startswith(("-", "=")))]
    assert section[0].startswith("REFUTED      test_study.py::exp_long_question")
    text = " ".join(line.strip() for line in section)
    assert "'Which k is best for k-nearest neighbours on the wine data when the" in text
    for line in section:
        if not line.startswith(("INCONCLUSIVE", "REFUTED")):
            assert line.startswith(" " * 13)  # continued under the text, not mid-word
    result.stdout.fnmatch_lines(
        [
            "*short test summary info*",
            "REFUTED test_study.py::exp_long_question - 'Which k is best*",
            "INCONCLUSIVE test_study.py::exp_half - 'Is it half?', expected == 0.5*",
        ]
    )


def test_verbose_lines_say_the_answer_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_study=LONG)
    result = pytester.runpytest("--no-journal", "-p", "no:cacheprovider", "-v")
    (line,) = [line for line in result.outlines if "exp_half INCONCLUSIVE" in line]
    assert line.count("0.400") == 1, line
