"""The blank monthly workbooks (附件2 谋划, 附件3 在建) sent to each district.

One workbook per (district, month, table). Layout of the project sheet (first sheet):

- row 1 (:data:`TITLE_ROW`): the notice's title, e.g. 铜陵市2020年工业谋划项目表;
- row 2: 填报单位 (district), 报送月份 and the 注：每月25日前报 note;
- row 3 (:data:`HEADER_ROW`): the notice's header row, word for word;
- rows 4 … 203 (:data:`FIRST_DATA_ROW`, :data:`INPUT_ROWS`): prepared input rows with
  drop-downs, number checks with Chinese prompts, number formats and wrapped text.

A prefilled template (``rows``, see :mod:`gongjian_cli.year.prefill`) has last month's
rows in the first input rows, editable, 序号 renumbered and 2020年完成投资 blank, and
after the notice's columns: for 附件3 a locked, grey reference column with last month's
2020年完成投资 (:data:`~gongjian_cli.schema.PREVIOUS_COMPLETED_HEADER`), then a hidden,
locked column with each row's project key (:data:`~gongjian_cli.schema.PROJECT_KEY_HEADER`).
The autofilter spans the key column, so sorting keeps each key on its row. Everything
else is the blank template's.

Rows 1–3 are locked and the sheet is protected without a password (so a clerk can
still lift it), leaving row insertion/deletion, sorting and the autofilter usable.
A second visible sheet 填报说明 explains how to fill in the table; a hidden sheet
(:data:`gongjian_cli.metadata.META_SHEET`), document properties and defined names
identify the workbook (see :mod:`gongjian_cli.metadata`).
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gongjian_cli.errors import GongjianError, UsageError
from gongjian_cli.metadata import (
    META_KEY_LABELS,
    META_PREFIX,
    META_SHEET,
    META_SHEET_NOTE,
    meta_values,
)
from gongjian_cli.month import Month
from gongjian_cli.schema import (
    COLUMNS,
    DEADLINE_NOTE,
    PLANNED_MIN_TOTAL,
    PREVIOUS_COMPLETED_HEADER,
    PROJECT_KEY_HEADER,
    REGISTERED_CHOICES,
    REGISTERED_MIN_TOTAL,
    START_CHOICES,
    TABLE_ATTACHMENT,
    TABLE_SHORT,
    TABLE_TITLE,
    TEMPLATE_VERSION,
    WAN_PER_YI,
    Column,
    Table,
)
from gongjian_cli.targets import Targets

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

    from gongjian_cli.year.prefill import PrefillRow

__all__ = [
    "FIRST_DATA_ROW",
    "HEADER_ROW",
    "INPUT_ROWS",
    "INSTRUCTIONS_SHEET",
    "META_SHEET",
    "TITLE_ROW",
    "WrittenTemplate",
    "aux_columns",
    "build_template",
    "check_request",
    "init_templates",
    "sheet_name",
    "template_filename",
    "write_templates",
]

TITLE_ROW = 1  # Excel rows are 1-based here; xlsxwriter calls take row - 1
INFO_ROW = 2
HEADER_ROW = 3
FIRST_DATA_ROW = 4
INPUT_ROWS = 200
LAST_DATA_ROW = FIRST_DATA_ROW + INPUT_ROWS - 1
#: Empty input rows a prefilled template keeps below its rows at the least (for new
#: projects) when the rows would not leave that many of the :data:`INPUT_ROWS`.
SPARE_ROWS = 50

INSTRUCTIONS_SHEET = "填报说明"
AMOUNT_FORMAT = "#,##0.00"
FONT = "宋体"

_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\s]+')


def sheet_name(table: Table) -> str:
    """The project sheet's name, e.g. ``附件2 谋划项目``."""
    return f"{TABLE_ATTACHMENT[table]} {TABLE_SHORT[table]}项目"


def table_title(targets: Targets, table: Table) -> str:
    """The notice's title of ``table``, e.g. ``铜陵市2020年工业谋划项目表``."""
    return TABLE_TITLE[table].format(city=targets.city, year=targets.year)


def deadline_note(targets: Targets) -> str:
    """``注：每月25日前报`` (with the targets file's deadline day)."""
    return DEADLINE_NOTE.replace("25", str(targets.deadline_day))


