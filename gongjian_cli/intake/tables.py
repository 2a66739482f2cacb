"""Tables that are not workbooks: HTML tables, XML Spreadsheet 2003 and CSV.

Government systems export "Excel" files that are really a web page (an .xls holding
an HTML ``<table>``) or Excel 2003's XML; some districts send CSV. Each becomes the
same ``RawSheet`` objects ``reading.read_workbook`` gives (row 1 first, column A
first, merged ranges as first/last cell), so parsing, identification and validation
are the same as for a workbook.

Safety: XML is parsed by defusedxml (no DTD entities, no external references: a
billion-laughs file is refused at once); HTML by the stdlib ``html.parser``, which
never fetches or expands anything but the fixed character references. Sizes are
bounded before anything is allocated: a declared span (``colspan``, ``ss:Index``,
``ss:MergeAcross``) that would reach past ``max_cells`` is refused (``too-large``).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from gongjian_cli.errors import FileRejected
from gongjian_cli.reading import RawSheet

SS_NS = "urn:schemas-microsoft-com:office:spreadsheet"
_X_NS = "urn:schemas-microsoft-com:office:excel"

#: Legacy Chinese charsets a page may declare: all are subsets of GB18030.
_GB_FAMILY = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.-]+)""", re.I)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _reject(code: str, name: str, what: str) -> FileRejected:
    return FileRejected(code, f"文件“{name}”{what}")


def _too_large(name: str, rows: int, cols: int, max_cells: int) -> FileRejected:
    return _reject(
        "too-large",
        name,
        f"表格范围过大（约{rows}行×{cols}列，超过{max_cells}个单元格），请删除多余内容后再报送",
    )


def _charset(label: str | None) -> str | None:
    """A usable codec for a declared charset (gb2312 and kin read as gb18030)."""
    if not label:
        return None
    label = label.strip().lower()
    if label in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Text of ``data``: a BOM wins, then the declared charset, then UTF-8, then GB18030
    (which decodes GBK and GB2312). Never guessed from a file's extension."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    codec = _charset(declared)
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _value(text: str) -> Any:
    """A plain number as a number (as calamine gives it), anything else as text."""
    text = text.strip()
    if _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    return text


class _Grid:
    """Cells placed at (row, col) with spans; becomes a RawSheet."""

    def __init__(self, name: str, file_name: str, max_cells: int) -> None:
        self.name = name
        self.file_name = file_name
        self.max_cells = max_cells
        self.cells: dict[tuple[int, int], Any] = {}
        self.merged: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.rows = 0
        self.cols = 0

    def put(self, row: int, col: int, value: Any, down: int = 0, across: int = 0) -> None:
        last_row, last_col = row + max(down, 0), col + max(across, 0)
        rows, cols = max(self.rows, last_row + 1), max(self.cols, last_col + 1)
        if rows * cols > self.max_cells:
            raise _too_large(self.file_name, rows, cols, self.max_cells)
        self.rows, self.cols = rows, cols
        if value not in ("", None):
            self.cells[row, col] = value
        if last_row > row or last_col > col:
            self.merged.append(((row, col), (last_row, last_col)))

    def sheet(self, hidden: bool = False) -> RawSheet:
        rows: list[list[Any]] = [[""] * self.cols for _ in range(self.rows)]
        for (r, c), v in self.cells.items():
            rows[r][c] = v
        return RawSheet(name=self.name, rows=rows, hidden=hidden, merged=self.merged)


# --------------------------------------------------------------------------- HTML


class _TableParser(HTMLParser):
    """Every ``<table>`` of a page as rows of (text, rowspan, colspan); nested tables are
    read as their own table. ``<title>`` is kept as a name for the sheet."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self._stack: list[list[list[tuple[str, int, int]]]] = []
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._in_title = False
        self._skip = 0  # inside <script>/<style>
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._end_cell()
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            self._end_cell()
            if not self._stack[-1]:
                self._stack[-1].append([])
            a = dict(attrs)
            self._span = (_span(a.get("rowspan")), _span(a.get("colspan")))
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag == "table" and self._stack:
            self._end_cell()
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title += data
        elif self._cell is not None:
            self._cell.append(data)

    def _end_cell(self) -> None:
        if self._cell is not None and self._stack and self._stack[-1]:
            text = "".join(self._cell)
            lines = [" ".join(line.split()) for line in text.split("\n")]
            self._stack[-1][-1].append(("\n".join(x for x in lines if x), *self._span))
        self._cell = None


def _span(value: str | None) -> int:
    try:
        return max(1, int(str(value).strip()))
    except (TypeError, ValueError):
        return 1


def html_charset(data: bytes) -> str | None:
    """The charset a page declares (``<meta charset>`` or http-equiv content-type)."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii") if m else None


