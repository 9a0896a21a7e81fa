"""``--reuse``: an experiment whose inputs did not change is answered from the journal; any
change to one of its inputs runs it again, and a failure is never reused."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest

from pytest_experiments.downtime import reuse

STUDY = """
import os

import pytest

import helper


@pytest.fixture
def prepared():
    helper.note("fixture")
    return 1


@pytest.mark.question("Is it good?")
@pytest.mark.expect(os.environ.get("EXPECT_GOOD", ">= 0.9"))
@pytest.mark.data_files("data.csv")
def exp_good(exp, prepared):
    helper.note("exp_good")
    return helper.SCORE


@pytest.mark.question("Which one?")
def exp_other(exp):
    helper.note("exp_other")
    return 3
"""

HELPER = """
SCORE = 0.95


def note(name):
    with open("ran.log", "a") as handle:
        handle.write(name + "\\n")
"""


@pytest.fixture
def study(pytester: pytest.Pytester) -> pytest.Pytester:
    """A study run once (run 1): exp_good reads data.csv and a helper module."""
    pytester.makepyfile(test_study=STUDY, helper=HELPER)
    pytester.makeconftest("")
    (pytester.path / "data.csv").write_text("x,y\n1,2\n")
    result = pytester.runpytest()
    assert result.parseoutcomes() == {"confirmed": 1, "answered": 1}
    ran(pytester)
    return pytester


def counts(result: pytest.RunResult) -> str:
    """The counts of the final summary line: ``1 confirmed (reused), 1 answered (reused)``."""
    last = result.outlines[-1].strip("= ")
    return last.rsplit(" in ", 1)[0]


def ran(pytester: pytest.Pytester) -> list[str]:
    """What ran since the last look (and forget it)."""
    log = pytester.path / "ran.log"
    if not log.exists():
        return []
    names = log.read_text().split()
    log.unlink()
    return names


def test_an_unchanged_experiment_is_answered_from_the_journal(study: pytest.Pytester) -> None:
    result = study.runpytest("--reuse", "-v")
    assert ran(study) == [], "neither the experiments nor their fixtures ran"
    assert result.ret == 0
    assert counts(result) == "1 confirmed (reused), 1 answered (reused)"
    result.stdout.fnmatch_lines(
        [
            "test_study.py::exp_good CONFIRMED (reused from run 1)*",
            "test_study.py::exp_other ANSWERED (reused from run 1)*",
            "*= experiments =*",
            "CONFIRMED    test_study.py::exp_good   'Is it good?'  expected >= 0.9  answer 0.95  "
            "10%  *s  reused from run 1",
            "ANSWERED     test_study.py::exp_other  'Which one?'  answer 3  10%  *s  reused from "
            "run 1",
            "journal: .experiments/journal.sqlite (run 2)",
        ]
    )
    # The reuse is journaled in run 2, pointing at the run that computed it; a third run
    # still names run 1.
    db = sqlite3.connect(study.path / ".experiments" / "journal.sqlite")
    rows = db.execute(
        "SELECT nodeid, status, answer, json_extract(data, '$.reused_from') FROM results "
        "WHERE run_id = 2 ORDER BY nodeid"
    ).fetchall()
    assert rows == [
        ("test_study.py::exp_good", "confirmed", "0.95", 1),
        ("test_study.py::exp_other", "answered", "3", 1),
    ]
    study.runpytest("--reuse", "-v").stdout.fnmatch_lines(
        ["*exp_good CONFIRMED (reused from run 1)*"]
    )


def test_without_reuse_everything_runs(study: pytest.Pytester) -> None:
    study.runpytest()
    assert sorted(ran(study)) == ["exp_good", "exp_other", "fixture"]


def edit(path: str, old: str, new: str) -> Callable[[pytest.Pytester], None]:
    def change(pytester: pytest.Pytester) -> None:
        file = pytester.path / path
        text = file.read_text()
        assert old in text, f"{old!r} not in {path}"
        file.write_text(text.replace(old, new, 1))

    return change


def append(path: str, text: str) -> Callable[[pytest.Pytester], None]:
    def change(pytester: pytest.Pytester) -> None:
        file = pytester.path / path
        file.write_text(file.read_text() + text)

    return change


def nothing(pytester: pytest.Pytester) -> None:
    pass


BOTH = ["exp_good", "exp_other"]

CHANGES = {
    # input: (change to the project, extra command-line arguments, what runs again)
    "function source": (
        edit("test_study.py", "return helper.SCORE", "return 0 + helper.SCORE"),
        [],
        BOTH,
    ),
    "module source": (append("test_study.py", "\n# a comment\n"), [], BOTH),
    "project module": (edit("helper.py", "SCORE = 0.95", "SCORE = 0.96"), [], BOTH),
    "conftest": (append("conftest.py", "\n# a comment\n"), [], BOTH),
    "data file": (append("data.csv", "3,4\n"), [], ["exp_good"]),
    "fraction": (nothing, ["--sample", "0.2"], BOTH),
    "seed": (nothing, ["--seed", "3"], BOTH),
    "confidence": (nothing, ["--confidence", "0.99"], BOTH),
    "correction": (nothing, ["--exp-correction", "holm"], BOTH),
}


@pytest.mark.parametrize("changed", list(CHANGES))
def test_changing_an_input_runs_the_experiment_again(study: pytest.Pytester, changed: str) -> None:
    change, arguments, expected = CHANGES[changed]
    change(study)
    study.runpytest("--reuse", *arguments)
    assert sorted(name for name in ran(study) if name != "fixture") == expected
    # Then, unchanged again, it is reused.
    study.runpytest("--reuse", *arguments)
    assert ran(study) == []


def test_a_marker_argument_is_an_input(
    study: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file stays the same; only the expectation's argument differs.
    monkeypatch.setenv("EXPECT_GOOD", ">= 0.5")
    result = study.runpytest("--reuse")
    assert ran(study) == ["fixture", "exp_good"]
    assert counts(result) == "1 confirmed, 1 answered (reused)"


def test_a_package_version_is_an_input(
    study: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = reuse.key_package_versions()
    monkeypatch.setattr(
        reuse, "key_package_versions", lambda: {**versions, "scikit-learn": "0.0.1"}
    )
    study.runpytest("--reuse")
    assert sorted(name for name in ran(study) if name != "fixture") == BOTH


@pytest.mark.parametrize("status", ["failed", "error", "skipped", "crashed"])
def test_a_failed_or_crashed_result_is_never_reused(study: pytest.Pytester, status: str) -> None:
    db = sqlite3.connect(study.path / ".experiments" / "journal.sqlite")
    with db:
        db.execute("UPDATE results SET status = ? WHERE nodeid LIKE '%exp_good'", (status,))
    db.close()
    study.runpytest("--reuse")
    assert ran(study) == ["fixture", "exp_good"]


def test_an_experiment_that_fails_runs_every_time(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("Does it work?")
        def exp_broken(exp):
            with open("ran.log", "a") as handle:
                handle.write("exp_broken\\n")
            raise ValueError("boom")
        """
    )
    for _ in range(2):
        pytester.runpytest("--reuse").assert_outcomes(failed=1)
    assert (pytester.path / "ran.log").read_text().split() == ["exp_broken", "exp_broken"]


