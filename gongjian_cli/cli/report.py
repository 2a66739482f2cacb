"""`gongjian report` (being built: see issue 4)."""

from __future__ import annotations

import click


@click.command("report")
def command() -> None:
    """月度通报（开发中）。"""
    raise click.ClickException("report 尚未完成")
