"""Feedback workbooks of ``gongjian collect``: what goes back to a district (退回修改).

For a returned file with findings, :func:`write_feedback` writes a copy of it with every
finding's cell filled (错误 pink, 提醒 yellow) and commented in Chinese, plus a first
sheet 问题清单 listing every finding, whole-file ones included. The copy is always a
plain .xlsx: an .xlsx/.xlsm is edited through openpyxl (macros dropped, the source never
touched); an .xls/.ods, or anything openpyxl cannot load, is rebuilt value by value from
python-calamine. The district can fix the copy and send it back: sheet protection of our
templates is kept (flagged cells are unlocked), template metadata stays, and feedback
from an earlier round (our comments, our fills, an old 问题清单) is removed first.

For a file refused whole (unreadable, password, unidentified), :func:`write_rejection_note`
writes a one-sheet note with the reason and what to do.

Every string that comes from a submission is written as text, never as a formula.
"""

from __future__ import annotations

import io
import math
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gongjian_cli.errors import GongjianError, UsageError
from gongjian_cli.models import Finding
from gongjian_cli.month import Month
from gongjian_cli.schema import SEVERITY_LABEL, Severity

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

AUTHOR = "工业投资科"  # author of every comment we write; marks them as ours on a resubmission
FEEDBACK_SHEET = "问题清单"  # readers skip a sheet of this name (it is ours, not data)
REJECTION_SHEET = "退回说明"
FEEDBACK_PREFIX = "退回修改-"
UNIDENTIFIED_DIR = "未识别"

ERROR_FILL = "FFC7CE"  # Excel's "light red fill"
WARNING_FILL = "FFEB9C"  # Excel's "yellow fill"
_SEVERITY_FILL = {Severity.ERROR: ERROR_FILL, Severity.WARNING: WARNING_FILL}

LIST_HEADER = ("级别", "工作表", "行", "列", "栏目", "填报内容", "问题说明", "规则代码")
LIST_WIDTHS = (7, 14, 6, 5, 22, 24, 56, 24)
LIST_HEADER_ROW = 4  # 问题清单: row 1 summary, 2 file, 3 legend, 4 column heads, 5… findings

_MAX_VALUE_CHARS = 120  # a value quoted in a comment or the list is cut after this
_MAX_ROW_FILL_COLUMNS = 60  # a row-level finding fills at most this many columns
_ZIP_MAX_TOTAL = 300 * 1024 * 1024  # uncompressed bytes we agree to open
_ZIP_MAX_RATIO = 200  # compression ratio of one member beyond which it is a bomb
_WINDOWS_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")

_GUIDANCE = (
    "请按上面的原因处理后重新报送。建议：使用工业投资科下发的附件2/附件3模板填写；"
    "不要给文件设置打开密码；保存为 Excel 工作簿（.xlsx）；文件名写明县区、月份和附件号，"
    "如“经开区-2020年5月-附件3.xlsx”。如有疑问请联系市经信局工业投资科。"
)


# ---------------------------------------------------------------------------- paths


def feedback_path(feedback_dir: Path, district: str | None, file_name: str) -> Path:
    """Where the feedback for ``file_name`` goes: ``<dir>/<县区>/退回修改-<stem>.xlsx``.

    An unidentified file goes under ``未识别``. A source that is not .xlsx keeps its
    extension in the name (``退回修改-附件3-xls.xlsx``) so that ``附件3.xls`` and
    ``附件3.xlsx`` from one district do not overwrite each other's feedback. Characters
    Windows refuses in names are replaced by ``_`` (the folder is often shared).
    """
    name = Path(str(file_name).replace("\\", "/")).name
    stem, suffix = os.path.splitext(name)
    if suffix.lower() not in ("", ".xlsx"):
        stem = f"{stem}-{suffix[1:].lower()}"
    stem = _WINDOWS_BAD.sub("_", stem).strip(" .") or "文件"
    folder = _WINDOWS_BAD.sub("_", district).strip(" .") if district else ""
    return Path(feedback_dir) / (folder or UNIDENTIFIED_DIR) / f"{FEEDBACK_PREFIX}{stem}.xlsx"


