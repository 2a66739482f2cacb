from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from gongjian_cli.errors import LedgerError
from gongjian_cli.ledger import (
    SCHEMA_VERSION,
    effective_submissions,
    find_duplicate,
    insert_rejection,
    insert_submission,
    open_ledger,
    rejections_for_month,
    schema_version,
    submission_findings,
    transaction,
)
from gongjian_cli.models import Identity, ParsedRow, Rejection, Submission, make_finding
from gongjian_cli.month import Month
from gongjian_cli.schema import Severity, SubmissionStatus, Table


def _sub(name: str, district: str, month: str, received: str, *, sha: str | None = None,
         table: Table = Table.CONSTRUCTION, rows: int = 1) -> Submission:  # fmt: skip
    parsed = [
        ParsedRow(excel_row=4 + i, raw={"name": f"项目{i}"}, name=f"项目{i}", total=20000.0)
        for i in range(rows)
    ]
    parsed[0].findings.append(
        make_finding("completed-blank", file=name, sheet="Sheet1", row=4, column="F", value="")
    )
    return Submission(
        file_name=name,
        file_path=f"/inbox/{name}",
        sha256=sha or name,
        sheet="Sheet1",
        identity=Identity(district, month, table, {"district": "文件名"}),
        received_at=datetime.fromisoformat(received),
        header_row=3,
        columns={"name": "B"},
        rows=parsed,
        findings=[],
    )


def _add(conn: sqlite3.Connection, sub: Submission) -> int:
    with transaction(conn):
        return insert_submission(conn, sub)


def test_new_ledger_has_schema_version(tmp_path):
    conn = open_ledger(tmp_path / "l.db")
    assert schema_version(conn) == SCHEMA_VERSION
    conn.close()
    conn = open_ledger(tmp_path / "l.db")  # reopening migrates nothing
    assert schema_version(conn) == SCHEMA_VERSION


def test_ledger_uses_wal_and_leaves_a_foreign_database_alone(tmp_path):
    conn = open_ledger(tmp_path / "l.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    other = tmp_path / "other.db"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE x (a)")
    c.commit()
    c.close()
    with pytest.raises(LedgerError):
        open_ledger(other)
    c = sqlite3.connect(other)
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    c.close()


def test_insert_needs_a_transaction(ledger):
    with pytest.raises(ValueError, match="transaction"):
        insert_submission(ledger, _sub("a.xlsx", "经开区", "2020-05", "2020-05-20 10:00:00"))


