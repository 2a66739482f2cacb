"""The shipped samples: reproducible, fully described by samples/manifest.json, as README says.

Cheap checks only: the deterministic files are regenerated into tmp and compared byte for
byte; files that went through LibreOffice (filled and prefilled templates, the .xls) are
only read back. What gongjian makes of the year is tests/test_samples_year.py's.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
from python_calamine import CalamineWorkbook

from gongjian_cli.clock import timestamp
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


MONTHS = ["2020-03", "2020-04", "2020-05", "2020-06"]


def _on_disk(manifest: dict) -> set[str]:
    """The manifest's files that are files of the inbox (not held in a zip or e-mail)."""
    return {rel for rel, e in manifest["files"].items() if "container" not in e}


def test_manifest_covers_every_file(sample_year_manifest: dict) -> None:
    files = sample_year_manifest["files"]
    assert _on_disk(sample_year_manifest) == _inbox_files()
    for rel, entry in files.items():  # a member is listed by its container, and back
        if "container" in entry:
            assert rel in files[entry["container"]]["members"], rel
            assert rel == f"{entry['container']}/{entry['member']}"
        for member in entry.get("members", []):
            assert files[member]["container"] == rel, member
    assert sorted({rel[:7] for rel in _inbox_files()}) == MONTHS


def test_regenerated_files_are_byte_identical(gen: ModuleType, tmp_path: Path) -> None:
    gen.generate(tmp_path)
    committed = (SAMPLES / "manifest.json").read_text(encoding="utf-8")
    assert (tmp_path / "manifest.json").read_text(encoding="utf-8") == committed, "manifest"
    pairs = (tmp_path / "name-pairs.csv").read_bytes()
    assert pairs == (SAMPLES / "name-pairs.csv").read_bytes(), "name-pairs.csv"
    for spec in gen.FILES:
        if spec.resaved or spec.container:  # members are inside their zip or e-mail
            continue
        new = (tmp_path / "inbox" / spec.path).read_bytes()
        assert new == (SAMPLES / "inbox" / spec.path).read_bytes(), spec.path


def test_readme_tables_are_current(gen: ModuleType, sample_year_manifest: dict) -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    blocks = gen.readme_tables(sample_year_manifest)
    assert {f"metrics-{m}" for m in MONTHS} <= set(blocks)
    assert {"year-findings", "register", "register-without-name-pairs", "conversion"} <= set(blocks)
    for name, body in blocks.items():
        m = re.search(
            rf"<!-- generated:{name} -->\n(.*?)\n<!-- /generated:{name} -->", readme, re.S
        )
        assert m and m.group(1) == body, f"README section {name}: run python samples/generate.py"


def test_sample_inboxes_have_received_times(
    sample_inbox: Path, sample_year_inbox: Path, sample_year_manifest: dict, gen: ModuleType
) -> None:
    files = sample_year_manifest["files"]
    two_months = {rel for rel in files if rel[:7] in ("2020-04", "2020-05")}
    copied = {p.relative_to(sample_inbox).as_posix() for p in sample_inbox.rglob("*")}
    assert {rel for rel in copied if (sample_inbox / rel).is_file()} == two_months
    for inbox, rels in (
        (sample_inbox, two_months),
        (sample_year_inbox, _on_disk(sample_year_manifest)),
    ):
        for rel in rels:
            expected = timestamp(datetime.fromisoformat(files[rel]["received"]))
            assert (inbox / rel).stat().st_mtime == pytest.approx(expected, abs=1), rel
    for rel in two_months:
        os.utime(sample_inbox / rel, (0, 0))
    gen.restore_times(sample_inbox, SAMPLES / "manifest.json")  # the files that are there
    for rel in two_months:
        expected = timestamp(datetime.fromisoformat(files[rel]["received"]))
        assert (sample_inbox / rel).stat().st_mtime == pytest.approx(expected, abs=1), rel


def test_march_changes_no_april_or_may_expectation(
    gen: ModuleType, sample_manifest: dict, sample_year_manifest: dict
) -> None:
    """The sample_inbox fixture holds April and May only, described by the year's manifest
    (sample_manifest): right only as long as the April and May statuses, metrics and
    findings the generator computes for those two months alone are the year's."""
    two = tuple(s for s in gen.FILES if s.path[:7] in ("2020-04", "2020-05"))
    assert {s.path for s in two} == set(sample_manifest["files"])
    findings, status, metrics = gen.expected(two)
    for month in ("2020-04", "2020-05"):
        assert status[month] == sample_year_manifest["expected_status"][month], month
        assert metrics[month] == sample_year_manifest["expected_metrics"][month], month
    for rel, entry in sample_manifest["files"].items():
        assert findings[rel] == entry["findings"], rel


def _col(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _squash(value: object) -> str:
    return "".join(str(value).split())


def _workbooks() -> list[str]:
    """Every workbook of the samples: loose, or a member of a zip or an e-mail."""
    files = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))["files"]
    return sorted(
        rel
        for rel, e in files.items()
        if rel.endswith((".xlsx", ".xls")) and "~$" not in rel and e["kind"] != "export"
    )


def _workbook_bytes(rel: str, entry: dict, gen: ModuleType) -> bytes:
    if "container" not in entry:
        return (SAMPLES / "inbox" / rel).read_bytes()
    # the generator's own reading of the zip or e-mail (zipfile, email), not gongjian's
    return gen.read_container(SAMPLES / "inbox" / entry["container"])[entry["member"]]


