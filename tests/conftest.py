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
def sample_year_manifest() -> dict:
    """samples/manifest.json: every sample file (2020-03 … 2020-06), its expected findings,
    the statuses and metrics of each month, and the year (``expected_year``)."""
    import json

    return json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))


TWO_MONTHS = ("2020-04", "2020-05")


@pytest.fixture(scope="session")
def sample_manifest(sample_year_manifest: dict) -> dict:
    """The manifest of the April and May returns only (the inbox of ``sample_inbox``, which
    the collect tests were written for): their files, and the statuses and metrics of April
    and May, which March's returns do not change (tests/test_samples.py checks that)."""
    m = sample_year_manifest
    return {
        "about": m["about"],
        "files": {rel: e for rel, e in m["files"].items() if rel[:7] in TWO_MONTHS},
        "expected_status": {k: m["expected_status"][k] for k in TWO_MONTHS},
        "expected_metrics": {k: m["expected_metrics"][k] for k in TWO_MONTHS},
    }


def _copy_inbox(dest: Path, manifest: dict) -> Path:
    """The manifest's files copied from samples/inbox to ``dest``, each file's mtime set to
    its received time. Git does not keep file times, and the received time (mtime) decides
    late/on time and which resubmission supersedes which; the manifest holds them (China
    time, whatever the machine's zone)."""
    from datetime import datetime

    from gongjian_cli.clock import timestamp

    for rel, entry in manifest["files"].items():
        if "container" in entry:  # held in a zip or an e-mail, copied with it
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLES / "inbox" / rel, dest / rel)
        t = timestamp(datetime.fromisoformat(entry["received"]))
        os.utime(dest / rel, (t, t))
    return dest


@pytest.fixture
def sample_inbox(tmp_path: Path, sample_manifest: dict) -> Path:
    """The April and May returns of samples/inbox in tmp_path/"inbox" (with their received
    times): 19 files, the two-month story ``sample_manifest`` describes."""
    return _copy_inbox(tmp_path / "inbox", sample_manifest)


@pytest.fixture(scope="session")
def sample_year_inbox(tmp_path_factory: pytest.TempPathFactory, sample_year_manifest: dict) -> Path:
    """All of samples/inbox (2020-03 … 2020-06, a folder per month) with received times,
    copied once per session: read it (collect never writes into its inbox), do not change it."""
    return _copy_inbox(tmp_path_factory.mktemp("samples") / "inbox", sample_year_manifest)


@pytest.fixture(autouse=True)
def _run_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in its own temporary folder: default outputs (./reports, ./outbox,
    ./feedback, gongjian.db) never land in the repository."""
    monkeypatch.chdir(tmp_path)
