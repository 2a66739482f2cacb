"""Each district's 调度单: one A4 page its 包保领导 takes to the monthly scheduling meeting.

Filled from ``templates/调度单模板.docx`` (docxtpl; the metrics table repeats a row per
metric with ``{%tr for m in metrics %}``). For one district: 包保领导 and 责任科室, how its
附件2 and 附件3 stand this month, each metric's 完成 / 年度目标 / 完成率 / 本月新增 with the
rates behind time progress in bold and marked ▲, the conversion of its planned projects
(谋划项目 → 已转在建 → 已开工 → 已入库, 谋划转化率), its projects not registered, the
存在问题 its projects report and the errors still open in its returns — each list the first
:data:`TOP` items, one line each, and the total.

A working sheet, not an official document: smaller type than the 通报, and it must stay on
one page, so list lines are cut to one printed line (the full lists are in the bulletin
workbook and the district's 退回修改 files).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gongjian_cli.render import DASH, fmt_change, fmt_money, fmt_pct, fmt_target, fmt_value
from gongjian_cli.render.word import span
from gongjian_cli.render.wordtpl import (
    BRIEF_TEMPLATE,
    BulletinText,
    long_date,
    render_template,
    template_path,
    width_units,
)
from gongjian_cli.schema import (
    METRIC_BY_KEY,
    RULES,
    TABLE_ATTACHMENT,
    YEAR_CODES,
    Severity,
    SubmissionStatus,
    Table,
)

if TYPE_CHECKING:
    from gongjian_cli.metrics import DistrictFigures, Report, ReportFinding
    from gongjian_cli.month import Month

TOP = 5
"""Items listed per list; the rest are counted."""

LINE_UNITS = 45.0
"""Characters of the sheet's 11 pt type in one line of its 174 mm text width."""

BEHIND_MARK = "▲"
"""Put before a rate behind time progress (with bold, so a black-and-white print shows it)."""

CONTEXT_FIELDS = (
    "title",
    "subtitle",
    "district",
    "leader",
    "departments",
    "planned_status",
    "construction_status",
    "metrics",
    "metrics_note",
    "conversion",
    "conversion_note",
    "unregistered",
    "unregistered_count",
    "issues",
    "issues_count",
    "errors",
    "errors_count",
    "closing",
    "footer",
)
"""The fields a 调度单 template may use."""


@dataclass(frozen=True, slots=True)
class MetricLine:
    """One row of the sheet's metrics table, as text (``rate`` a docxtpl RichText: bold
    with ▲ when behind time progress)."""

    key: str
    label: str
    actual: str
    target: str
    rate: Any
    rate_text: str
    behind: bool
    change: str


def clip(text: str, units: float = LINE_UNITS) -> str:
    """``text`` on one line of ``units`` characters: cut with … when longer."""
    text = " ".join(str(text).split())
    if width_units(text) <= units:
        return text
    out, used = [], 0.0
    for ch in text:
        w = width_units(ch)
        if used + w > units - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def submission_text(state: Any) -> str:
    """按时报送（5月20日收到） / 逾期报送（5月27日收到） / 本月未报，沿用2020-04数据 /
    未报（相关指标按0计）. The file's name is in the bulletin workbook's 报送情况."""
    if state.status == SubmissionStatus.MISSING:
        return "未报（相关指标按0计）"
    if state.status == SubmissionStatus.CARRIED:
        return f"本月未报，沿用{state.month}数据"
    at = state.received_at
    return state.label if at is None else f"{state.label}（{at.month}月{at.day}日收到）"


def metric_lines(d: DistrictFigures) -> list[MetricLine]:
    """The district's metrics in 附件1 order, formatted as everywhere else (half up)."""
    from docxtpl import RichText

    lines = []
    for key, fig in d.metrics.items():
        behind = bool(fig.behind)
        text = fmt_pct(fig.rate)
        rate = RichText(f"{BEHIND_MARK}{text}", bold=True) if behind else RichText(text)
        lines.append(
            MetricLine(
                key=key,
                label=METRIC_BY_KEY[key].label,
                actual=fmt_value(fig),
                target=fmt_target(fig),
                rate=rate,
                rate_text=f"{BEHIND_MARK}{text}" if behind else text,
                behind=behind,
                change=fmt_change(fig),
            )
        )
    return lines


def _listed(lines: list[str], total: int, rest: str) -> list[str]:
    """The first TOP lines, numbered and clipped, and a line for the rest; （无） if none."""
    if not lines:
        return ["（无）"]
    out = [clip(f"{i}. {line}") for i, line in enumerate(lines[:TOP], start=1)]
    if total > TOP:
        out.append(f"……另有{total - TOP}{rest}")
    return out


def _count(total: int, unit: str) -> str:
    """（共7个） or （共7个，列前5个）; "" when there are none."""
    if not total:
        return ""
    more = f"，列前{TOP}{unit}" if total > TOP else ""
    return f"（共{total}{unit}{more}）"


def _unregistered(report: Report, name: str) -> tuple[list[str], str]:
    rows = [p for p in report.unregistered if p.district == name]
    lines = []
    for p in rows:
        total = "" if p.total is None else f"总投资{fmt_money(p.total / 10000)}亿元"
        state = {True: "是", False: "否", None: "未填"}[p.registered]
        lines.append(f"{p.name or '（未填名称）'}（{total}，是否入库：{state}）")
    return _listed(lines, len(rows), "个，见月度通报Excel“未入库项目”表"), _count(len(rows), "个")


def _issues(report: Report, name: str) -> tuple[list[str], str]:
    rows = [p for p in report.issue_list if p.district == name]
    lines = [f"{p.name or '（未填名称）'}：{' '.join((p.issues or '').split())}" for p in rows]
    return _listed(lines, len(rows), "条，见月度通报Excel“问题清单”表"), _count(len(rows), "条")


