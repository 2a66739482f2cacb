"""The SQLite ledger: every submission, row and finding ever collected.

One transaction per file: a crash or Ctrl-C mid-run leaves each file either fully
recorded or not at all. Every submission stays on record; a later one for the same
(district, month, table) supersedes the earlier (``superseded_by`` points to the next).

The ledger runs in WAL journal mode with ``synchronous = NORMAL``: a commit appends to
the ``-wal`` file next to the ledger without waiting for the disk (fsync happens at
checkpoints), so one transaction per file costs well under a millisecond. A commit is
still atomic, and durable against a crash or kill of the process; only a power cut or
OS crash can lose the last commits, never part of one. WAL needs shared memory between
the processes using the ledger: keep the ledger on a local disk, not on a network share
(SMB/NFS), where SQLite's WAL is not supported. The ``-wal`` and ``-shm`` files are part
of the ledger while it is open (copy the ledger when no gongjian command is running).

Raw cells (schema 2): each accepted submission's sheet is kept whole, as read, in
``raw_sheets`` (one JSON array of rows, Excel row 1 first; a row is an array of cell
values from column A), so every row's raw cells are on record: ``rows.excel_row``
indexes into it (:func:`raw_row`; in SQL ``json_extract(cells, '$[' || (excel_row - 1)
|| ']')``). One JSON document per sheet costs a third of encoding each row's cells on its
own, and keeps the title, header, note and 合计 rows too. Rows recorded under schema 1
keep their own ``rows.raw`` (a JSON object: column key or header → value); it is NULL
for later rows.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gongjian_cli.clock import now, to_local
from gongjian_cli.errors import LedgerError
from gongjian_cli.models import Finding, ParsedRow, Rejection, Submission
from gongjian_cli.month import Month
from gongjian_cli.schema import Severity, SubmissionStatus, Table
from gongjian_cli.year.names import row_name_hash

SCHEMA_VERSION = 4

_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_path TEXT NOT NULL,
    sha256 TEXT,
    sheet TEXT,
    district TEXT,
    month TEXT,
    table_kind TEXT,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
    reject_code TEXT,
    reject_reason TEXT,
    identified_by TEXT,
    template_version TEXT,
    header_row INTEGER,
    columns TEXT,
    received_at TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    superseded_by INTEGER REFERENCES submissions(id),
    row_count INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    warning_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_submissions_key ON submissions (district, table_kind, month, status);
CREATE INDEX ix_submissions_hash ON submissions (sha256);
CREATE TABLE rows (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    excel_row INTEGER NOT NULL,
    name TEXT,
    total REAL,
    completed REAL,
    region TEXT,
    unit TEXT,
    issues TEXT,
    start_text TEXT,
    start_class TEXT,
    finished INTEGER NOT NULL DEFAULT 0,
    registered INTEGER,
    excluded INTEGER NOT NULL DEFAULT 0,
    exclude_investment INTEGER NOT NULL DEFAULT 0,
    exclude_registered INTEGER NOT NULL DEFAULT 0,
    raw TEXT NOT NULL
);
CREATE INDEX ix_rows_submission ON rows (submission_id);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    row_id INTEGER REFERENCES rows(id),
    file TEXT NOT NULL,
    sheet TEXT,
    excel_row INTEGER,
    col TEXT,
    field TEXT,
    value TEXT,
    severity TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX ix_findings_submission ON findings (submission_id);
"""

# Schema 2: rows.raw becomes optional (NULL for new rows), the sheet's raw cells go to
# raw_sheets. SQLite cannot relax NOT NULL in place: the rows table is rebuilt (with
# foreign keys off, see _migrate), its rows and ids unchanged.
_SCHEMA_V2 = """
CREATE TABLE rows_v2 (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    excel_row INTEGER NOT NULL,
    name TEXT,
    total REAL,
    completed REAL,
    region TEXT,
    unit TEXT,
    issues TEXT,
    start_text TEXT,
    start_class TEXT,
    finished INTEGER NOT NULL DEFAULT 0,
    registered INTEGER,
    excluded INTEGER NOT NULL DEFAULT 0,
    exclude_investment INTEGER NOT NULL DEFAULT 0,
    exclude_registered INTEGER NOT NULL DEFAULT 0,
    raw TEXT
);
INSERT INTO rows_v2 SELECT * FROM rows;
DROP TABLE rows;
ALTER TABLE rows_v2 RENAME TO rows;
CREATE INDEX ix_rows_submission ON rows (submission_id);
CREATE TABLE raw_sheets (
    submission_id INTEGER PRIMARY KEY REFERENCES submissions(id),
    cells TEXT NOT NULL
);
"""

