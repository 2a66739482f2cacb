"""Shared fixtures: the shipped targets, a fresh ledger, the samples, tool availability."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gongjian_cli.targets import Targets, load_targets

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def _need(tool: str) -> None:
    if shutil.which(tool):
        return
    if os.environ.get("GONGJIAN_REQUIRE_TOOLS"):
        pytest.fail(f"{tool} is required here (GONGJIAN_REQUIRE_TOOLS is set) but not on PATH")
    pytest.skip(f"{tool} not installed")


@pytest.fixture
def need_soffice() -> None:
    _need("soffice")


@pytest.fixture
def need_chromium() -> None:
    _need("chromium")


@pytest.fixture(scope="session")
def targets() -> Targets:
    return load_targets()


@pytest.fixture
def ledger(tmp_path: Path):
    from gongjian_cli.ledger import open_ledger

    conn = open_ledger(tmp_path / "ledger.db")
    yield conn
    conn.close()
