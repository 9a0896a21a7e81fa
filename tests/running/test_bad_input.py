"""Bad input gives one clear line, never an INTERNALERROR or a traceback into the plugin.

Table-driven: every row is a malformed experiment (or a bad answer, or a bad option / ini value)
and the fragments its one-line message must contain to name what is wrong. Each experiment row
is run in-process on its own and must give exactly one short-summary line
``ERROR|FAILED <nodeid> - <message>``; the same line must appear, identically, when all the rows
are run together under ``pytest -n 2`` (one subprocess for the whole table, to keep the runtime
down). Option and ini rows must be usage errors (exit code 4) whose message line names the
setting, the same with and without ``-n 2``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Literal

import pytest

#: pytest's short test summary line for one test: ``WORD nodeid - message``. The plugin's own
#: ``experiments`` table also starts rows with ERROR/FAILED, but pads the word with several
#: spaces and has no `` - `` after the node id, so it does not match.
SUMMARY_LINE = re.compile(r"^(ERROR|FAILED) (\S+::\S+) - (.*)$")

#: argparse's ``<program>: error: `` before a bad option's message; the program name differs
#: between ``pytest.main()`` and ``python -m pytest``.
PROGRAM_PREFIX = re.compile(r"^.*?: error: ")

#: A frame or path inside the plugin's own package in the output.
PLUGIN_PATH = re.compile(r"pytest_experiments[/\\]")

#: Report errors and failures in the short summary; -vv disables its truncation. Hypothesis's
#: plugin is left out: inner runs would import hypothesis afresh each time (over a second).
REPORT_ARGS = ("-rfE", "-vv", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")

Outcome = Literal["ERROR", "FAILED"]


@dataclass(frozen=True)
class BadExperiment:
    """A test module with one malformed experiment (or plain test) and what its line must say."""

    id: str
    source: str
    outcome: Outcome
    fragments: tuple[str, ...]
    function: str = "exp_case"

    @property
    def module(self) -> str:
        return f"test_{self.id}"

    @property
    def nodeid(self) -> str:
        return f"{self.module}.py::{self.function}"


@dataclass(frozen=True)
class BadSetting:
    """Command-line arguments and/or ini lines that must be a usage error naming the setting."""

    id: str
    args: tuple[str, ...]
    ini: str | None
    fragments: tuple[str, ...]


def module(
    *markers: str,
    body: str = "return 0.95",
    params: str = "",
    name: str = "exp_case",
    question: bool = True,
    prelude: str = "",
    define: str = "def",
) -> str:
    """Source of a test module holding one function decorated with ``@pytest.mark.<marker>``."""
    lines = ["import pytest", "", prelude, ""]
    if question:
        lines.append('@pytest.mark.question("Does it work?")')
    lines.extend(f"@pytest.mark.{marker}" for marker in markers)
    lines.append(f"{define} {name}({params}):")
    lines.extend(f"    {line}" for line in body.splitlines())
    return "\n".join(lines) + "\n"


def error(case_id: str, source: str, *fragments: str, function: str = "exp_case") -> BadExperiment:
    return BadExperiment(case_id, source, "ERROR", fragments, function)


def failed(case_id: str, source: str, *fragments: str) -> BadExperiment:
    return BadExperiment(case_id, source, "FAILED", fragments)


def bad_expression(case_id: str, expression: str, *fragments: str) -> BadExperiment:
    return error(case_id, module(f"expect({expression!r})"), *fragments)


SCORE_PRELUDE = """
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