def info_line(targets: Targets, district: str, month: Month) -> str:
    """Row 2: ``填报单位：经开区　　报送月份：2020年5月　　注：每月25日前报``."""
    return f"填报单位：{district}　　报送月份：{month.label}　　{deadline_note(targets)}"


def template_filename(targets: Targets, district: str, month: Month, table: Table) -> str:
    """``附件2-铜陵市2020年工业谋划项目表-经开区-2020年05月.xlsx``."""
    safe_district = _UNSAFE_IN_FILENAME.sub("_", district)
    return (
        f"{TABLE_ATTACHMENT[table]}-{table_title(targets, table)}-{safe_district}"
        f"-{month.chinese}.xlsx"
    )


@dataclass(frozen=True, slots=True)
class WrittenTemplate:
    """One workbook :func:`write_templates` wrote: where, for whom, and how many rows it
    was prefilled with (0: blank) from which month's table (None: blank)."""

    path: Path
    district: str
    table: Table
    rows: int = 0
    source_month: str | None = None


def check_request(
    out_dir: Path, *, targets: Targets, month: Month, districts: Sequence[str] | None = None
) -> list[str]:
    """The district names to write templates for; UsageError when ``out_dir`` (or a
    folder above it) is a file, a district is unknown or ``month`` lies outside the
    targets year. Writes nothing: the CLI checks before it issues keys."""
    for place in (out_dir, *out_dir.parents):
        if place.exists() and not place.is_dir():
            raise UsageError(
                f"输出位置“{place}”已存在且是一个文件，不是文件夹；请用 --out 指定文件夹"
            )
    if month.year != targets.year:
        raise UsageError(f"月份 {month} 不在目标任务文件的年度（{targets.year}年）内")
    if districts is None:
        return list(targets.district_names)
    return list(dict.fromkeys(targets.require_district(d) for d in districts))


def init_templates(
    out_dir: Path,
    *,
    targets: Targets,
    month: Month,
    districts: Sequence[str] | None = None,
    prefill: Mapping[tuple[str, Table], Sequence[PrefillRow]] | None = None,
) -> list[Path]:
    """Write 附件2 and 附件3 for each district into ``out_dir``; the paths written.

    See :func:`write_templates`, which says for each file what it was prefilled with.
    """
    return [
        w.path
        for w in write_templates(
            out_dir, targets=targets, month=month, districts=districts, prefill=prefill
        )
    ]


def write_templates(
    out_dir: Path,
    *,
    targets: Targets,
    month: Month,
    districts: Sequence[str] | None = None,
    prefill: Mapping[tuple[str, Table], Sequence[PrefillRow]] | None = None,
) -> list[WrittenTemplate]:
    """Write 附件2 and 附件3 for each district into ``out_dir``; what was written.

    ``districts`` (names or aliases) limits the districts; None means all of the
    targets file. ``prefill`` maps (district, table) to the rows that template is
    prefilled with (:func:`gongjian_cli.year.prefill.prefill_templates`); a template
    not in it, or with no rows, is blank. UsageError when ``out_dir`` is a file, a
    district is unknown or ``month`` lies outside the targets year. Existing files of
    the same name are replaced (each file is written beside its final name, then moved
    into place).
    """
    out_dir = Path(out_dir)
    names = check_request(out_dir, targets=targets, month=month, districts=districts)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建输出文件夹“{out_dir}”：{exc.strerror or exc}") from exc

    written = []
    for district in names:
        for table in Table:
            path = out_dir / template_filename(targets, district, month, table)
            rows = list((prefill or {}).get((district, table)) or ())
            build_template(
                path, targets=targets, district=district, month=month, table=table, rows=rows
            )
            source = rows[0].month if rows else None
            written.append(WrittenTemplate(path, district, table, len(rows), source))
    return written


