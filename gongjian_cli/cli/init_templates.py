"""`gongjian init-templates`: write the blank 附件2/附件3 workbooks for each district."""

from __future__ import annotations

from pathlib import Path

import click

from gongjian_cli.cli.context import AppContext
from gongjian_cli.cli.options import parse_month, require_month_in_year
from gongjian_cli.errors import UsageError


@click.command("init-templates")
@click.option(
    "--month", "month_text", metavar="YYYY-MM", help="报送月份，如 2020-05（默认：本月）。"
)
@click.option(
    "--out",
    "out_text",
    metavar="DIR",
    help="输出文件夹（默认：./outbox/YYYY-MM/），不存在时自动创建。",
)
@click.option(
    "--district",
    "district_texts",
    metavar="NAME",
    multiple=True,
    help="只生成这些县区（可重复；可用简称，如 枞阳）。默认：全部县区。",
)
@click.pass_obj
def command(
    app: AppContext, month_text: str | None, out_text: str | None, district_texts: tuple[str, ...]
) -> None:
    """生成各县区本月空白报送表：附件2 谋划项目表、附件3 在建项目进展情况表。

    每个县区两个 .xlsx 工作簿，带标题、填报单位、报送月份、与通知一致的表头、下拉选项、数字校验、填报说明，以及供 collect 识别县区/月份/表别的标识。

    \b
    示例：
      gongjian init-templates --month 2020-05
      gongjian init-templates --month 2020-05 --district 经开区 --district 枞阳县
      gongjian init-templates --month 2020-06 --out 下发/6月
    """
    from gongjian_cli.month import Month
    from gongjian_cli.template import init_templates

    targets = app.targets()
    month = parse_month(month_text)
    if month is None:
        month = Month.current()
        if month.year != targets.year:
            raise UsageError(
                f"本月（{month}）不在目标任务文件的年度（{targets.year}年）内，"
                f"请用 --month {targets.year}-MM 指定报送月份"
            )
    require_month_in_year(month, targets.year)
    districts = [targets.require_district(d) for d in district_texts] or None
    out_dir = Path(out_text) if out_text else Path("outbox") / str(month)

    written = init_templates(out_dir, targets=targets, month=month, districts=districts)
    for path in written:
        click.echo(str(path))
    click.echo(f"已生成 {len(written)} 个工作簿：{out_dir.as_posix()}", err=True)