X = [[i % 7, i % 3] for i in range(40)]
y = [i % 2 for i in range(40)]
groups = [i // 4 for i in range(40)]
"""

EXPERIMENTS: list[BadExperiment] = [
    # -- @pytest.mark.sample -------------------------------------------------------------------
    error("sample_zero", module("sample(0)"), "@pytest.mark.sample", "got 0"),
    error("sample_negative", module("sample(-1)"), "@pytest.mark.sample", "got -1"),
    error("sample_above_one", module("sample(1.5)"), "@pytest.mark.sample", "got 1.5"),
    error("sample_string", module('sample("a")'), "@pytest.mark.sample", "got 'a'", "not a number"),
    error("sample_bool", module("sample(True)"), "@pytest.mark.sample", "got True"),
    error("sample_nan", module('sample(float("nan"))'), "@pytest.mark.sample", "got nan"),
    error(
        "sample_without_call",
        module("sample"),
        "@pytest.mark.sample takes exactly one positional argument, got 0",
    ),
    error(
        "sample_no_argument",
        module("sample()"),
        "@pytest.mark.sample takes exactly one positional argument, got 0",
    ),
    error(
        "sample_two_arguments",
        module("sample(0.1, 0.2)"),
        "@pytest.mark.sample takes exactly one positional argument, got 2",
    ),
    error(
        "sample_keyword",
        module("sample(fraction=0.1)"),
        "@pytest.mark.sample",
        "fraction",  # the message must name the keyword it does not accept
    ),
    # -- @pytest.mark.question -----------------------------------------------------------------
    error(
        "question_empty",
        module('question("")', question=False),
        "@pytest.mark.question is empty",
    ),
    error(
        "question_whitespace",
        module('question("   ")', question=False),
        "@pytest.mark.question is empty",
    ),
    error(
        "question_not_string",
        module("question(42)", question=False),
        "@pytest.mark.question needs a string, got 42 (int)",
    ),
    error(
        "question_missing",
        module(question=False),
        "experiment has no question",
        "@pytest.mark.question",
    ),
    error(
        "question_no_argument",
        module("question()", question=False),
        "@pytest.mark.question takes exactly one positional argument, got 0",
    ),
    error(
        "question_without_call",
        module("question", question=False),
        "@pytest.mark.question takes exactly one positional argument, got 0",
    ),
    error(
        "question_keyword",
        module('question(text="Does it work?")', question=False),
        "@pytest.mark.question",
        "text",  # the message must name the keyword it does not accept
    ),
    # -- expectation expressions -------------------------------------------------------------
    bad_expression("expr_operator_only", ">= ", "expectation '>= '", "not a valid expression"),
    bad_expression(
        "expr_dangling_operator",
        "accuracy >=",
        "expectation 'accuracy >='",
        "not a valid expression",
    ),
    bad_expression(
        "expr_statement", "import os", "expectation 'import os'", "not a valid expression"
    ),
    bad_expression(
        "expr_dunder_import",
        "__import__('os')",
        "expectation \"__import__('os')\"",
        "calls __import__()",
    ),
    bad_expression("expr_unknown_function", "foo(1)", "expectation 'foo(1)'", "calls foo()"),
    bad_expression("expr_attribute", "x.y", "expectation 'x.y'", "uses 'x.y'", "do not allow"),
    bad_expression(
        "expr_lambda", "lambda: 1", "expectation 'lambda: 1'", "uses 'lambda: 1'", "do not allow"
    ),
    bad_expression("expr_subscript", "x[0]", "expectation 'x[0]'", "uses 'x[0]'", "do not allow"),
    bad_expression("expr_empty", "", "expectation is an empty string"),
    bad_expression("expr_blank", "   ", "expectation is an empty string"),
    bad_expression(
        "expr_not_condition", "accuracy + 1", "expectation 'accuracy + 1'", "is not a condition"
    ),
    bad_expression(
        "expr_uncalled_function",
        "abs >= 1",
        "expectation 'abs >= 1'",
        "uses the function 'abs' without calling it",
    ),
    # A bare name is a valid condition when the answer is a bool, so a number under that name is
    # only noticed once the answer is there.
    failed(
        "expr_bare_name_not_bool",
        module('expect("accuracy")', body='return {"accuracy": 0.93}'),
        "expectation 'accuracy'",
        "does not give True or False",
    ),
    # -- @pytest.mark.expect -------------------------------------------------------------------
    error(
        "expect_no_argument",
        module("expect()"),
        "@pytest.mark.expect takes exactly one expectation, got 0",
    ),
    error(
        "expect_without_call",
        module("expect"),
        "@pytest.mark.expect takes exactly one expectation, got 0",
    ),
    error(
        "expect_two_arguments",
        module('expect(">= 0.9", "<= 1")'),
        "@pytest.mark.expect takes exactly one expectation, got 2",
    ),
    error(
        "expect_keyword",
        module('expect(value=">= 0.9")'),
        "@pytest.mark.expect takes one positional argument, not keywords (value)",
    ),
    error("expect_none", module("expect(None)"), "@pytest.mark.expect(None) can never hold"),
    # -- predicates ------------------------------------------------------------------------------
    error(
        "predicate_no_parameters",
        module("expect(lambda: True)"),
        "predicate",
        "cannot be called with the answer alone",
    ),
    error(
        "predicate_two_parameters",
        module("expect(lambda answer, other: True)"),
        "predicate",
        "(answer, other)",
        "cannot be called with the answer alone",
    ),
    error(
        "predicate_named_two_parameters",
        module(
            "expect.with_args(close_enough)",
            prelude="def close_enough(answer, target):\n    return answer == target\n",
        ),
        "predicate close_enough(answer, target) cannot be called with the answer alone",
    ),
    failed(
        "predicate_returns_number",
        module("expect(lambda answer: 0.5)"),
        "predicate lambda answer: 0.5 returned 0.5 (float)",
        "True or False",
    ),
    failed(
        "predicate_raises",
        module('expect(lambda answer: answer["x"] > 1)', body="return 1"),
        "TypeError",
    ),
    # -- answers -------------------------------------------------------------------------------
    failed(
        "answer_missing_name",
        module(
            'expect("accuracy >= 0.9 and n_features == 30")',
            body='return {"accuracy": 0.95}',
        ),
        "uses 'n_features'",
        "the answer has only 'accuracy'",
    ),
    failed(
        "answer_single_value_unknown_name",
        module('expect("accuracy >= 0.9")', body="return 0.95"),
        "uses 'accuracy'",
        "the answer is a single value (0.95)",
    ),
    failed("answer_none", module(body="return None"), "returned no answer"),
    failed("answer_no_return", module(body="x = 1"), "returned no answer"),
    failed(
        "answer_object",
        module(body="return object()"),
        "returned an answer containing a builtins.object value",
    ),
    # The line must be the same on every run, so no memory address ("at 0x7f...") in it.
    failed(
        "answer_function",
        module(body="return helper", prelude="def helper():\n    return 1\n"),
        "returned",
        "helper",
        "not a function or class",
    ),
    failed(
        "answer_class", module(body="return int"), "returned the class int", "function or class"
    ),
    failed(
        "answer_non_string_key",
        module(body='return {(1, 2): "one"}'),
        "a dict key (1, 2) (tuple), which is not a string or a number",
    ),
    failed(
        "answer_string_compared_with_number",
        module('expect(">= 0.9")', body='return "high"'),
        "compares 'high' (str) >= 0.9 (float)",
        "cannot be compared",
    ),
    failed(
        "record_unsupported_value",
        module(params="exp", body="exp.record(model=object())\nreturn 1"),
        "exp.record(model=...) got a builtins.object value",
    ),
    failed(
        "sample_arrays_of_different_lengths",
        module(params="exp", body="exp.sample([1, 2, 3], [1, 2])\nreturn 1"),
        "exp.sample got arrays with different numbers of rows [3, 2]",
    ),
    error(
        "stacked_expectations",
        module('expect(">= 1")', 'expect("<= 0")'),
        "exp_case has 2 @pytest.mark.expect markers and only the nearest would count",
        "and / or",
    ),
    # -- misspelt markers: pytest only warns, and the experiment would run without them --------
    error(
        "misspelt_expect",
        module('expectt(">= 0.9")'),
        "@pytest.mark.expectt is not a marker pytest knows; did you mean @pytest.mark.expect?",
    ),
    error(
        "misspelt_question",
        module('questoin("Does it work?")', question=False),
        "did you mean @pytest.mark.question?",
    ),
    # -- estimates made of values they cannot be made of ------------------------------------
    failed(
        "mean_with_nan",
        module(params="exp", body='return exp.mean([0.5, float("nan"), 0.7])'),
        "exp.mean got 1 NaN or infinite value(s) among 3",
        "values[np.isfinite(values)]",
    ),
    failed(
        "mean_of_one_value",
        module(params="exp", body="return exp.mean([0.5])"),
        "exp.mean got 1 value(s)",
        "at least 2",
    ),
    failed(
        "mean_bad_trend",
        module(params="exp", body='return exp.mean([1, 2], trend="down")'),
        "trend='down' is not a trend",
        "trend='rises'",
    ),
    failed(
        "proportion_of_nothing",
        module(params="exp", body="return exp.proportion(0, 0)"),
        "exp.proportion got 0 trials",
    ),
    failed(
        "accuracy_of_nothing",
        module(params="exp", body="return exp.accuracy([], [])"),
        "exp.accuracy got 0 trials",
    ),
    failed(
        "answer_nan",
        module('expect(">= 0.9")', body='return float("nan")'),
        "meets nan, which is not a number",
    ),
    failed(
        "min_of_estimates",
        module(
            'expect("min(a, b) > 0.5")',
            params="exp",
            body='return {"a": exp.proportion(6, 10), "b": exp.proportion(7, 10)}',
        ),
        "cannot be computed on the answer (0.600 [",
        "rather than 'min(a, b) > 0.5'",
    ),
    failed(
        "predicate_on_an_estimate",
        module("expect(lambda e: e > 0.5)", params="exp", body="return exp.proportion(6, 10)"),
        "predicate lambda e: e > 0.5 cannot handle an estimate",
        "string expectation",
    ),
    failed(
        "groups_with_a_number_of_folds",
        module(
            params="exp",
            prelude=SCORE_PRELUDE,
            body="return exp.score(LogisticRegression(), X, y, cv=5, groups=groups)",
        ),
        "groups= needs a splitter that keeps groups apart, not cv=5",
        "cv=GroupKFold(5)",
    ),
    failed(
        "several_scorings",
        module(
            params="exp",
            prelude=SCORE_PRELUDE,
            body='return exp.score(LogisticRegression(), X, y, scoring=["accuracy", "f1"])',
        ),
        "names several metrics; an estimate is one score: call exp.score once per metric",
    ),
    failed(
        "classifier_against_regressor",
        module(
            params="exp",
            prelude=SCORE_PRELUDE + "from sklearn.linear_model import Ridge\n",
            body="return exp.compare(LogisticRegression(), Ridge(), X, y)",
        ),
        "would score a classifier by accuracy and a regressor by R^2",
        "pass one scoring= for both",
    ),
    failed(
        "group_splitter_without_groups",
        module(
            params="exp",
            prelude=SCORE_PRELUDE,
            body="return exp.score(LogisticRegression(), X, y, cv=GroupKFold(4))",
        ),
        "splits by groups; pass them",
    ),
    # An async experiment is a malformed definition: an ERROR at setup like the others.
    error("async_experiment", module(define="async def"), "async function"),
    # -- experiment markers and the exp fixture on plain tests -----------------------------------
    error(
        "stray_question",
        module('question("Does it work?")', name="test_case", question=False),
        "@pytest.mark.question is for experiments, but test_case is a plain test",
        function="test_case",
    ),
    error(
        "stray_expect",
        module('expect(">= 0.9")', name="test_case", question=False),
        "@pytest.mark.expect is for experiments, but test_case is a plain test",
        function="test_case",
    ),
    error(
        "stray_sample",
        module("sample(0.5)", name="test_case", question=False),
        "@pytest.mark.sample is for experiments, but test_case is a plain test",
        function="test_case",
    ),
    error(
        "stray_priority",
        module("priority(3)", name="test_case", question=False),
        "@pytest.mark.priority is for experiments, but test_case is a plain test",
        function="test_case",
    ),
    error(
        "stray_data_files",
        module('data_files("x.csv")', name="test_case", question=False),
        "@pytest.mark.data_files is for experiments, but test_case is a plain test",
        function="test_case",
    ),
    error(
        "plain_test_asks_for_exp",
        module(name="test_case", params="exp", body="pass", question=False),
        "test_case asks for the exp fixture, which only experiments get",
        function="test_case",
    ),
]

SETTINGS: list[BadSetting] = [
    BadSetting("sample_zero", ("--sample", "0"), None, ("--sample", "got '0'")),
    BadSetting("sample_above_one", ("--sample", "1.5"), None, ("--sample", "got '1.5'")),
    BadSetting("sample_not_number", ("--sample", "abc"), None, ("--sample", "got 'abc'")),
    BadSetting("sample_nan", ("--sample", "nan"), None, ("--sample", "got 'nan'")),
    BadSetting("seed_not_number", ("--seed", "abc"), None, ("--seed", "got 'abc'")),
    BadSetting("seed_negative", ("--seed", "-1"), None, ("--seed", "got '-1'")),
    BadSetting(
        "journal_two_words",
        ("--journal", "lab.sqlite"),
        None,
        ("write --journal=lab.sqlite (with '=')", "rootdir"),
    ),
    BadSetting("seed_fraction", ("--seed", "1.5"), None, ("--seed", "got '1.5'")),
    BadSetting(
        "ini_sample", (), "experiment_sample = 2", ("ini setting experiment_sample", "got '2'")
    ),
    BadSetting("ini_seed", (), "experiment_seed = x", ("ini setting experiment_seed", "got 'x'")),
    BadSetting("ini_full", (), "experiment_full = maybe", ("experiment_full", "not true or false")),
    BadSetting(
        "ini_require_question",
        (),
        "experiment_require_question = maybe",
        ("experiment_require_question", "not true or false"),
    ),
]


def summary_lines(lines: list[str]) -> list[re.Match[str]]:
    """The short-summary ``ERROR|FAILED nodeid - message`` lines."""
    return [match for line in lines if (match := SUMMARY_LINE.match(line))]


def assert_clean(output: str) -> None:
    assert "INTERNALERROR" not in output, output
    assert not PLUGIN_PATH.search(output), f"traceback into the plugin's code:\n{output}"


def clean_environment() -> dict[str, str]:
    """This process's environment without PYTEST_* variables (xdist worker ids, addopts)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    env["COLUMNS"] = "300"
    return env


class XdistRuns:
    """Runs experiment rows under ``pytest -n 2`` in subprocesses, as few runs as possible.

    All rows go into one run. Should that run end in an INTERNALERROR (which loses every row's
    line), the rows are split in halves and run again, down to the row that causes it, so one
    broken row cannot hide the others' lines.
    """

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.lines: dict[str, list[str]] = {}
        self.broken: dict[str, str] = {}  # node id -> output of its INTERNALERROR run
        self.outputs: list[str] = []
        self.started = False

    def start(self) -> None:
        if not self.started:
            self.started = True
            self._run(EXPERIMENTS)

    def line_for(self, case: BadExperiment) -> list[str]:
        self.start()
        assert case.nodeid not in self.broken, (
            f"INTERNALERROR under -n 2:\n{self.broken[case.nodeid]}"
        )
        return self.lines.get(case.nodeid, [])

    def _run(self, cases: list[BadExperiment]) -> None:
        directory = self.tmp_path_factory.mktemp("bad_experiments_xdist")
        for case in cases:
            (directory / f"{case.module}.py").write_text(case.source)
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", *REPORT_ARGS, "-n", "2"],
            cwd=directory,
            env=clean_environment(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = completed.stdout + completed.stderr
        if "INTERNALERROR" in output:
            if len(cases) == 1:
                self.broken[cases[0].nodeid] = output
                return
            half = len(cases) // 2
            self._run(cases[:half])
            self._run(cases[half:])
            return
        self.outputs.append(output)
        for match in summary_lines(completed.stdout.splitlines()):
            self.lines.setdefault(match[2], []).append(match[0])


@pytest.fixture(scope="module")
def xdist_runs(tmp_path_factory: pytest.TempPathFactory) -> XdistRuns:
    """The experiment rows' short-summary lines under ``-n 2`` (run on first use)."""
    return XdistRuns(tmp_path_factory)


def test_the_table_is_large_enough() -> None:
    assert len(EXPERIMENTS) + len(SETTINGS) >= 30
    ids = [case.id for case in EXPERIMENTS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", EXPERIMENTS, ids=[case.id for case in EXPERIMENTS])
def test_bad_experiment_gives_one_clear_line(
    case: BadExperiment, pytester: pytest.Pytester, xdist_runs: XdistRuns
) -> None:
    pytester.makepyfile(**{case.module: case.source})
    result = pytester.runpytest(*REPORT_ARGS)
    output = result.stdout.str() + result.stderr.str()

    assert_clean(output)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output
    expected_counts = {"errors": 1} if case.outcome == "ERROR" else {"failed": 1}
    # pytest's own warnings (an unknown mark) may come too
    outcomes = {k: v for k, v in result.parseoutcomes().items() if not k.startswith("warning")}
    assert outcomes == expected_counts, output
    if case.outcome == "ERROR":
        assert f"ERROR at setup of {case.function}" in output, output

    lines = summary_lines(result.outlines)
    assert len(lines) == 1, output
    (line,) = lines
    assert (line[1], line[2]) == (case.outcome, case.nodeid), line[0]
    message = line[3]
    for fragment in case.fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"

    assert xdist_runs.line_for(case) == [line[0]], "the line differs under -n 2"


def test_xdist_runs_show_no_traceback_into_the_plugin(xdist_runs: XdistRuns) -> None:
    xdist_runs.start()
    for output in xdist_runs.outputs:
        assert_clean(output)


@pytest.mark.parametrize("case", SETTINGS, ids=[case.id for case in SETTINGS])
def test_bad_setting_is_a_usage_error_naming_it(
    case: BadSetting, pytester: pytest.Pytester
) -> None:
    if case.ini is not None:
        pytester.makeini(f"[pytest]\n{case.ini}\n")
    lines: dict[str, list[str]] = {}
    for run, result in (
        ("in-process", pytester.runpytest(*case.args)),
        ("-n 2", pytester.runpytest_subprocess(*case.args, "-n", "2")),
    ):
        output = result.stdout.str() + result.stderr.str()
        assert_clean(output)
        assert result.ret == pytest.ExitCode.USAGE_ERROR, f"{run}:\n{output}"
        lines[run] = [
            PROGRAM_PREFIX.sub("", line)
            for line in result.errlines
            if all(fragment in line for fragment in case.fragments)
        ]
        assert len(lines[run]) == 1, f"{run}: no single line naming {case.fragments}:\n{output}"
    assert lines["in-process"] == lines["-n 2"]