def test_a_reused_refutation_still_fails_the_run(study: pytest.Pytester) -> None:
    edit("helper.py", "SCORE = 0.95", "SCORE = 0.5")(study)
    assert study.runpytest("--reuse").ret == 1
    ran(study)
    result = study.runpytest("--reuse")
    assert ran(study) == []
    assert result.ret == 1
    assert counts(result) == "1 refuted (reused), 1 answered (reused)"
    result.stdout.fnmatch_lines(["*= assumptions refuted =*", "*test_study.py::exp_good*"])


def test_a_declared_data_file_that_is_missing_is_an_error_of_that_experiment(
    study: pytest.Pytester,
) -> None:
    (study.path / "data.csv").unlink()
    result = study.runpytest("--reuse")
    assert counts(result) == "1 error, 1 answered (reused)"
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.data_files: 'data.csv' does not exist (looked in * and the rootdir *); "
            "fix the path or remove it from the marker",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_data_files_may_be_relative_to_the_rootdir_and_directories(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "data" / "images").mkdir(parents=True)
    (pytester.path / "data" / "images" / "a.png").write_bytes(b"1")
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_study.py").write_text(
        "import pytest\n\n"
        '@pytest.mark.question("How many?")\n'
        '@pytest.mark.data_files("data/images")\n'
        "def exp_count(exp):\n"
        '    open("ran.log", "a").write("exp_count\\n")\n'
        "    return 1\n"
    )
    pytester.runpytest("tests")
    pytester.runpytest("tests", "--reuse")
    assert ran(pytester) == ["exp_count"]
    (pytester.path / "data" / "images" / "b.png").write_bytes(b"2")
    pytester.runpytest("tests", "--reuse")
    assert ran(pytester) == ["exp_count"]


def test_reuse_needs_the_journal(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_units="def test_a():\n    pass\n")
    result = pytester.runpytest("--reuse", "--no-journal")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: --reuse looks for unchanged experiments in the journal, and --no-journal "
            "turns the journal off; drop one of the two"
        ]
    )


def test_reuse_under_xdist(study: pytest.Pytester) -> None:
    result = study.runpytest_subprocess("-p", "no:cacheprovider", "--reuse", "-n", "2", "-v")
    assert ran(study) == []
    assert counts(result) == "1 confirmed (reused), 1 answered (reused)"
    result.stdout.fnmatch_lines(["*CONFIRMED (reused from run 1) test_study.py::exp_good*"])


