"""The shipped samples: reproducible, fully described by samples/manifest.json, as README says.

Cheap checks only: the deterministic files are regenerated into tmp and compared byte for
byte; files that went through LibreOffice (filled templates, the .xls) are only read back.
"""

from __future__ import annotations

import importlib.util
import os
import re
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
from python_calamine import CalamineWorkbook

from tests.conftest import SAMPLES


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("samples_generate", SAMPLES / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _generator()


def _inbox_files() -> set[str]:
    inbox = SAMPLES / "inbox"
    return {p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file()}


def test_manifest_covers_every_file(sample_manifest: dict) -> None:
    assert set(sample_manifest["files"]) == _inbox_files()


def test_regenerated_files_are_byte_identical(gen: ModuleType, tmp_path: Path) -> None:
    gen.generate(tmp_path)
    committed = (SAMPLES / "manifest.json").read_text(encoding="utf-8")
    assert (tmp_path / "manifest.json").read_text(encoding="utf-8") == committed, "manifest"
    for spec in gen.FILES:
        if spec.resaved:
            continue
        new = (tmp_path / "inbox" / spec.path).read_bytes()
        assert new == (SAMPLES / "inbox" / spec.path).read_bytes(), spec.path


def test_readme_tables_are_current(gen: ModuleType, sample_manifest: dict) -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for name, body in gen.readme_tables(sample_manifest).items():
        m = re.search(
            rf"<!-- generated:{name} -->\n(.*?)\n<!-- /generated:{name} -->", readme, re.S
        )
        assert m and m.group(1) == body, f"README section {name}: run python samples/generate.py"


def test_sample_inbox_has_received_times(
    sample_inbox: Path, sample_manifest: dict, gen: ModuleType
) -> None:
    for rel, entry in sample_manifest["files"].items():
        expected = datetime.fromisoformat(entry["received"]).timestamp()
        assert (sample_inbox / rel).stat().st_mtime == pytest.approx(expected, abs=1), rel
    for rel in sample_manifest["files"]:
        os.utime(sample_inbox / rel, (0, 0))
    gen.restore_times(sample_inbox, SAMPLES / "manifest.json")
    for rel, entry in sample_manifest["files"].items():
        expected = datetime.fromisoformat(entry["received"]).timestamp()
        assert (sample_inbox / rel).stat().st_mtime == pytest.approx(expected, abs=1), rel


def _col(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _squash(value: object) -> str:
    return "".join(str(value).split())


@pytest.mark.parametrize(
    "rel", sorted(r for r in _inbox_files() if r.endswith((".xlsx", ".xls")) and "~$" not in r)
)
def test_sheets_are_where_the_manifest_says(rel: str, sample_manifest: dict) -> None:
    entry = sample_manifest["files"][rel]
    if entry["outcome"] == "rejected":
        with (SAMPLES / "inbox" / rel).open("rb") as f, pytest.raises(Exception):  # noqa: B017
            CalamineWorkbook.from_filelike(f).get_sheet_by_index(0).to_python()
        return
    with (SAMPLES / "inbox" / rel).open("rb") as f:
        wb = CalamineWorkbook.from_filelike(f)
        for sheet_name, info in entry["sheets"].items():
            rows = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
            cols = info["columns"]
            header = rows[info["header_row"] - 1]
            assert "项目名称" in _squash(header[_col(cols["name"])])
            assert "总投资" in _squash(header[_col(cols["total"])])
            first, last = info["data_rows"]
            names = [rows[r - 1][_col(cols["name"])] for r in range(first, last + 1)]
            assert all(names), (sheet_name, names)
            below = rows[last] if last < len(rows) else []
            assert not below or _squash(below[_col(cols["name"])]) in {"", "合计"}
            for f in entry["findings"]:
                if f["sheet"] == sheet_name:
                    assert first <= f["row"] <= last and f["column"] in cols.values()


def test_expected_metrics_cover_all_districts(sample_manifest: dict) -> None:
    for month in ("2020-04", "2020-05"):
        figures = sample_manifest["expected_metrics"][month]
        assert list(figures) == ["经开区", "枞阳县", "郊区", "义安区", "铜官区", "全市"]
    may = sample_manifest["expected_status"]["2020-05"]
    assert may["郊区"]["planned"] == {
        "status": "carried",
        "from": "2020-04",
        "file": "2020-04/郊区附件2_202004.xlsx",
    }
    assert may["铜官区"]["planned"] == {"status": "missing"}
    assert may["铜官区"]["construction"]["status"] == "late"
    assert may["义安区"]["construction"]["file"] == "2020-05/义安区报表（修改版）.xlsx"
