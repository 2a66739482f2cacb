"""`gongjian report`: the monthly bulletin (月度通报) from the ledger."""

from __future__ import annotations

from pathlib import Path

import click

from gongjian_cli.cli.context import AppContext
from gongjian_cli.cli.options import parse_month, require_month_in_year


@click.command("report")
@click.option("--month", "month_text", required=True, help="通报月份，YYYY-MM，例如 2020-05。")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="输出文件夹（默认 ./reports/YYYY-MM/）。",
)
@click.option(
    "--format",
    "formats_text",
    default="xlsx,html",
    show_default=True,
    help="输出格式，逗号分隔：xlsx,html,md,json。json 输出到标准输出（指定 --out 时同时写文件）。",
)
@click.pass_obj
def command(app: AppContext, month_text: str, out_dir: str | None, formats_text: str) -> None:
    """按月通报项目谋划、开（竣）工、投资、统计入库目标任务完成情况。

    从账本计算各县区和全市的完成数、目标、完成率、时序进度和本月新增，写出 Excel 和 HTML 通报（可选 Markdown、JSON）。

    \b
    示例：
      gongjian report --month 2020-05
      gongjian report --month 2020-05 --format xlsx,html,md --out 通报/5月
      gongjian report --month 2020-05 --format json > 2020-05.json
    """
    from gongjian_cli.metrics import compute_report
    from gongjian_cli.render import parse_formats, write_report
    from gongjian_cli.year.register import attach_to_report, year_view

    month = parse_month(month_text)
    assert month is not None  # --month is required
    formats = parse_formats(formats_text)
    targets = app.targets()
    require_month_in_year(month, targets.year)

    pairs = app.pairs()
    conn = app.ledger()
    try:
        report = compute_report(conn, month, targets)
        report = attach_to_report(report, year_view(conn, month, targets, pairs=pairs))
    finally:
        conn.close()

    if all(s.status == "missing" for d in report.districts for s in d.submissions.values()):
        click.echo(
            f"提示：账本 {app.db_path} 中没有 {month.year}年1月至{month.month}月的报表，"
            "各县区均按未报计（数字为0）。",
            err=True,
        )
    to_stdout = "json" in formats
    files = [f for f in formats if f != "json" or out_dir is not None]
    written: list[Path] = []
    if files:
        target = Path(out_dir) if out_dir is not None else Path("reports") / str(month)
        written = write_report(report, target, files)
    if to_stdout:
        from gongjian_cli.render.json import dumps

        click.echo(dumps(report))
    for path in written:
        click.echo(f"已生成：{path}", err=to_stdout)
