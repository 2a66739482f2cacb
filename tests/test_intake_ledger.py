"""Schema 4: where each submission came from (container, member, sender, Date)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from _intake_files import zip_bytes
from test_collect import run
from test_intake_archives import put, xlsx
from test_intake_mail import eml, rfc2047

from gongjian_cli.ledger import SCHEMA_VERSION, open_ledger, schema_version
from gongjian_cli.month import Month
from gongjian_cli.schema import Table
from gongjian_cli.status import submission_status


def test_schema_3_ledger_is_migrated_to_4(tmp_path: Path):
    from gongjian_cli.ledger import _SCHEMA_V1, _SCHEMA_V2, _SCHEMA_V3

    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(_SCHEMA_V1)
    old.executescript(_SCHEMA_V2)
    old.executescript(_SCHEMA_V3)
    old.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    old.execute(
        "INSERT INTO submissions (id, file_name, file_path, sha256, sheet, district, month,"
        " table_kind, status, received_at, collected_at, row_count) VALUES (1, 'a.xlsx',"
        " '/a.xlsx', 'abc', 'Sheet1', '经开区', '2020-04', 'planned', 'accepted',"
        " '2020-04-20 10:00:00', '2020-04-21 10:00:00', 0)"
    )
    old.commit()
    old.close()

    conn = open_ledger(path)
    assert SCHEMA_VERSION == 4 and schema_version(conn) == 4
    row = conn.execute(
        "SELECT file_name, sha256, container_path, container_sha256, member_name, sender,"
        " sent_at FROM submissions WHERE id = 1"
    ).fetchone()
    assert tuple(row) == ("a.xlsx", "abc", None, None, None, None, None)
    report = submission_status(conn, Month(2020, 4), _targets())
    line = next(ln for ln in report.lines if ln.district == "经开区" and ln.table is Table.PLANNED)
    assert line.file_name == "a.xlsx" and line.sender is None
    conn.close()


def _targets():
    from gongjian_cli.targets import load_targets

    return load_targets()


def test_origin_is_recorded_for_zip_members_and_attachments(tmp_path, ledger, targets):
    import hashlib

    inbox = tmp_path / "inbox"
    zipped = put(inbox / "包.zip", zip_bytes({"郊区-2020年5月-附件3.xlsx": xlsx()}, gbk=True))
    mail = put(
        inbox / "来信.eml",
        eml([(rfc2047("义安区-2020年5月-附件3.xlsx", "GBK"), xlsx())]),
        datetime(2020, 5, 30),
    )
    run(inbox, ledger, targets)
    rows = {
        r["district"]: r
        for r in ledger.execute(
            "SELECT district, file_name, container_path, container_sha256, member_name,"
            " sender, sent_at, received_at FROM submissions"
        )
    }
    z = rows["郊区"]
    assert z["file_name"] == "包.zip/郊区-2020年5月-附件3.xlsx"
    assert z["container_path"] == str(zipped)
    assert z["container_sha256"] == hashlib.sha256(zipped.read_bytes()).hexdigest()
    assert z["member_name"] == "郊区-2020年5月-附件3.xlsx"
    assert z["sender"] is None and z["sent_at"] is None
    m = rows["义安区"]
    assert m["container_path"] == str(mail)
    assert m["sender"] == "郊区经信局 <jxj@jiaoqu.gov.cn>"
    assert m["sent_at"] == m["received_at"] == "2020-05-24 10:15:00"

    report = submission_status(ledger, Month(2020, 5), targets)
    line = next(
        ln for ln in report.lines if ln.district == "义安区" and ln.table is Table.CONSTRUCTION
    )
    assert line.sender == "郊区经信局 <jxj@jiaoqu.gov.cn>"
    assert line.file_name == "来信.eml/义安区-2020年5月-附件3.xlsx"


def test_status_cli_shows_the_sender(tmp_path, targets):
    from click.testing import CliRunner

    from gongjian_cli.cli import cli

    inbox = tmp_path / "inbox"
    put(inbox / "来信.eml", eml([(rfc2047("义安区-2020年5月-附件3.xlsx", "GBK"), xlsx())]))
    db = tmp_path / "g.db"
    conn = open_ledger(db)
    run(inbox, conn, targets)
    conn.close()
    res = CliRunner().invoke(cli, ["--db", str(db), "status", "--month", "2020-05"])
    assert res.exit_code == 0, res.output
    assert "发件人" in res.output
    line = next(x for x in res.output.splitlines() if "来信.eml" in x)
    assert "郊区经信局 <jxj@jiaoqu.gov.cn>" in line
