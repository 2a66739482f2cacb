"""Prefilled templates: May's workbooks filled from April's ledger, and back again.

April's returns are built with openpyxl (``test_collect`` helpers) and collected into a
ledger; ``gongjian init-templates --month 2020-05`` then prefills each district's
workbooks. The tests read them back with openpyxl, fill in a workbook as a district
would (and re-save it through LibreOffice as .xlsx and .xls), collect it, and check that
every row came back with the key it went out with.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from office import soffice_convert
from test_collect import set_received, write_table

from gongjian_cli import template
from gongjian_cli.cli import cli
from gongjian_cli.collect import collect_inbox
from gongjian_cli.identify import IdentifyOptions
from gongjian_cli.ledger import open_ledger
from gongjian_cli.metadata import read_template_meta
from gongjian_cli.models import TemplateMeta
from gongjian_cli.month import Month
from gongjian_cli.schema import (
    PREVIOUS_COMPLETED_HEADER,
    PROJECT_KEY_HEADER,
    PROJECT_KEY_PATTERN,
    Table,
)
from gongjian_cli.year.prefill import prefill_rows, start_choice

MAY = Month(2020, 5)
APRIL_RECEIVED = datetime(2020, 4, 20, 10, 0)
MAY_RECEIVED = datetime(2020, 5, 20, 10, 0)
KEY = re.compile(PROJECT_KEY_PATTERN)

# 义安区's April 附件3: seq, name, unit, scope, total, completed, start, registered, issues
CONSTRUCTION_APRIL = (
    (1, "铜冠电子铜箔二期", "铜冠公司", "新建厂房2万平方米", 30000, 12000, "续建", "是", "无"),
    (2, "智能装备产业园", "装备公司", "新建厂房", 20000, 5000, "2020年3月开工", "否", "用地待批"),
    (3, "铜材精深加工项目", "铜材公司", "技术改造", 15000, 15000, "续建（已竣工）", "是", ""),
    (4, "智能装备 产业园", "装备公司", "重复的一行", 20000, 5000, "新开工", "否", ""),
    (5, "", "某公司", "没有名称的一行", 8000, 100, "新开工", "是", ""),
    (6, "前期项目", "前期公司", "", 5000, "", "前期手续办理中", "", ""),
    (7, "约数项目", "约数公司", "", 9000, "约3000", "新开工", "是", ""),
)
# what May's 附件3 lists: (name, unit, scope, total, start, registered, issues, last month)
CONSTRUCTION_MAY = [
    ("铜冠电子铜箔二期", "铜冠公司", "新建厂房2万平方米", 30000, "续建", "是", "无", 12000),
    ("智能装备产业园", "装备公司", "新建厂房", 20000, "新开工", "否", "用地待批", 5000),
    ("铜材精深加工项目", "铜材公司", "技术改造", 15000, "续建（已竣工）", "是", None, 15000),
    ("前期项目", "前期公司", None, 5000, "前期手续办理中", None, None, None),
    ("约数项目", "约数公司", None, 9000, "新开工", "是", None, "约3000"),
]
# 义安区's April 附件2 (所属区域 written as the alias 义安 once)
PLANNED_APRIL = (
    (
        1,
        "年产5万吨铜箔项目",
        50000,
        "义安",
        "新建厂房",
        "已备案",
        "开工",
        "铜箔公司",
        "张三",
        "区经信局",
    ),
    (
        2,
        "高端铜合金线材项目",
        120000,
        "义安区",
        "新建产线",
        "环评中",
        "投产",
        "合金公司",
        "李四",
        "",
    ),
    (3, "智能装备产业园", 20000, "义安区", "新建厂房", "已开工", "竣工", "装备公司", "王五", ""),
)
PLANNED_MAY = [
    (
        "年产5万吨铜箔项目",
        50000,
        "义安区",
        "新建厂房",
        "已备案",
        "开工",
        "铜箔公司",
        "张三",
        "区经信局",
    ),
    (
        "高端铜合金线材项目",
        120000,
        "义安区",
        "新建产线",
        "环评中",
        "投产",
        "合金公司",
        "李四",
        None,
    ),
    ("智能装备产业园", 20000, "义安区", "新建厂房", "已开工", "竣工", "装备公司", "王五", None),
]
# 经开区 sent only an 附件3 in April; 枞阳县 sent nothing
JINGKAI_APRIL = ((1, "经开区新材料项目", "新材料公司", "新建", 40000, 8000, "续建", "是", ""),)


def _collect(inbox: Path, db: Path, targets) -> None:
    conn = open_ledger(db)
    try:
        collect_inbox(inbox, conn, targets=targets, options=IdentifyOptions(), feedback_dir=None)
    finally:
        conn.close()


@pytest.fixture
def april(tmp_path, targets) -> Path:
    """A ledger holding 义安区's April 附件2 and 附件3 and 经开区's April 附件3."""
    inbox = tmp_path / "april"
    write_table(
        inbox / "义安区-2020年4月-附件3.xlsx",
        Table.CONSTRUCTION,
        CONSTRUCTION_APRIL,
        received=APRIL_RECEIVED,
    )
    write_table(
        inbox / "义安区-2020年4月-附件2.xlsx", Table.PLANNED, PLANNED_APRIL, received=APRIL_RECEIVED
    )
    write_table(
        inbox / "经开区-2020年4月-附件3.xlsx",
        Table.CONSTRUCTION,
        JINGKAI_APRIL,
        received=APRIL_RECEIVED,
    )
    db = tmp_path / "gongjian.db"
    _collect(inbox, db, targets)
    return db


def init(db: Path, out: Path, *args: str, month: str = "2020-05"):
    result = CliRunner().invoke(
        cli, ["--db", str(db), "init-templates", "--month", month, "--out", str(out), *args]
    )
    assert result.exit_code == 0, result.output
    return result


def book(out: Path, targets, district: str, table: Table, month: Month = MAY) -> Path:
    return out / template.template_filename(targets, district, month, table)


def issued(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT k.key, k.district, k.month, s.table_kind, r.name FROM project_keys k"
            " JOIN rows r ON r.id = k.row_id JOIN submissions s ON s.id = r.submission_id"
            " ORDER BY k.rowid"
        ).fetchall()
    finally:
        conn.close()


def _validations(ws) -> set[tuple[str, str]]:
    return {(str(dv.sqref), dv.type) for dv in ws.data_validations.dataValidation}


def _blank_sheet(tmp_path: Path, targets, table: Table):
    path = template.build_template(
        tmp_path / f"blank-{table}.xlsx", targets=targets, district="义安区", month=MAY, table=table
    )
    return openpyxl.load_workbook(path).worksheets[0]


# ------------------------------------------------------------------------- the workbook


def test_construction_lists_last_months_rows_with_keys(april, tmp_path, targets):
    out = tmp_path / "out"
    result = init(april, out)
    path = book(out, targets, "义安区", Table.CONSTRUCTION)
    assert f"{path}\t预填 5 个项目（2020年4月报表）" in result.stdout.splitlines()

    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert read_template_meta(path) == TemplateMeta("义安区", "2020-05", Table.CONSTRUCTION, "1")
    header = [c.value for c in ws[template.HEADER_ROW]]
    assert header[9:] == [PREVIOUS_COMPLETED_HEADER, PROJECT_KEY_HEADER]

    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4, max_row=9, max_col=11)]
    got = [(r[1], r[2], r[3], r[4], r[6], r[7], r[8], r[9]) for r in rows[:5]]
    assert got == CONSTRUCTION_MAY
    assert [r[0] for r in rows[:5]] == [1, 2, 3, 4, 5]  # 序号 renumbered
    assert [r[5] for r in rows[:5]] == [None] * 5  # 2020年完成投资 blank, to update
    keys = [r[10] for r in rows[:5]]
    assert all(KEY.fullmatch(k) for k in keys) and len(set(keys)) == 5
    assert rows[5] == [None] * 11  # nothing below: room for new projects

    # the key column is hidden and locked; the reference column locked; the rest editable
    assert ws.column_dimensions["K"].hidden is True
    assert not ws.column_dimensions["J"].hidden
    assert ws["K4"].protection.locked and ws["J4"].protection.locked
    assert ws["K3"].protection.locked and ws["J3"].protection.locked
    assert not any(ws.cell(4, c).protection.locked for c in range(1, 10))
    assert not ws["F4"].protection.locked and not ws["B9"].protection.locked
    assert ws.protection.sheet is True
    # as in the blank template: validations, print titles; the filter spans the key
    assert _validations(ws) == _validations(_blank_sheet(tmp_path, targets, Table.CONSTRUCTION))
    assert ws.print_title_rows == "$1:$3"
    assert ws.auto_filter.ref == "A3:K203"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:J1", "A2:J2"}

    # each key recorded for 义安区 and May, for the row of its project (智能装备产业园's
    # was issued for its 附件2 row just before: one project, one key)
    recorded = {k: (district, month, name) for k, district, month, _, name in issued(april)}
    assert [recorded[k] for k in keys] == [
        ("义安区", "2020-05", row[0]) for row in CONSTRUCTION_MAY
    ]

    notes = "\n".join(c.value or "" for c in wb["填报说明"]["A"])
    assert "2020年4月报送的在建项目" in notes
    assert "累计完成投资" in notes
    assert PROJECT_KEY_HEADER in notes and "请勿删除" in notes
    assert "已竣工" in notes and "不要删除" in notes


def test_planned_lists_every_column_but_seq(april, tmp_path, targets):
    out = tmp_path / "out"
    init(april, out)
    ws = openpyxl.load_workbook(book(out, targets, "义安区", Table.PLANNED)).worksheets[0]
    header = [c.value for c in ws[template.HEADER_ROW]]
    assert header[10:] == [PROJECT_KEY_HEADER]  # no reference column on 附件2
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4, max_row=7, max_col=11)]
    assert [r[0] for r in rows[:3]] == [1, 2, 3]
    assert [tuple(r[1:10]) for r in rows[:3]] == PLANNED_MAY
    assert rows[3] == [None] * 11
    assert ws.column_dimensions["K"].hidden is True and ws["K4"].protection.locked
    assert _validations(ws) == _validations(_blank_sheet(tmp_path, targets, Table.PLANNED))

    # one project, one key: 智能装备产业园 is in both of 义安区's tables
    c3 = openpyxl.load_workbook(book(out, targets, "义安区", Table.CONSTRUCTION)).worksheets[0]
    assert rows[2][10] == c3["K5"].value and c3["B5"].value == "智能装备产业园"


def test_prefilling_twice_gives_the_same_keys(april, tmp_path, targets):
    first, second = tmp_path / "first", tmp_path / "second"
    init(april, first)
    before = issued(april)
    init(april, second)
    assert issued(april) == before
    for table in Table:
        a = openpyxl.load_workbook(book(first, targets, "义安区", table)).worksheets[0]
        b = openpyxl.load_workbook(book(second, targets, "义安区", table)).worksheets[0]
        key_col = "K"
        assert [a[f"{key_col}{r}"].value for r in range(4, 9)] == [
            b[f"{key_col}{r}"].value for r in range(4, 9)
        ]


def test_blank_flag_writes_blank_templates_and_issues_no_key(april, tmp_path, targets):
    out = tmp_path / "out"
    result = init(april, out, "--blank")
    assert all(line.endswith("\t空白") for line in result.stdout.splitlines())
    assert "预填 0 个，空白 10 个" in result.stderr
    assert issued(april) == []
    for table in Table:
        ws = openpyxl.load_workbook(book(out, targets, "义安区", table)).worksheets[0]
        assert ws["B4"].value is None
        assert PROJECT_KEY_HEADER not in [c.value for c in ws[template.HEADER_ROW]]


def test_a_district_with_nothing_before_gets_blank_templates(april, tmp_path, targets):
    out = tmp_path / "out"
    result = init(april, out)
    lines = dict(line.split("\t") for line in result.stdout.splitlines())
    assert lines[str(book(out, targets, "枞阳县", Table.PLANNED))] == "空白"
    assert lines[str(book(out, targets, "枞阳县", Table.CONSTRUCTION))] == "空白"
    assert lines[str(book(out, targets, "经开区", Table.PLANNED))] == "空白"
    assert lines[str(book(out, targets, "经开区", Table.CONSTRUCTION))].startswith("预填 1 个")
    assert "预填 3 个，空白 7 个" in result.stderr
    ws = openpyxl.load_workbook(book(out, targets, "枞阳县", Table.CONSTRUCTION)).worksheets[0]
    assert [c.value for c in ws[template.HEADER_ROW]][9:] == []
    assert all(c.value is None for row in ws.iter_rows(min_row=4, max_row=203) for c in row)


def test_without_a_ledger_no_ledger_is_created(tmp_path, targets):
    db = tmp_path / "none.db"
    out = tmp_path / "out"
    result = init(db, out, "--district", "义安区")
    assert not db.exists()
    assert "none.db" in result.stderr and "空白" in result.stderr
    assert [line.split("\t")[1] for line in result.stdout.splitlines()] == ["空白", "空白"]


def test_carried_table_prefills_from_the_month_it_came_from(april, tmp_path, targets):
    out = tmp_path / "out"
    result = init(april, out, "--district", "义安区", month="2020-06")
    june = Month(2020, 6)
    path = book(out, targets, "义安区", Table.CONSTRUCTION, june)
    assert f"{path}\t预填 5 个项目（2020年4月报表）" in result.stdout.splitlines()
    assert {row[2] for row in issued(april)} == {"2020-06"}


def test_january_and_start_choices(april, targets):
    conn = open_ledger(april)
    try:
        assert prefill_rows(conn, targets, "义安区", Month(2020, 1), Table.CONSTRUCTION) == []
        assert len(prefill_rows(conn, targets, "义安区", MAY, Table.CONSTRUCTION)) == 5
    finally:
        conn.close()
    assert start_choice("new", True, "x") == "新开工（已竣工）"
    assert start_choice("continuing", False, "x") == "续建"
    assert start_choice("not_started", False, "计划6月开工") == "未开工"
    assert start_choice(None, False, " 已开工 ") == "已开工"
    assert start_choice(None, False, None) is None


# ------------------------------------------------------------------------- the way back


def _fill_in(path: Path, dest: Path) -> Path:
    """What a district does: 2020年完成投资 for every project but 前期项目 (left blank),
    one project renamed; saved with openpyxl (as Excel would)."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for row, value in zip((4, 5, 6, 8), (14000, 6500, 15000, 3500), strict=True):
        ws[f"F{row}"] = value
    ws["B4"] = "铜冠电子铜箔二期（扩建）"
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    return dest


