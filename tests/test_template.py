"""The blank workbooks: read back with openpyxl, cell by cell, and their metadata."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from _build_bad_files import CONSTRUCTION_HEADER, PLANNED_HEADER

from gongjian_cli import template
from gongjian_cli.errors import GongjianError, UsageError
from gongjian_cli.metadata import META_SHEET, read_template_meta
from gongjian_cli.models import TemplateMeta
from gongjian_cli.month import Month
from gongjian_cli.reading import read_workbook
from gongjian_cli.schema import (
    COLUMNS,
    REGISTERED_CHOICES,
    START_CHOICES,
    TEMPLATE_VERSION,
    Table,
)

MAY = Month(2020, 5)
LAST = template.FIRST_DATA_ROW + template.INPUT_ROWS - 1  # 203
DISTRICTS = '"经开区,枞阳县,郊区,义安区,铜官区"'


@pytest.fixture(scope="module")
def built(tmp_path_factory, targets) -> dict[Table, Path]:
    out = tmp_path_factory.mktemp("templates")
    return {
        table: template.build_template(
            out / template.template_filename(targets, "经开区", MAY, table),
            targets=targets,
            district="经开区",
            month=MAY,
            table=table,
        )
        for table in Table
    }


@pytest.fixture(scope="module")
def books(built) -> dict[Table, openpyxl.Workbook]:
    return {table: openpyxl.load_workbook(path) for table, path in built.items()}


def _validations(ws) -> dict[str, object]:
    """Data validations keyed by their range, e.g. ``"C4:C203"``."""
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def _width(ws, index: int) -> float:
    """Width of column ``index`` (1-based); openpyxl groups equal neighbours in one entry."""
    for dim in ws.column_dimensions.values():
        if dim.min <= index <= dim.max:
            return dim.width
    raise AssertionError(f"no width for column {index}")


def test_layout_constants():
    assert (template.HEADER_ROW, template.FIRST_DATA_ROW) == (3, 4)
    assert template.INPUT_ROWS >= 200


@pytest.mark.parametrize(
    ("table", "name"),
    [
        (Table.PLANNED, "附件2-铜陵市2020年工业谋划项目表-经开区-2020年05月.xlsx"),
        (Table.CONSTRUCTION, "附件3-铜陵市2020年工业在建项目进展情况表-经开区-2020年05月.xlsx"),
    ],
)
def test_template_filename(targets, table, name):
    assert template.template_filename(targets, "经开区", MAY, table) == name


def test_filename_never_holds_path_separators(targets):
    name = template.template_filename(targets, "甲/乙 区", MAY, Table.PLANNED)
    assert "/" not in name
    assert name == "附件2-铜陵市2020年工业谋划项目表-甲_乙_区-2020年05月.xlsx"


@pytest.mark.parametrize(
    ("table", "sheet", "title"),
    [
        (Table.PLANNED, "附件2 谋划项目", "铜陵市2020年工业谋划项目表"),
        (Table.CONSTRUCTION, "附件3 在建项目", "铜陵市2020年工业在建项目进展情况表"),
    ],
)
def test_title_info_and_header_as_in_the_notice(books, table, sheet, title):
    wb = books[table]
    assert wb.sheetnames == [sheet, "填报说明", META_SHEET]
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible", "visible", "hidden"]
    ws = wb.worksheets[0]
    assert wb.active.title == sheet
    assert ws["A1"].value == title
    assert ws["A2"].value == "填报单位：经开区　　报送月份：2020年5月　　注：每月25日前报"
    last = openpyxl.utils.get_column_letter(len(COLUMNS[table]))
    assert {str(r) for r in ws.merged_cells.ranges} == {f"A1:{last}1", f"A2:{last}2"}
    header = [c.value for c in ws[template.HEADER_ROW]]
    assert header == [col.label(2020) for col in COLUMNS[table]]
    # the notice's wording, spelled out once (tests/_build_bad_files.py) so a schema typo
    # cannot hide here
    notice = PLANNED_HEADER if table is Table.PLANNED else CONSTRUCTION_HEADER
    assert header == list(notice)
    # prepared rows are empty: nothing in them may be read as a project
    assert all(c.value is None for row in ws.iter_rows(min_row=4, max_row=LAST) for c in row)


def test_planned_validations(books):
    ws = books[Table.PLANNED].worksheets[0]
    dvs = _validations(ws)
    assert set(dvs) == {f"C4:C{LAST}", f"D4:D{LAST}"}

    total = dvs[f"C4:C{LAST}"]
    assert (total.type, total.operator, total.formula1) == (
        "decimal",
        "greaterThanOrEqual",
        "10000",
    )
    assert total.promptTitle == "总投资（万元）"
    assert "万元" in total.prompt and "1亿元" in total.prompt
    assert "10000" in total.error and total.errorTitle
    assert total.showInputMessage and total.showErrorMessage
    assert total.errorStyle in (None, "stop")

    region = dvs[f"D4:D{LAST}"]
    assert (region.type, region.formula1) == ("list", DISTRICTS)
    assert region.prompt and region.error and region.showErrorMessage


def test_construction_validations(books):
    ws = books[Table.CONSTRUCTION].worksheets[0]
    dvs = _validations(ws)
    assert set(dvs) == {f"{c}4:{c}{LAST}" for c in "EFGH"}
    for letter in "EF":
        dv = dvs[f"{letter}4:{letter}{LAST}"]
        assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
        assert "万元" in dv.prompt and dv.error and dv.showErrorMessage
    assert dvs[f"E4:E{LAST}"].promptTitle == "总投资（万元）"
    assert dvs[f"F4:F{LAST}"].promptTitle == "2020年完成投资（万元）"
    start = dvs[f"G4:G{LAST}"]
    assert start.type == "list"
    assert start.formula1 == '"' + ",".join(START_CHOICES) + '"'
    assert "续建" in start.prompt and "未开工" in start.prompt
    registered = dvs[f"H4:H{LAST}"]
    assert (registered.type, registered.formula1) == (
        "list",
        '"' + ",".join(REGISTERED_CHOICES) + '"',
    )
    assert "1000万元" in registered.prompt


@pytest.mark.parametrize("table", list(Table))
def test_protection_without_password_keeps_rows_sort_and_filter(books, table):
    ws = books[table].worksheets[0]
    p = ws.protection
    assert p.sheet is True
    assert not p.password
    # OOXML stores what is *locked*: False means the action stays allowed
    assert (p.insertRows, p.deleteRows, p.sort, p.autoFilter) == (False, False, False, False)
    assert (p.formatColumns, p.formatRows) == (False, False)
    for ref in ("A1", "A2", "A3", "B3"):
        assert ws[ref].protection.locked is True, ref
    for ref in ("A4", "B4", "C4", f"B{LAST}", f"E{LAST}"):
        assert ws[ref].protection.locked is False, ref
    assert ws.auto_filter.ref == f"A3:{openpyxl.utils.get_column_letter(ws.max_column)}{LAST}"


@pytest.mark.parametrize("table", list(Table))
def test_print_setup_freeze_widths_and_formats(books, table):
    ws = books[table].worksheets[0]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (int(ws.page_setup.fitToWidth or 1), int(ws.page_setup.fitToHeight)) == (1, 0)
    assert ws.print_title_rows == "$1:$3"
    assert ws.freeze_panes == "A4"
    for i, col in enumerate(COLUMNS[table], start=1):
        letter = openpyxl.utils.get_column_letter(i)
        assert _width(ws, i) == pytest.approx(col.width, abs=1)
        cell = ws[f"{letter}4"]
        assert cell.alignment.wrap_text is True
        assert ws[f"{letter}3"].alignment.wrap_text is True
        if col.amount:
            assert cell.number_format == template.AMOUNT_FORMAT
            assert ws[f"{letter}{LAST}"].number_format == template.AMOUNT_FORMAT
        else:
            assert cell.number_format == "General"


@pytest.mark.parametrize("table", list(Table))
def test_instructions_sheet(books, table):
    ws = books[table]["填报说明"]
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    assert ws.protection.sheet is True
    for phrase in ("万元", "25日前", "不要修改", "表头", "工作表名称", META_SHEET, "插入行"):
        assert phrase in text, phrase
    if table is Table.PLANNED:
        assert "不低于1亿元（10000万元）" in text
        assert "所属区域" in text
    else:
        assert "不低于1000万元" in text
        assert "“是”" in text and "“否”" in text
        for choice in START_CHOICES:
            assert f"{choice}：" in text, choice  # each choice explained


@pytest.mark.parametrize("table", list(Table))
def test_metadata_in_all_three_carriers(built, books, table):
    wb = books[table]
    want = {"district": "经开区", "month": "2020-05", "table": str(table), "version": "1"}
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    names = {n: wb.defined_names[n].attr_text for n in wb.defined_names}
    hidden = wb[META_SHEET]
    sheet_pairs = {r[0]: r[1] for r in hidden.iter_rows(min_row=2, max_col=2, values_only=True)}
    for key, value in want.items():
        assert props[f"gongjian_{key}"] == value
        assert names[f"gongjian_{key}"] == f'"{value}"'
        assert sheet_pairs[key] == value
    assert read_template_meta(built[table]) == TemplateMeta(
        "经开区", "2020-05", table, TEMPLATE_VERSION
    )


def _rewrite_zip(src: Path, dst: Path, *, drop=(), replace=None) -> Path:
    """Copy the zip ``src`` to ``dst`` without the ``drop`` members, replacing some."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))
    return dst