@pytest.mark.parametrize("rel", _workbooks())
def test_sheets_are_where_the_manifest_says(
    rel: str, sample_year_manifest: dict, gen: ModuleType
) -> None:
    entry = sample_year_manifest["files"][rel]
    if entry["outcome"] == "rejected":
        with (SAMPLES / "inbox" / rel).open("rb") as f, pytest.raises(Exception):  # noqa: B017
            CalamineWorkbook.from_filelike(f).get_sheet_by_index(0).to_python()
        return
    with io.BytesIO(_workbook_bytes(rel, entry, gen)) as f:
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
            if "aux_columns" in info:
                _check_prefilled(rows, info, entry)


def _check_prefilled(rows: list[list], info: dict, entry: dict) -> None:
    """A prefilled template: the reference and key columns after the notice's, a key on
    every row prefilled from last month (one key per row), none on the rows added below."""
    from gongjian_cli.schema import (
        PREVIOUS_COMPLETED_HEADER,
        PROJECT_KEY_HEADER,
        PROJECT_KEY_PATTERN,
    )

    aux = info["aux_columns"]
    header = rows[info["header_row"] - 1]
    assert header[_col(aux["project_key"])] == PROJECT_KEY_HEADER
    if "previous_completed" in aux:
        assert header[_col(aux["previous_completed"])] == PREVIOUS_COMPLETED_HEADER
    first, last = info["data_rows"]
    keys = [rows[r - 1][_col(aux["project_key"])] for r in range(first, last + 1)]
    keyed = [k for k in keys if k]
    assert keyed and all(re.fullmatch(PROJECT_KEY_PATTERN, k) for k in keyed)
    assert len(set(keyed)) == len(keyed)
    assert keys == keyed + [""] * (len(keys) - len(keyed))  # added rows come last, keyless
    assert entry["kind"] == "prefilled" and info["prefilled_from"] == "2020-05"


def test_expected_metrics_cover_all_districts(sample_year_manifest: dict) -> None:
    for month in MONTHS:
        figures = sample_year_manifest["expected_metrics"][month]
        assert list(figures) == ["经开区", "枞阳县", "郊区", "义安区", "铜官区", "全市"]
    may = sample_year_manifest["expected_status"]["2020-05"]
    assert may["郊区"]["planned"] == {
        "status": "carried",
        "from": "2020-04",
        "file": "2020-04/郊区附件2_202004.xlsx",
    }
    assert may["铜官区"]["planned"] == {"status": "missing"}
    assert may["铜官区"]["construction"]["status"] == "late"
    assert may["义安区"]["construction"]["file"] == "2020-05/义安区报表（修改版）.xlsx"
    june = sample_year_manifest["expected_status"]["2020-06"]
    assert june["枞阳县"]["planned"] == {
        "status": "on_time",
        "file": "2020-06/枞阳县6月报表.zip/枞阳县/附件2-谋划.xlsx",
    }
    assert june["郊区"]["planned"] == {"status": "on_time", "file": "2020-06/郊区附件2_202006.xls"}
    assert june["郊区"]["construction"]["status"] == "late"
    # received = the e-mail's Date (6-24 17:35 China time), not its mtime (6-27): on time
    built = june["铜官区"]["construction"]
    assert built["status"] == "on_time" and built["file"].endswith(
        ".eml/铜官区附件3_2020年6月.xlsx"
    )
    files = sample_year_manifest["files"]
    assert files[built["file"]]["received"] == "2020-06-24T17:35:12"
    assert files[files[built["file"]]["container"]]["received"] > "2020-06-25T23:59:59"
    assert files[built["file"]]["sender"] == "铜官区经信局 王芳 <tgq_wangfang@163.com>"
    assert sample_year_manifest["expected_status"]["2020-03"]["铜官区"] == {
        "planned": {"status": "missing"},
        "construction": {"status": "missing"},
    }


def test_the_name_pair_file_is_the_manifests(sample_year_manifest: dict, targets) -> None:
    from gongjian_cli.year.pairs import load_pairs

    declared = sample_year_manifest["name_pairs"]
    pairs = load_pairs(SAMPLES / declared["file"], targets)
    got = [{"district": p.district, "old": p.old, "new": p.new} for p in pairs]
    assert got == declared["pairs"]


def test_expected_year_shows_the_story(sample_year_manifest: dict) -> None:
    """The year in the manifest holds what samples/README.md tells (guards the scenario)."""
    year = sample_year_manifest["expected_year"]
    assert list(year) == MONTHS
    june = year["2020-06"]
    lines = {(x["district"], x["name"]): x for x in june["projects"]}
    shell = lines["义安区", "新能源电池壳体项目"]
    steps = ("first_planned", "first_construction", "started", "registered")
    assert [shell[k] for k in steps] == ["2020-03", "2020-05", "2020-05", "2020-06"]
    assert lines["经开区", "高强高导铜合金线材智能制造项目"]["names"] == [
        "高端铜合金线材智能制造项目"
    ]
    assert lines["义安区", "覆铜板用电子级玻纤布项目"]["names"] == ["覆铜板用玻纤布项目"]
    codes = {(f["code"], f["project"]) for f in june["findings"]}
    assert ("completed-decreased", "铜陵有色铜箔扩建项目") in codes
    assert ("project-dropped", "电线电缆技改项目") in codes
    assert not any(p == "铜精矿深加工项目" for _, p in codes)  # 竣工 in May: not dropped
    bare = june["without_name_pairs"]
    assert set(bare) <= {"findings", "projects", "project_count", "conversion"}
    assert {(f["code"], f["project"]) for f in bare["findings"]} - codes == {
        ("possible-rename", "覆铜板用电子级玻纤布项目"),
        ("project-dropped", "覆铜板用玻纤布项目"),
    }
    assert bare["project_count"]["义安区"] == june["project_count"]["义安区"] + 1
    for month in MONTHS[:3]:
        assert "without_name_pairs" not in year[month], month
