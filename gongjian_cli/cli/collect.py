"""`gongjian collect`: read an inbox of returned files into the ledger, write feedback."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gongjian_cli.cli.context import AppContext
from gongjian_cli.errors import INTERRUPTED_EXIT

if TYPE_CHECKING:
    from rich.console import Console

    from gongjian_cli.collect import CollectResult

TABLE_CHOICES = ("planned", "construction")


@click.command("collect")
@click.argument("inbox", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--month",
    "month_text",
    metavar="YYYY-MM",
    help="报送月份（识别依据，优先于文件名等；模板标识除外）。",
)
@click.option("--district", metavar="县区", help="县区名称或简称（识别依据，同上）。")
@click.option(
    "--table",
    "table_text",
    type=click.Choice(TABLE_CHOICES),
    help="表别：planned=附件2 谋划，construction=附件3 在建（识别依据，同上）。",
)
@click.option(
    "--feedback",
    "feedback_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("feedback"),
    show_default=True,
    help="反馈文件的根目录；按 <月份>/<县区>/ 分文件夹存放。",
)
@click.option("--no-feedback", is_flag=True, help="不写反馈文件。")
@click.option("--strict", is_flag=True, help="有任何“错误”级问题时退出码为 1。")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("table", "json")),
    default="table",
    show_default=True,
    help="输出格式。",
)
@click.pass_obj
def command(
    app: AppContext,
    inbox: Path,
    month_text: str | None,
    district: str | None,
    table_text: str | None,
    feedback_dir: Path,
    no_feedback: bool,
    strict: bool,
    fmt: str,
) -> None:
    """收集校验：读取收件箱中各县区报回的附件2/附件3，识别、校验、入账，写反馈。

    每个文件要么整体入账，要么整体不入账；同一县区同一月份同一表，后收到的（按文件修改时间）
    替代先收到的，先收到的仍留档。--month/--district/--table 是识别依据：模板自带的标识
    优先，其次是这些选项，再次是文件名、工作表名、标题行和表内容；它们不用于筛选文件。

    退出码：0 全部处理（数据问题写在反馈里）；1 有文件被退回（--strict：或有错误）；2 用法错误；
    130 被 Ctrl-C 中断。

    \b
    示例：
      gongjian collect ./inbox
      gongjian collect ./inbox/郊区 --district 郊区 --month 2020-05 --feedback ./反馈
    """
    from rich.console import Console

    from gongjian_cli.cli.options import parse_month, require_month_in_year
    from gongjian_cli.collect import check_feedback_dir
    from gongjian_cli.identify import IdentifyOptions
    from gongjian_cli.intake import iter_incoming
    from gongjian_cli.schema import Table

    targets = app.targets()
    month = parse_month(month_text)
    if month is not None:
        require_month_in_year(month, targets.year)
    district_name = targets.require_district(district) if district else None
    table = Table(table_text) if table_text else None
    feedback_root = None if no_feedback else feedback_dir
    if feedback_root is not None:
        check_feedback_dir(feedback_root, inbox)
    options = IdentifyOptions(
        district=district_name, month=None if month is None else str(month), table=table
    )

    err = Console(stderr=True)
    listing = iter_incoming(inbox)
    pairs = app.pairs()
    conn = app.ledger()
    try:
        result = _run(conn, inbox, listing, targets, options, feedback_root, err, pairs)
    except KeyboardInterrupt:
        click.secho(
            "已中断：中断前处理完的文件均已完整入账，正在处理的文件没有入账。"
            "再次运行同一命令即可接着收集（已入账的文件会显示为“重复”）。",
            fg="yellow",
            err=True,
        )
        click.get_current_context().exit(INTERRUPTED_EXIT)
    finally:
        conn.close()

    out = sys.stdout
    if fmt == "json":
        out.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_table(result, Console(file=out, width=_width(out)))
    for problem in result.feedback_errors:
        click.secho(f"反馈文件写入失败：{problem}", fg="yellow", err=True)
    click.get_current_context().exit(result.exit_code(strict=strict))


def _run(conn, inbox, listing, targets, options, feedback_root, err, pairs) -> CollectResult:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from gongjian_cli.collect import collect_inbox

    files = listing[0]
    with Progress(
        TextColumn("读取"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("", total=len(files))

        def progress(path: Path) -> None:
            bar.update(task, advance=1, description=path.name)

        return collect_inbox(
            inbox,
            conn,
            targets=targets,
            options=options,
            feedback_dir=feedback_root,
            progress=progress,
            listing=listing,
            pairs=pairs,
        )


def _width(stream) -> int | None:
    """Let a piped table be wide rather than wrap file names."""
    return None if hasattr(stream, "isatty") and stream.isatty() else 200


def plain_grid(headers: list[str], justify: list[str], rows: list[list[str]]) -> str:
    """``rows`` under ``headers`` as text columns two spaces apart, padded by display
    width (a Chinese character takes two columns), no trailing spaces."""
    from rich.cells import cell_len

    table = [headers, *rows]
    widths = [max(cell_len(r[i]) for r in table) for i in range(len(headers))]
    out = []
    for r in table:
        parts = []
        for text, width, how in zip(r, widths, justify, strict=True):
            pad = " " * (width - cell_len(text))
            parts.append(pad + text if how == "right" else text + pad)
        out.append("  ".join(parts).rstrip())
    return "\n".join(out) + "\n"


def print_stripped(console: Console, renderable: object) -> None:
    """Print without the padding rich adds after the last column (when not a terminal)."""
    if console.is_terminal:
        console.print(renderable)
        return
    with console.capture() as cap:
        console.print(renderable)
    console.file.write("\n".join(ln.rstrip() for ln in cap.get().splitlines()) + "\n")


_COLUMNS = (
    ("文件", "left"),
    ("县区", "left"),
    ("月份", "left"),
    ("表", "left"),
    ("行数", "right"),
    ("错误", "right"),
    ("提醒", "right"),
    ("状态", "left"),
)


def _print_table(result: CollectResult, console) -> None:
    from gongjian_cli.collect import table_label
    from gongjian_cli.schema import Outcome

    style = {
        Outcome.ACCEPTED: "green",
        Outcome.SUPERSEDED: "yellow",
        Outcome.DUPLICATE: "dim",
        Outcome.REJECTED: "red",
        Outcome.SKIPPED: "dim",
    }
    lines: list[tuple[list[str], str]] = []
    for item in result.items:
        recorded = item.outcome in (Outcome.ACCEPTED, Outcome.SUPERSEDED)
        status = item.outcome_label
        if item.outcome is Outcome.SKIPPED and item.reason:
            status = f"{status}：{item.reason}"
        cells = [
            item.display_name(result.inbox)
            + (f" [{item.sheet}]" if item.sheet and recorded else ""),
            item.district or "",
            item.month or "",
            table_label(item.table) if item.table else "",
            str(item.rows) if recorded else "",
            str(item.errors) if recorded else "",
            str(item.warnings) if recorded else "",
            status,
        ]
        lines.append((cells, style[item.outcome]))
    if console.is_terminal:  # rich folds long cells to the terminal's width, in colour
        from rich.table import Table as RichTable
        from rich.text import Text

        grid = RichTable(show_edge=False, pad_edge=False, box=None, header_style="bold")
        for name, justify in _COLUMNS:
            grid.add_column(name, justify=justify, overflow="fold")
        for cells, colour in lines:
            grid.add_row(*(Text(c) for c in cells), style=colour)
        console.print(grid)
    else:  # piped or redirected: plain aligned text (rich takes ~1 ms a line)
        console.file.write(
            plain_grid([n for n, _ in _COLUMNS], [j for _, j in _COLUMNS], [c for c, _ in lines])
        )
    files = len({i.path for i in result.items})
    counts = "，".join(
        f"{label} {result.count(o)}"
        for o, label in (
            (Outcome.ACCEPTED, "已接收"),
            (Outcome.SUPERSEDED, "已被替代"),
            (Outcome.DUPLICATE, "重复"),
            (Outcome.REJECTED, "退回"),
            (Outcome.SKIPPED, "跳过"),
        )
        if result.count(o)
    )
    console.print(
        f"共 {files} 个文件：{counts or '无'}；"
        f"错误 {result.error_findings} 条，提醒 {result.warning_findings} 条",
        highlight=False,
    )
    if result.feedback_files and result.feedback_dir is not None:
        console.print(
            f"反馈文件 {len(result.feedback_files)} 个，已写入 {result.feedback_dir}",
            highlight=False,
        )
