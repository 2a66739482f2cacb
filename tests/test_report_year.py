"""The year in the bulletin: conversion funnel, project register, December's 年度考核.

The reports come from the hand-built ledger (report_ledger) with a YearView made by hand
here, so every figure below is known:

谋划转化 (planned / in construction / started / registered → rate)
  经开区 14 / 6 / 5 / 3  → 3 ÷ 14 = 21.43% → 21.4%
  枞阳县  4 / 2 / 2 / 1  → 25.0%
  郊区    0 / 0 / 0 / 0  → —
  义安区  2 / 1 / 1 / 0  → 0.0%
  铜官区 16 / 8 / 6 / 5  → 5 ÷ 16 = 31.25% → 31.3% (half up, on the .x5)
  全市   36 / 17 / 14 / 9 → 25.0%
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re

import openpyxl
import pytest
from report_ledger import build

from gongjian_cli.metrics import Figure, compute_report
from gongjian_cli.month import Month
from gongjian_cli.render import (
    bulletin_title,
    fmt_change,
    fmt_money,
    fmt_pct,
    fmt_points,
    fmt_wan,
    write_report,
)
from gongjian_cli.render.html import render_html
from gongjian_cli.render.json import to_json_dict
from gongjian_cli.render.markdown import render_markdown
from gongjian_cli.render.register import (
    register_columns,
    register_rows,
    write_register_csv,
    write_register_xlsx,
)
from gongjian_cli.render.summary import summary_paragraphs
from gongjian_cli.year.model import CITY, Conversion, ProjectLine, YearView

CONVERSION = {
    "经开区": Conversion(14, 6, 5, 3),
    "枞阳县": Conversion(4, 2, 2, 1),
    "郊区": Conversion(0, 0, 0, 0),
    "义安区": Conversion(2, 1, 1, 0),
    "铜官区": Conversion(16, 8, 6, 5),
    CITY: Conversion(36, 17, 14, 9),
}

REGISTER_HEAD = [
    "序号",
    "县区",
    "项目名称",
    "曾用名",
    "项目单位",
    "总投资（万元）",
    "首次列入谋划",
    "首次列入在建",
    "开工月份",
    "入库月份",
    "竣工月份",
]


def _months(last: int) -> tuple[str, ...]:
    return tuple(f"2020-{m:02d}" for m in range(1, last + 1))


def _lines() -> tuple[ProjectLine, ...]:
    return (
        ProjectLine(
            district="经开区",
            name="铜箔项目（一期）",
            names=("铜箔项目", "年产2万吨铜箔项目"),
            unit="铜冠铜箔有限公司",
            total_investment=200000,
            first_planned="2020-01",
            first_construction="2020-03",
            started="2020-03",
            registered="2020-04",
            completed=None,
            completed_investment={"2020-03": 30000, "2020-04": 50000, "2020-05": 81234.5},
            key="k1",
        ),
        ProjectLine(
            district="经开区",
            name="=SUM(A1:A9)谋划项目",
            names=(),
            unit=None,
            total_investment=None,
            first_planned="2020-02",
            first_construction=None,
            started=None,
            registered=None,
            completed=None,
            completed_investment={},
            key="k2",
        ),
        ProjectLine(
            district="铜官区",
            name="电子材料二期",
            names=(),
            unit="某电子公司",
            total_investment=50000,
            first_planned=None,
            first_construction="2020-01",
            started="2020-01",
            registered="2020-01",
            completed="2020-05",
            completed_investment={"2020-01": 1000, "2020-02": 2000, "2020-05": 20000},
            key="k3",
        ),
    )


def _view(month: Month) -> YearView:
    return YearView(
        month=month,
        months=_months(month.month),
        projects=_lines(),
        conversion=dict(CONVERSION),
    )


@pytest.fixture
def may_year(ledger, targets):
    build(ledger)
    report = compute_report(ledger, Month(2020, 5), targets)
    return dataclasses.replace(report, year_view=_view(Month(2020, 5)))


@pytest.fixture
def december(ledger, targets):
    """December: 经开区 reached its 新开工 target (16 of 16), everything else falls short."""
    build(ledger)
    report = compute_report(ledger, Month(2020, 12), targets)
    first = report.districts[0]
    assert first.name == "经开区"
    metrics = {**first.metrics, "new_starts": Figure("new_starts", 16, 16, 15, 1.0)}
    districts = (dataclasses.replace(first, metrics=metrics), *report.districts[1:])
    return dataclasses.replace(report, districts=districts, year_view=_view(Month(2020, 12)))


def _rows(ws):
    return [[c.value for c in r] for r in ws.iter_rows()]


def _block(ws, title_start: str) -> list[list]:
    """The rows of a titled block on the overview: from its header to the 全市 line."""
    rows = _rows(ws)
    start = next(i for i, r in enumerate(rows) if str(r[0] or "").startswith(title_start))
    end = next(i for i in range(start, len(rows)) if rows[i][0] == CITY)
    return rows[start + 1 : end + 1]


# ------------------------------------------------------------------------- funnel


def test_funnel_in_workbook(may_year, tmp_path):
    (path,) = write_report(may_year, tmp_path, ["xlsx"])
    ws = openpyxl.load_workbook(path)["完成情况"]
    block = _block(ws, "各县区谋划项目转化情况（截至5月底）")
    assert [block[0][0], *block[0][2:7]] == [
        "县区",
        "谋划项目（个）",
        "已转在建（个）",
        "已开工（个）",
        "已入库（个）",
        "谋划转化率",
    ]
    lines = {r[0]: r[2:7] for r in block[1:]}
    assert list(lines) == ["经开区", "枞阳县", "郊区", "义安区", "铜官区", CITY]
    assert lines["经开区"] == [14, 6, 5, 3, 0.214]  # the shown 21.4%, rounded half up
    assert lines["铜官区"][4] == 0.313  # 5/16 = 0.3125 → 31.3%, as HTML says
    assert lines["郊区"] == [0, 0, 0, 0, "—"]
    assert lines[CITY] == [36, 17, 14, 9, 0.25]
    rate_cell = next(r[6] for r in ws.iter_rows() if r[0].value == "经开区" and r[6].value == 0.214)
    assert rate_cell.number_format == "0.0%"


def test_funnel_in_html_and_markdown(may_year):
    html = render_html(may_year)
    section = html[html.index('id="conversion"') :]
    section = section[: section.index("</section>")]
    assert "各县区谋划项目转化情况（截至5月底）" in section
    row = re.search(r'<tr data-district="经开区">(.*?)</tr>', section, re.S).group(1)
    assert re.findall(r'<td class="num[^"]*"[^>]*>([^<]*)</td>', row) == [
        "14",
        "6",
        "5",
        "3",
        "21.4%",
    ]
    assert re.search(r'data-district="铜官区">.*?data-rate="0.313">31.3%<', section, re.S)
    assert re.search(r'data-district="郊区">.*?data-rate="">—<', section, re.S)

    md = render_markdown(may_year)
    assert "## 各县区谋划项目转化情况（截至5月底）" in md
    assert "| 经开区 | 14 | 6 | 5 | 3 | 21.4% |" in md
    assert "| 郊区 | 0 | 0 | 0 | 0 | — |" in md
    assert "| **全市** | 36 | 17 | 14 | 9 | 25.0% |" in md


def test_funnel_summary_sentence_everywhere(may_year, tmp_path):
    sentence = "截至5月底，全市谋划项目36个，已转在建17个、已开工14个、已入库9个，谋划转化率25.0%。"
    assert sentence in summary_paragraphs(may_year)
    assert sentence in render_html(may_year)
    assert sentence in render_markdown(may_year)
    (path,) = write_report(may_year, tmp_path, ["xlsx"])
    ws = openpyxl.load_workbook(path)["完成情况"]
    assert any(c.value == sentence for r in ws.iter_rows() for c in r)


def test_no_year_no_funnel(ledger, targets):
    build(ledger)
    report = compute_report(ledger, Month(2020, 5), targets)
    assert report.year_view is None
    assert not any("谋划转化率" in p for p in summary_paragraphs(report))
    assert 'id="conversion"' not in render_html(report)
    assert "谋划项目转化情况" not in render_markdown(report)
    assert "conversion" not in to_json_dict(report)


def test_summary_sentence_without_planned_projects(may_year):
    view = dataclasses.replace(
        may_year.year_view, conversion={"经开区": Conversion(), CITY: Conversion()}
    )
    text = summary_paragraphs(dataclasses.replace(may_year, year_view=view))
    assert "截至5月底，全市谋划项目0个，已转在建0个、已开工0个、已入库0个。" in text


def test_json_conversion_at_the_end(may_year):
    data = to_json_dict(may_year)
    assert list(data) == [
        "month",
        "time_progress",
        "districts",
        "total",
        "findings",
        "conversion",
    ]
    assert data["conversion"] == may_year.year_view.to_dict()["conversion"]
    assert data["conversion"]["铜官区"] == {
        "planned": 16,
        "in_construction": 8,
        "started": 6,
        "registered": 5,
        "rate": 0.3125,
    }
    json.dumps(data, ensure_ascii=False)


# ----------------------------------------------------------------------- register


def test_register_columns_and_rows():
    view = _view(Month(2020, 5))
    heads = [c.head for c in register_columns(view)]
    assert heads == REGISTER_HEAD + [f"{m}月完成投资（万元）" for m in range(1, 6)]
    rows = register_rows(view)
    assert rows[0] == [
        1,
        "经开区",
        "铜箔项目（一期）",
        "铜箔项目、年产2万吨铜箔项目",
        "铜冠铜箔有限公司",
        200000,
        "1月",
        "3月",
        "3月",
        "4月",
        None,
        None,
        None,
        30000,
        50000,
        81234.5,
    ]
    assert rows[1][3] is None and rows[1][5] is None
    assert (
        rows[2][0] == 3 and rows[2][10] == "5月" and rows[2][11:] == [1000, 2000, None, None, 20000]
    )


def test_register_sheet_in_bulletin(may_year, tmp_path):
    (path,) = write_report(may_year, tmp_path, ["xlsx"])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        "完成情况",
        "谋划项目汇总",
        "在建项目汇总",
        "项目台账",
        "未入库项目",
        "问题清单",
        "报送情况",
        "校验问题",
    ]
    ws = wb["项目台账"]
    assert ws["A1"].value == "项目台账（截至5月底，共3个项目）"
    assert "各月完成投资" in ws["A2"].value
    head = [c.value for c in ws[3]]
    assert head == REGISTER_HEAD + [f"{m}月完成投资（万元）" for m in range(1, 6)]
    first = [c.value for c in ws[4]]
    assert first[:6] == [
        1,
        "经开区",
        "铜箔项目（一期）",
        "铜箔项目、年产2万吨铜箔项目",
        "铜冠铜箔有限公司",
        200000,
    ]
    assert first[6:11] == ["1月", "3月", "3月", "4月", None]
    assert first[11:] == [None, None, 30000, 50000, 81234.5]
    assert ws["P4"].data_type == "n" and ws["P4"].number_format == "#,##0.##"
    assert ws["C5"].value == "=SUM(A1:A9)谋划项目" and ws["C5"].data_type == "s"
    assert ws.freeze_panes == "D4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.print_title_cols == "$A:$C"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.auto_filter.ref == "A3:P6"


def test_register_standalone_xlsx(tmp_path):
    view = _view(Month(2020, 5))
    path = write_register_xlsx(view, tmp_path / "台账.xlsx", title="铜陵市2020年重大工业项目台账")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["项目台账"]
    ws = wb["项目台账"]
    assert ws["A1"].value == "铜陵市2020年重大工业项目台账"
    assert [c.value for c in ws[3]][:11] == REGISTER_HEAD
    assert [c.value for c in ws[6]][:3] == [3, "铜官区", "电子材料二期"]
    assert ws["P6"].value == 20000 and ws["N6"].value is None
    # an empty cell is left unwritten: one rule over the data frames it like the others
    assert not ws["N6"].has_style and ws["P6"].border.left.style == "thin"
    [(area, rules)] = [(str(cf.sqref), cf.rules) for cf in ws.conditional_formatting]
    assert area == f"A4:{openpyxl.utils.get_column_letter(ws.max_column)}{ws.max_row}"
    assert [(r.type, r.dxf.border.left.style) for r in rules] == [("containsBlanks", "thin")]
    assert ws.freeze_panes == "D4" and ws.page_setup.orientation == "landscape"
    assert wb.properties.title == "铜陵市2020年重大工业项目台账"


def test_register_csv(tmp_path):
    view = _view(Month(2020, 5))
    path = write_register_csv(view, tmp_path / "台账.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == REGISTER_HEAD + [f"{m}月完成投资（万元）" for m in range(1, 6)]
    assert rows[1] == [
        "1",
        "经开区",
        "铜箔项目（一期）",
        "铜箔项目、年产2万吨铜箔项目",
        "铜冠铜箔有限公司",
        "200000",
        "1月",
        "3月",
        "3月",
        "4月",
        "",
        "",
        "",
        "30000",
        "50000",
        "81234.5",
    ]
    assert rows[2][2] == "'=SUM(A1:A9)谋划项目"  # never a formula in Excel
    assert len(rows) == 4


# ---------------------------------------------------------------------- December


def test_december_assessment_in_workbook(december, tmp_path):
    (path,) = write_report(december, tmp_path, ["xlsx"])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["完成情况", "年度考核"]
    assert wb["完成情况"]["A1"].value == (
        "铜陵市2020年“重大工业项目攻坚年”目标任务完成情况（2020年全年）"
    )
    ws = wb["年度考核"]
    rows = _rows(ws)
    head = rows[2]
    assert head[:3] == ["县区", "包保领导", "重点项目投资任务（亿元）"]
    assert "竣工重点项目（个）" not in head  # no target, not assessed
    assert head[-1] == "完成项数"
    lines = {r[0]: dict(zip(head, r, strict=True)) for r in rows[3:]}
    assert list(lines) == ["经开区", "枞阳县", "郊区", "义安区", "铜官区", CITY]
    assert lines["经开区"]["新开工重点项目（个）"] == "完成"
    assert lines["经开区"]["重点项目投资任务（亿元）"] == "未完成"
    assert lines["经开区"]["其中亿元以上入库项目（个）"] == "—"  # city-only target
    assert lines["经开区"]["完成项数"] == "1/9"
    assert lines[CITY]["其中亿元以上入库项目（个）"] == "未完成"
    assert lines[CITY]["完成项数"] == "0/11"
    assert ws.page_setup.orientation == "landscape"


def test_december_in_html_markdown_and_summary(december):
    text = "\n".join(summary_paragraphs(december))
    assert text.startswith("2020年全年，全市亿元以上重点工业项目完成投资")
    assert "2020年全年，全市谋划项目36个" in text
    assert "截至12月底" not in text
    assert bulletin_title(december).endswith("（2020年全年）")

    html = render_html(december)
    assert "（2020年全年 · 时序进度" in html
    section = html[html.index('id="assessment"') :]
    section = section[: section.index("</section>")]
    assert re.search(
        r'data-district="经开区".*?data-metric="new_starts" data-met="true"[^>]*>完成<',
        section,
        re.S,
    )
    assert re.search(
        r'data-district="经开区".*?data-metric="investment" data-met="false"[^>]*>未完成<',
        section,
        re.S,
    )
    assert 'data-district="全市"' in section
    # the sections are numbered in order, with the assessment third
    heads = re.findall(r"<h2>(.*?)、", html)
    assert heads[:4] == ["一", "二", "三", "四"] and len(set(heads)) == len(heads)
    assert "<h2>三、铜陵市2020年度各县区“重大工业项目攻坚年”目标任务考核情况</h2>" in html

    md = render_markdown(december)
    assert md.startswith("# 铜陵市2020年“重大工业项目攻坚年”目标任务完成情况（2020年全年）")
    line = next(x for x in md.splitlines() if x.startswith("| 经开区 | **未完成** | 完成 |"))
    assert line.endswith("| 1/9 |")
    _tables_are_rectangular(md)


def test_may_has_no_assessment(may_year, tmp_path):
    assert not may_year.full_year
    (path,) = write_report(may_year, tmp_path, ["xlsx"])
    assert "年度考核" not in openpyxl.load_workbook(path).sheetnames
    html = render_html(may_year)
    assert 'id="assessment"' not in html and "全年" not in html
    md = render_markdown(may_year)
    assert "考核情况" not in md and "全年" not in md
    assert "2020年全年" not in "\n".join(summary_paragraphs(may_year))
    _tables_are_rectangular(md)


def _tables_are_rectangular(md: str) -> None:
    for block in re.split(r"\n\n", md):
        lines = [x for x in block.splitlines() if x.startswith("|")]
        if lines:
            counts = {len(re.findall(r"(?<!\\)\|", x)) for x in lines}
            assert len(counts) == 1, block


# ---------------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5 / 16, "31.3%"),  # 0.3125: half up, as Excel shows it (Python's format: 31.2%)
        (0.0005, "0.1%"),
        (0.00049, "0.0%"),
        (1.0, "100.0%"),
        (3 / 14, "21.4%"),
        (None, "—"),
    ],
)
def test_fmt_pct_half_up(value, text):
    assert fmt_pct(value) == text


def test_other_formats_half_up():
    assert fmt_money(0.125) == "0.13"  # f"{0.125:.2f}" gives 0.12
    assert fmt_money(1234567.125) == "1,234,567.13"
    assert fmt_points(-0.25) == "0.3"  # f"{0.25:.1f}" gives 0.2
    assert (
        fmt_wan(2.125) == "2.13" and fmt_wan(1234.5) == "1,234.5" and fmt_wan(12000.0) == "12,000"
    )
    assert fmt_pct(5 / 12, 2) == "41.67%"
    up = Figure("investment", 1.125, 64, 1.0, 0.5)  # change 0.125 亿元
    assert fmt_change(up) == "+0.13"


def test_december_time_progress_label_stays_in_the_chart():
    from gongjian_cli.render.html import bar_chart

    december = bar_chart("c", "t", [("甲", "a", 0.5)], 1.0)
    assert december.tp_label_end and december.tp_label_x < december.tp_x < december.width
    may = bar_chart("c", "t", [("甲", "a", 0.5)], 5 / 12)
    assert not may.tp_label_end and may.tp_label_x == may.tp_x + 4


def test_register_prints_one_page_wide_until_too_wide(tmp_path):
    """Up to July the register fits one A4 page wide; from August on it prints at 75 % going
    across pages, 序号/县区/项目名称 and the note repeated on each, the title on page one."""
    may = openpyxl.load_workbook(
        write_register_xlsx(_view(Month(2020, 5)), tmp_path / "5.xlsx", title="台账")
    )["项目台账"]
    assert may.sheet_properties.pageSetUpPr.fitToPage
    assert may.page_setup.fitToHeight == 0  # one page wide (width 1 is the default), any tall
    assert "A1:P1" in {str(r) for r in may.merged_cells.ranges}

    dec = openpyxl.load_workbook(
        write_register_xlsx(_view(Month(2020, 12)), tmp_path / "12.xlsx", title="台账")
    )["项目台账"]
    assert not dec.sheet_properties.pageSetUpPr.fitToPage
    assert dec.page_setup.scale == 75 and dec.page_setup.pageOrder == "overThenDown"
    assert dec.print_title_cols == "$A:$C" and dec.print_title_rows == "$3:$3"
    merged = {str(r) for r in dec.merged_cells.ranges}
    assert "A2:C2" in merged  # the note, in the repeated columns
    title = next(r for r in dec.merged_cells.ranges if r.min_row == 1)
    assert title.max_col < 16  # within the first page, not cut by a page break
    assert dec.cell(3, 23).value == "12月完成投资（万元）"


def test_december_assessment_in_word_and_json(december, tmp_path):
    """The Word 通报 of December ends with the 年度考核 table, and the JSON carries it:
    the same 完成 / 未完成 as the workbook, for every district and the city."""
    import docx

    (xlsx, path) = write_report(december, tmp_path, ["xlsx", "docx"])
    sheet = _rows(openpyxl.load_workbook(xlsx)["年度考核"])[2:]
    document = docx.Document(str(path))
    table = document.tables[-1]
    assert len(document.tables) == 3  # the two pages of the progress table, then this
    words = [[c.text for c in row.cells] for row in table.rows]
    assert words == [[str(v or "") for v in row] for row in sheet]
    assert words[1][:3] == ["经开区", december.districts[0].leader, "未完成"]
    bold = [r.bold for r in table.rows[1].cells[2].paragraphs[0].runs]
    assert bold == [True]  # 未完成 stands out
    assert any(p.text == "铜陵市2020年度各县区“重大工业项目攻坚年”目标任务考核情况"
               for p in document.paragraphs)  # fmt: skip

    data = to_json_dict(december)
    assert data["assessment"]["经开区"]["met"]["investment"] is False
    assert data["assessment"]["经开区"]["met"]["new_starts"] is True
    assert data["assessment"]["经开区"]["met"]["registered_1yi_plus"] is None
    assert data["assessment"]["经开区"]["score"] == "1/9"
    assert data["assessment"][CITY]["score"] == "0/11"
    assert list(data["assessment"]) == ["经开区", "枞阳县", "郊区", "义安区", "铜官区", CITY]


def test_may_word_and_json_have_no_assessment(may_year, tmp_path):
    import docx

    (path,) = write_report(may_year, tmp_path, ["docx"])
    assert len(docx.Document(str(path)).tables) == 2
    assert "assessment" not in to_json_dict(may_year)
