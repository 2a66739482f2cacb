"""`gongjian collect` through click: exit codes, the printed table, then the ledger read back."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_collect import PLANNED_ROWS, set_received, write_table

from gongjian_cli import ledger as ledger_mod
from gongjian_cli.cli import cli
from gongjian_cli.schema import Table


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    p = tmp_path / "inbox"
    p.mkdir()
    return p


def invoke(tmp_path: Path, *args: str | Path):
    return CliRunner().invoke(
        cli, ["--db", str(tmp_path / "g.db"), *map(str, args)], catch_exceptions=False
    )


def table_lines(output: str) -> list[list[str]]:
    return [ln.split() for ln in output.splitlines()]


def test_collect_prints_one_line_per_table(tmp_path, inbox) -> None:
    rows = [*PLANNED_ROWS, (3, "小型技改项目", 8000, "义安区", "", "", "", "", "", "")]
    write_table(inbox / "义安区-2020年5月-附件2.xlsx", Table.PLANNED, rows)
    write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    fb = tmp_path / "fb"
    res = invoke(tmp_path, "collect", inbox, "--feedback", fb)
    assert res.exit_code == 0, res.output
    lines = table_lines(res.output)
    assert lines[0] == ["文件", "县区", "月份", "表", "行数", "错误", "提醒", "状态"]
    assert [
        "义安区-2020年5月-附件2.xlsx",
        "[Sheet1]",
        "义安区",
        "2020-05",
        "附件2",
        "谋划",
        "3",
        "1",
        "0",
        "已接收",
    ] in lines
    assert "共 2 个文件：已接收 2；错误 1 条，提醒 0 条" in res.output
    assert f"反馈文件 1 个，已写入 {fb}" in res.output
    conn = ledger_mod.open_ledger(tmp_path / "g.db")
    assert conn.execute("SELECT count(*), sum(row_count) FROM submissions").fetchone()[:] == (2, 5)


def test_strict_makes_errors_fail(tmp_path, inbox) -> None:
    rows = [(1, "小型技改项目", 8000, "义安区", "", "", "", "", "", "")]
    write_table(inbox / "义安区-2020年5月-附件2.xlsx", Table.PLANNED, rows)
    res = invoke(tmp_path, "collect", inbox, "--strict", "--no-feedback")
    assert res.exit_code == 1, res.output


def test_rejected_file_exits_1_and_others_land(tmp_path, inbox) -> None:
    write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    bad = inbox / "郊区-2020年5月-附件3.xlsx"
    bad.write_bytes(b"this is not a workbook")
    set_received(bad, datetime(2020, 5, 22))
    res = invoke(tmp_path, "collect", inbox, "--feedback", tmp_path / "fb")
    assert res.exit_code == 1, res.output
    line = next(ln for ln in res.output.splitlines() if ln.startswith("郊区-2020年5月"))
    assert "退回：" in line
    conn = ledger_mod.open_ledger(tmp_path / "g.db")
    got = conn.execute("SELECT file_name, status FROM submissions ORDER BY id").fetchall()
    assert [tuple(r) for r in got] == [
        ("义安区-2020年5月-附件3.xlsx", "accepted"),
        ("郊区-2020年5月-附件3.xlsx", "rejected"),
    ] or [tuple(r) for r in got] == [
        ("郊区-2020年5月-附件3.xlsx", "rejected"),
        ("义安区-2020年5月-附件3.xlsx", "accepted"),
    ]


def test_options_and_json(tmp_path, inbox) -> None:
    write_table(inbox / "报表.xlsx", Table.CONSTRUCTION)
    res = invoke(
        tmp_path,
        "collect",
        inbox,
        "--district",
        "铜官",
        "--month",
        "2020-05",
        "--no-feedback",
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    (item,) = data["items"]
    assert (item["district"], item["month"], item["table"], item["outcome"]) == (
        "铜官区",
        "2020-05",
        "construction",
        "accepted",
    )


def test_second_run_is_all_duplicates(tmp_path, inbox) -> None:
    write_table(inbox / "义安区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    assert invoke(tmp_path, "collect", inbox, "--no-feedback").exit_code == 0
    res = invoke(tmp_path, "collect", inbox, "--no-feedback")
    assert res.exit_code == 0
    assert "重复（已收过）" in res.output
    assert "共 1 个文件：重复 1" in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--district", "铜陵县"], "未知县区"),
        (["--month", "2020-5x"], "月份格式不对"),
        (["--month", "2019-05"], "不在目标任务文件的年度"),
        (["--table", "other"], "Invalid value"),
    ],
)
def test_usage_errors_exit_2(tmp_path, inbox, args, message) -> None:
    res = invoke(tmp_path, "collect", inbox, *args)
    assert res.exit_code == 2, res.output
    assert message in res.output


def test_missing_inbox_exit_2(tmp_path) -> None:
    res = invoke(tmp_path, "collect", tmp_path / "nope")
    assert res.exit_code == 2


def test_feedback_inside_inbox_exit_2(tmp_path, inbox) -> None:
    res = invoke(tmp_path, "collect", inbox, "--feedback", inbox / "fb")
    assert res.exit_code == 2
    assert "收件箱" in res.output


def test_samples_through_the_cli(tmp_path, sample_inbox) -> None:
    fb = tmp_path / "feedback"
    res = invoke(tmp_path, "collect", sample_inbox, "--feedback", fb)
    assert res.exit_code == 1, res.output  # 铜官区附件3（损坏）.xlsx
    lines = table_lines(res.output)
    assert [
        "2020-05/义安区报表.xlsx",
        "[Sheet1]",
        "义安区",
        "2020-05",
        "附件3",
        "在建",
        "6",
        "0",
        "0",
        "已被替代",
    ] in lines
    assert lines[-3][0] == "2020-05/义安区报表说明.txt"  # skipped files come last
    assert "共 19 个文件：已接收 17，已被替代 1，退回 1，跳过 1；错误 6 条，提醒 5 条" in res.output
    broken = next(ln for ln in res.output.splitlines() if "损坏）.xlsx" in ln)
    assert "退回：" in broken and "损坏" in broken.split("退回：", 1)[1]
    assert (fb / "2020-05" / "枞阳县" / "退回修改-枞阳县2020年5月项目表.xlsx").exists()

    conn = ledger_mod.open_ledger(tmp_path / "g.db")
    assert (
        conn.execute("SELECT count(*) FROM submissions WHERE status = 'accepted'").fetchone()[0]
        == 18
    )
    status = invoke(tmp_path, "status", "--month", "2020-05")
    assert status.exit_code == 0
    assert status.output.rstrip().splitlines()[-1] == (
        "2020年5月尚未报送：郊区（附件2 谋划）；铜官区（附件2 谋划）"
    )
    assert [
        "铜官区",
        "附件3",
        "在建",
        "逾期报送",
        "新建",
        "Microsoft",
        "Excel",
        "工作表.xlsx",
        "2020-05-27",
        "15:20",
    ] in table_lines(status.output)


def test_ctrl_c_says_what_landed_and_exits_130(tmp_path, inbox, monkeypatch) -> None:
    import gongjian_cli.collect as collect_mod

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(collect_mod, "collect_inbox", interrupted)
    res = invoke(tmp_path, "collect", inbox)
    assert res.exit_code == 130
    assert "已中断：中断前处理完的文件均已完整入账" in res.output
    assert "Aborted" not in res.output
