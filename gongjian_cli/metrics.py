"""The monthly figures of the bulletin: DOMAIN.md's "Metrics for a month M", as data.

``compute_report`` reads the ledger and returns a :class:`Report`; it never prints and
never formats. Renderers (``gongjian_cli.render``) turn a Report into xlsx, HTML,
Markdown and JSON.

How rows count (flags set by validation at collect time):

- ``excluded`` → the row counts in no metric;
- ``exclude_investment`` → its 2020年完成投资 is not counted (the project still counts);
- ``exclude_registered`` → not counted as registered.

For each district and table the submission in effect is the one
``ledger.effective_submissions`` picks (latest for the month, else carried from an
earlier month, else missing = zeros). City figures are sums over the districts. The
month-over-month change (本月新增) is this month's figure minus the previous month's,
computed the same way (zero before January).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PureWindowsPath

from gongjian_cli.ledger import (
    Effective,
    effective_submissions,
    rejections_for_month,
    submission_findings,
)
from gongjian_cli.models import Finding, make_finding
from gongjian_cli.month import Month
from gongjian_cli.schema import (
    CITY_TARGET_KEYS,
    DISTRICT_METRIC_KEYS,
    KEY_PROJECT_MIN_TOTAL,
    METRIC_BY_KEY,
    REGISTERED_MIN_TOTAL,
    SUBMISSION_STATUS_LABEL,
    WAN_PER_YI,
    Severity,
    StartClass,
    SubmissionStatus,
    Table,
    column,
    planned_band,
)
from gongjian_cli.targets import Targets
from gongjian_cli.year.model import YearView

CITY_METRIC_KEYS: tuple[str, ...] = tuple(METRIC_BY_KEY)  # district keys + city-only
"""Metric keys of the city total: every district metric plus the registered split."""

_ISSUE_BLANKS = frozenset({"", "无", "暂无", "没有", "无问题", "/", "-", "—", "——", "－"})
"""存在问题 values that say "nothing": not listed in 问题清单."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Figure:
    """One metric of one district (or the city) for the month.

    ``actual`` and ``previous`` are 亿元 for money metrics and integers for counts;
    ``target`` is None where 附件1 sets none (竣工).
    """

    key: str
    actual: float
    target: float | None
    previous: float
    time_progress: float

    @property
    def money(self) -> bool:
        """True for 亿元 metrics, False for counts."""
        return METRIC_BY_KEY[self.key].money

    @property
    def rate(self) -> float | None:
        """Completion rate actual ÷ target; None without a (positive) target."""
        if self.target is None or self.target <= 0:
            return None
        return self.actual / self.target

    @property
    def behind(self) -> bool | None:
        """Below 时序进度; None when there is no rate."""
        rate = self.rate
        return None if rate is None else rate < self.time_progress - 1e-12

    @property
    def met(self) -> bool | None:
        """The annual target reached (年度考核：完成); None where 附件1 sets no target."""
        if self.target is None:
            return None
        return self.actual >= self.target - 1e-9

    @property
    def change(self) -> float:
        """本月新增: this month's figure minus the previous month's."""
        return self.actual - self.previous

    @property
    def gap_points(self) -> float | None:
        """(rate − time progress) in percentage points; negative when behind."""
        rate = self.rate
        return None if rate is None else (rate - self.time_progress) * 100


@dataclass(frozen=True, slots=True)
class SubmissionState:
    """How one district's table stands for the month, and which file is used."""

    table: Table
    status: SubmissionStatus
    month: str | None = None  # month of the submission used (earlier when carried)
    file: str | None = None
    received_at: datetime | None = None
    submission_id: int | None = None
    sender: str | None = None  # sent by e-mail: ``姓名 <地址>``; None for a loose file

    @property
    def label(self) -> str:
        """按时报送 / 逾期报送 / 沿用2020-04 / 未报."""
        base = SUBMISSION_STATUS_LABEL[self.status]
        if self.status == SubmissionStatus.CARRIED and self.month:
            return f"{base}{self.month}"
        return base


