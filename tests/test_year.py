"""The year: project identity, checks against last month, conversion, the register.

Each test builds a small ledger by hand (``add``), so every figure below is worked out
from the rows written in the test itself.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gongjian_cli.errors import TargetsError
from gongjian_cli.ledger import insert_submission, transaction
from gongjian_cli.models import Identity, ParsedRow, Submission
from gongjian_cli.month import Month
from gongjian_cli.schema import StartClass, Table
from gongjian_cli.year.identity import resolve, row_projects
from gongjian_cli.year.names import close_names, normalise_name
from gongjian_cli.year.pairs import NamePair, load_pairs
from gongjian_cli.year.register import year_view

NEW, CONT, NOT = StartClass.NEW, StartClass.CONTINUING, StartClass.NOT_STARTED
C, P = Table.CONSTRUCTION, Table.PLANNED
COLUMNS = {
    C: {"name": "B", "unit": "C", "total": "E", "completed": "F", "start": "G", "registered": "H"},
    P: {"name": "B", "total": "C", "unit": "H"},
}


def row(
    excel_row: int,
    name: str,
    total: float | None = 20000,
    completed: float | None = None,
    start: StartClass | None = None,
    *,
    unit: str | None = "甲公司",
    registered: bool | None = None,
    finished: bool = False,
    key: str | None = None,
    **flags: Any,
) -> ParsedRow:
    r = ParsedRow(
        excel_row=excel_row,
        raw={"name": name},
        name=name,
        total=total,
        completed=completed,
        unit=unit,
        start_text=None if start is None else str(start),
        start_class=start,
        finished=finished,
        registered=registered,
        **flags,
    )
    r.project_key = key
    return r


def add(
    conn: sqlite3.Connection,
    district: str,
    month: str,
    table: Table,
    rows: list[ParsedRow],
    *,
    file: str | None = None,
    day: int = 20,
) -> int:
    file = file or f"{district}-{month}-{table}.xlsx"
    y, m = map(int, month.split("-"))
    sub = Submission(
        file_name=file,
        file_path=f"/inbox/{file}",
        sha256=f"sha-{file}-{day}",
        sheet="附件3" if table is C else "附件2",
        identity=Identity(district, month, table, {"district": "文件名"}),
        received_at=datetime(y, m, day, 9),
        header_row=3,
        columns=COLUMNS[table],
        rows=rows,
        findings=[],
    )
    with transaction(conn):
        return insert_submission(conn, sub)


def issue_key(
    conn: sqlite3.Connection, key: str, district: str, submission_id: int, excel_row: int
):
    row_id = conn.execute(
        "SELECT id FROM rows WHERE submission_id = ? AND excel_row = ?", (submission_id, excel_row)
    ).fetchone()[0]
    with transaction(conn):
        conn.execute(
            "INSERT INTO project_keys (key, district, row_id, month, issued_at)"
            " VALUES (?, ?, ?, '2020-05', '2020-04-30 10:00:00')",
            (key, district, row_id),
        )
    return row_id


def codes(view) -> list[tuple[str, str, int | None, str | None]]:
    return [(f.code, f.project, f.row, f.column) for f in view.findings]


# ------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("年产10万吨 铜箔项目(一期)", "年产10万吨铜箔项目（一期）"),
        ("年产１０万吨铜箔项目【一期】", "年产10万吨铜箔项目（一期）"),
        ("年产10万吨\n铜箔项目", "年产10万吨铜箔项目"),
    ],
)
def test_names_normalise_to_one_form(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_close_names():
    assert close_names(normalise_name("铜箔扩建项目"), normalise_name("铜箔扩建项目（一期）"))
    assert close_names("年产5万吨高端铜板带项目", "年产5万吨高端铜板带工程")
    assert not close_names("铜箔扩建项目", "光学膜生产线项目")
    assert not close_names("铜箔项目", "铜箔项目")


# ---------------------------------------------------------------------- identity


def test_same_normalised_name_is_one_project_across_tables_and_months(ledger, targets):
    add(ledger, "经开区", "2020-03", P, [row(4, "铜箔 项目(一期)", 30000)])
    add(ledger, "经开区", "2020-05", C, [row(4, "铜箔项目（一期）", 30000, 3000, NEW)])
    add(ledger, "枞阳县", "2020-05", C, [row(4, "铜箔项目（一期）", 30000, 100, NEW)])
    view = year_view(ledger, Month(2020, 5), targets)
    by = {(p.district, p.name): p for p in view.projects}
    assert set(by) == {("经开区", "铜箔项目（一期）"), ("枞阳县", "铜箔项目（一期）")}
    jk = by["经开区", "铜箔项目（一期）"]
    assert (jk.first_planned, jk.first_construction, jk.started) == (
        "2020-03",
        "2020-05",
        "2020-05",
    )
    assert jk.names == ()  # the same name once normalised
    assert jk.completed_investment == {"2020-05": 3000.0}


def test_key_keeps_a_renamed_project_and_lists_its_earlier_name(ledger, targets):
    april = add(ledger, "经开区", "2020-04", C, [row(4, "铜箔项目", 30000, 1000, NEW)])
    issue_key(ledger, "GJAAAAAAAAAA", "经开区", april, 4)
    add(
        ledger,
        "经开区",
        "2020-05",
        C,
        [row(4, "铜箔产业园项目", 30000, 2000, NEW, key="GJAAAAAAAAAA")],
    )
    view = year_view(ledger, Month(2020, 5), targets)
    [p] = view.projects
    assert (p.name, p.names, p.key) == ("铜箔产业园项目", ("铜箔项目",), "GJAAAAAAAAAA")
    assert p.completed_investment == {"2020-04": 1000.0, "2020-05": 2000.0}
    # noted as a rename (info), neither dropped nor a possible rename
    assert codes(view) == [("renamed", "铜箔产业园项目", 4, "B")]
    assert view.findings[0].severity == "info" and "铜箔项目" in view.findings[0].message


def test_unknown_or_foreign_key_is_ignored(ledger, targets):
    april = add(ledger, "经开区", "2020-04", C, [row(4, "铜箔项目", 30000, 1000, NEW)])
    issue_key(ledger, "GJAAAAAAAAAA", "经开区", april, 4)
    add(ledger, "枞阳县", "2020-05", C, [row(4, "水泥项目", 30000, 10, NEW, key="GJAAAAAAAAAA")])
    add(ledger, "经开区", "2020-05", C, [row(4, "光学膜项目", 30000, 5, NEW, key="GJBBBBBBBBBB")])
    view = year_view(ledger, Month(2020, 5), targets)
    assert sorted((p.district, p.name) for p in view.projects) == [
        ("枞阳县", "水泥项目"),
        ("经开区", "光学膜项目"),
        ("经开区", "铜箔项目"),
    ]
    assert [c[0] for c in codes(view)] == ["project-dropped"]  # 铜箔项目 is not in May


def test_row_projects_gives_the_projects_key_to_rows_without_one(ledger):
    april = add(ledger, "经开区", "2020-04", C, [row(4, "铜箔项目"), row(5, "光学膜项目")])
    issue_key(ledger, "GJAAAAAAAAAA", "经开区", april, 4)
    may = add(ledger, "经开区", "2020-05", C, [row(4, "铜箔项目"), row(5, "光学膜项目")])
    ids = [
        r[0]
        for r in ledger.execute(
            "SELECT id FROM rows WHERE submission_id = ? ORDER BY excel_row", (may,)
        )
    ]
    found = row_projects(ledger, "经开区", Month(2020, 6), ids)
    assert [found[i].key for i in ids] == ["GJAAAAAAAAAA", None]
    assert found[ids[1]].first_seen == "2020-04|construction|光学膜项目"


def test_possible_rename_warns_and_never_merges(ledger, targets):
    add(ledger, "经开区", "2020-04", C, [row(4, "铜箔扩建项目", 30000, 1000, NEW)])
    add(ledger, "经开区", "2020-05", C, [row(6, "铜箔扩建项目（一期）", 30000, 2000, NEW)])
    view = year_view(ledger, Month(2020, 5), targets)
    assert len(view.projects) == 2
    assert ("possible-rename", "铜箔扩建项目（一期）", 6, "B") in codes(view)
    f = next(f for f in view.findings if f.code == "possible-rename")
    assert "铜箔扩建项目" in f.message and f.severity == "warning"


def test_no_possible_rename_for_another_unit_or_when_both_names_stay(ledger, targets):
    add(ledger, "经开区", "2020-04", C, [row(4, "铜箔扩建项目", unit="甲公司"), row(5, "光膜项目")])
    add(
        ledger,
        "经开区",
        "2020-05",
        C,
        [
            row(4, "铜箔扩建项目（一期）", unit="乙公司"),
            row(5, "光膜项目"),
            row(6, "光膜项目（二期）"),
        ],
    )
    assert [
        c for c in codes(year_view(ledger, Month(2020, 5), targets)) if c[0] == "possible-rename"
    ] == []


def test_name_pair_file_merges_two_names(ledger, targets, tmp_path):
    add(ledger, "经开区", "2020-04", C, [row(4, "铜箔扩建项目", 30000, 1000, NEW)])
    add(ledger, "经开区", "2020-05", C, [row(4, "铜陵铜箔二期", 30000, 2500, NEW)])
    path = tmp_path / "pairs.csv"
    path.write_text("县区,原名称,新名称\n经开区,铜箔扩建项目,铜陵铜箔二期\n", encoding="gbk")
    pairs = load_pairs(path, targets)
    assert pairs == (NamePair("经开区", "铜箔扩建项目", "铜陵铜箔二期", 2),)
    apart = year_view(ledger, Month(2020, 5), targets)
    assert len(apart.projects) == 2 and "project-dropped" in [c[0] for c in codes(apart)]
    merged = year_view(ledger, Month(2020, 5), targets, pairs=pairs)
    [p] = merged.projects
    assert (p.name, p.names) == ("铜陵铜箔二期", ("铜箔扩建项目",))
    assert p.completed_investment == {"2020-04": 1000.0, "2020-05": 2500.0}
    assert codes(merged) == [("renamed", "铜陵铜箔二期", 4, "B")]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("县区,原名称,新名称\n经开区,甲,乙\n火星区,甲,乙\n", "第3行"),
        ("县区,原名称,新名称\n经开区,甲项目,\n", "第2行"),
        ("县区,原名称,新名称\n经开区,甲项目, 甲 项目\n", "第2行"),
        ("区,旧,新\n", "第1行"),
    ],
)
def test_bad_name_pair_file_names_the_line(targets, tmp_path, text, line):
    path = tmp_path / "pairs.csv"
    path.write_text(text, encoding="utf-8-sig")
    with pytest.raises(TargetsError, match=line):
        load_pairs(path, targets)


# ----------------------------------------------------------------- cross-month checks


def _april_may(conn: sqlite3.Connection, may_rows: list[ParsedRow], *, may_first: bool = False):
    april = [
        row(4, "甲项目", 30000, 5000, NEW, registered=True),
        row(5, "乙项目", 30000, 1000, CONT, registered=True),
        row(6, "丙项目", 20000, 800, NOT),
        row(7, "丁项目", 40000, 900, CONT, finished=True),
        row(8, "戊项目", 50000, 100, NEW),
    ]
    steps = [("2020-05", may_rows), ("2020-04", april)]
    for month, rows in steps if may_first else reversed(steps):
        add(conn, "经开区", month, C, rows)


MAY_ROWS = [
    row(4, "甲项目", 30000, 4000, NEW, registered=True),  # completed-decreased (F4)
    row(
        5, "乙项目", 33000, 1200, NEW, registered=False
    ),  # revoked H5, switched G5, total +10 % exactly
    row(6, "丙项目", 20000, 900, NEW),  # 未开工 → 新开工 is normal
    # 丁项目 dropped but marked 竣工 in April: no finding; 戊项目 dropped: project-dropped
    row(7, "己项目", 10000, 0, NEW),
]
EXPECTED = [
    ("completed-decreased", "甲项目", 4, "F"),
    ("registered-revoked", "乙项目", 5, "H"),
    ("start-class-changed", "乙项目", 5, "G"),
    ("project-dropped", "戊项目", None, None),
]


def test_each_construction_check_names_row_and_column(ledger, targets):
    _april_may(ledger, MAY_ROWS)
    view = year_view(ledger, Month(2020, 5), targets)
    assert codes(view) == EXPECTED
    decreased = view.findings[0]
    assert (decreased.value, decreased.table, decreased.month, decreased.district) == (
        "4000",
        C,
        "2020-05",
        "经开区",
    )
    assert "5000" in decreased.message


def test_checks_do_not_depend_on_the_order_months_were_collected(ledger, targets, tmp_path):
    from gongjian_cli.ledger import open_ledger

    other = open_ledger(tmp_path / "other.db")
    _april_may(ledger, MAY_ROWS)
    _april_may(other, MAY_ROWS, may_first=True)
    a = year_view(ledger, Month(2020, 5), targets)
    b = year_view(other, Month(2020, 5), targets)
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]
    assert a.to_dict()["projects"] == b.to_dict()["projects"]
    other.close()


def test_total_changed_only_beyond_ten_percent(ledger, targets):
    add(ledger, "经开区", "2020-04", P, [row(4, "甲谋划", 100000), row(5, "乙谋划", 100000)])
    add(ledger, "经开区", "2020-05", P, [row(4, "甲谋划", 110000), row(5, "乙谋划", 110001)])
    assert codes(year_view(ledger, Month(2020, 5), targets)) == [
        ("total-changed", "乙谋划", 5, "C")
    ]


def test_planned_dropped_unless_it_moved_to_construction(ledger, targets):
    add(ledger, "经开区", "2020-04", P, [row(4, "甲谋划", 100000), row(5, "乙谋划", 100000)])
    add(ledger, "经开区", "2020-05", P, [row(4, "丙谋划", 100000)])
    add(ledger, "经开区", "2020-05", C, [row(4, "乙谋划", 100000, 10, NEW)])
    assert codes(year_view(ledger, Month(2020, 5), targets)) == [
        ("planned-dropped", "甲谋划", None, None)
    ]


def test_no_checks_in_january_or_for_a_carried_month(ledger, targets):
    add(ledger, "经开区", "2020-01", C, [row(4, "甲项目", 30000, 500, NEW)])
    assert codes(year_view(ledger, Month(2020, 1), targets)) == []
    # February not returned: carried, so nothing of February to check
    assert codes(year_view(ledger, Month(2020, 2), targets)) == []
    # March is compared with January, carried into February
    add(ledger, "经开区", "2020-03", C, [row(4, "甲项目", 30000, 400, NEW)])
    assert codes(year_view(ledger, Month(2020, 3), targets)) == [
        ("completed-decreased", "甲项目", 4, "F")
    ]


# -------------------------------------------------------------- conversion, register


def test_conversion_funnel_per_district_and_city(ledger, targets):
    add(ledger, "经开区", "2020-03", P,
        [row(4, "甲", 100000), row(5, "乙", 100000), row(6, "丙", 100000),
         row(7, "不足一亿", 5000, excluded=True)])  # fmt: skip
    add(ledger, "经开区", "2020-04", P, [row(4, "甲", 100000)])  # 乙、丙 dropped: still planned
    add(ledger, "经开区", "2020-05", C,
        [row(4, "甲", 100000, 10, NEW, registered=True),
         row(5, "乙", 100000, 0, NOT, registered=False),
         row(6, "不足一亿", 5000, 0, NEW, registered=True)])  # fmt: skip
    add(ledger, "枞阳县", "2020-05", P, [row(4, "丁", 100000)])
    view = year_view(ledger, Month(2020, 5), targets)
    conv = view.to_dict()["conversion"]
    assert conv["经开区"] == {
        "planned": 3, "in_construction": 2, "started": 1, "registered": 1, "rate": 0.3333,
    }  # fmt: skip
    assert conv["枞阳县"] == {
        "planned": 1, "in_construction": 0, "started": 0, "registered": 0, "rate": 0.0,
    }  # fmt: skip
    assert conv["郊区"]["rate"] is None
    assert conv["全市"] == {
        "planned": 4, "in_construction": 2, "started": 1, "registered": 1, "rate": 0.25,
    }  # fmt: skip
    # as of April nothing is under construction yet
    assert year_view(ledger, Month(2020, 4), targets).conversion["经开区"].in_construction == 0


def test_register_json_line(ledger, targets):
    add(ledger, "经开区", "2020-03", P, [row(4, "铜箔项目", 42000, unit="铜箔公司")])
    add(ledger, "经开区", "2020-05", C, [row(4, "铜箔项目", 42000, 3000, NOT, unit="铜箔公司")])
    add(ledger, "经开区", "2020-06", C,
        [row(4, "铜箔项目", 42000, 4500, NEW, unit="铜箔公司", registered=True)])  # fmt: skip
    data = json.loads(json.dumps(year_view(ledger, Month(2020, 6), targets).to_dict()))
    assert data["month"] == "2020-06"
    assert data["projects"] == [
        {
            "district": "经开区",
            "name": "铜箔项目",
            "names": [],
            "unit": "铜箔公司",
            "total_investment": 42000.0,
            "first_planned": "2020-03",
            "first_construction": "2020-05",
            "started": "2020-06",
            "registered": "2020-06",
            "completed": None,
            "completed_investment": {"2020-05": 3000.0, "2020-06": 4500.0},
        }
    ]
    assert data["findings"] == []


def test_register_lists_only_projects_seen_in_a_valid_row(ledger, targets):
    add(
        ledger,
        "经开区",
        "2020-05",
        P,
        [row(4, "不足一亿", 5000, excluded=True), row(5, "甲", 10000)],
    )
    assert [p.name for p in year_view(ledger, Month(2020, 5), targets).projects] == ["甲"]


def test_later_months_do_not_leak_into_an_earlier_register(ledger, targets):
    add(ledger, "经开区", "2020-04", C, [row(4, "甲", 30000, 100, NEW)])
    add(ledger, "经开区", "2020-06", C, [row(4, "甲", 30000, 900, NEW), row(5, "乙", 30000)])
    view = year_view(ledger, Month(2020, 5), targets)
    assert [(p.name, p.completed_investment) for p in view.projects] == [("甲", {"2020-04": 100.0})]
    assert view.months == ("2020-01", "2020-02", "2020-03", "2020-04", "2020-05")


def test_resolution_of_a_ledger_with_superseded_files_uses_the_latest(ledger):
    add(ledger, "经开区", "2020-05", C, [row(4, "旧名称")], day=10)
    add(ledger, "经开区", "2020-05", C, [row(4, "新名称")], day=20)
    res = resolve(ledger, Month(2020, 5))
    assert [r.name for r in res.rows] == ["新名称"]


def test_schema_2_ledger_is_migrated_to_3(tmp_path: Path):
    from gongjian_cli.ledger import (
        _SCHEMA_V1,
        _SCHEMA_V2,
        SCHEMA_VERSION,
        open_ledger,
        schema_version,
    )

    path = tmp_path / "v2.db"
    old = sqlite3.connect(path)
    old.executescript(_SCHEMA_V1 + _SCHEMA_V2)
    old.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    old.execute(
        "INSERT INTO submissions (id, file_name, file_path, sheet, district, month, table_kind,"
        " status, received_at, collected_at, row_count) VALUES (1, 'a.xlsx', '/a.xlsx',"
        " 'Sheet1', '经开区', '2020-04', 'construction', 'accepted', '2020-04-20 10:00:00',"
        " '2020-04-21 10:00:00', 1)"
    )
    old.execute(
        "INSERT INTO rows (id, submission_id, excel_row, name, total, completed)"
        " VALUES (7, 1, 4, '项目甲', 30000, 1200)"
    )
    old.commit()
    old.close()
    conn = open_ledger(path)
    assert schema_version(conn) == SCHEMA_VERSION  # migrated on to the current version
    assert tuple(conn.execute("SELECT id, name, completed, project_key FROM rows").fetchone()) == (
        7, "项目甲", 1200.0, None,
    )  # fmt: skip
    assert conn.execute("SELECT count(*) FROM project_keys").fetchone()[0] == 0
    # and the year reads it
    [r] = resolve(conn, Month(2020, 4)).rows
    assert (r.name, r.completed, r.table) == ("项目甲", 1200.0, C)
    conn.close()


def test_collect_time_checks_agree_with_the_register(ledger, targets):
    """collect compares in SQL when every row matches last month's by name (fast path),
    else through the full resolution: both give the register's findings."""
    from gongjian_cli.year.checks import _matched_by_name, check_recorded

    april = add(ledger, "经开区", "2020-04", C, [
        row(4, "甲项目", 30000, 5000, NEW, registered=True),
        row(5, "乙 项目", 30000, 1000, CONT, registered=True),
        row(6, "丙项目", 20000, 800, NOT),
    ])  # fmt: skip
    may = add(ledger, "经开区", "2020-05", C, [
        row(4, "甲项目", 30000, 4000, NEW, registered=True),
        row(5, "乙项目", 34000, 1200, NEW, registered=False),
        row(6, "丙项目", 20000, 900, NEW),
    ])  # fmt: skip
    fast = _matched_by_name(ledger, may, april, "经开区", C, 2020)
    assert fast is not None  # every name matches: compared in SQL
    register = year_view(ledger, Month(2020, 5), targets).findings
    as_found = check_recorded(ledger, [may], year=2020)[may]
    assert [(f.code, f.row, f.column, f.message) for f in fast] == [
        (f.code, f.row, f.column, f.message) for f in register
    ]
    assert [(f.code, f.row, f.column, f.value) for f in as_found] == [
        ("completed-decreased", 4, "F", "4000"),
        ("registered-revoked", 5, "H", "否"),
        ("start-class-changed", 5, "G", "新开工"),
        ("total-changed", 5, "E", "34000"),
    ]
    # a new project: no fast path; the full resolution gives the same findings plus it
    june = add(
        ledger, "经开区", "2020-06", C, [row(4, "甲项目", 30000, 3000, NEW), row(5, "丁项目")]
    )
    assert _matched_by_name(ledger, june, may, "经开区", C, 2020) is None
    got = [(f.code, f.row) for f in check_recorded(ledger, [june], year=2020)[june]]
    assert got == [
        ("completed-decreased", 4),
        ("registered-revoked", 4),  # 是否入库 left blank in June
        ("project-dropped", None),  # 乙项目
        ("project-dropped", None),  # 丙项目
    ]