def build_template(
    path: Path,
    *,
    targets: Targets,
    district: str,
    month: Month,
    table: Table,
    rows: Sequence[PrefillRow] | None = None,
) -> Path:
    """Write one workbook for (district, month, table) to ``path``; returns ``path``.

    Blank, or prefilled with ``rows`` (last month's projects, each with its project
    key; see the module docstring). GongjianError when the file cannot be written (e.g.
    it is open in Excel on Windows).
    """
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    wb = xlsxwriter.Workbook(
        str(tmp),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    try:
        fmt = _formats(wb)
        rows = list(rows or ())
        _project_sheet(
            wb, fmt, targets=targets, district=district, month=month, table=table, rows=rows
        )
        _instructions_sheet(
            wb, fmt, targets=targets, district=district, month=month, table=table, rows=rows
        )
        _write_metadata(wb, fmt, targets=targets, district=district, month=month, table=table)
        wb.close()
        tmp.replace(path)
    except (OSError, FileCreateError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise GongjianError(
            f"无法写入“{path}”：{reason}（该文件是否正被 Excel/WPS 打开？）"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return path


# --- formats -------------------------------------------------------------------------


def _formats(wb: Workbook) -> dict[str, Any]:
    base = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
    cell = {**base, "text_wrap": True, "locked": False}
    return {
        "title": wb.add_format(
            {**base, "font_size": 16, "bold": True, "align": "center", "locked": True}
        ),
        "info": wb.add_format({**base, "align": "left", "locked": True}),
        "header": wb.add_format(
            {
                **base,
                "bold": True,
                "align": "center",
                "text_wrap": True,
                "border": 1,
                "bg_color": "#D9E1F2",
                "locked": True,
            }
        ),
        "text": wb.add_format({**cell, "align": "left"}),
        "center": wb.add_format({**cell, "align": "center"}),
        "amount": wb.add_format({**cell, "num_format": AMOUNT_FORMAT, "align": "right"}),
        # drawn only on rows that hold something, so a blank template prints one page
        "filled_row": wb.add_format({"border": 1}),
        "problem": wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1}),
        "doc_title": wb.add_format(
            {**base, "font_size": 14, "bold": True, "align": "left", "locked": True}
        ),
        "doc_head": wb.add_format({**base, "bold": True, "text_wrap": True, "locked": True}),
        "doc_text": wb.add_format({**base, "text_wrap": True, "valign": "top", "locked": True}),
        "meta": wb.add_format({"num_format": "@", "locked": True}),
        # a prefilled template's reference column (last month's figure): grey, locked
        "reference_header": wb.add_format(
            {
                **base,
                "align": "center",
                "text_wrap": True,
                "border": 1,
                "bg_color": "#EDEDED",
                "font_color": "#595959",
                "font_size": 10,
                "locked": True,
            }
        ),
        "reference_column": wb.add_format(
            {**base, "num_format": AMOUNT_FORMAT, "align": "right", "locked": True}
        ),
        "reference": wb.add_format(
            {
                **base,
                "num_format": AMOUNT_FORMAT,
                "align": "right",
                "bg_color": "#F2F2F2",
                "font_color": "#595959",
                "italic": True,
                "locked": True,
            }
        ),
        # the hidden key column
        "key": wb.add_format({"num_format": "@", "locked": True}),
    }


def _cell_format(fmt: dict[str, Any], col: Column) -> Any:
    if col.amount:
        return fmt["amount"]
    if col.key in {"seq", "region", "start", "registered", "unit_leader"}:
        return fmt["center"]
    return fmt["text"]


# --- the project sheet ------------------------------------------------------------


def aux_columns(table: Table, *, prefilled: bool) -> dict[str, int]:
    """The columns a prefilled template adds after the notice's: header → 0-based index.

    附件3: the reference column (last month's 2020年完成投资), then the key column;
    附件2: the key column. {} for a blank template.
    """
    if not prefilled:
        return {}
    n = len(COLUMNS[table])
    if table is Table.CONSTRUCTION:
        return {PREVIOUS_COMPLETED_HEADER: n, PROJECT_KEY_HEADER: n + 1}
    return {PROJECT_KEY_HEADER: n}


REFERENCE_WIDTH = 18
KEY_WIDTH = 16


def _project_sheet(
    wb: Workbook,
    fmt: dict[str, Any],
    *,
    targets: Targets,
    district: str,
    month: Month,
    table: Table,
    rows: Sequence[PrefillRow] = (),
) -> Worksheet:
    ws = wb.add_worksheet(sheet_name(table))
    cols = COLUMNS[table]
    last_col = len(cols) - 1
    aux = aux_columns(table, prefilled=bool(rows))
    ref_col = aux.get(PREVIOUS_COMPLETED_HEADER)
    key_col = aux.get(PROJECT_KEY_HEADER)
    last_visible = last_col if ref_col is None else ref_col
    last_any = max([last_col, *aux.values()])
    input_rows = max(INPUT_ROWS, len(rows) + SPARE_ROWS)
    first, last = FIRST_DATA_ROW - 1, FIRST_DATA_ROW - 1 + input_rows - 1  # 0-based

    ws.merge_range(
        TITLE_ROW - 1, 0, TITLE_ROW - 1, last_visible, table_title(targets, table), fmt["title"]
    )
    ws.set_row(TITLE_ROW - 1, 30)
    ws.merge_range(
        INFO_ROW - 1,
        0,
        INFO_ROW - 1,
        last_visible,
        info_line(targets, district, month),
        fmt["info"],
    )
    ws.set_row(INFO_ROW - 1, 22)
    ws.set_row(HEADER_ROW - 1, 36)
    for c, col in enumerate(cols):
        ws.write_string(HEADER_ROW - 1, c, col.label(targets.year), fmt["header"])
        cell_fmt = _cell_format(fmt, col)
        ws.set_column(c, c, col.width, cell_fmt)
        for i, r in enumerate(range(first, last + 1)):
            value = _prefilled_value(rows[i], col, i) if i < len(rows) else None
            if value is None:
                ws.write_blank(r, c, None, cell_fmt)
            elif isinstance(value, str):
                ws.write_string(r, c, value, cell_fmt)
            else:
                ws.write_number(r, c, value, cell_fmt)
        _validate(ws, c, col, table=table, targets=targets, first=first, last=last)
    for i, row in enumerate(rows):
        height = _row_height(row, cols)
        if height is not None:
            ws.set_row(first + i, height)
    if ref_col is not None:
        ws.write_string(HEADER_ROW - 1, ref_col, PREVIOUS_COMPLETED_HEADER, fmt["reference_header"])
        ws.set_column(ref_col, ref_col, REFERENCE_WIDTH, fmt["reference_column"])
        for i, row in enumerate(rows):
            previous = row.previous_completed
            if previous is None:
                ws.write_blank(first + i, ref_col, None, fmt["reference"])
            elif isinstance(previous, str):
                ws.write_string(first + i, ref_col, previous, fmt["reference"])
            else:
                ws.write_number(first + i, ref_col, previous, fmt["reference"])
    if key_col is not None:
        ws.write_string(HEADER_ROW - 1, key_col, PROJECT_KEY_HEADER, fmt["key"])
        ws.set_column(key_col, key_col, KEY_WIDTH, fmt["key"], {"hidden": True})
        for i, row in enumerate(rows):
            if row.key is not None:
                ws.write_string(first + i, key_col, row.key, fmt["key"])

    # problems first: LibreOffice applies only the first matching one of overlapping rules
    _problem_highlights(ws, fmt, table=table, first=first, last=last)
    ws.conditional_format(
        first,
        0,
        last,
        last_visible,
        {
            "type": "formula",
            "criteria": f"=COUNTA($A{FIRST_DATA_ROW}:${_col_letter(last_col)}{FIRST_DATA_ROW})>0",
            "format": fmt["filled_row"],
        },
    )

    ws.freeze_panes(FIRST_DATA_ROW - 1, 0)
    # over the key column too: sorting moves each row's key with it
    ws.autofilter(HEADER_ROW - 1, 0, last, last_any)

    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    ws.repeat_rows(0, HEADER_ROW - 1)  # title, info and header on every page
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer(f"&C{district} {month.label} {TABLE_ATTACHMENT[table]}　第 &P 页，共 &N 页")
    ws.hide_gridlines(1)  # gridlines on screen, not on paper

    ws.protect(
        "",
        {
            "insert_rows": True,
            "delete_rows": True,
            "sort": True,
            "autofilter": True,
            "format_columns": True,
            "format_rows": True,
            "format_cells": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )
    ws.activate()
    ws.set_first_sheet()
    return ws


def _prefilled_value(row: PrefillRow, col: Column, index: int) -> str | float | None:
    """What a prefilled row shows in ``col``: 序号 renumbered from 1, 2020年完成投资 blank
    (the district updates it), the other columns as :mod:`gongjian_cli.year.prefill` read
    them (None: blank)."""
    if col.key == "seq":
        return index + 1
    if col.key == "completed":
        return None
    value = row.values.get(col.key)
    if value is None or isinstance(value, str):
        return value or None
    return float(value)


LINE_HEIGHT = 14.5  # points per line of 11 pt 宋体


def _row_height(row: PrefillRow, cols: Sequence[Column]) -> float | None:
    """The height of a prefilled row whose text wraps onto several lines (None: one line,
    the default height). LibreOffice does not size rows written by xlsxwriter to their
    wrapped text (its PDF showed a long 建设规模与内容 over the next row), so the height is
    estimated from the text as Excel lays it out in 宋体 (a CJK character two widths of
    "0"); a clerk who lengthens a text later adjusts the row as in any sheet."""
    lines = 1
    for col in cols:
        value = row.values.get(col.key)
        if isinstance(value, str) and value:
            per_line = max(col.width - 1, 2)  # half-width characters a line holds
            need = sum(math.ceil(_text_width(part) / per_line) or 1 for part in value.split("\n"))
            lines = max(lines, need)
    return None if lines == 1 else round(lines * LINE_HEIGHT + 3, 1)


def _text_width(text: str) -> int:
    """Display width in half-width characters: CJK and full-width forms count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _col_letter(index: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(index)


def _validate(
    ws: Worksheet, c: int, col: Column, *, table: Table, targets: Targets, first: int, last: int
) -> None:
    """Drop-downs and number checks with Chinese prompts on one input column."""
    year = targets.year
    options: dict[str, Any] | None = None
    if col.key == "region":
        options = _list_options(
            targets.district_names,
            "所属区域",
            f"请从下拉列表选择项目所在县区：{'、'.join(targets.district_names)}。",
        )
    elif col.key == "registered":
        options = _list_options(
            REGISTERED_CHOICES,
            "是否入库",
            "已纳入市统计局固定资产投资统计库填“是”，未入库填“否”。"
            f"统计入库项目总投资原则上不低于{REGISTERED_MIN_TOTAL}万元。",
        )
    elif col.key == "start":
        options = _list_options(
            START_CHOICES,
            "开竣工情况",
            f"请从下拉列表选择：新开工＝{year}年新开工；续建＝{year}年以前已开工、今年继续建设；"
            "已于今年竣工的选“（已竣工）”项；尚未开工选“未开工”。",
        )
    elif col.key == "total" and table is Table.PLANNED:
        options = _decimal_options(
            PLANNED_MIN_TOTAL,
            "总投资（万元）",
            f"单位：万元，只填数字（1.5亿元填15000）。谋划项目总投资不低于1亿元（{PLANNED_MIN_TOTAL}万元）。",
            f"谋划项目总投资应为不低于{PLANNED_MIN_TOTAL}的数字（单位万元，1亿元＝{WAN_PER_YI}万元）。"
            "请只填数字，不要带“万元”“亿元”等文字。",
        )
    elif col.key == "total":
        options = _decimal_options(
            0,
            "总投资（万元）",
            "单位：万元，只填数字（1.5亿元填15000）。总投资1亿元（10000万元）以上为重点项目。",
            "总投资应为不小于0的数字（单位万元）。请只填数字，不要带“万元”“亿元”等文字。",
        )
    elif col.key == "completed":
        options = _decimal_options(
            0,
            f"{year}年完成投资（万元）",
            f"单位：万元，只填数字。填{year}年1月至报送月累计完成投资，不得大于总投资；未完成填0。",
            "完成投资应为不小于0的数字（单位万元）。请只填数字，不要带“万元”“亿元”等文字。",
        )
    if options is not None:
        ws.data_validation(first, c, last, c, options)


def _list_options(choices: Sequence[str], title: str, message: str) -> dict[str, Any]:
    return {
        "validate": "list",
        "source": list(choices),
        "input_title": title,
        "input_message": message,
        "error_title": f"{title}填写有误",
        "error_message": f"请从下拉列表中选择：{'、'.join(choices)}。",
        "error_type": "stop",
    }


def _decimal_options(minimum: float, title: str, message: str, error: str) -> dict[str, Any]:
    return {
        "validate": "decimal",
        "criteria": ">=",
        "value": minimum,
        "input_title": title,
        "input_message": message,
        "error_title": f"{title}填写有误",
        "error_message": error,
        "error_type": "stop",
    }


def _problem_highlights(
    ws: Worksheet, fmt: dict[str, Any], *, table: Table, first: int, last: int
) -> None:
    """Red fill on values the bureau will reject (pasting bypasses the validations)."""
    cols = {col.key: _col_letter(i) for i, col in enumerate(COLUMNS[table])}
    row = FIRST_DATA_ROW
    rules: list[tuple[str, str]] = []
    if table is Table.PLANNED:
        t = f"{cols['total']}{row}"
        rules.append((cols["total"], f"=AND(ISNUMBER({t}),{t}<{PLANNED_MIN_TOTAL})"))
    else:
        t, done = f"{cols['total']}{row}", f"{cols['completed']}{row}"
        reg = f"{cols['registered']}{row}"
        rules.append((cols["completed"], f"=AND(ISNUMBER({t}),ISNUMBER({done}),{done}>{t})"))
        rules.append(
            (cols["registered"], f'=AND({reg}="是",ISNUMBER({t}),{t}<{REGISTERED_MIN_TOTAL})')
        )
    for letter, formula in rules:
        ws.conditional_format(
            f"{letter}{first + 1}:{letter}{last + 1}",
            {"type": "formula", "criteria": formula, "format": fmt["problem"]},
        )


# --- 填报说明 -------------------------------------------------------------------------


def instructions(
    targets: Targets,
    district: str,
    month: Month,
    table: Table,
    rows: Sequence[PrefillRow] = (),
) -> list[str]:
    """The lines of the 填报说明 sheet; lines starting with ``#`` are headings.

    A prefilled template (``rows``) says first, in two lines, where its rows come from,
    what to update, and to keep the hidden key column and every project listed.
    """
    year = targets.year
    sheet = sheet_name(table)
    title = table_title(targets, table)
    day = targets.deadline_day
    lines = [
        f"#{TABLE_ATTACHMENT[table]} {title} 填报说明",
        f"本工作簿是{district}{month.label}报送用的《{title}》模板。"
        f"请于{month.year}年{month.month}月{day}日前报领导小组办公室（工业投资科）。",
        *_prefill_lines(targets, table, rows),
        "#一、怎么填",
        f"1. 在“{sheet}”工作表第{FIRST_DATA_ROW}行起逐行填写，每个项目占一行，行数不够时右键“插入行”。",
        "2. 不要修改第1-3行的标题、填报单位和表头，不要修改工作表名称，不要删除或改动隐藏的"
        f"“{META_SHEET}”工作表：程序据此识别县区、月份和表别。",
        "3. 金额单位一律为万元，只填数字，不要带“万元”“亿元”等文字；1.5亿元填 15000。",
        "4. 项目名称和总投资必须填写；序号按 1、2、3……顺序填写。不需要填写合计行，"
        "表内不要加入与项目无关的说明文字行。",
        "5. 可以排序、筛选、插入或删除行，也可以用 Excel 或 WPS 打开保存；请保存为 .xlsx 格式。",
        "#二、各栏说明",
    ]
    if table is Table.PLANNED:
        lines += [
            f"总投资（万元）：项目计划总投资。谋划项目总投资原则上不低于1亿元（{PLANNED_MIN_TOTAL}万元），"
            "低于1亿元的项目不计入谋划项目统计。",
            "统计分档：1-5亿元（10000至不足50000万元）、5-10亿元（50000至不足100000万元）、"
            "10亿元以上（100000万元及以上）。",
            f"所属区域：从下拉列表选择（{'、'.join(targets.district_names)}）。"
            "所属区域与报送县区不一致的，按报送县区统计。",
            f"{year}年工作目标：本年度计划达到的节点，如完成备案、开工建设等。",
            "同一项目在表内只填一次；项目名称重复的行不计入统计。",
        ]
    else:
        lines += [
            "总投资（万元）：项目计划总投资。总投资1亿元（10000万元）以上的为重点项目，"
            "计入重点项目投资、新开工和续建统计。",
            f"{year}年完成投资（万元）：{year}年1月至报送月的累计完成投资，不得大于总投资；"
            "尚未完成投资填 0。",
            "开竣工情况：从下拉列表选择以下五项之一——",
            f"　新开工：{year}年内新开工建设、尚未竣工的项目；",
            f"　续建：{year}年以前已开工、{year}年继续建设、尚未竣工的项目；",
            f"　新开工（已竣工）：{year}年新开工且已经竣工的项目；",
            f"　续建（已竣工）：{year}年以前开工、已于{year}年竣工的项目；",
            "　未开工：尚未开工建设的项目（不计入新开工和续建）。",
            "是否入库：已纳入市统计局固定资产投资统计库的填“是”，未入库的填“否”，不要留空。"
            f"统计入库项目总投资原则上不低于{REGISTERED_MIN_TOTAL}万元。",
            "存在问题：项目推进中需要协调解决的问题，没有可不填。",
        ]
    lines += [
        "#三、检查提示",
        "输入不符合要求时表格会弹出提示；粘贴进来的内容不会被检查，填错的单元格会显示为红色，请改正后再报送。",
        f"{deadline_note(targets)}。",
    ]
    return lines


def _prefill_lines(targets: Targets, table: Table, rows: Sequence[PrefillRow]) -> list[str]:
    """The two lines of 填报说明 on a prefilled template ([] for a blank one)."""
    if not rows:
        return []
    year = targets.year
    first, last = FIRST_DATA_ROW, FIRST_DATA_ROW + len(rows) - 1
    source = Month.parse(rows[0].month).label
    keep = (
        f"表格最右侧有一列隐藏的“{PROJECT_KEY_HEADER}”，程序靠它把各月的同一项目对应起来，"
        "请勿删除或修改这一列（可以排序、筛选，标识会随行移动）。"
    )
    if table is Table.CONSTRUCTION:
        return [
            f"本表第{first}-{last}行已按贵单位{source}报送的在建项目预先填好（共{len(rows)}个），"
            f"请逐行更新：“{year}年完成投资”已清空，请填{year}年1月至本月的累计完成投资"
            f"（右侧灰色“上月累计完成投资”列是上次报送的数，仅供参考）；其他各栏有变化的直接修改；"
            f"本月新增的项目接在第{last + 1}行起填写。",
            "已竣工或不再建设的项目也请保留在表中，不要删除（竣工项目的投资计入全年统计），"
            f"开竣工情况选“（已竣工）”项即可。{keep}",
        ]
    return [
        f"本表第{first}-{last}行已按贵单位{source}报送的谋划项目预先填好（共{len(rows)}个），"
        f"请逐行核实更新目前进展情况、{year}年工作目标等各栏；本月新增的项目接在第{last + 1}行起填写。",
        keep,
    ]


def _instructions_sheet(
    wb: Workbook,
    fmt: dict[str, Any],
    *,
    targets: Targets,
    district: str,
    month: Month,
    table: Table,
    rows: Sequence[PrefillRow] = (),
) -> None:
    ws = wb.add_worksheet(INSTRUCTIONS_SHEET)
    ws.set_column(0, 0, 110)
    for r, line in enumerate(instructions(targets, district, month, table, rows)):
        if line.startswith("#"):
            style = fmt["doc_title"] if r == 0 else fmt["doc_head"]
            ws.write_string(r, 0, line[1:], style)
            ws.set_row(r, 28 if r == 0 else 20)
        else:
            ws.write_string(r, 0, line, fmt["doc_text"])
            ws.set_row(r, 18 * (1 + len(line) // 55))
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)  # the instructions fit on one page
    ws.hide_gridlines(2)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


# --- identification metadata -----------------------------------------------------------


def _write_metadata(
    wb: Workbook,
    fmt: dict[str, Any],
    *,
    targets: Targets,
    district: str,
    month: Month,
    table: Table,
) -> None:
    values = meta_values(district=district, month=str(month), table=table, version=TEMPLATE_VERSION)
    title = table_title(targets, table)
    wb.set_properties(
        {
            "title": f"{TABLE_ATTACHMENT[table]} {title}",
            "subject": f"{district} {month.label}",
            "keywords": f"{district},{month},{table}",
            "comments": "由 gongjian 生成的报送模板",
        }
    )
    for key, value in values.items():
        wb.set_custom_property(f"{META_PREFIX}{key}", value, "text")
        wb.define_name(f"{META_PREFIX}{key}", '="{}"'.format(value.replace('"', '""')))

    ws = wb.add_worksheet(META_SHEET)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 20)
    ws.set_column(2, 2, 12)
    ws.write_string(0, 0, META_SHEET_NOTE)
    for r, (key, value) in enumerate(values.items(), start=1):
        ws.write_string(r, 0, key, fmt["meta"])
        ws.write_string(r, 1, value, fmt["meta"])
        ws.write_string(r, 2, META_KEY_LABELS[key], fmt["meta"])
    ws.protect("")
    ws.hide()