def read_html(data: bytes, *, name: str, max_cells: int) -> list[RawSheet]:
    """The page's tables, one sheet each (named after ``<title>``, else Sheet1…)."""
    parser = _TableParser()
    parser.feed(decode_text(data, html_charset(data)))
    parser.close()
    tables = [t for t in parser.tables if any(t)]
    if not tables:
        raise _reject(
            "not-spreadsheet", name, "是网页文件，但里面没有表格，请报送Excel表格（.xlsx）"
        )
    base = " ".join(parser.title.split())[:31] or "Sheet1"
    sheets = []
    for index, table in enumerate(tables):
        title = base if index == 0 else f"{base[:27]}-{index + 1}"
        grid = _Grid(title, name, max_cells)
        taken: set[tuple[int, int]] = set()
        for r, row in enumerate(table):
            c = 0
            for text, down, across in row:
                while (r, c) in taken:
                    c += 1
                grid.put(r, c, _value(text), down - 1, across - 1)
                if down > 1 or across > 1:
                    taken.update(
                        (rr, cc) for rr in range(r, r + down) for cc in range(c, c + across)
                    )
                c += across
        sheets.append(grid.sheet())
    return sheets


# --------------------------------------------------------------------------- XML 2003


def is_xml_spreadsheet(head: bytes) -> bool:
    """Excel 2003 XML: the spreadsheet namespace near the top of an XML document."""
    return SS_NS.encode() in head[:8192] and b"Workbook" in head[:8192]


def read_xml_spreadsheet(data: bytes, *, name: str, max_cells: int) -> list[RawSheet]:
    """The worksheets of an XML Spreadsheet 2003 file (``ss:Index``, ``ss:MergeAcross``
    and ``ss:MergeDown`` honoured). Entities and external references are refused."""
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as ET

    try:
        root = ET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise _reject(
            "zip-bomb",
            name,
            "含有实体声明或外部引用（XML文件中不应有），疑似恶意文件，拒绝读取；"
            "请用Excel/WPS另存为.xlsx后再报送",
        ) from exc
    except Exception as exc:  # ParseError: not well-formed
        raise _reject(
            "corrupt", name, "是XML表格，但内容不完整或已损坏，请用Excel/WPS另存为.xlsx后再报送"
        ) from exc
    ss = f"{{{SS_NS}}}"
    if root.tag != f"{ss}Workbook":
        raise _reject(
            "not-spreadsheet", name, "是XML文件，但不是Excel表格，请报送Excel表格（.xlsx）"
        )
    sheets = []
    for index, ws in enumerate(root.iter(f"{ss}Worksheet")):
        grid = _Grid(ws.get(f"{ss}Name") or f"Sheet{index + 1}", name, max_cells)
        table = ws.find(f"{ss}Table")
        if table is not None:
            _fill_xml_table(grid, table, ss)
        visible = ws.find(f"{{{_X_NS}}}WorksheetOptions/{{{_X_NS}}}Visible")
        hidden = visible is not None and (visible.text or "").strip() != "SheetVisible"
        sheets.append(grid.sheet(hidden=hidden))
    return sheets


def _fill_xml_table(grid: _Grid, table: Any, ss: str) -> None:
    r = -1
    covered: set[tuple[int, int]] = set()  # cells under a MergeDown of a row above
    for row in table.iter(f"{ss}Row"):
        r = _index(row.get(f"{ss}Index"), r + 1)
        c = -1
        for cell in row.iter(f"{ss}Cell"):
            c = c + 1
            while (r, c) in covered and cell.get(f"{ss}Index") is None:
                c += 1
            c = _index(cell.get(f"{ss}Index"), c)
            across = _count(cell.get(f"{ss}MergeAcross"))
            down = _count(cell.get(f"{ss}MergeDown"))
            data = cell.find(f"{ss}Data")
            value = _xml_value(data, ss) if data is not None else ""
            grid.put(r, c, value, down, across)
            if down:
                covered.update(
                    (rr, cc) for rr in range(r + 1, r + down + 1) for cc in range(c, c + across + 1)
                )
            c += across
        grid.put(r, 0, "")  # an empty row still counts (row numbers stay right)


def _index(value: str | None, default: int) -> int:
    """A 1-based ``ss:Index`` as a 0-based position (the default when absent or odd)."""
    try:
        return max(int(value) - 1, default) if value is not None else default
    except ValueError:
        return default


def _count(value: str | None) -> int:
    try:
        return max(0, int(value)) if value is not None else 0
    except ValueError:
        return 0


def _xml_value(data: Any, ss: str) -> Any:
    text = "".join(data.itertext())
    kind = data.get(f"{ss}Type", "String")
    if kind == "Number":
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in text else number
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    if kind == "DateTime":
        try:
            return datetime.fromisoformat(text.strip())
        except ValueError:
            return text
    return text


# --------------------------------------------------------------------------- CSV


def read_csv(data: bytes, *, name: str, sheet_name: str, max_cells: int) -> list[RawSheet]:
    """One sheet (named like the file, as Excel does) from CSV text in UTF-8 (with or
    without BOM), UTF-16 or GBK/GB18030, comma-, semicolon- or tab-separated."""
    text = decode_text(data)
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if first else ","
    grid = _Grid(sheet_name[:31] or "Sheet1", name, max_cells)
    try:
        for r, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
            for c, cell in enumerate(row):
                grid.put(r, c, _value(cell))
            if not row:
                grid.put(r, 0, "")
    except csv.Error as exc:
        raise _reject(
            "corrupt", name, f"是CSV文件，但无法读取（{exc}），请另存为.xlsx后再报送"
        ) from exc
    return [grid.sheet()]
