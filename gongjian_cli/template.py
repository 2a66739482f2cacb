"""The blank monthly workbooks (附件2 谋划, 附件3 在建) sent to each district.

One workbook per (district, month, table). Layout of the project sheet (first sheet):

- row 1 (:data:`TITLE_ROW`): the notice's title, e.g. 铜陵市2020年工业谋划项目表;
- row 2: 填报单位 (district), 报送月份 and the 注：每月25日前报 note;
- row 3 (:data:`HEADER_ROW`): the notice's header row, word for word;
- rows 4 … 203 (:data:`FIRST_DATA_ROW`, :data:`INPUT_ROWS`): prepared input rows with
  drop-downs, number checks with Chinese prompts, number formats and wrapped text.

Rows 1–3 are locked and the sheet is protected without a password (so a clerk can
still lift it), leaving row insertion/deletion, sorting and the autofilter usable.
A second visible sheet 填报说明 explains how to fill in the table; a hidden sheet
(:data:`gongjian_cli.metadata.META_SHEET`), document properties and defined names
identify the workbook (see :mod:`gongjian_cli.metadata`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
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

__all__ = [
    "FIRST_DATA_ROW",
    "HEADER_ROW",
    "INPUT_ROWS",
    "INSTRUCTIONS_SHEET",
    "META_SHEET",
    "TITLE_ROW",
    "build_template",
    "init_templates",
    "sheet_name",
    "template_filename",
]

TITLE_ROW = 1  # Excel rows are 1-based here; xlsxwriter calls take row - 1
INFO_ROW = 2
HEADER_ROW = 3
FIRST_DATA_ROW = 4
INPUT_ROWS = 200
LAST_DATA_ROW = FIRST_DATA_ROW + INPUT_ROWS - 1

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


def init_templates(
    out_dir: Path,
    *,
    targets: Targets,
    month: Month,
    districts: Sequence[str] | None = None,
) -> list[Path]:
    """Write 附件2 and 附件3 for each district into ``out_dir``; the paths written.

    ``districts`` (names or aliases) limits the districts; None means all of the
    targets file. UsageError when ``out_dir`` is a file, a district is unknown or
    ``month`` lies outside the targets year. Existing files of the same name are
    replaced (each file is written beside its final name, then moved into place).
    """
    out_dir = Path(out_dir)
    for place in (out_dir, *out_dir.parents):
        if place.exists() and not place.is_dir():
            raise UsageError(
                f"输出位置“{place}”已存在且是一个文件，不是文件夹；请用 --out 指定文件夹"
            )
    if month.year != targets.year:
        raise UsageError(f"月份 {month} 不在目标任务文件的年度（{targets.year}年）内")
    if districts is None:
        names = list(targets.district_names)
    else:
        names = list(dict.fromkeys(targets.require_district(d) for d in districts))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建输出文件夹“{out_dir}”：{exc.strerror or exc}") from exc

    written = []
    for district in names:
        for table in Table:
            path = out_dir / template_filename(targets, district, month, table)
            build_template(path, targets=targets, district=district, month=month, table=table)
            written.append(path)
    return written


def build_template(
    path: Path, *, targets: Targets, district: str, month: Month, table: Table
) -> Path:
    """Write one blank workbook for (district, month, table) to ``path``; returns ``path``.

    GongjianError when the file cannot be written (e.g. it is open in Excel on Windows).
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
        _project_sheet(wb, fmt, targets=targets, district=district, month=month, table=table)
        _instructions_sheet(wb, fmt, targets=targets, district=district, month=month, table=table)
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
    }


def _cell_format(fmt: dict[str, Any], col: Column) -> Any:
    if col.amount:
        return fmt["amount"]
    if col.key in {"seq", "region", "start", "registered", "unit_leader"}:
        return fmt["center"]
    return fmt["text"]


# --- the project sheet ------------------------------------------------------------


def _project_sheet(
    wb: Workbook,
    fmt: dict[str, Any],
    *,
    targets: Targets,
    district: str,
    month: Month,
    table: Table,
) -> Worksheet:
    ws = wb.add_worksheet(sheet_name(table))
    cols = COLUMNS[table]
    last_col = len(cols) - 1
    first, last = FIRST_DATA_ROW - 1, LAST_DATA_ROW - 1  # 0-based input rows

    ws.merge_range(
        TITLE_ROW - 1, 0, TITLE_ROW - 1, last_col, table_title(targets, table), fmt["title"]
    )
    ws.set_row(TITLE_ROW - 1, 30)
    ws.merge_range(
        INFO_ROW - 1, 0, INFO_ROW - 1, last_col, info_line(targets, district, month), fmt["info"]
    )
    ws.set_row(INFO_ROW - 1, 22)
    ws.set_row(HEADER_ROW - 1, 36)
    for c, col in enumerate(cols):
        ws.write_string(HEADER_ROW - 1, c, col.label(targets.year), fmt["header"])
        cell_fmt = _cell_format(fmt, col)
        ws.set_column(c, c, col.width, cell_fmt)
        for r in range(first, last + 1):
            ws.write_blank(r, c, None, cell_fmt)
        _validate(ws, c, col, table=table, targets=targets, first=first, last=last)

    # problems first: LibreOffice applies only the first matching one of overlapping rules
    _problem_highlights(ws, fmt, table=table, first=first, last=last)
    ws.conditional_format(
        first,
        0,
        last,
        last_col,
        {
            "type": "formula",
            "criteria": f"=COUNTA($A{FIRST_DATA_ROW}:${_col_letter(last_col)}{FIRST_DATA_ROW})>0",
            "format": fmt["filled_row"],
        },
    )

    ws.freeze_panes(FIRST_DATA_ROW - 1, 0)
    ws.autofilter(HEADER_ROW - 1, 0, last, last_col)

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


def instructions(targets: Targets, district: str, month: Month, table: Table) -> list[str]:
    """The lines of the 填报说明 sheet; lines starting with ``#`` are headings."""
    year = targets.year
    sheet = sheet_name(table)
    title = table_title(targets, table)
    day = targets.deadline_day
    lines = [
        f"#{TABLE_ATTACHMENT[table]} {title} 填报说明",
        f"本工作簿是{district}{month.label}报送用的《{title}》模板。"
        f"请于{month.year}年{month.month}月{day}日前报领导小组办公室（工业投资科）。",
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


def _instructions_sheet(
    wb: Workbook,
    fmt: dict[str, Any],
    *,
    targets: Targets,
    district: str,
    month: Month,
    table: Table,
) -> None:
    ws = wb.add_worksheet(INSTRUCTIONS_SHEET)
    ws.set_column(0, 0, 110)
    for r, line in enumerate(instructions(targets, district, month, table)):
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
