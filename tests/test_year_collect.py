"""collect with the year: checks against last month in the result and the feedback copy,
when last month is already on record; the report shows them whichever came first."""

from __future__ import annotations

import os
from datetime import datetime

import openpyxl
from test_collect import run, write_table

from gongjian_cli.feedback import FEEDBACK_SHEET
from gongjian_cli.metrics import compute_report
from gongjian_cli.month import Month
from gongjian_cli.schema import Table
from gongjian_cli.year.register import attach_to_report, year_view

APRIL = (
    (1, "铜冠电子铜箔二期", "铜冠公司", "新建厂房", 30000, 12000, "续建", "是", "无"),
    (2, "智能装备产业园", "装备公司", "新建厂房", 20000, 5000, "新开工", "是", "用地待批"),
)
MAY = (  # 铜箔 falls from 12000 to 11000; 装备产业园 is gone
    (1, "铜冠电子铜箔二期", "铜冠公司", "新建厂房", 30000, 11000, "续建", "是", "无"),
)


def _files(inbox, *, may_first: bool):
    april = inbox / "a" / "经开区附件3-2020年4月.xlsx"
    may = inbox / "b" / "经开区附件3-2020年5月.xlsx"
    write_table(april, Table.CONSTRUCTION, APRIL, received=datetime(2020, 4, 20, 9))
    write_table(may, Table.CONSTRUCTION, MAY, received=datetime(2020, 5, 20, 9))
    return (may, april) if may_first else (april, may)


def _list(ws) -> list[tuple]:
    return [
        (r[0].value, r[2].value, r[3].value, r[7].value)
        for r in ws.iter_rows(min_row=5)
        if r[0].value
    ]


def test_may_collected_after_april_gets_the_checks_in_result_and_feedback(
    tmp_path, ledger, targets
):
    first, second = _files(tmp_path / "src", may_first=False)
    for path in (first, second):
        inbox = tmp_path / f"inbox-{path.stem}"
        inbox.mkdir()
        path.rename(inbox / path.name)
        result = run(inbox, ledger, targets, feedback=tmp_path / "fb")
    [item] = result.items
    assert (item.month, item.errors, item.warnings) == ("2020-05", 0, 2)
    wb = openpyxl.load_workbook(item.feedback)
    assert _list(wb[FEEDBACK_SHEET]) == [
        ("提醒", None, None, "project-dropped"),
        ("提醒", 4, "F", "completed-decreased"),
    ]
    ws = wb[wb.sheetnames[1]]
    assert "上月" in ws["F4"].comment.text


def _collect_one(path, inbox, conn, targets):
    inbox.mkdir()
    copy = inbox / path.name
    copy.write_bytes(path.read_bytes())
    os.utime(copy, (path.stat().st_mtime,) * 2)
    return run(inbox, conn, targets).items


def _year_codes(conn, targets) -> list[tuple]:
    month = Month(2020, 5)
    report = attach_to_report(compute_report(conn, month, targets), year_view(conn, month, targets))
    return [
        (f.code, f.district, f.table, f.row, f.column)
        for f in report.findings
        if f.code in ("completed-decreased", "project-dropped")
    ]


def test_april_collected_after_may_gives_the_report_the_same_checks(tmp_path, ledger, targets):
    from gongjian_cli.ledger import open_ledger

    april, may = _files(tmp_path / "src", may_first=False)
    _collect_one(april, tmp_path / "1", ledger, targets)
    _collect_one(may, tmp_path / "2", ledger, targets)
    other = open_ledger(tmp_path / "other.db")
    [item] = _collect_one(may, tmp_path / "3", other, targets)
    assert item.warnings == 0  # April not on record yet: nothing to compare at collect time
    _collect_one(april, tmp_path / "4", other, targets)
    expected = [
        ("completed-decreased", "经开区", "construction", 4, "F"),
        ("project-dropped", "经开区", "construction", None, None),
    ]
    assert _year_codes(ledger, targets) == _year_codes(other, targets) == expected
    other.close()


def test_one_run_with_may_read_before_april_still_checks_may(tmp_path, ledger, targets):
    """May's file is read first (its name sorts first): when it lands April is not on
    record; at the end of the run May is checked again, and its feedback rewritten."""
    inbox = tmp_path / "inbox"
    write_table(inbox / "1-经开区附件3-2020年5月.xlsx", Table.CONSTRUCTION, MAY,
                received=datetime(2020, 5, 20, 9))  # fmt: skip
    write_table(inbox / "2-经开区附件3-2020年4月.xlsx", Table.CONSTRUCTION, APRIL,
                received=datetime(2020, 4, 20, 9))  # fmt: skip
    result = run(inbox, ledger, targets, feedback=tmp_path / "fb")
    may = next(i for i in result.items if i.month == "2020-05")
    assert may.file_name.startswith("1-")
    assert [(f.code, f.row, f.column) for f in may.year_findings] == [
        ("completed-decreased", 4, "F"),
        ("project-dropped", None, None),
    ]
    assert may.warnings == 2
    wb = openpyxl.load_workbook(may.feedback)
    assert [c for *_, c in _list(wb[FEEDBACK_SHEET])] == ["project-dropped", "completed-decreased"]