# Schema 3: the year. rows.project_key is the hidden key a prefilled template's row came
# back with; project_keys records every key gongjian wrote into a template, and the row
# (of the submission the template was prefilled from) whose project it stands for.
# rows.name_hash is a 64-bit hash of the normalised 项目名称 (year.names): collect matches
# this month's rows with last month's on it, identity groups names by it; NULL for rows
# recorded before. Not indexed: an index on (submission_id, name_hash) made collect's
# inserts (the one part that cannot run in parallel) half as slow again.
# Project identity itself is not stored: it is resolved from these when read
# (gongjian_cli.year.identity), so the name-pair file and the order in which months were
# collected never leave a stale project behind.
_SCHEMA_V3 = """
ALTER TABLE rows ADD COLUMN project_key TEXT;
ALTER TABLE rows ADD COLUMN name_hash INTEGER;
CREATE TABLE project_keys (
    key TEXT PRIMARY KEY,
    district TEXT NOT NULL,
    row_id INTEGER NOT NULL REFERENCES rows(id),
    month TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
CREATE INDEX ix_project_keys_row ON project_keys (row_id);
"""

# Version 4: where a submission came from when it was not a loose file of the inbox —
# the container in the inbox (zip or e-mail) and its sha256, the member's or
# attachment's name inside it, and for an e-mail the sender and the Date (China time).
# ``sha256`` stays the member's own hash, so a member equal to a loose file received
# before is a duplicate, and collecting the same container again changes nothing.
_SCHEMA_V4 = """
ALTER TABLE submissions ADD COLUMN container_path TEXT;
ALTER TABLE submissions ADD COLUMN container_sha256 TEXT;
ALTER TABLE submissions ADD COLUMN member_name TEXT;
ALTER TABLE submissions ADD COLUMN sender TEXT;
ALTER TABLE submissions ADD COLUMN sent_at TEXT;
"""

# version reached -> script that brings the previous version to it
_MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1, 2: _SCHEMA_V2, 3: _SCHEMA_V3, 4: _SCHEMA_V4}


#: Seconds a connection waits for another one's write transaction to end. collect's
#: worker process writes into the ledger beside the main one; each file is one short
#: transaction (milliseconds), so a wait this long means something else holds the
#: ledger (another gongjian command, a DB browser with uncommitted edits).
BUSY_TIMEOUT = 60.0


#: SQLite's page cache per connection, in KiB (its default is 2 MiB). collect reads last
#: month's table right after writing this month's: with the default, those pages had
#: been pushed out and were read again from the WAL (2 ms for a table of 400 rows instead
#: of 0.4 ms). Memory is only taken as pages are read.
CACHE_KIB = 64 * 1024


def database_path(conn: sqlite3.Connection) -> Path | None:
    """The file behind ``conn``, or None for a ledger in memory."""
    for _, name, file in conn.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return Path(file) if file else None
    return None