# ---------------------------------------------------------------------------- feedback


def write_feedback(
    source: Path | bytes,
    findings: Sequence[Finding],
    out_path: Path,
    *,
    district: str,
    month: str,
    table_label: str,
    file_name: str | None = None,
) -> Path:
    """Write the highlighted, commented copy of ``source`` with a 问题清单 sheet; return its path.

    ``month`` is ``YYYY-MM`` (shown as 2020年5月) or any text shown as is; ``table_label``
    is e.g. ``附件3``. A workbook holding both tables is written once, with the findings
    of both and a label such as ``附件2、附件3`` (a second call would overwrite the first).
    Findings without a row, or naming a sheet or column the copy does not have, are
    listed in 问题清单 only. ``out_path`` is given the suffix .xlsx; its folder is created.
    The source file is only read. ``source`` may be the file's bytes (a member of a zip,
    an e-mail's attachment: ``file_name`` then says what to call it, ``包.zip/成员.xlsx``).
    An HTML table, XML Spreadsheet 2003 or CSV source becomes a new .xlsx with its
    values, and 问题清单 says first that it is a converted copy.
    """
    if isinstance(source, bytes):
        data, name = source, file_name or "文件"
    else:
        source = Path(source)
        name = file_name or source.name
        out_path = _xlsx_path(out_path)
        if out_path.exists() and out_path.resolve() == source.resolve():
            raise UsageError(f"退回修改文件不能覆盖原文件：{source}")
        data = source.read_bytes()
    out_path = _xlsx_path(out_path)

    wb, titles, converted = _load_copy(data, name)
    _remove_previous_feedback(wb)
    placed = _mark_cells(wb, findings, titles)
    _add_list_sheet(
        wb,
        findings,
        placed,
        titles,
        summary=_summary(findings, district=district, month=month, table_label=table_label),
        file_name=name,
        note=converted,
    )
    _save(wb, out_path)
    return out_path


def _summary(findings: Sequence[Finding], *, district: str, month: str, table_label: str) -> str:
    errors = sum(1 for f in findings if f.severity == Severity.ERROR)
    warns = len(findings) - errors
    ask = "请修改后重新报送" if errors else "请核实，如有误请修改后重新报送"
    head = " ".join(p for p in (district, _month_label(month), table_label) if p)
    return f"{head}：错误 {errors} 条，提醒 {warns} 条，{ask}"


def _month_label(month: str | None) -> str:
    if not month:
        return ""
    try:
        return Month.parse(month).label
    except GongjianError:
        return str(month)


# ---------------------------------------------------------------------------- loading


#: The first line of 问题清单 for a source that was not a workbook, by format.
_CONVERTED_NOTE = {
    "html": "原文件为网页格式，此为转换后的副本（只保留了数值），请在此副本上修改后报送",
    "xml2003": "原文件为XML格式，此为转换后的副本（只保留了数值），请在此副本上修改后报送",
    "csv": "原文件为CSV格式，此为转换后的副本，请在此副本上修改后报送",
}


def _load_copy(data: bytes, name: str) -> tuple[Workbook, dict[str, str], str | None]:
    """The workbook to annotate, a map: sheet name as read → sheet title in the copy, and
    the note saying it is a converted copy (None for a workbook source)."""
    magic = data[:4]
    if magic == b"PK\x03\x04":
        _check_zip(io.BytesIO(data), name)
        try:
            wb = _load_openpyxl(data)
        except Exception:  # any zip openpyxl cannot take (ods, odd WPS output): values only
            pass
        else:
            return wb, {ws.title: ws.title for ws in wb.worksheets}, None
    if magic != b"\xd0\xcf\x11\xe0":
        from gongjian_cli.intake.inbox import sniff_text_table

        kind = sniff_text_table(data, name)
        if kind is not None:
            return (*_rebuild_from_sheets(_text_sheets(data, name, kind)), _CONVERTED_NOTE[kind])
    return (*_rebuild_from_calamine(data, name), None)


