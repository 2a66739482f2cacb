"""Reporting months ("2020-05"): parsing, formatting and the deadline of the 25th."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from gongjian_cli.clock import DEFAULT_ZONE, Zone, now
from gongjian_cli.errors import UsageError

_MONTH_RE = re.compile(r"^\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?\s*$")


@dataclass(frozen=True, slots=True, order=True)
class Month:
    """A calendar month; ``str()`` gives ``YYYY-MM`` as used in the ledger and JSON."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise UsageError(f"月份无效：{self.year}年{self.month}月（应为1-12月）")

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def chinese(self) -> str:
        """``2020年05月`` as used in file names."""
        return f"{self.year}年{self.month:02d}月"

    @property
    def label(self) -> str:
        """``2020年5月`` as a person writes it."""
        return f"{self.year}年{self.month}月"

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def deadline(self, day: int = 25) -> datetime:
        """The last moment that counts as on time: the deadline day, 23:59:59, as wall-clock
        time in the bureau's zone (naive, like every received time: ``clock``)."""
        return datetime(self.year, self.month, day, 23, 59, 59)

    @property
    def time_progress(self) -> float:
        """时序进度: month ÷ 12."""
        return self.month / 12

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``2020-05`` (also ``2020.5``, ``2020年5月``); UsageError with the text otherwise."""
        m = _MONTH_RE.match(text or "")
        if not m:
            raise UsageError(f"月份格式不对：“{text}”，请写成 YYYY-MM，例如 2020-05")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def current(cls, zone: Zone = DEFAULT_ZONE) -> Month:
        """This month in ``zone`` (the targets file's ``timezone``), not the machine's."""
        today = now(zone)
        return cls(today.year, today.month)
