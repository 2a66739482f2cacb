"""Next month's templates filled from the ledger (README “预填”).

A district's 附件3 for month M lists the rows of its latest effective 附件3 before M
(completed projects too: their investment still counts for the year), and its 附件2
the rows of its latest effective 附件2 — so the clerk updates last month's table
instead of typing it again, and every row goes out with a hidden project key that comes
back with it and ties the months together (``gongjian_cli.year.identity``).

This module is the data part: :func:`prefill_rows` reads the rows of one template,
:func:`issue_keys` gives each a key (the project's key when it has one, else a new one
recorded in ``project_keys``), :func:`prefill_templates` does both for a whole run in
one ledger transaction. ``gongjian_cli.template`` writes the rows into the workbook.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from gongjian_cli import ledger
from gongjian_cli.month import Month
from gongjian_cli.parsing import column_letter, display_value
from gongjian_cli.schema import COLUMNS, PROJECT_KEY_PATTERN, StartClass, Table
from gongjian_cli.targets import Targets
from gongjian_cli.year.identity import row_projects
from gongjian_cli.year.names import normalise_name
from gongjian_cli.year.pairs import NamePair

__all__ = [
    "PrefillRow",
    "issue_keys",
    "mint_key",
    "prefill_rows",
    "prefill_templates",
]

#: Columns the rows table keeps parsed; the other text columns come from the raw sheet.
_PARSED = ("name", "total", "region", "unit", "issues")
#: Text columns the rows table does not keep: read from the submission's raw cells.
_RAW_TEXT = ("scope", "progress", "goal", "unit_leader", "lead_unit")

_START_LABEL = {
    StartClass.NEW: "新开工",
    StartClass.CONTINUING: "续建",
    StartClass.NOT_STARTED: "未开工",
}
_FINISHED_SUFFIX = "（已竣工）"

_KEY_RE = re.compile(PROJECT_KEY_PATTERN)


@dataclass(frozen=True, slots=True)
class PrefillRow:
    """One project row written into a prefilled template.

    ``row_id`` is the ledger row (``rows.id``) the values come from and ``month`` the
    month of its submission ("YYYY-MM"; earlier than M−1 when that table was carried).
    ``values`` maps the table's column keys (``schema.COLUMNS``, all but 序号) to what
    the template shows: text, or a number in 万元 for the amounts; a key left out stays
    blank. 2020年完成投资 is never among them (the district updates it);
    ``previous_completed`` is last month's figure for the reference column (附件3: the
    number, or the cell's text when it could not be read; None when blank). ``key`` is
    the hidden project key, set by :func:`issue_keys`.
    """

    row_id: int
    month: str
    values: Mapping[str, str | float]
    previous_completed: float | str | None = None
    key: str | None = None


def prefill_rows(
    conn: sqlite3.Connection, targets: Targets, district: str, month: Month, table: Table
) -> list[PrefillRow]:
    """The rows to prefill ``district``'s ``table`` for ``month`` with, keys not yet set.

    They are the rows of the district's latest effective submission of that table
    before ``month`` (:func:`ledger.effective_submissions` for the month before, so it
    may be carried from an earlier month), in sheet order; a row without a name, or
    whose normalised name repeats an earlier row's, is left out (one row per project).
    [] in January (the year starts blank) and when nothing is recorded.
    """
    if month.month == 1:
        return []
    found = ledger.effective_submissions(
        conn, month.previous(), [district], deadline_day=targets.deadline_day
    )[district, table]
    if found.submission_id is None or found.month is None:
        return []
    sub_id = found.submission_id
    columns_json = conn.execute(
        "SELECT columns FROM submissions WHERE id = ?", (sub_id,)
    ).fetchone()[0]
    letters: dict[str, str] = json.loads(columns_json) if columns_json else {}
    raw = _RawRows(conn, sub_id)
    keys = {col.key for col in COLUMNS[table]}

    out: list[PrefillRow] = []
    seen: set[str] = set()
    for r in conn.execute(
        "SELECT id, excel_row, name, total, completed, region, unit, issues, start_text,"
        " start_class, finished, registered FROM rows WHERE submission_id = ?"
        " ORDER BY excel_row, id",
        (sub_id,),
    ).fetchall():
        name = (r["name"] or "").strip()
        if not name or normalise_name(name) in seen:
            continue
        seen.add(normalise_name(name))
        cells = raw.row(r["excel_row"])
        values: dict[str, str | float] = {}
        for key in _PARSED:
            if key in keys and r[key] is not None and r[key] != "":
                values[key] = r[key]
        if "region" in values:
            values["region"] = targets.resolve_district(str(values["region"])) or values["region"]
        for key in _RAW_TEXT:
            if key in keys:
                text = _text(_cell(cells, letters, key))
                if text is not None:
                    values[key] = text
        if "start" in keys:
            start = start_choice(r["start_class"], bool(r["finished"]), r["start_text"])
            if start is not None:
                values["start"] = start
        if "registered" in keys and r["registered"] is not None:
            values["registered"] = "是" if r["registered"] else "否"
        previous = None
        if "completed" in keys:
            previous = _previous_completed(r["completed"], _cell(cells, letters, "completed"))
        out.append(PrefillRow(r["id"], found.month, values, previous))
    return out


def start_choice(start_class: str | None, finished: bool, text: str | None) -> str | None:
    """开竣工情况 as the template's drop-down offers it for a stored class: 新开工,
    续建, 未开工, with 竣工 新开工（已竣工）/续建（已竣工）; the text as written when
    it was not classified (None when blank)."""
    if start_class is None:
        return (text or "").strip() or None
    label = _START_LABEL[StartClass(start_class)]
    if finished and start_class != StartClass.NOT_STARTED:
        label += _FINISHED_SUFFIX
    return label


def _previous_completed(parsed: float | None, raw: Any) -> float | str | None:
    """Last month's 2020年完成投资 for the reference column: blank when the cell was
    blank (validation then counted 0, with a warning), the number when it was read,
    the text as written when it could not be."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if parsed is not None:
        return parsed
    return _text(raw)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = display_value(value)
    return text or None


