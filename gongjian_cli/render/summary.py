"""The bulletin's summary paragraphs (通报正文), written from the figures.

截至5月底，全市亿元以上重点工业项目完成投资XX亿元，完成年度目标的XX%，低于时序进度X个
百分点；…… Missing, carried and late tables are named plainly, district by district.
When the report carries the year, one sentence on 谋划转化; in December the span reads
2020年全年.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gongjian_cli.render import fmt_count, fmt_money, fmt_pct, fmt_points, period_text
from gongjian_cli.render.yearly import city_conversion
from gongjian_cli.schema import TABLE_ATTACHMENT, TABLE_SHORT, Severity, SubmissionStatus, Table

if TYPE_CHECKING:
    from gongjian_cli.metrics import Figure, Report


def _gap(fig: Figure) -> str:
    """低于时序进度X个百分点 / 高于… / 与时序进度持平."""
    points = fig.gap_points
    if points is None:
        return ""
    if abs(points) < 0.05:
        return "与时序进度持平"
    word = "低于" if points < 0 else "高于"
    return f"{word}时序进度{fmt_points(points)}个百分点"


def _money_change(fig: Figure) -> str:
    """本月新增X亿元, or 较上月减少X亿元 when a revision lowered the figure."""
    if fig.change < -0.005:
        return f"较上月减少{fmt_money(-fig.change)}亿元"
    return f"本月新增{fmt_money(max(fig.change, 0.0))}亿元"


def _count_change(fig: Figure) -> str:
    if fig.change < 0:
        return f"较上月减少{fmt_count(-fig.change)}个"
    return f"本月新增{fmt_count(fig.change)}个"


def _tables(tables: list[Table]) -> str:
    return "、".join(f"{TABLE_ATTACHMENT[t]}（{TABLE_SHORT[t]}）" for t in tables)


def _month_word(month: str) -> str:
    year, mm = month.split("-")
    return f"{year}年{int(mm)}月"


def overall(report: Report) -> str:
    """Investment, new starts, continuing and completed projects, city level."""
    t = report.total
    inv = t["investment"]
    parts = [
        f"{period_text(report)}，全市亿元以上重点工业项目完成投资{fmt_money(inv.actual)}亿元，"
        f"完成年度目标的{fmt_pct(inv.rate)}，{_gap(inv)}，{_money_change(inv)}"
    ]
    parts.append(
        f"新开工重点项目{fmt_count(t['new_starts'].actual)}个，完成目标的{fmt_pct(t['new_starts'].rate)}"
        f"（{_count_change(t['new_starts'])}）"
    )
    parts.append(
        f"续建重点项目{fmt_count(t['continuing'].actual)}个，完成目标的{fmt_pct(t['continuing'].rate)}"
    )
    parts.append(f"已竣工重点项目{fmt_count(t['completed'].actual)}个")
    return "；".join(parts) + "。"


def planning_and_registration(report: Report) -> str:
    """Planned projects with bands, and registered projects with the city split."""
    t = report.total
    count, inv = t["planned_count"], t["planned_investment"]
    text = (
        f"谋划项目{fmt_count(count.actual)}个，总投资{fmt_money(inv.actual)}亿元，"
        f"分别完成年度目标的{fmt_pct(count.rate)}和{fmt_pct(inv.rate)}；"
        f"其中10亿元以上项目{fmt_count(t['planned_10_plus'].actual)}个、"
        f"5-10亿元项目{fmt_count(t['planned_5_10'].actual)}个、"
        f"1-5亿元项目{fmt_count(t['planned_1_5'].actual)}个。"
    )
    reg = t["registered"]
    text += (
        f"统计入库项目{fmt_count(reg.actual)}个，完成目标的{fmt_pct(reg.rate)}，{_gap(reg)}；"
        f"其中亿元以上项目{fmt_count(t['registered_1yi_plus'].actual)}个、"
        f"1000万元至1亿元项目{fmt_count(t['registered_10m_1yi'].actual)}个"
    )
    waiting = len(report.unregistered)
    if waiting:
        text += f"；另有{waiting}个在建项目尚未入库，请指导企业完善条件尽快纳入统计"
    return text + "。"


def conversion(report: Report) -> str:
    """谋划转化, city level: planned, in construction, started, registered and the rate;
    "" when the report does not carry the year."""
    if report.year_view is None:
        return ""
    c = city_conversion(report.year_view)
    text = (
        f"{period_text(report)}，全市谋划项目{c.planned}个，已转在建{c.in_construction}个、"
        f"已开工{c.started}个、已入库{c.registered}个"
    )
    if c.rate is not None:
        text += f"，谋划转化率{fmt_pct(c.rate)}"
    return text + "。"


def districts(report: Report) -> str:
    """Best and worst investment completion (ties named together), and who is behind."""
    if not report.districts:
        return ""
    rates = {n: report.district(n).metrics["investment"].rate or 0.0 for n in report.ranking}
    best, worst = max(rates.values()), min(rates.values())
    if abs(best - worst) < 5e-4:
        text = f"分县区看，各县区重点项目投资完成率均为{fmt_pct(best)}"
    else:
        top = [n for n, r in rates.items() if abs(r - best) < 5e-4]
        bottom = [n for n, r in rates.items() if abs(r - worst) < 5e-4]
        both = "均为" if len(bottom) > 1 else ""
        text = (
            f"分县区看，重点项目投资完成率{'、'.join(top)}最高（{fmt_pct(best)}），"
            f"{'、'.join(bottom)}最低（{both}{fmt_pct(worst)}）"
        )
    behind = [n for n in report.ranking if report.district(n).metrics["investment"].behind]
    if not behind:
        text += "，各县区均达到时序进度"
    elif len(behind) == len(report.districts):
        text += "，各县区均低于时序进度"
    else:
        text += f"，{'、'.join(behind)}{len(behind)}个县区低于时序进度"
    return text + "。"


def submission_clauses(report: Report) -> list[str]:
    """Who did not send, who is carried from an earlier month, who was late: one clause
    each, districts with the same case named together; [] when every table came on time."""
    missing: dict[tuple[Table, ...], list[str]] = {}
    carried: dict[tuple[Table, str], list[str]] = {}
    late: dict[tuple[Table, ...], list[str]] = {}
    for d in report.districts:
        by_status: dict[SubmissionStatus, list[Table]] = {}
        for table, state in d.submissions.items():
            by_status.setdefault(state.status, []).append(table)
        if SubmissionStatus.MISSING in by_status:
            missing.setdefault(tuple(by_status[SubmissionStatus.MISSING]), []).append(d.name)
        for table in by_status.get(SubmissionStatus.CARRIED, []):
            carried.setdefault((table, d.submissions[table].month or ""), []).append(d.name)
        if SubmissionStatus.LATE in by_status:
            late.setdefault(tuple(by_status[SubmissionStatus.LATE]), []).append(d.name)
    clauses = [
        f"{'、'.join(names)}未报{_tables(list(tables))}，相关指标按0计"
        for tables, names in missing.items()
    ]
    clauses += [
        f"{'、'.join(names)}{_tables([table])}本月未报，沿用{_month_word(month)}数据"
        for (table, month), names in carried.items()
    ]
    clauses += [
        f"{'、'.join(names)}{_tables(list(tables))}逾期报送" for tables, names in late.items()
    ]
    return clauses


def finding_counts(report: Report) -> tuple[int, int, int]:
    """(errors in the tables used, warnings, files rejected this month)."""
    errors = sum(1 for f in report.findings if f.severity == Severity.ERROR and not f.rejected)
    warnings = sum(1 for f in report.findings if f.severity == Severity.WARNING)
    rejected = len({f.file for f in report.findings if f.rejected})
    return errors, warnings, rejected


def submissions(report: Report) -> str:
    """Who did not send, who is carried from an earlier month, who was late; and findings."""
    clauses = submission_clauses(report)
    text = "报送方面，" + ("；".join(clauses) if clauses else "各县区均按时报送") + "。"
    errors, warnings, rejected = finding_counts(report)
    if errors or warnings or rejected:
        parts = []
        if errors:
            parts.append(f"错误{errors}处（相关数据未计入）")
        if warnings:
            parts.append(f"提醒{warnings}处")
        if rejected:
            parts.append(f"退回文件{rejected}个")
        text += "校验发现" + "、".join(parts) + "，详见校验问题清单。"
    return text


def summary_paragraphs(report: Report) -> list[str]:
    """The bulletin's body, paragraph by paragraph (one sentence when nothing was sent)."""
    if report.districts and not any(
        s.status != SubmissionStatus.MISSING
        for d in report.districts
        for s in d.submissions.values()
    ):
        names = "、".join(d.name for d in report.districts)
        return [
            f"{period_text(report)}，{names}均未报送{_tables(list(Table))}，"
            "暂无完成数据，各项指标均按0计。"
        ]
    return [
        p
        for p in (
            overall(report),
            planning_and_registration(report),
            conversion(report),
            districts(report),
            submissions(report),
        )
        if p
    ]
