"""parsing.py: header matching, the messy cell values of DOMAIN.md, and row parsing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from _build_bad_files import (
    CONSTRUCTION_HEADER,
    PLANNED_HEADER,
    notice_construction,
    notice_planned,
    workbook,
)

from gongjian_cli.models import ParsedRow
from gongjian_cli.parsing import (
    AmountParse,
    TableBlock,
    classify_start,
    column_letter,
    header_unit,
    is_total_row,
    locate_table,
    locate_tables,
    normalize_header,
    parse_amount,
    parse_registered,
    parse_rows,
)
from gongjian_cli.reading import RawSheet, read_workbook
from gongjian_cli.schema import StartClass, Table

YEAR = 2020


def sheet(rows: list[list[Any]], *, name: str = "表", formulas: set | None = None) -> RawSheet:
    return RawSheet(name=name, rows=rows, formula_cells_without_value=formulas or set())


def block_of(rows: list[list[Any]], **kw: Any) -> TableBlock:
    b = locate_table(sheet(rows, **kw), year=YEAR)
    assert b is not None
    return b


# --------------------------------------------------------------------------- small helpers


@pytest.mark.parametrize(
    ("index", "letter"), [(0, "A"), (2, "C"), (25, "Z"), (26, "AA"), (51, "AZ"), (16383, "XFD")]
)
def test_column_letter(index: int, letter: str):
    assert column_letter(index) == letter


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("总投资（万元）", "总投资"),
        ("总投资(万元)", "总投资"),
        ("总 投 资\n（万元）", "总投资"),
        ("总投资\u3000（万元）", "总投资"),
        ("总投资（单位：万元）", "总投资"),
        ("总投资（万元/亿元）", "总投资"),
        ("总投资万元", "总投资"),
        ("2020年完成投资\n（万元）", "2020年完成投资"),
        ("开（竣）工情况", "开(竣)工情况"),
        ("*项目名称", "项目名称"),
        ("项目名称：", "项目名称"),
        ("【备注】", "(备注)"),
        (12, "12"),
    ],
)
def test_normalize_header(text: Any, normal: str):
    assert normalize_header(text) == normal


@pytest.mark.parametrize(
    ("text", "factor"),
    [
        ("总投资（万元）", 1.0),
        ("总投资（亿元）", 10000.0),
        ("总投资(元)", 0.0001),
        ("总投资", None),
        ("总投资（万元/亿元）", None),
    ],
)
def test_header_unit(text: str, factor: float | None):
    assert header_unit(text) == factor


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12000.0, 12000.0),
        (12000, 12000.0),
        ("12000", 12000.0),
        (" 12000 ", 12000.0),
        ("12,000", 12000.0),
        ("1,2000.5", 12000.5),
        ("１２０００", 12000.0),
        ("１２，０００", 12000.0),
        ("1.5亿", 15000.0),
        ("1.5亿元", 15000.0),
        ("1.1亿元", 11000.0),
        ("3000万元", 3000.0),
        ("3000万", 3000.0),
        ("3000 万元", 3000.0),
        ("50000000元", 5000.0),
        ("-200", -200.0),
        (".5", 0.5),
    ],
)
def test_parse_amount_reads_numbers_and_text(value: Any, expected: float):
    got = parse_amount(value)
    assert got.ok and not got.blank
    assert got.value == pytest.approx(expected)


@pytest.mark.parametrize("value", ["", None, "   ", "\u3000", "-", "—", "/", "无"])
def test_parse_amount_blank(value: Any):
    assert parse_amount(value) == AmountParse(None, True, True)


@pytest.mark.parametrize(
    "value",
    [
        "一亿二",
        "约12000",
        "12000左右",
        "abc",
        "1.2.3",
        "12000万亿",
        True,
        dt.date(2020, 5, 1),
        float("nan"),
        "#N/A",
    ],
)
def test_parse_amount_unreadable_is_never_zero(value: Any):
    assert parse_amount(value) == AmountParse(None, False, False)


def test_parse_amount_header_unit_applies_to_plain_numbers_only():
    assert parse_amount(1.5, unit=10000.0).value == 15000.0
    assert parse_amount("2", unit=10000.0).value == 20000.0
    assert parse_amount("3000万元", unit=10000.0).value == 3000.0


# --------------------------------------------------------------------------- 开竣工情况


@pytest.mark.parametrize(
    ("text", "cls", "finished"),
    [
        ("新开工", StartClass.NEW, False),
        ("续建", StartClass.CONTINUING, False),
        ("新开工（已竣工）", StartClass.NEW, True),
        ("续建(已竣工)", StartClass.CONTINUING, True),
        ("未开工", StartClass.NOT_STARTED, False),
        (" 续 建 ", StartClass.CONTINUING, False),
        ("续建，2020年5月竣工", StartClass.CONTINUING, True),
        ("续建，计划年底竣工", StartClass.CONTINUING, False),
        ("2019年续建项目", StartClass.CONTINUING, False),
        ("2020年3月开工", StartClass.NEW, False),
        ("已于4月15日开工", StartClass.NEW, False),
        ("2020.4开工，已竣工投产", StartClass.NEW, True),
        ("新开工，预计10月竣工", StartClass.NEW, False),
        ("计划6月开工", StartClass.NOT_STARTED, False),
        ("拟于7月开工", StartClass.NOT_STARTED, False),
        ("计划新开工", StartClass.NOT_STARTED, False),
        ("尚未开工", StartClass.NOT_STARTED, False),
        ("待开工", StartClass.NOT_STARTED, False),
        ("拟建", StartClass.NOT_STARTED, False),
    ],
)
def test_classify_start(text: str, cls: StartClass, finished: bool):
    got = classify_start(text)
    assert (got.cls, got.finished, got.blank, got.recognized) == (cls, finished, False, True)


@pytest.mark.parametrize(
    "text", ["正在建设", "已开工", "前期手续办理中", "开工", dt.date(2020, 3, 1), 1.0]
)
def test_classify_start_unrecognized(text: Any):
    got = classify_start(text)
    assert got.cls is None and not got.recognized and not got.blank


def test_classify_start_completion_without_class_is_kept_but_unrecognized():
    got = classify_start("已竣工")
    assert (got.cls, got.finished, got.recognized) == (None, True, False)


@pytest.mark.parametrize("value", ["", None, "  "])
def test_classify_start_blank(value: Any):
    got = classify_start(value)
    assert got.blank and got.cls is None and not got.finished


# --------------------------------------------------------------------------- 是否入库


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("已入库", True),
        ("Y", True),
        ("y", True),
        ("yes", True),
        ("√", True),
        ("是（3月入库）", True),
        (True, True),
        (1.0, True),
        ("否", False),
        ("未入库", False),
        ("N", False),
        ("no", False),
        ("×", False),
        ("拟入库", False),
        ("待入库", False),
        (0, False),
    ],
)
def test_parse_registered(value: Any, expected: bool):
    got = parse_registered(value)
    assert (got.value, got.blank, got.recognized) == (expected, False, True)


@pytest.mark.parametrize("value", ["", None, " "])
def test_parse_registered_blank(value: Any):
    got = parse_registered(value)
    assert (got.value, got.blank, got.recognized) == (None, True, True)


@pytest.mark.parametrize("value", ["不清楚", "待定", 2.0])
def test_parse_registered_unknown(value: Any):
    got = parse_registered(value)
    assert (got.value, got.blank, got.recognized) == (None, False, False)


@pytest.mark.parametrize(
    ("seq", "name", "total"),
    [
        ("合计", "", True),
        ("合  计", "", True),
        ("", "总计", True),
        ("", "新开工项目小计", True),
        ("合计：", "", True),
        (1.0, "某某合成材料项目", False),
        (1.0, "铜箔项目", False),
        ("", "", False),
    ],
)
def test_is_total_row(seq: Any, name: Any, total: bool):
    assert is_total_row(seq, name) is total


# --------------------------------------------------------------------------- locate_table

ROW3 = [1, "甲项目", "甲公司", "年产1万吨", 120000, 3000, "续建", "是", "无"]


CONSTRUCTION_HEADER_KEYS = (
    "seq",
    "name",
    "unit",
    "scope",
    "total",
    "completed",
    "start",
    "registered",
    "issues",
)


def test_locate_notice_layout_construction():
    b = block_of(notice_construction([ROW3]))
    assert b.table is Table.CONSTRUCTION
    assert b.header_row == 3
    assert b.first_data_row == 4
    assert list(b.columns) == list(CONSTRUCTION_HEADER_KEYS)
    assert b.columns["total"] == 4
    assert b.extra_columns == {}
    assert b.missing_required == []
    assert "附件3" in b.title_text and "在建项目进展情况表" in b.title_text
    assert b.votes == {Table.PLANNED: 0, Table.CONSTRUCTION: 4}


def test_locate_notice_layout_planned():
    b = block_of(notice_planned([[1, "乙项目", 50000, "经开区", "", "", "", "", "", ""]]))
    assert b.table is Table.PLANNED
    assert b.columns["region"] == 3
    assert b.columns["goal"] == 6


@pytest.mark.parametrize(
    "header",
    [
        [
            "序号",
            "项目\n名称",
            "总投资\n(万元)",
            "2020年完成投资\n（万元）",
            "开竣工情况",
            "是否入库",
        ],
        ["序 号", "项目名称", "总投资", "2020年完成投资", "开（竣）工情况", "是否入库"],
        ["编号", "项目名", "项目总投资（万元）", "本年完成投资（万元）", "开工情况", "入库情况"],
        ["序号", "项目名称", "总投资额", "2020年1-5月完成投资", "开竣工情况", "是否纳统"],
        [
            "序号",
            "项目名称（全称）",
            "总投资(万元)",
            "截至5月底累计完成投资",
            "开竣工情况（新开工/续建/未开工）",
            "是否入库（是/否）",
        ],
    ],
    ids=["line-breaks", "spaces-no-unit", "aliases", "fuzzy", "hints"],
)
def test_header_variants_match(header: list[str]):
    rows = [["标题"], header, [1, "甲", 100, 50, "续建", "是"]]
    b = block_of(rows)
    assert b.table is Table.CONSTRUCTION
    assert b.columns == {
        "seq": 0,
        "name": 1,
        "total": 2,
        "completed": 3,
        "start": 4,
        "registered": 5,
    }


def test_other_order_extra_columns_and_shifted_header():
    header = [
        "是否入库",
        "备注",
        "项目名称",
        "总投资（万元）",
        "开竣工情况",
        "2020年完成投资（万元）",
        "备注",
    ]
    rows = [[], [], ["", "", "附件3  铜陵市2020年工业在建项目进展情况表"], [], ["", "", *header]]
    rows.append(["", "", "是", "重点", "甲", 100, "续建", 50, "说明"])
    b = block_of(rows)
    assert b.header_row == 5
    assert b.columns == {"registered": 2, "name": 4, "total": 5, "start": 6, "completed": 7}
    assert b.extra_columns == {3: "备注", 8: "备注（I列）"}
    assert b.missing_required == []
    assert b.title_text == "附件3 铜陵市2020年工业在建项目进展情况表"


def test_long_title_rows_are_kept_whole_for_identification():
    title = "铜陵市2020年工业在建项目进展情况表（填报单位：经开区经济发展局，截至2020年5月底，单位：万元）"
    b = block_of([[title], list(CONSTRUCTION_HEADER), ROW3])
    assert b.title_text == title


def test_header_split_over_two_rows():
    rows = [
        ["铜陵市2020年工业在建项目进展情况表"],
        ["序号", "项目名称", "投资情况（万元）", "", "开竣工情况", "是否入库"],
        ["", "", "总投资", "2020年完成投资", "", ""],
        [1, "甲", 100, 50, "续建", "是"],
    ]
    b = block_of(rows)
    assert (b.header_row, b.header_height, b.first_data_row) == (2, 2, 4)
    assert b.columns == {
        "seq": 0,
        "name": 1,
        "total": 2,
        "completed": 3,
        "start": 4,
        "registered": 5,
    }


def test_header_in_yi_yuan_is_converted():
    rows = [["序号", "项目名称", "总投资（亿元）", "2020年完成投资（万元）", "开竣工情况"]]
    rows.append([1, "甲", 1.5, 3000, "续建"])
    b = block_of(rows)
    assert b.units == {"total": 10000.0}
    assert "亿元" in b.notes[0]
    [row], _ = parse_rows(b, file_name="f.xlsx")
    assert (row.total, row.completed) == (15000.0, 3000.0)


def test_columns_both_tables_share_leave_the_table_open():
    rows = [["序号", "项目名称", "总投资（万元）", "项目单位"], [1, "甲", 100, "甲公司"]]
    b = block_of(rows)
    assert b.table is None
    assert b.columns == {"seq": 0, "name": 1, "total": 2, "unit": 3}
    with pytest.raises(ValueError):
        parse_rows(b, file_name="f.xlsx")
    forced = locate_table(b.sheet, year=YEAR, table=Table.PLANNED)
    assert forced is not None and forced.table is Table.PLANNED


def test_no_header_no_block():
    assert locate_table(sheet([["随便写的"], ["a", "b"], [1, 2]]), year=YEAR) is None
    assert locate_table(sheet([]), year=YEAR) is None


def test_missing_total_column_is_reported():
    rows = [
        ["序号", "项目名称", "项目单位", "开竣工情况", "是否入库"],
        [1, "甲", "公司", "续建", "是"],
    ]
    b = block_of(rows)
    assert b.table is Table.CONSTRUCTION
    assert b.missing_required == ["total"]


def test_planned_header_hints_and_plan_figures():
    header = [
        "序号",
        "项目名称",
        "总投资（万元）",
        "所属区域（县区）",
        "建设单位（业主）",
        "2020年工作目标（计划完成投资）",
        "2020年计划投资",
    ]
    b = block_of([header, [1, "甲", 20000, "经开区", "公司", "开工", 5000]])
    assert b.table is Table.PLANNED
    assert b.columns == {"seq": 0, "name": 1, "total": 2, "region": 3, "unit": 4, "goal": 5}
    assert b.extra_columns == {6: "2020年计划投资"}


def test_other_years_completed_column_is_not_taken():
    rows = [
        ["项目名称", "总投资", "2019年完成投资", "开竣工情况", "是否入库"],
        ["甲", 1, 2, "续建", "是"],
    ]
    b = block_of(rows)
    assert "completed" not in b.columns
    assert b.extra_columns == {2: "2019年完成投资"}


# --------------------------------------------------------------------------- parse_rows


def test_parse_notice_rows_skips_title_blank_note_and_total_rows():
    data = [
        [1, "甲项目", "甲公司", "年产1万吨", 120000.0, 3000.0, "续建", "是", "缺用地指标"],
        [],
        [2, "乙项目", "乙公司", "", "1.5亿", "3,000", "新开工（已竣工）", "否", ""],
        [3.0, "", "", "", "", "", "", "", ""],  # only a 序号: blank
        ["合  计", "", "", "", 135000, 6000, "", "", ""],
    ]
    b = block_of(notice_construction(data))
    rows, findings = parse_rows(b, file_name="附件3.xlsx")
    assert [r.excel_row for r in rows] == [4, 6]
    first, second = rows
    assert (first.name, first.total, first.completed) == ("甲项目", 120000.0, 3000.0)
    assert (first.start_class, first.finished, first.registered) == (
        StartClass.CONTINUING,
        False,
        True,
    )
    assert (first.unit, first.issues, first.start_text) == ("甲公司", "缺用地指标", "续建")
    assert first.raw["total"] == 120000.0
    assert (second.total, second.completed) == (15000.0, 3000.0)
    assert (second.start_class, second.finished, second.registered) == (StartClass.NEW, True, False)
    assert second.raw["total"] == "1.5亿"
    assert second.raw["issues"] == ""
    assert second.issues is None
    assert findings == []
    assert all(not r.findings for r in rows)


def test_total_row_mismatch_is_a_warning_naming_the_row():
    data = [[1, "甲", "", "", 100, 10, "续建", "是", ""], ["合计", "", "", "", 250, 10, "", "", ""]]
    b = block_of(notice_construction(data))
    rows, findings = parse_rows(b, file_name="f.xlsx")
    assert len(rows) == 1
    [f] = findings
    assert (f.code, f.row, f.column, f.field, f.value) == (
        "sum-mismatch",
        5,
        "E",
        "总投资（万元）",
        "250",
    )
    assert "150" in f.message


TOTAL_TOP_ROWS = [
    [1, "甲", "", "", 200000, 3000, "续建", "是", ""],
    [2, "乙", "", "", 82500, 2000, "新开工", "是", ""],
]


def _sum_findings(data: list[list[Any]]) -> list[Any]:
    rows, findings = parse_rows(block_of(notice_construction(data)), file_name="f.xlsx")
    assert [r.name for r in rows] == ["甲", "乙"]  # a 合计 row is never a project
    return findings


def test_a_correct_total_right_under_the_header_sums_the_rows_below():
    assert _sum_findings([["合计", "", "", "", 282500, 5000, "", "", ""], *TOTAL_TOP_ROWS]) == []


def test_a_correct_total_at_the_bottom_sums_the_rows_above():
    assert _sum_findings([*TOTAL_TOP_ROWS, ["合计", "", "", "", 282500, 5000, "", "", ""]]) == []


def test_a_total_at_the_top_and_one_at_the_bottom_are_both_checked():
    total = ["", "总计", "", "", 282500, 5000, "", "", ""]
    assert _sum_findings([total, *TOTAL_TOP_ROWS, list(total)]) == []
    bottom_wrong = ["合计", "", "", "", 282000, 5000, "", "", ""]
    [f] = _sum_findings([total, *TOTAL_TOP_ROWS, bottom_wrong])
    assert (f.code, f.row) == ("sum-mismatch", 7)


def test_a_wrong_total_at_the_top_names_its_row_column_and_both_sums():
    [f] = _sum_findings([["合计", "", "", "", 282400, 5000, "", "", ""], *TOTAL_TOP_ROWS])
    assert (f.code, f.row, f.column, f.field, f.value) == (
        "sum-mismatch",
        4,
        "E",
        "总投资（万元）",
        "282400",
    )
    assert "（第4行合计为282400，其下各项目之和为282500，相差-100）" in f.message
    [f] = _sum_findings([["合计", "", "", "", 282500, 7000, "", "", ""], *TOTAL_TOP_ROWS])
    assert (f.row, f.column) == (4, "F")
    assert "第4行合计为7000，其下各项目之和为5000，相差2000" in f.message


def test_a_total_with_no_project_rows_at_all_is_not_checked():
    rows, findings = parse_rows(
        block_of(notice_construction([["合计", "", "", "", 100, 0, "", "", ""]])), file_name="f"
    )
    assert (rows, findings) == ([], [])


def test_row_findings_name_row_column_field_and_value():
    data = [
        [1, "甲", "", "", "一亿二", -5, "正在建设", "不清楚", ""],
        [2, "乙", "", "", "", "", "", "", ""],
    ]
    b = block_of(notice_construction(data))
    rows, _ = parse_rows(b, file_name="义安区.xlsx")
    first, second = rows
    got = {(f.code, f.column, f.field, f.value) for f in first.findings}
    assert got == {
        ("unreadable-amount", "E", "总投资（万元）", "一亿二"),
        ("negative-amount", "F", "2020年完成投资（万元）", "-5"),
        ("start-unclassified", "G", "开竣工情况", "正在建设"),
        ("registered-unknown", "H", "是否入库", "不清楚"),
    }
    assert all(f.row == 4 and f.file == "义安区.xlsx" and f.sheet == "表" for f in first.findings)
    assert first.total is None and first.completed == -5.0
    # blanks are validation's business: no parse finding, None values, '' raw
    assert second.findings == []
    assert (second.total, second.completed, second.registered, second.start_class) == (
        None,
        None,
        None,
        None,
    )
    assert second.raw["total"] == "" and second.raw["registered"] == ""


@pytest.mark.parametrize(
    "note",
    [
        "注：每月25日前报",
        "注:1.金额单位为万元",
        "说明：本表由各县区填报",
        "填报人：张三",
        "填报单位（盖章）：经开区经发局",
        "联系电话：0562-1234567",
        "审核人：李四",
    ],
)
def test_note_rows_are_not_projects(note: str):
    data = [[1, "甲", "", "", 100, 10, "续建", "是", ""], [note], ["", note]]
    rows, _ = parse_rows(block_of(notice_construction(data)), file_name="f.xlsx")
    assert [r.name for r in rows] == ["甲"]


def test_column_numbers_section_rows_and_repeated_header_are_skipped():
    data = [
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
        ["一", "新开工项目", "", "", "", "", "", "", ""],
        [1, "甲", "", "", 100, 10, "新开工", "是", ""],
        ["", "二、续建项目", "", "", "", "", "", "", ""],
        list(CONSTRUCTION_HEADER),
        [2, "乙", "", "", 200, 20, "续建", "否", ""],
        ["", "新开工项目小计", "", "", 100, "", "", "", ""],
    ]
    rows, findings = parse_rows(block_of(notice_construction(data)), file_name="f.xlsx")
    assert [(r.excel_row, r.name) for r in rows] == [(6, "甲"), (9, "乙")]
    assert findings == []


def test_formula_without_value_is_a_row_finding(tmp_path: Path):
    data = [[1, "甲", "", "", "=100*2", 10, "续建", "是", ""]]
    path = workbook(tmp_path / "f.xlsx", {"在建": notice_construction(data)})
    [raw_sheet] = read_workbook(path).sheets
    b = locate_table(raw_sheet, year=YEAR)
    assert b is not None
    [row], _ = parse_rows(b, file_name="f.xlsx")
    [f] = row.findings
    assert (f.code, f.row, f.column, f.field) == ("formula-no-value", 4, "E", "总投资（万元）")
    assert row.total is None


def test_formula_in_seq_only_is_a_blank_template_row():
    rows = [list(CONSTRUCTION_HEADER), [1, "甲", "", "", 100, 1, "续建", "是", ""], [""] * 9]
    b = block_of(rows, formulas={(3, 0)})
    parsed, _ = parse_rows(b, file_name="f.xlsx")
    assert [r.name for r in parsed] == ["甲"]


def test_extra_columns_land_in_raw_and_numeric_names_are_text():
    rows = [
        ["序号", "项目名称", "总投资（万元）", "所属区域", "备注"],
        [1, 2020.0, 20000, " 经开区 ", "重点"],
    ]
    b = locate_table(sheet(rows), year=YEAR, table=Table.PLANNED)
    assert b is not None
    [row], _ = parse_rows(b, file_name="f.xlsx")
    assert row.raw["备注"] == "重点"
    assert row.name == "2020"
    assert row.region == "经开区"


def test_ragged_rows_are_padded():
    rows = [list(PLANNED_HEADER), [1, "甲", 20000]]
    b = block_of(rows)
    [row], _ = parse_rows(b, file_name="f.xlsx")
    assert (row.name, row.total, row.region) == ("甲", 20000.0, None)
    assert row.raw["lead_unit"] == ""


def test_parsed_row_field_order_is_what_parse_rows_builds():
    # _RowContext.parse builds ParsedRow positionally (cheaper than keywords per row)
    assert [f.name for f in dataclasses.fields(ParsedRow)] == [
        "excel_row",
        "raw",
        "name",
        "total",
        "completed",
        "region",
        "unit",
        "issues",
        "start_text",
        "start_class",
        "finished",
        "registered",
        "excluded",
        "exclude_investment",
        "exclude_registered",
        "findings",
        "project_key",
    ]
    [row], _ = parse_rows(block_of(notice_construction([ROW3])), file_name="f.xlsx")
    assert (row.excel_row, row.name, row.unit, row.issues) == (4, "甲项目", "甲公司", "无")
    assert (row.total, row.completed, row.start_text, row.registered) == (
        120000,
        3000,
        "续建",
        True,
    )
    assert not (row.excluded or row.exclude_investment or row.exclude_registered)


def _fields(row: Any) -> tuple:
    return tuple(
        getattr(row, f.name)
        for f in dataclasses.fields(ParsedRow)
        if f.name not in ("raw", "findings")
    )


def test_columns_in_another_order_read_the_same_as_the_template():
    # the template's A, B, C… order and a shuffled one with a gap column take different
    # paths to build raw; the values must not depend on it
    data = [
        [1, "甲项目", "甲公司", "年产1万吨", 120000.0, 3000.0, "续建", "是", "缺用地指标"],
        [2, " 乙项目 ", 7, "", "1.5亿", "", "计划6月开工", "待定", ""],
        [3, "丙项目", "", "", -5.0, "三千", "已竣工", 1, None],
    ]
    plain = block_of([list(CONSTRUCTION_HEADER), *data])
    order = [8, 6, 4, 0, 2, 1, 7, 5, 3]  # a shuffled header, then a gap column
    shuffled = block_of(
        [[CONSTRUCTION_HEADER[i] for i in order] + ["", "备注"]]
        + [[row[i] for i in order] + ["", "说明"] for row in data]
    )
    a, findings_a = parse_rows(plain, file_name="f.xlsx")
    b, findings_b = parse_rows(shuffled, file_name="f.xlsx")
    assert [_fields(r) for r in a] == [_fields(r) for r in b]
    assert [[(f.code, f.row, f.value) for f in r.findings] for r in a] == [
        [(f.code, f.row, f.value) for f in r.findings] for r in b
    ]
    assert findings_a == findings_b == []
    for ra, rb in zip(a, b, strict=True):
        assert {k: v for k, v in rb.raw.items() if k != "备注"} == ra.raw
        assert rb.raw["备注"] == "说明"
    assert list(a[0].raw) == list(CONSTRUCTION_HEADER_KEYS)


def test_repeated_start_and_registered_values_are_judged_on_every_row():
    # 开竣工情况/是否入库 texts are cached per table: a repeat still gets its own finding
    data = [
        [1, "甲", "", "", 100, 10, "续建", "是", ""],
        [2, "乙", "", "", 100, 10, " 续建 ", "待定", ""],
        [3, "丙", "", "", 100, 10, "续建", "待定", ""],
        [4, "丁", "", "", 100, 10, "正在建设", " 是", ""],
        [5, "戊", "", "", 100, 10, "正在建设", 1, ""],
        [6, "己", "", "", 100, 10, 2020.0, 1.0, ""],
    ]
    rows, _ = parse_rows(block_of(notice_construction(data)), file_name="f.xlsx")
    assert [(r.start_text, r.start_class, r.registered) for r in rows] == [
        ("续建", StartClass.CONTINUING, True),
        ("续建", StartClass.CONTINUING, None),
        ("续建", StartClass.CONTINUING, None),
        ("正在建设", None, True),
        ("正在建设", None, True),
        ("2020", None, True),
    ]
    assert [[(f.code, f.value) for f in r.findings] for r in rows] == [
        [],
        [("registered-unknown", "待定")],
        [("registered-unknown", "待定")],
        [("start-unclassified", "正在建设")],
        [("start-unclassified", "正在建设")],
        [("start-unclassified", "2020")],
    ]


def test_vertically_merged_text_cells_count_for_every_row_they_span():
    """项目单位 and 开竣工情况 merged over rows 3–5 (0-based 2–4): each project gets them;
    a merged 总投资 counts once, on its first row; the sheet's cells stay as read."""
    rows = [
        ["附件3"],
        list(CONSTRUCTION_HEADER),
        [1, "甲", "铜陵某公司", "", 20000, 100, "新开工", "是", ""],
        [2, "乙", "", "", 30000, 200, "", "是", ""],
        [3, "丙", "", "", "", 300, "", "否", ""],
        [4, "丁", "另一公司", "", 5000, 10, "续建", "否", ""],
    ]
    raw_sheet = RawSheet(
        name="表",
        rows=rows,
        merged=[((2, 2), (4, 2)), ((2, 6), (4, 6)), ((3, 4), (4, 4)), ((0, 0), (0, 8))],
    )
    b = locate_table(raw_sheet, year=YEAR)
    assert b is not None
    parsed, _ = parse_rows(b, file_name="f.xlsx")
    assert [(r.name, r.unit, r.start_class, r.total) for r in parsed] == [
        ("甲", "铜陵某公司", StartClass.NEW, 20000.0),
        ("乙", "铜陵某公司", StartClass.NEW, 30000.0),
        ("丙", "铜陵某公司", StartClass.NEW, None),  # 总投资 merged from 乙: not counted twice
        ("丁", "另一公司", StartClass.CONTINUING, 5000.0),
    ]
    assert parsed[1].raw["unit"] == "铜陵某公司"
    assert rows[3][2] == "" and rows[4][6] == ""  # the sheet itself is not rewritten


