"""The HTML report in a real browser: headless Chromium renders it, logs nothing to its console,
and shows a question containing ``<script>`` as text.

Chromium logs every console message (``console.error`` and uncaught exceptions included) as an
``INFO:CONSOLE`` line on stderr; the report has no JavaScript, so any such line is a failure.
A control page with a script, a console error and unescaped markup proves the checks can fail.
Skipped where Debian's ``chromium`` is not installed (``apt-get install chromium``).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from journal_fixtures import MARKUP, QUESTIONS, family_journal, lab_journal

from pytest_experiments.notebook import cli

CHROMIUM = shutil.which("chromium")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install chromium); "
    "the browser test of the HTML report needs it",
)

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)


@dataclass
class Rendered:
    dom: str
    console: list[str]  # chromium's CONSOLE lines: messages logged by the page


def chromium(page: Path, profile: Path, *extra: str) -> Rendered:
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return Rendered(done.stdout, console)


def script_elements(dom: str) -> list[str]:
    return re.findall(r"<script\b", dom, re.IGNORECASE)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    journal = lab_journal(root / ".experiments" / "journal.sqlite")
    target = root / "report.html"
    assert cli.main(["--journal", str(journal), "report", "--html", str(target)]) == 0
    return target


@pytest.fixture(scope="module")
def rendered(page: Path, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return chromium(page, tmp_path_factory.mktemp("profile"), "--dump-dom")


def test_the_report_renders_every_question(rendered: Rendered) -> None:
    assert "<h1>Experiment report</h1>" in rendered.dom
    for question in QUESTIONS.values():
        assert html.escape(question, quote=False) in rendered.dom


def test_the_report_logs_nothing_to_the_console(rendered: Rendered) -> None:
    assert rendered.console == []


def test_a_question_with_a_script_tag_shows_as_text(rendered: Rendered) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.dom
    assert script_elements(rendered.dom) == [], "the page must create no script element"
    section = rendered.dom.split(f"<code>{MARKUP}</code>")[0].rsplit("<section", 1)[1]
    assert "<h3>Does &lt;script&gt;alert(1)&lt;/script&gt; show as text?</h3>" in section
    assert "<title>Experiment report</title>" in rendered.dom


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """A page that runs script, logs an error and embeds raw markup trips every check above."""
    control = tmp_path / "control.html"
    control.write_text(
        "<!doctype html><html><head><title>control</title></head><body>"
        "<h3>Does <script>document.title = 'ran'</script> show as text?</h3>"
        "<script>console.error('boom'); notDefined();</script></body></html>"
    )
    rendered = chromium(control, tmp_path / "profile", "--dump-dom")
    assert len(script_elements(rendered.dom)) == 2
    assert "<title>ran</title>" in rendered.dom, "the injected script ran"
    assert any('"boom"' in line for line in rendered.console)
    assert any("Uncaught ReferenceError" in line for line in rendered.console)


@pytest.fixture(scope="module")
def family_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("family")
    journal = family_journal(root / "journal.sqlite")
    target = root / "report.html"
    assert cli.main(["--journal", str(journal), "report", "--html", str(target)]) == 0
    return target


@pytest.mark.parametrize("which", ["lab", "family"])
def test_a_screenshot_shows_a_page(
    which: str,
    page: Path,
    family_page: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    record_property: Callable[[str, object], None],
) -> None:
    """The screenshots are kept for review in pytest's cache folder
    (``.pytest_cache/d/report-screenshots/``), which the next run overwrites."""
    image_module = pytest.importorskip("PIL.Image")
    shot = tmp_path / f"report-{which}.png"
    shown = page if which == "lab" else family_page
    chromium(shown, tmp_path / "profile", "--window-size=1280,1600", f"--screenshot={shot}")
    with image_module.open(shot) as image:
        assert image.size == (1280, 1600)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, "a blank or failed render has few colours"
    cache = request.config.cache
    if cache is not None:
        kept = cache.mkdir("report-screenshots") / shot.name
        shutil.copyfile(shot, kept)
        record_property("screenshot", str(kept))
