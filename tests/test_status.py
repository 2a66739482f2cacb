"""`status`: on time, late, carried and missing districts, core and CLI."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from gongjian_cli import ledger
from gongjian_cli.cli import cli
from gongjian_cli.models import Identity, Submission
from gongjian_cli.month import Month
from gongjian_cli.schema import SubmissionStatus, Table
from gongjian_cli.status import submission_status


def _record(conn, district: str, month: str, table: Table, name: str, received: datetime) -> int:
    sub = Submission(
        file_name=name,
        file_path=f"/inbox/{name}",
        sha256=name,
        sheet="Sheet1",
        identity=Identity(district, month, table, {"district": "文件名"}),
        received_at=received,
        header_row=3,
        columns={"name": "B", "total": "C"},
        rows=[],
        findings=[],
    )
    with ledger.transaction(conn):
        return ledger.insert_submission(conn, sub)


@pytest.fixture
def filled(tmp_path: Path):
    db = tmp_path / "g.db"
    conn = ledger.open_ledger(db)
    _record(
        conn, "经开区", "2020-05", Table.PLANNED, "经开区谋划5月.xlsx", datetime(2020, 5, 20, 9)
    )
    _record(
        conn,
        "经开区",
        "2020-05",
        Table.CONSTRUCTION,
        "经开区在建5月.xlsx",
        datetime(2020, 5, 25, 18),
    )
    _record(conn, "郊区", "2020-05", Table.PLANNED, "郊区谋划.xlsx", datetime(2020, 5, 27, 10))
    _record(conn, "郊区", "2020-04", Table.CONSTRUCTION, "郊区在建4月.xlsx", datetime(2020, 4, 24))
    # an earlier 义安 file superseded by a later one: the later one is shown
    _record(conn, "义安区", "2020-05", Table.PLANNED, "义安v1.xlsx", datetime(2020, 5, 10))
    _record(conn, "义安区", "2020-05", Table.PLANNED, "义安v2.xlsx", datetime(2020, 5, 12))
    yield db, conn
    conn.close()


def test_status_core(filled, targets) -> None:
    _, conn = filled
    report = submission_status(conn, Month(2020, 5), targets)
    got = {(ln.district, ln.table): (ln.status, ln.file_name, ln.label) for ln in report.lines}
    assert got["经开区", Table.PLANNED] == (
        SubmissionStatus.ON_TIME,
        "经开区谋划5月.xlsx",
        "按时报送",
    )
    assert got["经开区", Table.CONSTRUCTION][:2] == (SubmissionStatus.ON_TIME, "经开区在建5月.xlsx")
    assert got["郊区", Table.PLANNED] == (SubmissionStatus.LATE, "郊区谋划.xlsx", "逾期报送")
    assert got["郊区", Table.CONSTRUCTION] == (
        SubmissionStatus.CARRIED,
        "郊区在建4月.xlsx",
        "沿用 2020-04",
    )
    assert got["义安区", Table.PLANNED][1] == "义安v2.xlsx"
    assert got["铜官区", Table.PLANNED] == (SubmissionStatus.MISSING, None, "未报")
    assert len(report.lines) == 10
    assert [ln.district for ln in report.lines[:2]] == ["经开区", "经开区"]
    assert report.chase_text() == (
        "2020年5月尚未报送：枞阳县（附件2 谋划、附件3 在建）；郊区（附件3 在建）；"
        "义安区（附件3 在建）；铜官区（附件2 谋划、附件3 在建）"
    )


def test_status_cli_table(filled) -> None:
    db, _ = filled
    res = CliRunner().invoke(cli, ["--db", str(db), "status", "--month", "2020-05"])
    assert res.exit_code == 0, res.output
    lines = [ln.split() for ln in res.output.splitlines()]
    assert lines[0][0].startswith("2020年5月报送情况")
    assert ["郊区", "附件2", "谋划", "逾期报送", "郊区谋划.xlsx", "2020-05-27", "10:00"] in lines
    assert [
        "郊区",
        "附件3",
        "在建",
        "沿用",
        "2020-04",
        "郊区在建4月.xlsx",
        "2020-04-24",
        "00:00",
    ] in lines
    assert ["铜官区", "附件2", "谋划", "未报"] in lines
    assert res.output.rstrip().splitlines()[-1].startswith("2020年5月尚未报送：枞阳县")


def test_status_cli_json(filled) -> None:
    db, _ = filled
    res = CliRunner().invoke(
        cli, ["--db", str(db), "status", "--month", "2020-05", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["month"] == "2020-05"
    line = next(x for x in data["lines"] if x["district"] == "经开区" and x["table"] == "planned")
    assert line == {
        "district": "经开区",
        "table": "planned",
        "status": "on_time",
        "label": "按时报送",
        "file": "经开区谋划5月.xlsx",
        "received_at": "2020-05-20T09:00:00",
        "source_month": "2020-05",
        "sender": None,
    }
    assert {"district": "铜官区", "table": "construction"} in data["missing"]


def test_all_sent(tmp_path: Path, targets) -> None:
    conn = ledger.open_ledger(tmp_path / "g.db")
    for d in targets.district_names:
        for t in Table:
            _record(conn, d, "2020-05", t, f"{d}{t}.xlsx", datetime(2020, 5, 1))
    report = submission_status(conn, Month(2020, 5), targets)
    assert report.missing == []
    assert report.chase_text() == "2020年5月各县区报表均已报送。"


@pytest.mark.parametrize(
    ("args", "code"),
    [(["status"], 2), (["status", "--month", "2020-13"], 2), (["status", "--month", "2019-05"], 2)],
)
def test_status_usage_errors(tmp_path: Path, args: list[str], code: int) -> None:
    res = CliRunner().invoke(cli, ["--db", str(tmp_path / "g.db"), *args])
    assert res.exit_code == code, res.output
