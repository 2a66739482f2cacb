"""Identification metadata of a template: what the builder writes, and reading it back.

A template carries (district, month, table, version) three times, because a returned
copy has been through Excel, WPS or LibreOffice and any one carrier may be lost:

1. custom document properties ``gongjian_district`` … (``docProps/custom.xml``;
   ``meta.xml`` user-defined fields once LibreOffice has saved it as .ods);
2. workbook-level defined names ``gongjian_district`` … holding string constants;
3. a hidden sheet :data:`META_SHEET` with one ``key | value`` pair per row.

:func:`read_template_meta` tries them in that order and returns the first complete,
well-formed record. It reads only small XML parts with defusedxml (1–2 ms for an
.xlsx), checks zip member sizes before opening anything, and never raises: garbage,
a password-protected file or a file without metadata all give None.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from gongjian_cli.models import TemplateMeta
from gongjian_cli.schema import Table

META_PREFIX = "gongjian_"
META_KEYS = ("district", "month", "table", "version")
META_SHEET = "模板标识"
"""Name of the hidden metadata sheet (readers of project tables should skip it)."""

META_SHEET_NOTE = "本工作表供 gongjian 程序识别县区、报送月份和表别，请勿修改或删除。"
META_KEY_LABELS = {"district": "县区", "month": "报送月份", "table": "表别", "version": "模板版本"}

# Guards against zip bombs and oversized parts: metadata lives in small parts.
_MAX_XML_PART = 2 * 1024 * 1024  # docProps/custom.xml, xl/workbook.xml, meta.xml
_MAX_UNPACKED_FOR_SHEET = 64 * 1024 * 1024  # whole workbook before calamine opens it
_MAX_RATIO = 200  # uncompressed / compressed, per member
_MAX_OLE_FILE = 64 * 1024 * 1024  # .xls opened by calamine for the hidden sheet

_META_ROWS = 50  # the hidden sheet's record is looked for in its first rows

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")

_NS_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_ODF_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_NS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def meta_values(*, district: str, month: str, table: Table, version: str) -> dict[str, str]:
    """The key → value pairs every carrier holds (month as ``YYYY-MM``, table as its key)."""
    return {"district": district, "month": month, "table": str(table), "version": version}


def read_template_meta(
    path: Path | bytes, *, sheets: Iterable[Any] | None = None
) -> TemplateMeta | None:
    """(district, month, table, version) the template wrote, or None.

    Priority: document properties, then defined names, then the hidden sheet. Never
    raises on a corrupt, foreign, encrypted or huge file: the answer is then None.
    ``sheets`` are the file's sheets as ``reading.read_workbook`` read them (objects
    with ``name`` and ``rows``): the hidden sheet is then looked up there instead of
    reading the workbook a second time. ``path`` may be the file's bytes (a member
    of a zip, an e-mail's attachment).
    """
    try:
        if isinstance(path, bytes):
            return _read_bytes(path, sheets)
        return _read(Path(path), sheets)
    except Exception:  # any garbage input: the caller falls back to other clues
        return None


def _read_bytes(data: bytes, sheets: Iterable[Any] | None) -> TemplateMeta | None:
    """As ``_read`` for a file held in memory (its sheets are always given)."""
    if data.startswith(_ZIP_MAGIC):
        return _read_zip(io.BytesIO(data), sheets if sheets is not None else [])
    if data[:8] == _OLE_MAGIC and sheets is not None:
        return _from_sheets(sheets)
    return None


def _read(path: Path, sheets: Iterable[Any] | None) -> TemplateMeta | None:
    if not path.is_file():
        return None
    with path.open("rb") as f:
        magic = f.read(8)
    if magic.startswith(_ZIP_MAGIC):
        return _read_zip(path, sheets)
    if magic == _OLE_MAGIC:
        if sheets is not None:
            return _from_sheets(sheets)
        if path.stat().st_size > _MAX_OLE_FILE:
            return None
        return _from_hidden_sheet(path)
    return None


def _from_sheets(sheets: Iterable[Any]) -> TemplateMeta | None:
    """The hidden sheet's record among sheets already read."""
    for sheet in sheets:
        if sheet.name == META_SHEET:
            return _record(_pairs(sheet.rows[:_META_ROWS]))
    return None


def _read_zip(path: Path | io.BytesIO, sheets: Iterable[Any] | None) -> TemplateMeta | None:
    with zipfile.ZipFile(path) as zf:
        infos = {i.filename: i for i in zf.infolist()}

        def part(name: str) -> bytes | None:
            info = infos.get(name)
            if info is None or not _small(info, _MAX_XML_PART):
                return None
            return zf.read(info)

        readers: tuple[Callable[[], dict[str, str]], ...] = (
            lambda: _custom_properties(part("docProps/custom.xml")),
            lambda: _defined_names(part("xl/workbook.xml")),
            lambda: _odf_user_fields(part("meta.xml")),
        )
        for reader in readers:
            meta = _safe_record(reader)
            if meta is not None:
                return meta
        if sheets is not None:
            return _from_sheets(sheets)
        total = sum(i.file_size for i in infos.values())
        if total > _MAX_UNPACKED_FOR_SHEET or not all(
            _small(i, _MAX_UNPACKED_FOR_SHEET) for i in infos.values()
        ):
            return None
    return _from_hidden_sheet(path)


