"""Plain records passed between the core modules (reading → validation → ledger → report)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gongjian_cli.schema import RULES, Severity, StartClass, Table


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a returned file, named down to the cell.

    ``row`` is the Excel row number (1-based) and ``column`` the Excel column letter;
    both are None for a finding about the whole file. ``field`` is the column's label
    as the notice writes it (e.g. 总投资（万元）). ``message`` is Chinese and says what
    was seen and what is expected.
    """

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    field: str | None
    value: str | None
    severity: Severity
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "value": self.value,
            "severity": str(self.severity),
            "code": self.code,
            "message": self.message,
        }


def make_finding(
    code: str,
    *,
    file: str,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    field: str | None = None,
    value: Any = None,
    detail: str = "",
    severity: Severity | None = None,
) -> Finding:
    """A finding for rule ``code`` with the rule's Chinese message plus ``detail``."""
    rule = RULES[code]
    seen = None if value is None else str(value)
    message = rule.message if not detail else f"{rule.message}（{detail}）"
    return Finding(
        file=file,
        sheet=sheet,
        row=row,
        column=column,
        field=field,
        value=seen,
        severity=severity or rule.severity,
        code=code,
        message=message,
    )


@dataclass(slots=True)
class ParsedRow:
    """One project row of a returned table: raw cells, parsed values, what counts.

    Amounts are 万元. The ``exclude_*`` flags are set by validation: ``excluded`` means
    the row counts in no metric at all; the narrower ones drop it from one metric only.
    """

    excel_row: int
    raw: dict[str, Any]  # column key -> cell value as read (str/float/int/None)
    name: str | None = None
    total: float | None = None
    completed: float | None = None
    region: str | None = None
    unit: str | None = None
    issues: str | None = None
    start_text: str | None = None
    start_class: StartClass | None = None
    finished: bool = False
    registered: bool | None = None
    excluded: bool = False
    exclude_investment: bool = False
    exclude_registered: bool = False
    findings: list[Finding] = field(default_factory=list)
    #: the hidden project key of a prefilled template's row (well-formed, first use in
    #: its table), else None; see ``gongjian_cli.year.identity``
    project_key: str | None = None

    @property
    def has_error(self) -> bool:
        return any(f.severity == Severity.ERROR for f in self.findings)


@dataclass(slots=True)
class Identity:
    """What a table is: (district, month, table), and how each part was found."""

    district: str
    month: str  # YYYY-MM
    table: Table
    how: dict[str, str]  # part -> source, e.g. {"district": "模板元数据", "month": "文件名"}
    conflicts: list[str] = field(default_factory=list)  # later sources that said otherwise


@dataclass(slots=True)
class Submission:
    """One table of one returned file, read and validated, ready for the ledger."""

    file_name: str
    file_path: str
    sha256: str
    sheet: str
    identity: Identity
    received_at: datetime
    header_row: int
    columns: dict[str, str]  # column key -> Excel letter where it was found
    rows: list[ParsedRow]
    findings: list[Finding]  # file/sheet-level findings (row findings live on the rows)
    template_version: str | None = None
    #: The whole sheet as read (``RawSheet.rows``: Excel row 1 first, column A first),
    #: kept in the ledger as the rows' raw cells; None when there is no sheet (tests).
    cells: list[list[Any]] | None = None
    #: the container it came in (``intake.Origin``: zip or e-mail), None for a loose file
    origin: Any = None

    @property
    def all_findings(self) -> list[Finding]:
        return [*self.findings, *(f for r in self.rows for f in r.findings)]


@dataclass(slots=True)
class Rejection:
    """A file (or one sheet of it) that could not be read or identified."""

    file_name: str
    file_path: str
    sha256: str | None
    sheet: str | None
    received_at: datetime
    code: str
    reason: str  # Chinese: what is wrong and how to fix it
    district: str | None = None
    month: str | None = None
    table: Table | None = None
    origin: Any = None  # ``intake.Origin`` for a file taken out of a zip or an e-mail


@dataclass(frozen=True, slots=True)
class TemplateMeta:
    """Identification the template wrote into the workbook (read back from a returned copy)."""

    district: str
    month: str  # YYYY-MM
    table: Table
    version: str