def test_merged_ranges_are_read_from_the_file(tmp_path: Path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(CONSTRUCTION_HEADER))
    ws.append([1, "甲", "铜陵某公司", "", 20000, 100, "新开工", "是", ""])
    ws.append([2, "乙", None, "", 30000, 200, "新开工", "是", ""])
    ws.merge_cells("C2:C3")
    wb.save(tmp_path / "m.xlsx")
    (read,) = read_workbook(tmp_path / "m.xlsx").sheets
    assert read.merged == [((1, 2), (2, 2))]
    b = locate_table(read, year=YEAR)
    assert b is not None
    parsed, _ = parse_rows(b, file_name="m.xlsx")
    assert [r.unit for r in parsed] == ["铜陵某公司", "铜陵某公司"]


STACKED = [
    ["附件2"],
    ["铜陵市2020年工业谋划项目表"],
    list(PLANNED_HEADER),
    [1, "谋划甲", 20000, "郊区"],
    [2, "谋划乙", 30000, "郊区"],
    [""],
    ["附件3"],
    ["铜陵市2020年工业在建项目进展情况表"],
    list(CONSTRUCTION_HEADER),
    [1, "在建甲", "甲公司", "新建", 50000, 1000, "续建", "是", ""],
    ["合计", "", "", "", 50000, 1000, "", "", ""],
    ["注：每月25日前报"],
]


