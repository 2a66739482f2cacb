"""`gongjian report`: the monthly bulletin (月度通报) from the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gongjian_cli.cli.context import AppContext
from gongjian_cli.cli.options import out_option, parse_month, require_month_in_year
from gongjian_cli.errors import UsageError

if TYPE_CHECKING:
    from datetime import date


def _parse_date(text: str | None) -> date | None:
    """--date YYYY-MM-DD (also 2020年6月3日); UsageError naming the text otherwise."""
    if text is None:
        return None
    import re
    from datetime import date

    m = re.fullmatch(r"\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?\s*", text)
    try:
        if not m:
            raise ValueError
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise UsageError(f"日期格式不对：“{text}”，请写成 YYYY-MM-DD，例如 2020-06-03") from None


@click.command("report")
@click.option("--month", "month_text", required=True, help="通报月份，YYYY-MM，例如 2020-05。")
@out_option
@click.option(
    "--format",
    "formats_text",
    default="xlsx,html,docx",
    show_default=True,
    help="输出格式，逗号分隔：xlsx,html,docx,md,json。docx 是公文格式的 Word 通报；"
    "json 输出到标准输出（指定 --out 时同时写文件）。",
)
@click.option(
    "--briefs",
    is_flag=True,
    help="同时为每个县区写一页 Word 调度单（调度单-县区-YYYY-MM.docx）。",
)
@click.option(
    "--docx-template",
    "docx_template",
    type=click.Path(dir_okay=False),
    default=None,
    help="Word 通报的模板（.docx，默认随程序提供的 templates/通报模板.docx）。",
)
@click.option(
    "--brief-template",
    "brief_template",
    type=click.Path(dir_okay=False),
    default=None,
    help="调度单的模板（.docx，默认随程序提供的 templates/调度单模板.docx）；与 --briefs 一起用。",
)
@click.option(
    "--date",
    "date_text",
    default=None,
    help="Word 通报的成文日期，YYYY-MM-DD（默认今天）。",
)
@click.pass_obj
def command(
    app: AppContext,
    month_text: str,
    out_dir: str | None,
    formats_text: str,
    briefs: bool,
    docx_template: str | None,
    brief_template: str | None,
    date_text: str | None,
) -> None:
    """按月通报项目谋划、开（竣）工、投资、统计入库目标任务完成情况。

    从账本计算各县区和全市的完成数、目标、完成率、时序进度和本月新增，写出 Excel、HTML
    和公文格式的 Word 通报（可选 Markdown、JSON）；--briefs 另为每个县区写一页调度单。
    主送、署名和“下步工作”的文字在目标任务文件的 [bulletin] 中，版式在 Word 模板里。

    \b
    示例：
      gongjian report --month 2020-05
      gongjian report --month 2020-05 --briefs
      gongjian report --month 2020-05 --format docx --docx-template 我的通报模板.docx
      gongjian report --month 2020-05 --briefs --brief-template 我的调度单模板.docx
      gongjian report --month 2020-05 --format xlsx,html,md --out 通报/5月
      gongjian report --month 2020-05 --format json > 2020-05.json
    """
    from gongjian_cli.metrics import compute_report
    from gongjian_cli.render import parse_formats, write_report
    from gongjian_cli.year.register import attach_to_report, year_view

    month = parse_month(month_text)
    assert month is not None  # --month is required
    formats = parse_formats(formats_text)
    issued = _parse_date(date_text)
    targets = app.targets()
    require_month_in_year(month, targets.year)
    word = "docx" in formats or briefs
    template = text = None
    if word:
        from gongjian_cli.render.wordtpl import BULLETIN_TEMPLATE, bulletin_text, template_path

        text = bulletin_text(targets.source)
        if "docx" in formats:
            template = template_path(BULLETIN_TEMPLATE, docx_template)
    elif docx_template is not None:
        raise UsageError("--docx-template 只用于 Word 通报：请在 --format 里加上 docx")
    brief_source = None
    if briefs:
        from gongjian_cli.render.wordtpl import BRIEF_TEMPLATE, template_path

        brief_source = template_path(BRIEF_TEMPLATE, brief_template)
    elif brief_template is not None:
        raise UsageError("--brief-template 只用于调度单：请同时加上 --briefs")

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
    target = Path(out_dir) if out_dir is not None else Path("reports") / str(month)
    written: list[Path] = []
    if files:
        extra = {"docx_template": template, "text": text, "issued": issued} if word else {}
        written = write_report(report, target, files, **extra)
    if briefs:
        from gongjian_cli.render.brief import write_briefs

        written += write_briefs(report, target, template=brief_source, text=text, issued=issued)
    if to_stdout:
        from gongjian_cli.render.json import dumps

        click.echo(dumps(report))
    for path in written:
        click.echo(f"已生成：{path}", err=to_stdout)
