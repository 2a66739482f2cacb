"""`gongjian report` through click's CliRunner: outputs, stdout/stderr, exit codes."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner
from report_ledger import build

from gongjian_cli.cli import cli
from gongjian_cli.ledger import open_ledger


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "ledger.db"
    conn = open_ledger(path)
    build(conn)
    conn.close()
    return path


def run(*args):
    return CliRunner().invoke(cli, [*map(str, args)], catch_exceptions=False)


def test_default_writes_xlsx_html_and_docx_under_reports_month(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("--db", db, "report", "--month", "2020-05")
    assert result.exit_code == 0, result.output
    out = tmp_path / "reports" / "2020-05"
    xlsx, html = out / "月度通报-2020-05.xlsx", out / "月度通报-2020-05.html"
    docx = out / "通报-2020-05.docx"
    assert sorted(p.name for p in out.iterdir()) == sorted([xlsx.name, html.name, docx.name])
    assert str(xlsx) in result.stdout or "reports/2020-05/月度通报-2020-05.xlsx" in result.stdout
    assert openpyxl.load_workbook(xlsx).sheetnames[0] == "完成情况"
    assert "截至5月底" in html.read_text(encoding="utf-8")


def test_json_to_stdout_only(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("--db", db, "report", "--month", "2020-05", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["districts"]["经开区"]["metrics"]["investment"]["actual"] == 10.1234
    assert result.stderr == ""
    assert not (tmp_path / "reports").exists()  # no --out: nothing written


def test_json_with_out_writes_file_and_paths_go_to_stderr(db, tmp_path):
    out = tmp_path / "通报"
    result = run(
        "--db", db, "report", "--month", "2020-05", "--format", "json,md,xlsx", "--out", out
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)  # stdout is JSON only
    saved = json.loads((out / "月度通报-2020-05.json").read_text(encoding="utf-8"))
    assert saved == data
    assert (out / "月度通报-2020-05.md").exists() and (out / "月度通报-2020-05.xlsx").exists()
    assert result.stderr.count("已生成") == 3


def test_empty_ledger_is_zeros_with_every_district_missing(tmp_path):
    result = run("--db", tmp_path / "new.db", "report", "--month", "2020-01", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["time_progress"] == 0.0833
    for d in data["districts"].values():
        assert [s["status"] for s in d["submissions"].values()] == ["missing", "missing"]
        assert d["metrics"]["investment"] == {
            "actual": 0.0,
            "target": d["metrics"]["investment"]["target"],
            "rate": 0.0,
            "behind": True,
        }
    assert data["total"]["metrics"]["registered"]["actual"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2020-13"], "月份无效"),
        (["--month", "May"], "月份格式不对"),
        (["--month", "2021-05"], "不在目标任务文件的年度"),
        (["--month", "2020-05", "--format", "pdf"], "未知的输出格式“pdf”"),
    ],
)
def test_bad_input_is_a_usage_error(db, args, message):
    result = run("--db", db, "report", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_month_is_required():
    result = run("report")
    assert result.exit_code == 2
    assert "--month" in result.output


def test_help_has_summary_and_example():
    result = run("report", "--help")
    assert result.exit_code == 0
    assert "按月通报" in result.output
    assert "gongjian report --month 2020-05" in result.output
