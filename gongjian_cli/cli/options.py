"""Option helpers shared by several commands, defined once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gongjian_cli.errors import UsageError

if TYPE_CHECKING:
    from gongjian_cli.month import Month


def parse_month(text: str | None) -> Month | None:
    """Month from --month, None when not given (UsageError when malformed)."""
    from gongjian_cli.month import Month

    return None if text is None else Month.parse(text)


def require_month_in_year(month: Month, year: int) -> None:
    """UsageError when ``month`` lies outside the targets file's year."""
    if month.year != year:
        raise UsageError(
            f"月份 {month} 不在目标任务文件的年度（{year}年）内；请用 --month {year}-MM，"
            f"或用 --config 指定 {month.year} 年的目标任务文件"
        )


#: ``--out``: where a command writes its files (report, projects)
out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="输出文件夹（默认 ./reports/YYYY-MM/）。",
)
