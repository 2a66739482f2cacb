"""`collect_inbox`: identification, supersession, idempotence, atomicity, bad files, feedback.

Each test builds the returned files it needs in tmp_path (openpyxl), sets their received
time with os.utime and reads what landed back from the ledger with plain SQL.
"""

from __future__ import annotations

import os
import sqlite3
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from _build_bad_files import CONSTRUCTION_HEADER, PLANNED_HEADER

from gongjian_cli import clock
from gongjian_cli import ledger as ledger_mod
from gongjian_cli.collect import CollectResult, collect_inbox
from gongjian_cli.errors import UsageError
from gongjian_cli.identify import IdentifyOptions
from gongjian_cli.ledger import raw_cells, raw_row
from gongjian_cli.schema import Outcome, Table

PLANNED_HEAD, CONSTRUCTION_HEAD = PLANNED_HEADER, CONSTRUCTION_HEADER
PLANNED_ROWS = (
    (
        1,
        "年产5万吨铜箔项目",
        50000,
        "义安区",
        "新建厂房",
        "已备案",
        "开工",
        "铜箔公司",
        "张三",
        "义安区经信局",
    ),
    (
        2,
        "高端铜合金线材项目",
        120000,
        "义安区",
        "新建产线",
        "环评中",
        "开工",
        "合金公司",
        "李四",
        "义安区经信局",
    ),
)
CONSTRUCTION_ROWS = (
    (1, "铜冠电子铜箔二期", "铜冠公司", "新建厂房", 30000, 12000, "续建", "是", "无"),
    (2, "智能装备产业园", "装备公司", "新建厂房", 20000, 5000, "新开工", "是", "用地待批"),
)


def sheet_rows(table: Table, rows: Sequence[Sequence[Any]] | None = None) -> list[list[Any]]:
    """A table as the notice lays it out: 附件 line, title, header, rows, 注 line."""
    planned = table is Table.PLANNED
    title = "铜陵市2020年工业谋划项目表" if planned else "铜陵市2020年工业在建项目进展情况表"
    head = PLANNED_HEAD if planned else CONSTRUCTION_HEAD
    data = rows if rows is not None else (PLANNED_ROWS if planned else CONSTRUCTION_ROWS)
    return [
        ["附件2" if planned else "附件3"],
        [title],
        list(head),
        *[list(r) for r in data],
        ["注：每月25日前报"],
    ]


