"""The monthly 通报 as a Word document in the official-document layout (GB/T 9704-2012).

Filled from a docxtpl template (``templates/通报模板.docx``, or the clerk's own with
``--docx-template``): the template holds the layout, the fonts and the fixed wording; this
module gives it the figures as text. The sentences come from :mod:`.summary` (so the 通报
says what the HTML says), the wording that is not computed (主送, 署名, 四、下步工作) from
the targets file's ``[bulletin]`` table (:func:`.wordtpl.bulletin_text`).

Shape: title “关于2020年1—5月全市“重大工业项目攻坚年”目标任务完成情况的通报” (December:
全年), broken into balanced lines at word boundaries; 主送; 一、总体情况; 二、分县区情况
(ranking, who is behind time progress); 三、存在问题 (returns, 未入库 projects, 存在问题,
findings and the checks against last month); 四、下步工作; 附件说明, 署名, 成文日期; then the
attachment in its landscape section: the progress table of 附件1 (every metric's 完成, 目标,
完成率 and 本月新增 for the city and each district), built here with python-docx in place of
the template's ``{{ progress_table }}`` paragraph, its two header rows repeated on each page,
numbers right-aligned and the rates behind time progress in bold.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gongjian_cli.render import (
    DASH,
    fmt_change,
    fmt_pct,
    fmt_target,
    fmt_value,
    table_label,
)
from gongjian_cli.render import summary as sentences
from gongjian_cli.render.wordtpl import (
    BULLETIN_TEMPLATE,
    BulletinText,
    has_style,
    long_date,
    render_template,
    set_run_font,
    template_path,
    width_units,
)
from gongjian_cli.render.yearly import (
    ASSESSMENT_NOTE,
    MET_LABEL,
    assessment_metrics,
    assessment_rows,
    assessment_title,
)
from gongjian_cli.schema import METRICS, RULES, YEAR_CODES, Metric, Severity, Table

if TYPE_CHECKING:
    from gongjian_cli.metrics import Report

TITLE_UNITS = 19.0
"""Characters of 二号 (22 pt) a title line holds: 20 fill the 156 mm line, one is kept free
for the quotation marks and dashes some fonts set wider."""

TABLE_MARKER = "〔附件表格〕"
"""What ``{{ progress_table }}`` renders to; the table replaces that paragraph."""

SHORT_LABEL = {
    "investment": "投资",
    "new_starts": "新开工",
    "continuing": "续建",
    "registered": "入库",
    "planned_count": "谋划个数",
    "planned_investment": "谋划投资",
}
"""Metric names as the 分县区 sentence lists them."""

BEHIND_KEYS = tuple(SHORT_LABEL)
"""The main metrics the 分县区 sentence names when behind (the 谋划 bands are in the
attachment)."""

YEAR_LABEL = {
    "completed-decreased": "本年完成投资比上月减少",
    "project-dropped": "上月在建项目本月未报",
    "planned-dropped": "上月谋划项目本月未见",
    "registered-revoked": "上月已入库本月填为未入库",
    "start-class-changed": "开竣工情况在新开工与续建间变化",
    "total-changed": "总投资较上月变化超过10%",
    "possible-rename": "新项目名称与此前项目相近（疑似改名）",
}
"""The checks against last month (README “跨月比对”), as the 存在问题 section names them."""

LIST_LIMIT = 10
"""Projects named in one sentence before “等N个”."""

CONTEXT_FIELDS = (
    "title",
    "title_text",
    "addressee",
    "overall",
    "districts",
    "problems",
    "next_steps",
    "attachment_title",
    "table_note",
    "progress_table",
    "signature",
    "date",
    "city",
    "year",
    "month",
    "period",
    "time_progress",
)
"""The fields a 通报 template may use (listed in the error for an unknown one)."""


@dataclass(frozen=True, slots=True)
class Item:
    """A paragraph under a first-level heading: a run-in second-level heading
    (“（一）报送情况。”, in 楷体) and its text (in 仿宋); ``head`` may be empty."""

    head: str
    text: str


# ------------------------------------------------------------------ words


def span(report: Report) -> str:
    """The months the figures cover, as a title says them: 1—5月, 1月, 全年."""
    if report.full_year:
        return "全年"
    if report.month.month == 1:
        return "1月"
    return f"1—{report.month.month}月"


def _base(report: Report) -> str:
    """“重大工业项目攻坚年”目标任务 (the targets file's title without 分解表)."""
    return report.title.removesuffix("分解表")


def bulletin_title(report: Report) -> str:
    """关于2020年1—5月全市“重大工业项目攻坚年”目标任务完成情况的通报."""
    return f"关于{report.year}年{span(report)}全市{_base(report)}完成情况的通报"


def attachment_title(report: Report) -> str:
    """2020年1—5月各县区“重大工业项目攻坚年”目标任务完成情况表."""
    return f"{report.year}年{span(report)}各县区{_base(report)}完成情况表"


def _title_tokens(report: Report) -> list[str]:
    """The title in pieces no line break may cut: 关于 | 2020年1—5月 | 全市 | “…” | …."""
    tokens = ["关于", f"{report.year}年{span(report)}", "全市"]
    tokens += [t for t in re.findall(r"“[^”]*”|[^“]+", _base(report)) if t]
    tokens.append("完成情况的通报")
    return tokens


def break_lines(tokens: Sequence[str], limit: float = TITLE_UNITS) -> list[str]:
    """Join ``tokens`` into the fewest lines of at most ``limit`` characters, breaking only
    between tokens, the longest line as short as can be (a balanced title: GB/T 9704 asks for
    lines “词意完整，排列对称”). A token longer than ``limit`` stands on its own line."""
    n = len(tokens)
    widths = [width_units(t) for t in tokens]
    best: dict[int, tuple[int, float, list[int]]] = {n: (0, 0.0, [])}
    for i in range(n - 1, -1, -1):
        options = []
        width = 0.0
        for j in range(i, n):
            width += widths[j]
            if width > limit and j > i:
                break
            lines, longest, cuts = best[j + 1]
            options.append((lines + 1, max(longest, width), [j + 1, *cuts]))
        best[i] = min(options, key=lambda o: (o[0], o[1]))
    out, start = [], 0
    for cut in best[0][2]:
        out.append("".join(tokens[start:cut]))
        start = cut
    return out


def _names(items: Sequence[str]) -> str:
    return "、".join(items)


def _project_list(names: Sequence[str]) -> str:
    """项目甲、项目乙 … 等N个 (at most LIST_LIMIT named)."""
    if len(names) <= LIST_LIMIT:
        return _names(names)
    return f"{_names(names[:LIST_LIMIT])}等{len(names)}个"


def overall_paragraphs(report: Report) -> list[str]:
    """一、总体情况: the HTML's summary of the city, and the 谋划转化 sentence."""
    if not any(s.status != "missing" for d in report.districts for s in d.submissions.values()):
        return sentences.summary_paragraphs(report)
    paragraphs = [sentences.overall(report), sentences.planning_and_registration(report)]
    conversion = sentences.conversion(report)
    if conversion:
        paragraphs.append(conversion)
    return paragraphs


def district_items(report: Report) -> list[Item]:
    """二、分县区情况: the ranking by investment completion, then who is behind."""
    tp = fmt_pct(report.time_progress)
    ranked = "、".join(
        f"{name}{fmt_pct(report.district(name).metrics['investment'].rate)}"
        for name in report.ranking
    )
    first = sentences.districts(report) if report.districts else ""
    first += f"按完成率从高到低依次为：{ranked}。" if ranked else ""
    behind_lines = []
    level = []
    for d in report.districts:
        behind = [SHORT_LABEL[k] for k in BEHIND_KEYS if d.metrics[k].behind]
        if behind:
            behind_lines.append(f"{d.name}{len(behind)}项（{_names(behind)}）")
        else:
            level.append(d.name)
    if behind_lines:
        second = "；".join(behind_lines) + "。"
        if level:
            second += f"{_names(level)}主要指标均达到时序进度。"
    else:
        second = "各县区主要指标均达到时序进度。"
    second += f"时序进度为{tp}，各项指标的完成数、目标、完成率和本月新增见附件。"
    return [Item("（一）投资完成情况。", first), Item("（二）低于时序进度的指标。", second)]


def _returns_text(report: Report) -> str:
    clauses = sentences.submission_clauses(report)
    text = ("；".join(clauses) + "。") if clauses else "各县区均按时报送附件2、附件3。"
    rejected: dict[str, str | None] = {}
    for f in report.findings:
        if f.rejected:
            rejected.setdefault(f.file, f.district)
    if rejected:
        named = _names(f"{d or '县区未识别'}“{name}”" for name, d in rejected.items())
        text += f"本月有{len(rejected)}个文件被退回（{named}），请相关县区重新报送。"
    return text


def _unregistered_text(report: Report) -> str:
    rows = report.unregistered
    if not rows:
        return "计入统计的在建项目中，总投资1000万元以上的均已入库。"
    by_district: dict[str, list[str]] = {}
    for p in rows:
        by_district.setdefault(p.district, []).append(p.name or "（未填名称）")
    parts = [f"{d}{len(names)}个（{_project_list(names)}）" for d, names in by_district.items()]
    return (
        f"已开工在建、总投资1000万元以上尚未入库的项目{len(rows)}个：{'；'.join(parts)}。"
        "请相关县区指导企业完善入库条件，尽快纳入统计。"
    )


def _issues_text(report: Report) -> str:
    rows = report.issue_list
    if not rows:
        return "本月各县区在建项目未填报存在问题。"
    by_district: dict[str, list[str]] = {}
    for p in rows:
        issue = " ".join((p.issues or "").split()).rstrip("。；;，,")
        by_district.setdefault(p.district, []).append(f"{p.name or '（未填名称）'}{issue}")
    shown = [
        f"{d}：{'，'.join(items[:LIST_LIMIT])}{'等' if len(items) > LIST_LIMIT else ''}"
        for d, items in by_district.items()
    ]
    return (
        f"各县区在建项目填报存在问题{len(rows)}条。{'；'.join(shown)}。"
        "请各包保领导和责任科室协调推动解决。"
    )


def _checks_text(report: Report) -> str:
    errors, warnings, rejected = sentences.finding_counts(report)
    local = [f for f in report.findings if not f.rejected and f.code not in YEAR_CODES]
    per_district = Counter(f.district for f in local if f.severity == Severity.ERROR)
    if errors:
        who = _names(f"{d}{n}处" for d, n in per_district.items() if d)
        text = f"所用报表校验发现错误{errors}处（{who}），相关数据未计入统计"
    else:
        text = "所用报表未发现错误"
    plain_warnings = sum(1 for f in local if f.severity == Severity.WARNING)
    text += f"；提醒{plain_warnings}处。" if plain_warnings else "。"
    year = Counter(
        f.code for f in report.findings if f.code in YEAR_CODES and f.severity != Severity.INFO
    )
    if year:
        checked = _names(
            f"{YEAR_LABEL.get(code, RULES[code].message if code in RULES else code)}{n}处"
            for code, n in year.items()
        )
        text += f"与上月报表比对：{checked}，请相关县区核实。"
    elif report.month.month > 1:
        text += "与上月报表比对未发现异常。"
    renamed = sum(1 for f in report.findings if f.code == "renamed")
    if renamed:
        text += f"另有{renamed}个项目改了名，已按项目标识或名称对照认作同一项目。"
    if errors or warnings or rejected:
        text += "逐条问题见月度通报Excel的“校验问题”表和各县区的退回修改文件。"
    return text


def problem_items(report: Report) -> list[Item]:
    """三、存在问题: returns, projects not registered, 存在问题 reported, data quality."""
    return [
        Item("（一）报送情况。", _returns_text(report)),
        Item("（二）在建项目入库。", _unregistered_text(report)),
        Item("（三）项目推进中的问题。", _issues_text(report)),
        Item("（四）数据质量。", _checks_text(report)),
    ]


def next_step_items(steps: Sequence[str]) -> list[Item]:
    """四、下步工作 from the targets file: “（一）加快项目建设。……” runs in as head + text."""
    items = []
    for step in steps:
        m = re.match(r"^(（[一二三四五六七八九十]+）[^。]*。)(.*)$", step, re.S)
        items.append(Item(m.group(1), m.group(2)) if m else Item("", step))
    return items


def table_note(report: Report) -> str:
    """The line above the attachment's table: units, time progress, what bold means."""
    return (
        f"时序进度{fmt_pct(report.time_progress)}（{report.month.month}÷12）；"
        "完成数为年度累计，金额单位亿元、个数单位个；本月新增=本月累计−上月累计；"
        "加粗的完成率低于时序进度。"
    )


def bulletin_context(
    report: Report, text: BulletinText | None = None, *, issued: date | None = None
) -> dict[str, Any]:
    """Everything the 通报 template may use (see CONTEXT_FIELDS), as text."""
    from docxtpl import Listing

    text = text or BulletinText()
    lines = break_lines(_title_tokens(report))
    return {
        "title": Listing("\n".join(lines)),
        "title_text": bulletin_title(report),
        "addressee": text.addressee,
        "overall": overall_paragraphs(report),
        "districts": district_items(report),
        "problems": problem_items(report),
        "next_steps": next_step_items(text.next_steps),
        "attachment_title": attachment_title(report),
        "table_note": table_note(report),
        "progress_table": TABLE_MARKER,
        "signature": text.signature_for(report.city),
        "date": long_date(issued or date.today()),
        "city": report.city,
        "year": report.year,
        "month": report.month.month,
        "period": span(report),
        "time_progress": fmt_pct(report.time_progress),
    }


# ------------------------------------------------------------------ the progress table

TABLE_FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
TABLE_PT = 10
LABEL_MM, SUB_MM = 50.0, 17.0
SUB_ROWS = ("完成", "目标", "完成率", "本月新增")
ROW_TWIPS = 240
"""Every row of the attachment's tables is exactly 12 pt high: 30 rows and the title fit a page."""
SECOND_PAGE_FROM = "planned_investment"
"""The attachment's second table starts with this metric (攻坚目标三, 谋划)."""


def _xml(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def _table_props(table: Any, widths_twips: Sequence[int]) -> None:
    """Fixed layout, full borders, narrow cell margins, centred, explicit widths."""
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    for tag in ("w:tblW", "w:tblLayout", "w:tblBorders", "w:tblCellMar", "w:jc"):
        old = tbl_pr.find(qn(tag))
        if old is not None:
            tbl_pr.remove(old)
    tbl_pr.append(_xml("w:tblW", w=str(sum(widths_twips)), type="dxa"))
    tbl_pr.append(_xml("w:jc", val="center"))
    borders = _xml("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_xml(f"w:{edge}", val="single", sz="4", space="0", color="000000"))
    tbl_pr.append(borders)
    tbl_pr.append(_xml("w:tblLayout", type="fixed"))
    mar = _xml("w:tblCellMar")
    for edge, w in (("top", 0), ("left", 57), ("bottom", 0), ("right", 57)):
        mar.append(_xml(f"w:{edge}", w=str(w), type="dxa"))
    tbl_pr.append(mar)
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_twips, strict=True):
        col.set(qn("w:w"), str(w))


class _Writer:
    """Fills cells in the document's table styles when it has them, else directly."""

    def __init__(self, document: Any) -> None:
        self.styled = has_style(document, "表格文字") and has_style(document, "表格表头")
        # style ids looked up once: python-docx's paragraph.style = name scans every style
        self.ids = (
            {
                True: document.styles["表格表头"].style_id,
                False: document.styles["表格文字"].style_id,
            }
            if self.styled
            else {}
        )

    def put(
        self,
        cell: Any,
        text: str,
        *,
        head: bool = False,
        align: str = "center",
        bold: bool = False,
        keep_next: bool = False,
        shade: bool = False,
    ) -> None:
        from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.shared import Pt

        p = cell.paragraphs[0]
        if self.styled:
            p._p.get_or_add_pPr().style = self.ids[head]
        else:
            pf = p.paragraph_format
            pf.line_spacing, pf.line_spacing_rule = Pt(12), WD_LINE_SPACING.EXACTLY
            pf.first_line_indent = Pt(0)
            pf.space_before = pf.space_after = Pt(0)
        p.alignment = {
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "left": WD_ALIGN_PARAGRAPH.LEFT,
        }[align]
        if keep_next:  # Word keeps a metric's four rows on one page
            p.paragraph_format.keep_with_next = True
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        if shade:
            cell._tc.get_or_add_tcPr().append(
                _xml("w:shd", val="clear", color="auto", fill="E7E6E6")
            )
        if not text:
            return
        run = p.add_run(text)
        if bold:
            run.bold = True
        if not self.styled:
            run.font.size = Pt(TABLE_PT)
            set_run_font(run, HEAD_FONT if head else TABLE_FONT)


def _sub_value(fig: Any, sub: str) -> tuple[str, bool]:
    """The text of one sub-row for a figure, and whether it is bold (behind time)."""
    if sub == "完成":
        return fmt_value(fig), False
    if sub == "目标":
        return fmt_target(fig), False
    if sub == "完成率":
        return fmt_pct(fig.rate), bool(fig.behind)
    return fmt_change(fig), False


def progress_rows(report: Report) -> list[list[str]]:
    """The attachment's body as text, row by row: [指标, 项目, 全市, 县区…] for each metric's
    four sub-rows (完成, 目标, 完成率, 本月新增), then the two 报送 rows and the ranking.
    The same strings the Word table shows (tests compare them with the other formats)."""
    rows = []
    for metric in METRICS:
        for sub in SUB_ROWS:
            figures = [report.total[metric.key]] + [
                d.metrics.get(metric.key) for d in report.districts
            ]
            cells = [DASH if f is None else _sub_value(f, sub)[0] for f in figures]
            rows.append([metric.label, sub, *cells])
    for table in Table:
        rows.append(
            [f"{table_label(table)}报送", "", DASH]
            + [d.submissions[table].label for d in report.districts]
        )
    rows.append(
        ["投资完成率排名", "", DASH]
        + [str(report.ranking.index(d.name) + 1) for d in report.districts]
    )
    return rows


def _metric_parts() -> tuple[tuple[Metric, ...], tuple[Metric, ...]]:
    """The metrics of the attachment's two pages: 在建 and 入库 (攻坚目标一、二), then 谋划
    (攻坚目标三) with the 报送 rows and the ranking. Two tables of known height, one a page,
    so a metric's four rows are never cut by a page break (LibreOffice ignores “keep with
    next” in tables)."""
    keys = [m.key for m in METRICS]
    cut = keys.index(SECOND_PAGE_FROM)
    return METRICS[:cut], METRICS[cut:]


def _progress_part(
    document: Any,
    report: Report,
    metrics: Sequence[Metric],
    widths: Sequence[int],
    writer: _Writer,
    *,
    closing: Sequence[list[str]] = (),
) -> Any:
    """One table of the attachment: the two header rows (marked to repeat on a new page),
    four rows per metric (the label cell merged over them, kept together in Word), then
    ``closing`` rows (label over 指标 and 项目, one value per column from 全市 on)."""
    from docx.shared import Twips

    n = len(report.districts)
    count = 2 + len(SUB_ROWS) * len(metrics) + len(closing)
    table = document.add_table(rows=count, cols=len(widths))
    _table_props(table, widths)
    rows = table.rows
    for i, row in enumerate(rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(_xml("w:cantSplit"))
        tr_pr.append(_xml("w:trHeight", val=str(ROW_TWIPS), hRule="exact"))
        if i < 2:
            tr_pr.append(_xml("w:tblHeader"))
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Twips(width)

    top = rows[0].cells
    writer.put(top[0].merge(top[1]), "包保领导", head=True, shade=True)
    writer.put(top[2], "", head=True, shade=True)
    for j, d in enumerate(report.districts):
        writer.put(top[3 + j], d.leader, head=True, shade=True)
    heads = ["指标", "项目", "全市", *(d.name for d in report.districts)]
    for cell, text in zip(rows[1].cells, heads, strict=True):
        writer.put(cell, text, head=True, shade=True)

    r = 2
    for metric in metrics:
        figures = [report.total[metric.key]] + [d.metrics.get(metric.key) for d in report.districts]
        label = rows[r].cells[0].merge(rows[r + len(SUB_ROWS) - 1].cells[0])
        writer.put(label, metric.label, align="left", keep_next=True)
        for k, sub in enumerate(SUB_ROWS):
            keep = k < len(SUB_ROWS) - 1
            cells = rows[r].cells
            writer.put(cells[1], sub, keep_next=keep)
            for j, fig in enumerate(figures):
                value, bold = (DASH, False) if fig is None else _sub_value(fig, sub)
                align = "center" if value == DASH else "right"
                writer.put(cells[2 + j], value, align=align, bold=bold, keep_next=keep)
            r += 1
    for line in closing:
        cells = rows[r].cells
        writer.put(cells[0].merge(cells[1]), line[0], align="left")
        for j, value in enumerate(line[2 : 3 + n]):
            writer.put(cells[2 + j], value, align="right" if value.isdigit() else "center")
        r += 1
    return table


def _page_break_paragraph() -> Any:
    """An empty 1 pt paragraph that starts a new page (between the two tables)."""
    p = _xml("w:p")
    ppr = _xml("w:pPr")
    ppr.append(_xml("w:pageBreakBefore"))
    ppr.append(_xml("w:spacing", before="0", after="0", line="20", lineRule="exact"))
    ppr.append(_xml("w:ind", firstLine="0", firstLineChars="0"))
    p.append(ppr)
    return p


def build_progress_table(document: Any, report: Report, anchor: Any | None) -> list[Any]:
    """The progress table of 附件1 in ``document`` where ``anchor`` (a paragraph) is, else at
    the end, as two tables of a page each (:func:`_metric_parts`): header rows (包保领导;
    指标 / 项目 / 全市 / 县区) marked to repeat on a new page, four rows per metric, numbers
    right-aligned, rates behind time in bold. ``anchor`` stays as a 1 pt paragraph (Word
    wants one after a table; it may carry the section's properties). Returns the tables."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Emu, Mm, Pt

    section = document.sections[-1]
    usable = Emu(section.page_width - section.left_margin - section.right_margin).twips
    n = len(report.districts)
    label_w, sub_w = int(Mm(LABEL_MM).twips), int(Mm(SUB_MM).twips)
    value_w = int((usable - label_w - sub_w) / (n + 1))
    widths = [label_w, sub_w] + [value_w] * (n + 1)

    writer = _Writer(document)
    first, second = _metric_parts()
    closing = progress_rows(report)[len(SUB_ROWS) * len(METRICS) :]
    tables = [
        _progress_part(document, report, first, widths, writer),
        _progress_part(document, report, second, widths, writer, closing=closing),
    ]
    if anchor is None:
        anchor = document.add_paragraph()
    anchor._p.addprevious(tables[0]._tbl)
    anchor._p.addprevious(_page_break_paragraph())
    anchor._p.addprevious(tables[1]._tbl)
    if report.full_year:
        for element in _assessment_part(document, report, usable, writer):
            anchor._p.addprevious(element)
    for run in list(anchor.runs):
        run._r.getparent().remove(run._r)
    pf = anchor.paragraph_format
    pf.line_spacing, pf.line_spacing_rule = Pt(1), WD_LINE_SPACING.EXACTLY
    pf.space_before = pf.space_after = Pt(0)
    pf.first_line_indent = Pt(0)
    return tables


ASSESS_NAME_MM, ASSESS_LEADER_MM, ASSESS_SCORE_MM = 20.0, 18.0, 16.0


def assessment_table_rows(report: Report) -> list[list[str]]:
    """December's 年度考核 as text, header row first: 县区, 包保领导, 完成 / 未完成 / — per
    metric with an annual target, 完成项数; the districts, then 全市."""
    head = ["县区", "包保领导", *(m.label for m in assessment_metrics()), "完成项数"]
    return [head] + [
        [line.name, line.leader, *line.labels, line.score] for line in assessment_rows(report)
    ]


def _assessment_part(document: Any, report: Report, usable: int, writer: _Writer) -> list[Any]:
    """December: the 年度考核 after the progress tables, on a page of its own: its title
    and note (as the attachment's), then the table (未完成 in bold). The elements, in
    order, to put in place."""
    from docx.shared import Mm, Pt, Twips

    rows = assessment_table_rows(report)
    fixed = [int(Mm(w).twips) for w in (ASSESS_NAME_MM, ASSESS_LEADER_MM)]
    score_w = int(Mm(ASSESS_SCORE_MM).twips)
    n = len(rows[0]) - 3
    widths = [*fixed, *([int((usable - sum(fixed) - score_w) / n)] * n), score_w]
    title = document.add_paragraph(assessment_title(report))
    note = document.add_paragraph(ASSESSMENT_NOTE)
    for p, style in ((title, "附件标题"), (note, "表格说明")):
        if has_style(document, style):
            p.style = document.styles[style]
        else:
            p.paragraph_format.first_line_indent = Pt(0)
    table = document.add_table(rows=len(rows), cols=len(widths))
    _table_props(table, widths)
    for i, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(_xml("w:cantSplit"))
        if i == 0:  # the metric names wrap: the header row grows with them
            tr_pr.append(_xml("w:tblHeader"))
        else:
            tr_pr.append(_xml("w:trHeight", val=str(2 * ROW_TWIPS), hRule="exact"))
        for j, (cell, width, value) in enumerate(zip(row.cells, widths, values, strict=True)):
            cell.width = Twips(width)
            unmet = i > 0 and value == MET_LABEL[False] and 1 < j < len(widths) - 1
            writer.put(cell, value, head=i == 0, shade=i == 0, bold=unmet)
    breaker = _page_break_paragraph()
    return [breaker, title._p, note._p, table._tbl]


def _find_marker(document: Any) -> Any | None:
    for p in document.paragraphs:
        if p.text.strip() == TABLE_MARKER:
            return p
    return None


# ------------------------------------------------------------------ writing


def write_bulletin_docx(
    report: Report,
    path: Path,
    *,
    template: Path | str | None = None,
    text: BulletinText | None = None,
    issued: date | None = None,
) -> Path:
    """Write the 通报 to ``path`` from ``template`` (default: the shipped 通报模板.docx),
    with the wording ``text`` and the 成文日期 ``issued`` (today when None). Returns ``path``.
    DocxTemplateError (exit 1) for a template that cannot be filled."""
    source = template_path(BULLETIN_TEMPLATE, template)
    tpl = render_template(
        source, bulletin_context(report, text, issued=issued), fields=CONTEXT_FIELDS
    )
    document = tpl.docx
    build_progress_table(document, report, _find_marker(document))
    props = document.core_properties
    props.title = bulletin_title(report)
    props.subject = f"{report.month} 月度通报"
    props.author = "gongjian"
    props.comments = "由 gongjian report 生成"
    path = Path(path)
    tpl.save(str(path))
    return path
