"""identify.py: months and tables in text, each identification source, rejections."""

from __future__ import annotations

from typing import Any

import pytest
from _build_bad_files import notice_construction, notice_planned

from gongjian_cli.errors import FileRejected
from gongjian_cli.identify import (
    IdentifyOptions,
    identify,
    month_from_text,
    table_from_text,
)
from gongjian_cli.models import TemplateMeta
from gongjian_cli.parsing import TableBlock, locate_table, parse_rows
from gongjian_cli.reading import RawSheet
from gongjian_cli.schema import Table
from gongjian_cli.targets import Targets

CROW = [1, "甲项目", "甲公司", "", 120000, 3000, "续建", "是", ""]
PROW = [1, "乙项目", 50000, "经开区", "", "", "", "", "", ""]


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("附件3-经开区-2020年05月", "2020-05"),
        ("2020-05", "2020-05"),
        ("2020.05", "2020-05"),
        ("2020.5", "2020-05"),
        ("2020_05", "2020-05"),
        ("2020/5", "2020-05"),
        ("202005经开区", "2020-05"),
        ("2020年5月", "2020-05"),
        ("2020年05月", "2020-05"),
        ("2020 年 5 月", "2020-05"),
        ("5月", "2020-05"),
        ("经开区5月份在建项目", "2020-05"),
        ("五月", "2020-05"),
        ("十二月", "2020-12"),
        ("2019年12月", "2019-12"),
        ("2020年1-5月完成情况", "2020-05"),
        ("截至2020年5月31日", "2020-05"),
        ("2020年5月 填报日期：2020年6月20日", "2020-05"),
        ("注：每月25日前报 2020年5月", "2020-05"),
    ],
)
def test_month_from_text(text: str, month: str):
    assert month_from_text(text, year=2020) == month


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2020年",
        "铜陵市2020年工业在建项目进展情况表",
        "12000",
        "总投资120000",
        "附件3月报",
        "每月25日前报",
        "填报日期：2020年6月20日",
        "20200620",
        "2020-06-20",
        "2020年5月 6月",  # two months: ambiguous
    ],
)
def test_month_from_text_none(text: str):
    assert month_from_text(text, year=2020) is None


@pytest.mark.parametrize(
    ("text", "table"),
    [
        ("附件2", Table.PLANNED),
        ("附件 2 谋划项目", Table.PLANNED),
        ("铜陵市2020年工业谋划项目表", Table.PLANNED),
        ("附件二", Table.PLANNED),
        ("附件3-经开区-2020年05月", Table.CONSTRUCTION),
        ("铜陵市2020年工业在建项目进展情况表", Table.CONSTRUCTION),
        ("附表3", Table.CONSTRUCTION),
        ("附件2、附件3", None),
        ("谋划及在建项目", None),
        ("附件1", None),
        ("附件32", None),
        ("经开区5月报表", None),
    ],
)
def test_table_from_text(text: str, table: Table | None):
    assert table_from_text(text) is table


# --------------------------------------------------------------------------- identify


def blk(rows: list[list[Any]], *, name: str = "Sheet1") -> TableBlock:
    b = locate_table(RawSheet(name=name, rows=rows), year=2020)
    assert b is not None
    return b


def ident(targets: Targets, **kw: Any):
    kw.setdefault("file_name", "报表.xlsx")
    kw.setdefault("sheet_name", "Sheet1")
    kw.setdefault("meta", None)
    kw.setdefault("options", IdentifyOptions())
    kw.setdefault("block", None)
    return identify(targets=targets, **kw)


def test_file_name_gives_all_three(targets: Targets):
    b = blk(notice_construction([CROW]))
    got = ident(targets, file_name="附件3-经开区-2020年05月.xlsx", block=b)
    assert (got.district, got.month, got.table) == ("经开区", "2020-05", Table.CONSTRUCTION)
    assert got.how == {"district": "文件名", "month": "文件名", "table": "文件名"}


def test_meta_wins_and_a_disagreeing_option_is_noted(targets: Targets):
    meta = TemplateMeta(district="义安区", month="2020-04", table=Table.CONSTRUCTION, version="1")
    options = IdentifyOptions(district="经开区", month="2020-04")
    got = ident(targets, file_name="附件3-郊区-2020年05月.xlsx", meta=meta, options=options)
    assert (got.district, got.month, got.table) == ("义安区", "2020-04", Table.CONSTRUCTION)
    assert got.how["month"] == "模板元数据"
    assert got.how["table"] == "模板元数据"
    assert got.how["district"].startswith("模板元数据")
    assert "经开区" in got.how["district"] and "不一致" in got.how["district"]


def test_sources_that_disagree_with_the_winner_are_listed(targets: Targets):
    # last month's template re-used and renamed: the metadata wins, the name is flagged
    meta = TemplateMeta(district="经开区", month="2020-05", table=Table.CONSTRUCTION, version="1")
    got = ident(targets, file_name="附件3-经开区-2020年06月.xlsx", meta=meta)
    assert got.month == "2020-05"
    assert got.conflicts == ["月份：文件名为“2020-06”，按模板元数据取“2020-05”"]
    agreeing = ident(targets, file_name="附件3-经开区-2020年05月.xlsx", meta=meta)
    assert agreeing.conflicts == []


