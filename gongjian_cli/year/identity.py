"""Project identity: which rows of the ledger are one project (DOMAIN "The year", steps 1–3).

Within one district (a project never moves between districts):

1. a row that came back with a hidden key the ledger issued (``project_keys``) for this
   district is the project of the row that key was written for, whatever its name now;
2. otherwise a row whose normalised name (``names.normalise_name``) equals a name the
   project has had in this district, in either table, in any month;
3. otherwise it is a project of its own (``checks`` warns ``possible-rename`` when a
   close name of the same district was reported before; nothing is merged on a guess).

The clerk's name-pair file (``pairs``) joins two names of a district outright.

Identity is resolved from the ledger every time it is needed, over the rows of the
submissions in effect for each month of the year up to the month asked (plus the rows a
key was written for, which may sit in a superseded file). A union-find over rows, key
nodes and name nodes gives the same projects whatever order the files were collected in.
Rows with a key link through the key only; they join their name's group when that
name also has rows without a key (then the name is one "the project has had", step 2)
or when the name-pair file names it.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gongjian_cli.month import Month
from gongjian_cli.schema import REGISTERED_MIN_TOTAL, StartClass, Table
from gongjian_cli.year.names import normalise_name
from gongjian_cli.year.pairs import NamePair

TABLE_ORDER = {Table.PLANNED: 0, Table.CONSTRUCTION: 1}
_STARTED = (StartClass.NEW.value, StartClass.CONTINUING.value)


@dataclass(slots=True)
class YearRow:
    """A named row of a submission in effect for its month (amounts in 万元)."""

    id: int
    submission_id: int
    district: str
    table: Table
    month: str
    excel_row: int
    name: str
    norm: str
    total: float | None
    completed: float | None
    unit: str | None
    start_class: str | None
    finished: bool
    registered: bool | None
    excluded: bool
    exclude_investment: bool
    exclude_registered: bool
    project_key: str | None

    @property
    def valid(self) -> bool:
        """Breaks no rule that drops the whole row (it counts as a project)."""
        return not self.excluded

    @property
    def started(self) -> bool:
        """Classed new start or continuing (completed or not)."""
        return self.start_class in _STARTED

    @property
    def counts_registered(self) -> bool:
        """是否入库 yes and 总投资 ≥ 1000 万元, in a valid row."""
        return (
            bool(self.registered)
            and not self.excluded
            and not self.exclude_registered
            and (self.total or 0) >= REGISTERED_MIN_TOTAL
        )

    @property
    def order(self) -> tuple[str, int, int]:
        return (self.month, TABLE_ORDER[self.table], self.excel_row)


@dataclass(frozen=True, slots=True)
class SubmissionInfo:
    """Where a submission's rows are: file, sheet, column letters."""

    id: int
    district: str
    table: Table
    month: str
    file_name: str
    sheet: str | None
    columns: dict[str, str]


@dataclass(slots=True)
class Resolution:
    """The projects of the year up to ``month``: rows in effect grouped into projects."""

    month: Month
    rows: list[YearRow]
    submissions: dict[int, SubmissionInfo]
    members: dict[int, list[YearRow]]  # project id (its first row's id) → rows, in order
    project_of: dict[int, int]  # row id → project id
    keys: dict[int, str] = field(default_factory=dict)  # project id → its key
    keyed_rows: set[int] = field(default_factory=set)  # rows identified by their key

    def district_projects(self, district: str) -> list[int]:
        return [pid for pid, rows in self.members.items() if rows[0].district == district]


