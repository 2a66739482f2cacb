"""`gongjian init-templates`: write the 附件2/附件3 workbooks for each district, prefilled
with the district's latest tables from the ledger (blank when there are none)."""

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
@click.option(
    "--blank",
    is_flag=True,
    help="生成空白模板，不预填上月项目。",
)
@click.pass_obj
def command(
    app: AppContext,
    month_text: str | None,
    out_text: str | None,
    district_texts: tuple[str, ...],
    blank: bool,
) -> None:
    """生成各县区本月报送表：附件2 谋划项目表、附件3 在建项目进展情况表。

    每个县区两个 .xlsx 工作簿，带标题、填报单位、报送月份、与通知一致的表头、下拉选项、数字校验、填报说明，以及供 collect 识别县区/月份/表别的标识。

    账本里有该县区此前的报表时，预填上次报送的项目（附件3 的本年完成投资留空待更新，旁边列出上月数供参考；每行带一个隐藏的项目标识）；没有时生成空白表。1月、加 --blank 或账本文件不存在时一律空白（不会新建账本）。

    \b
    示例：
      gongjian init-templates --month 2020-05
      gongjian init-templates --month 2020-05 --district 经开区 --district 枞阳县
      gongjian init-templates --month 2020-06 --out 下发/6月
      gongjian init-templates --month 2020-06 --blank
    """
    from gongjian_cli.month import Month
    from gongjian_cli.template import check_request, write_templates

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
    names = check_request(out_dir, targets=targets, month=month, districts=districts)

    prefill = None
    db = Path(app.db_path)
    if not blank and not db.exists():
        click.echo(f"未找到账本“{db}”，生成空白模板。", err=True)
    elif not blank:
        from gongjian_cli.year.prefill import prefill_templates

        pairs = app.pairs()
        conn = app.ledger()
        try:
            prefill = prefill_templates(conn, targets, names, month, pairs=pairs)
        finally:
            conn.close()

    written = write_templates(
        out_dir, targets=targets, month=month, districts=names, prefill=prefill
    )
    for w in written:
        if w.rows:
            source = Month.parse(w.source_month or str(month.previous())).label
            what = f"预填 {w.rows} 个项目（{source}报表）"
        else:
            what = "空白"
        click.echo(f"{w.path}\t{what}")
    filled = sum(1 for w in written if w.rows)
    click.echo(
        f"已生成 {len(written)} 个工作簿（预填 {filled} 个，空白 {len(written) - filled} 个）："
        f"{out_dir.as_posix()}",
        err=True,
    )