def _cell(cells: Mapping[str, Any], letters: Mapping[str, str], key: str) -> Any:
    """The raw cell of column ``key``: by its Excel letter, or (a row recorded under
    schema 1, whose raw object is keyed by column) by the key itself."""
    letter = letters.get(key)
    if letter is not None and letter in cells:
        return cells[letter]
    return cells.get(key)


class _RawRows:
    """A submission's raw rows by Excel row, the sheet decoded once (``ledger.raw_cells``);
    ``ledger.raw_row`` for a submission recorded before raw sheets were kept."""

    def __init__(self, conn: sqlite3.Connection, submission_id: int) -> None:
        self._conn = conn
        self._id = submission_id
        self._sheet = ledger.raw_cells(conn, submission_id)

    def row(self, excel_row: int) -> dict[str, Any]:
        if self._sheet is None:
            return ledger.raw_row(self._conn, self._id, excel_row)
        if not 1 <= excel_row <= len(self._sheet):
            return {}
        return {
            column_letter(i): v
            for i, v in enumerate(self._sheet[excel_row - 1])
            if v not in ("", None)
        }


# --- keys ------------------------------------------------------------------------------


def mint_key(district: str, first_seen: str, attempt: int = 0) -> str:
    """The key of a project that has none yet: "GJ" and ten characters of base 32 taken
    from a hash of the district and where the project was first seen (month, table,
    normalised name; ``identity.RowProject.first_seen``).

    Derived, not random: two ledgers that collected the same returns give a project the
    same key, so a template prefilled from one is recognised by the other (the samples
    ship a June return filled in from a prefilled template, which the demo's own ledger
    knows). ``attempt`` > 0 gives another key when one is taken by another project."""
    seed = f"{district}\x1f{first_seen}\x1f{attempt}".encode()
    return "GJ" + base64.b32encode(hashlib.sha256(seed).digest()).decode("ascii")[:10]


def issue_keys(
    conn: sqlite3.Connection,
    district: str,
    month: Month,
    rows: Sequence[PrefillRow],
    *,
    pairs: Iterable[NamePair] = (),
) -> list[PrefillRow]:
    """``rows`` (of ``district``'s template for ``month``) with their project keys set.

    A row whose project already has a key gets that key
    (:func:`gongjian_cli.year.identity.row_projects`, with the clerk's name ``pairs``),
    so a project keeps one key all year and prefilling the same month twice writes the
    same keys. The others get a new key, recorded in ``project_keys`` (district, the row
    it stands for, ``month`` = the template's month, issued now). A key is written once
    per template: a later row that would repeat it gets a new one (the parser would
    ignore the repeat). Runs in the caller's transaction, else in one of its own: the
    lookup and the inserts then see the same ledger, so two runs at once never give a
    project two keys.
    """
    if not conn.in_transaction:
        with ledger.transaction(conn):
            return issue_keys(conn, district, month, rows, pairs=pairs)
    # the rows are in effect before ``month`` (the month they were prefilled from)
    projects = row_projects(
        conn, district, month.previous(), [r.row_id for r in rows], pairs=tuple(pairs)
    )
    issued_at = datetime.now().replace(microsecond=0).isoformat(sep=" ")
    used: set[str] = set()
    out: list[PrefillRow] = []
    for r in rows:
        project = projects.get(r.row_id)
        key = None if project is None else project.key
        if key is None or not _KEY_RE.fullmatch(key) or key in used:
            seed = f"row {r.row_id}" if project is None else project.first_seen
            key = _new_key(conn, district, seed, used)
            conn.execute(
                "INSERT INTO project_keys (key, district, row_id, month, issued_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (key, district, r.row_id, str(month), issued_at),
            )
        used.add(key)
        out.append(replace(r, key=key))
    return out


def _new_key(conn: sqlite3.Connection, district: str, first_seen: str, used: set[str]) -> str:
    attempt = 0
    while True:
        key = mint_key(district, first_seen, attempt)
        taken = conn.execute("SELECT 1 FROM project_keys WHERE key = ?", (key,)).fetchone()
        if taken is None and key not in used:
            return key
        attempt += 1


def prefill_templates(
    conn: sqlite3.Connection,
    targets: Targets,
    districts: Sequence[str],
    month: Month,
    *,
    pairs: Iterable[NamePair] = (),
) -> dict[tuple[str, Table], list[PrefillRow]]:
    """The keyed rows of every (district, table) template of ``month``; a template with
    nothing to prefill is left out (it goes out blank). All rows are read and all keys
    looked up and issued in one ledger transaction."""
    pairs = tuple(pairs)
    out: dict[tuple[str, Table], list[PrefillRow]] = {}
    with ledger.transaction(conn):
        for district in districts:
            for table in Table:
                rows = prefill_rows(conn, targets, district, month, table)
                if rows:
                    out[district, table] = issue_keys(conn, district, month, rows, pairs=pairs)
    return out