def test_two_tables_stacked_on_one_sheet_are_two_blocks():
    first, second = locate_tables(sheet(STACKED), year=YEAR)
    assert (first.table, first.header_row, first.end_row) == (Table.PLANNED, 3, 5)
    assert (second.table, second.header_row, second.end_row) == (Table.CONSTRUCTION, 9, None)
    assert "附件3" in second.title_text and "谋划" not in second.title_text
    planned, _ = parse_rows(first, file_name="f.xlsx")
    built, found = parse_rows(second, file_name="f.xlsx")
    assert [(r.excel_row, r.name, r.total) for r in planned] == [
        (4, "谋划甲", 20000.0),
        (5, "谋划乙", 30000.0),
    ]
    assert [(r.excel_row, r.name, r.unit, r.completed) for r in built] == [
        (10, "在建甲", "甲公司", 1000.0)
    ]
    assert found == []  # the 合计 row matches the one project above it, not the 谋划 rows


def test_the_same_header_again_is_one_table():
    rows = [list(PLANNED_HEADER), [1, "甲", 20000], list(PLANNED_HEADER), [2, "乙", 30000]]
    (only,) = locate_tables(sheet(rows), year=YEAR)
    parsed, _ = parse_rows(only, file_name="f.xlsx")
    assert [r.name for r in parsed] == ["甲", "乙"]
