"""`status`: which district has sent which table for a month — the list to chase (催报)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gongjian_cli.ledger import effective_submissions
from gongjian_cli.month import Month
from gongjian_cli.schema import (
    SUBMISSION_STATUS_LABEL,
    TABLE_ATTACHMENT,
    TABLE_SHORT,
    SubmissionStatus,
    Table,
)
from gongjian_cli.targets import Targets


@dataclass(frozen=True, slots=True)
class StatusLine:
    """How one district's table stands for the month."""

    district: str
    table: Table
    status: SubmissionStatus
    file_name: str | None
    received_at: datetime | None
    source_month: str | None  # month of the submission used (differs when carried)
    sender: str | None = None  # for a table sent by e-mail: who sent it

    @property
    def label(self) -> str:
        """按时报送 / 逾期报送 / 沿用 2020-04 / 未报."""
        if self.status is SubmissionStatus.CARRIED:
            return f"{SUBMISSION_STATUS_LABEL[self.status]} {self.source_month}"
        return SUBMISSION_STATUS_LABEL[self.status]

    def to_dict(self) -> dict[str, Any]:
        return {
            "district": self.district,
            "table": str(self.table),
            "status": str(self.status),
            "label": self.label,
            "file": self.file_name,
            "received_at": None if self.received_at is None else self.received_at.isoformat(),
            "source_month": self.source_month,
            "sender": self.sender,
        }


@dataclass(frozen=True, slots=True)
class StatusReport:
    """Every district × table for one month, in targets-file order."""

    month: Month
    deadline: datetime
    lines: tuple[StatusLine, ...]

    @property
    def missing(self) -> list[StatusLine]:
        """Tables not sent for this month (未报 or only carried from an earlier month)."""
        return [
            ln
            for ln in self.lines
            if ln.status in (SubmissionStatus.MISSING, SubmissionStatus.CARRIED)
        ]

    def chase_text(self) -> str:
        """One line naming what is still to be sent: ``尚未报送：郊区（附件3 在建）…``."""
        by_district: dict[str, list[str]] = {}
        for ln in self.missing:
            by_district.setdefault(ln.district, []).append(
                f"{TABLE_ATTACHMENT[ln.table]} {TABLE_SHORT[ln.table]}"
            )
        if not by_district:
            return f"{self.month.label}各县区报表均已报送。"
        parts = "；".join(f"{d}（{'、'.join(t)}）" for d, t in by_district.items())
        return f"{self.month.label}尚未报送：{parts}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "month": str(self.month),
            "deadline": self.deadline.isoformat(),
            "lines": [ln.to_dict() for ln in self.lines],
            "missing": [{"district": ln.district, "table": str(ln.table)} for ln in self.missing],
        }


def submission_status(conn: sqlite3.Connection, month: Month, targets: Targets) -> StatusReport:
    """The status of each district's two tables for ``month`` (see ledger semantics)."""
    eff = effective_submissions(
        conn, month, targets.district_names, deadline_day=targets.deadline_day
    )
    lines = tuple(
        StatusLine(
            district=d,
            table=t,
            status=eff[d, t].status,
            file_name=eff[d, t].file_name,
            received_at=eff[d, t].received_at,
            source_month=eff[d, t].month,
            sender=eff[d, t].sender,
        )
        for d in targets.district_names
        for t in Table
    )
    return StatusReport(month=month, deadline=month.deadline(targets.deadline_day), lines=lines)