def test_metadata_priority_properties_then_names_then_sheet(built, tmp_path):
    src = built[Table.PLANNED]
    with zipfile.ZipFile(src) as z:
        custom = z.read("docProps/custom.xml").decode()
        workbook = z.read("xl/workbook.xml").decode()

    other = custom.replace("经开区", "郊区")
    f = _rewrite_zip(src, tmp_path / "a.xlsx", replace={"docProps/custom.xml": other})
    assert read_template_meta(f).district == "郊区"  # properties win

    names_other = workbook.replace('"经开区"', '"义安区"')
    f = _rewrite_zip(
        src,
        tmp_path / "b.xlsx",
        drop={"docProps/custom.xml"},
        replace={"xl/workbook.xml": names_other},
    )
    assert read_template_meta(f).district == "义安区"  # then defined names

    no_names = workbook.replace('name="gongjian_', 'name="other_')
    f = _rewrite_zip(
        src,
        tmp_path / "c.xlsx",
        drop={"docProps/custom.xml"},
        replace={"xl/workbook.xml": no_names},
    )
    assert read_template_meta(f) == TemplateMeta("经开区", "2020-05", Table.PLANNED, "1")  # sheet
    # the same from the sheets collect has already read (no second read of the workbook)
    sheets = read_workbook(f).sheets
    assert read_template_meta(f, sheets=sheets) == read_template_meta(f)
    assert read_template_meta(f, sheets=[s for s in sheets if s.name != META_SHEET]) is None