def _text_sheets(data: bytes, name: str, kind: str) -> list[Any]:
    """The sheets of an HTML table, XML Spreadsheet 2003 or CSV source, read as collect
    read them (``intake.tables``)."""
    from gongjian_cli.intake import tables

    try:
        if kind == "html":
            return tables.read_html(data, name=name, max_cells=2_000_000)
        if kind == "xml2003":
            return tables.read_xml_spreadsheet(data, name=name, max_cells=2_000_000)
        stem = Path(name.rsplit("/", 1)[-1]).stem
        return tables.read_csv(data, name=name, sheet_name=stem, max_cells=2_000_000)
    except Exception as exc:
        raise GongjianError(f"无法读取文件，未生成退回修改文件：{name}（{exc}）") from exc


def _check_zip(source: Any, name: str) -> None:
    """Refuse a zip whose members would expand beyond reason (a zip bomb) before parsing."""
    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        return  # not ours to diagnose here: the loaders will fail and say so
    total = sum(i.file_size for i in infos)
    worst = max(
        (i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > 1 << 20),
        default=0,
    )
    if total > _ZIP_MAX_TOTAL or worst > _ZIP_MAX_RATIO:
        raise GongjianError(
            f"文件解压后过大（{total // (1 << 20)} MB），疑似异常文件，未生成退回修改文件：{name}"
        )


def _load_openpyxl(data: bytes) -> Workbook:
    import openpyxl

    with io.BytesIO(data) as fh, warnings.catch_warnings():
        # openpyxl warns about parts it drops (extension lists, unsupported drawings);
        # the copy is for reading the findings, so these are not the clerk's concern.
        warnings.simplefilter("ignore")
        # A file object, not a name: openpyxl would refuse an .xlsx renamed .xls.
        wb = openpyxl.load_workbook(fh, keep_vba=False, keep_links=False, rich_text=False)
    wb.template = False  # an .xltx/.xltm source still gives a plain .xlsx
    # Formulas of the district's own (e.g. a 合计 SUM) lose their cached values on save:
    # ask Excel/WPS/LibreOffice to recalculate when the copy is opened.
    wb.calculation.fullCalcOnLoad = True
    return wb


def _rebuild_from_calamine(source: bytes, name: str) -> tuple[Workbook, dict[str, str]]:
    """A new workbook with the values of every sheet of ``source``, at the same cells."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        with io.BytesIO(source) as fh:
            cwb = CalamineWorkbook.from_filelike(fh)
            metas = list(cwb.sheets_metadata)
            sheets = [
                (m, cwb.get_sheet_by_name(m.name))
                for m in metas
                if m.typ == SheetTypeEnum.WorkSheet
            ]
            data = [
                (
                    m.name,
                    m.visible != SheetVisibleEnum.Visible,
                    s.to_python(skip_empty_area=False),
                    s.merged_cell_ranges or [],
                )
                for m, s in sheets
            ]
    except Exception as exc:
        raise GongjianError(f"无法读取文件，未生成退回修改文件：{name}（{exc}）") from exc
    return _build(data)


def _rebuild_from_sheets(sheets: Sequence[Any]) -> tuple[Workbook, dict[str, str]]:
    """A new workbook from sheets already read (``reading.RawSheet``: an HTML table, XML
    Spreadsheet 2003 or CSV source), values and merged ranges at the same cells."""
    return _build([(s.name, s.hidden, s.rows, s.merged) for s in sheets])


def _build(
    data: Sequence[tuple[str, bool, list[list[Any]], Sequence[Any]]],
) -> tuple[Workbook, dict[str, str]]:
    """A workbook of (name, hidden, rows, merged ranges) sheets, and their titles."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    titles: dict[str, str] = {}
    for sheet_name, hidden, rows, merged in data:
        if sheet_name == FEEDBACK_SHEET:
            continue  # our list from an earlier round, converted by the district
        title = _unique_title(_sheet_title(sheet_name), titles.values())
        titles[sheet_name] = title
        ws = wb.create_sheet(title)
        if hidden:
            ws.sheet_state = "hidden"
        _fill_values(ws, rows)
        for (r0, c0), (r1, c1) in merged:
            if (r0, c0) != (r1, c1):
                ws.merge_cells(
                    start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1
                )
    if not wb.worksheets:
        wb.create_sheet("Sheet1")
    visible = [i for i, ws in enumerate(wb.worksheets) if ws.sheet_state == "visible"]
    if not visible:  # a workbook needs one visible sheet
        wb.worksheets[0].sheet_state = "visible"
    return wb, titles


