"""The bulletin's list tables, defined once for every output format.

Each :class:`Listing` names its columns (header, width, how to get the value, what
kind of value it is) and its items; the xlsx, HTML and Markdown renderers only decide
how a kind looks. Values are raw (numbers stay numbers, text stays text).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from gongjian_cli.render import (
    DASH,
    band_label,
    severity_label,
    start_label,
    table_label,
    yes_no,
)
from gongjian_cli.schema import Table, column

if TYPE_CHECKING:
    from gongjian_cli.metrics import Report

Kind = Literal["text", "center", "wan", "count", "status", "severity"]


@dataclass(frozen=True, slots=True)
class Col:
    """One column: header, Excel width (characters), getter, kind of value."""

    head: str
    width: float
    get: Callable[[Any], Any]
    kind: Kind = "text"


@dataclass(frozen=True, slots=True)
class Listing:
    """One list table: sheet name, title, columns, items, text shown when empty.

    ``note`` is a line of explanation under the title; ``fixed_cols`` is how many left
    columns stay in view when scrolling sideways (and repeat on each printed page).
    """

    key: str
    name: str
    title: str
    cols: tuple[Col, ...]
    items: Sequence[Any]
    empty: str = "（无）"
    note: str | None = None
    fixed_cols: int = 0

    def rows(self) -> list[list[Any]]:
        """The values, row by row."""
        return [[c.get(item) for c in self.cols] for item in self.items]


def _seq(items: Sequence[Any]) -> Callable[[Any], int]:
    index = {id(x): i for i, x in enumerate(items, start=1)}
    return lambda x: index[id(x)]


def planned(report: Report) -> Listing:
    items = report.planned_projects
    cols = (
        Col("序号", 6, _seq(items), "count"),
        Col("县区", 9, lambda p: p.district, "center"),
        Col("项目名称", 34, lambda p: p.name),
        Col(column(Table.PLANNED, "total").header, 13, lambda p: p.total, "wan"),
        Col("规模档次", 10, lambda p: band_label(p.band), "center"),
        Col("所属区域", 10, lambda p: p.region, "center"),
        Col("项目单位", 24, lambda p: p.unit),
        Col("来源文件", 30, lambda p: p.file),
        Col("行号", 6, lambda p: p.excel_row, "count"),
    )
    title = f"谋划项目汇总（{report.month.label}，计入统计的项目{len(items)}个）"
    return Listing("planned", "谋划项目汇总", title, cols, items)


def construction(report: Report) -> Listing:
    items = report.construction_projects
    year = report.year
    cols = (
        Col("序号", 6, _seq(items), "count"),
        Col("县区", 9, lambda p: p.district, "center"),
        Col("项目名称", 30, lambda p: p.name),
        Col("项目单位", 22, lambda p: p.unit),
        Col(column(Table.CONSTRUCTION, "total").header, 13, lambda p: p.total, "wan"),
        Col(column(Table.CONSTRUCTION, "completed").label(year), 14, lambda p: p.completed, "wan"),
        Col("规模", 12, lambda p: p.size_label, "center"),
        Col("开竣工分类", 14, start_label, "center"),
        Col("是否入库", 8, lambda p: yes_no(p.registered), "center"),
        Col("计入投资", 8, lambda p: yes_no(p.counts_investment), "center"),
        Col("计入入库", 8, lambda p: yes_no(p.counts_registered), "center"),
        Col("来源文件", 30, lambda p: p.file),
        Col("行号", 6, lambda p: p.excel_row, "count"),
    )
    title = f"在建项目汇总（{report.month.label}，计入统计的项目{len(items)}个）"
    return Listing("construction", "在建项目汇总", title, cols, items)


def unregistered(report: Report) -> Listing:
    items = report.unregistered
    year = report.year
    cols = (
        Col("序号", 6, _seq(items), "count"),
        Col("县区", 9, lambda p: p.district, "center"),
        Col("项目名称", 30, lambda p: p.name),
        Col("项目单位", 24, lambda p: p.unit),
        Col(column(Table.CONSTRUCTION, "total").header, 13, lambda p: p.total, "wan"),
        Col(column(Table.CONSTRUCTION, "completed").label(year), 14, lambda p: p.completed, "wan"),
        Col("开竣工分类", 14, start_label, "center"),
        Col("是否入库", 8, lambda p: yes_no(p.registered), "center"),
        Col("存在问题", 30, lambda p: p.issues),
    )
    title = f"未入库项目（已报在建、总投资1000万元以上、尚未纳入统计的项目{len(items)}个）"
    return Listing("unregistered", "未入库项目", title, cols, items)


def issues(report: Report) -> Listing:
    items = report.issue_list
    cols = (
        Col("序号", 6, _seq(items), "count"),
        Col("县区", 9, lambda p: p.district, "center"),
        Col("项目名称", 30, lambda p: p.name),
        Col("项目单位", 24, lambda p: p.unit),
        Col("存在问题", 50, lambda p: p.issues),
        Col("来源文件", 30, lambda p: p.file),
        Col("行号", 6, lambda p: p.excel_row, "count"),
    )
    title = f"问题清单（在建项目填报的存在问题{len(items)}条）"
    return Listing("issues", "问题清单", title, cols, items)


def submissions(report: Report) -> Listing:
    items = [(d, d.submissions[t]) for d in report.districts for t in Table]

    def received(x: Any) -> str | None:
        at = x[1].received_at
        return None if at is None else at.strftime("%Y-%m-%d %H:%M")

    cols = (
        Col("县区", 10, lambda x: x[0].name, "center"),
        Col("包保领导", 10, lambda x: x[0].leader, "center"),
        Col("报表", 14, lambda x: table_label(x[1].table), "center"),
        Col("报送情况", 16, lambda x: x[1], "status"),
        Col("所用数据月份", 12, lambda x: x[1].month or DASH, "center"),
        Col("所用文件", 36, lambda x: x[1].file or DASH),
        Col("收到时间", 18, received, "center"),
        Col("发件人", 30, lambda x: x[1].sender or ""),
    )
    title = f"报送情况（{report.month.label}，每月{report.deadline_day}日前报）"
    return Listing("submissions", "报送情况", title, cols, items)


def findings(report: Report) -> Listing:
    items = list(report.findings)
    cols = (
        Col("序号", 6, _seq(items), "count"),
        Col("县区", 9, lambda f: f.district or DASH, "center"),
        Col("报表", 12, lambda f: table_label(f.table), "center"),
        Col("文件", 28, lambda f: f.file),
        Col("工作表", 12, lambda f: f.sheet),
        Col("行", 6, lambda f: f.row, "count"),
        Col("列", 5, lambda f: f.column, "center"),
        Col("列名", 14, lambda f: f.field),
        Col("所填内容", 18, lambda f: f.value),
        Col("级别", 7, lambda f: f, "severity"),
        Col("代码", 18, lambda f: f.code),
        Col("说明", 44, lambda f: f.message),
    )
    title = f"校验问题（{report.month.label}所用报表的校验结果及本月退回的文件，共{len(items)}条）"
    return Listing("findings", "校验问题", title, cols, items, empty="（无校验问题）")


def severity_text(f: Any) -> str:
    """级别 cell text: 错误 / 提醒 / 退回."""
    return "退回" if f.rejected else severity_label(f.severity)


def all_listings(report: Report) -> list[Listing]:
    """Every list table, in sheet order after 完成情况."""
    return [
        planned(report),
        construction(report),
        unregistered(report),
        issues(report),
        submissions(report),
        findings(report),
    ]
