"""The identification metadata survives a fill and a re-save in LibreOffice.

This is the measurement behind the choice of carriers in ``gongjian_cli.metadata``:
each route fills row 4 with openpyxl, re-saves with LibreOffice, and checks every
carrier separately, the combined reader, and that the filled project survived.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from office import soffice_convert
from python_calamine import CalamineWorkbook

from gongjian_cli import metadata, template
from gongjian_cli.models import TemplateMeta
from gongjian_cli.month import Month
from gongjian_cli.reading import read_workbook
from gongjian_cli.schema import Table

pytestmark = pytest.mark.soffice

WANT = TemplateMeta("义安区", "2020-05", Table.CONSTRUCTION, "1")
PROJECT = "年产5万吨高端铜箔项目"


@pytest.fixture
def filled(tmp_path, targets) -> Path:
    """A 附件3 template with one project typed into row 4, saved by openpyxl."""
    blank = template.build_template(
        tmp_path
        / template.template_filename(targets, "义安区", Month(2020, 5), Table.CONSTRUCTION),
        targets=targets,
        district="义安区",
        month=Month(2020, 5),
        table=Table.CONSTRUCTION,
    )
    wb = openpyxl.load_workbook(blank)
    ws = wb.worksheets[0]
    row = template.FIRST_DATA_ROW
    for letter, value in zip(
        "ABCEFGH", (1, PROJECT, "某新材料公司", 25000, 3000, "续建", "是"), strict=True
    ):
        ws[f"{letter}{row}"] = value
    path = tmp_path / "filled" / "义安区在建.xlsx"
    path.parent.mkdir()
    wb.save(path)
    return path


def _carriers(path: Path) -> dict[str, TemplateMeta | None]:
    """Each carrier read on its own (None when absent or incomplete)."""
    found: dict[str, TemplateMeta | None] = {}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())

            def part(name: str) -> bytes | None:
                return z.read(name) if name in names else None

            found["properties"] = metadata._record(
                metadata._custom_properties(part("docProps/custom.xml"))
            )
            found["defined names"] = metadata._record(
                metadata._defined_names(part("xl/workbook.xml"))
            )
            found["ods user fields"] = metadata._record(metadata._odf_user_fields(part("meta.xml")))
    found["hidden sheet"] = metadata._from_hidden_sheet(path)
    return found


def _project_row(path: Path) -> list[object]:
    with path.open("rb") as f:
        wb = CalamineWorkbook.from_filelike(f)
        rows = wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)
    return rows[template.FIRST_DATA_ROW - 1]


@pytest.mark.parametrize(
    ("route", "carriers"),
    [
        (("xlsx",), {"properties", "defined names", "hidden sheet"}),
        (("xls", "xlsx"), {"properties", "defined names", "hidden sheet"}),
        (("ods",), {"ods user fields", "hidden sheet"}),
    ],
    ids=["xlsx", "xls-xlsx", "ods"],
)
def test_metadata_survives_libreoffice(need_soffice, filled, tmp_path, route, carriers):
    profile = tmp_path / "lo-profile"
    path = filled
    for step, fmt in enumerate(route):
        path = soffice_convert([path], fmt, tmp_path / f"step{step}-{fmt}", profile)[0]
        if fmt == "xls":  # the intermediate .xls: only the hidden sheet is read there
            assert metadata.read_template_meta(path) == WANT
            sheets = read_workbook(path).sheets
            assert metadata.read_template_meta(path, sheets=sheets) == WANT

    assert metadata.read_template_meta(path) == WANT
    assert metadata.read_template_meta(path, sheets=read_workbook(path).sheets) == WANT
    survived = {name for name, meta in _carriers(path).items() if meta == WANT}
    assert survived == carriers

    row = _project_row(path)
    assert row[1] == PROJECT
    assert float(row[4]) == 25000
    assert row[6] == "续建"

    if path.suffix == ".xlsx":  # what the clerk relies on when filling a returned copy
        ws = openpyxl.load_workbook(path).worksheets[0]
        kinds = sorted(dv.type for dv in ws.data_validations.dataValidation)
        assert kinds == ["decimal", "decimal", "list", "list"]
        assert ws.protection.sheet is True
        assert ws.print_title_rows == "$1:$3"
        assert ws["A3"].value == "序号"