def _fill_values(ws: Worksheet, rows: list[list[Any]]) -> None:
    """Copy calamine's values at their Excel cells; size the columns to what they hold."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    long_cells = []
    for r, row in enumerate(rows, start=1):
        filled = 0
        for c, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            filled += 1
            if isinstance(value, str):
                _put_text(ws.cell(row=r, column=c), value)
            else:
                ws.cell(row=r, column=c, value=value)
        if filled < 2:
            continue  # a title or a 注 line: its width says nothing about the column
        for c, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            w = _text_width(_display(value))
            widths[c] = max(widths.get(c, 0), w)
            if w > 40:
                long_cells.append((r, c))
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = min(max(w + 2, 6), 42)
    # a table of ten columns prints on one landscape page width, as the template does
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, c in long_cells:
        ws.cell(row=r, column=c).alignment = wrap


def _sheet_title(name: str) -> str:
    """``name`` made a valid Excel sheet title (ods allows longer names and more characters)."""
    title = _SHEET_BAD.sub("_", _clean(name)).strip("'")[:31]
    return title or "Sheet"


def _unique_title(title: str, taken: Iterable[str]) -> str:
    used = {t.lower() for t in taken} | {FEEDBACK_SHEET}
    candidate, n = title, 2
    while candidate.lower() in used:
        suffix = f"({n})"
        candidate, n = title[: 31 - len(suffix)] + suffix, n + 1
    return candidate


# ---------------------------------------------------------------------------- marking


def _remove_previous_feedback(wb: Workbook) -> None:
    """Drop what an earlier round of feedback left in a resubmitted copy."""
    from openpyxl.styles import PatternFill

    for ws in list(wb.worksheets):
        if ws.title == FEEDBACK_SHEET:
            wb.remove(ws)
    ours = {f"00{ERROR_FILL}", f"FF{ERROR_FILL}", f"00{WARNING_FILL}", f"FF{WARNING_FILL}"}
    for ws in wb.worksheets:
        # ws._cells holds only the cells that exist; iter_rows would create the rest.
        for cell in list(getattr(ws, "_cells", {}).values()):
            comment = cell.comment
            if comment is None or comment.author != AUTHOR:
                continue
            cell.comment = None
            rgb = cell.fill.fgColor.rgb if cell.fill is not None else None
            if isinstance(rgb, str) and rgb.upper() in ours:
                cell.fill = PatternFill(fill_type=None)


def _locate(
    wb: Workbook, f: Finding, titles: dict[str, str]
) -> tuple[Worksheet, int, int | None] | None:
    """The sheet, row and column index (None: whole row) of a finding, or None: list only."""
    from openpyxl.utils import column_index_from_string

    if f.row is None or f.row < 1:
        return None
    if f.sheet is None:
        ws = wb.worksheets[0] if wb.worksheets else None
    else:
        title = titles.get(f.sheet) or titles.get(f.sheet.strip())
        ws = wb[title] if title in wb.sheetnames else None
    if ws is None:
        return None
    col = None
    if f.column:
        try:
            col = column_index_from_string(f.column.strip().upper())
        except ValueError:
            return None
    return ws, f.row, col


def _mark_cells(
    wb: Workbook, findings: Sequence[Finding], titles: dict[str, str]
) -> dict[int, tuple[str, str]]:
    """Fill and comment every locatable finding; return finding index → (sheet title, cell)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill, Protection
    from openpyxl.utils import get_column_letter

    fills = {s: PatternFill("solid", fgColor=c, bgColor=c) for s, c in _SEVERITY_FILL.items()}
    by_cell: dict[tuple[str, int, int], list[Finding]] = {}
    row_wide: dict[tuple[str, int], Severity] = {}
    placed: dict[int, tuple[str, str]] = {}
    for i, f in enumerate(findings):
        where = _locate(wb, f, titles)
        if where is None:
            continue
        ws, row, col = where
        r, c = _anchor(ws, row, col or 1)
        by_cell.setdefault((ws.title, r, c), []).append(f)
        placed[i] = (ws.title, f"{get_column_letter(c)}{r}")
        if col is None:
            prev = row_wide.get((ws.title, row))
            row_wide[(ws.title, row)] = _worst(prev, f.severity)

    for (title, row), severity in row_wide.items():
        ws = wb[title]
        last = min(max(ws.max_column, 1), _MAX_ROW_FILL_COLUMNS)
        for c in range(1, last + 1):
            r, c2 = _anchor(ws, row, c)
            cell = ws.cell(row=r, column=c2)
            if not _has_fill(cell, ERROR_FILL):
                cell.fill = fills[severity]

    for (title, r, c), cell_findings in by_cell.items():
        ws = wb[title]
        cell = ws.cell(row=r, column=c)
        severity = Severity.ERROR
        if all(f.severity == Severity.WARNING for f in cell_findings):
            severity = Severity.WARNING
        cell.fill = fills[severity]
        if ws.protection.sheet:
            # the district must be able to correct the cell even if the template locked it
            cell.protection = Protection(locked=False, hidden=cell.protection.hidden)
        text = _comment_text(cell_findings)
        old = cell.comment
        if old is not None and old.author != AUTHOR and old.text:
            text = f"{text}\n\n（原批注）{old.text}"
        width, height = _comment_size(text)
        cell.comment = Comment(text, AUTHOR, height=height, width=width)
    return placed