@dataclass(frozen=True, slots=True)
class DistrictFigures:
    """One district: who answers for it, its figures and its two submissions."""

    name: str
    leader: str
    departments: str
    metrics: dict[str, Figure]
    submissions: dict[Table, SubmissionState]


@dataclass(frozen=True, slots=True)
class Project:
    """One row of a submission in effect, with how it counts (amounts in 万元)."""

    district: str
    table: Table
    file: str
    sheet: str | None
    excel_row: int
    name: str | None
    unit: str | None
    total: float | None
    completed: float | None
    region: str | None
    start_text: str | None
    start_class: str | None
    finished: bool
    registered: bool | None
    issues: str | None
    excluded: bool
    exclude_investment: bool
    exclude_registered: bool

    @property
    def counted(self) -> bool:
        """The row counts in the metrics at all (not excluded by an error)."""
        return not self.excluded

    @property
    def key(self) -> bool:
        """重点项目: 总投资 ≥ 1亿元."""
        return (self.total or 0) >= KEY_PROJECT_MIN_TOTAL

    @property
    def band(self) -> str | None:
        """Planned size band key (planned_1_5 …), None for construction rows or below 1亿."""
        return planned_band(self.total or 0) if self.table == Table.PLANNED else None

    @property
    def size_label(self) -> str:
        """Construction size class: 亿元以上 / 1000万-1亿元 / 1000万以下."""
        total = self.total or 0
        if total >= KEY_PROJECT_MIN_TOTAL:
            return "亿元以上"
        if total >= REGISTERED_MIN_TOTAL:
            return "1000万-1亿元"
        return "1000万以下"

    @property
    def counts_registered(self) -> bool:
        """Counted as a 统计入库项目: 是否入库 yes, not excluded, 总投资 ≥ 1000万元."""
        return (
            self.counted
            and bool(self.registered)
            and not self.exclude_registered
            and (self.total or 0) >= REGISTERED_MIN_TOTAL
        )

    @property
    def counts_investment(self) -> bool:
        """Its 完成投资 counts in ``investment``: a key project, investment not excluded."""
        return self.counted and self.key and not self.exclude_investment