def open_ledger(path: Path | str) -> sqlite3.Connection:
    """Open (creating or migrating) the ledger at ``path``; LedgerError when it can't.

    Safe when several processes open the same ledger at once, even one that does not
    exist yet (two ``collect`` runs started together): the schema is created or upgraded
    under the write lock, by whichever process takes it first (see :func:`_migrate`), and
    the switch to WAL waits for the others as any write does (:func:`_use_wal`).
    """
    path = Path(path)
    if path.is_dir():
        raise LedgerError(f"账本路径是一个文件夹，不是文件：{path}")
    if not path.parent.exists():
        raise LedgerError(f"账本所在文件夹不存在：{path.parent}")
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, path)
        # only once the file is known to be ours: journal_mode is stored in the file
        _use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if not isinstance(exc, sqlite3.DatabaseError):
            raise
        if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
            raise LedgerError(
                f"账本 {path} 正被其他程序占用（等了{BUSY_TIMEOUT:.0f}秒仍未释放），"
                "请关闭打开账本的程序（如正在运行的 gongjian、数据库查看工具）后再试"
            ) from exc
        raise LedgerError(f"无法打开账本 {path}：{exc}（它可能不是 gongjian 的账本文件）") from exc
    return conn


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED (any extended code): another connection holds a lock."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put the ledger in WAL journal mode (a no-op when it is already).

    The switch cannot run inside a transaction, and it needs the file to itself: while
    another connection holds the write lock (another process creating the schema, or
    writing), SQLite answers SQLITE_BUSY at once, without waiting for the busy timeout.
    So it is retried here, every 20 ms, for up to ``BUSY_TIMEOUT`` seconds, like any
    other wait for the ledger.
    """
    if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(0.02)


def _read_version(conn: sqlite3.Connection, path: Path) -> int:
    """The ledger's schema version; 0 for an empty database; LedgerError for a database
    that is not a ledger or is newer than this program."""
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    version = 0
    if has_meta:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
    elif conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise LedgerError(f"{path} 是一个SQLite数据库，但不是 gongjian 的账本")
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"账本 {path} 的版本（{version}）比本程序支持的（{SCHEMA_VERSION}）新，请升级 gongjian"
        )
    return version


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Create the schema or bring it up to ``SCHEMA_VERSION``, in one transaction.

    The version is read once without the write lock (the common case: nothing to do), then again
    after ``BEGIN IMMEDIATE`` has taken the write lock: another process may have created
    or upgraded the ledger in between, and then there is nothing left to do (running the
    scripts again would fail on tables that already exist). All steps are one transaction,
    so others never see a half-upgraded ledger.
    """
    with snapshot(conn):  # one read: not the tables of one moment and the rows of the next
        if _read_version(conn, path) == SCHEMA_VERSION:
            return
    # A migration may rebuild a table that others reference (schema 2 rebuilds rows):
    # foreign keys are off meanwhile (the pragma is a no-op inside a transaction) and
    # checked before the commit.
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with transaction(conn):
            version = _read_version(conn, path)
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                broken = conn.execute("PRAGMA foreign_key_check").fetchone()
                if broken is not None:
                    raise LedgerError(
                        f"账本 {path} 升级到第{target}版时发现数据不一致：{tuple(broken)}"
                    )
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(target),),
                )
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN … COMMIT, rolled back on any exception (KeyboardInterrupt included)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read transaction: every query inside sees the ledger as of its first read, even
    while another process (collect's workers) commits files. Nested use is a no-op."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


def _iso(dt: datetime) -> str:
    """A time as the ledger stores it: naive ISO text to the second (``2020-05-20 11:10:00``),
    wall-clock time in the targets file's zone (China time; see ``clock``).

    Naive rather than with an offset: text order stays time order (supersession sorts on
    it), ``substr(received_at, 1, 7)`` is the month, rows written before (the machine's
    local time, China time on the bureau's machines) read the same, and a time read back
    compares with the naive deadline. Received times come naive from ``clock.to_local``;
    an aware one is converted with ``clock.to_local`` (default zone) first.
    """
    if dt.tzinfo is not None:
        dt = to_local(dt)
    return dt.replace(microsecond=0).isoformat(sep=" ")


def find_duplicate(conn: sqlite3.Connection, sub: Submission) -> int | None:
    """Id of an accepted submission with the same content and identity, if any."""
    row = conn.execute(
        "SELECT id FROM submissions WHERE status = 'accepted' AND sha256 = ? AND sheet IS ?"
        " AND district = ? AND month = ? AND table_kind = ?",
        (sub.sha256, sub.sheet, sub.identity.district, sub.identity.month, str(sub.identity.table)),
    ).fetchone()
    return row[0] if row else None


def find_duplicate_rejection(conn: sqlite3.Connection, rej: Rejection) -> int | None:
    """Id of a rejection already recorded for the same content, sheet and reason."""
    if rej.sha256 is None:
        return None
    row = conn.execute(
        "SELECT id FROM submissions WHERE status = 'rejected' AND sha256 = ? AND sheet IS ?"
        " AND reject_code = ?",
        (rej.sha256, rej.sheet, rej.code),
    ).fetchone()
    return row[0] if row else None


# A sheet's cells are lists of plain values (no cycles to look for); dates and times
# are written as text.
_ENCODE_RAW = json.JSONEncoder(ensure_ascii=False, default=str, check_circular=False).encode
_INSERT_ROW = (
    "INSERT INTO rows (id, submission_id, excel_row, name, total, completed, region, unit,"
    " issues, start_text, start_class, finished, registered, excluded, exclude_investment,"
    " exclude_registered, project_key, name_hash) VALUES "
)
_INSERT_FINDING = (
    "INSERT INTO findings (submission_id, row_id, file, sheet, excel_row, col, field, value,"
    " severity, code, message) VALUES "
)
_ROWS_PER_INSERT = 500


def _insert_many(conn: sqlite3.Connection, insert: str, params: list[tuple[Any, ...]]) -> None:
    """``insert`` (``INSERT INTO t (…) VALUES ``) for every tuple of ``params``, with one
    multi-row statement per chunk of up to ``_ROWS_PER_INSERT`` rows.

    Not executemany: that runs a statement per row, and sqlite3 releases and re-takes
    the GIL around each one. With collect's reader threads busy in Python, every
    re-take waits for them, which made the ledger writes three times slower.
    """
    if not params:
        return
    width = len(params[0])
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(_ROWS_PER_INSERT, limit // width))
    one = "(" + ", ".join("?" * width) + ")"
    for start in range(0, len(params), per):
        chunk = params[start : start + per]
        conn.execute(
            insert + ", ".join([one] * len(chunk)), list(itertools.chain.from_iterable(chunk))
        )


@dataclass(slots=True)
class EncodedRows:
    """A submission's rows as the ledger stores them (see :func:`encode_rows`).

    Plain tuples and strings: far cheaper to send to another process than the
    ``ParsedRow`` objects (collect prepares files in worker processes).
    """

    values: list[tuple[Any, ...]]  # per row: the rows table's columns from excel_row on
    findings: list[tuple[int, list[Finding]]]  # (index of the row, its findings)
    cells: str | None = None  # the whole sheet as read, JSON (raw_sheets.cells)

    def all_findings(self) -> list[Finding]:
        return [f for _, found in self.findings for f in found]


def encode_rows(rows: Sequence[ParsedRow], cells: list[list[Any]] | None = None) -> EncodedRows:
    """The column values of ``rows`` for the rows table, their findings, and the sheet's
    raw ``cells`` (``Submission.cells``) as one JSON document.

    Flags become 0/1 and 开竣工 classes plain text here: sqlite3 binds exact ints and
    strs directly, but sends a bool or a StrEnum through its adapter lookup first, which
    made the ledger writes a third slower (and they are the part of collect that runs
    on one thread)."""
    values = [
        (
            r.excel_row,
            r.name,
            r.total,
            r.completed,
            r.region,
            r.unit,
            r.issues,
            r.start_text,
            None if r.start_class is None else r.start_class.value,
            1 if r.finished else 0,
            None if r.registered is None else 1 if r.registered else 0,
            1 if r.excluded else 0,
            1 if r.exclude_investment else 0,
            1 if r.exclude_registered else 0,
            r.project_key,
            None if r.name is None else row_name_hash(r.name),
        )
        for r in rows
    ]
    return EncodedRows(
        values,
        [(i, r.findings) for i, r in enumerate(rows) if r.findings],
        None if cells is None else _ENCODE_RAW(cells),
    )


def insert_submission(
    conn: sqlite3.Connection,
    sub: Submission,
    *,
    collected_at: datetime | None = None,
    rows: EncodedRows | None = None,
) -> int:
    """Write one submission with its rows and findings; the caller holds the transaction.

    Recomputes supersession for its (district, month, table). Returns the new id.
    ``rows`` are the submission's rows already encoded (:func:`encode_rows`); then
    ``sub.rows`` is not read. Rows get their ids here (after the largest id in the
    table) so that their findings can name them without a round trip per row: the
    INSERT into submissions has taken the write lock, so no other connection can add
    rows until the caller commits.
    """
    if not conn.in_transaction:
        raise ValueError("insert_submission needs an open transaction (ledger.transaction)")
    ident = sub.identity
    if rows is None:
        rows = encode_rows(sub.rows, sub.cells)
    errors = warnings = 0
    for f in (*sub.findings, *rows.all_findings()):
        if f.severity == Severity.ERROR:
            errors += 1
        else:
            warnings += 1
    cur = conn.execute(
        "INSERT INTO submissions (file_name, file_path, sha256, sheet, district, month,"
        " table_kind, status, identified_by, template_version, header_row, columns,"
        " received_at, collected_at, row_count, error_count, warning_count,"
        " container_path, container_sha256, member_name, sender, sent_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'accepted', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sub.file_name,
            sub.file_path,
            sub.sha256,
            sub.sheet,
            ident.district,
            ident.month,
            str(ident.table),
            json.dumps(ident.how, ensure_ascii=False),
            sub.template_version,
            sub.header_row,
            json.dumps(sub.columns, ensure_ascii=False),
            _iso(sub.received_at),
            _iso(collected_at or now()),
            len(rows.values),
            errors,
            warnings,
            *_origin_params(sub.origin),
        ),
    )
    sub_id = int(cur.lastrowid or 0)
    first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM rows").fetchone()[0]
    _insert_many(
        conn,
        _INSERT_ROW,
        [(row_id, sub_id, *values) for row_id, values in enumerate(rows.values, start=first_id)],
    )
    if rows.cells is not None:
        conn.execute(
            "INSERT INTO raw_sheets (submission_id, cells) VALUES (?, ?)", (sub_id, rows.cells)
        )
    findings = _finding_params(sub_id, None, sub.findings)
    for index, found in rows.findings:
        findings.extend(_finding_params(sub_id, first_id + index, found))
    _insert_many(conn, _INSERT_FINDING, findings)
    resupersede(conn, ident.district, ident.month, ident.table)
    return sub_id


def _finding_params(
    sub_id: int, row_id: int | None, findings: Sequence[Finding]
) -> list[tuple[object, ...]]:
    return [
        (
            sub_id,
            row_id,
            f.file,
            f.sheet,
            f.row,
            f.column,
            f.field,
            f.value,
            str(f.severity),
            f.code,
            f.message,
        )
        for f in findings
    ]


def insert_rejection(
    conn: sqlite3.Connection, rej: Rejection, *, collected_at: datetime | None = None
) -> int:
    """Record a rejected file (it never supersedes anything). Caller holds the transaction."""
    cur = conn.execute(
        "INSERT INTO submissions (file_name, file_path, sha256, sheet, district, month,"
        " table_kind, status, reject_code, reject_reason, received_at, collected_at,"
        " error_count, container_path, container_sha256, member_name, sender, sent_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'rejected', ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
        (
            rej.file_name,
            rej.file_path,
            rej.sha256,
            rej.sheet,
            rej.district,
            rej.month,
            None if rej.table is None else str(rej.table),
            rej.code,
            rej.reason,
            _iso(rej.received_at),
            _iso(collected_at or now()),
            *_origin_params(rej.origin),
        ),
    )
    return int(cur.lastrowid or 0)


def _origin_params(origin: Any) -> tuple[Any, ...]:
    """The v4 origin columns for an ``intake.Origin`` (all None for a loose file)."""
    if origin is None:
        return (None, None, None, None, None)
    sent = origin.sent_at
    return (
        str(origin.container_path),
        origin.container_sha256,
        origin.member_name,
        origin.sender,
        None if sent is None else _iso(sent),
    )


def resupersede(conn: sqlite3.Connection, district: str, month: str, table: Table | str) -> None:
    """Chain the accepted submissions of one key by received time: each → the next later one."""
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM submissions WHERE status = 'accepted' AND district = ? AND month = ?"
            " AND table_kind = ? ORDER BY received_at, id",
            (district, month, str(table)),
        )
    ]
    for earlier, later in itertools.pairwise(ids):
        conn.execute("UPDATE submissions SET superseded_by = ? WHERE id = ?", (later, earlier))
    if ids:
        conn.execute("UPDATE submissions SET superseded_by = NULL WHERE id = ?", (ids[-1],))


