"""The project register (项目台账) and the conversion funnel as of a month.

Both come from one identity resolution (``identity.resolve``) over the rows in effect
for each month of the year up to M. Only rows that break no whole-row rule ("valid")
make a project appear: a project is listed when it was seen in a valid row.

Conversion (per district; the city's is the sum):
谋划项目 = projects in a valid 附件2 row of any month ≤ M; of those, 已转在建 = also in a
valid 附件3 row, 已开工 = in a valid 附件3 row classed new start or continuing, 已入库 =
registered (是否入库 yes, 总投资 ≥ 1000 万元) in a valid 附件3 row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace

from gongjian_cli.ledger import snapshot
from gongjian_cli.metrics import Report, ReportFinding
from gongjian_cli.month import Month
from gongjian_cli.schema import Table
from gongjian_cli.targets import Targets
from gongjian_cli.year.checks import month_findings
from gongjian_cli.year.identity import Resolution, YearRow, resolve
from gongjian_cli.year.model import CITY, Conversion, ProjectLine, YearView
from gongjian_cli.year.pairs import NamePair


def _first(rows: Iterable[YearRow]) -> str | None:
    return next((r.month for r in rows), None)


def project_line(pid: int, rows: Sequence[YearRow], res: Resolution) -> ProjectLine | None:
    """The register line of one project (rows in month, table, row order); None when
    it was never seen in a valid row."""
    valid = [r for r in rows if r.valid]
    if not valid:
        return None
    latest = max(rows, key=lambda r: (r.month, r.table is Table.CONSTRUCTION, -r.excel_row))
    names: list[str] = []
    seen = {latest.name_hash}
    for r in rows:
        if r.name_hash not in seen:
            seen.add(r.name_hash)
            names.append(r.name)
    construction = [r for r in valid if r.table is Table.CONSTRUCTION]
    invested: dict[str, float] = {}
    for r in construction:
        invested.setdefault(r.month, r.completed or 0.0)
    unit = latest.unit or next((r.unit for r in reversed(rows) if r.unit), None)
    return ProjectLine(
        district=latest.district,
        name=latest.name,
        names=tuple(names),
        unit=unit,
        total_investment=latest.total,
        first_planned=_first(r for r in valid if r.table is Table.PLANNED),
        first_construction=_first(construction),
        started=_first(r for r in construction if r.started),
        registered=_first(r for r in construction if r.counts_registered),
        completed=_first(r for r in construction if r.finished),
        completed_investment=invested,
        key=res.keys.get(pid, f"{latest.district}:{pid}"),
    )


def conversion(res: Resolution, districts: Sequence[str]) -> dict[str, Conversion]:
    """The funnel per district (in ``districts`` order) and for the city."""
    counts = {d: [0, 0, 0, 0] for d in districts}
    for rows in res.members.values():
        valid = [r for r in rows if r.valid]
        if not any(r.table is Table.PLANNED for r in valid):
            continue
        c = counts.get(rows[0].district)
        if c is None:
            continue
        built = [r for r in valid if r.table is Table.CONSTRUCTION]
        c[0] += 1
        c[1] += bool(built)
        c[2] += any(r.started for r in built)
        c[3] += any(r.counts_registered for r in built)
    out = {d: Conversion(*counts[d]) for d in districts}
    city = Conversion()
    for c in out.values():
        city = city + c
    out[CITY] = city
    return out


def year_view(
    conn: sqlite3.Connection,
    month: Month,
    targets: Targets,
    *,
    pairs: Iterable[NamePair] = (),
    district: str | None = None,
) -> YearView:
    """The register, conversion and findings of the year as of ``month`` (one district's
    projects and findings when ``district`` is given; conversion always for all)."""
    with snapshot(conn):
        return _year_view(conn, month, targets, tuple(pairs), district)


def _year_view(
    conn: sqlite3.Connection,
    month: Month,
    targets: Targets,
    pairs: tuple[NamePair, ...],
    district: str | None,
) -> YearView:
    names = targets.district_names
    res = resolve(conn, month, pairs=pairs)
    order = {d: i for i, d in enumerate(names)}
    lines = [
        line
        for pid, rows in res.members.items()
        if (district is None or rows[0].district == district)
        and (line := project_line(pid, rows, res)) is not None
    ]
    lines.sort(key=lambda p: (order.get(p.district, len(order)), p.district))
    findings = month_findings(
        conn,
        res,
        month,
        names if district is None else [district],
        year=targets.year,
        deadline_day=targets.deadline_day,
    )
    months = tuple(str(Month(month.year, m)) for m in range(1, month.month + 1))
    return YearView(month, months, tuple(lines), conversion(res, names), tuple(findings))


def attach_to_report(report: Report, view: YearView) -> Report:
    """``report`` with the year: ``year_view`` set, and the month's cross-month and
    possible-rename findings placed among the findings of their district and table (so
    every format's 校验问题 shows them)."""
    districts = {d.name: i for i, d in enumerate(report.districts)}
    tables = {str(t): i for i, t in enumerate(Table)}
    added = [ReportFinding.of(f.district, str(f.table), f.as_finding()) for f in view.findings]

    def place(item: tuple[int, ReportFinding]) -> tuple[int, int, int, int]:
        i, f = item
        if f.rejected:
            return (len(districts) + 1, 0, 0, i)
        return (districts.get(f.district or "", len(districts)), tables.get(f.table or "", 2), 0, i)

    merged = sorted(enumerate([*report.findings, *added]), key=place)
    return replace(report, year_view=view, findings=tuple(f for _, f in merged))