@dataclass(frozen=True, slots=True)
class ReportFinding:
    """A finding with the district and table of the file it belongs to."""

    district: str | None
    table: str | None
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    field: str | None
    value: str | None
    severity: Severity
    code: str
    message: str
    rejected: bool = False  # a file (or sheet) refused at collect time, nothing counted

    @classmethod
    def of(cls, district: str | None, table: str | None, f: Finding) -> ReportFinding:
        """A ledger finding placed in its district and table (file cut to its base name)."""
        return cls(
            district,
            table,
            _base(f.file) or "",
            f.sheet,
            f.row,
            f.column,
            f.field,
            f.value,
            f.severity,
            f.code,
            f.message,
        )


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the monthly bulletin shows, computed from the ledger."""

    month: Month
    city: str
    year: int
    title: str
    districts: tuple[DistrictFigures, ...]
    total: dict[str, Figure]
    ranking: tuple[str, ...]  # district names, best investment completion rate first
    deadline_day: int
    projects: tuple[Project, ...] = field(repr=False)
    findings: tuple[ReportFinding, ...] = field(repr=False)
    #: the year as of this month (register, conversion, cross-month findings); None when
    #: the report was computed without it (see ``year.attach``)
    year_view: YearView | None = field(default=None, repr=False)

    @property
    def full_year(self) -> bool:
        """December: the bulletin speaks of 全年 and assesses the annual targets."""
        return self.month.month == 12

    @property
    def time_progress(self) -> float:
        """时序进度 of the month: month ÷ 12."""
        return self.month.time_progress

    def district(self, name: str) -> DistrictFigures:
        """The figures of district ``name``; KeyError when unknown."""
        for d in self.districts:
            if d.name == name:
                return d
        raise KeyError(name)

    @property
    def planned_projects(self) -> list[Project]:
        """Counted 谋划 rows, in district order then file row order."""
        return [p for p in self.projects if p.table == Table.PLANNED and p.counted]

    @property
    def construction_projects(self) -> list[Project]:
        """Counted 在建 rows, in district order then file row order."""
        return [p for p in self.projects if p.table == Table.CONSTRUCTION and p.counted]

    @property
    def unregistered(self) -> list[Project]:
        """Counted 在建 rows not registered: to guide into the statistics (largest first)."""
        rows = [
            p
            for p in self.construction_projects
            if not p.registered and (p.total or 0) >= REGISTERED_MIN_TOTAL
        ]
        order = {d.name: i for i, d in enumerate(self.districts)}
        return sorted(rows, key=lambda p: (order.get(p.district, 99), -(p.total or 0)))

    @property
    def issue_list(self) -> list[Project]:
        """在建 rows (counted or not) whose 存在问题 says something."""
        return [
            p
            for p in self.projects
            if p.table == Table.CONSTRUCTION
            and p.issues is not None
            and "".join(p.issues.split()) not in _ISSUE_BLANKS
        ]


# ---------------------------------------------------------------------------- compute

_ROW_COLUMNS = (
    "submission_id, excel_row, name, total, completed, region, unit, issues, start_text,"
    " start_class, finished, registered, excluded, exclude_investment, exclude_registered"
)


def _zero_counts() -> dict[str, float]:
    return dict.fromkeys(CITY_METRIC_KEYS, 0)


def _accumulate(counts: dict[str, float], table: str, row: Mapping) -> None:
    """Add one ledger row to a district's raw counts (money in 万元 here)."""
    if row["excluded"]:
        return
    total = row["total"] or 0
    if table == Table.PLANNED:
        counts["planned_count"] += 1
        counts["planned_investment"] += total
        band = planned_band(total)
        if band is not None:
            counts[band] += 1
        return
    if total >= KEY_PROJECT_MIN_TOTAL:
        if not row["exclude_investment"]:
            counts["investment"] += row["completed"] or 0
        if row["start_class"] == StartClass.NEW:
            counts["new_starts"] += 1
        elif row["start_class"] == StartClass.CONTINUING:
            counts["continuing"] += 1
        if row["finished"]:
            counts["completed"] += 1
    if row["registered"] and not row["exclude_registered"] and total >= REGISTERED_MIN_TOTAL:
        counts["registered"] += 1
        if total >= KEY_PROJECT_MIN_TOTAL:
            counts["registered_1yi_plus"] += 1
        else:
            counts["registered_10m_1yi"] += 1


def _to_units(counts: dict[str, float]) -> dict[str, float]:
    """万元 → 亿元 for money metrics; counts stay integers."""
    return {k: v / WAN_PER_YI if METRIC_BY_KEY[k].money else int(v) for k, v in counts.items()}


def _fetch_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> list[sqlite3.Row]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return conn.execute(
        f"SELECT {_ROW_COLUMNS} FROM rows WHERE submission_id IN ({marks})"
        " ORDER BY submission_id, excel_row, id",
        list(ids),
    ).fetchall()


def _district_counts(
    conn: sqlite3.Connection,
    effective: Mapping[tuple[str, Table], Effective],
    districts: Iterable[str],
) -> tuple[dict[str, dict[str, float]], list[sqlite3.Row]]:
    """Per district: metric values in report units; plus the rows read."""
    owner = {
        e.submission_id: (district, table)
        for (district, table), e in effective.items()
        if e.submission_id is not None
    }
    rows = _fetch_rows(conn, sorted(owner))
    raw = {d: _zero_counts() for d in districts}
    for row in rows:
        district, table = owner[row["submission_id"]]
        _accumulate(raw[district], table, row)
    return {d: _to_units(c) for d, c in raw.items()}, rows


