"""`gongjian init-templates` through click: files written, output lines, usage errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from gongjian_cli.cli import cli
from gongjian_cli.metadata import read_template_meta
from gongjian_cli.models import TemplateMeta
from gongjian_cli.month import Month
from gongjian_cli.schema import Table

EXPECTED_MAY = [
    f"附件{n}-铜陵市2020年工业{kind}-{d}-2020年05月.xlsx"
    for d in ("经开区", "枞阳县", "郊区", "义安区", "铜官区")
    for n, kind in ((2, "谋划项目表"), (3, "在建项目进展情况表"))
]


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Invoke the CLI with ``tmp_path`` as the working directory."""
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["init-templates", *args])

    return invoke


def test_writes_ten_workbooks_into_outbox_month(run, tmp_path):
    result = run("--month", "2020-05")
    assert result.exit_code == 0, result.output
    out = tmp_path / "outbox" / "2020-05"
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPECTED_MAY)
    # no ledger here (gongjian.db absent): blank templates, and no ledger is created
    assert result.stdout.splitlines() == [f"outbox/2020-05/{name}\t空白" for name in EXPECTED_MAY]
    assert result.stderr.splitlines() == [
        "未找到账本“gongjian.db”，生成空白模板。",
        "已生成 10 个工作簿（预填 0 个，空白 10 个）：outbox/2020-05",
    ]
    assert not (tmp_path / "gongjian.db").exists()
    meta = read_template_meta(out / EXPECTED_MAY[3])
    assert meta == TemplateMeta("枞阳县", "2020-05", Table.CONSTRUCTION, "1")
    ws = openpyxl.load_workbook(out / EXPECTED_MAY[0]).worksheets[0]
    assert ws["A2"].value.startswith("填报单位：经开区　　报送月份：2020年5月")


def test_district_filter_and_out_dir(run, tmp_path):
    result = run("--month", "2020.6", "--district", "枞阳", "--district", "铜官区", "--out", "下发")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "下发").iterdir()) == sorted(
        [
            "附件2-铜陵市2020年工业谋划项目表-枞阳县-2020年06月.xlsx",
            "附件3-铜陵市2020年工业在建项目进展情况表-枞阳县-2020年06月.xlsx",
            "附件2-铜陵市2020年工业谋划项目表-铜官区-2020年06月.xlsx",
            "附件3-铜陵市2020年工业在建项目进展情况表-铜官区-2020年06月.xlsx",
        ]
    )
    assert "已生成 4 个工作簿（预填 0 个，空白 4 个）：下发" in result.stderr
    assert not (tmp_path / "outbox").exists()


def test_default_month_is_the_current_month_in_the_targets_year(run, tmp_path, monkeypatch):
    monkeypatch.setattr(Month, "current", classmethod(lambda cls: Month(2020, 7)))
    result = run("--district", "郊区")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "outbox" / "2020-07").iterdir()) == [
        "附件2-铜陵市2020年工业谋划项目表-郊区-2020年07月.xlsx",
        "附件3-铜陵市2020年工业在建项目进展情况表-郊区-2020年07月.xlsx",
    ]


def test_current_month_outside_the_targets_year_asks_for_month(run, tmp_path, monkeypatch):
    monkeypatch.setattr(Month, "current", classmethod(lambda cls: Month(2026, 3)))
    result = run()
    assert result.exit_code == 2
    assert "2026-03" in result.stderr
    assert "--month 2020-MM" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--month", "2020-05", "--district", "经开"], ["未知县区“经开”", "经开区"]),
        (["--month", "2020-05", "--district", "合肥"], ["未知县区“合肥”", "枞阳县"]),
        (["--month", "2020-13"], ["月份无效", "13月"]),
        (["--month", "abc"], ["月份格式不对", "abc", "YYYY-MM"]),
        (["--month", "2021-05"], ["2021-05", "2020年"]),
        (["--month", "2020-05", "--out", "a-file"], ["a-file", "是一个文件"]),
        (["--month", "2020-05", "--out", "a-file/sub"], ["a-file", "是一个文件"]),
    ],
)
def test_usage_errors_exit_2_with_a_chinese_message(run, tmp_path, args, fragments):
    (tmp_path / "a-file").write_text("not a folder")
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("错误：")
    for fragment in fragments:
        assert fragment in result.stderr
    assert not (tmp_path / "outbox").exists()
    assert result.stdout == ""


def test_help_has_summary_and_example(run):
    result = run("--help")
    assert result.exit_code == 0
    assert "生成各县区本月报送表" in result.output
    assert "预填上次报送的项目" in result.output
    assert "gongjian init-templates --month 2020-05" in result.output
    assert "--district" in result.output and "--blank" in result.output


def test_cli_import_stays_light():
    code = (
        "import sys, gongjian_cli.cli.init_templates; "
        "print(sorted(m for m in ('xlsxwriter', 'openpyxl', 'gongjian_cli.template') "
        "if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "[]"