@pytest.mark.parametrize(
    "route",
    [
        pytest.param((), id="openpyxl"),
        pytest.param(("xlsx",), id="libreoffice-xlsx", marks=pytest.mark.soffice),
        pytest.param(("xls",), id="libreoffice-xls", marks=pytest.mark.soffice),
    ],
)
def test_returned_rows_keep_their_keys(april, tmp_path, targets, request, route):
    if route:
        request.getfixturevalue("need_soffice")
    out = tmp_path / "out"
    init(april, out, "--district", "义安区")
    sent = book(out, targets, "义安区", Table.CONSTRUCTION)
    ws = openpyxl.load_workbook(sent).worksheets[0]
    keys = [ws[f"K{r}"].value for r in range(4, 9)]

    path = _fill_in(sent, tmp_path / "filled" / sent.name)
    for step, fmt in enumerate(route):
        path = soffice_convert([path], fmt, tmp_path / f"lo{step}", tmp_path / "lo-profile")
        path = path[0]
    inbox = tmp_path / "may"
    inbox.mkdir()
    returned = inbox / path.name
    shutil.copy(path, returned)
    set_received(returned, MAY_RECEIVED)
    _collect(inbox, april, targets)

    conn = sqlite3.connect(april)
    conn.row_factory = sqlite3.Row
    sub = conn.execute(
        "SELECT id, district, month, table_kind, identified_by FROM submissions"
        " WHERE month = '2020-05' AND status = 'accepted'"
    ).fetchall()
    assert len(sub) == 1
    assert (sub[0]["district"], sub[0]["month"], sub[0]["table_kind"]) == (
        "义安区",
        "2020-05",
        "construction",
    )
    assert set(json.loads(sub[0]["identified_by"]).values()) == {"模板元数据"}
    rows = conn.execute(
        "SELECT excel_row, name, completed, project_key FROM rows WHERE submission_id = ?"
        " ORDER BY excel_row",
        (sub[0]["id"],),
    ).fetchall()
    assert [r["project_key"] for r in rows] == keys
    assert [r["name"] for r in rows] == [
        "铜冠电子铜箔二期（扩建）",
        "智能装备产业园",
        "铜材精深加工项目",
        "前期项目",
        "约数项目",
    ]
    # the figures typed in, not last month's reference column; blank counts 0
    assert [r["completed"] for r in rows] == [14000, 6500, 15000, 0, 3500]
    blank = conn.execute(
        "SELECT code, excel_row, col FROM findings WHERE submission_id = ?"
        " AND code = 'completed-blank'",
        (sub[0]["id"],),
    ).fetchall()
    assert [tuple(f) for f in blank] == [("completed-blank", 7, "F")]
    conn.close()


def test_two_ledgers_with_the_same_returns_issue_the_same_keys(april, tmp_path, targets):
    # keys are derived from the district and where the project was first seen, so a
    # template prefilled from one ledger is recognised by another that collected the
    # same returns (the shipped June sample relies on it)
    other = tmp_path / "other.db"
    _collect(tmp_path / "april", other, targets)
    init(april, tmp_path / "a")
    init(other, tmp_path / "b")
    keys_a, keys_b = issued(april), issued(other)
    assert keys_a == keys_b
    assert len({k[0] for k in keys_a}) == len({(k[1], k[4]) for k in keys_a})  # one per project
    from gongjian_cli.year.prefill import mint_key

    assert mint_key("义安区", "2020-04|construction|甲") == mint_key(
        "义安区", "2020-04|construction|甲"
    )
    assert mint_key("义安区", "2020-04|construction|甲") != mint_key(
        "经开区", "2020-04|construction|甲"
    )
    assert re.fullmatch(PROJECT_KEY_PATTERN, mint_key("郊区", "x", 3))
