"""Project identity: which rows of the ledger are one project (README “一年：同一个项目跨月、跨表”, steps 1–3).

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gongjian_cli.month import Month
from gongjian_cli.schema import REGISTERED_MIN_TOTAL, StartClass, Table
from gongjian_cli.year.names import name_hash, normalise_name
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
    name_hash: int  # of the normalised name (``names.name_hash``): equal names, equal hash
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
    def norm(self) -> str:
        """The normalised name (``names.normalise_name``), computed when asked."""
        return normalise_name(self.name)

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
    """The named rows in effect, in district, month, table (附件2 first), row order."""
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
    # one pass over every row of the year: sorted by SQLite, built positionally
    # ('planned' sorts after 'construction': DESC puts 附件2 first)
    rows = []
    append = rows.append
    cur = conn.cursor()
    cur.row_factory = None  # plain tuples: a third faster to build than sqlite3.Row
    for r in cur.execute(
        "SELECT r.id, r.submission_id, r.excel_row, r.name, r.total, r.completed, r.unit,"
        " r.start_class, r.finished, r.registered, r.excluded, r.exclude_investment,"
        " r.exclude_registered, r.project_key, r.name_hash"
        f" FROM rows r JOIN submissions s ON s.id = r.submission_id WHERE {where}"
        " AND r.name IS NOT NULL"
        " ORDER BY s.district, s.month, s.table_kind DESC, r.excel_row, r.id",
        params,
    ):
        sub = subs[r[1]]
        append(
            YearRow(
                r[0], r[1], sub.district, sub.table, sub.month, r[2], r[3],
                name_hash(normalise_name(r[3])) if r[14] is None else r[14], r[4], r[5], r[6], r[7], r[8] == 1,
                None if r[9] is None else r[9] == 1, r[10] == 1, r[11] == 1, r[12] == 1, r[13],
            )
        )  # fmt: skip
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
    projects (all districts, or only ``districts``).

    The union-find runs over name groups (district, normalised name) and keys, not rows:
    a year of five districts is some 50 000 rows but a few thousand names."""
    rows, subs = _load_rows(conn, month, districts)
    wanted = None if districts is None else set(districts)

    issued: dict[str, tuple[str, int, str]] = {}
    for key, district, row_id, issued_at in conn.execute(
        "SELECT key, district, row_id, issued_at FROM project_keys"
    ):
        if wanted is None or district in wanted:
            issued[key] = (district, row_id, issued_at)
    anchors = _anchor_rows(conn, {row_id for _, row_id, _ in issued.values()}, rows)

    # step 1: a row with a key issued for its district is that key's project
    def key_of(r: YearRow) -> str | None:
        k = r.project_key
        if k is not None and (hit := issued.get(k)) is not None and hit[0] == r.district:
            return k
        return None

    groups: dict[tuple[str, int], list[YearRow]] = {}
    keyed: set[int] = set()
    row_key: dict[int, str] = {}
    open_groups: set[tuple[str, int]] = {(p.district, name_hash(n)) for p in pairs for n in p.keys}
    for r in (*rows, *anchors.values()):
        g = (r.district, r.name_hash)
        members_of = groups.get(g)
        if members_of is None:
            groups[g] = members_of = []
        members_of.append(r)
        k = key_of(r)
        if k is None:
            open_groups.add(g)  # step 2: a name the project has had, in either table
        else:
            keyed.add(r.id)
            row_key[r.id] = k
    uf = _UnionFind()
    for g, members_of in groups.items():
        if g in open_groups:
            for r in members_of:
                if (k := row_key.get(r.id)) is not None:
                    uf.union(("name", g), ("key", k))
    for key, (_district, row_id, _) in issued.items():
        anchor = anchors.get(row_id)
        if anchor is not None:
            g = (anchor.district, anchor.name_hash)
            uf.union(("key", key), ("name", g) if g in open_groups else ("key", row_key[row_id]))
    for p in pairs:
        old, new = p.keys
        uf.union(("name", (p.district, name_hash(old))), ("name", (p.district, name_hash(new))))

    def node(r: YearRow) -> object:
        g = (r.district, r.name_hash)
        return ("name", g) if g in open_groups else ("key", row_key[r.id])

    by_root: dict[object, list[YearRow]] = {}
    for r in rows:  # in district, month, table, row order: each group comes out in order
        root = uf.find(node(r))
        group = by_root.get(root)
        if group is None:
            by_root[root] = group = []
        group.append(r)
    members: dict[int, list[YearRow]] = {}
    project_of: dict[int, int] = {}
    pid_of_root: dict[object, int] = {}
    for root, group in by_root.items():
        pid = group[0].id  # the project's first row
        members[pid] = group
        pid_of_root[root] = pid
        for x in group:
            project_of[x.id] = pid
    # a project's key: the first issued among the keys in its component
    keys: dict[int, str] = {}
    for key, _issued in sorted(issued.items(), key=lambda kv: (kv[1][2], kv[0])):
        pid = pid_of_root.get(uf.find(("key", key)))
        if pid is not None:
            keys.setdefault(pid, key)
    return Resolution(month, rows, subs, members, project_of, keys, keyed)


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
                rid, 0, district, Table(table), month, 0, name, name_hash(normalise_name(name)),
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
