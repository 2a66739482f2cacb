"""The whole inbox of the shipped samples (2020-03 … 2020-06) collected at once through
the CLI, then status and report for each month.

The expected figures come from samples/manifest.json, which samples/generate.py computes
with its own reading of the cells (not gongjian's code); a few are also worked out by
hand below, from the rows listed in samples/README.md. The clerk's month-by-month cycle
(prefilled templates, project keys, the name-pair file) is tests/test_samples_year.py's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gongjian_cli.cli import cli

MONEY = {"investment", "planned_investment"}
MONTHS = ["2020-03", "2020-04", "2020-05", "2020-06"]


@pytest.fixture(scope="module")
def collected(sample_year_inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ledger for the module: the four months collected in one run (read only)."""
    tmp = tmp_path_factory.mktemp("end_to_end")
    db = tmp / "ledger.db"
    result = CliRunner().invoke(
        cli, ["--db", str(db), "collect", str(sample_year_inbox), "--feedback", str(tmp / "fb")]
    )
    assert result.exit_code == 1, result.output  # the broken download is rejected
    # 31 files in the inbox: 2 zip members and 2 e-mail attachments are files of their own
    assert "共 35 个文件：已接收 33，已被替代 1，退回 1，跳过 1" in result.output
    assert "枞阳县6月报表.zip/枞阳县/附件2-谋划.xlsx" in result.output
    return db


