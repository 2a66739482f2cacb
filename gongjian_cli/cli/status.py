"""`gongjian status`: which district has sent which table for a month (the 催报 list)."""

from __future__ import annotations

import json
import sys

import click

from gongjian_cli.cli.context import AppContext


@click.command("status")
@click.option("--month", "month_text", required=True, metavar="YYYY-MM", help="报送月份。")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("table", "json")),
    default="table",
    show_default=True,
    help="输出格式。",
)
@click.pass_obj
def command(app: AppContext, month_text: str, fmt: str) -> None:
    """报送情况：各县区附件2/附件3 按时报送、逾期报送、沿用上月或未报，附文件名。

    最后一行列出尚未报送本月报表的县区和表，供催报。

    \b
    示例：
      gongjian status --month 2020-05
      gongjian status --month 2020-05 --format json
    """
    from gongjian_cli.cli.collect import print_stripped
    from gongjian_cli.cli.options import parse_month, require_month_in_year
    from gongjian_cli.status import submission_status

    targets = app.targets()
    month = parse_month(month_text)
    assert month is not None  # required option
    require_month_in_year(month, targets.year)
    conn = app.ledger()
    try:
        report = submission_status(conn, month, targets)
    finally:
        conn.close()

    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table as RichTable

    from gongjian_cli.schema import TABLE_ATTACHMENT, TABLE_SHORT, SubmissionStatus

    out = sys.stdout
    console = Console(file=out, width=None if out.isatty() else 200)
    console.print(
        f"{month.label}报送情况（截止 {report.deadline:%Y-%m-%d}，之后收到为逾期）",
        highlight=False,
    )
    grid = RichTable(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for name in ("县区", "表", "状态", "文件", "收到时间", "发件人"):
        grid.add_column(name, overflow="fold")
    style = {
        SubmissionStatus.ON_TIME: "green",
        SubmissionStatus.LATE: "yellow",
        SubmissionStatus.CARRIED: "yellow",
        SubmissionStatus.MISSING: "red",
    }
    for ln in report.lines:
        grid.add_row(
            ln.district,
            f"{TABLE_ATTACHMENT[ln.table]} {TABLE_SHORT[ln.table]}",
            ln.label,
            ln.file_name or "",
            "" if ln.received_at is None else f"{ln.received_at:%Y-%m-%d %H:%M}",
            ln.sender or "",
            style=style[ln.status],
        )
    print_stripped(console, grid)
    console.print(report.chase_text(), highlight=False)
