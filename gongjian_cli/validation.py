"""Rules per row (DOMAIN.md, "Rules per row"): add findings to parsed rows, set what counts.

Pure code: rows in, rows out (mutated in place), no files, no ledger. Parsing has already
turned cells into values and flagged what it could not read (``unreadable-amount``,
``negative-amount``, ``formula-no-value``, ``registered-unknown``, ``start-unclassified``);
this module applies the rules of the notice on top of that.

What an error does to a row (``ParsedRow`` flags):

- ``excluded`` — the row counts in no metric: 项目名称 or 总投资 missing, 总投资 unreadable
  or negative, 谋划 总投资 below 1亿, a repeated 项目名称.
- ``exclude_investment`` — the row's 2020年完成投资 is not summed: completed greater than
  total, or completed unreadable or negative (it is never taken as a silent zero). The
  row still counts as a project (开竣工, 入库).
- ``exclude_registered`` — 是否入库 is yes but 总投资 is below 1000万元.

A value flagged by parsing gets no second finding here (an unreadable 总投资 is not also
"missing").
"""

from __future__ import annotations

import unicodedata
from typing import Any

from gongjian_cli.models import Finding, ParsedRow, make_finding
from gongjian_cli.schema import COLUMNS, PLANNED_MIN_TOTAL, REGISTERED_MIN_TOTAL, Severity, Table
from gongjian_cli.targets import Targets


def format_amount(value: float) -> str:
    """万元 amount as a clerk writes it: 8000, 1500.5 (no trailing .0, no exponent)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def seen(raw: Any) -> str | None:
    """The value of a cell as the finding reports it (None for a blank cell)."""
    if raw is None:
        return None
    if isinstance(raw, float):
        return format_amount(raw)
    text = str(raw)
    return text if text.strip() else None


def is_blank(raw: Any) -> bool:
    """True for an empty cell or one holding only whitespace."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def normalise_name(name: str) -> str:
    """项目名称 for comparison: NFKC (full-width → half-width), all whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", name).split())


class _RowChecker:
    """Builds findings for one row with file, sheet, row, column and field filled in."""

    def __init__(
        self,
        *,
        table: Table,
        file_name: str,
        sheet: str,
        year: int,
        column_letters: dict[str, str],
    ) -> None:
        self.table = table
        self.file_name = file_name
        self.sheet = sheet
        self.letters = column_letters
        self.labels = {c.key: c.label(year) for c in COLUMNS[table]}
        self.region_cache: dict[str, str | None] = {}  # 所属区域 text -> district named

    def finding(
        self, code: str, row: ParsedRow, key: str, *, value: Any = None, detail: str = ""
    ) -> Finding:
        return make_finding(
            code,
            file=self.file_name,
            sheet=self.sheet,
            row=row.excel_row,
            column=self.letters.get(key),
            field=self.labels.get(key),
            value=value,
            detail=detail,
        )

    def flagged(self, row: ParsedRow, key: str) -> bool:
        """True when parsing already reported an error on this row's ``key`` cell."""
        if not row.findings:  # the common case: a clean row
            return False
        letter = self.letters.get(key)
        if letter is None:
            return False
        return any(f.column == letter and f.severity == Severity.ERROR for f in row.findings)