def write_book(
    path: Path,
    sheets: dict[str, list[list[Any]]],
    *,
    received: datetime = datetime(2020, 5, 20, 10, 0),
) -> Path:
    """Write ``sheets`` (name → rows) as an .xlsx at ``path`` with mtime ``received``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    set_received(path, received)
    return path


def write_table(
    path: Path,
    table: Table,
    rows: Sequence[Sequence[Any]] | None = None,
    *,
    received: datetime = datetime(2020, 5, 20, 10, 0),
    sheet: str = "Sheet1",
) -> Path:
    return write_book(path, {sheet: sheet_rows(table, rows)}, received=received)


def set_received(path: Path, when: datetime) -> None:
    """Set the file's mtime to ``when``, China time (whatever the machine's zone)."""
    ts = clock.timestamp(when)
    os.utime(path, (ts, ts))


def run(
    inbox: Path,
    conn: sqlite3.Connection,
    targets,
    *,
    feedback: Path | None = None,
    **options: Any,
) -> CollectResult:
    opts = IdentifyOptions(
        district=options.get("district"), month=options.get("month"), table=options.get("table")
    )
    return collect_inbox(inbox, conn, targets=targets, options=opts, feedback_dir=feedback)


def outcomes(result: CollectResult) -> dict[str, Outcome]:
    return {f"{i.file_name}|{i.sheet}" if i.sheet else i.file_name: i.outcome for i in result.items}


def by_file(result: CollectResult) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in result.items:
        out.setdefault(i.file_name, i)
    return out


def counts(conn: sqlite3.Connection) -> tuple[int, int, int]:
    return tuple(
        conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("submissions", "rows", "findings")
    )


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    p = tmp_path / "inbox"
    p.mkdir()
    return p


# ------------------------------------------------------------------------- accepting


def test_two_tables_land_with_rows_and_findings(inbox, ledger, targets, tmp_path) -> None:
    rows = [*PLANNED_ROWS, (3, "小型技改项目", 8000, "义安区", "", "", "", "", "", "")]
    write_table(inbox / "义安区-2020年5月-附件2.xlsx", Table.PLANNED, rows)
    write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)

    result = run(inbox, ledger, targets)

    assert [
        (i.file_name, i.district, i.month, i.table, i.rows, i.outcome) for i in result.items
    ] == [
        ("义安区-2020年5月-附件2.xlsx", "义安区", "2020-05", Table.PLANNED, 3, Outcome.ACCEPTED),
        (
            "义安区-2020年5月-附件3.xlsx",
            "义安区",
            "2020-05",
            Table.CONSTRUCTION,
            2,
            Outcome.ACCEPTED,
        ),
    ]
    assert result.items[0].errors == 1 and result.items[0].warnings == 0
    assert result.exit_code() == 0 and result.exit_code(strict=True) == 1

    subs = ledger.execute(
        "SELECT file_name, district, month, table_kind, status, row_count, error_count,"
        " header_row, columns, received_at FROM submissions ORDER BY id"
    ).fetchall()
    assert [tuple(s)[:8] for s in subs] == [
        ("义安区-2020年5月-附件2.xlsx", "义安区", "2020-05", "planned", "accepted", 3, 1, 3),
        ("义安区-2020年5月-附件3.xlsx", "义安区", "2020-05", "construction", "accepted", 2, 0, 3),
    ]
    assert '"total": "C"' in subs[0]["columns"]
    assert subs[0]["received_at"] == "2020-05-20 10:00:00"
    f = ledger.execute(
        "SELECT code, sheet, excel_row, col, value, severity FROM findings"
    ).fetchall()
    assert [tuple(x) for x in f] == [("below-1yi", "Sheet1", 6, "C", "8000", "error")]
    excluded = ledger.execute(
        "SELECT excel_row, excluded FROM rows WHERE submission_id = 1 ORDER BY excel_row"
    ).fetchall()
    assert [tuple(x) for x in excluded] == [(4, 0), (5, 0), (6, 1)]


def test_every_row_keeps_its_raw_cells(inbox, ledger, targets) -> None:
    """The sheet is kept as read: each row's cells by Excel row, title and header too."""
    rows = [(1, "  某某新材料项目 ", "1.5亿", "义安区", "", "", "", "", "", "")]
    write_table(inbox / "义安区-2020年5月-附件2.xlsx", Table.PLANNED, rows)

    run(inbox, ledger, targets)

    (sid, excel_row, name, total) = ledger.execute(
        "SELECT submission_id, excel_row, name, total FROM rows"
    ).fetchone()
    assert (excel_row, name, total) == (4, "某某新材料项目", 15000.0)
    assert raw_row(ledger, sid, excel_row) == {
        "A": 1.0, "B": "  某某新材料项目 ", "C": "1.5亿", "D": "义安区",
    }  # fmt: skip
    cells = raw_cells(ledger, sid)
    assert cells is not None and len(cells) == 5
    assert cells[2][:3] == ["序号", "项目名称", "总投资（万元）"]  # the header row, as typed
    assert cells[4][0] == "注：每月25日前报"  # not a project, kept all the same
    in_sql = ledger.execute(
        "SELECT json_extract(cells, '$[3][2]') FROM raw_sheets WHERE submission_id = ?", (sid,)
    ).fetchone()[0]
    assert in_sql == "1.5亿"


def test_both_tables_stacked_on_one_sheet(inbox, ledger, targets) -> None:
    rows = [
        *sheet_rows(Table.PLANNED)[:-1],  # without its 注 line
        [],
        *sheet_rows(Table.CONSTRUCTION),
    ]
    write_book(inbox / "郊区2020年5月报表.xlsx", {"报表": rows})
    result = run(inbox, ledger, targets)
    assert [(i.sheet, i.table, i.rows, i.errors, i.outcome) for i in result.items] == [
        ("报表", Table.PLANNED, 2, 0, Outcome.ACCEPTED),
        ("报表", Table.CONSTRUCTION, 2, 0, Outcome.ACCEPTED),
    ]
    got = ledger.execute(
        "SELECT s.table_kind, s.header_row, r.excel_row, r.name FROM rows r"
        " JOIN submissions s ON s.id = r.submission_id ORDER BY r.excel_row"
    ).fetchall()
    assert [tuple(g) for g in got] == [
        ("planned", 3, 4, PLANNED_ROWS[0][1]),
        ("planned", 3, 5, PLANNED_ROWS[1][1]),
        ("construction", 9, 10, CONSTRUCTION_ROWS[0][1]),
        ("construction", 9, 11, CONSTRUCTION_ROWS[1][1]),
    ]