def test_the_plan_says_what_would_be_reused(study: pytest.Pytester) -> None:
    edit("data.csv", "1,2", "1,3")(study)
    result = study.runpytest("--exp-plan", "--reuse")
    result.stdout.fnmatch_lines(
        [
            "test_study.py::exp_good",
            "    time:      last *s at 10%; about *s at 10%",
            "test_study.py::exp_other",
            "    time:      last *s at 10%; reused from run 1 at 10% (inputs unchanged)",
            "2 experiments at *: about *s of experiment time (1 reused)",
        ]
    )
    assert ran(study) == []


def test_markers_are_compared_without_memory_addresses(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("Is it positive?")
        @pytest.mark.expect(lambda answer: answer > 0)
        def exp_positive(exp):
            open("ran.log", "a").write("exp_positive\\n")
            return 1
        """
    )
    pytester.runpytest()
    assert ran(pytester) == ["exp_positive"]
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--reuse")
    assert ran(pytester) == [], "the lambda's address differs in a new process"


def test_a_reused_verdict_is_still_part_of_the_runs_correction(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_many="""
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
    )
    # Alone, the refutation survives the correction; reused among five verdicts it does not.
    alone = pytester.runpytest("--exp-correction", "holm", "-k", "marginal")
    assert counts(alone) == "4 deselected, 1 refuted"
    together = pytester.runpytest("--exp-correction", "holm", "--reuse")
    assert together.ret == 0
    assert counts(together) == "4 inconclusive, 1 inconclusive (reused)"
    together.stdout.fnmatch_lines(["INCONCLUSIVE test_many.py::exp_marginal *reused from run 1"])


def test_marker_arguments_read_the_same_in_every_process() -> None:
    # Set order follows the string hash seed, which differs between xdist workers and runs.
    assert (
        reuse.stable_repr({"b", "a", "c"})
        == reuse.stable_repr({"c", "a", "b"})
        == ("{'a', 'b', 'c'}")
    )
    assert reuse.stable_repr({"z": {2, 1}, "a": [object]}) == (
        "{'a': [<class 'object'>], 'z': {1, 2}}"
    )
    assert reuse.stable_repr((1, "x")) == "(1, 'x')"
    assert " at 0x" not in reuse.stable_repr(lambda: 1)


def test_constants_imported_from_project_modules_are_inputs(pytester: pytest.Pytester) -> None:
    # `from config import N` leaves only a number in the experiment's module; the answer still
    # changes with config.py, and with a module that config's neighbours import constants from.
    pytester.makepyfile(
        **{
            "lab/__init__.py": "",
            "lab/config.py": "N_NEIGHBORS = 5\n",
            "lab/util.py": "EPS = 1e-9\n",
            "lab/features.py": "from .util import EPS\n\ndef scale(x):\n    return x + EPS\n",
            "test_study.py": """
                import pytest
                from lab.config import N_NEIGHBORS
                from lab.features import scale

                @pytest.mark.question("Which k?")
                def exp_k(exp):
                    with open("ran.log", "a") as handle:
                        handle.write("exp_k\\n")
                    return scale(N_NEIGHBORS)
                """,
        }
    )
    pytester.makeconftest("import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n")
    pytester.runpytest()
    assert ran(pytester) == ["exp_k"]
    pytester.runpytest("--reuse")
    assert ran(pytester) == []
    for path, old, new in (
        ("lab/config.py", "= 5", "= 50"),
        ("lab/util.py", "1e-9", "1e9"),
    ):
        edit(path, old, new)(pytester)
        pytester.runpytest("--reuse")
        assert ran(pytester) == ["exp_k"], f"a change to {path} must run it again"
        pytester.runpytest("--reuse")
        assert ran(pytester) == []


def test_a_package_s_other_submodules_are_not_inputs(pytester: pytest.Pytester) -> None:
    # `from lab import config` uses lab/__init__.py and lab/config.py; lab.helpers, imported by
    # another test file, becomes an attribute of the package but is not an input of exp_a.
    pytester.makepyfile(
        **{
            "lab/__init__.py": "",
            "lab/config.py": "X = 1\n",
            "lab/helpers.py": "def f():\n    return 2\n",
            "test_a.py": """
                import pytest
                from lab import config

                @pytest.mark.question("X?")
                def exp_a(exp):
                    with open("ran.log", "a") as handle:
                        handle.write("exp_a\\n")
                    return config.X
                """,
            "test_b.py": """
                import pytest
                from lab.helpers import f

                @pytest.mark.question("f?")
                def exp_b(exp):
                    return f()
                """,
        }
    )
    pytester.makeconftest("import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n")
    pytester.runpytest("test_a.py")
    assert ran(pytester) == ["exp_a"]
    pytester.runpytest("--reuse")  # now lab.helpers is loaded too
    assert ran(pytester) == []
    edit("lab/helpers.py", "return 2", "return 3")(pytester)
    pytester.runpytest("--reuse")
    assert ran(pytester) == [], "exp_a does not use lab.helpers"
    edit("lab/config.py", "X = 1", "X = 2")(pytester)
    pytester.runpytest("--reuse")
    assert ran(pytester) == ["exp_a"]
