"""collect with the year: checks against last month in the result and the feedback copy,
when last month is already on record; the report shows them whichever came first."""

from __future__ import annotations

import os
from datetime import datetime

import openpyxl
import pytest
from test_collect import run, write_table

from gongjian_cli.feedback import FEEDBACK_SHEET, FeedbackWriter
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


@pytest.mark.parametrize("early", [False, True], ids=["here", "with-early-pass"])
def test_one_run_with_may_read_before_april_still_checks_may(
    tmp_path, ledger, targets, monkeypatch, early
):
    """May's file is read first (its name sorts first): when it lands April is not on
    record; at the end of the run May is checked again, and its feedback rewritten. With
    the early pass of a large inbox, that pass checks May alone (nothing to compare yet)
    and April, recorded after it, makes the final pass check May again."""
    calls: list[tuple] = []
    if early:
        _with_early_pass(monkeypatch, calls)
    inbox = tmp_path / "inbox"
    write_table(inbox / "1-经开区附件3-2020年5月.xlsx", Table.CONSTRUCTION, MAY,
                received=datetime(2020, 5, 20, 9))  # fmt: skip
    write_table(inbox / "2-经开区附件3-2020年4月.xlsx", Table.CONSTRUCTION, APRIL,
                received=datetime(2020, 4, 20, 9))  # fmt: skip
    result = run(inbox, ledger, targets, feedback=tmp_path / "fb")
    assert calls == ([("2020-05", [])] if early else [])
    may = next(i for i in result.items if i.month == "2020-05")
    assert may.file_name.startswith("1-")
    assert [(f.code, f.row, f.column) for f in may.year_findings] == [
        ("completed-decreased", 4, "F"),
        ("project-dropped", None, None),
    ]
    assert may.warnings == 2
    wb = openpyxl.load_workbook(may.feedback)
    assert [c for *_, c in _list(wb[FEEDBACK_SHEET])] == ["project-dropped", "completed-decreased"]


def _with_early_pass(monkeypatch, calls: list[str]) -> None:
    """Collect as a large inbox is collected (a worker process alongside), all files taken
    here in order, with the early pass of the checks against last month when one file is
    left to take."""
    import gongjian_cli.collect as collect_mod

    monkeypatch.setattr(collect_mod, "PROCESS_MIN_FILES", 1)
    monkeypatch.setattr(collect_mod, "_cpus", lambda: 2)
    monkeypatch.setattr(collect_mod, "WORKER_AHEAD", 0)  # every file here, in order
    monkeypatch.setattr(collect_mod, "NEARLY_DONE", 1)
    real = collect_mod._AgainstLastMonth.early

    def early(self, items):
        real(self, items)
        found = [f.code for fs in self.earlier.findings.values() for f in fs]
        calls.append((",".join(sorted(i.month for i in items)), found))

    monkeypatch.setattr(collect_mod._AgainstLastMonth, "early", early)


def test_a_finding_of_the_early_pass_undone_by_a_later_file_leaves_no_feedback(
    tmp_path, ledger, targets, monkeypatch
):
    """The early pass finds May's figure below April's and writes May's feedback; April's
    corrected return, taken after it, agrees with May: the final pass finds nothing, and
    May's feedback is removed (a clean file gets none)."""
    calls: list[tuple] = []
    _with_early_pass(monkeypatch, calls)
    written = []
    monkeypatch.setattr(
        "gongjian_cli.feedback.FeedbackWriter.withdraw",
        lambda self, out, real=FeedbackWriter.withdraw: (written.append(out.name), real(self, out)),
    )
    inbox = tmp_path / "inbox"
    write_table(inbox / "1-经开区附件3-2020年4月.xlsx", Table.CONSTRUCTION, APRIL[:1],
                received=datetime(2020, 4, 20, 9))  # fmt: skip
    write_table(inbox / "2-经开区附件3-2020年5月.xlsx", Table.CONSTRUCTION, MAY,
                received=datetime(2020, 5, 20, 9))  # fmt: skip
    corrected = ((1, "铜冠电子铜箔二期", "铜冠公司", "新建厂房", 30000, 10000, "续建", "是", "无"),)
    write_table(inbox / "3-经开区附件3-2020年4月-更正.xlsx", Table.CONSTRUCTION, corrected,
                received=datetime(2020, 4, 22, 9))  # fmt: skip
    fb = tmp_path / "fb"
    result = run(inbox, ledger, targets, feedback=fb)
    assert calls == [("2020-04,2020-05", ["completed-decreased"])]
    assert written == ["退回修改-2-经开区附件3-2020年5月.xlsx"]  # written early, then withdrawn
    may = next(i for i in result.items if i.month == "2020-05")
    assert (may.year_findings, may.warnings, may.feedback) == ([], 0, None)
    assert result.feedback_files == []
    assert [p.name for p in fb.rglob("*.xlsx")] == []