def _report(db: Path, month: str) -> dict:
    result = CliRunner().invoke(
        cli, ["--db", str(db), "report", "--month", month, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("month", MONTHS)
def test_report_figures_match_the_independent_computation(collected, sample_year_manifest, month):
    report = _report(collected, month)
    expected = sample_year_manifest["expected_metrics"][month]
    for district, figures in expected.items():
        metrics = (
            report["total"]["metrics"]
            if district == "全市"
            else report["districts"][district]["metrics"]
        )
        for key, value in figures.items():
            if key.startswith("registered_") and district != "全市":
                continue  # the city-level split exists only in the total
            actual = metrics[key]["actual"]
            if key in MONEY:
                assert actual == pytest.approx(value, abs=1e-4), (district, key)
            else:
                assert actual == value, (district, key)


@pytest.mark.parametrize("month", MONTHS)
def test_statuses_match_the_manifest(collected, sample_year_manifest, month):
    report = _report(collected, month)
    subs = {d: v["submissions"] for d, v in report["districts"].items()}
    for district, tables in sample_year_manifest["expected_status"][month].items():
        for table, entry in tables.items():
            got = subs[district][table]
            assert got["status"] == entry["status"], (district, table)
            if "file" in entry:
                # as collect shows it: the file, or 包.zip/成员.xlsx (the month folder cut)
                assert got["file"] == entry["file"].split("/", 1)[1], (district, table)
            if "from" in entry:
                assert got["month"] == entry["from"], (district, table)


def test_statuses_carried_missing_late(collected):
    report = _report(collected, "2020-05")
    subs = {d: v["submissions"] for d, v in report["districts"].items()}
    assert subs["郊区"]["planned"] == {
        "status": "carried",
        "month": "2020-04",
        "file": "郊区附件2_202004.xlsx",
    }
    assert subs["铜官区"]["planned"]["status"] == "missing"
    assert subs["铜官区"]["construction"]["status"] == "late"
    assert subs["义安区"]["construction"]["file"] == "义安区报表（修改版）.xlsx"
    june = {d: v["submissions"] for d, v in _report(collected, "2020-06")["districts"].items()}
    # 枞阳县 sends June's tables in a zip (on time, the zip's mtime 6-23)
    assert june["枞阳县"]["planned"]["status"] == "on_time"
    assert june["郊区"]["planned"]["status"] == "on_time"  # the system export, 6-24
    assert june["郊区"]["construction"]["status"] == "late"  # 6-28
    # sent by e-mail on the 24th (Date), saved into the inbox on the 27th: on time
    assert june["铜官区"]["construction"]["status"] == "on_time"


def test_hand_worked_figures(collected, tmp_path):
    may, april = _report(collected, "2020-05"), _report(collected, "2020-04")
    yian = may["districts"]["义安区"]["metrics"]
    # 义安区 May: the 修改版 (5-24) supersedes the 5-20 file. The first file gives 6.10亿;
    # the 修改版 raises 铜材精深加工项目 from 18000 to 19500 万元: 6.10 + 0.15 = 6.25亿.
    # Registered: 5 in the first file, +1 (智能家电零部件项目 否 → 是) = 6.
    assert yian["investment"]["actual"] == pytest.approx(6.25)
    assert yian["registered"]["actual"] == 6
    # rate = 6.25 / 40 = 0.15625 → 0.1563; time progress 5/12 = 0.4167: behind.
    assert yian["investment"]["rate"] == pytest.approx(0.1563, abs=1e-4)
    assert yian["investment"]["behind"] is True
    assert may["time_progress"] == pytest.approx(0.4167, abs=1e-4)
    # 经开区: 电子级化学品配套仓储项目 reports 13500 完成 > 12000 总投资 → its investment
    # is excluded, the row still counts as a new start: 8.74亿, not 8.74 + 1.35 = 10.09.
    assert may["districts"]["经开区"]["metrics"]["investment"]["actual"] == pytest.approx(8.74)
    # 郊区 sends no 附件2 in May: April's 5 projects, 23.4亿, are carried unchanged.
    for report in (may, april):
        assert report["districts"]["郊区"]["metrics"]["planned_count"]["actual"] == 5
    # Completed has no target: rate and behind are null.
    assert may["total"]["metrics"]["completed"] == {
        "actual": 5,
        "target": None,
        "rate": None,
        "behind": None,
    }
    # Month over month, city investment: 30.08 − 19.96 = 10.12亿 (本月新增, shown in md).
    out = tmp_path / "reports"
    args = ["--db", str(collected), "report", "--month", "2020-05", "--format", "md"]
    md = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert md.exit_code == 0, md.output
    text = (out / "月度通报-2020-05.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| 重点项目投资任务"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # city: 30.08 / 200 = 15.0%, +10.12; 经开区: 8.74 − 6.01 (April) = +2.73
    assert cells[1] == "30.08 / 200（**15.0%**，+10.12）"
    assert cells[2] == "8.74 / 64（**13.7%**，+2.73）"


def test_findings_in_the_report_name_the_cell(collected):
    findings = _report(collected, "2020-05")["findings"]
    by_code = {(f["file"], f["code"]): f for f in findings}
    f = by_code["枞阳县2020年5月项目表.xlsx", "below-1yi"]
    assert (f["district"], f["table"], f["sheet"], f["row"], f["column"], f["value"]) == (
        "枞阳县",
        "planned",
        "附件2谋划",
        11,
        "C",
        "8000",
    )
    rejected = by_code["铜官区附件3（损坏）.xlsx", "corrupt"]
    assert rejected["row"] is None and rejected["severity"] == "error"
    # unreadable, so identified from its name only: 铜官区, 附件3
    assert (rejected["district"], rejected["table"]) == ("铜官区", "construction")
    dup = [f for f in findings if f["code"] == "duplicate-across-districts"]
    assert sorted((f["district"], f["row"]) for f in dup) == [("义安区", 9), ("经开区", 8)]
    # The superseded 义安区报表.xlsx is not in effect: none of its findings are listed.
    assert not any(f["file"] == "义安区报表.xlsx" for f in findings)


def test_june_hand_worked_figures(collected, tmp_path):
    """经开区's June 附件3 (the prefilled template it filled in) lowers three cumulative
    figures: 铜陵有色铜箔扩建项目 6500 after 28500, 电子级化学品配套仓储项目 1900 after 13500,
    半导体封装引线框架项目 blank (0) after 6300."""
    june = _report(collected, "2020-06")
    # key projects (总投资 ≥ 10000): 6500 + 19000 + 17000 + 13600 + 10200 + 0 + 4800 + 3900
    # + 1900 + 3000 (新型显示用光学膜项目, added below) = 79900 万元; 锂电池铜箔表面处理技改项目
    # (总投资 8500) is not a key project. 电子级化学品配套仓储项目 counts again (1900 ≤ 12000).
    jk = june["districts"]["经开区"]["metrics"]
    assert jk["investment"]["actual"] == pytest.approx(7.99)
    assert jk["new_starts"]["actual"] == 6  # 光学膜 added to May's five
    out = tmp_path / "reports"
    args = ["--db", str(collected), "report", "--month", "2020-06", "--format", "md"]
    md = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert md.exit_code == 0, md.output
    text = (out / "月度通报-2020-06.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| 重点项目投资任务"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # 7.99 / 64 = 12.48 % → 12.5%; June − May: 7.99 − 8.74 = −0.75
    assert cells[2] == "7.99 / 64（**12.5%**，-0.75）"
    # the bulletin lists the checks against May on the cells of 经开区's June file. This
    # ledger never prefilled a template, so the hidden keys in the file are unknown to it:
    # the row renamed 高强高导铜合金线材智能制造项目 is a new project (possible-rename) and its
    # old name is dropped (tests/test_samples_year.py: the clerk's cycle recognises it)
    f = "附件3-铜陵市2020年工业在建项目进展情况表-经开区-2020年06月.xlsx"
    found = {
        (x["code"], x["row"], x["column"], x["value"]) for x in june["findings"] if x["file"] == f
    }
    assert found == {
        ("completed-decreased", 4, "F", "6500"),
        ("completed-decreased", 9, "F", "0"),
        ("completed-decreased", 13, "F", "1900"),
        ("completed-blank", 9, "F", None),
        ("possible-rename", 6, "B", "高强高导铜合金线材智能制造项目"),
        ("project-dropped", None, None, "高端铜合金线材智能制造项目"),
    }


def test_the_bulletin_names_who_sent_each_table(collected, tmp_path):
    """报送情况 (xlsx and html): the e-mail's sender (name and address) beside the tables
    铜官区 sent by e-mail; empty for loose files and zip members."""
    import html as html_lib

    import openpyxl

    out = tmp_path / "reports"
    args = ["--db", str(collected), "report", "--month", "2020-06", "--format", "xlsx,html"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    sender = "铜官区经信局 王芳 <tgq_wangfang@163.com>"
    ws = openpyxl.load_workbook(out / "月度通报-2020-06.xlsx")["报送情况"]
    header = [c.value for c in ws[2]]
    assert header[-1] == "发件人"
    rows = {(r[0], r[2]): r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert rows["铜官区", "附件3（在建）"][-1] == sender
    assert (
        rows["铜官区", "附件3（在建）"][5] == "铜官区6月在建项目表.eml/铜官区附件3_2020年6月.xlsx"
    )
    assert rows["铜官区", "附件2（谋划）"][-1] == sender
    assert rows["枞阳县", "附件2（谋划）"][-1] in (None, "")  # a zip member: no sender
    assert rows["经开区", "附件3（在建）"][-1] in (None, "")  # a loose file
    page = (out / "月度通报-2020-06.html").read_text(encoding="utf-8")
    section = page[page.index("发件人") :]
    assert html_lib.escape(sender) in section or sender in section
