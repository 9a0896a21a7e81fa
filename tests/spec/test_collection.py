"""Collection: experiments are gathered beside tests and selectable with -m experiment."""

from __future__ import annotations

import pytest

EXPERIMENTS = """
import pytest

def test_plain():
    assert True

@pytest.mark.question("Is one one?")
@pytest.mark.expect(1)
def exp_function(exp):
    return 1

class TestGroup:
    def test_method(self):
        assert True

    @pytest.mark.question("Is two two?")
    @pytest.mark.expect(2)
    def exp_method(self, exp):
        return 2

@pytest.mark.question("Is k small?")
@pytest.mark.expect("< 10")
@pytest.mark.parametrize("k", [1, 3, 5])
def exp_parametrized(exp, k):
    return k
"""


def collected(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if "::" in line]


def test_functions_methods_and_parametrized_experiments_are_collected(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_study=EXPERIMENTS)
    result = pytester.runpytest("--collect-only", "-q")
    assert collected(result) == [
        "test_study.py::test_plain",
        "test_study.py::exp_function",
        "test_study.py::TestGroup::test_method",
        "test_study.py::TestGroup::exp_method",
        "test_study.py::exp_parametrized[1]",
        "test_study.py::exp_parametrized[3]",
        "test_study.py::exp_parametrized[5]",
    ]


def test_exp_files_are_collected(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        exp_scaling="""
        import pytest

        @pytest.mark.question("Does it run?")
        def exp_runs(exp):
            return True
        """
    )
    result = pytester.runpytest("-v")
    result.stdout.fnmatch_lines(["exp_scaling.py::exp_runs ANSWERED*"])
    assert result.ret == 0


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ("experiment", {"exp_function", "exp_method", "exp_parametrized"}),
        ("not experiment", {"test_plain", "test_method"}),
    ],
)
def test_experiment_marker_selects(
    pytester: pytest.Pytester, selection: str, expected: set[str]
) -> None:
    pytester.makepyfile(test_study=EXPERIMENTS)
    result = pytester.runpytest("--collect-only", "-q", "-m", selection)
    names = {line.split("::")[-1].split("[")[0] for line in collected(result)}
    assert names == expected


def test_users_own_collection_settings_keep_working(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        python_files = check_*.py
        python_functions = check_
        """
    )
    pytester.makepyfile(
        check_things="""
        import pytest

        def check_plain():
            assert True

        def test_not_collected_here():
            assert False

        @pytest.mark.question("Still an experiment?")
        @pytest.mark.expect(True)
        def exp_still(exp):
            return True
        """
    )
    result = pytester.runpytest("-v")
    result.stdout.fnmatch_lines(
        ["check_things.py::check_plain PASSED*", "check_things.py::exp_still CONFIRMED*"]
    )
    result.assert_outcomes(passed=1)
    assert result.ret == 0


def test_markers_are_registered_and_strict_markers_accepts_them(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_study=EXPERIMENTS)
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(
        [
            "@pytest.mark.experiment:*",
            "@pytest.mark.question(text):*",
            "@pytest.mark.expect(expectation):*",
            "@pytest.mark.sample(fraction):*",
        ]
    )
    strict = pytester.runpytest("--strict-markers")
    assert strict.ret == 0
    assert "not found in `markers`" not in strict.stdout.str()


def test_missing_question_is_an_error_for_that_experiment_only(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest

        def exp_unasked(exp):
            return 1

        @pytest.mark.question("Asked?")
        def exp_asked(exp):
            return 1
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["ERROR test_study.py::exp_unasked - *has no question*"])
    assert result.ret == 1
    assert "1 answered" in result.stdout.str()


def test_ini_switch_relaxes_the_question_requirement(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nexperiment_require_question = false\n")
    pytester.makepyfile(test_study="def exp_unasked(exp):\n    return 1\n")
    result = pytester.runpytest()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*1 answered*"])


def test_a_script_named_like_an_experiment_module_that_exits_is_that_files_error(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        exp_001_baseline="import sys\nsys.exit(2)\n", test_units="def test_a():\n    pass\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(
        ["importing exp_001_baseline.py exited (SystemExit: 2); it is collected because*"]
    )
    # experiment_files chooses which files are experiment modules; empty: only test files
    pytester.makeini("[pytest]\nexperiment_files =\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*1 passed*"])


TYPOS = [
    ("expcet", "expect"),
    ("sampel", "sample"),
    ("smaple", "sample"),
    ("questoin", "question"),
    ("expects", "expect"),
    ("exepct", "expect"),
    ("expec", "expect"),
    ("smple", "sample"),
    ("qeustion", "question"),
    ("quesiton", "question"),
    ("expetc", "expect"),
    ("priorty", "priority"),
    ("prioirty", "priority"),
    ("data_file", "data_files"),
    ("datafiles", "data_files"),
    ("exect", "expect"),
    ("saample", "sample"),
    ("sampl", "sample"),
    ("expectt", "expect"),
    ("quetion", "question"),
    ("questio", "question"),
    ("Expect", "expect"),
    ("Sample", "sample"),
    ("exoect", "expect"),
    ("sanple", "sample"),
    ("priortiy", "priority"),
    ("data_flies", "data_files"),
    ("qustion", "question"),
    ("questiom", "question"),
    ("samples", "sample"),
]

REAL_MARKERS = [
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
    "freeze_time",
    "vcr",
    "integration",
    "unit",
    "smoke",
    "network",
    "gpu",
    "serial",
]


def test_a_marker_one_edit_from_an_experiment_marker_is_an_error_and_real_ones_are_not() -> None:
    from pytest_experiments.spec.markers import misspelt_name

    assert {typo: misspelt_name(typo) for typo, _ in TYPOS} == dict(TYPOS)
    assert {marker: misspelt_name(marker) for marker in REAL_MARKERS} == dict.fromkeys(REAL_MARKERS)


def test_a_misspelt_expectation_never_lets_the_gate_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("Is it high?")
        @pytest.mark.expcet(">= 0.9")
        def exp_high(exp):
            return 0.5
        """
    )
    result = pytester.runpytest("--no-journal", "-p", "no:cacheprovider")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.expcet is not a marker pytest knows; did you mean @pytest.mark.expect?*"]
    )