def _anchor(ws: Worksheet, row: int, col: int) -> tuple[int, int]:
    """The top-left cell of the merged range holding (row, col), or the cell itself."""
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.min_row, rng.min_col
    return row, col


def _worst(a: Severity | None, b: Severity) -> Severity:
    return Severity.ERROR if Severity.ERROR in (a, b) else Severity.WARNING


def _has_fill(cell: Cell, color: str) -> bool:
    rgb = cell.fill.fgColor.rgb if cell.fill is not None else None
    return isinstance(rgb, str) and rgb.upper().endswith(color)


def _comment_text(findings: Sequence[Finding]) -> str:
    """One comment for all findings on a cell: severity, column, rule, the value seen."""
    seen: set[tuple[str, str, str | None]] = set()
    unique = []
    for f in findings:
        key = (f.code, f.message, f.value)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    lines = [f"{AUTHOR}："]
    for n, f in enumerate(unique, start=1):
        number = f"{n}. " if len(unique) > 1 else ""
        label = f"{f.field}：" if f.field else ""
        lines.append(f"{number}【{SEVERITY_LABEL[f.severity]}】{label}{_clean(f.message)}")
        lines.append(f"填报内容：{_quote(f.value)}")
    return "\n".join(lines)


def _comment_size(text: str) -> tuple[int, int]:
    """Width and height (px) of a comment box that shows ``text`` without scrolling."""
    px_per_unit = 6.5  # one half-width character at the default 9 pt comment font
    longest = max((_text_width(line) for line in text.splitlines()), default=10)
    width = int(min(max(longest * px_per_unit + 16, 180), 420))
    per_line = max(int((width - 16) / px_per_unit), 1)
    lines = sum(max(math.ceil(_text_width(line) / per_line), 1) for line in text.splitlines())
    return width, int(lines * 16 + 14)


# ---------------------------------------------------------------------------- 问题清单


