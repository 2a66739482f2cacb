"""The project register (项目台账): one line per project of the year, columns defined once.

The bulletin workbook carries it as a sheet; ``gongjian projects`` writes it alone as a
workbook (:func:`write_register_xlsx`) or a CSV file (:func:`write_register_csv`). All
three use :func:`register_columns` and :func:`register_rows`, so they never disagree.

Columns: 序号, 县区, 项目名称, 曾用名, 项目单位, 总投资（万元）, 首次列入谋划, 首次列入在建,
开工月份, 入库月份, 竣工月份, then for each month of the year so far "5月完成投资（万元）":
the project's 2020年完成投资 as that month's 附件3 gave it (a cumulative figure), blank
when the project was not in that month's 附件3. Months read "5月" (with the year,
"2019年12月", only for a month of another year).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gongjian_cli.render.listings import Col, Listing

if TYPE_CHECKING:
    from gongjian_cli.year.model import ProjectLine, YearView

REGISTER_SHEET = "项目台账"
"""Sheet name of the register, in the bulletin and alone."""

_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A CSV cell starting with one of these is read by Excel as a formula."""


def month_text(month: str | None, year: int) -> str | None:
    """``"2020-05"`` → 5月 when in ``year``, else 2019年12月; None stays None."""
    if not month:
        return None
    y, m = month.split("-")
    return f"{int(m)}月" if int(y) == year else f"{int(y)}年{int(m)}月"


def register_note(view: YearView) -> str:
    """The line under the register's title: what the month columns hold."""
    return (
        f"注：各月完成投资为该月所用附件3填报的{view.month.year}年累计完成投资，"
        "空白表示该月附件3中没有该项目；开工月份、入库月份为首次报为新开工或续建、"
        "首次纳入统计的月份。"
    )


def register_columns(view: YearView) -> list[Col]:
    """The register's columns for ``view``: 11 fixed ones, then one per month of the year.

    Each :class:`~gongjian_cli.render.listings.Col` has the header, the Excel width, a
    getter taking a :class:`~gongjian_cli.year.model.ProjectLine`, and the kind of value
    (``wan`` for 万元 amounts, ``center`` for months).
    """
    year = view.month.year
    index = {id(p): i for i, p in enumerate(view.projects, start=1)}

    def month_of(attr: str) -> Callable[[ProjectLine], str | None]:
        return lambda p: month_text(getattr(p, attr), year)

    cols = [
        Col("序号", 5, lambda p: index[id(p)], "count"),
        Col("县区", 7.5, lambda p: p.district, "center"),
        Col("项目名称", 26, lambda p: p.name),
        Col("曾用名", 14, lambda p: "、".join(p.names) or None),
        Col("项目单位", 21, lambda p: p.unit),
        Col("总投资（万元）", 10, lambda p: p.total_investment, "wan"),
        Col("首次列入谋划", 7.5, month_of("first_planned"), "center"),
        Col("首次列入在建", 7.5, month_of("first_construction"), "center"),
        Col("开工月份", 7.5, month_of("started"), "center"),
        Col("入库月份", 7.5, month_of("registered"), "center"),
        Col("竣工月份", 7.5, month_of("completed"), "center"),
    ]
    for month in view.months:
        cols.append(
            Col(
                f"{month_text(month, year)}完成投资（万元）",
                9,
                _investment_of(month),
                "wan",
            )
        )
    return cols


def _investment_of(month: str) -> Callable[[ProjectLine], float | None]:
    def get(p: ProjectLine) -> float | None:
        return p.completed_investment.get(month)

    return get


def register_rows(view: YearView) -> list[list[Any]]:
    """The register's values, one list per project in the view's order, one value per
    column of :func:`register_columns` (numbers stay numbers; None is a blank cell)."""
    cols = register_columns(view)
    return [[c.get(p) for c in cols] for p in view.projects]


def register_listing(view: YearView, *, title: str) -> Listing:
    """The register as a listing sheet (name 项目台账) titled ``title``."""
    return Listing(
        key="register",
        name=REGISTER_SHEET,
        title=title,
        cols=tuple(register_columns(view)),
        items=view.projects,
        empty="（本年尚无项目）",
        note=register_note(view),
        fixed_cols=3,
    )


def write_register_xlsx(view: YearView, path: Path, *, title: str) -> Path:
    """Write the register alone: a workbook with one sheet 项目台账, laid out as in the
    bulletin (A4 landscape, header repeated, panes frozen). Returns ``path``."""
    from gongjian_cli.render.xlsx import write_listing_workbook

    return write_listing_workbook(
        register_listing(view, title=title),
        Path(path),
        title=title,
        subject=f"{view.month} 项目台账",
    )


def _csv_cell(value: Any) -> Any:
    """A value as CSV text: blank for None, whole numbers without ".0", and text that
    Excel would take for a formula led by an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.startswith(_CSV_FORMULA_START):
        return "'" + value
    return value


def write_register_csv(view: YearView, path: Path) -> Path:
    """Write the register as CSV (UTF-8 with BOM, so Excel opens the Chinese right; same
    columns as the sheet). Returns ``path``."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.head for c in register_columns(view)])
        for row in register_rows(view):
            writer.writerow([_csv_cell(v) for v in row])
    return path
