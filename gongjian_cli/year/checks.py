"""Month M against month M−1, per district and table (README “一年：同一个项目跨月、跨表”, 跨月比对).

Month M's submission (one actually returned for M, not carried) is compared with the
same district's submission in effect for M−1 of the same table (which may itself be
carried). Projects are matched through ``identity``; each project counts once per file
(its first row). The findings are warnings: they count in no metric and are computed
from the ledger when asked, never stored, so they do not depend on the order in which
months were collected. None in January. ``possible-rename`` is found here too: a
project first seen in M whose name is close to one of the district's earlier projects
that M no longer lists.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gongjian_cli.ledger import Effective, effective_submissions, snapshot
from gongjian_cli.models import Finding
from gongjian_cli.month import Month
from gongjian_cli.parsing import display_value
from gongjian_cli.schema import (
    RULES,
    TABLE_SHORT,
    TOTAL_CHANGE_LIMIT,
    Severity,
    StartClass,
    Table,
    column,
)
from gongjian_cli.year.identity import Resolution, SubmissionInfo, YearRow, resolve
from gongjian_cli.year.model import YearFinding
from gongjian_cli.year.names import close_names, normalise_name
from gongjian_cli.year.pairs import NamePair

_SWITCH = {StartClass.NEW.value, StartClass.CONTINUING.value}


def _first_rows(rows: Sequence[YearRow], res: Resolution) -> dict[int, YearRow]:
    """Project id → its first row in one submission (``rows`` in file order)."""
    out: dict[int, YearRow] = {}
    for r in rows:
        out.setdefault(res.project_of[r.id], r)
    return out


def _amount(x: float) -> str:
    return display_value(x)


class _Emitter:
    def __init__(self, year: int) -> None:
        self.year = year
        self.out: list[YearFinding] = []

    def add(
        self,
        code: str,
        sub: SubmissionInfo,
        *,
        project: str,
        row: YearRow | None = None,
        key: str | None = None,
        value: str | None = None,
        detail: str = "",
    ) -> None:
        rule = RULES[code]
        label = column(sub.table, key).label(self.year) if key else None
        self.out.append(
            YearFinding(
                code=code,
                severity=rule.severity,
                district=sub.district,
                table=sub.table,
                month=sub.month,
                project=project,
                file=sub.file_name,
                sheet=sub.sheet,
                row=None if row is None else row.excel_row,
                column=None if key is None or row is None else sub.columns.get(key),
                field=label,
                value=value,
                message=f"{rule.message}（{detail}）" if detail else rule.message,
                submission_id=sub.id,
            )
        )


def month_findings(
    conn: sqlite3.Connection,
    res: Resolution,
    month: Month,
    districts: Sequence[str],
    *,
    year: int,
    deadline_day: int = 25,
) -> list[YearFinding]:
    """The cross-month and possible-rename findings of ``month`` for ``districts``."""
    by_sub: dict[int, list[YearRow]] = defaultdict(list)
    for r in res.rows:
        by_sub[r.submission_id].append(r)
    current = effective_submissions(conn, month, districts, deadline_day=deadline_day)
    previous: dict[tuple[str, Table], Effective] = {}
    if month.month > 1:
        previous = effective_submissions(
            conn, month.previous(), districts, deadline_day=deadline_day
        )
    emit = _Emitter(year)
    for district in districts:
        for table in Table:
            cur = current[district, table]
            if cur.submission_id is None or cur.month != str(month):
                continue  # nothing returned for this month: nothing to compare
            sub = res.submissions[cur.submission_id]
            now = _first_rows(by_sub[sub.id], res)
            prev = previous.get((district, table))
            if prev is not None and prev.submission_id is not None:
                before = _first_rows(by_sub[prev.submission_id], res)
                prev_sub = res.submissions[prev.submission_id]
                _compare(emit, sub, now, before, prev_sub)
                _dropped(emit, sub, now, before, prev_sub, current, by_sub, res)
            _possible_renames(emit, sub, now, res, month)
    return emit.out


def _compare(
    emit: _Emitter,
    sub: SubmissionInfo,
    now: dict[int, YearRow],
    before: dict[int, YearRow],
    prev_sub: SubmissionInfo,
) -> None:
    last = f"上月（{prev_sub.month}）"
    for pid, r in now.items():
        p = before.get(pid)
        if p is None:
            continue
        if r.name_hash != p.name_hash:
            emit.add(
                "renamed",
                sub,
                project=r.name,
                row=r,
                key="name",
                value=r.name,
                detail=f"{last}为“{p.name}”",
            )
        if sub.table is Table.CONSTRUCTION:
            if r.completed is not None and p.completed is not None and r.completed < p.completed:
                emit.add(
                    "completed-decreased",
                    sub,
                    project=r.name,
                    row=r,
                    key="completed",
                    value=_amount(r.completed),
                    detail=f"本月为{_amount(r.completed)}万元，{last}为{_amount(p.completed)}万元",
                )
            if p.registered and not r.registered:
                emit.add(
                    "registered-revoked",
                    sub,
                    project=r.name,
                    row=r,
                    key="registered",
                    value="否" if r.registered is False else None,
                    detail=f"{last}填“是”",
                )
            if {p.start_class, r.start_class} == _SWITCH:
                was, now_word = (_start_word(p.start_class), _start_word(r.start_class))
                emit.add(
                    "start-class-changed",
                    sub,
                    project=r.name,
                    row=r,
                    key="start",
                    value=now_word,
                    detail=f"{last}为{was}，本月为{now_word}",
                )
        if (
            r.total is not None
            and p.total is not None
            and p.total > 0
            and abs(r.total - p.total) > TOTAL_CHANGE_LIMIT * p.total
        ):
            emit.add(
                "total-changed",
                sub,
                project=r.name,
                row=r,
                key="total",
                value=_amount(r.total),
                detail=f"本月{_amount(r.total)}万元，{last}{_amount(p.total)}万元",
            )


def _start_word(cls: str | None) -> str:
    return {"new": "新开工", "continuing": "续建"}.get(cls or "", "未开工")


def _dropped(
    emit: _Emitter,
    sub: SubmissionInfo,
    now: dict[int, YearRow],
    before: dict[int, YearRow],
    prev_sub: SubmissionInfo,
    current: dict[tuple[str, Table], Effective],
    by_sub: dict[int, list[YearRow]],
    res: Resolution,
) -> None:
    where = f"上月（{prev_sub.month}）第{{}}行"
    if sub.table is Table.CONSTRUCTION:
        for pid, p in before.items():
            if pid not in now and not p.finished:
                emit.add(
                    "project-dropped",
                    sub,
                    project=p.name,
                    value=p.name,
                    detail=f"“{p.name}”，见{where.format(p.excel_row)}",
                )
        return
    other = current[sub.district, Table.CONSTRUCTION]
    in_construction = (
        set(_first_rows(by_sub[other.submission_id], res))
        if other.submission_id is not None
        else set()
    )
    for pid, p in before.items():
        if pid not in now and pid not in in_construction:
            emit.add(
                "planned-dropped",
                sub,
                project=p.name,
                value=p.name,
                detail=f"“{p.name}”，见{where.format(p.excel_row)}",
            )


def _possible_renames(
    emit: _Emitter, sub: SubmissionInfo, now: dict[int, YearRow], res: Resolution, month: Month
) -> None:
    """A project first seen in ``month`` (and not through a key) whose name is close to
    that of an earlier project of the district that ``month`` no longer lists."""
    this = str(month)
    new = [
        (pid, r)
        for pid, r in now.items()
        if res.members[pid][0].month == this
        and not any(x.id in res.keyed_rows for x in res.members[pid])
    ]
    if not new:
        return
    earlier = [
        rows
        for rows in (res.members[pid] for pid in res.district_projects(sub.district))
        if rows[0].month < this and all(x.month != this for x in rows)
    ]
    for _pid, r in new:
        unit = normalise_name(r.unit) if r.unit else None
        for rows in earlier:
            last = rows[-1]
            other_unit = next((normalise_name(x.unit) for x in reversed(rows) if x.unit), None)
            if unit and other_unit and unit != other_unit:
                continue
            if any(close_names(r.norm, norm) for norm in {x.norm for x in rows}):
                emit.add(
                    "possible-rename",
                    sub,
                    project=r.name,
                    row=r,
                    key="name",
                    value=r.name,
                    detail=f"与{last.month}{TABLE_SHORT[last.table]}表的“{last.name}”相近；"
                    "不是同一项目则无需处理",
                )
                break


@dataclass(frozen=True, slots=True)
class Recorded:
    """What ``check_recorded`` found: the findings by submission id (those with some),
    which submissions it checked, and the last submission id the ledger held then."""

    findings: dict[int, list[Finding]]
    checked: frozenset[int]
    mark: int

    def __getitem__(self, sid: int) -> list[Finding]:
        return self.findings[sid]


def check_recorded(
    conn: sqlite3.Connection,
    submission_ids: Iterable[int],
    *,
    year: int,
    deadline_day: int = 25,
    pairs: Sequence[NamePair] = (),
    earlier: Recorded | None = None,
) -> Recorded:
    """The cross-month and possible-rename findings of submissions collect has recorded,
    by submission id (those with findings only), against what the ledger holds now. A
    rename (``renamed``) is left out: it is the clerk's note in the register and the
    bulletin, nothing for the district. A submission no longer in effect for its month
    gets none.

    The common case — every row of the month matches a row of last month's table by its
    normalised name, consistently with the keys — is compared on the two tables' numbers;
    anything else (a new or dropped project, a name pair, a first return of the table)
    goes through the full identity resolution.

    ``earlier``, a result of this function on the same ledger some files ago, is reused
    for every submission it checked that nothing recorded since can change: a check
    reads the district's submissions of the same month or before, so one is checked
    again when a submission of its district for its month or an earlier one has come
    since (the ledger only grows: an insert, and the supersession it brings). The result
    is the one a single pass now would give.
    """
    out: dict[int, list[Finding]] = {}
    ids = list(submission_ids)
    memo = _Memo()
    with snapshot(conn):  # one view of the ledger while other processes record files
        mark = conn.execute("SELECT coalesce(max(id), 0) FROM submissions").fetchone()[0]
        reuse = _unchanged_since(conn, earlier, ids) if earlier is not None else set()
        for sid in ids:
            if sid in reuse:
                assert earlier is not None
                if sid in earlier.findings:
                    out[sid] = earlier.findings[sid]
                continue
            found = [
                f.as_finding()
                for f in _check_one(conn, sid, year, deadline_day, pairs, memo)
                if f.severity is not Severity.INFO
            ]
            if found:
                out[sid] = found
    return Recorded(out, frozenset(ids), mark)


def _unchanged_since(conn: sqlite3.Connection, earlier: Recorded, ids: list[int]) -> set[int]:
    """Those of ``ids`` that ``earlier`` checked and that no submission accepted since
    (a later id than its mark) can change: none of their district for their month or an
    earlier one."""
    since = dict(  # district → the earliest month accepted since (a refused file changes nothing)
        conn.execute(
            "SELECT district, min(month) FROM submissions WHERE id > ? AND status = 'accepted'"
            " GROUP BY district",
            (earlier.mark,),
        ).fetchall()
    )
    keep = set()
    done = [i for i in ids if i in earlier.checked]
    for start in range(0, len(done), 500):
        chunk = done[start : start + 500]
        for sid, district, month in conn.execute(
            f"SELECT id, district, month FROM submissions WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            first = since.get(district)
            if first is None or first > month:
                keep.add(sid)
    return keep


def _check_one(
    conn: sqlite3.Connection,
    sid: int,
    year: int,
    deadline_day: int,
    pairs: Sequence[NamePair],
    memo: _Memo,
) -> list[YearFinding]:
    sub = conn.execute(
        "SELECT district, month, table_kind FROM submissions WHERE id = ? AND status = 'accepted'"
        " AND superseded_by IS NULL",
        (sid,),
    ).fetchone()
    if sub is None:
        return []  # not in effect (superseded), or not recorded
    district, month_text, table = sub[0], sub[1], Table(sub[2])
    month = Month.parse(month_text)
    first = str(Month(month.year, 1))
    if (
        month.year != year
        or not conn.execute(
            "SELECT 1 FROM submissions WHERE district = ? AND status = 'accepted'"
            " AND month >= ? AND month < ? LIMIT 1",
            (district, first, month_text),
        ).fetchone()
    ):
        return []  # nothing earlier in the year to compare with
    if not any(p.district == district for p in pairs):
        prev = effective_submissions(conn, month.previous(), [district], deadline_day=deadline_day)[
            district, table
        ]
        if prev.submission_id is not None:
            fast = _matched_by_name(conn, sid, prev.submission_id, district, table, year, memo)
            if fast is not None:
                return fast
    key = (district, month_text)
    res = memo.resolutions.get(key)
    if res is None:
        res = memo.resolutions[key] = resolve(conn, month, pairs=pairs, districts=[district])
    found = month_findings(conn, res, month, [district], year=year, deadline_day=deadline_day)
    return [f for f in found if f.submission_id == sid]


_ROW_FIELDS = (
    "id",
    "excel_row",
    "name",
    "name_hash",
    "total",
    "completed",
    "unit",
    "start_class",
    "finished",
    "registered",
    "excluded",
    "exclude_investment",
    "exclude_registered",
    "project_key",
)


@dataclass(slots=True)
class _Memo:
    """What one ``check_recorded`` reads once for several submissions: a district's
    identity resolution per month, and each table's rows by name hash (a table is this
    month's in its own check and last month's in the next month's)."""

    resolutions: dict[tuple[str, str], Resolution] = field(default_factory=dict)
    by_name: dict[int, dict[int, tuple[Any, ...]] | None] = field(default_factory=dict)

    def rows_by_name(self, cur: sqlite3.Cursor, sid: int) -> dict[int, tuple[Any, ...]] | None:
        """The named rows of submission ``sid`` by name hash (name_hash, total, completed,
        start_class, registered, project_key, id); None when a row has no hash (recorded
        before there was one) or two rows share a name."""
        if sid in self.by_name:
            return self.by_name[sid]
        rows = cur.execute(
            "SELECT name_hash, total, completed, start_class, registered, project_key, id"
            " FROM rows WHERE submission_id = ? AND name IS NOT NULL",
            (sid,),
        ).fetchall()
        by_name: dict[int, tuple[Any, ...]] | None = {r[0]: r for r in rows}
        if None in by_name or len(by_name) != len(rows):
            by_name = None
        self.by_name[sid] = by_name
        return by_name