def test_options_win_over_file_name(targets: Targets):
    options = IdentifyOptions(district="枞阳", month="2020-06", table=Table.PLANNED)
    got = ident(targets, file_name="附件3-经开区-2020年05月.xlsx", options=options)
    assert (got.district, got.month, got.table) == ("枞阳县", "2020-06", Table.PLANNED)
    assert set(got.how.values()) == {"命令行参数"}


def test_sheet_name_and_title_rows_fill_what_the_file_name_lacks(targets: Targets):
    rows = [["填报单位：铜官区"], ["铜陵市2020年工业谋划项目表"], *notice_planned([PROW])[2:]]
    b = blk(rows, name="5月")
    got = ident(targets, file_name="报表.xlsx", sheet_name="5月", block=b)
    assert (got.district, got.month, got.table) == ("铜官区", "2020-05", Table.PLANNED)
    assert got.how == {"district": "标题行", "month": "工作表名", "table": "标题行"}


def test_content_region_column_and_column_set(targets: Targets):
    rows = [
        ["序号", "项目名称", "总投资（万元）", "所属区域", "目前进展情况"],
        [1, "甲", 20000, "义安区", ""],
        [2, "乙", 30000, "义安区", ""],
        [3, "丙", 30000, "铜陵市义安区", ""],
        [4, "丁", 30000, "经开区", ""],
    ]
    b = blk(rows)
    got = ident(targets, file_name="2020年5月.xlsx", block=b)
    assert (got.district, got.table) == ("义安区", Table.PLANNED)
    assert got.how == {"district": "所属区域列", "month": "文件名", "table": "表头列"}
    parsed, _ = parse_rows(b, file_name="x.xlsx")
    again = ident(targets, file_name="2020年5月.xlsx", block=b, rows=parsed)
    assert again.district == "义安区"


def test_region_column_without_a_clear_majority_does_not_decide(targets: Targets):
    rows = [
        ["序号", "项目名称", "总投资（万元）", "所属区域", "目前进展情况"],
        [1, "甲", 20000, "义安区", ""],
        [2, "乙", 30000, "经开区", ""],
    ]
    with pytest.raises(FileRejected) as info:
        ident(targets, file_name="2020年5月.xlsx", block=blk(rows))
    assert "所属区域列县区不一" in info.value.message


def test_two_districts_in_a_file_name_pass_to_the_next_source(targets: Targets):
    got = ident(
        targets,
        file_name="经开区、义安区-附件3-2020年05月.xlsx",
        sheet_name="义安区",
    )
    assert (got.district, got.how["district"]) == ("义安区", "工作表名")


def test_workbook_with_two_tables_does_not_take_the_table_from_the_file_name(targets: Targets):
    b = blk(notice_planned([PROW]), name="谋划")
    got = ident(
        targets,
        file_name="附件3-经开区-2020年05月.xlsx",
        sheet_name="谋划",
        block=b,
        sheet_count=2,
    )
    assert (got.table, got.how["table"]) == (Table.PLANNED, "工作表名")


def test_columns_contradicting_the_named_table_are_refused(targets: Targets):
    b = blk([r for r in notice_construction([CROW]) if r != ["附件3"]][1:])
    with pytest.raises(FileRejected) as info:
        ident(targets, file_name="附件2-经开区-2020年05月.xlsx", block=b)
    err = info.value
    assert err.code == "unidentified"
    assert "附件2-经开区-2020年05月.xlsx" in err.message
    assert "矛盾" in err.message and "附件3" in err.message


def test_unidentified_message_says_what_was_tried_and_how_to_fix(targets: Targets):
    rows = [["序号", "项目名称", "总投资（万元）", "项目单位"], [1, "甲", 100, "公司"]]
    with pytest.raises(FileRejected) as info:
        ident(targets, file_name="报表(1).xlsx", sheet_name="Sheet1", block=blk(rows))
    err = info.value
    assert err.code == "unidentified"
    msg = err.message
    assert "报表(1).xlsx" in msg and "Sheet1" in msg
    assert "县区、月份、表格类型" in msg
    for source in (
        "模板元数据",
        "命令行参数",
        "文件名",
        "工作表名",
        "标题行",
        "所属区域列",
        "表头列",
    ):
        assert source in msg
    assert "附件3-经开区-2020年05月.xlsx" in msg
    assert "--district" in msg and "--month" in msg and "--table" in msg


def test_unidentified_message_uses_what_was_found(targets: Targets):
    with pytest.raises(FileRejected) as info:
        ident(targets, file_name="郊区 附件2.xlsx")
    msg = info.value.message
    assert "无法确定月份" in msg
    assert "附件2-郊区-2020年05月.xlsx" in msg
    assert "--month 2020-05" in msg and "--district" not in msg


def test_ambiguous_month_is_reported_as_such(targets: Targets):
    with pytest.raises(FileRejected) as info:
        ident(targets, file_name="附件3-经开区-2020年4月 2020年5月.xlsx")
    assert "同时出现" in info.value.message and "2020-04" in info.value.message