def _add_list_sheet(
    wb: Workbook,
    findings: Sequence[Finding],
    placed: dict[int, tuple[str, str]],
    titles: dict[str, str],
    *,
    summary: str,
    file_name: str,
    note: str | None = None,
) -> None:
    """Insert 问题清单 as the first, active sheet: summary, legend, one row per finding.

    ``note`` (a converted copy of a web page, XML or CSV source) goes before the summary,
    on the first line."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws = wb.create_sheet(FEEDBACK_SHEET, 0)
    for other in wb.worksheets[1:]:
        view = getattr(other, "sheet_view", None)  # chart sheets have none
        if view is not None:
            view.tabSelected = False  # two selected tabs would open as a group
    wb.active = 0
    ws.sheet_view.tabSelected = True

    if note:
        summary = f"{note}。{summary}"
    _put_text(ws.cell(row=1, column=1), summary)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    _put_text(ws.cell(row=2, column=1), f"报送文件：{_clean(file_name)}")
    ws.cell(
        row=3,
        column=1,
        value=(
            "红色底纹为错误（该行相关数据不计入统计，须修改），黄色底纹为提醒（请核实）；"
            "鼠标移到标色单元格上可看批注，点击“行”可跳到该单元格。可直接在本文件中修改后重新报送（本表可删除）。"
        ),
    ).font = Font(color="595959")

    thin = Side(style="thin", color="A6A6A6")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="D9E1F2")
    for c, label in enumerate(LIST_HEADER, start=1):
        cell = ws.cell(row=LIST_HEADER_ROW, column=c, value=label)
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for c, width in enumerate(LIST_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width

    fills = {s: PatternFill("solid", fgColor=c) for s, c in _SEVERITY_FILL.items()}
    link_font = Font(color="0563C1", underline="single")
    top_wrap = Alignment(vertical="top", wrap_text=True)
    top_center = Alignment(vertical="top", horizontal="center")
    order = sorted(range(len(findings)), key=lambda i: _list_key(findings[i], i, wb, titles))
    for n, i in enumerate(order):
        f = findings[i]
        r = LIST_HEADER_ROW + 1 + n
        where = placed.get(i)
        sheet = where[0] if where else (f.sheet or "")
        values = (
            SEVERITY_LABEL[f.severity],
            sheet,
            f.row,
            f.column.strip().upper() if f.column else None,
            f.field or "",
            _quote(f.value, empty=""),
            _clean(f.message),
            f.code,
        )
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str):
                _put_text(cell, value)
            else:
                cell.value = value
            cell.border = border
            cell.alignment = top_center if c in (1, 3, 4) else top_wrap
        ws.cell(row=r, column=1).fill = fills[f.severity]
        if where:
            title, coord = where
            link = ws.cell(row=r, column=3)
            link.hyperlink = Hyperlink(
                ref=link.coordinate, location=f"'{title.replace(chr(39), chr(39) * 2)}'!{coord}"
            )
            link.font = link_font
        ws.row_dimensions[r].height = _row_height(values)

    last = LIST_HEADER_ROW + len(findings)
    ws.freeze_panes = ws.cell(row=LIST_HEADER_ROW + 1, column=1)
    if findings:
        ws.auto_filter.ref = f"A{LIST_HEADER_ROW}:{get_column_letter(len(LIST_HEADER))}{last}"
    ws.print_title_rows = f"{LIST_HEADER_ROW}:{LIST_HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _list_key(f: Finding, i: int, wb: Workbook, titles: dict[str, str]) -> tuple:
    """Whole-file findings first, then by sheet order, row, column; input order otherwise."""
    from openpyxl.utils import column_index_from_string

    order = {t: n for n, t in enumerate(wb.sheetnames)}
    sheet_pos = order.get(titles.get(f.sheet or "", ""), len(order))
    try:
        col = column_index_from_string(f.column.strip().upper()) if f.column else 0
    except ValueError:
        col = 0
    if f.row is None:
        return (0, sheet_pos, 0, col, i)
    return (1, sheet_pos, f.row, col, i)


def _row_height(values: Sequence[Any]) -> float:
    """Rows of 问题清单 tall enough for the wrapped text (Excel does not grow them itself)."""
    lines = 1
    for value, width in zip(values, LIST_WIDTHS, strict=True):
        if isinstance(value, str) and value:
            per_line = max(width - 1, 1)
            n = sum(max(math.ceil(_text_width(p) / per_line), 1) for p in value.splitlines())
            lines = max(lines, n)
    return 15.0 * lines + 3


# ---------------------------------------------------------------------------- rejection note


def write_rejection_note(
    out_path: Path,
    *,
    file_name: str,
    reason: str,
    district: str | None,
    month: str | None,
) -> Path:
    """Write a one-sheet .xlsx telling the district why ``file_name`` was refused whole.

    ``reason`` is the Chinese explanation (e.g. 文件设有打开密码，无法读取). Returns the path
    written (suffix .xlsx; the folder is created).
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font

    out_path = _xlsx_path(out_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = REJECTION_SHEET
    who = " ".join(p for p in (district or "", _month_label(month)) if p)
    title = f"{who}：文件未能受理，请处理后重新报送" if who else "文件未能受理，请处理后重新报送"
    _put_text(ws.cell(row=1, column=1), title)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    rows = (
        ("文件", _clean(file_name)),
        ("县区", district or "未识别"),
        ("月份", _month_label(month) or "未识别"),
        ("原因", _clean(reason)),
        ("怎么办", _GUIDANCE),
    )
    label_font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for n, (label, text) in enumerate(rows, start=3):
        head = ws.cell(row=n, column=1, value=label)
        head.font = label_font
        head.alignment = Alignment(vertical="top")
        cell = ws.cell(row=n, column=2)
        _put_text(cell, text)
        cell.alignment = wrap
        lines = sum(max(math.ceil(_text_width(p) / 78), 1) for p in text.splitlines() or [""])
        ws.row_dimensions[n].height = 15.0 * lines + 4
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 80
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    _save(wb, out_path)
    return out_path


# ---------------------------------------------------------------------------- helpers


def _xlsx_path(out_path: Path) -> Path:
    out_path = Path(out_path)
    return (
        out_path
        if out_path.suffix.lower() == ".xlsx"
        else out_path.with_name(out_path.name + ".xlsx")
    )


def _save(wb: Workbook, out_path: Path) -> None:
    """Save through a temporary file so a half-written workbook never takes the name."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        wb.save(tmp)
        os.replace(tmp, out_path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _clean(text: Any) -> str:
    """``text`` as a string openpyxl accepts: control characters removed."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", str(text))