def validate_rows(
    rows: list[ParsedRow],
    *,
    table: Table,
    district: str,
    file_name: str,
    sheet: str,
    year: int,
    column_letters: dict[str, str],
    targets: Targets | None = None,
) -> list[Finding]:
    """Apply the rules of ``table`` to ``rows`` (in place) for a file of ``district``.

    Adds each row's findings to ``row.findings`` and sets its exclusion flags; sets
    ``completed`` to 0.0 when 2020年完成投资 is blank (在建). ``column_letters`` maps column
    key → Excel letter where the column was found; a column absent from the table gives
    one table-level finding instead of one per row. ``targets`` resolves 所属区域 to a
    district (the other-district warning is skipped without it).

    Returns the table-level findings (column absent), for ``Submission.findings``.
    """
    chk = _RowChecker(
        table=table, file_name=file_name, sheet=sheet, year=year, column_letters=column_letters
    )
    table_findings = _absent_columns(chk, table, bool(rows))
    first_seen: dict[str, int] = {}
    planned = table is Table.PLANNED
    has_completed = "completed" in column_letters
    has_registered = "registered" in column_letters
    has_start = "start" in column_letters
    region_cache = chk.region_cache
    normalize = unicodedata.normalize
    # Every row of every file comes through here. Each rule is tested inline for the
    # common clean row (a value that cannot trigger it, no finding on the row yet so
    # nothing is "flagged"); anything else goes to the rule's _check_* function, which
    # decides from the same state, so the findings and flags are the same either way.
    for row in rows:
        # 项目名称: present and not seen before
        name = row.name
        if type(name) is str and name.strip():
            key = "".join(normalize("NFKC", name).split())  # normalise_name
            if key in first_seen:
                _check_name(chk, row, first_seen)
            else:
                first_seen[key] = row.excel_row
        else:
            _check_name(chk, row, first_seen)
        # 总投资: a non-negative float, not below the table's threshold
        total = row.total
        if not (
            type(total) is float
            and total >= 0
            and not row.findings
            and (
                total >= PLANNED_MIN_TOTAL
                if planned
                else total >= REGISTERED_MIN_TOTAL or not row.registered
            )
        ):
            _check_total(chk, row, table)
        if planned:
            if targets is not None:
                # 所属区域: a text seen before that names no other district
                text = row.region
                named = region_cache.get(text, _UNSEEN) if type(text) is str else _UNSEEN
                if named is not None and named != district:
                    _check_region(chk, row, district, targets)
            continue
        # 2020年完成投资: a non-negative float not above 总投资
        completed = row.completed
        if not (
            has_completed
            and type(completed) is float
            and completed >= 0
            and not row.findings
            and type(total) is float
            and total >= 0
            and completed <= total
        ):
            _check_completed(chk, row)
        # 是否入库: read as yes or no
        if has_registered and row.registered is None:
            _check_registered(chk, row)
        # 开竣工情况: filled
        if has_start:
            start = row.start_text
            if not (type(start) is str and start.strip()):
                _check_start(chk, row)
    return table_findings


_UNSEEN: Any = object()  # region_cache miss (a cached district may be None)


def _absent_columns(chk: _RowChecker, table: Table, has_rows: bool) -> list[Finding]:
    """One warning per optional column the rules need but the table lacks."""
    if table is not Table.CONSTRUCTION or not has_rows:
        return []
    out = []
    for key, code, what in (
        ("completed", "completed-blank", "全部按0计"),
        ("registered", "registered-blank", "全部按未入库计"),
        ("start", "start-blank", "全部不计入开工或续建数"),
    ):
        if key not in chk.letters:
            label = chk.labels[key]
            out.append(
                make_finding(
                    code,
                    file=chk.file_name,
                    sheet=chk.sheet,
                    field=label,
                    detail=f"表中没有“{label}”列，{what}；请使用模板的列",
                )
            )
    return out


def _check_name(chk: _RowChecker, row: ParsedRow, first_seen: dict[str, int]) -> None:
    name = row.name if row.name is not None else row.raw.get("name")
    if is_blank(name):
        row.findings.append(chk.finding("missing-name", row, "name", detail="应填写项目全称"))
        row.excluded = True
        return
    key = normalise_name(str(name))
    earlier = first_seen.get(key)
    if earlier is None:
        first_seen[key] = row.excel_row
        return
    row.findings.append(
        chk.finding(
            "duplicate-name",
            row,
            "name",
            value=seen(row.raw.get("name", name)),
            detail=f"“{str(name).strip()}”与第{earlier}行重复；同一项目只应填写一行",
        )
    )
    row.excluded = True