def test_a_broken_carrier_falls_back_to_the_next(built, tmp_path):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Properties>&b;</Properties>'
    )
    f = _rewrite_zip(
        built[Table.CONSTRUCTION], tmp_path / "x.xlsx", replace={"docProps/custom.xml": bomb}
    )
    assert read_template_meta(f) == TemplateMeta("经开区", "2020-05", Table.CONSTRUCTION, "1")


def test_malformed_metadata_values_are_ignored(built, tmp_path):
    src = built[Table.PLANNED]
    with zipfile.ZipFile(src) as z:
        custom = z.read("docProps/custom.xml").decode()
        workbook = z.read("xl/workbook.xml").decode()
    f = _rewrite_zip(
        src,
        tmp_path / "m.xlsx",
        replace={
            "docProps/custom.xml": custom.replace(">planned<", ">谋划<"),
            "xl/workbook.xml": workbook.replace('"2020-05"', '"2020-13"'),
        },
    )
    assert read_template_meta(f) == TemplateMeta("经开区", "2020-05", Table.PLANNED, "1")  # sheet


def _garbage(tmp_path: Path, built: dict[Table, Path]) -> dict[str, Path]:
    good = built[Table.PLANNED].read_bytes()
    files = {
        "empty.xlsx": b"",
        "text.xlsx": "项目名称,总投资\n甲,12000\n".encode(),
        "png.xlsx": b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        "truncated.xlsx": good[: len(good) // 2],
        "fake-ole.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
        "random.ods": bytes(range(256)) * 10,
    }
    out = {}
    for name, data in files.items():
        out[name] = tmp_path / name
        out[name].write_bytes(data)
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("hello.txt", "你好")
    out["plain.zip"] = plain
    big = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("docProps/custom.xml", b"<a>" + b" " * (3 * 1024 * 1024) + b"</a>")
        z.writestr("xl/workbook.xml", b"<a>" + b" " * (3 * 1024 * 1024) + b"</a>")
        z.writestr("xl/sharedStrings.xml", b" " * (10 * 1024 * 1024))
    out["bomb.xlsx"] = big
    out["missing.xlsx"] = tmp_path / "does-not-exist.xlsx"
    out["directory"] = tmp_path
    return out


def test_garbage_gives_none_quickly(built, tmp_path):
    for name, path in _garbage(tmp_path, built).items():
        start = time.perf_counter()
        assert read_template_meta(path) is None, name
        assert time.perf_counter() - start < 1.0, name


def test_reading_metadata_is_fast(built):
    read_template_meta(built[Table.PLANNED])  # warm up imports
    start = time.perf_counter()
    for _ in range(20):
        read_template_meta(built[Table.PLANNED])
    assert (time.perf_counter() - start) / 20 < 0.02


def test_init_templates_writes_every_district_and_table(tmp_path, targets):
    out = tmp_path / "outbox" / "2020-05"
    paths = template.init_templates(out, targets=targets, month=MAY)
    assert len(paths) == 10
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)
    metas = {read_template_meta(p) for p in paths}
    assert metas == {
        TemplateMeta(d, "2020-05", t, "1") for d in targets.district_names for t in Table
    }


