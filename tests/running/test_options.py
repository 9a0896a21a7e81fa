"""Options: --full > --sample > @sample marker > ini > default, the header, and seeds."""

from __future__ import annotations

import json

import pytest

FRACTIONS = """
import json
import pytest

@pytest.mark.question("What fraction?")
@pytest.mark.sample(0.5)
def exp_marked(exp):
    return {"fraction": exp.fraction, "full": exp.full, "seed": exp.seed}

@pytest.mark.question("What fraction?")
def exp_unmarked(exp):
    return {"fraction": exp.fraction, "full": exp.full, "seed": exp.seed}
"""

RECORDER = """
import json

WORKER = []

def pytest_configure(config):
    WORKER.append(hasattr(config, "workerinput"))

def pytest_runtest_logreport(report):
    if WORKER[-1]:
        return  # the controller records what its workers report
    data = getattr(report, "experiment", None)
    if data and data.get("answer") is not None:
        with open("answers.jsonl", "a") as f:
            f.write(json.dumps({"name": report.nodeid.split("::")[-1], **data["answer"]}) + "\\n")
"""


def answers(pytester: pytest.Pytester, *args: str, ini: str = "") -> dict[str, dict[str, object]]:
    pytester.makepyfile(test_study=FRACTIONS)
    pytester.makeconftest(RECORDER)
    if ini:
        pytester.makeini(f"[pytest]\n{ini}\n")
    target = pytester.path / "answers.jsonl"
    target.unlink(missing_ok=True)
    result = pytester.runpytest(*args)
    assert result.ret == 0, result.stdout.str()
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    return {str(row.pop("name")): row for row in rows}


@pytest.mark.parametrize(
    ("args", "ini", "marked", "unmarked"),
    [
        ([], "", 0.5, 0.1),
        ([], "experiment_sample = 0.2", 0.5, 0.2),
        (["--sample", "0.05"], "experiment_sample = 0.2", 0.05, 0.05),
        (["--sample", "5%"], "", 0.05, 0.05),
        (["--full"], "", 1.0, 1.0),
        (["--full", "--sample", "0.05"], "", 1.0, 1.0),
        ([], "experiment_full = true", 1.0, 1.0),
    ],
    ids=["default", "ini", "sample-over-marker", "percent", "full", "full-over-sample", "ini-full"],
)
def test_fraction_precedence(
    pytester: pytest.Pytester, args: list[str], ini: str, marked: float, unmarked: float
) -> None:
    found = answers(pytester, *args, ini=ini)
    assert found["exp_marked"]["fraction"] == marked
    assert found["exp_unmarked"]["fraction"] == unmarked
    assert found["exp_unmarked"]["full"] is (unmarked == 1.0)


@pytest.mark.parametrize(
    ("args", "header"),
    [
        (["--sample", "0.05"], "experiments: sample 5%, seed 0"),
        (["--sample", "0.125", "--seed", "7"], "experiments: sample 12.5%, seed 7"),
        (["--full"], "experiments: full data, seed 0"),
        ([], "experiments: sample 10% (default; @sample markers may differ), seed 0"),
    ],
)
def test_header_says_the_mode(pytester: pytest.Pytester, args: list[str], header: str) -> None:
    pytester.makepyfile(test_study=FRACTIONS)
    result = pytester.runpytest(*args)
    assert header in result.outlines


def test_seed_depends_on_base_seed_and_node_id_not_worker(pytester: pytest.Pytester) -> None:
    serial = answers(pytester)
    again = answers(pytester)
    other_base = answers(pytester, "--seed", "1")
    ini_seed = answers(pytester, ini="experiment_seed = 1")

    assert serial == again
    assert serial["exp_marked"]["seed"] != serial["exp_unmarked"]["seed"]
    assert other_base["exp_marked"]["seed"] != serial["exp_marked"]["seed"]
    assert ini_seed == other_base

    (pytester.path / "tox.ini").unlink()
    (pytester.path / "answers.jsonl").unlink()
    pytester.runpytest_subprocess("-n", "2")
    rows = [json.loads(line) for line in (pytester.path / "answers.jsonl").read_text().splitlines()]
    parallel = {str(row.pop("name")): row for row in rows}
    assert parallel == serial


def test_subsample_is_the_same_with_and_without_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_study="""
        import numpy as np
        import pytest

        @pytest.mark.question("Which rows?")
        @pytest.mark.parametrize("i", range(4))
        def exp_rows(exp, i):
            X = np.arange(5000)
            return int(exp.sample(X, min_rows=0).sum()) + i
        """
    )
    pytester.makeconftest(RECORDER.replace('**data["answer"]', '"answer": data["answer"]'))
    pytester.runpytest_subprocess()
    serial = sorted((pytester.path / "answers.jsonl").read_text().splitlines())
    (pytester.path / "answers.jsonl").unlink()
    pytester.runpytest_subprocess("-n", "2")
    parallel = sorted((pytester.path / "answers.jsonl").read_text().splitlines())
    assert serial == parallel
    assert len(serial) == 4


OWN_OPTIONS = """
import pytest

def pytest_addoption(parser):
    parser.addoption("--seed", type=int, default=7, help="the project's own seed")
    parser.addoption("--journal", default="lab-notes.txt")
    parser.addoption("--sample", default="none")

@pytest.fixture
def project_seed(request):
    return request.config.getoption("seed")
"""


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_conftest_that_owns_a_short_name_keeps_it(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    pytester.makeconftest(OWN_OPTIONS)
    pytester.makepyfile(
        test_study="""
        import pytest

        def test_own(project_seed):
            assert project_seed == 5

        @pytest.mark.question("Which seed?")
        def exp_seed(exp):
            return exp.fraction
        """
    )
    result = pytester.runpytest(
        "--seed",
        "5",
        "--exp-seed",
        "2",
        "--exp-sample",
        "0.5",
        "--journal",
        "x",
        "--exp-no-journal",
        "-p",
        "no:cacheprovider",
        *xdist,
    )
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "experiments: sample 50%, seed 2",
            "experiments: --sample belongs to a conftest or another plugin here; write "
            "--exp-sample",
            "experiments: --seed belongs to a conftest or another plugin here; write --exp-seed",
            "experiments: --journal belongs to a conftest or another plugin here; write "
            "--exp-journal",
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_every_option_has_an_exp_name(pytester: pytest.Pytester) -> None:
    help_text = pytester.runpytest("--help").stdout.str()
    for name in (
        "--exp-sample",
        "--exp-full",
        "--exp-seed",
        "--exp-confidence",
        "--exp-journal",
        "--exp-no-journal",
        "--exp-budget",
        "--exp-reuse",
        "--exp-plan",
        "--exp-order",
        "--exp-correction",
        "--exp-fail-inconclusive",
        "--exp-report-only",
    ):
        assert name in help_text, name
    assert "(or --seed)" in help_text and "(or --sample)" in help_text


def test_a_fixture_named_exp_that_hides_the_plugins_is_one_line(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def exp():
            return "the lab's experiment name"
        """
    )
    pytester.makepyfile(
        test_study="""
        import pytest

        @pytest.mark.question("Q?")
        def exp_a(exp):
            return exp.sample([1, 2, 3])
        """
    )
    result = pytester.runpytest("--no-journal", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        [
            "ERROR        test_study.py::exp_a *the fixture 'exp' in conftest.py hides "
            "pytest-experiments' exp fixture, which exp_a needs; rename that fixture*"
        ]
    )
    assert "has no attribute 'sample'" not in result.stdout.str()
