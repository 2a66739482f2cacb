"""The bulletin as an Excel workbook (xlsxwriter).

Sheets: 完成情况 (laid out like 附件1, with a ranking block and a native chart),
谋划项目汇总, 在建项目汇总, 未入库项目, 问题清单, 报送情况, 校验问题.

Numbers are stored as numbers with formats; text read from a submission is always
written with ``write_string`` (a project name starting with "=" stays text), and the
workbook refuses to turn strings into formulas or links. Every sheet has a frozen
header, prints on A4 landscape one page wide, and repeats its header rows.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

from gongjian_cli.render import DASH, bulletin_title, table_label
from gongjian_cli.render.listings import Listing, all_listings, severity_text
from gongjian_cli.render.summary import summary_paragraphs
from gongjian_cli.schema import METRICS, SubmissionStatus, Table

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

    from gongjian_cli.metrics import Figure, Report

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

MONEY = "#,##0.00"
MONEY4 = "#,##0.0000"
WAN = "#,##0.##"
COUNT = "0"
RATE = "0.0%"
CHANGE_MONEY = "+#,##0.00;-#,##0.00;0.00"
CHANGE_COUNT = "+0;-0;0"

_STATUS_COLOR = {
    SubmissionStatus.ON_TIME: None,
    SubmissionStatus.LATE: "#FFF2CC",
    SubmissionStatus.CARRIED: "#FCE4D6",
    SubmissionStatus.MISSING: "#F8CBAD",
}


class _Styles:
    """The formats of one workbook, made once."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_size": 10, "valign": "vcenter", "border": 1}
        self.title = wb.add_format({"bold": True, "font_size": 16, "align": "center"})
        self.note = wb.add_format({"font_size": 10, "text_wrap": True, "valign": "top"})
        self.head = wb.add_format(
            {**base, "bold": True, "bg_color": "#DDEBF7", "align": "center", "text_wrap": True}
        )
        self.label = wb.add_format({**base, "bold": True, "text_wrap": True})
        self.sub = wb.add_format({**base, "align": "center", "font_color": "#555555"})
        self.text = wb.add_format({**base, "text_wrap": True})
        self.center = wb.add_format({**base, "align": "center", "text_wrap": True})
        self.money = wb.add_format({**base, "num_format": MONEY})
        self.money4 = wb.add_format({**base, "num_format": MONEY4})
        self.wan = wb.add_format({**base, "num_format": WAN})
        self.count = wb.add_format({**base, "num_format": COUNT, "align": "right"})
        self.rate = wb.add_format({**base, "num_format": RATE, "bold": True})
        self.rate_plain = wb.add_format({**base, "num_format": RATE})
        self.change_money = wb.add_format(
            {**base, "num_format": CHANGE_MONEY, "font_color": "#555555"}
        )
        self.change_count = wb.add_format(
            {**base, "num_format": CHANGE_COUNT, "font_color": "#555555"}
        )
        self.dash = wb.add_format({**base, "align": "center", "font_color": "#888888"})
        self.behind = wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.status = {
            status: wb.add_format(
                {**base, "align": "center", **({"bg_color": color, "bold": True} if color else {})}
            )
            for status, color in _STATUS_COLOR.items()
        }
        self.error = wb.add_format({**base, "font_color": "#9C0006", "align": "center"})
        self.warning = wb.add_format({**base, "font_color": "#7F6000", "align": "center"})


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
    """Write one cell by type: text always as a string, numbers as numbers, None blank."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _lines(value: Any, width: float) -> int:
    """Lines a wrapped text needs in a column ``width`` characters wide.

    A CJK character at the 10 pt of these sheets is about 1.6 width units (the unit is
    the digit width of the 11 pt default font), others about 0.9: measured in LibreOffice.
    """
    if not isinstance(value, str) or 1.6 * len(value) <= width - 0.5:  # fits even if all CJK
        return 1
    units = sum(1.6 if unicodedata.east_asian_width(ch) in "WF" else 0.9 for ch in value)
    return min(8, max(1, math.ceil(units / max(width - 0.5, 1))))


def _print_setup(
    ws: Worksheet, header_rows: tuple[int, int] | None, title: str, *, portrait: bool = False
) -> None:
    """A4 one page wide, header rows repeated, page numbers; landscape unless ``portrait``."""
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    if portrait:
        ws.set_portrait()
    else:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    ws.set_header(f"&L&9{title}")
    ws.set_footer("&C&9第 &P 页，共 &N 页")


# ------------------------------------------------------------------ 完成情况 sheet


def _figure_rows(s: _Styles) -> list[tuple[str, Callable[[Figure], tuple[Any, Format]]]]:
    """The four sub-rows of a metric: 完成, 目标, 完成率, 本月新增."""

    def actual(f: Figure) -> tuple[Any, Format]:
        return (round(f.actual, 4), s.money) if f.money else (int(f.actual), s.count)

    def target(f: Figure) -> tuple[Any, Format]:
        if f.target is None:
            return DASH, s.dash
        return (f.target, s.money if f.money else s.count)

    def rate(f: Figure) -> tuple[Any, Format]:
        return (DASH, s.dash) if f.rate is None else (round(f.rate, 6), s.rate)

    def change(f: Figure) -> tuple[Any, Format]:
        if f.money:
            return round(f.change, 4), s.change_money
        return int(f.change), s.change_count

    return [("完成", actual), ("目标", target), ("完成率", rate), ("本月新增", change)]


def _overview(wb: xlsxwriter.Workbook, s: _Styles, report: Report) -> None:
    ws = wb.add_worksheet("完成情况")
    n = len(report.districts)
    last_col = 2 + n
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 8)
    ws.set_column(2, last_col, 14)
    title = bulletin_title(report)
    ws.merge_range(0, 0, 0, last_col, title, s.title)
    ws.set_row(0, 28)
    tp = report.time_progress
    note = (
        f"时序进度：{report.month.month}÷12 = {tp:.2%}；完成率低于时序进度的以红色标出。"
        "金额单位：亿元；个数单位：个。完成数为年度累计；本月新增 = 本月累计 − 上月累计。"
    )
    ws.merge_range(1, 0, 1, last_col, note, s.note)
    ws.set_row(1, 30)

    # rows 2-3: 包保领导 / header, as 附件1
    ws.write_string(2, 0, "包保领导", s.label)
    ws.write_string(2, 1, "", s.label)
    ws.write_string(2, 2, "", s.label)
    ws.write_string(3, 0, "包保县区园区", s.head)
    ws.write_string(3, 1, "项目", s.head)
    ws.write_string(3, 2, "总目标", s.head)
    for j, d in enumerate(report.districts):
        ws.write_string(2, 3 + j, d.leader, s.center)
        ws.write_string(3, 3 + j, d.name, s.head)
    ws.freeze_panes(4, 2)

    sub_rows = _figure_rows(s)
    row = 4
    rate_rows = []
    for metric in METRICS:
        ws.merge_range(row, 0, row + len(sub_rows) - 1, 0, metric.label, s.label)
        for k, (name, getter) in enumerate(sub_rows):
            r = row + k
            ws.write_string(r, 1, name, s.sub)
            cells = [report.total[metric.key]] + [
                d.metrics.get(metric.key) for d in report.districts
            ]
            for j, fig in enumerate(cells):
                if fig is None:  # city-only metric: no district figure
                    ws.write_string(r, 2 + j, DASH, s.dash)
                    continue
                value, fmt = getter(fig)
                _put(ws, r, 2 + j, value, fmt)
            if name == "完成率":
                rate_rows.append(r)
        row += len(sub_rows)
    for r in rate_rows:
        ws.conditional_format(
            r, 2, r, last_col, {"type": "cell", "criteria": "<", "value": tp, "format": s.behind}
        )

    for table in Table:
        ws.write_string(row, 0, f"{table_label(table)}报送情况", s.label)
        ws.write_string(row, 1, "", s.sub)
        ws.write_string(row, 2, "", s.sub)
        for j, d in enumerate(report.districts):
            state = d.submissions[table]
            ws.write_string(row, 3 + j, state.label, s.status[state.status])
        row += 1
    ws.write_string(row, 0, "投资完成率排名", s.label)
    ws.write_string(row, 1, "", s.sub)
    ws.write_string(row, 2, "", s.sub)
    for j, d in enumerate(report.districts):
        ws.write_number(row, 3 + j, report.ranking.index(d.name) + 1, s.count)
    row += 1
    ws.write_string(row, 0, "责任科室", s.label)
    ws.write_string(row, 1, "", s.sub)
    ws.write_string(row, 2, "", s.sub)
    for j, d in enumerate(report.districts):
        ws.write_string(row, 3 + j, d.departments, s.center)
    ws.set_row(row, 30)
    row += 2
    ws.set_h_pagebreaks([row])  # the table on page 1; text, ranking and chart after

    # the bulletin text
    for para in summary_paragraphs(report):
        ws.merge_range(row, 0, row, last_col, para, s.note)
        ws.set_row(row, 15 * max(2, len(para) // 60 + 1))
        row += 1
    row += 1

    # ranking block: the chart's data
    ws.merge_range(row, 0, row, 6, "各县区重点项目投资完成率排名", s.label)
    row += 1
    heads = (
        "县区",
        "排名",
        "完成投资（亿元）",
        "投资目标（亿元）",
        "完成率",
        "时序进度",
        "差距（百分点）",
    )
    for c, h in enumerate(heads):
        ws.write_string(row, c, h, s.head)
    first = row + 1
    for i, name in enumerate(report.ranking, start=1):
        fig = report.district(name).metrics["investment"]
        r = row + i
        ws.write_string(r, 0, name, s.text)
        ws.write_number(r, 1, i, s.count)
        ws.write_number(r, 2, round(fig.actual, 4), s.money)
        _put(ws, r, 3, fig.target, s.money)
        _put(ws, r, 4, None if fig.rate is None else round(fig.rate, 6), s.rate)
        ws.write_number(r, 5, tp, s.rate_plain)
        _put(ws, r, 6, None if fig.gap_points is None else round(fig.gap_points, 2), s.money)
    last = row + len(report.ranking)
    ws.conditional_format(
        first, 4, last, 4, {"type": "cell", "criteria": "<", "value": tp, "format": s.behind}
    )
    if report.ranking:
        _chart(wb, ws, first, last, last + 2)
    # the table fits one portrait page; text, ranking and chart follow on the next
    _print_setup(ws, None, title, portrait=True)


def _chart(wb: xlsxwriter.Workbook, ws: Worksheet, first: int, last: int, at_row: int) -> None:
    """Native chart: investment completion rate per district (bars), time progress (line)."""
    name = ws.get_name()
    bars = wb.add_chart({"type": "column"})
    bars.add_series(
        {
            "name": "投资完成率",
            "categories": [name, first, 0, last, 0],
            "values": [name, first, 4, last, 4],
            "fill": {"color": "#4472C4"},
            "data_labels": {"value": True, "num_format": "0.0%"},
        }
    )
    line = wb.add_chart({"type": "line"})
    line.add_series(
        {
            "name": "时序进度",
            "categories": [name, first, 0, last, 0],
            "values": [name, first, 5, last, 5],
            "line": {"color": "#C00000", "width": 2, "dash_type": "dash"},
            "marker": {"type": "none"},
        }
    )
    bars.combine(line)
    bars.set_title({"name": "各县区重点项目投资完成率与时序进度", "name_font": {"size": 12}})
    bars.set_y_axis({"num_format": "0%", "min": 0, "major_gridlines": {"visible": True}})
    bars.set_legend({"position": "bottom"})
    bars.set_size({"width": 760, "height": 320})
    ws.insert_chart(at_row, 0, bars)


# ------------------------------------------------------------------ listing sheets


def _listing(wb: xlsxwriter.Workbook, s: _Styles, listing: Listing) -> None:
    """A sheet with a title row, a header row (frozen, filtered) and one row per item."""
    ws = wb.add_worksheet(listing.name)
    cols = listing.cols
    last_col = len(cols) - 1
    ws.merge_range(0, 0, 0, last_col, listing.title, s.title)
    ws.set_row(0, 26)
    for c, col in enumerate(cols):
        ws.set_column(c, c, col.width)
        ws.write_string(1, c, col.head, s.head)
    ws.set_row(1, 15 * max(_lines(col.head, col.width) for col in cols))
    ws.freeze_panes(2, 0)
    kinds = [col.kind for col in cols]
    wrapped = [c for c, col in enumerate(cols) if col.kind == "text"]
    for i, values in enumerate(listing.rows()):
        r = 2 + i
        lines = max((_lines(values[c], cols[c].width) for c in wrapped), default=1)
        if lines > 1:  # neither Excel nor LibreOffice grows a row for wrapped text on open
            ws.set_row(r, 14 * lines)
        for c, value in enumerate(values):
            kind = kinds[c]
            if kind == "status":
                ws.write_string(r, c, value.label, s.status[value.status])
            elif kind == "severity":
                fmt = s.error if str(value.severity) == "error" else s.warning
                ws.write_string(r, c, severity_text(value), fmt)
            else:
                _put(ws, r, c, value, getattr(s, kind))
    if listing.items:
        ws.autofilter(1, 0, 1 + len(listing.items), last_col)
    else:
        ws.merge_range(2, 0, 2, last_col, listing.empty, s.center)
    _print_setup(ws, (1, 1), listing.title)


def write_xlsx(report: Report, path: Path) -> Path:
    """Write the bulletin workbook to ``path``; returns it."""
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties(
        {
            "title": bulletin_title(report),
            "subject": f"{report.month} 月度通报",
            "author": "gongjian",
            "comments": "由 gongjian report 生成",
        }
    )
    s = _Styles(wb)
    _overview(wb, s, report)
    for listing in all_listings(report):
        _listing(wb, s, listing)
    wb.close()
    return path
