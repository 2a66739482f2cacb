"""`gongjian collect` (being built: see issue 3)."""

from __future__ import annotations

import click


@click.command("collect")
def command() -> None:
    """收集校验报表（开发中）。"""
    raise click.ClickException("collect 尚未完成")
