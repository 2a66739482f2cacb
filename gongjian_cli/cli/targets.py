"""`gongjian targets`: print 附件1 as the notice shows it."""

from __future__ import annotations

import click

from gongjian_cli.cli.context import AppContext


@click.command("targets")
@click.pass_obj
def command(app: AppContext) -> None:
    """显示附件1目标任务分解表（并检查各县区目标之和等于总目标）。

    \b
    示例：
      gongjian targets
      gongjian --config my-targets.toml targets
    """
    from gongjian_cli.targets_table import format_targets

    click.echo(format_targets(app.targets()))
