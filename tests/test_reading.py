"""reading.py: the inbox listing, safe reading, and every kind of bad file refused clearly."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from _build_bad_files import (
    broken_xml_xlsx,
    docx_as_xlsx,
    encrypted_xlsx,
    far_cell_xlsx,
    moved_sheet_xlsx,
    notice_construction,
    png_as_xls,
    repeated_ods,
    truncated_xlsx,
    workbook,
    zip_bomb_xlsx,
)
from office import soffice_convert

from gongjian_cli.errors import FileRejected
from gongjian_cli.reading import SPREADSHEET_SUFFIXES, iter_inbox, read_workbook

ROW = [1, "铜陵某铜箔项目", "某公司", "年产2万吨铜箔", 120000, 3000, "续建", "是", ""]


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return workbook(tmp_path / "good.xlsx", {"在建": notice_construction([ROW])})


# --------------------------------------------------------------------------- inbox


def test_iter_inbox_lists_spreadsheets_recursively_sorted_and_skips_others(tmp_path: Path):
    for rel in (
        "b/经开区.xlsx",
        "a.XLS",
        "c.ods",
        "d.xlsb",
        "e.xlsm",
        "说明.docx",
        "notes.txt",
        "~$a.xlsx",
        ".~lock.a.xlsx#",
        ".hidden.xlsx",
        ".git/x.xlsx",
        "Thumbs.db",
        "__MACOSX/a.xlsx",
        "打包.zip",
        "wps.et",
    ):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    files, skipped = iter_inbox(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "a.XLS",
        "b/经开区.xlsx",
        "c.ods",
        "d.xlsb",
        "e.xlsm",
    ]
    assert [(p.name, why) for p, why in skipped] == [
        ("notes.txt", "不是电子表格文件，已跳过"),
        ("wps.et", "是WPS表格（.et）文件，已跳过，请在WPS中另存为.xlsx后再报送"),
        ("打包.zip", "是压缩包，不是电子表格，已跳过（如内有报表，请解压后再收集）"),
        ("说明.docx", "不是电子表格文件，已跳过"),
    ]
    assert {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"} == SPREADSHEET_SUFFIXES


# --------------------------------------------------------------------------- good files


def test_read_notice_workbook_rows_are_excel_rows(good: Path):
    wb = read_workbook(good)
    assert wb.kind == "xlsx"
    assert not wb.has_macros
    assert len(wb.sha256) == 64
    assert wb.size == good.stat().st_size
    [sheet] = wb.sheets
    assert sheet.name == "在建"
    assert not sheet.hidden
    assert sheet.rows[0][0] == "附件3"
    assert sheet.rows[2][1] == "项目名称"
    assert sheet.rows[3][1] == "铜陵某铜箔项目"
    assert sheet.rows[3][4] == 120000.0
    assert sheet.rows[5][0] == "注：每月25日前报"
    assert sheet.formula_cells_without_value == set()


def test_leading_empty_rows_and_columns_are_kept(tmp_path: Path):
    path = workbook(
        tmp_path / "shifted.xlsx", {"S": [["项目名称", "总投资"], ["甲", 1]]}, top=5, left=3
    )
    [sheet] = read_workbook(path).sheets
    assert sheet.rows[4][2] == "项目名称"  # C5
    assert sheet.rows[5][3] == 1.0  # D6
    assert sheet.rows[0] == ["", "", "", ""]


def test_hidden_sheets_are_read_and_flagged_dates_and_bools_kept(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"] = dt.date(2020, 5, 1)
    ws["B1"] = True
    hidden = wb.create_sheet("隐藏")
    hidden["A1"] = "x"
    hidden.sheet_state = "hidden"
    wb.create_sheet("空")
    wb.save(tmp_path / "h.xlsx")
    sheets = read_workbook(tmp_path / "h.xlsx").sheets
    assert [(s.name, s.hidden) for s in sheets] == [("表", False), ("隐藏", True), ("空", False)]
    assert sheets[0].rows[0][0] in (dt.date(2020, 5, 1), dt.datetime(2020, 5, 1))
    assert sheets[0].rows[0][1] is True
    assert sheets[1].rows == [["x"]]
    assert sheets[2].rows == []


def test_xlsx_renamed_xls_is_read_by_content(good: Path, tmp_path: Path):
    renamed = tmp_path / "改名.xls"
    shutil.copy(good, renamed)
    wb = read_workbook(renamed)
    assert wb.kind == "xlsx"
    assert wb.sheets[0].rows[3][1] == "铜陵某铜箔项目"


def test_formula_without_cached_value_is_recorded(tmp_path: Path):
    rows = notice_construction([[1, "甲项目", "某公司", "", "=1000*20", "=E4/2", "续建", "是", ""]])
    path = workbook(tmp_path / "formula.xlsx", {"在建": rows})
    [sheet] = read_workbook(path).sheets
    assert sheet.formula_cells_without_value == {(4, 4), (4, 5)}
    assert sheet.rows[3][4] == ""  # reads blank: openpyxl stored no result


def test_formula_with_cached_value_is_not_flagged(tmp_path: Path):
    import xlsxwriter

    path = tmp_path / "cached.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("在建")
    ws.write("A1", "项目名称")
    ws.write_formula("B1", "=1+1", None, 2)
    ws.write_formula("C1", '=""', None, "")  # a formula whose result is empty text
    wb.close()
    [sheet] = read_workbook(path).sheets
    assert sheet.rows[0][1] == 2.0
    assert (1, 1) not in sheet.formula_cells_without_value


def test_macros_are_noted_not_run(good: Path, tmp_path: Path):
    import zipfile

    path = tmp_path / "宏.xlsm"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info.filename))
        out.writestr("xl/vbaProject.bin", b"\x00" * 64)
    wb = read_workbook(path)
    assert wb.has_macros
    assert wb.kind == "xlsm"
    assert wb.sheets[0].rows[3][1] == "铜陵某铜箔项目"


def test_hand_made_ods_is_read(tmp_path: Path):
    wb = read_workbook(repeated_ods(tmp_path / "小.ods", rows=2, cols=3))
    assert wb.kind == "ods"
    assert wb.sheets[0].rows == [["x", "x", "x"], ["x", "x", "x"]]


@pytest.fixture(scope="module")
def lo_copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path] | None:
    """The notice workbook saved by LibreOffice as .xls and .ods (None without soffice;
    the tests then skip through ``need_soffice``). Converted once: soffice is slow."""
    if shutil.which("soffice") is None:
        return None
    base = tmp_path_factory.mktemp("lo")
    src = workbook(base / "good.xlsx", {"在建": notice_construction([ROW])})
    far = openpyxl.Workbook()
    far.active["A1"] = "项目名称"
    far.active["IV65536"] = "x"
    far.save(base / "far.xlsx")
    out = base / "out"
    for fmt, inputs in (("xls", [src, base / "far.xlsx"]), ("ods", [src])):
        soffice_convert(inputs, fmt, out, base / "profile")
    return {"xls": out / "good.xls", "ods": out / "good.ods", "far-xls": out / "far.xls"}


@pytest.mark.soffice
def test_xls_and_ods_saved_by_libreoffice_read_like_xlsx(
    need_soffice: None, lo_copies: dict[str, Path], tmp_path: Path
):
    xls = read_workbook(lo_copies["xls"])
    ods = read_workbook(lo_copies["ods"])
    assert (xls.kind, ods.kind) == ("xls", "ods")
    for wb in (xls, ods):
        rows = wb.sheets[0].rows
        assert rows[2][1] == "项目名称"
        assert rows[3][1] == "铜陵某铜箔项目"
        assert rows[3][4] == 120000
    renamed = tmp_path / "xls改名.xlsx"
    shutil.copy(lo_copies["xls"], renamed)
    assert read_workbook(renamed).kind == "xls"


@pytest.mark.soffice
def test_encrypted_xls_is_told_before_calamine(
    need_soffice: None, lo_copies: dict[str, Path], tmp_path: Path, no_calamine
):
    """An xls with a FILEPASS record right after BOF (made by retyping the record that
    LibreOffice writes there: same length, so the OLE stream keeps its size)."""
    import olefile

    path = tmp_path / "有密码.xls"
    shutil.copy(lo_copies["xls"], path)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        data = bytearray(ole.openstream("Workbook").read())
        bof_size = int.from_bytes(data[2:4], "little")
        second = 4 + bof_size
        data[second : second + 2] = (0x002F).to_bytes(2, "little")
        ole.write_stream("Workbook", bytes(data))
    err = _rejected(path)
    assert err.code == "encrypted" and "有密码" in err.message


@pytest.mark.soffice
def test_far_away_cell_in_xls_is_refused_without_calamine(
    need_soffice: None, lo_copies: dict[str, Path], no_calamine
):
    err = _rejected(lo_copies["far-xls"])
    assert err.code == "too-large"
    assert "65536" in err.message


# --------------------------------------------------------------------------- bad files


def _rejected(path: Path, **kw) -> FileRejected:
    with pytest.raises(FileRejected) as info:
        read_workbook(path, **kw)
    assert path.name in info.value.message
    return info.value


@pytest.fixture
def no_calamine(monkeypatch: pytest.MonkeyPatch):
    """Fail the test if calamine is asked to parse: the check must come first."""
    import python_calamine

    def refuse(*_a, **_k):
        raise AssertionError("calamine was called")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", refuse)


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (lambda d, g: truncated_xlsx(d / "截断.xlsx", g), "corrupt", "损坏"),
        (lambda d, g: broken_xml_xlsx(d / "坏XML.xlsx", g), "corrupt", "损坏"),
        (lambda d, g: docx_as_xlsx(d / "报告.xlsx"), "not-spreadsheet", "Word"),
        (lambda d, g: png_as_xls(d / "图片.xls"), "not-spreadsheet", "PNG"),
        (lambda d, g: _write(d / "空.xlsx", b""), "not-spreadsheet", "空文件"),
        (
            lambda d, g: _write(d / "文本.xls", "序号,项目名称\n".encode()),
            "not-spreadsheet",
            "文本",
        ),
        (
            lambda d, g: _write(d / "网页.xls", b"<html><table></table></html>"),
            "not-spreadsheet",
            "HTML",
        ),
        (lambda d, g: encrypted_xlsx(d / "有密码.xlsx", g), "encrypted", "有密码"),
    ],
    ids=["truncated", "broken-xml", "docx", "png", "empty", "csv", "html", "encrypted"],
)
def test_bad_files_are_refused_with_code_and_file_name(good, tmp_path, make, code, words):
    path = make(tmp_path, good)
    err = _rejected(path)
    assert err.code == code
    assert words in err.message


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_encrypted_is_told_before_calamine(good: Path, tmp_path: Path, no_calamine):
    err = _rejected(encrypted_xlsx(tmp_path / "密.xls", good))
    assert err.code == "encrypted"


def test_zip_bomb_is_refused_before_parsing(good: Path, tmp_path: Path, no_calamine):
    path = zip_bomb_xlsx(tmp_path / "炸弹.xlsx", good, mib=24)
    assert path.stat().st_size < 200_000  # small on disk …
    err = _rejected(path)  # … 24 MiB inside: ratio far above 200
    assert err.code == "zip-bomb"
    assert "压缩" in err.message


def test_zip_over_the_uncompressed_cap_is_refused(good: Path, tmp_path: Path, no_calamine):
    path = zip_bomb_xlsx(tmp_path / "大.xlsx", good, mib=2)
    err = _rejected(path, max_uncompressed=1 * 2**20)
    assert err.code == "zip-bomb"


def test_far_away_cell_is_refused_without_calamine(tmp_path: Path, no_calamine):
    err = _rejected(far_cell_xlsx(tmp_path / "远处.xlsx"))
    assert err.code == "too-large"
    assert "XFD" not in err.message  # told as row/column numbers
    assert "1048576" in err.message


def test_far_away_cell_in_a_worksheet_stored_elsewhere(tmp_path: Path, no_calamine):
    far = far_cell_xlsx(tmp_path / "远处.xlsx")
    err = _rejected(moved_sheet_xlsx(tmp_path / "挪位置.xlsx", far))
    assert err.code == "too-large"


def test_worksheet_stored_elsewhere_still_reads_formulas(tmp_path: Path):
    rows = notice_construction([[1, "甲", "", "", "=1+1", 1, "续建", "是", ""]])
    src = workbook(tmp_path / "f.xlsx", {"在建": rows})
    [sheet] = read_workbook(moved_sheet_xlsx(tmp_path / "挪.xlsx", src)).sheets
    assert sheet.formula_cells_without_value == {(4, 4)}


def test_folder_named_like_a_workbook_is_reported(tmp_path: Path):
    (tmp_path / "目录.xlsx").mkdir()
    assert _rejected(tmp_path / "目录.xlsx").code == "corrupt"


def test_sheet_over_max_cells_is_too_large(good: Path):
    err = _rejected(good, max_cells=20)
    assert err.code == "too-large"
    assert "在建" in err.message


def test_empty_styled_far_cell_is_harmless(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "项目名称"
    ws["XFD1048576"].number_format = "0.00"  # styled, no value
    wb.save(tmp_path / "styled.xlsx")
    assert read_workbook(tmp_path / "styled.xlsx").sheets[0].rows == [["项目名称"]]


def test_ods_with_a_cell_repeated_millions_of_times_is_refused(tmp_path: Path, no_calamine):
    err = _rejected(repeated_ods(tmp_path / "重复.ods", rows=5000, cols=1000))
    assert err.code == "too-large"


def test_missing_file_is_reported(tmp_path: Path):
    err = _rejected(tmp_path / "不存在.xlsx")
    assert err.code == "corrupt"


@pytest.mark.parametrize(
    "far_cell", [b'<c r="XFD1048576" s="1"/>', b'<c r="XFD1048576" s="1" t="n"></c>']
)
def test_empty_styled_far_cell_is_harmless_written_either_way(tmp_path: Path, far_cell: bytes):
    # openpyxl writes an empty styled cell as <c …/>, or as <c …></c> when lxml is there
    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目名称"
    wb.save(tmp_path / "plain.xlsx")
    src = zipfile.ZipFile(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(tmp_path / "styled.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</sheetData>", b'<row r="1048576">' + far_cell + b"</row></sheetData>"
                )
            out.writestr(info, data)
    assert read_workbook(tmp_path / "styled.xlsx").sheets[0].rows == [["项目名称"]]
