"""The click layer: parse arguments, call core functions, print, choose exit codes.

Heavy libraries (openpyxl, xlsxwriter, calamine, jinja2) are imported inside the commands so that
``gongjian --help`` stays instant.
"""

from __future__ import annotations

import sys

import click

from gongjian_cli import __version__
from gongjian_cli.cli.context import AppContext
from gongjian_cli.errors import INTERRUPTED_EXIT, GongjianError


class GongjianGroup(click.Group):
    """Turns every GongjianError into a Chinese message and its exit code (--debug: traceback)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except GongjianError as exc:
            app = ctx.find_object(AppContext)
            if app is not None and app.debug:
                raise
            click.secho(f"错误：{exc}", fg="red", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:  # Ctrl-C: say it in Chinese, not click's "Aborted!"
            click.secho("已中断。", fg="yellow", err=True)
            ctx.exit(INTERRUPTED_EXIT)


@click.group(cls=GongjianGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="gongjian")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    envvar="GONGJIAN_DB",
    default="gongjian.db",
    show_default=True,
    help="SQLite 账本文件（环境变量 GONGJIAN_DB）。",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="附件1 目标任务文件（默认：随程序提供的 templates/targets-*.toml）。",
)
@click.option(
    "--names",
    "names_path",
    type=click.Path(dir_okay=False),
    envvar="GONGJIAN_NAMES",
    default=None,
    help="项目名称对照文件（CSV：县区,原名称,新名称；默认：随程序提供的 templates/name-pairs.csv）。",
)
@click.option("--debug", is_flag=True, help="出错时显示完整的调用栈。")
@click.pass_context
def cli(
    ctx: click.Context,
    db_path: str,
    config_path: str | None,
    names_path: str | None,
    debug: bool,
) -> None:
    """gongjian：重大工业项目攻坚年 月度项目表的下发、收集校验与进度通报。

    \b
    典型流程：
      gongjian init-templates --month 2020-05   # 生成各县区附件2/附件3（预填上月项目）
      gongjian collect ./inbox                   # 读取、识别、校验、入账
      gongjian report --month 2020-05            # 生成月度通报
      gongjian projects --month 2020-05          # 项目台账（跨月、跨表跟踪每个项目）
    """
    ctx.obj = AppContext(
        db_path=db_path, config_path=config_path, names_path=names_path, debug=debug
    )


def _register() -> None:
    from gongjian_cli.cli import collect, init_templates, projects, report, status, targets

    for module in (targets, init_templates, collect, status, report, projects):
        cli.add_command(module.command)


_register()


def main() -> None:
    """Console-script entry point."""
    if getattr(sys, "frozen", False):  # a bundled .exe: its worker processes start here
        import multiprocessing

        multiprocessing.freeze_support()
    cli(prog_name="gongjian")