def raw_cells(conn: sqlite3.Connection, submission_id: int) -> list[list[Any]] | None:
    """The sheet of a submission as read (Excel row 1 first), or None when not kept
    (a rejected file, or a submission recorded under schema 1)."""
    row = conn.execute(
        "SELECT cells FROM raw_sheets WHERE submission_id = ?", (submission_id,)
    ).fetchone()
    return None if row is None else json.loads(row[0])


def raw_row(conn: sqlite3.Connection, submission_id: int, excel_row: int) -> dict[str, Any]:
    """The raw cells of one row of a submission, by Excel column letter (empty cells left
    out); for a row recorded under schema 1, its stored ``raw`` object. {} when unknown."""
    from gongjian_cli.parsing import column_letter

    found = conn.execute(
        "SELECT json_extract(cells, '$[' || ? || ']') FROM raw_sheets WHERE submission_id = ?",
        (excel_row - 1, submission_id),
    ).fetchone()
    if found is not None:
        cells = json.loads(found[0]) if found[0] is not None else []
        return {column_letter(i): v for i, v in enumerate(cells) if v not in ("", None)}
    old = conn.execute(
        "SELECT raw FROM rows WHERE submission_id = ? AND excel_row = ? AND raw IS NOT NULL",
        (submission_id, excel_row),
    ).fetchone()
    return json.loads(old[0]) if old is not None else {}


