"""`gongjian init-templates` (being built: see issue 2)."""

from __future__ import annotations

import click


@click.command("init-templates")
def command() -> None:
    """生成各县区空白附件2/附件3工作簿（开发中）。"""
    raise click.ClickException("init-templates 尚未完成")
