"""``pytest-experiments report --html FILE``: one self-contained page, escaped, with plots.

The page is read as text here; ``test_report_browser.py`` opens it in a real browser.
"""

from __future__ import annotations

import base64
import html
import io
import re
import sys
from pathlib import Path

import pytest
from journal_fixtures import (
    LR_NB,
    QUESTIONS,
    SCALING,
    SVC,
    family_journal,
    lab_journal,
)

from pytest_experiments.notebook import cli

DATA_PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    return lab_journal(tmp_path / ".experiments" / "journal.sqlite")


def report(
    journal: Path, target: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli.main(["--journal", str(journal), "report", "--html", str(target), *extra])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def hide_module(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make ``import name`` (and its submodules) fail as if it were not installed."""
    for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        monkeypatch.setitem(sys.modules, loaded, None)
    monkeypatch.setitem(sys.modules, name, None)


def section_of(page: str, nodeid: str) -> str:
    """The ``<section>`` of one experiment."""
    for section in re.findall(r"<section .*?</section>", page, re.DOTALL):
        if f"<code>{html.escape(nodeid)}</code>" in section:
            return str(section)
    raise AssertionError(f"no section for {nodeid}")


def test_the_page_is_self_contained_with_plots(
    lab: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "report.html"
    status, out, err = report(lab, target, capsys)
    assert status == 0, err
    assert f"wrote {target} (7 experiments" in out
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    # Nothing to fetch: no scripts, stylesheets or remote URLs; images are data: URIs.
    assert "<script" not in page and "<link" not in page
    assert re.findall(r'(?:src|href)="(?!data:|#)', page) == []
    # Plots for the three experiments with numeric answers, each a real PNG.
    images = DATA_PNG.findall(page)
    assert len(images) == 3
    from PIL import Image

    for encoded in images:
        with Image.open(io.BytesIO(base64.b64decode(encoded))) as image:
            assert image.format == "PNG" and image.size[0] > 600
    for nodeid in (SVC, SCALING, LR_NB):
        assert "data:image/png" in section_of(page, nodeid)


def test_the_page_holds_every_question_with_its_evidence(
    lab: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.html"
    assert report(lab, target, capsys, "--max-plots", "0")[0] == 0
    page = target.read_text(encoding="utf-8")
    for question in QUESTIONS.values():
        assert html.escape(question) in page
    svc = section_of(page, SVC)
    assert '<span class="badge s-confirmed">confirmed</span>' in svc
    assert "0.975 [0.967, 0.982]" in svc
    assert "[0.967, 0.982] at 95% (wilson, n=1,797)" in svc
    assert "full (1,797 rows), seed 12345" in svc
    assert (
        "sample verdicts against the nearest full-data verdict: 1 agreed, 0 contradicted, "
        "1 undecided" in svc
    )
    assert "<code>9f8e7d6c</code>" in svc
    assert '<span class="badge s-refuted">refuted</span>' in section_of(page, SCALING)
    summary = page.split('aria-label="current verdicts"')[1].split("</div>\n\n")[0]
    assert re.findall(r'<div class="n">(\d+)</div><div class="l">(\w+)</div>', summary) == [
        ("7", "experiments"),
        ("3", "confirmed"),
        ("2", "answered"),
        ("1", "failed"),
        ("1", "crashed"),
    ]


def test_markup_in_the_journal_is_shown_as_text(
    lab: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.html"
    assert report(lab, target, capsys, "--max-plots", "0")[0] == 0
    page = target.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;" in page


def test_without_matplotlib_the_page_has_tables_and_says_why(
    lab: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hide_module(monkeypatch, "matplotlib")
    target = tmp_path / "report.html"
    status, _, err = report(lab, target, capsys)
    assert status == 0, err
    page = target.read_text(encoding="utf-8")
    assert "data:image" not in page
    assert "Plots are not shown: matplotlib is not installed" in page
    assert "pip install &#39;pytest-experiments[report]&#39;" in page
    for question in QUESTIONS.values():
        assert html.escape(question) in page
    assert "0.975 [0.967, 0.982]" in section_of(page, SVC)


def test_without_jinja2_html_is_refused_with_what_to_install(
    lab: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hide_module(monkeypatch, "jinja2")
    target = tmp_path / "report.html"
    status, out, err = report(lab, target, capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "report --html needs Jinja2" in err and "pytest-experiments[report]" in err
    assert not target.exists()


def test_plots_are_capped_and_go_first_to_verdicts_that_changed(
    lab: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "report.html"
    assert report(lab, target, capsys, "--max-plots", "1")[0] == 0
    page = target.read_text(encoding="utf-8")
    assert len(DATA_PNG.findall(page)) == 1
    # SVC and SCALING both flipped recently; SVC comes first in report order. LR_NB did not flip.
    assert "data:image/png" in section_of(page, SVC)
    assert "data:image/png" not in section_of(page, LR_NB)
    assert "2 experiments have no plot: at most 1 are drawn" in page


def test_an_unwritable_target(
    lab: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = report(lab, tmp_path / "no" / "such" / "dir" / "r.html", capsys)
    assert status == 2 and out == ""
    assert "cannot write the report to" in err and "choose another --html path" in err
    assert err.count("\n") == 1


def test_a_parametrized_family_is_one_section_with_a_table_and_a_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "report.html"
    status, _, err = report(family_journal(tmp_path / "j.sqlite"), target, capsys)
    assert status == 0, err
    page = target.read_text(encoding="utf-8")
    sections = re.findall(r"<section .*?</section>", page, re.DOTALL)
    assert len(sections) == 1
    (family,) = sections
    assert "Is k-NN at least 90% accurate? (4 variants)" in family
    assert "<code>t.py::exp_knn</code>" in family and "<code>&gt;= 0.9</code>" in family
    assert "3 confirmed</span>" in family and "1 refuted</span>" in family
    body = family.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    firsts = [re.findall(r"<td[^>]*>(.*?)</td>", row)[0] for row in rows]
    assert firsts == ["1", "3", "10", "25"]  # numbers as numbers
    assert "0.750" in rows[3] and "[0.730, 0.760]" in rows[3]
    assert '<span class="badge s-refuted">refuted</span>' in rows[3]
    (plot,) = DATA_PNG.findall(family)
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(plot))) as image:
        assert image.format == "PNG" and image.size[0] > 600
    # the Questions table has one row for the family, linking to its section
    questions = page.split("<h2>Questions</h2>")[1].split("</table>")[0]
    assert questions.count("<tr>") == 1 + 1 and 'href="#e1"' in questions