def _where(f: ReportFinding) -> str:
    table = TABLE_ATTACHMENT[Table(f.table)] if f.table in {t.value for t in Table} else None
    parts = [table or ""]
    if f.row is not None:
        parts.append(f"第{f.row}行")
    if f.column:
        parts.append(f"{f.column}列")
    value = f"“{f.value}”" if f.value not in (None, "") else ""
    return "".join(parts) + value


def _errors(report: Report, name: str) -> tuple[list[str], str, int]:
    """Errors still open in the district's returns (rejected files first), and how many
    warnings besides (those against last month included)."""
    mine = [f for f in report.findings if f.district == name]
    errors = [f for f in mine if f.severity == Severity.ERROR]
    errors.sort(key=lambda f: not f.rejected)
    lines = []
    for f in errors:
        if f.rejected:
            lines.append(f"退回：{f.message}")
        else:
            rule = RULES[f.code].message if f.code in RULES else f.message
            lines.append(f"{_where(f)}：{rule}")
    warnings = sum(1 for f in mine if f.severity == Severity.WARNING)
    shown = _listed(lines, len(errors), "处，见退回修改文件")
    if warnings:
        year = sum(1 for f in mine if f.severity == Severity.WARNING and f.code in YEAR_CODES)
        against = f"（其中与上月比对{year}处）" if year else ""
        shown.append(f"另有提醒{warnings}处{against}，请核实，见退回修改文件。")
    return shown, _count(len(errors), "处"), len(errors)


def _conversion(report: Report, name: str) -> dict[str, str]:
    view = report.year_view
    if view is None or name not in view.conversion:
        return dict.fromkeys(("planned", "in_construction", "started", "registered", "rate"), DASH)
    c = view.conversion[name]
    return {
        "planned": str(c.planned),
        "in_construction": str(c.in_construction),
        "started": str(c.started),
        "registered": str(c.registered),
        "rate": fmt_pct(c.rate),
    }


def brief_context(
    report: Report,
    district: str,
    text: BulletinText | None = None,
    *,
    issued: date | None = None,
) -> dict[str, Any]:
    """Everything the 调度单 template may use (see CONTEXT_FIELDS), for ``district``."""
    text = text or BulletinText()
    d = report.district(district)
    month = report.month
    following = next_month(month)
    unregistered, unregistered_count = _unregistered(report, district)
    issues, issues_count = _issues(report, district)
    errors, errors_count, _ = _errors(report, district)
    period = "全年" if report.full_year else f"截至{month.month}月底"
    closing = text.brief_closing.format(
        next_month=f"{following.month}月",
        deadline=f"{following.month}月{report.deadline_day}日",
    )
    return {
        "title": f"{district}{report.title.removesuffix('分解表')}调度单",
        "subtitle": (
            f"{report.year}年{span(report)}（{period}）· 时序进度{fmt_pct(report.time_progress)}"
            f"（{month.month}÷12）"
        ),
        "district": district,
        "leader": d.leader,
        "departments": d.departments,
        "planned_status": submission_text(d.submissions[Table.PLANNED]),
        "construction_status": submission_text(d.submissions[Table.CONSTRUCTION]),
        "metrics": metric_lines(d),
        "metrics_note": (
            f"标{BEHIND_MARK}并加粗的完成率低于时序进度（{fmt_pct(report.time_progress)}）；"
            "金额单位亿元；完成数为年度累计，本月新增 = 本月累计 − 上月累计。"
        ),
        "conversion": _conversion(report, district),
        "conversion_note": f"{period}；谋划转化率 = 已入库 ÷ 谋划项目。",
        "unregistered": unregistered,
        "unregistered_count": unregistered_count,
        "issues": issues,
        "issues_count": issues_count,
        "errors": errors,
        "errors_count": errors_count,
        "closing": closing,
        "footer": f"{report.city}{report.year}年“重大工业项目攻坚年”调度单 · "
        f"{long_date(issued or date.today())}生成",
    }


def next_month(month: Month) -> Month:
    """The month after ``month`` (January of the next year after December)."""
    from gongjian_cli.month import Month

    return Month(month.year + 1, 1) if month.month == 12 else Month(month.year, month.month + 1)


def brief_filename(report: Report, district: str) -> str:
    """调度单-经开区-2020-05.docx."""
    return f"调度单-{district}-{report.month}.docx"


def write_brief(
    report: Report,
    district: str,
    path: Path,
    *,
    template: Path | str | None = None,
    text: BulletinText | None = None,
    issued: date | None = None,
) -> Path:
    """Write ``district``'s 调度单 to ``path``; returns it."""
    source = template_path(BRIEF_TEMPLATE, template)
    context = brief_context(report, district, text, issued=issued)
    tpl = render_template(source, context, fields=CONTEXT_FIELDS)
    props = tpl.docx.core_properties
    props.title = context["title"]
    props.subject = f"{report.month} 调度单"
    props.author = "gongjian"
    props.comments = "由 gongjian report --briefs 生成"
    path = Path(path)
    tpl.save(str(path))
    return path


def write_briefs(
    report: Report,
    out_dir: Path,
    *,
    template: Path | str | None = None,
    text: BulletinText | None = None,
    issued: date | None = None,
) -> list[Path]:
    """One 调度单 per district of the report under ``out_dir``; the paths, in 附件1 order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        write_brief(
            report,
            d.name,
            out_dir / brief_filename(report, d.name),
            template=template,
            text=text,
            issued=issued,
        )
        for d in report.districts
    ]