def test_both_tables_in_one_workbook(inbox, ledger, targets) -> None:
    write_book(
        inbox / "郊区2020年5月报表.xlsx",
        {"附件2": sheet_rows(Table.PLANNED), "附件3": sheet_rows(Table.CONSTRUCTION)},
    )
    result = run(inbox, ledger, targets)
    assert [(i.sheet, i.table, i.outcome) for i in result.items] == [
        ("附件2", Table.PLANNED, Outcome.ACCEPTED),
        ("附件3", Table.CONSTRUCTION, Outcome.ACCEPTED),
    ]
    assert counts(ledger)[:2] == (2, 4)


def test_options_identify_what_the_file_does_not_say(inbox, ledger, targets) -> None:
    write_table(inbox / "报表.xlsx", Table.CONSTRUCTION)
    result = run(inbox, ledger, targets)
    assert result.items[0].outcome is Outcome.REJECTED
    assert result.items[0].code == "unidentified"
    assert result.exit_code() == 1
    assert ledger.execute("SELECT status, reject_code FROM submissions").fetchall()[0][:] == (
        "rejected",
        "unidentified",
    )

    result = run(inbox, ledger, targets, district="铜官区", month="2020-05")
    (item,) = result.items
    assert (item.district, item.month, item.table, item.outcome) == (
        "铜官区",
        "2020-05",
        Table.CONSTRUCTION,
        Outcome.ACCEPTED,
    )


def test_non_spreadsheets_are_skipped(inbox, ledger, targets) -> None:
    (inbox / "说明.txt").write_text("请查收", encoding="utf-8")
    write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    result = run(inbox, ledger, targets)
    assert outcomes(result)["说明.txt"] is Outcome.SKIPPED
    assert result.exit_code() == 0


# ---------------------------------------------------------------------- supersession


def test_later_received_wins_whatever_the_order(inbox, ledger, targets) -> None:
    # collected in name order: A (received later) first, then B (received earlier)
    a = write_table(
        inbox / "A-义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION, received=datetime(2020, 5, 24)
    )
    b = write_table(
        inbox / "B-义安区-2020年5月-附件3.xlsx",
        Table.CONSTRUCTION,
        CONSTRUCTION_ROWS[:1],
        received=datetime(2020, 5, 21),
    )
    result = run(inbox, ledger, targets)
    assert outcomes(result) == {
        f"{a.name}|Sheet1": Outcome.ACCEPTED,
        f"{b.name}|Sheet1": Outcome.SUPERSEDED,
    }
    rows = ledger.execute("SELECT id, file_name, superseded_by FROM submissions ORDER BY id")
    (id_a, _, sup_a), (_, _, sup_b) = rows.fetchall()
    assert sup_a is None and sup_b == id_a
    assert by_file(result)[b.name].superseded_by == id_a


def test_later_file_in_a_later_run_supersedes(inbox, ledger, targets, tmp_path) -> None:
    write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    first = run(inbox, ledger, targets)
    assert first.items[0].outcome is Outcome.ACCEPTED
    second_inbox = tmp_path / "inbox2"
    write_table(
        second_inbox / "义安区-2020年5月-附件3-修改.xlsx",
        Table.CONSTRUCTION,
        CONSTRUCTION_ROWS[:1],
        received=datetime(2020, 5, 23),
    )
    second = run(second_inbox, ledger, targets)
    assert second.items[0].outcome is Outcome.ACCEPTED
    # both stay on record, the earlier points to the later
    assert [tuple(r) for r in ledger.execute("SELECT id, superseded_by FROM submissions")] == [
        (1, 2),
        (2, None),
    ]
    # an older file arriving afterwards is recorded but superseded at once
    third_inbox = tmp_path / "inbox3"
    write_table(
        third_inbox / "义安区-2020年5月-附件3-旧.xlsx",
        Table.CONSTRUCTION,
        CONSTRUCTION_ROWS[1:],
        received=datetime(2020, 5, 1),
    )
    third = run(third_inbox, ledger, targets)
    assert third.items[0].outcome is Outcome.SUPERSEDED


def test_rejected_file_never_supersedes(inbox, ledger, targets) -> None:
    write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    (inbox / "义安区-2020年5月-附件3-新.xlsx").write_bytes(b"PK\x03\x04 broken")
    set_received(inbox / "义安区-2020年5月-附件3-新.xlsx", datetime(2020, 5, 24))
    result = run(inbox, ledger, targets)
    assert by_file(result)["义安区-2020年5月-附件3.xlsx"].outcome is Outcome.ACCEPTED
    assert by_file(result)["义安区-2020年5月-附件3-新.xlsx"].outcome is Outcome.REJECTED


# ------------------------------------------------------------------------ idempotence


