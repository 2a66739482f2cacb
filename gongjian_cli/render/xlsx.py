"""The bulletin as an Excel workbook (xlsxwriter).

Sheets: 完成情况 (laid out like 附件1, with the conversion table when the report carries
the year, a ranking block and a native chart), 年度考核 (December only), 谋划项目汇总,
在建项目汇总, 项目台账 (when the report carries the year), 未入库项目, 问题清单, 报送情况,
校验问题.

Numbers are stored as numbers with formats; text read from a submission is always
written with ``write_string`` (a project name starting with "=" stays text), and the
workbook refuses to turn strings into formulas or links. Every sheet has a frozen
header, prints on A4 one page wide (完成情况 portrait, the others landscape) and repeats
its header rows; only a register too wide for that goes on across pages, at 75 %, with
its first columns repeated. ``write_listing_workbook`` writes one listing sheet alone
(the stand-alone register of ``gongjian projects``).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

from gongjian_cli.render import DASH, bulletin_title, fmt_pct, period_text, table_label
from gongjian_cli.render.listings import Listing, all_listings, severity_text
from gongjian_cli.render.register import register_listing
from gongjian_cli.render.summary import summary_paragraphs
from gongjian_cli.render.yearly import (
    ASSESSMENT_NOTE,
    FUNNEL_HEADS,
    FUNNEL_NOTE,
    assessment_metrics,
    assessment_rows,
    assessment_title,
    funnel_rows,
    funnel_title,
)
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
MONEY0 = "#,##0"
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
        self.money0 = wb.add_format({**base, "num_format": MONEY0})
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
        self.frame = wb.add_format({"border": 1})  # an empty cell of a listing
        self.behind = wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.status = {
            status: wb.add_format(
                {**base, "align": "center", **({"bg_color": color, "bold": True} if color else {})}
            )
            for status, color in _STATUS_COLOR.items()
        }
        self.error = wb.add_format({**base, "font_color": "#9C0006", "align": "center"})
        self.warning = wb.add_format({**base, "font_color": "#7F6000", "align": "center"})
        self.met = wb.add_format({**base, "align": "center", "font_color": "#006100"})
        self.unmet = wb.add_format(
            {
                **base,
                "align": "center",
                "bold": True,
                "font_color": "#9C0006",
                "bg_color": "#FFC7CE",
            }
        )
        self.city_label = wb.add_format(
            {**base, "bold": True, "align": "center", "bg_color": "#F2F2F2"}
        )
        self.city_count = wb.add_format(
            {**base, "num_format": COUNT, "align": "right", "bold": True, "bg_color": "#F2F2F2"}
        )
        self.city_rate = wb.add_format(
            {**base, "num_format": RATE, "bold": True, "bg_color": "#F2F2F2"}
        )


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
    # "&&" is a literal ampersand; the space keeps a title starting with a digit (2020年…)
    # from being read as part of the font size code &9
    ws.set_header(f"&L&9 {title.replace('&', '&&')}")
    ws.set_footer("&C&9第 &P 页，共 &N 页")


# ------------------------------------------------------------------ 完成情况 sheet


def _figure_rows(s: _Styles) -> list[tuple[str, Callable[[Figure], tuple[Any, Format]]]]:
    """The four sub-rows of a metric: 完成, 目标, 完成率, 本月新增.

    Values are written unrounded: Excel rounds them half up for display from the same
    decimal (15 significant digits) as ``gongjian_cli.rounding``, so the sheet shows what
    HTML, Markdown and Word show. (Rounding first, to 4 places, then again for display
    would round twice: 0.12495 → 0.1250 → 0.13 instead of 0.12.) A whole target reads as
    附件1 writes it (64, not 64.00)."""

    def actual(f: Figure) -> tuple[Any, Format]:
        return (f.actual, s.money) if f.money else (int(f.actual), s.count)

    def target(f: Figure) -> tuple[Any, Format]:
        if f.target is None:
            return DASH, s.dash
        if not f.money:
            return f.target, s.count
        return f.target, s.money0 if float(f.target).is_integer() else s.money

    def rate(f: Figure) -> tuple[Any, Format]:
        return (DASH, s.dash) if f.rate is None else (f.rate, s.rate)

    def change(f: Figure) -> tuple[Any, Format]:
        if f.money:
            return f.change, s.change_money
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
        f"时序进度：{report.month.month}÷12 = {fmt_pct(tp, 2)}；完成率低于时序进度的以红色标出。"
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
    if report.year_view is not None:
        row = _funnel(ws, s, report, row) + 1

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


def _funnel(ws: Worksheet, s: _Styles, report: Report, row: int) -> int:
    """The conversion table (谋划转化) from ``row``, 县区 over columns A-B; the next free row."""
    ws.merge_range(row, 0, row, 6, funnel_title(report), s.label)
    row += 1
    ws.merge_range(row, 0, row, 1, FUNNEL_HEADS[0], s.head)
    for c, head in enumerate(FUNNEL_HEADS[1:], start=2):
        ws.write_string(row, c, head, s.head)
    for line in funnel_rows(report):
        row += 1
        label, count, rate = (
            (s.city_label, s.city_count, s.city_rate)
            if line.city
            else (s.center, s.count, s.rate_plain)
        )
        ws.merge_range(row, 0, row, 1, line.name, label)
        for c, value in enumerate(line.counts, start=2):
            ws.write_number(row, c, value, count)
        if line.rate is None:
            ws.write_string(row, 6, DASH, s.dash)
        else:
            ws.write_number(row, 6, line.rate, rate)
    row += 1
    ws.merge_range(row, 0, row, 6, FUNNEL_NOTE, s.note)
    ws.set_row(row, 42)
    return row + 1


def _assessment(wb: xlsxwriter.Workbook, s: _Styles, report: Report) -> None:
    """December: 年度考核, one line per district then 全市, 完成 / 未完成 per annual target."""
    ws = wb.add_worksheet("年度考核")
    metrics = assessment_metrics()
    heads = ["县区", "包保领导", *(m.label for m in metrics), "完成项数"]
    widths = [9, 9, *([12] * len(metrics)), 9]
    last_col = len(heads) - 1
    title = assessment_title(report)
    ws.merge_range(0, 0, 0, last_col, title, s.title)
    ws.set_row(0, 28)
    ws.merge_range(1, 0, 1, last_col, ASSESSMENT_NOTE, s.note)
    ws.set_row(1, 30)
    for c, (head, width) in enumerate(zip(heads, widths, strict=True)):
        ws.set_column(c, c, width)
        ws.write_string(2, c, head, s.head)
    ws.set_row(2, 15 * max(_lines(h, w) for h, w in zip(heads, widths, strict=True)))
    ws.freeze_panes(3, 1)
    for i, line in enumerate(assessment_rows(report)):
        r = 3 + i
        ws.write_string(r, 0, line.name, s.city_label if line.city else s.center)
        ws.write_string(r, 1, line.leader, s.center)
        for c, met in enumerate(line.met, start=2):
            fmt = s.dash if met is None else s.met if met else s.unmet
            ws.write_string(r, c, line.labels[c - 2], fmt)
        ws.write_string(r, last_col, line.score, s.city_label if line.city else s.center)
    _print_setup(ws, (2, 2), title)


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


PAGE_PX = 1046
"""Printable width of A4 landscape at 100 % in column pixels, with our margins (Excel)."""

MIN_FIT = 0.75
"""A sheet that would print smaller than this on one page wide goes on across pages."""

WIDE_SCALE = 75
"""Print scale of a sheet that goes on across pages."""

FIRST_PAGE_PX = 1000
"""Column pixels that surely fit on the first page at WIDE_SCALE, also where the columns
print about a quarter wider than in Excel (LibreOffice without Calibri's metrics)."""


def _px(width: float) -> int:
    """A column's width in pixels as Excel and xlsxwriter count them (7 per character + 5)."""
    return int(width * 7 + 0.5) + 5


def _goes_across(listing: Listing) -> bool:
    """Printed across pages (only a listing with fixed columns may): one page wide would
    print it below MIN_FIT."""
    return bool(listing.fixed_cols) and sum(_px(c.width) for c in listing.cols) > PAGE_PX / MIN_FIT


def _first_page_span(listing: Listing) -> int:
    """The last column of the title and note: all columns, or on a sheet printed across
    pages those of the first page (a merged cell cut by a page break prints in halves)."""
    if not _goes_across(listing):
        return len(listing.cols) - 1
    used = 0
    for c, col in enumerate(listing.cols):
        used += _px(col.width)
        if used > FIRST_PAGE_PX:
            return max(c - 1, listing.fixed_cols - 1)
    return len(listing.cols) - 1


def _listing(wb: xlsxwriter.Workbook, s: _Styles, listing: Listing) -> None:
    """A sheet with a title row, a header row (frozen, filtered) and one row per item.

    A listing with ``fixed_cols`` (the register) keeps them in view and, when too wide for
    one page, prints on across pages at WIDE_SCALE with them (and the note) repeated on
    each page.
    """
    ws = wb.add_worksheet(listing.name)
    cols = listing.cols
    last_col = len(cols) - 1
    span = _first_page_span(listing)
    ws.merge_range(0, 0, 0, span, listing.title, s.title)
    ws.set_row(0, 26)
    head = 1
    if listing.note:
        # printed across pages, the note stays in the repeated columns: on every page, whole
        note_span = listing.fixed_cols - 1 if _goes_across(listing) else span
        ws.merge_range(1, 0, 1, note_span, listing.note, s.note)
        width = sum(col.width for col in cols[: note_span + 1])
        ws.set_row(1, 14 * _lines(listing.note, width) + 4)
        head = 2
    for c, col in enumerate(cols):
        ws.set_column(c, c, col.width)
        ws.write_string(head, c, col.head, s.head)
    ws.set_row(head, 15 * max(_lines(col.head, col.width) for col in cols))
    ws.freeze_panes(head + 1, listing.fixed_cols)
    kinds = [col.kind for col in cols]
    formats = [getattr(s, kind, None) for kind in kinds]
    wrapped = [c for c, col in enumerate(cols) if col.kind == "text"]
    for i, values in enumerate(listing.rows()):
        r = head + 1 + i
        lines = max((_lines(values[c], cols[c].width) for c in wrapped), default=1)
        if lines > 1:  # neither Excel nor LibreOffice grows a row for wrapped text on open
            ws.set_row(r, 14 * lines)
        for c, value in enumerate(values):
            if value is None:
                continue  # an empty cell: framed by the conditional format below
            kind = kinds[c]
            if kind == "status":
                ws.write_string(r, c, value.label, s.status[value.status])
            elif kind == "severity":
                fmt = s.error if str(value.severity) == "error" else s.warning
                ws.write_string(r, c, severity_text(value), fmt)
            else:
                _put(ws, r, c, value, formats[c])
    if listing.items:
        last = head + len(listing.items)
        ws.autofilter(head, 0, last, last_col)
        # the grid over the empty cells too: one rule instead of a styled blank per cell
        # (a register of a year is half empty months; this halves the cells written)
        ws.conditional_format(head + 1, 0, last, last_col, {"type": "blanks", "format": s.frame})
    else:
        ws.merge_range(head + 1, 0, head + 1, span, listing.empty, s.center)
    _print_setup(ws, (head, head), listing.title)
    if listing.fixed_cols:
        ws.repeat_columns(0, listing.fixed_cols - 1)
    if _goes_across(listing):
        ws.set_print_scale(WIDE_SCALE)  # instead of one page wide
        ws.print_across()


def write_listing_workbook(listing: Listing, path: Path, *, title: str, subject: str) -> Path:
    """A workbook of one listing sheet, laid out as in the bulletin; returns ``path``."""
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties(
        {"title": title, "subject": subject, "author": "gongjian", "comments": "由 gongjian 生成"}
    )
    _listing(wb, _Styles(wb), listing)
    wb.close()
    return path


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
    if report.full_year:
        _assessment(wb, s, report)
    for listing in all_listings(report):
        _listing(wb, s, listing)
        if listing.key == "construction" and report.year_view is not None:
            view = report.year_view
            title = f"项目台账（{period_text(report)}，共{len(view.projects)}个项目）"
            _listing(wb, s, register_listing(view, title=title))
    wb.close()
    return path