def _check_total(chk: _RowChecker, row: ParsedRow, table: Table) -> None:
    raw = row.raw.get("total")
    label = chk.labels["total"]
    if row.total is None:
        if not chk.flagged(row, "total") and is_blank(raw):
            row.findings.append(
                chk.finding(
                    "missing-total", row, "total", detail=f"{label}为空，应填数字（万元），如 12000"
                )
            )
        # unreadable / formula without value: parsing reported it; either way nothing to count
        row.excluded = True
        return
    if row.total < 0 or chk.flagged(row, "total"):
        row.excluded = True  # negative-amount reported by parsing
        return
    if table is Table.PLANNED and row.total < PLANNED_MIN_TOTAL:
        row.findings.append(
            chk.finding(
                "below-1yi",
                row,
                "total",
                value=seen(raw),
                detail=f"总投资 {format_amount(row.total)} 万元，低于 {PLANNED_MIN_TOTAL} 万元",
            )
        )
        row.excluded = True
    if table is Table.CONSTRUCTION and row.registered and row.total < REGISTERED_MIN_TOTAL:
        row.findings.append(
            chk.finding(
                "registered-below-10m",
                row,
                "total",
                value=seen(raw),
                detail=(
                    f"是否入库为“是”，总投资 {format_amount(row.total)} 万元，"
                    f"低于 {REGISTERED_MIN_TOTAL} 万元"
                ),
            )
        )
        row.exclude_registered = True


def _check_region(chk: _RowChecker, row: ParsedRow, district: str, targets: Targets) -> None:
    text = row.region if row.region is not None else row.raw.get("region")
    if is_blank(text):
        return
    text = str(text)
    cache = chk.region_cache
    if text in cache:
        named = cache[text]
    else:
        named = cache[text] = targets.resolve_district(text) or targets.find_district_in(text)
    if named is None or named == district:
        return
    row.findings.append(
        chk.finding(
            "other-district",
            row,
            "region",
            value=seen(row.raw.get("region", text)),
            detail=f"所属区域填的是“{str(text).strip()}”，本表由{district}报送，计入{district}",
        )
    )


def _check_completed(chk: _RowChecker, row: ParsedRow) -> None:
    if "completed" not in chk.letters:
        row.completed = 0.0  # the table-level warning says so
        return
    raw = row.raw.get("completed")
    label = chk.labels["completed"]
    if row.completed is None:
        if chk.flagged(row, "completed") or not is_blank(raw):
            row.exclude_investment = True  # unreadable: an error, never a silent zero
            return
        row.completed = 0.0
        row.findings.append(
            chk.finding(
                "completed-blank",
                row,
                "completed",
                detail="应填本年累计完成投资（万元），尚无投资请填0",
            )
        )
        return
    if row.completed < 0 or chk.flagged(row, "completed"):
        row.exclude_investment = True  # negative-amount reported by parsing
        return
    if row.total is not None and row.total >= 0 and row.completed > row.total:
        row.findings.append(
            chk.finding(
                "completed-exceeds-total",
                row,
                "completed",
                value=seen(raw),
                detail=(
                    f"{label} {format_amount(row.completed)} 万元，大于总投资 "
                    f"{format_amount(row.total)} 万元；完成投资应不超过总投资"
                ),
            )
        )
        row.exclude_investment = True


def _check_registered(chk: _RowChecker, row: ParsedRow) -> None:
    if "registered" not in chk.letters:
        return
    raw = row.raw.get("registered")
    if row.registered is None and is_blank(raw):
        row.findings.append(
            chk.finding("registered-blank", row, "registered", detail="应填“是”或“否”")
        )


def _check_start(chk: _RowChecker, row: ParsedRow) -> None:
    if "start" not in chk.letters:
        return
    text = row.start_text if row.start_text is not None else row.raw.get("start")
    if is_blank(text):
        row.findings.append(
            chk.finding(
                "start-blank",
                row,
                "start",
                detail="应选填：新开工、续建、新开工（已竣工）、续建（已竣工）、未开工",
            )
        )
