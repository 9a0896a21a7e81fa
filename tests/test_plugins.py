"""Living with the plugins users already run, tested with the real ones (the dev extra)."""

from __future__ import annotations

import html

import pytest

REFUTED_AND_FAILING = """
import pytest

@pytest.mark.question("Is it high?")
@pytest.mark.expect(">= 0.9")
def exp_low(exp):
    print("BODY RAN")
    return 0.5

def test_flaky():
    assert 0
"""


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_rerunfailures_reruns_bugs_but_not_refutations(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    pytester.makepyfile(test_study=REFUTED_AND_FAILING)
    result = pytester.runpytest_subprocess(
        "--reruns", "2", "--no-journal", "-p", "no:cacheprovider", "-rA", *xdist
    )
    assert result.ret == 1
    outcomes = result.parseoutcomes()
    assert (outcomes.get("refuted"), outcomes.get("rerun"), outcomes.get("failed")) == (1, 2, 1)
    assert result.stdout.str().count("BODY RAN") <= 1  # captured: shown once for -rA at most


def test_a_refutation_has_its_own_progress_letter(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_study=REFUTED_AND_FAILING)
    result = pytester.runpytest_subprocess(
        "--reruns", "1", "--no-journal", "-p", "no:cacheprovider"
    )
    result.stdout.fnmatch_lines(["test_study.py ARF *"])


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_pytest_html_shows_experiments_and_tells_refutations_apart(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    pytester.makepyfile(test_study=REFUTED_AND_FAILING)
    report = pytester.path / "report.html"
    pytester.runpytest_subprocess(
        f"--html={report}",
        "--self-contained-html",
        "--no-journal",
        "-p",
        "no:cacheprovider",
        *xdist,
    )
    page = html.unescape(html.unescape(report.read_text()))  # its rows are escaped JSON
    for text in ("Question", "Expected", "Answer", "Verdict", "Is it high?", ">= 0.9"):
        assert text in page, text
    assert "Refuted" in page
    assert "1 refuted are assumptions that failed (findings, not bugs)" in page
    assert "question:    Is it high?" in page


def test_without_pytest_html_nothing_of_it_is_registered(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_study=REFUTED_AND_FAILING)
    result = pytester.runpytest_subprocess(
        "-p", "no:html", "--no-journal", "-p", "no:cacheprovider"
    )
    assert result.ret == 1
    assert "PluginValidationError" not in result.stdout.str() + result.stderr.str()


def test_pytest_timeout_killing_an_experiment_leaves_its_row(pytester: pytest.Pytester) -> None:
    import sqlite3

    pytester.makepyfile(
        test_study="""
        import time
        import pytest

        @pytest.mark.question("Does it finish in time?")
        def exp_slow(exp):
            time.sleep(30)
            return 1
        """
    )
    pytester.runpytest_subprocess("--timeout", "1", "--timeout-method", "thread")
    with sqlite3.connect(pytester.path / ".experiments" / "journal.sqlite") as connection:
        ((status, error),) = connection.execute("SELECT status, error FROM results").fetchall()
    assert status == "crashed" and "did not finish" in error


@pytest.mark.parametrize("on_ci", [False, True], ids=["terminal", "CI"])
def test_pytest_sugar_shows_each_refutation_once_and_says_the_verdicts(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, on_ci: bool
) -> None:
    pytest.importorskip("pytest_sugar")
    monkeypatch.setenv("PYTEST_ADDOPTS", "-W ignore::pytest.PytestAssertRewriteWarning")
    monkeypatch.setenv("NO_COLOR", "1")
    # on CI pytest prints short-summary messages whole instead of cutting them to one line
    if on_ci:
        monkeypatch.setenv("CI", "true")
    else:
        monkeypatch.delenv("CI", raising=False)
        monkeypatch.delenv("BUILD_NUMBER", raising=False)
    pytester.makepyfile(test_study=REFUTED_AND_FAILING)
    result = pytester.runpytest_subprocess(
        "--force-sugar", "--no-journal", "-p", "no:cacheprovider", "-ra"
    )
    assert result.ret == 1
    output = result.stdout.str()
    assert output.count("expected:    >= 0.9") == 1  # the details, as sugar reports a failure
    assert "assumptions refuted" not in output
    assert output.count("REFUTED test_study.py::exp_low") == 1  # the short summary, once
    assert "REFUTED test_study.py::exp_low - 'Is it high?', expected >= 0.9" in output
    result.stdout.fnmatch_lines(["experiments: 1 refuted (pytest-sugar's Results below count*"])
