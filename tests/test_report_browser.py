"""The HTML bulletin in a real browser: Debian's chromium, headless.

A screenshot must come out non-trivial, the key figures are read back from the DOM
chromium rendered, and printing gives A4 pages (portrait, landscape for wide lists).
"""

from __future__ import annotations

import re
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_ledger import build

from gongjian_cli.metrics import compute_report
from gongjian_cli.month import Month
from gongjian_cli.render import write_report

pytestmark = pytest.mark.browser

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run(
        ["chromium", *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


class _DomFigures(HTMLParser):
    """Collects data-* attributes of figure cells and the text of #summary and #time-progress."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str], dict[str, str]] = {}
        self.status: dict[tuple[str, str], str] = {}
        self.summary = ""
        self.time_progress = ""
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "data-district" in a and "data-metric" in a:
            self.cells[a["data-district"], a["data-metric"]] = a
        if "data-district" in a and "data-status" in a:
            self.status[a["data-district"], a["data-table"]] = a["data-status"]
        if a.get("id") in {"summary", "time-progress"}:
            self._in.append(a["id"])
        elif self._in and tag in {"section", "span", "p", "h2"}:
            self._in.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._in and tag in {"section", "span", "p", "h2"}:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if "summary" in self._in:
            self.summary += data
        if self._in and self._in[-1] == "time-progress":
            self.time_progress += data


@pytest.fixture
def page(ledger, targets, tmp_path) -> Path:
    build(ledger)
    report = compute_report(ledger, Month(2020, 5), targets)
    (path,) = write_report(report, tmp_path / "out", ["html"])
    return path


def test_screenshot_is_non_trivial(need_chromium, page, tmp_path):
    shot = tmp_path / "shot.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2000)
    assert len(data) > 100_000  # a blank or error page compresses to a few kB


def test_key_figures_from_rendered_dom(need_chromium, page, tmp_path):
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "<svg" in dom and "c-bar" in dom
    figures = _DomFigures()
    figures.feed(dom)
    inv = figures.cells["经开区", "investment"]
    assert (inv["data-actual"], inv["data-target"], inv["data-rate"], inv["data-behind"]) == (
        "10.1234",
        "64",
        "0.1582",
        "true",
    )
    assert figures.cells["全市", "investment"]["data-actual"] == "18.3579"
    assert figures.cells["全市", "registered_1yi_plus"]["data-actual"] == "4"
    assert figures.cells["经开区", "completed"]["data-rate"] == ""
    assert figures.status["郊区", "planned"] == "missing"
    assert figures.status["枞阳县", "construction"] == "carried"
    assert figures.status["经开区", "planned"] == "late"
    assert figures.time_progress.strip() == "41.7%"
    summary = re.sub(r"\s+", "", figures.summary)
    assert "截至5月底，全市亿元以上重点工业项目完成投资18.36亿元，完成年度目标的9.2%" in summary
    assert "郊区未报" in summary and "沿用2020年4月数据" in summary


def test_prints_on_a4(need_chromium, page, tmp_path):
    pdf = tmp_path / "page.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    sizes = {(round(float(w)), round(float(h))) for w, h in boxes}
    assert (595, 842) in sizes  # A4 portrait for the bulletin
    assert sizes <= {(595, 842), (842, 595)}  # and A4 landscape for the wide lists