def test_collecting_twice_records_nothing_new(inbox, ledger, targets) -> None:
    write_table(inbox / "义安区-2020年5月-附件2.xlsx", Table.PLANNED)
    write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    (inbox / "坏文件-义安区.xlsx").write_bytes(b"not a workbook at all")
    run(inbox, ledger, targets)
    before = counts(ledger)
    again = run(inbox, ledger, targets)
    assert counts(ledger) == before
    assert {i.outcome for i in again.items} == {Outcome.DUPLICATE}
    assert again.exit_code() == 1  # the broken file is still there, still rejected
    (known,) = [i for i in again.items if i.file_name == "坏文件-义安区.xlsx"]
    assert known.still_rejected and known.code == "not-spreadsheet"
    assert known.outcome_label.startswith("重复（已收过）：此前已因同一原因退回：")


# ------------------------------------------------------------------------- atomicity


def _three_files(inbox: Path) -> None:
    write_table(inbox / "A-义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    write_book(
        inbox / "B-郊区2020年5月报表.xlsx",
        {"附件2": sheet_rows(Table.PLANNED), "附件3": sheet_rows(Table.CONSTRUCTION)},
    )
    write_table(inbox / "C-铜官区-2020年5月-附件2.xlsx", Table.PLANNED)


def _fail_on_b_construction(monkeypatch, exc: BaseException) -> list[str]:
    real = ledger_mod.insert_submission
    calls: list[str] = []

    def flaky(conn, sub, **kw):
        calls.append(sub.file_name)
        if sub.file_name.startswith("B-") and sub.identity.table is Table.CONSTRUCTION:
            raise exc
        return real(conn, sub, **kw)

    monkeypatch.setattr(ledger_mod, "insert_submission", flaky)
    return calls


def test_failure_mid_file_leaves_nothing_of_it(inbox, ledger, targets, monkeypatch) -> None:
    _three_files(inbox)
    calls = _fail_on_b_construction(monkeypatch, RuntimeError("disk full"))
    result = run(inbox, ledger, targets)
    assert calls.count("B-郊区2020年5月报表.xlsx") == 2  # the first table was inserted…
    b = [i for i in result.items if i.file_name.startswith("B-")]
    assert [i.outcome for i in b] == [Outcome.REJECTED]
    assert b[0].code == "internal-error" and "disk full" in (b[0].reason or "")
    names = [r[0] for r in ledger.execute("SELECT file_name FROM submissions ORDER BY id")]
    assert names == ["A-义安区-2020年5月-附件3.xlsx", "C-铜官区-2020年5月-附件2.xlsx"]
    assert ledger.execute("SELECT count(*) FROM rows").fetchone()[0] == 4  # …and rolled back
    assert result.exit_code() == 1


