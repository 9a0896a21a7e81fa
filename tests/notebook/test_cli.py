"""The ``pytest-experiments`` command, read as the researcher uses it the morning after.

Most tests call :func:`pytest_experiments.notebook.cli.main` in-process on the lab journal of
``journal_fixtures`` (four runs: sample, full, sample on a dirty checkout, an unfinished full
run) and check what is printed and the exit status; a few run the installed console script and
``python -m pytest_experiments`` as real processes.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from journal_fixtures import (
    LEGACY,
    LR_NB,
    LR_NB_ANSWERS,
    MARKUP,
    QUESTIONS,
    ROWS,
    RUN_STARTS,
    SCALING,
    SCALING_ANSWERS,
    SVC,
    SVC_ANSWERS,
    T0,
    TREE,
    JournalBuilder,
    family_journal,
    lab_journal,
)

from pytest_experiments.notebook import cli
from pytest_experiments.notebook.export import COLUMNS
from pytest_experiments.notebook.history import timestamp


@dataclass
class Outcome:
    status: int
    out: str
    err: str


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    return lab_journal(tmp_path / ".experiments" / "journal.sqlite")


class Cli:
    """Runs ``cli.main`` in-process and captures what it prints."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str | Path) -> Outcome:
        self.capsys.readouterr()
        status = cli.main([str(arg) for arg in args])
        captured = self.capsys.readouterr()
        return Outcome(status, captured.out, captured.err)

    def on(self, journal: Path, *args: str | Path) -> Outcome:
        return self("--journal", journal, *args)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(capsys)


def assert_one_line_error(outcome: Outcome, *fragments: str) -> None:
    """Exit status 2, nothing on stdout, one line on stderr naming the problem."""
    assert outcome.status == 2, outcome
    assert outcome.out == ""
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1, outcome.err
    assert lines[0].startswith("pytest-experiments: error: ")
    assert "Traceback" not in outcome.err
    for fragment in fragments:
        assert fragment in outcome.err


def row_of(text: str, start: str) -> str:
    """The output line that starts with ``start`` (after leading spaces)."""
    found = [line for line in text.splitlines() if line.lstrip().startswith(start)]
    assert len(found) == 1, f"expected one line starting with {start!r} in:\n{text}"
    return found[0]


# -- runs -------------------------------------------------------------------------------------


