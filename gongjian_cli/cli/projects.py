"""`gongjian projects`: the project register (项目台账) as of a month."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gongjian_cli.cli.context import AppContext
from gongjian_cli.cli.options import out_option

if TYPE_CHECKING:
    from gongjian_cli.year.model import YearView

REGISTER_FORMATS = ("xlsx", "csv", "json", "table")


@click.command("projects")
@click.option("--month", "month_text", required=True, metavar="YYYY-MM", help="截至月份。")
@click.option("--district", default=None, help="只列一个县区的项目（名称或别名）。")
@click.option(
    "--format",
    "formats_text",
    default="xlsx",
    show_default=True,
    help="输出格式，逗号分隔：xlsx,csv,json,table。json 和 table 输出到标准输出"
    "（指定 --out 时 json 同时写文件）。",
)
@out_option
@click.pass_obj
def command(
    app: AppContext,
    month_text: str,
    district: str | None,
    formats_text: str,
    out_dir: str | None,
) -> None:
    """项目台账：每个项目一行，跨月份、跨附件2/附件3 跟踪（谋划 → 在建 → 开工 → 入库 → 竣工）。

    列出县区、项目名称（及曾用名）、项目单位、总投资、首次列入谋划/在建的月份、开工、入库、竣工月份，
    以及1月至该月每月的本年完成投资；另附各县区和全市的谋划项目转化情况和本月的跨月校验问题。

    \b
    示例：
      gongjian projects --month 2020-06
      gongjian projects --month 2020-06 --district 经开区 --format xlsx,csv
      gongjian projects --month 2020-06 --format json > 台账.json
      gongjian projects --month 2020-06 --format table     # 在屏幕上看
    """
    from gongjian_cli.cli.options import parse_month, require_month_in_year
    from gongjian_cli.errors import UsageError
    from gongjian_cli.year.register import year_view

    formats = _parse_formats(formats_text)
    targets = app.targets()
    month = parse_month(month_text)
    assert month is not None  # required option
    require_month_in_year(month, targets.year)
    name = None if district is None else targets.require_district(district)
    pairs = app.pairs()
    conn = app.ledger()
    try:
        view = year_view(conn, month, targets, pairs=pairs, district=name)
    finally:
        conn.close()

    to_stdout = "json" in formats or "table" in formats
    files = [f for f in formats if f not in ("json", "table") or (f == "json" and out_dir)]
    if files:
        from gongjian_cli.render.register import write_register_csv, write_register_xlsx

        target = Path(out_dir) if out_dir is not None else Path("reports") / str(month)
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"无法创建输出文件夹 {target}：{exc}") from exc
        stem = f"项目台账-{month}" + ("" if name is None else f"-{name}")
        for fmt in files:
            path = target / f"{stem}.{fmt}"
            if fmt == "xlsx":
                title = f"{targets.city}{targets.year}年重大工业项目台账（截至{month.month}月）"
                write_register_xlsx(view, path, title=title)
            elif fmt == "csv":
                write_register_csv(view, path)
            else:
                path.write_text(_dumps(view) + "\n", encoding="utf-8")
            click.echo(f"已生成：{path}", err=to_stdout)
    if "json" in formats:
        click.echo(_dumps(view))
    if "table" in formats:
        _print_table(view)


def _print_table(view: YearView) -> None:
    """The register, the conversion and the month's findings as plain aligned text."""
    import sys

    from rich.console import Console
    from rich.table import Table as RichTable

    from gongjian_cli.cli.collect import print_stripped
    from gongjian_cli.render import DASH, fmt_pct, fmt_wan

    out = sys.stdout
    console = Console(file=out, width=None if out.isatty() else 200)
    month = view.month
    console.print(f"项目台账（截至{month.label}，共{len(view.projects)}个项目）", highlight=False)
    grid = RichTable(show_edge=False, pad_edge=False, box=None, header_style="bold")
    heads = ("县区", "项目名称", "曾用名", "总投资（万元）", "谋划", "在建", "开工", "入库", "竣工")
    for head in heads:
        grid.add_column(head, overflow="fold", justify="right" if "万元" in head else "left")
    grid.add_column(f"{month.month}月完成投资（万元）", justify="right")

    def when(m: str | None) -> str:
        return DASH if m is None else f"{int(m[5:])}月"

    for p in view.projects:
        grid.add_row(
            p.district,
            p.name,
            "、".join(p.names),
            fmt_wan(p.total_investment),
            when(p.first_planned),
            when(p.first_construction),
            when(p.started),
            when(p.registered),
            when(p.completed),
            fmt_wan(p.completed_investment.get(str(month))),
        )
    print_stripped(console, grid)
    console.print("\n谋划项目转化情况", highlight=False)
    funnel = RichTable(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for head in ("", "谋划项目", "已转在建", "已开工", "已入库", "谋划转化率"):
        funnel.add_column(head, justify="left" if not head else "right")
    for name, c in view.conversion.items():
        funnel.add_row(
            name, *(str(n) for n in (c.planned, c.in_construction, c.started, c.registered)),
            fmt_pct(c.rate),
        )  # fmt: skip
    print_stripped(console, funnel)
    if view.findings:
        console.print(f"\n与上月比对的问题（{len(view.findings)}条）", highlight=False)
        for f in view.findings:
            where = f" 第{f.row}行{f.column}列" if f.row is not None else ""
            console.print(
                f"  {f.district} {f.file}{where}：{f.project}——{f.message}",
                highlight=False,
                markup=False,
            )


def _dumps(view: YearView) -> str:
    """The register as JSON, one project (and one finding) a line: readable, and written
    by json's C encoder (``indent`` would take the pure-Python one: 0.2 s for a year)."""
    data = view.to_dict()
    parts = []
    for key, value in data.items():
        if isinstance(value, list):
            items = ",\n    ".join(json.dumps(x, ensure_ascii=False) for x in value)
            text = f"[\n    {items}\n  ]" if value else "[]"
        else:
            text = json.dumps(value, ensure_ascii=False)
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}"


def _parse_formats(text: str) -> tuple[str, ...]:
    from gongjian_cli.errors import UsageError

    out: list[str] = []
    for part in text.replace("，", ",").split(","):
        fmt = part.strip().lower().lstrip(".")
        if fmt and fmt not in out:
            if fmt not in REGISTER_FORMATS:
                known = ",".join(REGISTER_FORMATS)
                raise UsageError(f"未知的输出格式“{part.strip()}”（可选：{known}）")
            out.append(fmt)
    if not out:
        raise UsageError(f"--format 不能为空（可选：{','.join(REGISTER_FORMATS)}）")
    return tuple(out)
