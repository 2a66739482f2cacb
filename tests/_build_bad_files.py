"""Builders for the reading tests: notice-layout workbooks and hostile or broken files.

Everything is generated into a temporary folder by the tests (no binaries committed).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

CONSTRUCTION_HEADER = (
    "序号",
    "项目名称",
    "项目单位",
    "建设规模与内容",
    "总投资（万元）",
    "2020年完成投资（万元）",
    "开竣工情况",
    "是否入库",
    "存在问题",
)
PLANNED_HEADER = (
    "序号",
    "项目名称",
    "总投资（万元）",
    "所属区域",
    "建设规模与内容",
    "目前进展情况",
    "2020年工作目标",
    "项目单位",
    "项目单位责任人",
    "牵头协调推进责任单位",
)


def write_sheet(
    ws: Any,
    rows: Sequence[Sequence[Any]],
    *,
    top: int = 1,
    left: int = 1,
) -> None:
    """Write ``rows`` starting at (``top``, ``left``) (1-based); None leaves a cell empty.

    Strings starting with "=" are written as formulas (openpyxl stores no cached value).
    """
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            ws.cell(row=top + r, column=left + c, value=value)


def workbook(path: Path, sheets: dict[str, Sequence[Sequence[Any]]], **kw: Any) -> Path:
    """An .xlsx with one sheet per entry (written by openpyxl)."""
    wb = openpyxl.Workbook()
    first = True
    for name, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = name
        write_sheet(ws, rows, **kw)
    wb.save(path)
    return path


def notice_construction(rows: Sequence[Sequence[Any]], *, district: str = "") -> list[list[Any]]:
    """附件3 as the notice lays it out: 附件 line, title, header, rows, note line."""
    title = f"铜陵市2020年工业在建项目进展情况表{('（' + district + '）') if district else ''}"
    return [
        ["附件3"],
        [title],
        list(CONSTRUCTION_HEADER),
        *[list(r) for r in rows],
        [],
        ["注：每月25日前报"],
    ]


def notice_planned(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """附件2 as the notice lays it out."""
    return [
        ["附件2"],
        ["铜陵市2020年工业谋划项目表"],
        list(PLANNED_HEADER),
        *[list(r) for r in rows],
        ["注：每月25日前报"],
    ]


# --------------------------------------------------------------------------- bad files


def truncated_xlsx(path: Path, source: Path) -> Path:
    """The first half of a valid .xlsx (a download cut short)."""
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def zip_bomb_xlsx(path: Path, source: Path, *, mib: int = 24) -> Path:
    """A valid small .xlsx plus a huge, very compressible sharedStrings part.

    Written in chunks through ``ZipFile.open(..., "w")``: memory stays small, and the
    file on disk is a few tens of KB.
    """
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename == "xl/sharedStrings.xml":
                continue
            out.writestr(info.filename, src.read(info.filename))
        chunk = b"<si><t>aaaaaaaaaaaaaaaa</t></si>" * 32768  # 1 MiB
        with out.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(mib):
                fh.write(chunk)
            fh.write(b"</sst>")
    return path


def encrypted_xlsx(path: Path, source: Path, password: str = "1234") -> Path:
    """``source`` encrypted with a password (msoffcrypto-tool's OOXML encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with source.open("rb") as fh:
        OOXMLFile(fh).encrypt(password, out)
    path.write_bytes(out.getvalue())
    return path


def docx_as_xlsx(path: Path) -> Path:
    """A minimal Word document saved under an .xlsx name."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"/>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>报告</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    return path


def png_as_xls(path: Path) -> Path:
    """A PNG picture saved under an .xls name."""
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64))
    return path


def broken_xml_xlsx(path: Path, source: Path) -> Path:
    """A valid zip whose first sheet's XML is cut in the middle of a row."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            out.writestr(info.filename, data)
    return path


def far_cell_xlsx(path: Path) -> Path:
    """A sheet with a value in A1 and another in XFD1048576 (calamine would abort)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "项目名称"
    ws["XFD1048576"] = "x"
    wb.save(path)
    return path


def moved_sheet_xlsx(path: Path, source: Path, *, new_part: str = "xl/custom/data.xml") -> Path:
    """``source`` with its first worksheet part moved elsewhere (rels and content types
    follow): a valid package some writers produce."""
    old = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            name = info.filename
            if name == old:
                name = new_part
            elif name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(b"worksheets/sheet1.xml", new_part[3:].encode())
            out.writestr(name, data)
    return path


_ODS_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="S1">'
    '<table:table-row table:number-rows-repeated="{rows}">'
    '<table:table-cell table:number-columns-repeated="{cols}" office:value-type="string">'
    "<text:p>x</text:p></table:table-cell></table:table-row>"
    '<table:table-row table:number-rows-repeated="1048000">'
    '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    "</table:table></office:spreadsheet></office:body></office:document-content>"
)


_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
    '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type='
    '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
    'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def repeated_ods(path: Path, *, rows: int, cols: int) -> Path:
    """A hand-made .ods whose one text cell is repeated ``rows`` × ``cols`` times,
    followed by the empty repeated tail LibreOffice always writes."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "content.xml",
            _ODS_CONTENT.format(rows=rows, cols=cols),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        z.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
    return path