def _target(value: float | None) -> float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _base(name: str | None) -> str | None:
    """A file's name as collect shows it: the base name of a file (the ledger's file_name
    should be one already; a path is cut), or a member of a zip or e-mail with its
    container, ``包.zip/成员.xlsx`` (slashes inside such a name are the container's)."""
    if name is None:
        return None
    path = PureWindowsPath(name)
    if not path.anchor and any(part.lower().endswith((".zip", ".eml")) for part in path.parts[:-1]):
        return name
    return path.name


def _norm_name(name: str | None) -> str:
    return "".join((name or "").split())


def _cross_district_duplicates(
    conn: sqlite3.Connection,
    effective: Mapping[tuple[str, Table], Effective],
    rows: Sequence[sqlite3.Row],
) -> dict[int, list[Finding]]:
    """Warnings 'duplicate-across-districts' per submission id, for planned rows (counted
    ones) whose normalised 项目名称 occurs in another district's planned submission."""
    planned = {
        e.submission_id: district
        for (district, table), e in effective.items()
        if table == Table.PLANNED and e.submission_id is not None
    }
    where: dict[str, list[tuple[str, int, sqlite3.Row]]] = defaultdict(list)
    for row in rows:
        sid = row["submission_id"]
        if sid in planned and not row["excluded"] and _norm_name(row["name"]):
            where[_norm_name(row["name"])].append((planned[sid], sid, row))
    out: dict[int, list[Finding]] = defaultdict(list)
    if not where:
        return out
    meta = {
        r["id"]: r
        for r in conn.execute(
            f"SELECT id, file_name, sheet, columns FROM submissions WHERE id IN"
            f" ({','.join('?' * len(planned))})",
            list(planned),
        )
    }
    name_col = column(Table.PLANNED, "name").header
    for places in where.values():
        if len({district for district, _, _ in places}) < 2:
            continue
        for district, sid, row in places:
            others = "；".join(
                f"{d} {meta[s]['file_name']} 第{r['excel_row']}行"
                for d, s, r in places
                if d != district
            )
            cols = json.loads(meta[sid]["columns"] or "{}")
            out[sid].append(
                make_finding(
                    "duplicate-across-districts",
                    file=meta[sid]["file_name"],
                    sheet=meta[sid]["sheet"],
                    row=row["excel_row"],
                    column=cols.get("name"),
                    field=name_col,
                    value=row["name"],
                    detail=f"另见：{others}",
                )
            )
    return out


def _findings(
    conn: sqlite3.Connection,
    month: Month,
    effective: Mapping[tuple[str, Table], Effective],
    districts: Sequence[str],
    extra: Mapping[int, list[Finding]],
) -> list[ReportFinding]:
    """Findings of the submissions in effect (district, table order) and rejected files."""
    out: list[ReportFinding] = []
    for district in districts:
        for table in Table:
            e = effective[district, table]
            if e.submission_id is None:
                continue
            found = submission_findings(conn, [e.submission_id]) + extra.get(e.submission_id, [])
            # file-level first, then by row (stable: ledger order within a row)
            found.sort(key=lambda f: (f.row is not None, f.row or 0))
            out.extend(ReportFinding.of(district, str(table), f) for f in found)
    for rej in rejections_for_month(conn, month):
        out.append(
            ReportFinding(
                district=rej["district"],
                table=rej["table_kind"],
                file=_base(rej["file_name"]) or "",
                sheet=rej["sheet"],
                row=None,
                column=None,
                field=None,
                value=None,
                severity=Severity.ERROR,
                code=rej["reject_code"] or "rejected",
                message=rej["reject_reason"] or "文件被退回",
                rejected=True,
            )
        )
    return out


