"""The year's records: one project across months and tables, its conversion, and the
findings that compare a month with the one before (README “一年：同一个项目跨月、跨表”)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gongjian_cli.models import Finding
from gongjian_cli.month import Month
from gongjian_cli.rounding import round_half_up
from gongjian_cli.schema import Severity, Table

CITY = "全市"


@dataclass(frozen=True, slots=True)
class ProjectLine:
    """One line of the project register (项目台账) as of a month. Money in 万元,
    months as "YYYY-MM"."""

    district: str
    name: str  # the name in the latest row in effect
    names: tuple[str, ...]  # earlier names that differ after normalisation, oldest first
    unit: str | None
    total_investment: float | None  # 总投资 of the latest row in effect
    first_planned: str | None  # first month in a valid row of an effective 附件2
    first_construction: str | None  # first month in a valid row of an effective 附件3
    started: str | None  # first month classed new start or continuing
    registered: str | None  # first month registered (是否入库 yes, 总投资 ≥ 1000 万元)
    completed: str | None  # first month marked 竣工
    completed_investment: dict[str, float]  # month → 2020年完成投资, months in an 附件3
    key: str  # the project's key when it has one, else "district:first row id"

    def to_dict(self) -> dict[str, Any]:
        return {
            "district": self.district,
            "name": self.name,
            "names": list(self.names),
            "unit": self.unit,
            "total_investment": self.total_investment,
            "first_planned": self.first_planned,
            "first_construction": self.first_construction,
            "started": self.started,
            "registered": self.registered,
            "completed": self.completed,
            "completed_investment": dict(self.completed_investment),
        }


@dataclass(frozen=True, slots=True)
class Conversion:
    """谋划项目 → 已转在建 → 已开工 → 已入库 for a district (or the city) as of a month."""

    planned: int = 0
    in_construction: int = 0
    started: int = 0
    registered: int = 0

    @property
    def rate(self) -> float | None:
        """谋划转化率 = 已入库 ÷ 谋划项目; None when nothing is planned."""
        return self.registered / self.planned if self.planned else None

    def __add__(self, other: Conversion) -> Conversion:
        return Conversion(
            self.planned + other.planned,
            self.in_construction + other.in_construction,
            self.started + other.started,
            self.registered + other.registered,
        )


@dataclass(frozen=True, slots=True)
class YearFinding:
    """A cross-month (or possible-rename) finding on month ``month``'s submission.

    Located like any finding: the file, sheet, Excel row and column of month M's row;
    ``row``/``column`` are None for a project that is no longer in the file (dropped).
    """

    code: str
    severity: Severity
    district: str
    table: Table
    month: str
    project: str  # the name in M's file (or last month's name for a dropped project)
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    field: str | None
    value: str | None
    message: str
    submission_id: int | None = None

    def as_finding(self) -> Finding:
        """The same finding as a file's finding (collect's result, the feedback copy, the
        bulletin's 校验问题)."""
        return Finding(
            file=self.file,
            sheet=self.sheet,
            row=self.row,
            column=self.column,
            field=self.field,
            value=self.value,
            severity=self.severity,
            code=self.code,
            message=self.message,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "district": self.district,
            "table": str(self.table),
            "month": self.month,
            "project": self.project,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class YearView:
    """The year as of ``month``: register, conversion per district and city, findings."""

    month: Month
    months: tuple[str, ...]  # "YYYY-01" … month: the register's per-month columns
    projects: tuple[ProjectLine, ...]
    conversion: dict[str, Conversion]  # district names in targets order, then CITY
    findings: tuple[YearFinding, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``gongjian projects --format json``."""
        return {
            "month": str(self.month),
            "projects": [p.to_dict() for p in self.projects],
            "conversion": self.conversion_dict(),
            "findings": [f.to_dict() for f in self.findings],
        }

    def conversion_dict(self) -> dict[str, dict[str, Any]]:
        """The conversion as JSON: per district and 全市, the four counts and the rate."""
        return {
            name: {
                "planned": c.planned,
                "in_construction": c.in_construction,
                "started": c.started,
                "registered": c.registered,
                "rate": None if c.rate is None else round_half_up(c.rate, 4),
            }
            for name, c in self.conversion.items()
        }
