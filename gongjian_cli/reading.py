"""Reading returned files: find them in the inbox, check they are safe, read every sheet.

A returned file is untrusted: it may be renamed, truncated, password-protected, a zip
bomb, or something that is not a spreadsheet at all. ``read_workbook`` sniffs the
content (never the extension), refuses what it cannot read safely with a
``FileRejected`` whose Chinese message names the file and says what to do, and gives
back plain rows (``RawWorkbook``) for ``parsing.py`` to make sense of.

Order of checks, cheapest and most specific first, so that the clerk is told the real
reason ("有密码", not "损坏"):

1. size on disk (empty → not-spreadsheet, over ``max_uncompressed`` → too-large);
2. magic bytes: OLE (xls, or an encrypted Office file), zip (xlsx/xlsm/xlsb/ods), or
   something else (PNG, PDF, HTML, text → not-spreadsheet);
3. OLE: an ``EncryptedPackage`` stream (encrypted xlsx) or a FILEPASS record (encrypted
   xls) → encrypted; no Workbook stream (a .doc renamed .xls) → not-spreadsheet; a
   sheet whose DIMENSIONS record is over ``max_cells`` → too-large;
4. zip: sizes and ratio from ``ZipFile.infolist()`` before anything is decompressed
   (zip-bomb); which parts it holds (a Word document renamed .xlsx → not-spreadsheet);
5. xlsx/xlsm: one streaming pass over each sheet's XML to find cells far away from the
   rest (calamine allocates the whole rectangle and aborts the process on a sheet with
   a value in A1 and another in XFD1048576, so this must happen before calamine) and
   formula cells without a cached value; ods: the same for repeated cells;
6. calamine reads each worksheet; any error → corrupt; a sheet over ``max_cells`` →
   too-large.

Damaged files: whatever zipfile, zlib or calamine raise on damaged bytes (a bad CRC, a
broken deflate stream, a member cut short, a garbled header: ``ZIP_DAMAGE``; any error
or panic of calamine) is ``corrupt`` with "请重新保存后再报送", at whichever step it is
met, never an internal error: that is kept for what is truly unexpected (a bug of ours,
MemoryError), which collect does not record and reads again next time.

Macros are never run (no reader here runs them); ``has_macros`` only records them.

Limits, known and accepted: the far-cell guard reads cell references written the way
every office suite and library writes them (``r="XFD1048576"``); a file crafted with
unusual XML syntax for them (spaces around '=', single quotes) is not caught before
calamine, nor is an .xls whose DIMENSIONS record lies (the format bounds it at 65536 ×
256 cells, ~1 GB peak in calamine before the ``max_cells`` check); .xlsb sheets are not
pre-checked. Formula
cells without a value are found in .xlsx/.xlsm only (LibreOffice always stores values
in .ods; .xls/.xlsb are skipped).
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gongjian_cli.errors import FileRejected

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}

#: Below this many uncompressed bytes the compression ratio is not checked: a small
#: file cannot hurt, and tiny parts (an empty sheet) compress very well.
RATIO_FLOOR = 4 * 2**20
#: A zip with more entries than this is not a workbook a district fills in by hand.
MAX_ZIP_ENTRIES = 10_000
#: What zipfile raises on a damaged archive or member (for any reader of zips: catch these
#: as "damaged"): a bad CRC or header (BadZipFile),
#: a broken deflate stream (zlib.error), a member cut short (EOFError), a short header
#: (struct.error), a compression method no office suite writes (NotImplementedError), an
#: offset outside the file (ValueError), a failed read (OSError, also bz2/lzma's).
ZIP_DAMAGE: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    struct.error,
    NotImplementedError,
    ValueError,
    OSError,
)
#: What a damaged file's district should do (the end of every ``corrupt`` message).
_RESAVE = "请重新保存后再报送"
#: Sheet XML is scanned in chunks of this size (memory stays flat on big sheets).
_CHUNK = 4 * 2**20

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

_NOT_SPREADSHEET_NOTE = "不是电子表格文件，已跳过"


# --------------------------------------------------------------------------- inbox


#: Files the system or a file manager leaves behind: never a submission, never mentioned.
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "__macosx"})
_ARCHIVE_SUFFIXES = frozenset({".zip", ".rar", ".7z", ".tar", ".gz"})
_ARCHIVE_NOTE = "是压缩包，不是电子表格，已跳过（如内有报表，请解压后再收集）"
_RESAVE_NOTES = {
    ".et": "是WPS表格（.et）文件，已跳过，请在WPS中另存为.xlsx后再报送",
    ".csv": "是CSV文本文件，已跳过，请用Excel/WPS打开后另存为.xlsx再报送",
}


def _is_ignored(name: str) -> bool:
    """Office lock files (~$x.xlsx, .~lock.x.xlsx#), hidden and system files."""
    return name.startswith(("~$", ".")) or name.endswith("#") or name.lower() in _SYSTEM_FILES


def iter_inbox(inbox: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The spreadsheet files under ``inbox`` (recursive, sorted) and the files skipped.

    Office lock files, hidden files or folders (name starting with '.') and system
    leftovers (Thumbs.db, desktop.ini, __MACOSX) are ignored silently: they are
    artefacts of an editor or of the system, not something a district sent. Any other
    file whose suffix is not a spreadsheet's (.docx, .pdf, .txt, ...) is returned in the
    second list with a one-line Chinese reason ("不是电子表格文件，已跳过"; an archive is
    told to be unpacked first, a WPS .et or a .csv to be saved as .xlsx), so the clerk
    sees it was looked at. The suffix decides
    only what is tried; ``read_workbook`` then sniffs the content.
    """
    inbox = Path(inbox)
    candidates: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in sorted(inbox.rglob("*")):
        rel = path.relative_to(inbox)
        if any(_is_ignored(part) for part in rel.parts):
            continue
        if not path.is_file():
            continue
        suffix = path.suffix.lower()
        if suffix in SPREADSHEET_SUFFIXES:
            candidates.append(path)
        elif suffix in _ARCHIVE_SUFFIXES:
            skipped.append((path, _ARCHIVE_NOTE))
        elif suffix in _RESAVE_NOTES:
            skipped.append((path, _RESAVE_NOTES[suffix]))
        else:
            skipped.append((path, _NOT_SPREADSHEET_NOTE))
    return candidates, skipped


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class RawSheet:
    """One worksheet as read: a rectangle of cell values anchored at A1.

    ``rows[0]`` is Excel row 1 and ``rows[r][0]`` column A, whatever the sheet's first
    used cell (calamine's ``skip_empty_area=False``), so row numbers in findings are the
    ones the clerk sees. Values are what calamine gives: str, float (xlsx), int (xls),
    bool, date/datetime/time/timedelta, or '' for an empty cell (None is possible from
    other producers and means the same). ``formula_cells_without_value`` holds
    (Excel row 1-based, column 0-based) of formula cells with no cached result: they
    read as '' although the district typed something (a file written by a program and
    never opened in an office suite).
    """

    name: str
    rows: list[list[Any]]
    hidden: bool = False
    formula_cells_without_value: set[tuple[int, int]] = field(default_factory=set)
    #: merged ranges as ((first row, first col), (last row, last col)), 0-based and
    #: inclusive: only the first cell of a range holds its value
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


@dataclass(slots=True)
class RawWorkbook:
    """A returned file as read: its bytes' hash, what it really is, every worksheet."""

    path: Path
    sha256: str
    kind: str  # "xlsx" | "xlsm" | "xls" | "ods" | "xlsb" (from the content, not the name)
    sheets: list[RawSheet]
    has_macros: bool = False
    size: int = 0  # bytes on disk


#: What a rejection message names: a file on disk, or a display name such as
#: ``包.zip/成员.xlsx`` for a file that only exists inside a container.
Where = Path | str


def _reject(code: str, path: Where, what: str) -> FileRejected:
    name = path if isinstance(path, str) else path.name
    return FileRejected(code, f"文件“{name}”{what}")


# --------------------------------------------------------------------------- sniffing


def _describe_foreign(head: bytes) -> str:
    """What a non-spreadsheet file looks like, for the rejection message."""
    probes = (
        (b"\x89PNG", "PNG图片"),
        (b"\xff\xd8\xff", "JPEG图片"),
        (b"GIF8", "GIF图片"),
        (b"%PDF", "PDF文档"),
        (b"Rar!", "RAR压缩包"),
        (b"7z\xbc\xaf", "7z压缩包"),
        (b"{\\rtf", "RTF文档"),
    )
    for magic, label in probes:
        if head.startswith(magic):
            return label
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype html", b"<table")) or b"<html" in text[:512]:
        return "网页（HTML）文件"
    if text.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
            return "Excel 2003 XML表格"
        return "XML文件"
    if b"\x00" not in head[:1024]:
        return "文本文件"
    return "未知格式的文件"


def _check_ole(data: bytes, path: Where, *, max_cells: int) -> tuple[str, bool]:
    """Classify an OLE compound file: (kind, has_macros); reject encrypted or non-xls,
    and an xls whose sheet dimensions exceed ``max_cells``."""
    import olefile  # only OLE files need it; keep start-up light

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:  # olefile raises plain OSError/struct errors on bad input
        raise _damaged(path, "无法打开", exc) from exc
    try:
        streams = {"/".join(s).lower() for s in ole.listdir(streams=True, storages=True)}
        if "encryptedpackage" in streams:
            raise _reject("encrypted", path, _ENCRYPTED)
        if "workbook" not in streams and "book" not in streams:
            what = "Word文档" if "worddocument" in streams else "非Excel的Office文件"
            raise _reject(
                "not-spreadsheet",
                path,
                f"不是电子表格（内容是{what}），请报送Excel表格（.xlsx或.xls）",
            )
        stream = "Workbook" if "workbook" in streams else "Book"
        with ole.openstream(stream) as fh:
            book = fh.read()
    except (FileRejected, MemoryError):
        raise
    except Exception as exc:
        raise _damaged(path, "无法打开", exc) from exc
    finally:
        ole.close()
    if _biff_has_filepass(book):
        raise _reject("encrypted", path, _ENCRYPTED)
    _check_biff_dimensions(book, path, max_cells)
    has_macros = any(s.startswith(("_vba_project_cur", "macros")) for s in streams)
    return "xls", has_macros


def _biff_records(book: bytes, pos: int, limit: int) -> Iterator[tuple[int, int, bytes]]:
    """(offset, type, data) of up to ``limit`` BIFF records from ``pos``."""
    for _ in range(limit):
        if pos + 4 > len(book):
            return
        rtype = int.from_bytes(book[pos : pos + 2], "little")
        size = int.from_bytes(book[pos + 2 : pos + 4], "little")
        yield pos, rtype, book[pos + 4 : pos + 4 + size]
        pos += 4 + size


def _check_biff_dimensions(book: bytes, path: Where, max_cells: int) -> None:
    """Refuse an xls sheet whose DIMENSIONS record spans more than ``max_cells``.

    calamine allocates the used rectangle (up to 65536 × 256 in xls, ~1 GB peak for a
    stray value in IV65536); every writer records that rectangle in DIMENSIONS (0x0200),
    which each sheet's BOUNDSHEET (0x0085) lets us reach without reading cells. Only
    BIFF8 is checked; anything unexpected is left to calamine.
    """
    sheets: list[tuple[int, str]] = []
    for _, rtype, rec in _biff_records(book, 0, 10_000):
        if rtype == 0x000A:  # EOF of the globals
            break
        if rtype == 0x0085 and len(rec) >= 8 and rec[5] == 0:  # a worksheet
            sheets.append((int.from_bytes(rec[0:4], "little"), _boundsheet_name(rec)))
    for offset, name in sheets:
        for _, rtype, rec in _biff_records(book, offset, 64):
            if rtype == 0x0200 and len(rec) >= 12:
                rows = int.from_bytes(rec[4:8], "little")
                cols = int.from_bytes(rec[10:12], "little")
                if rows * cols > max_cells:
                    raise _reject(
                        "too-large",
                        path,
                        f"的工作表“{name}”范围过大（有内容的单元格延伸到第{rows}行、第{cols}列，"
                        f"超过{max_cells}个单元格），请删除远处的多余内容后再报送",
                    )
                break
            if rtype == 0x000A:
                break


def _boundsheet_name(rec: bytes) -> str:
    """The sheet name of a BIFF8 BOUNDSHEET record (ShortXLUnicodeString)."""
    count, flags = rec[6], rec[7] if len(rec) > 7 else 0
    raw = rec[8:]
    try:
        if flags & 1:
            return raw[: 2 * count].decode("utf-16-le")
        return raw[:count].decode("latin-1")
    except (UnicodeDecodeError, IndexError):
        return "?"


_ENCRYPTED = "设置了打开密码（有密码），无法读取。请在Excel/WPS中取消密码后另存，再重新报送"


def _biff_has_filepass(head: bytes) -> bool:
    """An xls whose workbook globals hold a FILEPASS record (0x002F): it is encrypted.

    FILEPASS sits among the first records after BOF, before the sheet list
    (BOUNDSHEET, 0x0085); the walk stops there. (msoffcrypto-tool answers the same,
    but parses the whole file again, ~1 ms per file.)
    """
    pos = 0
    for _ in range(512):
        if pos + 4 > len(head):
            return False
        rtype = int.from_bytes(head[pos : pos + 2], "little")
        size = int.from_bytes(head[pos + 2 : pos + 4], "little")
        if rtype == 0x002F:
            return True
        if rtype in (0x0085, 0x000A):  # BOUNDSHEET, EOF
            return False
        pos += 4 + size
    return False


def _check_zip(
    data: bytes, path: Where, *, max_uncompressed: int, max_ratio: int
) -> tuple[zipfile.ZipFile, str, bool]:
    """Open the zip, refuse bombs before decompressing, tell which format it holds."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except ZIP_DAMAGE as exc:
        raise _damaged(path, "压缩包不完整，可能是下载或传输中断", exc) from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _reject("zip-bomb", path, f"内含{len(infos)}个部件，数量异常，疑似恶意文件，拒绝读取")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > max_uncompressed:
        raise _reject(
            "zip-bomb",
            path,
            f"解压后达{total / 2**20:.0f}MB（上限{max_uncompressed / 2**20:.0f}MB），"
            "疑似压缩炸弹或异常文件，拒绝读取",
        )
    if total > RATIO_FLOOR and total > max_ratio * max(packed, 1):
        raise _reject(
            "zip-bomb",
            path,
            f"压缩比异常（{packed / 2**10:.0f}KB解压后达{total / 2**20:.0f}MB，"
            f"超过{max_ratio}倍），疑似压缩炸弹，拒绝读取",
        )

    try:
        kind, has_macros = _zip_kind(zf, path, {i.filename for i in infos})
        _verify_members(zf, kind)
    except ZIP_DAMAGE as exc:
        raise _damaged(path, "压缩包内容校验失败", exc) from exc
    return zf, kind, has_macros


def _verify_members(zf: zipfile.ZipFile, kind: str) -> None:
    """Read each member that holds what gongjian reads to its end, so that zipfile checks
    its CRC (``ZIP_DAMAGE`` when one is damaged). calamine stops reading a part where
    its XML ends and then never notices damage there: a bad CRC in the shared strings or
    the workbook part could pass, the text garbled, depending on which byte was hit.

    Not read here: what is read whole later anyway, which checks it as well (an xlsx's
    worksheets: ``_scan_xlsx``; its relationships and content types: ``_zip_kind``,
    ``_worksheet_parts``; an ods's content.xml: ``_check_ods_extent``), and parts that
    hold nothing gongjian reads (properties, theme, pictures, printer settings), whose
    damage changes no figure. The sizes were checked before (``_check_zip``).
    """
    read_whole = _READ_WHOLE.get(kind, frozenset())
    for info in zf.infolist():
        name = info.filename
        if info.is_dir() or name.startswith(_NOT_READ) or name in read_whole:
            continue
        if kind in ("xlsx", "xlsm") and _is_worksheet_part(name):
            continue
        with zf.open(info) as fh:
            while fh.read(_CHUNK):
                pass


#: Parts of a workbook zip that hold nothing gongjian reads.
_NOT_READ = (
    "docProps/",
    "xl/theme/",
    "xl/media/",
    "xl/printerSettings/",
    "xl/drawings/",
    "xl/embeddings/",
    "customXml/",
    "Thumbnails/",
    "Pictures/",
    "Configurations2/",
)
#: Per kind, the parts read whole elsewhere (so CRC-checked there), worksheets aside.
_READ_WHOLE = {
    "xlsx": frozenset({"[Content_Types].xml", "xl/_rels/workbook.xml.rels"}),
    "xlsm": frozenset({"xl/_rels/workbook.xml.rels"}),
    "ods": frozenset({"mimetype", "content.xml"}),
}


def _is_worksheet_part(name: str) -> bool:
    """A part under xl/worksheets/ that ``_worksheet_parts`` lists (and ``_scan_xlsx`` reads)."""
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _zip_kind(zf: zipfile.ZipFile, path: Where, names: set[str]) -> tuple[str, bool]:
    """(kind, has_macros) of a workbook zip from the parts it holds; FileRejected for
    anything else (a Word document renamed .xlsx, an encrypted ods, a plain zip)."""
    if "xl/workbook.xml" in names:
        has_macros = "xl/vbaProject.bin" in names
        kind = "xlsm" if has_macros or _content_types_macro(zf, names) else "xlsx"
        return kind, has_macros
    if "xl/workbook.bin" in names:
        return "xlsb", "xl/vbaProject.bin" in names
    if "content.xml" in names:
        mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
        if b"opendocument.spreadsheet" in mimetype:
            if "META-INF/manifest.xml" in names and b"encryption-data" in zf.read(
                "META-INF/manifest.xml"
            ):
                raise _reject("encrypted", path, _ENCRYPTED)
            return "ods", any(n.startswith("Basic/") for n in names)
        if b"opendocument.text" in mimetype:
            raise _reject(
                "not-spreadsheet", path, "不是电子表格（内容是文字文档），请报送Excel表格"
            )
    if "word/document.xml" in names:
        raise _reject(
            "not-spreadsheet",
            path,
            "不是电子表格（内容是Word文档，只是改了扩展名），请报送Excel表格（.xlsx）",
        )
    if "ppt/presentation.xml" in names:
        raise _reject("not-spreadsheet", path, "不是电子表格（内容是PPT演示文稿），请报送Excel表格")
    raise _reject(
        "not-spreadsheet",
        path,
        "不是电子表格（是一个普通压缩包，里面没有Excel工作簿），请报送Excel表格",
    )


def _content_types_macro(zf: zipfile.ZipFile, names: set[str]) -> bool:
    if "[Content_Types].xml" not in names:
        return False
    return b"macroEnabled" in zf.read("[Content_Types].xml")


# --------------------------------------------------------------------------- sheet XML scan

# A cell or row reference far from A1 (column of 3+ letters, or row of 5+ digits): the
# cheap trigger for an exact bounding-box check. Anything below it spans at most
# 702 columns x 9999 rows, which calamine allocates harmlessly before the exact
# ``max_cells`` check on its own dimensions.
_FAR_REF = re.compile(rb'r="(?:[A-Z]{3}|[A-Z]{0,2}\d{5})')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)(/?)>")
_R_ATTR = re.compile(rb'\br="([A-Z]*)(\d*)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_T_ATTR = re.compile(rb'\bt="(\w+)"')
# what may follow an opening <c …> of a cell that holds nothing: "<c r="X9" s="1"></c>",
# as openpyxl writes an empty styled cell when lxml is installed (without it, "<c …/>")
_EMPTY_CELL_REST = re.compile(rb"\s*</(?:\w+:)?c>")
_V_ELEM = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _row_aligned_chunks(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """The part's bytes in chunks cut after a row end tag, so no cell spans two chunks."""
    with zf.open(name) as fh:
        rest = b""
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                if rest:
                    yield rest
                return
            buf = rest + chunk
            cut = buf.rfind(b"row>")
            if cut < 0:
                rest = buf
                continue
            cut += 4
            yield buf[:cut]
            rest = buf[cut:]


@dataclass(slots=True)
class _SheetScan:
    formula_no_value: set[tuple[int, int]]
    far_extent: tuple[int, int] | None  # (rows, cols) when a far reference was seen


def _scan_sheet_xml(zf: zipfile.ZipFile, name: str) -> _SheetScan:
    """One pass over a worksheet part: far-away cells and formulas without a value.

    The common case costs a decompression and two substring/regex searches per chunk;
    cells are only parsed when a formula or a far reference is present.
    """
    no_value: set[tuple[int, int]] = set()
    extent: tuple[int, int] | None = None
    row_no = 0
    for buf in _row_aligned_chunks(zf, name):
        if _FAR_REF.search(buf):
            rows, cols, row_no = _extent(buf, row_no)
            if extent is None:
                extent = (rows, cols)
            else:
                extent = (max(extent[0], rows), max(extent[1], cols))
        if b"<f" in buf and _FORMULA.search(buf):
            no_value.update(_formulas_without_value(buf))
    return _SheetScan(no_value, extent)


def _extent(buf: bytes, row_no: int) -> tuple[int, int, int]:
    """Rows and columns spanned by cells that hold something (empty styled cells don't)."""
    max_row = max_col = 0
    col = -1
    for m in _TAG.finditer(buf):
        kind, attrs, closed = m.group(1), m.group(2), m.group(3)
        ref = _R_ATTR.search(attrs)
        if kind == b"row":
            row_no = int(ref.group(2)) if ref and ref.group(2) else row_no + 1
            col = -1
            continue
        if ref and ref.group(1):
            col = _col_index(ref.group(1))
            r = int(ref.group(2)) if ref.group(2) else row_no
        else:
            col += 1
            r = row_no
        # <c …/> and <c …></c> are empty (styled) cells: calamine skips them
        if not closed and not _EMPTY_CELL_REST.match(buf, m.end()):
            max_row = max(max_row, r)
            max_col = max(max_col, col + 1)
    return max_row, max_col, row_no


def _formulas_without_value(buf: bytes) -> Iterator[tuple[int, int]]:
    """(row, col) of formula cells whose cached value is missing.

    A missing ``<v>`` or an empty one counts, except for a string-typed result
    (``t="str"``), where an empty value is a legitimate empty text result.
    """
    for m in _CELL.finditer(buf):
        inner = m.group(2)
        if not inner or not _FORMULA.search(inner):
            continue
        attrs = m.group(1)
        v = _V_ELEM.search(inner)
        if v is not None and v.group(1):
            continue
        t = _T_ATTR.search(attrs)
        if v is not None and t is not None and t.group(1) == b"str":
            continue
        ref = _R_ATTR.search(attrs)
        if ref and ref.group(1) and ref.group(2):
            yield int(ref.group(2)), _col_index(ref.group(1))


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part name, from workbook.xml and its relationships."""
    from defusedxml import ElementTree as ET

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    rels_ns = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    try:
        wb = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except Exception:
        return {}
    targets = {}
    for rel in rels.iter(f"{rels_ns}Relationship"):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = _normpath(part)
    out = {}
    for sheet in wb.iter(f"{ns_main}sheet"):
        rid = sheet.get(f"{ns_rel}id")
        if rid in targets:
            out[sheet.get("name", "")] = targets[rid]
    return out


def _normpath(part: str) -> str:
    stack: list[str] = []
    for piece in part.split("/"):
        if piece == "..":
            if stack:
                stack.pop()
        elif piece and piece != ".":
            stack.append(piece)
    return "/".join(stack)


_ODS_TAG = re.compile(
    rb"<table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>|</table:table>"
)
_ODS_ROWS_REP = re.compile(rb'number-rows-repeated="(\d+)"')
_ODS_COLS_REP = re.compile(rb'number-columns-repeated="(\d+)"')


def _check_ods_extent(zf: zipfile.ZipFile, path: Where, max_cells: int) -> None:
    """Refuse an ods whose repeated cells expand beyond ``max_cells`` (before calamine).

    LibreOffice writes every sheet's empty tail as one cell repeated thousands of
    times; that is harmless (calamine skips empty cells). A cell *with content*
    repeated a million times is not: calamine expands it.
    """
    rows = cols = 0  # extent of cells with content, per table
    row_no = 0
    col_no = 0
    row_rep = 1
    with zf.open("content.xml") as fh:
        data = fh.read()
    for m in _ODS_TAG.finditer(data):
        kind = m.group(1)
        if kind is None or kind == b"table":  # a new sheet
            rows = cols = row_no = col_no = 0
            continue
        attrs = m.group(2)
        if kind == b"table-row":
            rep = _ODS_ROWS_REP.search(attrs)
            row_rep = int(rep.group(1)) if rep else 1
            row_no += row_rep
            col_no = 0
            continue
        rep = _ODS_COLS_REP.search(attrs)
        n = int(rep.group(1)) if rep else 1
        col_no += n
        if not m.group(3):  # a cell with content
            rows, cols = max(rows, row_no), max(cols, col_no)
            if rows * cols > max_cells:
                raise _reject(
                    "too-large",
                    path,
                    f"表格范围过大（约{rows}行×{cols}列，超过{max_cells}个单元格），"
                    "请删除多余内容后再报送",
                )


# --------------------------------------------------------------------------- reading


def read_workbook(
    path: Path,
    *,
    max_uncompressed: int = 200 * 2**20,
    max_ratio: int = 200,
    max_cells: int = 2_000_000,
) -> RawWorkbook:
    """Read every worksheet of a returned file, or raise ``FileRejected``.

    Codes: ``encrypted`` (有密码), ``zip-bomb``, ``corrupt``, ``not-spreadsheet``,
    ``too-large``. The message is Chinese, names the file and says what to do. The
    format is sniffed from the bytes (an .xlsx renamed .xls reads fine; a PNG renamed
    .xls is refused). Hidden sheets are read too and flagged; chart and macro sheets
    are not worksheets and are left out. ``max_uncompressed`` also caps the file size
    on disk.
    """
    path = Path(path)
    return read_workbook_data(
        read_file_bytes(path, name=path.name, max_bytes=max_uncompressed),
        path=path,
        name=path.name,
        max_uncompressed=max_uncompressed,
        max_ratio=max_ratio,
        max_cells=max_cells,
    )


def read_file_bytes(path: Path, *, name: str, max_bytes: int = 200 * 2**20) -> bytes:
    """The bytes of the file at ``path`` (called ``name`` in messages); FileRejected
    ``too-large`` past ``max_bytes`` (checked before reading it), ``corrupt`` when it
    cannot be read."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _reject(
                "too-large",
                name,
                f"过大（{size / 2**20:.0f}MB，上限{max_bytes / 2**20:.0f}MB），拒绝读取",
            )
        return path.read_bytes()
    except OSError as exc:  # a folder named .xlsx, no permission, vanished meanwhile
        raise _reject("corrupt", name, f"无法打开（{exc.strerror or exc}）") from exc


def read_workbook_data(
    data: bytes,
    *,
    path: Path,
    name: str,
    max_uncompressed: int = 200 * 2**20,
    max_ratio: int = 200,
    max_cells: int = 2_000_000,
) -> RawWorkbook:
    """``read_workbook`` for bytes already in memory (a member of an archive, an
    e-mail's attachment): the same checks, in the same order. ``name`` is what the
    messages call the file (``包.zip/成员.xlsx``); ``path`` is recorded as is (for a
    member, a path that does not exist on disk: it is never opened)."""
    size = len(data)
    if size == 0:
        raise _reject("not-spreadsheet", name, "是空文件（0字节），请重新报送")
    if size > max_uncompressed:
        raise _reject(
            "too-large",
            name,
            f"过大（{size / 2**20:.0f}MB，上限{max_uncompressed / 2**20:.0f}MB），拒绝读取",
        )
    sha256 = hashlib.sha256(data).hexdigest()
    where: Where = name

    zf: zipfile.ZipFile | None = None
    if data.startswith(_OLE_MAGIC):
        kind, has_macros = _check_ole(data, where, max_cells=max_cells)
    elif data.startswith(_ZIP_MAGICS):
        zf, kind, has_macros = _check_zip(
            data, where, max_uncompressed=max_uncompressed, max_ratio=max_ratio
        )
    else:
        raise _reject(
            "not-spreadsheet",
            where,
            f"不是电子表格（内容是{_describe_foreign(data[:2048])}，只是扩展名像表格），"
            "请用Excel/WPS另存为.xlsx后再报送",
        )

    scans: dict[str, _SheetScan] = {}
    if zf is not None and kind in ("xlsx", "xlsm"):
        scans = _scan_xlsx(zf, where, max_cells=max_cells)
    elif zf is not None and kind == "ods":
        try:
            _check_ods_extent(zf, where, max_cells)
        except ZIP_DAMAGE as exc:
            raise _damaged(where, "压缩包内容有误", exc) from exc

    sheets = _read_sheets(data, where, max_cells=max_cells, scans=scans)
    return RawWorkbook(
        path=path, sha256=sha256, kind=kind, sheets=sheets, has_macros=has_macros, size=size
    )


_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_TYPE_ATTR = re.compile(rb'\bType\s*=\s*["\']([^"\']*)["\']')
_TARGET_ATTR = re.compile(rb'\bTarget\s*=\s*["\']([^"\']*)["\']')


def _worksheet_parts(zf: zipfile.ZipFile) -> list[str]:
    """The worksheet parts the workbook's relationships name (wherever a writer put
    them), plus any part under xl/worksheets/. A regex over the small rels part: the
    full XML parse is only needed to map parts to sheet names."""
    names = set(zf.namelist())
    parts = {n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    if "xl/_rels/workbook.xml.rels" in names:
        rels = zf.read("xl/_rels/workbook.xml.rels")
        for m in _RELATIONSHIP.finditer(rels):
            kind = _TYPE_ATTR.search(m.group(1))
            target = _TARGET_ATTR.search(m.group(1))
            if kind and target and kind.group(1).endswith(b"/worksheet"):
                t = target.group(1).decode("utf-8", "replace")
                part = _normpath(t.lstrip("/") if t.startswith("/") else f"xl/{t}")
                if part in names:
                    parts.add(part)
    return sorted(parts)


def _scan_xlsx(zf: zipfile.ZipFile, path: Where, *, max_cells: int) -> dict[str, _SheetScan]:
    """Scan each worksheet part; refuse far-flung cells; map results to sheet names."""
    by_part: dict[str, _SheetScan] = {}
    try:
        for part in _worksheet_parts(zf):
            by_part[part] = _scan_sheet_xml(zf, part)
    except ZIP_DAMAGE as exc:
        raise _damaged(path, "压缩包内容校验失败", exc) from exc
    names: dict[str, str] | None = None
    for part, scan in by_part.items():
        if scan.far_extent and scan.far_extent[0] * scan.far_extent[1] > max_cells:
            names = names if names is not None else _sheet_parts(zf)
            sheet = next((n for n, p in names.items() if p == part), part)
            rows, cols = scan.far_extent
            raise _reject(
                "too-large",
                path,
                f"的工作表“{sheet}”范围过大（有内容的单元格延伸到第{rows}行、第{cols}列，"
                f"超过{max_cells}个单元格），请删除远处的多余内容后再报送",
            )
    if not any(s.formula_no_value for s in by_part.values()):
        return {}
    names = names if names is not None else _sheet_parts(zf)
    return {n: by_part[p] for n, p in names.items() if p in by_part}


def _read_sheets(
    data: bytes, path: Where, *, max_cells: int, scans: dict[str, _SheetScan]
) -> list[RawSheet]:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError as exc:
        raise _reject("encrypted", path, _ENCRYPTED) from exc
    except BaseException as exc:
        if not _unreadable(exc):
            raise
        raise _damaged(path, "无法读取", exc) from exc

    sheets: list[RawSheet] = []
    try:
        for index, meta in enumerate(wb.sheets_metadata):
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            sheet = wb.get_sheet_by_index(index)
            end = sheet.end
            if end is not None and (end[0] + 1) * (end[1] + 1) > max_cells:
                raise _reject(
                    "too-large",
                    path,
                    f"的工作表“{meta.name}”范围过大（{end[0] + 1}行×{end[1] + 1}列，"
                    f"超过{max_cells}个单元格），请删除多余内容后再报送",
                )
            rows = sheet.to_python(skip_empty_area=False)
            scan = scans.get(meta.name)
            sheets.append(
                RawSheet(
                    name=meta.name,
                    rows=rows,
                    hidden=meta.visible != pc.SheetVisibleEnum.Visible,
                    formula_cells_without_value=set(scan.formula_no_value) if scan else set(),
                    merged=_merged_ranges(sheet),
                )
            )
    except FileRejected:
        raise
    except pc.PasswordError as exc:
        raise _reject("encrypted", path, _ENCRYPTED) from exc
    except BaseException as exc:
        if not _unreadable(exc):
            raise
        raise _damaged(path, "无法读取", exc) from exc
    finally:
        wb.close()
    return sheets


def _merged_ranges(sheet: Any) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The sheet's merged ranges as calamine reports them ([] when it cannot say)."""
    try:
        ranges = sheet.merged_cell_ranges or []
        return [((int(a), int(b)), (int(c), int(d))) for (a, b), (c, d) in ranges]
    except Exception:  # a format or version without them: parsing just fills nothing
        return []


def _unreadable(exc: BaseException) -> bool:
    """Whether ``exc``, raised by calamine, means it cannot read this file: any error
    (CalamineError and its kinds, OSError for a damaged zip stream, …) or a panic of its
    Rust code on malformed input (pyo3's PanicException, a BaseException). Not
    MemoryError, nor Ctrl-C or exit: those are not the file's doing."""
    if isinstance(exc, MemoryError):
        return False
    if isinstance(exc, Exception):
        return True
    return type(exc).__name__ == "PanicException"


def _damaged(path: Where, what: str, exc: BaseException) -> FileRejected:
    """A ``corrupt`` rejection: ``文件“x”已损坏（what），请重新保存后再报送（技术信息：…）``:
    what the district should do, then the detail for whoever looks into the file."""
    return _reject("corrupt", path, f"已损坏（{what}），{_RESAVE}（{_tech(exc)}）")


def _tech(exc: BaseException) -> str:
    """A short technical detail for the message (kept: it helps whoever debugs the file)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"技术信息：{type(exc).__name__}{'：' + text[:120] if text else ''}"