def _projects(
    rows: Sequence[sqlite3.Row],
    effective: Mapping[tuple[str, Table], Effective],
    sheets: Mapping[int, str | None],
    districts: Sequence[str],
) -> list[Project]:
    owner = {
        e.submission_id: (district, table, _base(e.file_name) or "")
        for (district, table), e in effective.items()
        if e.submission_id is not None
    }
    order = {(d, t): i for i, (d, t) in enumerate((d, t) for d in districts for t in Table)}
    projects = []
    for r in rows:
        district, table, file_name = owner[r["submission_id"]]
        projects.append(
            Project(
                district=district,
                table=table,
                file=file_name,
                sheet=sheets.get(r["submission_id"]),
                excel_row=r["excel_row"],
                name=r["name"],
                unit=r["unit"],
                total=r["total"],
                completed=r["completed"],
                region=r["region"],
                start_text=r["start_text"],
                start_class=r["start_class"],
                finished=bool(r["finished"]),
                registered=None if r["registered"] is None else bool(r["registered"]),
                issues=r["issues"],
                excluded=bool(r["excluded"]),
                exclude_investment=bool(r["exclude_investment"]),
                exclude_registered=bool(r["exclude_registered"]),
            )
        )
    projects.sort(key=lambda p: (order[p.district, p.table], p.excel_row))
    return projects


def compute_report(conn: sqlite3.Connection, month: Month, targets: Targets) -> Report:
    """The bulletin's figures for ``month`` from the ledger, against the targets of 附件1.

    A month without any data gives zeros with every district missing. The caller checks
    that ``month`` lies in the targets year.
    """
    names = targets.district_names
    tp = month.time_progress
    effective = effective_submissions(conn, month, names, deadline_day=targets.deadline_day)
    current, rows = _district_counts(conn, effective, names)
    if month.month > 1:
        prev_eff = effective_submissions(
            conn, month.previous(), names, deadline_day=targets.deadline_day
        )
        previous, _ = _district_counts(conn, prev_eff, names)
    else:
        previous = {d: _to_units(_zero_counts()) for d in names}

    districts = []
    for d in targets.districts:
        metrics = {
            key: Figure(
                key=key,
                actual=current[d.name][key],
                target=_target(d.targets.get(key)),
                previous=previous[d.name][key],
                time_progress=tp,
            )
            for key in DISTRICT_METRIC_KEYS
        }
        submissions = {
            table: SubmissionState(
                table=table,
                status=effective[d.name, table].status,
                month=effective[d.name, table].month,
                file=_base(effective[d.name, table].file_name),
                received_at=effective[d.name, table].received_at,
                submission_id=effective[d.name, table].submission_id,
                sender=effective[d.name, table].sender,
            )
            for table in Table
        }
        districts.append(DistrictFigures(d.name, d.leader, d.departments, metrics, submissions))

    city_targets = {**targets.total, **targets.city_only}
    total = {}
    for key in CITY_METRIC_KEYS:
        actual = sum(current[n][key] for n in names)
        prev = sum(previous[n][key] for n in names)
        target = city_targets.get(key)
        if key in CITY_TARGET_KEYS and key not in targets.city_only:
            target = None
        total[key] = Figure(key, actual, _target(target), prev, tp)

    def rank_key(i_d: tuple[int, DistrictFigures]) -> tuple[float, float, int]:
        i, d = i_d
        fig = d.metrics["investment"]
        return (-(fig.rate if fig.rate is not None else -1), -fig.actual, i)

    ranking = tuple(d.name for _, d in sorted(enumerate(districts), key=rank_key))

    ids = [e.submission_id for e in effective.values() if e.submission_id is not None]
    sheets: dict[int, str | None] = {}
    if ids:
        sheets = {
            r["id"]: r["sheet"]
            for r in conn.execute(
                f"SELECT id, sheet FROM submissions WHERE id IN ({','.join('?' * len(ids))})", ids
            )
        }
    duplicates = _cross_district_duplicates(conn, effective, rows)
    return Report(
        month=month,
        city=targets.city,
        year=targets.year,
        title=targets.title,
        districts=tuple(districts),
        total=total,
        ranking=ranking,
        deadline_day=targets.deadline_day,
        projects=tuple(_projects(rows, effective, sheets, names)),
        findings=tuple(_findings(conn, month, effective, names, duplicates)),
    )