def test_init_templates_district_filter_accepts_aliases(tmp_path, targets):
    paths = template.init_templates(
        tmp_path, targets=targets, month=MAY, districts=["枞阳", "枞阳县", "铜官区"]
    )
    assert [p.name for p in paths] == [
        "附件2-铜陵市2020年工业谋划项目表-枞阳县-2020年05月.xlsx",
        "附件3-铜陵市2020年工业在建项目进展情况表-枞阳县-2020年05月.xlsx",
        "附件2-铜陵市2020年工业谋划项目表-铜官区-2020年05月.xlsx",
        "附件3-铜陵市2020年工业在建项目进展情况表-铜官区-2020年05月.xlsx",
    ]
    assert not list(tmp_path.glob(".*.tmp"))


def test_init_templates_refuses_a_file_as_out_dir(tmp_path, targets):
    f = tmp_path / "outbox"
    f.write_text("x")
    with pytest.raises(UsageError, match="文件"):
        template.init_templates(f, targets=targets, month=MAY)
    with pytest.raises(UsageError, match="文件"):
        template.init_templates(f / "2020-05", targets=targets, month=MAY)


def test_init_templates_refuses_unknown_district_and_other_year(tmp_path, targets):
    with pytest.raises(UsageError, match="未知县区"):
        template.init_templates(tmp_path, targets=targets, month=MAY, districts=["不存在区"])
    with pytest.raises(UsageError, match="2021-05"):
        template.init_templates(tmp_path, targets=targets, month=Month(2021, 5))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (Table.PLANNED, {f"C4:C{LAST}": "AND(ISNUMBER(C4),C4<10000)"}),
        (
            Table.CONSTRUCTION,
            {
                f"F4:F{LAST}": "AND(ISNUMBER(E4),ISNUMBER(F4),F4>E4)",
                f"H4:H{LAST}": 'AND(H4="是",ISNUMBER(E4),E4<1000)',
            },
        ),
    ],
)
def test_problem_cells_turn_red_and_filled_rows_get_borders(books, table, expected):
    ws = books[table].worksheets[0]
    rules = [
        (str(cf.sqref), rule.formula[0], rule.priority)
        for cf in ws.conditional_formatting
        for rule in cf.rules
    ]
    last = openpyxl.utils.get_column_letter(len(COLUMNS[table]))
    *problems, borders = sorted(rules, key=lambda r: r[2])
    # the row-border rule comes last: LibreOffice applies only the first matching rule
    assert borders[:2] == (f"A4:{last}{LAST}", f"COUNTA($A4:${last}4)>0")
    assert {ref: formula for ref, formula, _ in problems} == expected


def test_unwritable_target_is_a_clear_error(tmp_path, targets):
    blocked = tmp_path / "blocked.xlsx"
    blocked.mkdir()  # a folder where the file should go: replace() fails
    with pytest.raises(GongjianError, match="无法写入"):
        template.build_template(
            blocked, targets=targets, district="郊区", month=MAY, table=Table.PLANNED
        )
    assert [p.name for p in tmp_path.iterdir()] == ["blocked.xlsx"]  # no temp file left