def _matched_by_name(
    conn: sqlite3.Connection,
    sid: int,
    prev_id: int,
    district: str,
    table: Table,
    year: int,
    memo: _Memo | None = None,
) -> list[YearFinding] | None:
    """The findings of ``sid`` against ``prev_id`` when every named row of each has
    exactly one row of the same normalised name in the other and no key says otherwise
    (identity then pairs them the same way); None when that does not hold.

    Reads the two tables' numbers only (name hash, amounts, classes, key) and compares
    them in dicts: about a millisecond for two tables of 400 rows; the whole rows are
    read only for the pairs that changed."""
    memo = memo or _Memo()
    cur = conn.cursor()
    cur.row_factory = None
    now, before = memo.rows_by_name(cur, sid), memo.rows_by_name(cur, prev_id)
    if now is None or before is None:
        return None  # rows recorded before name_hash, or a name twice
    if now.keys() != before.keys():
        return None  # a new or a dropped project
    keyed = [r for r in now.values() if r[5] is not None]
    if keyed:
        marks = ",".join("?" * len(keyed))
        anchors = dict(
            cur.execute(
                f"SELECT key, row_id FROM project_keys WHERE district = ? AND key IN ({marks})",
                (district, *(r[5] for r in keyed)),
            ).fetchall()
        )
        for r in keyed:
            anchor, p = anchors.get(r[5]), before[r[0]]
            if anchor is not None and p[6] != anchor and p[5] != r[5]:
                return None  # a key ties the row to another project than its name does
    construction = table is Table.CONSTRUCTION
    changed = [(r[6], before[h][6]) for h, r in now.items() if _changed(r, before[h], construction)]
    if not changed:
        return []
    ids = [i for pair in changed for i in pair]
    full = {
        r[0]: r
        for r in cur.execute(
            f"SELECT {', '.join(_ROW_FIELDS)} FROM rows WHERE id IN ({','.join('?' * len(ids))})",
            ids,
        ).fetchall()
    }
    info = {
        r[0]: SubmissionInfo(r[0], r[1], Table(r[2]), r[3], r[4], r[5], json.loads(r[6] or "{}"))
        for r in cur.execute(
            "SELECT id, district, table_kind, month, file_name, sheet, columns FROM submissions"
            " WHERE id IN (?, ?)",
            (sid, prev_id),
        ).fetchall()
    }
    this, last = info[sid], info[prev_id]
    changed.sort(key=lambda pair: full[pair[0]][1])  # in the file's row order
    emit = _Emitter(year)
    _compare(
        emit,
        this,
        {i: _year_row(full[c], this) for i, (c, _) in enumerate(changed)},
        {i: _year_row(full[p], last) for i, (_, p) in enumerate(changed)},
        last,
    )
    return emit.out


def _changed(r: tuple[Any, ...], p: tuple[Any, ...], construction: bool) -> bool:
    """Whether ``_compare`` can find anything in this pair of (name_hash, total,
    completed, start_class, registered, …) tuples: its tests, on plain values."""
    total, last_total = r[1], p[1]
    if (
        total is not None
        and last_total
        and abs(total - last_total) > TOTAL_CHANGE_LIMIT * last_total
    ):
        return True
    if not construction:
        return False
    if r[2] is not None and p[2] is not None and r[2] < p[2]:
        return True
    if p[4] == 1 and r[4] != 1:
        return True
    return r[3] != p[3] and r[3] in _SWITCH and p[3] in _SWITCH


def _year_row(r: Sequence[Any], sub: SubmissionInfo) -> YearRow:
    return YearRow(
        r[0], sub.id, sub.district, sub.table, sub.month, r[1], r[2], r[3], r[4], r[5], r[6],
        r[7], bool(r[8]), None if r[9] is None else bool(r[9]), bool(r[10]), bool(r[11]),
        bool(r[12]), r[13],
    )  # fmt: skip