def test_check_recorded_reuses_an_earlier_pass_where_nothing_since_can_change_it(
    ledger, monkeypatch
):
    """An earlier pass is reused for a submission unless one of its district for its month
    or before was accepted since; the result equals a single pass over the ledger now."""
    import gongjian_cli.year.checks as checks

    april = add(ledger, "经开区", "2020-04", C, [row(4, "甲项目", 30000, 5000, NEW)])
    may = add(ledger, "经开区", "2020-05", C, [row(4, "甲项目", 30000, 4000, NEW)])
    other = add(ledger, "郊区", "2020-05", C, [row(4, "乙项目", 30000, 900, NEW)])
    early = checks.check_recorded(ledger, [april, may, other], year=2020)
    assert [f.code for f in early[may]] == ["completed-decreased"]
    checked = []
    real = checks._check_one
    monkeypatch.setattr(
        checks, "_check_one", lambda conn, sid, *a: (checked.append(sid), real(conn, sid, *a))[1]
    )
    june = add(ledger, "经开区", "2020-06", C, [row(4, "甲项目", 30000, 6000, NEW)])
    again = checks.check_recorded(ledger, [april, may, other, june], year=2020, earlier=early)
    assert checked == [june]  # a later month of 经开区 changes neither April nor May
    assert again.findings == early.findings
    # 郊区's April arrives: only 郊区's May is checked again, and now has a finding
    checked.clear()
    add(ledger, "郊区", "2020-04", C, [row(4, "乙项目", 30000, 1000, NEW)])
    final = checks.check_recorded(ledger, [april, may, other, june], year=2020, earlier=again)
    assert checked == [other]
    assert [f.code for f in final[other]] == ["completed-decreased"]
    assert (
        final.findings
        == checks.check_recorded(ledger, [april, may, other, june], year=2020).findings
    )