def test_ctrl_c_rolls_back_the_current_file(inbox, ledger, targets, monkeypatch) -> None:
    _three_files(inbox)
    _fail_on_b_construction(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run(inbox, ledger, targets)
    names = [r[0] for r in ledger.execute("SELECT file_name FROM submissions")]
    assert names == ["A-义安区-2020年5月-附件3.xlsx"]
    assert ledger.execute("SELECT count(*) FROM rows").fetchone()[0] == 2
    assert not ledger.in_transaction


# ------------------------------------------------------------------------- bad files


def _docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return path


def _encrypted(path: Path, tmp: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_table(tmp / "plain.xlsx", Table.PLANNED)
    with plain.open("rb") as src, path.open("wb") as dst:
        OOXMLFile(src).encrypt("1234", dst)
    return path


@pytest.mark.parametrize("kind", ["corrupt", "docx", "password", "empty"])
def test_bad_file_rejected_others_land(inbox, ledger, targets, tmp_path, kind) -> None:
    bad = inbox / "义安区-2020年5月-附件2.xlsx"
    if kind == "corrupt":
        good = write_table(tmp_path / "g.xlsx", Table.PLANNED)
        bad.write_bytes(good.read_bytes()[:300])
    elif kind == "docx":
        _docx(bad)
    elif kind == "password":
        _encrypted(bad, tmp_path)
    else:
        bad.write_bytes(b"")
    write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)

    result = run(inbox, ledger, targets)
    item = by_file(result)[bad.name]
    assert item.outcome is Outcome.REJECTED, item
    assert item.reason
    assert by_file(result)["义安区-2020年5月-附件3.xlsx"].outcome is Outcome.ACCEPTED
    assert result.exit_code() == 1
    rec = ledger.execute(
        "SELECT status, reject_code, reject_reason FROM submissions WHERE file_name = ?",
        (bad.name,),
    ).fetchone()
    assert rec["status"] == "rejected" and rec["reject_reason"] == item.reason
    if kind == "password":
        assert "密码" in item.reason


def test_workbook_without_a_table_is_rejected_naming_the_sheets(inbox, ledger, targets) -> None:
    write_book(
        inbox / "义安区-2020年5月-附件2.xlsx",
        {"说明": [["各位好，数据见附件"], ["谢谢"]], "Sheet2": []},
    )
    (item,) = run(inbox, ledger, targets).items
    assert (item.outcome, item.code) == (Outcome.REJECTED, "no-table")
    assert "“说明”" in item.reason and "项目名称" in item.reason


def test_unexpected_error_is_reported_not_recorded(inbox, ledger, targets, monkeypatch) -> None:
    import gongjian_cli.collect as collect_mod

    write_table(inbox / "A-义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    write_table(inbox / "B-郊区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    real = collect_mod.validate_rows

    def boom(rows, **kw):
        if kw["file_name"].startswith("A-"):
            raise MemoryError("too big")
        return real(rows, **kw)

    monkeypatch.setattr(collect_mod, "validate_rows", boom)
    result = run(inbox, ledger, targets)
    a, b = result.items
    assert (a.outcome, a.code) == (Outcome.REJECTED, "internal-error")
    assert "MemoryError" in a.reason
    assert b.outcome is Outcome.ACCEPTED
    assert [r[0] for r in ledger.execute("SELECT file_name FROM submissions")] == [b.file_name]


# -------------------------------------------------------------------------- feedback


def test_feedback_for_a_file_with_findings(inbox, ledger, targets, tmp_path) -> None:
    from gongjian_cli.feedback import ERROR_FILL

    rows = [*PLANNED_ROWS, (3, "小型技改项目", 8000, "义安区", "", "", "", "", "", "")]
    write_table(inbox / "义安区-2020年5月-附件2.xlsx", Table.PLANNED, rows)
    write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)  # clean
    fb = tmp_path / "feedback"
    result = run(inbox, ledger, targets, feedback=fb)
    (written,) = result.feedback_files
    assert written.parent == fb / "2020-05" / "义安区"
    assert written.exists()
    assert result.items[0].feedback == written and result.items[1].feedback is None
    wb = openpyxl.load_workbook(written)
    cell = wb["Sheet1"]["C6"]
    assert cell.fill.fgColor.rgb.endswith(ERROR_FILL)
    assert cell.value == 8000
    assert sorted(p.name for p in inbox.iterdir()) == [
        "义安区-2020年5月-附件2.xlsx",
        "义安区-2020年5月-附件3.xlsx",
    ]


def test_rejection_note_for_a_rejected_file(inbox, ledger, targets, tmp_path) -> None:
    bad = inbox / "郊区-2020年5月-附件3.xlsx"
    bad.write_bytes(b"garbage")
    fb = tmp_path / "feedback"
    result = run(inbox, ledger, targets, feedback=fb)
    (note,) = result.feedback_files
    assert note.exists() and fb in note.parents
    assert result.items[0].feedback == note


def test_feedback_dir_inside_inbox_is_refused(inbox, ledger, targets) -> None:
    with pytest.raises(UsageError):
        run(inbox, ledger, targets, feedback=inbox / "feedback")


def test_result_serialises(inbox, ledger, targets) -> None:
    import json

    write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    data = json.loads(json.dumps(run(inbox, ledger, targets).to_dict()))
    assert data["totals"]["accepted"] == 1
    assert data["items"][0]["table"] == "construction"


# --------------------------------------------------------------------------- samples


def test_collect_the_sample_inbox(sample_inbox, sample_manifest, ledger, targets, tmp_path):
    """The shipped samples: outcomes, identities and every finding as the manifest says."""
    from gongjian_cli.month import Month
    from gongjian_cli.status import submission_status

    result = run(sample_inbox, ledger, targets, feedback=tmp_path / "feedback")
    got = {}
    for item in result.items:
        got.setdefault(item.display_name(sample_inbox), []).append(item)
    for rel, entry in sample_manifest["files"].items():
        if entry["outcome"] == "ignored":
            assert rel not in got  # the ~$ lock file is not even listed
            continue
        items = got[rel]
        assert {str(i.outcome) for i in items} == {entry["outcome"]}, rel
        if entry["outcome"] in ("accepted", "superseded"):
            assert [str(i.table) for i in items] == entry["tables"], rel
            assert {(i.district, i.month) for i in items} == {(entry["district"], entry["month"])}
    by_name = {i.display_name(sample_inbox): i for i in result.items}
    assert by_name["2020-05/铜官区附件3（损坏）.xlsx"].code == "corrupt"
    assert by_name["2020-05/义安区报表.xlsx"].superseded_by == (
        by_name["2020-05/义安区报表（修改版）.xlsx"].submission_id
    )
    assert result.exit_code() == 1  # the broken download

    # every finding the manifest expects, and no other (duplicate-across-districts is
    # computed by the report, across submissions, not by collect)
    expected = {
        (Path(rel).name, f["sheet"], f["row"], f["column"], f["code"])
        for rel, entry in sample_manifest["files"].items()
        for f in entry["findings"]
        if f["code"] != "duplicate-across-districts"
    }
    found = {
        tuple(r) for r in ledger.execute("SELECT file, sheet, excel_row, col, code FROM findings")
    }
    assert found == expected

    # a few exact values from samples/README.md
    rows = ledger.execute(
        "SELECT file, excel_row, col, code, value FROM findings WHERE code IN"
        " ('below-1yi', 'registered-below-10m', 'completed-exceeds-total', 'duplicate-name')"
        " ORDER BY file, excel_row"
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        ("新建 Microsoft Excel 工作表.xlsx", 9, "B", "duplicate-name", "高端液压件生产项目"),
        ("枞阳县2020年5月项目表.xlsx", 11, "C", "below-1yi", "8000"),
        ("枞阳县2020年5月项目表.xlsx", 12, "E", "registered-below-10m", "800"),
        ("经开区附件3在建项目5月.xlsx", 13, "F", "completed-exceeds-total", "13500"),
    ]
    exceeds = ledger.execute(
        "SELECT excluded, exclude_investment, start_class, registered FROM rows r"
        " JOIN submissions s ON s.id = r.submission_id"
        " WHERE s.file_name = '经开区附件3在建项目5月.xlsx' AND r.excel_row = 13"
    ).fetchone()
    assert tuple(exceeds) == (0, 1, "new", 1)  # drops out of investment only

    # status agrees with the manifest for both months
    for month_text, expected_status in sample_manifest["expected_status"].items():
        report = submission_status(ledger, Month.parse(month_text), targets)
        for line in report.lines:
            want = expected_status[line.district][str(line.table)]
            assert str(line.status) == want["status"], (month_text, line)
            if want.get("file"):
                assert line.file_name == Path(want["file"]).name

    # feedback for the files with findings and a note for the broken one, none in the inbox
    names = sorted(p.name for p in result.feedback_files)
    assert "退回修改-铜官区附件3（损坏）.xlsx" in names
    assert len(names) == 6
    assert not any("退回修改" in p.name for p in sample_inbox.rglob("*"))


def test_each_file_is_committed_before_the_next(inbox, ledger, targets, monkeypatch, tmp_path):
    _three_files(inbox)
    db = ledger.execute("PRAGMA database_list").fetchone()["file"]
    real = ledger_mod.insert_submission
    seen_by_other: dict[str, list[str]] = {}

    def spy(conn, sub, **kw):
        other = sqlite3.connect(db)  # another process's view: only committed files
        seen_by_other[sub.file_name] = [
            r[0] for r in other.execute("SELECT file_name FROM submissions")
        ]
        other.close()
        return real(conn, sub, **kw)

    monkeypatch.setattr(ledger_mod, "insert_submission", spy)
    run(inbox, ledger, targets)
    assert seen_by_other["A-义安区-2020年5月-附件3.xlsx"] == []
    assert seen_by_other["C-铜官区-2020年5月-附件2.xlsx"] == [
        "A-义安区-2020年5月-附件3.xlsx",
        "B-郊区2020年5月报表.xlsx",
        "B-郊区2020年5月报表.xlsx",
    ]
    assert not ledger.in_transaction


def test_progress_is_called_per_file_in_order(inbox, ledger, targets) -> None:
    write_table(inbox / "b-义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    write_table(inbox / "a-郊区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    seen: list[str] = []
    collect_inbox(
        inbox,
        ledger,
        targets=targets,
        options=IdentifyOptions(),
        feedback_dir=None,
        progress=lambda p: seen.append(p.name),
    )
    assert seen == ["a-郊区-2020年5月-附件3.xlsx", "b-义安区-2020年5月-附件3.xlsx"]


def test_columns_shared_by_both_tables_need_the_table_option(inbox, ledger, targets) -> None:
    rows = [["序号", "项目名称", "总投资（万元）", "项目单位"], [1, "铜箔项目", 20000, "铜箔公司"]]
    write_book(inbox / "义安区-2020年5月.xlsx", {"Sheet1": rows})
    (item,) = run(inbox, ledger, targets).items
    assert (item.outcome, item.code) == (Outcome.REJECTED, "unidentified")

    (item,) = run(inbox, ledger, targets, table=Table.CONSTRUCTION).items
    assert (item.outcome, item.table, item.rows) == (Outcome.ACCEPTED, Table.CONSTRUCTION, 1)
    got = ledger.execute(
        "SELECT code, excel_row, col FROM findings WHERE submission_id = ? ORDER BY id",
        (item.submission_id,),
    ).fetchall()
    # the columns 在建 needs are absent: one table-level warning each, not one per row
    assert [tuple(r) for r in got] == [
        ("completed-blank", None, None),
        ("registered-blank", None, None),
        ("start-blank", None, None),
    ]
    completed = ledger.execute(
        "SELECT completed FROM rows WHERE submission_id = ?", (item.submission_id,)
    ).fetchone()[0]
    assert completed == 0.0


def test_feedback_failure_is_reported_per_file(inbox, ledger, targets, tmp_path) -> None:
    rows = [*PLANNED_ROWS, (3, "小型技改项目", 8000, "义安区", "", "", "", "", "", "")]
    write_table(inbox / "义安区-2020年5月-附件2.xlsx", Table.PLANNED, rows)
    write_table(inbox / "郊区-2020年5月-附件2.xlsx", Table.PLANNED, rows)
    fb = tmp_path / "feedback"
    (fb / "2020-05").mkdir(parents=True)
    (fb / "2020-05" / "义安区").write_text("a file where the district's folder should be")
    result = run(inbox, ledger, targets, feedback=fb)
    (problem,) = result.feedback_errors
    assert problem.startswith("义安区-2020年5月-附件2.xlsx：")
    (written,) = result.feedback_files
    assert written.parent == fb / "2020-05" / "郊区"
    assert [i.feedback for i in result.items] == [None, written]
    assert [i.outcome for i in result.items] == [Outcome.ACCEPTED, Outcome.ACCEPTED]


# ------------------------------------------------------------ large inbox: processes


def _ledger_dump(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """The ledger's content with ids replaced by what they stand for (file and sheet,
    Excel row), sorted: a file's ids depend on which process recorded it first."""
    key = {
        r["id"]: (r["file_name"], r["sheet"])
        for r in conn.execute("SELECT id, file_name, sheet FROM submissions")
    }
    key[None] = None
    row_key = {
        r["id"]: (key[r["submission_id"]], r["excel_row"])
        for r in conn.execute("SELECT id, submission_id, excel_row FROM rows")
    }
    row_key[None] = None
    swap = {"id": key, "superseded_by": key, "submission_id": key, "row_id": row_key}
    out = {}
    for table in ("submissions", "rows", "findings", "raw_sheets"):
        cur = conn.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cur.description]
        dumped = []
        for row in cur:
            values = []
            for n, v in zip(names, row, strict=True):
                if n == "collected_at" or (n == "id" and table != "submissions"):
                    continue
                values.append(swap[n][v] if n in swap else v)
            dumped.append(tuple(values))
        out[table] = sorted(dumped, key=repr)
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_processes_record_what_this_process_records(
    sample_inbox, targets, tmp_path, monkeypatch, workers
) -> None:
    """The samples (good, broken, encrypted, unidentified files) collected by this
    process and worker processes together, as an inbox of PROCESS_MIN_FILES files would
    be, land exactly as when this process collects them alone: same result lines, same
    ledger, same feedback files."""
    import gongjian_cli.collect as collect_mod
    from gongjian_cli.ledger import open_ledger

    started = []
    real_start = collect_mod._start_processes

    def start(collector, db, feedback_dir, processes):
        assert processes == workers
        pool = real_start(collector, db, feedback_dir, processes)
        started.append(pool)
        return pool

    monkeypatch.setattr(collect_mod, "_start_processes", start)
    monkeypatch.setattr(collect_mod, "_cpus", lambda: workers + 1)
    results, dumps, written = [], [], []
    for min_files in (10**6, 1):  # here alone, then with a worker
        monkeypatch.setattr(collect_mod, "PROCESS_MIN_FILES", min_files)
        conn = open_ledger(tmp_path / f"ledger-{min_files}.db")
        fb = tmp_path / f"fb-{min_files}"
        result = run(sample_inbox, conn, targets, feedback=fb)
        skip = ("feedback", "submission_id", "superseded_by")
        results.append(
            [{k: v for k, v in i.to_dict().items() if k not in skip} for i in result.items]
        )
        dumps.append(_ledger_dump(conn))
        written.append([p.relative_to(fb).as_posix() for p in result.feedback_files])
        conn.close()
    assert len(started) == 1 and started[0] is not None  # the second run had a worker
    assert results[0] == results[1]
    assert dumps[0] == dumps[1]
    assert written[0] == written[1] and len(written[0]) == 6
    assert any(i["code"] == "corrupt" for i in results[1])  # a rejection came back too


def test_failure_in_the_worker_is_an_internal_error_not_recorded(
    inbox, ledger, targets, monkeypatch
) -> None:
    import gongjian_cli.collect as collect_mod

    path = write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    collector = collect_mod._Collector(
        ledger, targets=targets, options=IdentifyOptions(), feedback=None
    )

    def boom(p):
        raise MemoryError("too big")

    monkeypatch.setattr(collector, "prepare", boom)
    monkeypatch.setattr(collect_mod, "_WORKER", collector)
    (item,), errors = collect_mod._collect_in_worker(path)  # as the worker process answers
    assert (item.outcome, item.code, errors) == (Outcome.REJECTED, "internal-error", [])
    assert "MemoryError: too big" in item.reason
    assert counts(ledger) == (0, 0, 0)


@pytest.mark.parametrize("dead", ["broken", "cancelled"])
def test_a_dead_worker_process_falls_back_to_this_process(inbox, ledger, targets, dead) -> None:
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    import gongjian_cli.collect as collect_mod

    path = write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    collector = collect_mod._Collector(
        ledger, targets=targets, options=IdentifyOptions(), feedback=None
    )
    future: Future = Future()
    if dead == "broken":
        future.set_exception(BrokenProcessPool("a worker died"))
    else:  # queued when the pool was stopped
        future.cancel()

    class Pool:
        stopped = False

        def shutdown(self, **kwargs) -> None:
            Pool.stopped = True

    worker = collect_mod._Worker(Pool())
    (item,) = worker.result(future, path, collector)
    assert (item.outcome, item.rows) == (Outcome.ACCEPTED, 2)
    assert counts(ledger) == (1, 2, 0)
    assert Pool.stopped and not worker.alive


def test_no_worker_process_means_this_process_does_it_all(
    inbox, ledger, targets, monkeypatch
) -> None:
    import gongjian_cli.collect as collect_mod

    class NoProcesses:
        def submit(self, *args):
            raise OSError("cannot start a process")

        def shutdown(self, **kwargs) -> None:
            pass

    monkeypatch.setattr(collect_mod, "_start_processes", lambda *args: NoProcesses())
    monkeypatch.setattr(collect_mod, "PROCESS_MIN_FILES", 1)
    write_table(inbox / "A-义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    write_table(inbox / "B-郊区-2020年5月-附件2.xlsx", Table.PLANNED)
    write_table(inbox / "C-郊区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    result = run(inbox, ledger, targets)
    assert [i.outcome for i in result.items] == [Outcome.ACCEPTED] * 3
    assert counts(ledger)[:2] == (3, 6)


def test_identity_conflict_is_a_warning_on_the_sheet(tmp_path, ledger, targets):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_table(inbox / "附件3-经开区-2020年06月.xlsx", Table.CONSTRUCTION)
    result = run(inbox, ledger, targets, month="2020-05")
    (item,) = result.items
    assert (item.outcome, item.month, item.warnings) == (Outcome.ACCEPTED, "2020-05", 1)
    row = ledger.execute(
        "SELECT sheet, excel_row, severity, code, message FROM findings"
        " WHERE code = 'identity-conflict'"
    ).fetchone()
    assert tuple(row)[:4] == ("Sheet1", None, "warning", "identity-conflict")
    assert "文件名为“2020-06”，按命令行参数取“2020-05”" in row["message"]


def test_an_unidentifiable_sheet_is_rejected_while_its_neighbour_lands(inbox, ledger, targets):
    # no title, a header both tables share: nothing says which table Sheet2 is
    shared = [["项目名称", "总投资（万元）", "项目单位"], ["甲项目", 20000, "甲公司"]]
    write_book(
        inbox / "经开区-2020年05月.xlsx",
        {"在建": sheet_rows(Table.CONSTRUCTION), "Sheet2": shared},
    )
    result = run(inbox, ledger, targets)
    got = [(i.sheet, i.table, i.outcome, i.code) for i in result.items]
    assert got == [
        ("在建", Table.CONSTRUCTION, Outcome.ACCEPTED, None),
        ("Sheet2", None, Outcome.REJECTED, "unidentified"),
    ]
    assert result.exit_code() == 1
    rows = ledger.execute("SELECT sheet, status, row_count FROM submissions ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("在建", "accepted", 2), ("Sheet2", "rejected", 0)]