def _put_text(cell: Cell, text: str) -> None:
    """Write ``text`` as a string cell, even when it starts with ``=`` (never a formula)."""
    cell.value = _clean(text)
    cell.data_type = "s"


def _quote(value: str | None, *, empty: str = "（空）") -> str:
    if value is None or str(value).strip() == "":
        return empty
    text = _clean(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[:_MAX_VALUE_CHARS] + "…"


def _display(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text_width(text: str) -> int:
    """Display width in half-width characters: CJK and full-width forms count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


# ---------------------------------------------------------------------------- in the background


@dataclass(frozen=True, slots=True)
class FeedbackJob:
    """One workbook to write: a feedback copy of ``source`` (``findings`` given), or a
    rejection note (``source`` None). Plain data, so that it can go to another process."""

    out_path: Path
    file_name: str
    district: str | None
    month: str | None
    source: Path | None = None
    findings: tuple[Finding, ...] = ()
    table_label: str = ""
    reason: str = ""
    #: the source's bytes when it is no file of its own (a member of a zip, an attachment)
    source_data: bytes | None = None


def write_job(job: FeedbackJob) -> Path:
    """Write the workbook ``job`` describes; return its path."""
    if job.source is None and job.source_data is None:
        return write_rejection_note(
            job.out_path,
            file_name=job.file_name,
            reason=job.reason,
            district=job.district,
            month=job.month,
        )
    source = job.source_data if job.source_data is not None else job.source
    assert source is not None
    return write_feedback(
        source,
        job.findings,
        job.out_path,
        district=job.district or "",
        month=job.month or "",
        table_label=job.table_label,
        file_name=job.file_name,
    )


class FeedbackWriter:
    """Writes feedback jobs in another process while the caller goes on collecting.

    openpyxl is pure Python (~0.1 s a workbook, ~0.2 s to import): in another process
    it runs on the second core instead of holding up the ledger. That is collect's
    worker process when there is one (``pool``), else a process of our own, started
    ("spawn", the only start method on Windows) on the first job, so a run without
    findings never pays for it. Whenever the process cannot start or dies, the job is
    written in this process instead. :meth:`results` waits for every job.
    """

    def __init__(self, pool: Any = None, *, in_process: bool = False) -> None:
        """``pool``: an executor whose processes are already running (collect's worker,
        set up with :func:`_worker_init`) to write the jobs in; it is the lender's to
        shut down. Without it a process of our own is started on the first job, unless
        ``in_process`` (already in a worker): then :meth:`results` writes them here."""
        self._pool: Any = pool
        self._borrowed = pool is not None
        self._in_process = in_process  # (or the pool failed once): write them here
        self._jobs: list[tuple[FeedbackJob, Any]] = []  # (job, Future or None)
        self._withdrawn: set[int] = set()  # indexes in _jobs

    def submit(self, job: FeedbackJob) -> None:
        self._jobs.append((job, self._start(job)))

    def withdraw(self, out_path: Path) -> None:
        """Undo the jobs writing ``out_path`` so far (the file has nothing to report after
        all): the workbook is removed once they are done, and :meth:`results` gives None
        for them."""
        self.wait_for(out_path)
        for i, (job, _future) in enumerate(self._jobs):
            if job.out_path == out_path:
                self._withdrawn.add(i)
        for path in (out_path, _xlsx_path(out_path)):
            path.unlink(missing_ok=True)

    def wait_for(self, out_path: Path) -> None:
        """Wait until the jobs writing ``out_path`` so far are done (a later job for the
        same workbook must not run beside them). Their outcome is read by :meth:`results`."""
        from concurrent.futures import wait

        pending = [f for job, f in self._jobs if f is not None and job.out_path == out_path]
        if pending:
            wait(pending)

    def _start(self, job: FeedbackJob) -> Any:
        if self._in_process:
            return None
        try:
            if self._pool is None:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_init,
                )
            return self._pool.submit(write_job, job)
        except Exception:  # no process (a frozen app, resource limits): write it here
            self._in_process = True
            return None

    def results(self) -> list[tuple[FeedbackJob, Path | BaseException | None]]:
        """Each job in submission order with the path written, or the exception raised;
        None for a job withdrawn."""
        out: list[tuple[FeedbackJob, Path | BaseException | None]] = []
        if not self._jobs:
            return out
        from concurrent.futures import CancelledError
        from concurrent.futures.process import BrokenProcessPool

        try:
            for i, (job, future) in enumerate(self._jobs):
                written: Path | BaseException | None
                if i in self._withdrawn:
                    out.append((job, None))
                    continue
                try:
                    if future is not None:
                        try:
                            written = future.result()
                        except (BrokenProcessPool, CancelledError):
                            # the process died (or its pool was stopped): redo it here
                            self._in_process = True
                            written = write_job(job)
                    else:
                        written = write_job(job)
                except Exception as exc:
                    written = exc
                out.append((job, written))
        finally:
            self.close()
        return out

    def close(self) -> None:
        """Stop the process (jobs not yet done are dropped; a borrowed pool is left to
        its lender)."""
        self._jobs = []
        self._withdrawn = set()
        if self._pool is not None and not self._borrowed:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None


def _worker_init() -> None:
    """Set up the feedback process: Ctrl-C is the parent's business, and numpy stays out.

    openpyxl imports numpy when it is installed (pandas brings it), only to accept numpy
    numbers as cell values; feedback never writes any, and the import costs ~0.14 s.
    """
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.modules.setdefault("numpy", None)  # type: ignore[arg-type]
