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


@pytest.fixture(scope="session")
def sample_manifest() -> dict:
    """samples/manifest.json: every sample file, its expected findings, statuses and metrics."""
    import json

    return json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def sample_inbox(tmp_path: Path, sample_manifest: dict) -> Path:
    """samples/inbox copied to tmp_path/"inbox", each file's mtime set to its received time.

    Git does not keep file times, and the received time (mtime) decides late/on time and
    which resubmission supersedes which; samples/manifest.json holds them (local time).
    """
    from datetime import datetime

    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES / "inbox", inbox)
    for rel, entry in sample_manifest["files"].items():
        t = datetime.fromisoformat(entry["received"]).timestamp()
        os.utime(inbox / rel, (t, t))
    return inbox


@pytest.fixture(autouse=True)
def _run_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in its own temporary folder: default outputs (./reports, ./outbox,
    ./feedback, gongjian.db) never land in the repository."""
    monkeypatch.chdir(tmp_path)