def test_refuses_foreign_or_newer_database(tmp_path):
    other = tmp_path / "other.db"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE x (a)")
    c.commit()
    c.close()
    with pytest.raises(LedgerError, match="不是 gongjian 的账本"):
        open_ledger(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(LedgerError, match="无法打开账本"):
        open_ledger(junk)
    newer = tmp_path / "newer.db"
    conn = open_ledger(newer)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(LedgerError, match="99"):
        open_ledger(newer)


def test_rows_and_findings_land(ledger):
    sid = _add(ledger, _sub("a.xlsx", "经开区", "2020-05", "2020-05-20 10:00:00", rows=3))
    assert (
        ledger.execute("SELECT count(*) FROM rows WHERE submission_id = ?", (sid,)).fetchone()[0]
        == 3
    )
    (f,) = submission_findings(ledger, [sid])
    assert (f.file, f.row, f.column, f.code, f.severity) == (
        "a.xlsx", 4, "F", "completed-blank", Severity.WARNING,
    )  # fmt: skip
    sub = ledger.execute("SELECT * FROM submissions WHERE id = ?", (sid,)).fetchone()
    assert (sub["row_count"], sub["error_count"], sub["warning_count"]) == (3, 0, 1)


def test_supersession_follows_received_time_not_collection_order(ledger):
    late = _add(ledger, _sub("v2.xlsx", "义安区", "2020-05", "2020-05-24 09:00:00"))
    early = _add(ledger, _sub("v1.xlsx", "义安区", "2020-05", "2020-05-20 09:00:00"))
    latest = _add(ledger, _sub("v3.xlsx", "义安区", "2020-05", "2020-05-28 09:00:00"))
    chain = dict(ledger.execute("SELECT id, superseded_by FROM submissions").fetchall())
    assert chain == {late: latest, early: late, latest: None}


def test_rejection_never_supersedes(ledger):
    ok = _add(ledger, _sub("ok.xlsx", "郊区", "2020-05", "2020-05-20 09:00:00"))
    rej = Rejection(
        file_name="bad.xlsx", file_path="/inbox/bad.xlsx", sha256="x", sheet=None,
        received_at=datetime(2020, 5, 26), code="corrupt", reason="文件已损坏",
        district="郊区", month="2020-05", table=Table.CONSTRUCTION,
    )  # fmt: skip
    with transaction(ledger):
        insert_rejection(ledger, rej)
    row = ledger.execute("SELECT superseded_by FROM submissions WHERE id = ?", (ok,)).fetchone()
    assert row[0] is None
    assert [r["file_name"] for r in rejections_for_month(ledger, Month(2020, 5))] == ["bad.xlsx"]


def test_duplicate_is_keyed_on_content_and_identity(ledger):
    sub = _sub("a.xlsx", "经开区", "2020-05", "2020-05-20 10:00:00", sha="h1")
    sid = _add(ledger, sub)
    assert find_duplicate(ledger, sub) == sid
    same_bytes_other_month = _sub("a.xlsx", "经开区", "2020-04", "2020-05-20 10:00:00", sha="h1")
    assert find_duplicate(ledger, same_bytes_other_month) is None


def test_transaction_rolls_back_on_interrupt(ledger):
    with pytest.raises(KeyboardInterrupt), transaction(ledger):
        insert_submission(ledger, _sub("a.xlsx", "经开区", "2020-05", "2020-05-20 10:00:00"))
        raise KeyboardInterrupt
    assert ledger.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0
    assert ledger.execute("SELECT count(*) FROM rows").fetchone()[0] == 0


def test_effective_submissions_statuses(ledger):
    _add(ledger, _sub("jk5.xlsx", "经开区", "2020-05", "2020-05-25 23:00:00"))
    _add(ledger, _sub("yg5.xlsx", "义安区", "2020-05", "2020-05-26 08:00:00"))
    _add(ledger, _sub("jq4.xlsx", "郊区", "2020-04", "2020-04-20 08:00:00"))
    _add(ledger, _sub("jq3.xlsx", "郊区", "2020-03", "2020-03-20 08:00:00"))
    _add(ledger, _sub("ty6.xlsx", "铜官区", "2020-06", "2020-06-20 08:00:00"))
    _add(ledger, _sub("zy19.xlsx", "枞阳县", "2019-12", "2019-12-20 08:00:00"))
    eff = effective_submissions(
        ledger, Month(2020, 5), ["经开区", "义安区", "郊区", "铜官区", "枞阳县"]
    )
    c = Table.CONSTRUCTION
    assert eff["经开区", c].status == SubmissionStatus.ON_TIME
    assert eff["义安区", c].status == SubmissionStatus.LATE
    assert (eff["郊区", c].status, eff["郊区", c].month, eff["郊区", c].file_name) == (
        SubmissionStatus.CARRIED, "2020-04", "jq4.xlsx",
    )  # fmt: skip
    assert eff["铜官区", c].status == SubmissionStatus.MISSING  # a later month doesn't count
    assert eff["枞阳县", c].status == SubmissionStatus.MISSING  # last year's doesn't carry
    assert eff["经开区", Table.PLANNED].status == SubmissionStatus.MISSING


def test_file_rejected_survives_pickling():
    import pickle

    from gongjian_cli.errors import FileRejected

    exc = pickle.loads(pickle.dumps(FileRejected("corrupt", "文件已损坏")))
    assert (exc.code, exc.message, str(exc)) == ("corrupt", "文件已损坏", "文件已损坏")


def test_schema_1_ledger_is_migrated_keeping_rows_findings_and_raw(tmp_path):
    """A ledger written by 0.1.0 (schema 1, raw cells per row) opens as schema 2: its rows,
    ids, findings and raw cells stay; new rows keep their raw cells per sheet."""
    from gongjian_cli.ledger import _SCHEMA_V1, raw_cells, raw_row

    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(_SCHEMA_V1)
    old.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    old.execute(
        "INSERT INTO submissions (id, file_name, file_path, sheet, district, month, table_kind,"
        " status, received_at, collected_at, row_count) VALUES (1, 'a.xlsx', '/a.xlsx',"
        " 'Sheet1', '经开区', '2020-04', 'planned', 'accepted', '2020-04-20 10:00:00',"
        " '2020-04-21 10:00:00', 1)"
    )
    old.execute(
        "INSERT INTO rows (id, submission_id, excel_row, name, total, raw)"
        """ VALUES (7, 1, 4, '项目甲', 8000, '{"name": "项目甲", "total": "8000"}')"""
    )
    old.execute(
        "INSERT INTO findings (submission_id, row_id, file, excel_row, col, severity, code,"
        " message) VALUES (1, 7, 'a.xlsx', 4, 'C', 'error', 'below-1yi', '低于1亿元')"
    )
    old.commit()
    old.close()

    conn = open_ledger(path)
    assert schema_version(conn) == SCHEMA_VERSION
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert tuple(conn.execute("SELECT id, submission_id, name, total FROM rows").fetchone()) == (
        7, 1, "项目甲", 8000.0,
    )  # fmt: skip
    assert conn.execute("SELECT row_id FROM findings").fetchone()[0] == 7
    assert raw_row(conn, 1, 4) == {"name": "项目甲", "total": "8000"}
    assert raw_cells(conn, 1) is None  # schema 1 kept no sheet

    sub = _sub("b.xlsx", "经开区", "2020-05", "2020-05-20 10:00:00")
    sub.cells = [["附件2"], [], ["序号", "项目名称"], [1.0, "项目0"]]
    sid = _add(conn, sub)
    assert (
        conn.execute("SELECT raw FROM rows WHERE submission_id = ?", (sid,)).fetchone()[0] is None
    )
    assert raw_row(conn, sid, 4) == {"A": 1.0, "B": "项目0"}
    assert raw_cells(conn, sid) == sub.cells
    assert raw_row(conn, sid, 99) == {}
    conn.close()
