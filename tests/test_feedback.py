"""Feedback workbooks (退回修改): highlighted copy, comments, 问题清单, rejection notes."""

from __future__ import annotations

import hashlib
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from _build_bad_files import PLANNED_HEADER
from office import soffice_convert
from openpyxl.styles import Protection

from gongjian_cli.errors import GongjianError, UsageError
from gongjian_cli.feedback import (
    AUTHOR,
    ERROR_FILL,
    FEEDBACK_SHEET,
    LIST_HEADER,
    LIST_HEADER_ROW,
    WARNING_FILL,
    feedback_path,
    write_feedback,
    write_rejection_note,
)
from gongjian_cli.models import Finding, make_finding
from gongjian_cli.schema import Severity

HEADER = list(PLANNED_HEADER)
SHEET = "附件2"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _make_source(path: Path, *, rows: int = 4, protect: bool = True) -> Path:
    """A 附件2 like our template: merged title, header on row 2, data from row 3, meta sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = "铜陵市2020年工业谋划项目表"
    ws.merge_cells("A1:J1")
    ws.append(HEADER)
    data = [
        [
            1,
            "铜基新材料项目",
            8000,
            "经开区",
            "年产5万吨",
            "前期",
            "开工",
            "甲公司",
            "张三",
            "综合科",
        ],
        [2, "智能装备产业园", 30000, "义安区", "厂房", "在谈", "签约", "乙公司", "李四", "中小局"],
        [3, "=1+1", "1.5亿", "经开区", "", "", "", "丙公司", "王五", "铜产业办"],
        [4, "铜箔二期", 120000, "经开区", "", "", "", "丁公司", "赵六", "综合科"],
    ]
    for n in range(rows):
        row = list(data[n % len(data)])
        row[0] = n + 1
        if n >= len(data):
            row[1] = f"项目{n + 1}"
        ws.append(row)
    ws["B5"].data_type = "s"  # the text "=1+1", as a district could type it
    for row in ws.iter_rows(min_row=3, max_row=2 + rows):
        for cell in row:
            cell.protection = Protection(locked=False)
    ws.protection.sheet = protect
    meta = wb.create_sheet("_meta")
    meta["A1"] = "经开区|2020-05|planned"
    meta.sheet_state = "hidden"
    wb.save(path)
    return path


def _findings(name: str) -> list[Finding]:
    return [
        make_finding(
            "below-1yi",
            file=name,
            sheet=SHEET,
            row=3,
            column="C",
            field="总投资（万元）",
            value=8000,
        ),
        make_finding(
            "other-district",
            file=name,
            sheet=SHEET,
            row=4,
            column="D",
            field="所属区域",
            value="义安区",
        ),
        make_finding(
            "duplicate-name",
            file=name,
            sheet=SHEET,
            row=5,
            column="B",
            field="项目名称",
            value="=1+1",
        ),
        make_finding(
            "unreadable-amount",
            file=name,
            sheet=SHEET,
            row=5,
            column="B",
            field="项目名称",
            value="=1+1",
            detail="示例",
        ),
        make_finding("duplicate-across-districts", file=name, sheet=SHEET, row=6, value="铜箔二期"),
        make_finding("sum-mismatch", file=name, detail="合计 158000 与明细之和 159500 不一致"),
    ]


def _rgb(cell) -> str | None:
    return cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type else None


def _list_rows(ws) -> list[tuple]:
    """(级别, 工作表, 行, 列, 规则代码) of each finding row of 问题清单."""
    out = []
    for row in ws.iter_rows(min_row=LIST_HEADER_ROW + 1, values_only=True):
        if row[0] is None:
            break
        out.append((row[0], row[1], row[2], row[3], row[7]))
    return out


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return _make_source(tmp_path / "经开区2020年5月附件2.xlsx")


def test_feedback_copy_highlights_comments_and_lists(tmp_path, source):
    before = _sha(source)
    findings = _findings(source.name)
    out = write_feedback(
        source,
        findings,
        tmp_path / "fb" / "经开区" / "退回修改.xlsx",
        district="经开区",
        month="2020-05",
        table_label="附件2",
    )
    assert out == tmp_path / "fb" / "经开区" / "退回修改.xlsx"
    assert _sha(source) == before

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [FEEDBACK_SHEET, SHEET, "_meta"]
    assert wb.active.title == FEEDBACK_SHEET
    ws = wb[SHEET]

    assert _rgb(ws["C3"]) == f"00{ERROR_FILL}"
    assert _rgb(ws["D4"]) == f"00{WARNING_FILL}"
    assert _rgb(ws["B5"]) == f"00{ERROR_FILL}"
    assert _rgb(ws["A3"]) is None  # unflagged cells keep their look
    # a finding on a row without a column: the row is filled, the comment sits in column A
    assert all(_rgb(ws.cell(row=6, column=c)) == f"00{WARNING_FILL}" for c in range(1, 11))
    assert "铜箔二期" in ws["A6"].comment.text

    c3 = ws["C3"].comment
    assert c3.author == AUTHOR
    assert "谋划项目总投资原则上不低于1亿元（10000万元）" in c3.text
    assert "填报内容：8000" in c3.text
    assert "【错误】" in c3.text
    assert "【提醒】" in ws["D4"].comment.text and "义安区" in ws["D4"].comment.text
    # two findings on one cell: one comment listing both
    b5 = ws["B5"].comment.text
    assert "1. 【错误】" in b5 and "2. 【错误】" in b5
    assert "同一表内项目名称重复" in b5 and "金额无法识别" in b5

    # text that looks like a formula stays text, in the copy and in the list
    assert ws["B5"].value == "=1+1" and ws["B5"].data_type == "s"

    fl = wb[FEEDBACK_SHEET]
    assert fl["A1"].value == "经开区 2020年5月 附件2：错误 3 条，提醒 3 条，请修改后重新报送"
    assert fl["A2"].value == f"报送文件：{source.name}"
    assert tuple(c.value for c in fl[LIST_HEADER_ROW]) == LIST_HEADER
    assert _list_rows(fl) == [
        ("提醒", None, None, None, "sum-mismatch"),
        ("错误", SHEET, 3, "C", "below-1yi"),
        ("提醒", SHEET, 4, "D", "other-district"),
        ("错误", SHEET, 5, "B", "duplicate-name"),
        ("错误", SHEET, 5, "B", "unreadable-amount"),
        ("提醒", SHEET, 6, None, "duplicate-across-districts"),
    ]
    row_b5 = LIST_HEADER_ROW + 4
    assert fl.cell(row=row_b5, column=6).value == "=1+1"
    assert fl.cell(row=row_b5, column=6).data_type == "s"
    assert fl.cell(row=row_b5, column=7).value == "同一表内项目名称重复，重复行不计入统计"
    assert fl.cell(row=row_b5, column=5).value == "项目名称"
    assert _rgb(fl.cell(row=row_b5, column=1)) == f"00{ERROR_FILL}"
    assert fl.cell(row=row_b5, column=3).hyperlink.location == f"'{SHEET}'!B5"


def test_copy_keeps_template_protection_and_metadata_usable(tmp_path, source):
    out = write_feedback(
        source, _findings(source.name), tmp_path / "fb.xlsx", district="经开区",
        month="2020-05", table_label="附件2",
    )  # fmt: skip
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET]
    assert ws.protection.sheet  # the template stays a template
    assert not ws["C3"].protection.locked and not ws["B5"].protection.locked
    assert wb["_meta"].sheet_state == "hidden"
    assert wb["_meta"]["A1"].value == "经开区|2020-05|planned"
    assert ws.merged_cells.ranges and str(next(iter(ws.merged_cells.ranges))) == "A1:J1"
    selected = [s.title for s in wb.worksheets if s.sheet_view.tabSelected]
    assert selected == [FEEDBACK_SHEET]


def test_resubmitted_copy_loses_the_old_round(tmp_path, source):
    first = write_feedback(
        source, _findings(source.name), tmp_path / "r1.xlsx", district="经开区",
        month="2020-05", table_label="附件2",
    )  # fmt: skip
    # the district fixed everything but D4 and sent the feedback copy back
    new = [
        make_finding(
            "other-district", file="r1.xlsx", sheet=SHEET, row=4, column="D", value="义安区"
        )
    ]
    second = write_feedback(
        first, new, tmp_path / "r2.xlsx", district="经开区", month="2020-05", table_label="附件2"
    )
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames.count(FEEDBACK_SHEET) == 1
    ws = wb[SHEET]
    assert ws["C3"].comment is None and _rgb(ws["C3"]) is None
    assert ws["B5"].comment is None and _rgb(ws["B5"]) is None
    assert ws["D4"].comment.text.count("所属区域与报送县区不一致") == 1
    assert _list_rows(wb[FEEDBACK_SHEET]) == [("提醒", SHEET, 4, "D", "other-district")]
    assert wb[FEEDBACK_SHEET]["A1"].value.startswith("经开区 2020年5月 附件2：错误 0 条，提醒 1 条")


def test_district_comment_is_kept_below_ours(tmp_path, source):
    from openpyxl.comments import Comment

    wb = openpyxl.load_workbook(source)
    wb[SHEET]["C3"].comment = Comment("含土地款", "经开区填报人")
    wb.save(source)
    out = write_feedback(
        source, _findings(source.name)[:1], tmp_path / "fb.xlsx", district="经开区",
        month="2020-05", table_label="附件2",
    )  # fmt: skip
    text = openpyxl.load_workbook(out)[SHEET]["C3"].comment.text
    assert text.startswith(f"{AUTHOR}：") and text.endswith("（原批注）含土地款")


def test_unlocatable_findings_are_listed_only(tmp_path, source):
    findings = [
        make_finding("missing-total", file=source.name, sheet="不存在", row=3, column="C"),
        make_finding("missing-total", file=source.name, sheet=SHEET, row=3, column="1X"),
        make_finding("missing-name", file=source.name, sheet=SHEET, row=None, column="B"),
    ]
    out = write_feedback(
        source,
        findings,
        tmp_path / "fb.xlsx",
        district="经开区",
        month="2020-05",
        table_label="附件2",
    )
    wb = openpyxl.load_workbook(out)
    assert wb[SHEET]["C3"].comment is None and _rgb(wb[SHEET]["C3"]) is None
    assert _list_rows(wb[FEEDBACK_SHEET]) == [
        ("错误", SHEET, None, "B", "missing-name"),
        ("错误", SHEET, 3, "1X", "missing-total"),
        ("错误", "不存在", 3, "C", "missing-total"),
    ]


def test_finding_inside_a_merged_range_goes_to_its_top_left(tmp_path, source):
    f = make_finding("missing-name", file=source.name, sheet=SHEET, row=1, column="E")
    out = write_feedback(
        source, [f], tmp_path / "fb.xlsx", district="经开区", month="2020-05", table_label="附件2"
    )
    ws = openpyxl.load_workbook(out)[SHEET]
    assert ws["A1"].comment is not None and _rgb(ws["A1"]) == f"00{ERROR_FILL}"


def test_control_characters_and_long_values_do_not_break_the_copy(tmp_path, source):
    f = make_finding(
        "unreadable-amount", file=source.name, sheet=SHEET, row=3, column="C",
        value="12\x0b000" + "万" * 500,
    )  # fmt: skip
    out = write_feedback(
        source, [f], tmp_path / "fb.xlsx", district="经开区", month="2020-05", table_label="附件2"
    )
    wb = openpyxl.load_workbook(out)
    listed = wb[FEEDBACK_SHEET].cell(row=LIST_HEADER_ROW + 1, column=6).value
    assert listed.startswith("12000万") and listed.endswith("…") and len(listed) == 121


def test_xlsm_source_gives_macro_free_xlsx(tmp_path, source):
    xlsm = tmp_path / "带宏.xlsm"
    with zipfile.ZipFile(source) as zi, zipfile.ZipFile(xlsm, "w") as zo:
        for item in zi.infolist():
            data = zi.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
                )
            zo.writestr(item, data)
        zo.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really vba")
    before = _sha(xlsm)
    out = write_feedback(
        xlsm, _findings(xlsm.name), tmp_path / "fb.xlsm", district="经开区", month="2020-05",
        table_label="附件2",
    )  # fmt: skip
    assert out.name == "fb.xlsm.xlsx"
    assert _sha(xlsm) == before
    with zipfile.ZipFile(out) as zf:
        assert "xl/vbaProject.bin" not in zf.namelist()
        types = zf.read("[Content_Types].xml")
    assert b"spreadsheetml.sheet.main+xml" in types and b"macroEnabled" not in types
    assert _rgb(openpyxl.load_workbook(out)[SHEET]["C3"]) == f"00{ERROR_FILL}"


@pytest.mark.soffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_xls_and_ods_sources_are_rebuilt_as_xlsx(tmp_path, source, fmt, need_soffice):
    converted = soffice_convert([source], fmt, tmp_path / "conv", tmp_path / "lo-profile")[0]
    before = _sha(converted)
    out = write_feedback(
        converted, _findings(converted.name), tmp_path / "fb.xlsx", district="经开区",
        month="2020-05", table_label="附件2",
    )  # fmt: skip
    assert _sha(converted) == before
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [FEEDBACK_SHEET, SHEET, "_meta"]
    assert wb["_meta"].sheet_state == "hidden"
    ws = wb[SHEET]
    assert ws["A1"].value == "铜陵市2020年工业谋划项目表"
    assert [c.value for c in ws[2]] == HEADER
    assert ws["B3"].value == "铜基新材料项目" and ws["C3"].value == 8000
    assert ws["C5"].value == "1.5亿"
    assert ws["B5"].value == "=1+1" and ws["B5"].data_type == "s"
    assert _rgb(ws["C3"]) == f"00{ERROR_FILL}" and _rgb(ws["D4"]) == f"00{WARNING_FILL}"
    assert "填报内容：8000" in ws["C3"].comment.text
    assert ws.column_dimensions["B"].width >= 14  # sized to 智能装备产业园
    if fmt == "xls":  # calamine reports merged ranges for .xls, not for .ods
        assert [str(r) for r in ws.merged_cells.ranges] == ["A1:J1"]
    assert len(_list_rows(wb[FEEDBACK_SHEET])) == 6


@pytest.mark.soffice
def test_feedback_opens_in_libreoffice(tmp_path, source, need_soffice):
    out = write_feedback(
        source, _findings(source.name), tmp_path / "fb.xlsx", district="经开区",
        month="2020-05", table_label="附件2",
    )  # fmt: skip
    pdf = soffice_convert([out], "pdf", tmp_path / "pdf", tmp_path / "lo-profile")[0]
    assert pdf.stat().st_size > 1000


def test_xlsx_renamed_xls_is_still_edited_as_xlsx(tmp_path, source):
    renamed = tmp_path / "改名.xls"
    renamed.write_bytes(source.read_bytes())
    out = write_feedback(
        renamed, _findings(renamed.name), tmp_path / "fb.xlsx", district="经开区",
        month="2020-05", table_label="附件2",
    )  # fmt: skip
    ws = openpyxl.load_workbook(out)[SHEET]
    assert ws.protection.sheet  # kept: it went through openpyxl, not the value-only rebuild
    assert _rgb(ws["C3"]) == f"00{ERROR_FILL}"


def test_unreadable_source_is_a_clear_error(tmp_path):
    junk = tmp_path / "坏文件.xls"
    junk.write_bytes(b"not a spreadsheet at all")
    with pytest.raises(GongjianError, match="无法读取文件"):
        write_feedback(
            junk, [], tmp_path / "fb.xlsx", district="经开区", month="2020-05", table_label="附件2"
        )
    assert not (tmp_path / "fb.xlsx").exists()


def test_never_overwrites_the_source(tmp_path, source):
    before = _sha(source)
    with pytest.raises(UsageError):
        write_feedback(source, [], source, district="经开区", month="2020-05", table_label="附件2")
    assert _sha(source) == before


def test_only_warnings_asks_to_check(tmp_path, source):
    f = make_finding("other-district", file=source.name, sheet=SHEET, row=4, column="D")
    out = write_feedback(
        source, [f], tmp_path / "fb.xlsx", district="义安区", month="2020年6月", table_label="附件2"
    )
    title = openpyxl.load_workbook(out)[FEEDBACK_SHEET]["A1"].value
    assert title == "义安区 2020年6月 附件2：错误 0 条，提醒 1 条，请核实，如有误请修改后重新报送"


def test_four_hundred_rows_well_under_a_second(tmp_path):
    src = _make_source(tmp_path / "大表.xlsx", rows=400)
    findings = [
        make_finding(
            "below-1yi", file=src.name, sheet=SHEET, row=r, column="C", value=8000,
            severity=Severity.ERROR if r % 2 else Severity.WARNING,
        )
        for r in range(3, 403, 4)
    ]  # fmt: skip
    write_feedback(  # warm-up: imports
        src,
        findings[:1],
        tmp_path / "w.xlsx",
        district="经开区",
        month="2020-05",
        table_label="附件2",
    )
    start = time.perf_counter()
    out = write_feedback(
        src, findings, tmp_path / "fb.xlsx", district="经开区", month="2020-05", table_label="附件2"
    )
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert len(_list_rows(openpyxl.load_workbook(out)[FEEDBACK_SHEET])) == 100


@pytest.mark.parametrize(
    ("district", "name", "expected"),
    [
        ("经开区", "经开区2020年5月附件3.xlsx", "经开区/退回修改-经开区2020年5月附件3.xlsx"),
        ("枞阳县", "附件3.XLSX", "枞阳县/退回修改-附件3.xlsx"),
        ("郊区", "附件2.xls", "郊区/退回修改-附件2-xls.xlsx"),
        ("义安区", "义安 附件2.et.xlsm", "义安区/退回修改-义安 附件2.et-xlsm.xlsx"),
        (None, "不知道.xlsx", "未识别/退回修改-不知道.xlsx"),
        (None, 'a:b?"c".ods', "未识别/退回修改-a_b__c_-ods.xlsx"),
        ("铜官区", "sub/dir/表.xlsx", "铜官区/退回修改-表.xlsx"),
    ],
)
def test_feedback_path(tmp_path, district, name, expected):
    assert feedback_path(tmp_path, district, name) == tmp_path / expected


def test_rejection_note(tmp_path):
    out = write_rejection_note(
        tmp_path / "未识别" / "退回修改-加密",
        file_name="=HYPERLINK(1).xlsx",
        reason="文件设有打开密码，无法读取。请取消密码后重新报送。",
        district=None,
        month="2020-05",
    )
    assert out == tmp_path / "未识别" / "退回修改-加密.xlsx"
    ws = openpyxl.load_workbook(out).active
    assert ws.title == "退回说明"
    assert ws["A1"].value == "2020年5月：文件未能受理，请处理后重新报送"
    table = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(3, 8)}
    assert list(table) == ["文件", "县区", "月份", "原因", "怎么办"]
    assert table["文件"].value == "=HYPERLINK(1).xlsx" and table["文件"].data_type == "s"
    assert table["县区"].value == "未识别"
    assert table["月份"].value == "2020年5月"
    assert table["原因"].value == "文件设有打开密码，无法读取。请取消密码后重新报送。"
    assert "模板" in table["怎么办"].value and "密码" in table["怎么办"].value


def test_rejection_note_with_district(tmp_path):
    out = write_rejection_note(
        tmp_path / "n.xlsx", file_name="x.xls", reason="文件已损坏", district="郊区", month=None
    )
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == "郊区：文件未能受理，请处理后重新报送"
    assert ws["B5"].value == "未识别"


# ------------------------------------------------------------------- FeedbackWriter


def _jobs(tmp_path: Path, source: Path) -> list:
    from gongjian_cli.feedback import FeedbackJob

    return [
        FeedbackJob(
            out_path=tmp_path / "fb" / "a.xlsx",
            file_name=source.name,
            district="经开区",
            month="2020-05",
            source=source,
            findings=tuple(_findings(source.name)),
            table_label="附件2",
        ),
        FeedbackJob(  # cannot be written: its folder is a file
            out_path=tmp_path / "blocked" / "x" / "b.xlsx",
            file_name="b.xlsx",
            district=None,
            month=None,
            reason="文件已损坏",
        ),
        FeedbackJob(
            out_path=tmp_path / "fb" / "c.xlsx",
            file_name="c.xlsx",
            district="郊区",
            month="2020-05",
            reason="文件已损坏",
        ),
    ]


def _check_results(tmp_path: Path, results: list) -> None:
    paths = [r for _, r in results]
    assert paths[0] == tmp_path / "fb" / "a.xlsx" and paths[0].exists()
    assert isinstance(paths[1], OSError)
    assert paths[2] == tmp_path / "fb" / "c.xlsx" and paths[2].exists()
    assert openpyxl.load_workbook(paths[0]).sheetnames[0] == FEEDBACK_SHEET


def test_writer_writes_in_another_process_and_reports_each_failure(tmp_path, source):
    from gongjian_cli.feedback import FeedbackWriter

    (tmp_path / "blocked").write_text("a file where a folder should be")
    writer = FeedbackWriter()
    for job in _jobs(tmp_path, source):
        writer.submit(job)
    assert writer._pool is not None  # the jobs went to the feedback process
    _check_results(tmp_path, writer.results())
    assert writer._pool is None  # stopped once done


def test_writer_falls_back_to_this_process(tmp_path, source, monkeypatch):
    import concurrent.futures

    from gongjian_cli.feedback import FeedbackWriter

    def no_process(*args, **kwargs):
        raise OSError("cannot start a process")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_process)
    (tmp_path / "blocked").write_text("a file where a folder should be")
    writer = FeedbackWriter()
    for job in _jobs(tmp_path, source):
        writer.submit(job)
    assert writer._pool is None
    _check_results(tmp_path, writer.results())


def test_writer_redoes_the_jobs_of_a_dead_process(tmp_path, source, monkeypatch):
    import concurrent.futures
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from gongjian_cli.feedback import FeedbackWriter

    class DeadPool:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def submit(self, fn, *args):
            future: Future = Future()
            future.set_exception(BrokenProcessPool("the process died"))
            return future

        def shutdown(self, **kwargs) -> None:
            pass

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", DeadPool)
    (tmp_path / "blocked").write_text("a file where a folder should be")
    writer = FeedbackWriter()
    for job in _jobs(tmp_path, source):
        writer.submit(job)
    _check_results(tmp_path, writer.results())
