"""Every command has a one-line Chinese summary and an example; --help stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from gongjian_cli.cli import cli


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_summary_and_example(name):
    command = cli.commands[name]
    assert command.help, f"{name} has no help"
    assert command.get_short_help_str().strip()
    assert "示例" in command.help, f"{name} help has no example"
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "gongjian" in result.output


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from gongjian_cli.cli import cli\n"
        "CliRunner().invoke(cli, ['--help'])\n"
        "heavy = [m for m in ('pandas', 'openpyxl', 'xlsxwriter', 'python_calamine', 'jinja2')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("gongjian, version ")
