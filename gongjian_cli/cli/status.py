"""`gongjian status` (being built: see issue 3)."""

from __future__ import annotations

import click


@click.command("status")
def command() -> None:
    """报送情况（开发中）。"""
    raise click.ClickException("status 尚未完成")