def _load_rows(
    conn: sqlite3.Connection, month: Month, districts: Sequence[str] | None
) -> tuple[list[YearRow], dict[int, SubmissionInfo]]:
    where = "s.status = 'accepted' AND s.superseded_by IS NULL AND s.month >= ? AND s.month <= ?"
    params: list[object] = [str(Month(month.year, 1)), str(month)]
    if districts is not None:
        where += f" AND s.district IN ({','.join('?' * len(districts))})"
        params.extend(districts)
    subs = {
        r[0]: SubmissionInfo(r[0], r[1], Table(r[2]), r[3], r[4], r[5], json.loads(r[6] or "{}"))
        for r in conn.execute(
            "SELECT s.id, s.district, s.table_kind, s.month, s.file_name, s.sheet, s.columns"
            f" FROM submissions s WHERE {where}",
            params,
        )
    }
    rows = []
    for r in conn.execute(
        "SELECT r.id, r.submission_id, r.excel_row, r.name, r.total, r.completed, r.unit,"
        " r.start_class, r.finished, r.registered, r.excluded, r.exclude_investment,"
        " r.exclude_registered, r.project_key, r.name_key"
        f" FROM rows r JOIN submissions s ON s.id = r.submission_id WHERE {where}"
        " AND r.name IS NOT NULL",
        params,
    ):
        sub = subs[r[1]]
        rows.append(
            YearRow(
                r[0],
                r[1],
                sub.district,
                sub.table,
                sub.month,
                r[2],
                r[3],
                r[14] or normalise_name(r[3]),
                r[4],
                r[5],
                r[6],
                r[7],
                bool(r[8]),
                None if r[9] is None else bool(r[9]),
                bool(r[10]),
                bool(r[11]),
                bool(r[12]),
                r[13],
            )
        )
    rows.sort(key=lambda x: (x.district, x.order))
    return rows, subs


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, x: object) -> object:
        parent = self.parent
        root = x
        while (up := parent.setdefault(root, root)) != root:
            root = up
        while (up := parent[x]) != root:  # path compression
            parent[x] = root
            x = up
        return root

    def union(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def resolve(
    conn: sqlite3.Connection,
    month: Month,
    *,
    pairs: Iterable[NamePair] = (),
    districts: Sequence[str] | None = None,
) -> Resolution:
    """Group the rows in effect for the months of ``month``'s year up to ``month`` into
    projects (all districts, or only ``districts``)."""
    rows, subs = _load_rows(conn, month, districts)
    uf = _UnionFind()
    wanted = None if districts is None else set(districts)

    # step 1: keys the ledger issued, for the district they were issued for
    issued: dict[str, tuple[str, int, str]] = {}
    for key, district, row_id, issued_at in conn.execute(
        "SELECT key, district, row_id, issued_at FROM project_keys"
    ):
        if wanted is None or district in wanted:
            issued[key] = (district, row_id, issued_at)
    keyed: set[int] = set()
    for r in rows:
        k = r.project_key
        if k is not None and (hit := issued.get(k)) is not None and hit[0] == r.district:
            keyed.add(r.id)
            uf.union(("key", k), r.id)
    # the rows the keys were written for (possibly in a superseded file): bridges only
    anchors = _anchor_rows(conn, {row_id for _, row_id, _ in issued.values()}, rows)
    for key, (_district, row_id, _) in issued.items():
        if row_id in anchors:
            uf.union(("key", key), row_id)

    # step 2 and the name-pair file: name groups
    paired = {(p.district, n) for p in pairs for n in p.keys}
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    unkeyed_groups: set[tuple[str, str]] = set()
    for r in (*rows, *anchors.values()):
        g = (r.district, r.norm)
        groups[g].append(r.id)
        if r.id not in keyed:
            unkeyed_groups.add(g)
    for g, ids in groups.items():
        if g in unkeyed_groups or g in paired:
            for row_id in ids:
                uf.union(("name", g), row_id)
    for p in pairs:
        old, new = p.keys
        uf.union(("name", (p.district, old)), ("name", (p.district, new)))

    members: dict[int, list[YearRow]] = {}
    by_root: dict[object, list[YearRow]] = defaultdict(list)
    for r in rows:
        by_root[uf.find(r.id)].append(r)
    project_of: dict[int, int] = {}
    for group in by_root.values():
        group.sort(key=lambda x: x.order)
        pid = min(x.id for x in group)
        members[pid] = group
        for x in group:
            project_of[x.id] = pid
    # a project's key: the first issued among the keys in its component
    keys: dict[int, str] = {}
    for key, _issued in sorted(issued.items(), key=lambda kv: (kv[1][2], kv[0])):
        root = uf.find(("key", key))
        group = by_root.get(root)
        if group:
            pid = min(x.id for x in group)
            keys.setdefault(pid, key)
    ordered = dict(sorted(members.items(), key=lambda kv: (kv[1][0].district, kv[1][0].order)))
    return Resolution(month, rows, subs, ordered, project_of, keys, keyed)


def _anchor_rows(
    conn: sqlite3.Connection, row_ids: set[int], rows: list[YearRow]
) -> dict[int, YearRow]:
    """The rows keys were written for, as YearRows (from ``rows`` when in effect)."""
    have = {r.id: r for r in rows if r.id in row_ids}
    missing = sorted(row_ids - have.keys())
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        for rid, name, district, table, month in conn.execute(
            "SELECT r.id, r.name, s.district, s.table_kind, s.month FROM rows r"
            " JOIN submissions s ON s.id = r.submission_id"
            f" WHERE r.id IN ({','.join('?' * len(chunk))}) AND r.name IS NOT NULL",
            chunk,
        ):
            have[rid] = YearRow(
                rid, 0, district, Table(table), month, 0, name, normalise_name(name),
                None, None, None, None, False, None, True, False, False, None,
            )  # fmt: skip
    return have


@dataclass(frozen=True, slots=True)
class RowProject:
    """What prefill needs to know of a row's project: its key, when it has one, and where
    it was first seen ("2020-03|planned|铜箔项目"), from which a new key is derived."""

    key: str | None
    first_seen: str


def row_projects(
    conn: sqlite3.Connection,
    district: str,
    month: Month,
    row_ids: Sequence[int],
    *,
    pairs: Iterable[NamePair] = (),
) -> dict[int, RowProject]:
    """The project of each of ``row_ids`` (rows in effect in ``district`` up to ``month``)."""
    res = resolve(conn, month, pairs=pairs, districts=[district])
    out: dict[int, RowProject] = {}
    for row_id in row_ids:
        pid = res.project_of.get(row_id)
        if pid is None:
            continue
        first = res.members[pid][0]
        out[row_id] = RowProject(res.keys.get(pid), f"{first.month}|{first.table}|{first.norm}")
    return out


def keys_for_rows(
    conn: sqlite3.Connection,
    district: str,
    month: Month,
    row_ids: Sequence[int],
    *,
    pairs: Iterable[NamePair] = (),
) -> dict[int, str]:
    """For each of ``row_ids`` (rows in effect in ``district`` up to ``month``) whose
    project already has a key: that key. Prefill writes it again, so a project keeps one
    key all year."""
    found = row_projects(conn, district, month, row_ids, pairs=pairs)
    return {row_id: p.key for row_id, p in found.items() if p.key is not None}