def _small(info: zipfile.ZipInfo, limit: int) -> bool:
    """A member small enough to inflate, and not a suspicious compression ratio."""
    if info.file_size > limit:
        return False
    return info.file_size <= 4096 or info.file_size <= _MAX_RATIO * max(info.compress_size, 1)


def _safe_record(reader: Callable[[], dict[str, str]]) -> TemplateMeta | None:
    try:
        return _record(reader())
    except Exception:  # one broken carrier must not hide the next one
        return None


_MARK = META_PREFIX.encode()


def _parse_xml(data: bytes | None) -> Any:
    """The part's XML tree, or None when it is absent or cannot hold our metadata (every
    office suite writes the names ``gongjian_…`` as plain ASCII: a byte search spares the
    parse of the workbook part of every file that is not our template)."""
    if not data or _MARK not in data:
        return None
    from defusedxml.ElementTree import fromstring

    return fromstring(data)


def _custom_properties(data: bytes | None) -> dict[str, str]:
    """``docProps/custom.xml``: <property name="gongjian_month"><vt:lpwstr>2020-05</…>."""
    root = _parse_xml(data)
    if root is None:
        return {}
    found = {}
    for prop in root.iter(f"{_NS_CUSTOM}property"):
        name = prop.get("name", "")
        if name.startswith(META_PREFIX):
            value = "".join(prop.itertext()).strip()
            found[name.removeprefix(META_PREFIX)] = value
    return found


def _defined_names(data: bytes | None) -> dict[str, str]:
    """``xl/workbook.xml``: <definedName name="gongjian_month">"2020-05"</definedName>."""
    root = _parse_xml(data)
    if root is None:
        return {}
    found = {}
    for dn in root.iter(f"{_NS_MAIN}definedName"):
        name = dn.get("name", "")
        if dn.get("localSheetId") is None and name.startswith(META_PREFIX):
            value = _string_constant(dn.text or "")
            if value is not None:
                found[name.removeprefix(META_PREFIX)] = value
    return found


def _string_constant(formula: str) -> str | None:
    """The text of a string-constant formula ``="经开区"`` / ``"经开区"``, else None."""
    f = formula.strip().removeprefix("=").strip()
    if len(f) >= 2 and f[0] == f[-1] == '"':
        return f[1:-1].replace('""', '"')
    return None


def _odf_user_fields(data: bytes | None) -> dict[str, str]:
    """``meta.xml`` of an .ods: <meta:user-defined meta:name="gongjian_month">…."""
    root = _parse_xml(data)
    if root is None:
        return {}
    found = {}
    for field in root.iter(f"{_NS_ODF_META}user-defined"):
        name = field.get(f"{_NS_ODF_META}name", "")
        if name.startswith(META_PREFIX):
            found[name.removeprefix(META_PREFIX)] = (field.text or "").strip()
    return found


def _from_hidden_sheet(path: Path) -> TemplateMeta | None:
    """The ``key | value`` rows of :data:`META_SHEET`, read with calamine (any format)."""
    from python_calamine import CalamineWorkbook

    with path.open("rb") as f:
        wb = CalamineWorkbook.from_filelike(f)
        if META_SHEET not in wb.sheet_names:
            return None
        rows = wb.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False, nrows=_META_ROWS)
    return _record(_pairs(rows))


def _pairs(rows: Iterable[list[Any]]) -> dict[str, str]:
    found = {}
    for row in rows:
        if len(row) < 2 or not isinstance(row[0], str):
            continue
        key = row[0].strip().removeprefix(META_PREFIX)
        if key in META_KEYS:
            found[key] = _cell_text(row[1])
    return found


def _cell_text(value: Any) -> str:
    if isinstance(value, date):  # a month re-typed by an office suite as a date
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _record(values: dict[str, str]) -> TemplateMeta | None:
    """A TemplateMeta when every key is present and well-formed, else None."""
    district = values.get("district", "").strip()
    month = values.get("month", "").strip()
    table = values.get("table", "").strip()
    version = values.get("version", "").strip()
    m = _MONTH_RE.match(month)
    if not district or len(district) > 50 or not version or not m:
        return None
    if not 1 <= int(m.group(2)) <= 12 or table not in {t.value for t in Table}:
        return None
    return TemplateMeta(district=district, month=month, table=Table(table), version=version)