@dataclass(frozen=True, slots=True)
class Effective:
    """The submission in effect for a district's table in a month, and how it stands."""

    district: str
    table: Table
    status: SubmissionStatus
    submission_id: int | None = None
    month: str | None = None  # the month of the submission used (≠ asked month when carried)
    file_name: str | None = None
    received_at: datetime | None = None
    sender: str | None = None  # an e-mail's From (display name and address)


def effective_submissions(
    conn: sqlite3.Connection,
    month: Month,
    districts: Iterable[str],
    *,
    deadline_day: int = 25,
) -> dict[tuple[str, Table], Effective]:
    """For each district and table: the latest submission for ``month``, else the latest
    earlier one of the same year (carried), else missing."""
    out: dict[tuple[str, Table], Effective] = {}
    first = str(Month(month.year, 1))
    deadline = month.deadline(deadline_day)
    for district in districts:
        for table in Table:
            row = conn.execute(
                "SELECT id, month, file_name, received_at, sender FROM submissions"
                " WHERE status = 'accepted' AND superseded_by IS NULL AND district = ?"
                " AND table_kind = ? AND month >= ? AND month <= ?"
                " ORDER BY month DESC LIMIT 1",
                (district, str(table), first, str(month)),
            ).fetchone()
            if row is None:
                out[district, table] = Effective(district, table, SubmissionStatus.MISSING)
                continue
            received = to_local(datetime.fromisoformat(row["received_at"]))  # naive: as is
            if row["month"] != str(month):
                status = SubmissionStatus.CARRIED
            elif received > deadline:
                status = SubmissionStatus.LATE
            else:
                status = SubmissionStatus.ON_TIME
            out[district, table] = Effective(
                district,
                table,
                status,
                row["id"],
                row["month"],
                row["file_name"],
                received,
                row["sender"],
            )
    return out


def submission_findings(conn: sqlite3.Connection, submission_ids: Iterable[int]) -> list[Finding]:
    """The findings of the given submissions, in file and row order."""
    ids = list(submission_ids)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT * FROM findings WHERE submission_id IN ({marks})"
        " ORDER BY submission_id, excel_row IS NOT NULL, excel_row, id",
        ids,
    ).fetchall()
    return [
        Finding(
            file=r["file"],
            sheet=r["sheet"],
            row=r["excel_row"],
            column=r["col"],
            field=r["field"],
            value=r["value"],
            severity=Severity(r["severity"]),
            code=r["code"],
            message=r["message"],
        )
        for r in rows
    ]


def rejections_for_month(conn: sqlite3.Connection, month: Month) -> list[sqlite3.Row]:
    """Rejected files of ``month``: identified as that month, or received in it when unknown."""
    return conn.execute(
        "SELECT * FROM submissions WHERE status = 'rejected' AND"
        " (month = ? OR (month IS NULL AND substr(received_at, 1, 7) = ?)) ORDER BY id",
        (str(month), str(month)),
    ).fetchall()