def test_runs_lists_runs_newest_first_with_counts_per_status(
    run_cli: Cli, lab: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    outcome = run_cli.on(lab, "runs")
    assert outcome.status == 0, outcome.err
    lines = outcome.out.splitlines()
    assert lines[0].split()[:5] == ["run", "started", "took", "mode", "commit"]
    assert [line.split()[0] for line in lines[1:]] == ["4", "3", "2", "1"]
    header = lines[0].split()
    statuses = header[header.index("commit") + 1 : header.index("command")]
    assert statuses == ["confirmed", "refuted", "inconclusive", "answered", "failed", "crashed"]

    def counts(line: str) -> dict[str, int]:
        cells = line.split()
        start = cells.index("pytest") - len(statuses)
        return dict(zip(statuses, map(int, cells[start : start + len(statuses)]), strict=True))

    run4, run3, run2, run1 = lines[1:]
    assert counts(run4) == dict(
        confirmed=2, refuted=0, inconclusive=0, answered=2, failed=1, crashed=1
    )
    assert counts(run3)["refuted"] == 1 and counts(run1)["inconclusive"] == 1
    assert "unfinished" in run4 and "full" in run4
    assert timestamp(RUN_STARTS[3]) in run3
    assert "38s" in run3 and "sample 5%" in run3 and "9f8e7d6c-dirty" in run3
    assert "1h 02m" in run2 and "1a2b3c4d " in run2
    assert "pytest -m experiment --sample 0.05" in run1


def test_runs_limit_says_how_many_are_hidden(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli.on(lab, "runs", "--limit", "2")
    assert outcome.status == 0
    assert [line.split()[0] for line in outcome.out.splitlines()[1:3]] == ["4", "3"]
    assert "(2 older runs not shown; --limit 0 shows all)" in outcome.out
    everything = run_cli.on(lab, "runs", "--limit", "0")
    assert "not shown" not in everything.out and len(everything.out.splitlines()) == 5


def test_runs_on_a_journal_without_runs(run_cli: Cli, tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    JournalBuilder(journal).close()
    outcome = run_cli.on(journal, "runs")
    assert outcome.status == 0
    assert "has no runs yet" in outcome.out


def test_the_journal_is_found_in_a_parent_directory(
    run_cli: Cli, lab: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nested = lab.parent.parent / "src" / "models"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    outcome = run_cli("runs")
    assert outcome.status == 0, outcome.err
    assert [line.split()[0] for line in outcome.out.splitlines()[1:]] == ["4", "3", "2", "1"]


def test_journal_option_also_works_after_the_command(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli("runs", "--journal", str(lab))
    assert outcome.status == 0, outcome.err
    assert len(outcome.out.splitlines()) == 5


def test_both_writers_give_the_same_answers(run_cli: Cli, tmp_path: Path) -> None:
    """The reader agrees with the write API (journal.py) and with the schema document."""
    by_api = lab_journal(tmp_path / "api" / "journal.sqlite", "journal")
    by_doc = lab_journal(tmp_path / "doc" / "journal.sqlite", "schema-doc")
    for command in (["runs"], ["diff"], ["show", "svc"]):
        assert run_cli.on(by_api, *command).out == run_cli.on(by_doc, *command).out


# -- show -------------------------------------------------------------------------------------


def test_show_gives_the_history_and_how_sample_verdicts_held_up(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli.on(lab, "show", "svc_accuracy")
    assert outcome.status == 0, outcome.err
    out = outcome.out
    assert out.splitlines()[0] == SVC
    assert f"question:  {QUESTIONS[SVC]}" in out
    assert "expected:  >= 0.9" in out
    assert "recorded:  kernel='rbf', C=1 (run 4)" in out
    run4, run3, run1 = (row_of(out, f"{n}  ") for n in (4, 3, 1))
    assert "confirmed" in run4 and "0.975 [0.967, 0.982]" in run4 and "full (1,797 rows)" in run4
    assert "(full data)" in run4 and "9f8e7d6c" in run4
    # Run 3 (sample) is nearest in time to run 2 (full): 12.6 h before it vs 37 h to run 4.
    assert "5% (90/1,797 rows)" in run3 and "agreed (run 2)" in run3
    assert "9f8e7d6c-dirty" in run3
    assert "inconclusive" in run1 and "undecided: full data confirmed (run 2)" in run1
    assert (
        "sample verdicts against the nearest full-data verdict: 1 agreed, 0 contradicted, "
        "1 undecided (inconclusive on the sample)"
    ) in out
    assert "contradicted:" not in out


def test_show_flags_a_sample_verdict_that_contradicts_the_full_data(
    run_cli: Cli, lab: Path
) -> None:
    outcome = run_cli.on(lab, "show", "scaling_helps")
    assert outcome.status == 0
    assert "contradicted: full data confirmed (run 2)" in row_of(outcome.out, "3  ")
    assert "agreed (run 2)" in row_of(outcome.out, "1  ")
    assert "verdict: 1 agreed, 1 contradicted, 0 undecided" in outcome.out


def test_show_matches_part_of_the_question(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli.on(lab, "show", "LEGACY SPLIT leak")
    assert outcome.status == 0, outcome.err
    assert outcome.out.splitlines()[0] == LEGACY


def test_show_takes_query_characters_literally(run_cli: Cli, lab: Path) -> None:
    # '%' and '_' are SQL wildcards; only the SVC question contains a literal '%'.
    outcome = run_cli.on(lab, "show", "%")
    assert outcome.status == 0, outcome.err
    assert outcome.out.splitlines()[0] == SVC


def test_show_asks_to_narrow_an_ambiguous_query(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli.on(lab, "show", "digits")
    assert outcome.status == 2
    assert outcome.out == ""
    assert "2 experiments match 'digits'; narrow the query" in outcome.err
    assert SVC in outcome.err and TREE in outcome.err
    assert QUESTIONS[TREE] in outcome.err


def test_show_prefers_the_exact_node_id(run_cli: Cli, tmp_path: Path) -> None:
    journal = JournalBuilder(tmp_path / "j.sqlite")
    run = journal.run(T0)
    for name in ("exp_x", "exp_x2"):
        journal.result(run, f"t.py::{name}", question=name, status="answered", answer=1)
    journal.close()
    assert run_cli.on(journal.path, "show", "t.py::exp_x").status == 0
    # an experiment's own name picks it out too; a part of two names does not
    named = run_cli.on(journal.path, "show", "exp_x")
    assert named.status == 0 and named.out.startswith("t.py::exp_x\n")
    assert run_cli.on(journal.path, "show", "exp_").status == 2


def test_show_without_full_data_says_so(run_cli: Cli, tmp_path: Path) -> None:
    journal = JournalBuilder(tmp_path / "j.sqlite")
    run = journal.run(T0)
    journal.result(run, "t.py::exp_a", question="q", status="confirmed", answer=1)
    journal.close()
    outcome = run_cli.on(journal.path, "show", "exp_a")
    assert "no full-data verdict to compare with yet" in outcome.out


def test_show_with_no_match(run_cli: Cli, lab: Path) -> None:
    assert_one_line_error(run_cli.on(lab, "show", "no such thing"), "contains 'no such thing'")


# -- diff -------------------------------------------------------------------------------------


def test_diff_defaults_to_the_last_two_finished_runs(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli.on(lab, "diff")
    assert outcome.out.startswith("--- run 2 ")
    assert outcome.out.splitlines()[1].startswith("+++ run 3 ")
    assert outcome.err == (
        "(left out: run 4 (unfinished); comparing the last two finished runs, 2 and 3; name "
        "runs to compare them)\n"
    )


def test_diff_of_an_unfinished_run_says_what_it_has_not_run_yet(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli.on(lab, "diff", "3", "4")
    assert outcome.status == 1, "differences found: exit status 1"
    out = outcome.out
    assert out.startswith("--- run 3 ")
    assert out.splitlines()[1].startswith("+++ run 4 ")
    assert out.splitlines()[1].endswith(", unfinished)")

    flipped = out.split("verdicts that flipped (1):")[1].split("\n\n")[0]
    assert SCALING in flipped and "refuted → confirmed  (5% → full)" in flipped
    # run 3 was a sample, run 4 all the data: the diff says it is a different look
    assert "(3 experiments ran on different shares of the data in these two runs, marked" in (
        " ".join(out.split())
    )

    moved = out.split("answers that moved (3):")[1].split("\n\n")[0]
    assert "0.930 [0.902, 0.951] → 0.975 [0.967, 0.982] (+0.045, +4.84%)" in row_of(moved, SVC)
    assert "lr: 0.972 → 0.975 (+0.003, +0.309%)" in row_of(moved, LR_NB)
    assert "nb:" not in row_of(moved, LR_NB), "nb did not move"
    change = SCALING_ANSWERS[4] - SCALING_ANSWERS[3]
    assert f"-0.012 → 0.052 ({change:+.4g}, +533%)" in row_of(moved, SCALING)

    added = out.split("added (in run 4, not in run 3) (1):")[1].split("\n\n")[0]
    assert ROWS in added and "crashed" in added
    gone = out.split("not yet run (run 4 has not finished) (1):")[1].split("\n\n")[0]
    assert LEGACY in gone
    assert out.rstrip().endswith("2 experiments unchanged")
    for unchanged in (MARKUP, TREE):
        assert unchanged not in out


def test_diff_of_one_run_compares_it_with_the_newest(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli.on(lab, "diff", "1")
    assert outcome.status == 1
    assert outcome.out.startswith("--- run 1 ")
    assert outcome.out.splitlines()[1].startswith("+++ run 4 ")
    flipped = outcome.out.split("verdicts that flipped (1):")[1].split("\n\n")[0]
    assert "inconclusive → confirmed" in row_of(flipped, SVC)


def test_diff_of_two_named_runs(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli.on(lab, "diff", "2", "3")
    assert outcome.status == 1
    flipped = outcome.out.split("verdicts that flipped (1):")[1].split("\n\n")[0]
    assert "confirmed → refuted" in row_of(flipped, SCALING)
    added = outcome.out.split("added (in run 3, not in run 2) (1):")[1].split("\n\n")[0]
    assert TREE in added and "failed" in added
    assert "gone" not in outcome.out


def test_diff_without_differences_exits_zero(run_cli: Cli, tmp_path: Path) -> None:
    journal = JournalBuilder(tmp_path / "j.sqlite")
    for started in (T0, T0 + 60):
        run = journal.run(started)
        journal.result(run, "t.py::exp_a", question="q", status="confirmed", answer=0.5)
    journal.close()
    outcome = run_cli.on(journal.path, "diff")
    assert outcome.status == 0
    assert "no differences: 1 experiment unchanged" in outcome.out


def test_diff_needs_two_runs(run_cli: Cli, tmp_path: Path) -> None:
    journal = JournalBuilder(tmp_path / "j.sqlite")
    journal.run(T0)
    journal.close()
    assert_one_line_error(run_cli.on(journal.path, "diff"), "has only one run")


def test_diff_of_an_unknown_run(run_cli: Cli, lab: Path) -> None:
    assert_one_line_error(
        run_cli.on(lab, "diff", "1", "99"),
        "there is no run 99: the journal has runs 1 to 4",
        "pytest-experiments runs",
    )


@pytest.mark.parametrize("bad", ["abc", "0", "1.5"])
def test_diff_of_a_run_id_that_is_not_one(run_cli: Cli, lab: Path, bad: str) -> None:
    outcome = run_cli.on(lab, "diff", bad)
    assert outcome.status == 2 and outcome.out == ""
    assert f"{bad!r} is not a run id" in outcome.err
    assert "Traceback" not in outcome.err


def test_diff_of_a_run_with_itself(run_cli: Cli, lab: Path) -> None:
    assert_one_line_error(run_cli.on(lab, "diff", "4", "4"), "got run 4 twice")


# -- report (Markdown) --------------------------------------------------------------------------


def test_report_is_the_knowledge_base_in_markdown(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli.on(lab, "report")
    assert outcome.status == 0, outcome.err
    out = outcome.out
    assert out.startswith("# Experiment report\n")
    assert "**7 experiments: 3 confirmed, 2 answered, 1 failed, 1 crashed.**" in out
    assert f"latest run 4 on {timestamp(RUN_STARTS[4])} (full, seed 0, unfinished" in out

    # every question, with its current verdict and answer, in the questions table
    table = out.split("## Questions")[1].split("### ")[0]
    assert (
        f"| confirmed | {QUESTIONS[SVC]} | 0.975 \\[0.967, 0.982\\] | full (1,797 rows) | 4 |"
        in table
    )
    assert "| **crashed** | How many rows does the learning curve need? |" in table
    assert "| confirmed | Does the legacy split leak test rows into training? | False |" in table

    svc = out.split(f"### {QUESTIONS[SVC]}")[1].split("### ")[0]
    assert "`tests/exp_digits.py::exp_svc_accuracy`: confirmed (expected `>= 0.9`)" in svc
    assert "- interval: \\[0.967, 0.982\\] at 95% (wilson, n=1,797)" in svc
    assert (
        f"- evidence: full (1,797 rows), seed 12345, run 4 ({timestamp(RUN_STARTS[4])}), "
        "commit 9f8e7d6c, 120.00s"
    ) in svc
    assert "- recorded: kernel='rbf', C=1" in svc
    assert (
        "- sample verdicts against the nearest full-data verdict: 1 agreed, 0 contradicted, "
        "1 undecided (inconclusive on the sample)"
    ) in svc
    # run 2 was full data after a 5 % run: a switch of mode, not a change; runs 1 and 3 compare
    assert "- changed recently: inconclusive → confirmed in run 3" in svc
    history = [line for line in svc.splitlines() if line.startswith("| ") and "run" not in line]
    assert [line.split(" | ")[0] for line in history] == ["| 4", "| 3", "| 2", "| 1"]
    assert "| inconclusive | 0.870 \\[0.842, 0.897\\] | 5% (90/1,797 rows) |" in history[3]

    legacy = out.split(f"### {QUESTIONS[LEGACY]}")[1].split("### ")[0]
    assert "- not in the latest run (4); last ran in run 3" in legacy
    assert f"- on full data: confirmed, False (run 2, {timestamp(RUN_STARTS[2])})" in legacy

    changed = out.split("## Changed recently (last 4 runs)")[1].split("## Questions")[0]
    flips = [line for line in changed.splitlines() if line.startswith("| ") and "---" not in line]
    assert [line.split(" | ")[0] for line in flips[1:]] == ["| 3", "| 3"]
    assert "inconclusive → confirmed" in flips[1] and "confirmed → **refuted**" in flips[2]


def test_report_changed_recently_covers_the_last_n_runs(run_cli: Cli, lab: Path) -> None:
    out = run_cli.on(lab, "report", "--recent", "1").out
    changed = out.split("## Changed recently (last run)")[1].split("## Questions")[0]
    # run 4's full-data verdicts compare with run 2's, where nothing changed
    assert "No verdict changed in these runs." in changed
    out = run_cli.on(lab, "report", "--recent", "2").out
    changed = out.split("## Changed recently (last 2 runs)")[1].split("## Questions")[0]
    assert "confirmed → **refuted**" in changed and "inconclusive → confirmed" in changed
    assert "refuted → confirmed" not in changed


def test_report_history_is_compact(run_cli: Cli, lab: Path) -> None:
    out = run_cli.on(lab, "report", "--history", "2").out
    svc = out.split(f"### {QUESTIONS[SVC]}")[1].split("### ")[0]
    assert "History (newest first, 2 of 4):" in svc
    assert "| 2 | " not in svc and "| 3 | " in svc


def test_report_markdown_shows_markup_in_questions_as_text(run_cli: Cli, lab: Path) -> None:
    out = run_cli.on(lab, "report").out
    assert re.findall(r"(?<!\\)<", out) == [], "every < is escaped, so no renderer sees a tag"
    assert "### Does \\<script\\>alert(1)\\</script\\> show as text?" in out
    assert "note='\\<img src=x onerror=alert(2)\\>'" in out


def test_report_gives_a_parametrized_family_as_one_entry_with_a_table(
    run_cli: Cli, tmp_path: Path
) -> None:
    journal = family_journal(tmp_path / "j.sqlite", alone=True)
    out = run_cli.on(journal, "report").out
    questions = out.split("## Questions")[1].split("###")[0]
    assert "| 3 confirmed, 1 refuted | Is k-NN at least 90% accurate? (4 variants) |" in questions
    assert questions.count("k-NN") == 1  # one row for the family
    section = out.split("### Is k-NN at least 90% accurate? (4 variants)")[1].split("###")[0]
    assert "`t.py::exp_knn` (expected `>= 0.9`)" in section
    table = [line for line in section.splitlines() if line.startswith("| ")]
    assert table[0] == "| param | verdict | answer | interval | data | rows | time | run |"
    assert [row.split(" | ")[0] for row in table[1:]] == ["| 1", "| 3", "| 10", "| 25"]
    assert table[4].startswith("| 25 | refuted | 0.750 | \\[0.730, 0.760\\] | full | 1,797 |")
    assert out.count("### ") == 2  # a single-variant experiment stays an entry of its own
    assert "### Alone? \\[only\\]" in out


def test_report_on_an_empty_journal(run_cli: Cli, tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    JournalBuilder(journal).close()
    outcome = run_cli.on(journal, "report")
    assert outcome.status == 0
    assert "no results yet" in outcome.out


LEFT_OUT = (
    "(left out: run 4 (unfinished); comparing the last two finished runs, 2 and 3; name runs to "
    "compare them)\n"
)


def test_a_damaged_row_does_not_stop_the_commands(run_cli: Cli, lab: Path) -> None:
    with sqlite3.connect(lab) as connection:
        connection.execute(
            "UPDATE results SET answer = '{torn', record = 'x', data = '' WHERE nodeid = ?",
            (SVC,),
        )
    for command in (["report"], ["show", "svc"], ["diff"], ["export", "--format", "csv"]):
        outcome = run_cli.on(lab, *command)
        assert outcome.status in (0, 1), (command, outcome.err)
        assert outcome.err in ("", LEFT_OUT), command
    # the text answer the terminal showed is still there
    assert "0.975 [0.967, 0.982]" in run_cli.on(lab, "show", "svc").out


# -- export -------------------------------------------------------------------------------------


def journal_rows(journal: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(journal) as connection:
        return connection.execute(
            "SELECT run_id, nodeid, status, answer FROM results ORDER BY run_id, id"
        ).fetchall()


def test_export_jsonl_reads_back_with_pandas(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli.on(lab, "export", "--format", "jsonl")
    assert outcome.status == 0, outcome.err
    # precise_float: pandas' fast float parser can be one unit in the last place off.
    frame = pd.read_json(io.StringIO(outcome.out), lines=True, precise_float=True)
    rows = journal_rows(lab)
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == len(rows) == 22
    assert list(zip(frame.run_id, frame.nodeid, frame.verdict, strict=True)) == [
        row[:3] for row in rows
    ]
    svc = frame[frame.nodeid == SVC].set_index("run_id")
    for run, (value, low, high, status) in SVC_ANSWERS.items():
        assert (svc.value[run], svc.low[run], svc.high[run]) == (value, low, high)
        assert svc.verdict[run] == status
        assert svc.answer[run]["method"] == "wilson"
    assert svc.record[4] == {"kernel": "rbf", "C": 1.0}
    lr = frame[frame.nodeid == LR_NB].set_index("run_id")
    assert lr.answer[4] == LR_NB_ANSWERS[4] and math.isnan(lr.value[4])
    assert frame[frame.run_id == 2].full.all() and not frame[frame.run_id == 3].full.any()
    assert set(frame[frame.run_id == 3].git_commit) == {"9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"}
    assert frame[frame.run_id == 3].git_dirty.all()
    assert frame["mode"][0]["sample"] == 0.05
    assert pd.to_datetime(frame.started, unit="s").min().year == 2025


def test_export_csv_reads_back_with_pandas(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli.on(lab, "export", "--format", "csv")
    assert outcome.status == 0, outcome.err
    frame = pd.read_csv(io.StringIO(outcome.out))
    rows = journal_rows(lab)
    assert list(frame.columns) == list(COLUMNS) and len(frame) == len(rows)
    for (run, nodeid, status, answer), (_, row) in zip(rows, frame.iterrows(), strict=True):
        assert (row.run_id, row.nodeid, row.verdict) == (run, nodeid, status)
        if answer is None:
            assert pd.isna(row.answer)
        else:
            assert json.loads(row.answer) == json.loads(str(answer))
    scaling = frame[frame.nodeid == SCALING].set_index("run_id")
    assert [scaling.value[run] for run in (1, 2, 3, 4)] == [
        SCALING_ANSWERS[r] for r in (1, 2, 3, 4)
    ]
    assert (
        frame[frame.nodeid == MARKUP].answer.map(json.loads).eq("<b>bold</b> & <i>italic</i>").all()
    )
    started = pd.to_datetime(frame.started, utc=True, format="ISO8601")
    assert started.min().year == 2025 and frame.started[0].endswith("Z")


def test_export_keeps_non_finite_answers(run_cli: Cli, tmp_path: Path) -> None:
    journal = JournalBuilder(tmp_path / "j.sqlite")
    run = journal.run(T0)
    journal.result(run, "t.py::exp_nan", question="q", status="answered", answer=float("nan"))
    journal.result(run, "t.py::exp_inf", question="q", status="answered", answer=float("inf"))
    journal.close()
    out = run_cli.on(journal.path, "export", "--format", "jsonl").out
    frame = pd.read_json(io.StringIO(out), lines=True).set_index("nodeid")
    assert math.isnan(frame.value["t.py::exp_nan"])
    assert frame.value["t.py::exp_inf"] == math.inf


def test_export_to_a_file(run_cli: Cli, lab: Path, tmp_path: Path) -> None:
    target = tmp_path / "results.csv"
    outcome = run_cli.on(lab, "export", "--format", "csv", "-o", target)
    assert outcome.status == 0 and outcome.out == ""
    assert "wrote 22 results to" in outcome.err
    assert len(pd.read_csv(target)) == 22


@pytest.mark.parametrize(
    "command",
    [
        ["export", "--format", "csv", "-o"],
        ["export", "--format", "jsonl", "-o"],
        ["report", "--html"],
    ],
    ids=["csv", "jsonl", "html"],
)
def test_nothing_the_user_wrote_is_overwritten(
    run_cli: Cli, lab: Path, tmp_path: Path, command: list[str]
) -> None:
    mine = tmp_path / "train.csv"
    mine.write_text("x,y\n1,2\n")
    outcome = run_cli.on(lab, *command, mine)
    assert_one_line_error(outcome, f"{mine} exists and is not an earlier")
    assert "--force" in outcome.err
    assert mine.read_text() == "x,y\n1,2\n"
    # an earlier output of the same command is replaced, and --force replaces anything
    target = tmp_path / "out"
    assert run_cli.on(lab, *command, target).status == 0
    assert run_cli.on(lab, *command, target).status == 0
    assert run_cli.on(lab, *command, mine, "--force").status == 0
    assert mine.read_text() != "x,y\n1,2\n"


def test_export_marks_reused_results(run_cli: Cli, tmp_path: Path) -> None:
    journal = JournalBuilder(tmp_path / "j.sqlite")
    first, second = journal.run(T0), journal.run(T0 + 60)
    journal.result(first, "t.py::exp_a", question="q", status="answered", answer=1)
    journal.result(
        second, "t.py::exp_a", question="q", status="answered", answer=1, reused_from=first
    )
    journal.close()
    out = run_cli.on(journal.path, "export", "--format", "jsonl").out
    frame = pd.read_json(io.StringIO(out), lines=True)
    assert frame.reused_from.isna().tolist() == [True, False]
    assert frame.reused_from[1] == first


def test_export_needs_a_known_format(run_cli: Cli, lab: Path) -> None:
    outcome = run_cli.on(lab, "export", "--format", "xlsx")
    assert outcome.status == 2
    assert "invalid choice: 'xlsx'" in outcome.err and "Traceback" not in outcome.err


# -- journals that cannot be read ---------------------------------------------------------------

COMMANDS = [["runs"], ["show", "svc"], ["diff"], ["report"], ["export", "--format", "jsonl"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_missing_journal(run_cli: Cli, tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "nowhere" / "journal.sqlite"
    assert_one_line_error(run_cli.on(missing, *command), f"journal {missing} does not exist")
    assert not missing.parent.exists(), "reading must not create the journal"


def test_no_journal_anywhere_up_the_tree(
    run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(
        run_cli("runs"),
        "no journal found",
        "or pass --journal PATH",
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_random_bytes_are_not_a_journal(run_cli: Cli, tmp_path: Path, command: list[str]) -> None:
    journal = tmp_path / "journal.sqlite"
    journal.write_bytes(os.urandom(8192))
    assert_one_line_error(run_cli.on(journal, *command), "is damaged or not an SQLite database")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_journal_with_damaged_pages(run_cli: Cli, lab: Path, command: list[str]) -> None:
    with sqlite3.connect(lab) as connection:  # fold the WAL in, so the pages are in the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
    data = bytearray(lab.read_bytes())
    page = 4096
    noise = hashlib.sha256(b"noise").digest() * (page // 32)
    for start in range(page, len(data), page):  # keep the header page: SQLite still opens it
        data[start : start + page] = noise[: len(data) - start]
    lab.write_bytes(bytes(data))
    outcome = run_cli.on(lab, *command)
    assert_one_line_error(outcome, str(lab))
    assert "damaged" in outcome.err


def test_an_sqlite_file_that_is_not_a_journal(run_cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    assert_one_line_error(run_cli.on(other, "runs"), "not a pytest-experiments journal")
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    assert_one_line_error(run_cli.on(empty, "runs"), "not a pytest-experiments journal")


def test_a_directory_is_not_a_journal(run_cli: Cli, tmp_path: Path) -> None:
    assert_one_line_error(run_cli.on(tmp_path, "runs"), "is a directory")


def test_a_journal_from_a_newer_version_is_refused_and_left_alone(run_cli: Cli, lab: Path) -> None:
    with sqlite3.connect(lab) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = hashlib.sha256(lab.read_bytes()).hexdigest()
    assert_one_line_error(
        run_cli.on(lab, "report"), "newer pytest-experiments (schema version 99", "upgrade"
    )
    assert hashlib.sha256(lab.read_bytes()).hexdigest() == before


def test_a_locked_journal(run_cli: Cli, lab: Path) -> None:
    holder = sqlite3.connect(lab)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE runs SET host = host")
        outcome = run_cli.on(lab, "--wait", "0.2", "runs")
        assert_one_line_error(outcome, "is locked by another process", "--wait SECONDS")
    finally:
        holder.close()
    assert run_cli.on(lab, "runs").status == 0, "readable again once the lock is gone"


def test_reading_leaves_the_journal_as_it_was(run_cli: Cli, lab: Path) -> None:
    with sqlite3.connect(lab) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = hashlib.sha256(lab.read_bytes()).hexdigest()
    for command in COMMANDS:
        run_cli.on(lab, *command)
    assert hashlib.sha256(lab.read_bytes()).hexdigest() == before


def test_usage_errors_exit_2_without_a_traceback(run_cli: Cli, lab: Path) -> None:
    for args in (["frobnicate"], [], ["runs", "--limit", "-3"], ["--wait", "x", "runs"]):
        outcome = run_cli.on(lab, *args)
        assert outcome.status == 2, args
        assert "usage: pytest-experiments" in outcome.err and "Traceback" not in outcome.err


# -- as real processes --------------------------------------------------------------------------


def test_the_console_script(lab: Path) -> None:
    script = Path(sys.executable).parent / "pytest-experiments"
    if not script.exists():
        pytest.skip(f"the console script is not installed next to {sys.executable}")
    done = subprocess.run(
        [str(script), "--journal", str(lab), "runs"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()[1:]] == ["4", "3", "2", "1"]
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("pytest-experiments 0.")


def test_python_dash_m(lab: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_experiments", "--journal", str(lab), "diff", "3", "4"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "refuted → confirmed" in done.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "pytest_experiments", "--journal", str(lab) + ".nope", "runs"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "does not exist" in missing.stderr


PROBE = """
import json, sys
from pytest_experiments.notebook import cli
status = cli.main(sys.argv[1:])
heavy = [m for m in ("matplotlib", "jinja2", "pandas", "numpy") if m in sys.modules]
print(json.dumps({"status": status, "heavy": heavy}), file=sys.stderr)
"""


def probe(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    return json.loads(done.stderr.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_only_report_html_imports_jinja2_and_matplotlib(lab: Path, tmp_path: Path) -> None:
    for command in (["runs"], ["show", "svc"], ["diff"], ["report"], ["export", "--format", "csv"]):
        found = probe("--journal", str(lab), *command)
        assert found["heavy"] == [], command
    # The probe can see them: report --html does load both.
    found = probe("--journal", str(lab), "report", "--html", str(tmp_path / "r.html"))
    assert found["status"] == 0
    assert {"matplotlib", "jinja2"} <= set(found["heavy"])  # type: ignore[arg-type]


def test_reused_results_name_the_run_that_computed_them(run_cli: Cli, tmp_path: Path) -> None:
    journal = JournalBuilder(tmp_path / "j.sqlite")
    first, second = journal.run(T0), journal.run(T0 + 60)
    journal.result(first, "t.py::exp_a", question="How many?", status="answered", answer=1)
    journal.result(
        second,
        "t.py::exp_a",
        question="How many?",
        status="answered",
        answer=1,
        duration=0.0,
        reused_from=first,
    )
    journal.close()
    report = run_cli.on(journal.path, "report")
    assert f"run {second} " in report.out and f"reused from run {first}" in report.out
    assert "0.00s" not in report.out
    show = run_cli.on(journal.path, "show", "exp_a")
    assert f"answered (reused from run {first})" in show.out


def test_diff_leaves_out_interrupted_runs_and_runs_show_them(run_cli: Cli, tmp_path: Path) -> None:
    journal = JournalBuilder(tmp_path / "j.sqlite")
    first = journal.run(T0)
    interrupted = journal.run(T0 + 60, exit_status=2)
    last = journal.run(T0 + 120)
    for run in (first, interrupted, last):
        journal.result(run, "t.py::exp_a", question="q", status="answered", answer=1)
    journal.result(first, "t.py::exp_b", question="q", status="answered", answer=2)
    journal.result(last, "t.py::exp_b", question="q", status="answered", answer=2)
    journal.close()
    diff = run_cli.on(journal.path, "diff")
    assert diff.status == 0 and f"--- run {first} " in diff.out
    assert f"(left out: run {interrupted} (interrupted)" in diff.err
    assert "(interrupted)" in run_cli.on(journal.path, "runs").out


def test_reused_copies_are_not_counted_as_more_evidence(run_cli: Cli, tmp_path: Path) -> None:
    journal = JournalBuilder(tmp_path / "j.sqlite")
    sample, reused, full = journal.run(T0), journal.run(T0 + 60), journal.run(T0 + 120, full=True)
    journal.result(sample, "t.py::exp_a", question="q", status="confirmed", answer=1)
    journal.result(
        reused, "t.py::exp_a", question="q", status="confirmed", answer=1, reused_from=sample
    )
    journal.result(full, "t.py::exp_a", question="q", status="confirmed", answer=1, fraction=1.0)
    journal.close()
    show = run_cli.on(journal.path, "show", "exp_a").out
    assert "sample verdicts against the nearest full-data verdict: 1 agreed" in show
    html = tmp_path / "r.html"
    assert run_cli.on(journal.path, "report", "--html", html).status == 0
    assert f"{reused} (reused from {sample})" in html.read_text()


def test_runs_gives_the_command_what_the_terminal_has_left(
    run_cli: Cli, lab: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "150")
    lines = run_cli.on(lab, "runs").out.splitlines()
    assert lines[0].split()[-1] == "command"
    assert max(len(line) for line in lines) <= 150
    monkeypatch.setenv("COLUMNS", "80")
    assert "command" not in run_cli.on(lab, "runs").out.splitlines()[0]


def test_show_without_brackets_gives_a_parametrized_family_as_one_table(
    run_cli: Cli, tmp_path: Path
) -> None:
    journal = JournalBuilder(tmp_path / "j.sqlite")
    run = journal.run(T0)
    for k in (1, 25, 3, 7):
        journal.result(
            run,
            f"t.py::exp_knn_k[{k}]",
            question="Is k-NN at least 90% accurate?",
            expectation=">= 0.9",
            status="confirmed" if k < 25 else "refuted",
            answer=1 - k / 100,
            fraction=1.0,
        )
    journal.close()
    outcome = run_cli.on(journal.path, "show", "exp_knn_k")
    assert outcome.status == 0, outcome.err
    lines = outcome.out.splitlines()
    assert lines[0] == "t.py::exp_knn_k  (4 variants)"
    table = lines[lines.index("") + 1 :]
    assert table[0].split()[:3] == ["param", "verdict", "answer"]
    assert [line.split()[0] for line in table[1:5]] == ["1", "3", "7", "25"]  # natural order
    assert "refuted" in table[4] and "0.75" in table[4]
    assert run_cli.on(journal.path, "show", "exp_knn_k[3]").out.splitlines()[0] == (
        "t.py::exp_knn_k[3]"
    )


def test_diff_leaves_out_moves_below_the_printed_precision(run_cli: Cli, tmp_path: Path) -> None:
    journal = JournalBuilder(tmp_path / "j.sqlite")
    first, second = journal.run(T0), journal.run(T0 + 86_400.0)
    for run, tiny, real in ((first, 0.123401, 0.5), (second, 0.123402, 0.61)):
        journal.result(run, "t.py::exp_tiny", question="q", status="answered", answer=tiny)
        journal.result(run, "t.py::exp_real", question="q", status="answered", answer=real)
    journal.close()
    outcome = run_cli.on(journal.path, "diff")
    assert "exp_real" in outcome.out and "0.5 → 0.61" in outcome.out
    assert "different shares" not in outcome.out and "% → " not in outcome.out
    assert "exp_tiny" not in outcome.out
