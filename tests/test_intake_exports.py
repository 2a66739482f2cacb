"""System exports: HTML tables named .xls, XML Spreadsheet 2003, CSV — read as tables."""

from __future__ import annotations

import time
from pathlib import Path

import openpyxl
import pytest
from _build_bad_files import CONSTRUCTION_HEADER
from test_collect import run
from test_intake_archives import put

from gongjian_cli.errors import FileRejected
from gongjian_cli.intake import Incoming, read_incoming
from gongjian_cli.intake.inbox import mtime
from gongjian_cli.schema import Outcome, Table

ROWS = [
    ["1", "铜冠电子铜箔二期", "铜冠公司", "新建厂房", "30000", "40000", "续建", "是", "无"],
    ["2", "智能装备产业园", "装备公司", "新建厂房", "20,000", "5000", "新开工", "是", "用地待批"],
]


def html_table(charset: str = "gb2312") -> bytes:
    head = "".join(f"<td>{h}</td>" for h in CONSTRUCTION_HEADER)
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in ROWS)
    page = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        "<title>在建项目</title></head><body><table border=1>"
        f'<tr><td colspan="9">附件3</td></tr>'
        f'<tr><td colspan="9">铜陵市2020年工业在建项目进展情况表</td></tr>'
        f"<tr>{head}</tr>{body}</table></body></html>"
    )
    return page.encode("gb18030" if charset.lower() in ("gb2312", "gbk") else charset)


def xml_2003(extra: str = "") -> bytes:
    def cell(v: str, attrs: str = "") -> str:
        kind = "Number" if v.replace(",", "").isdigit() and "," not in v else "String"
        return f'<Cell{attrs}><Data ss:Type="{kind}">{v}</Data></Cell>'

    rows = [
        "<Row>" + cell("附件3", ' ss:MergeAcross="8"') + "</Row>",
        f"<Row>{cell('铜陵市2020年工业在建项目进展情况表')}</Row>",
        "<Row>" + "".join(cell(h) for h in CONSTRUCTION_HEADER) + "</Row>",
        *("<Row>" + "".join(cell(v) for v in r) + "</Row>" for r in ROWS[:1]),
        # ss:Index skips a row (row 5 empty) and a column (B, C start at column 2)
        '<Row ss:Index="6">'
        + cell("2")
        + cell("智能装备产业园", ' ss:Index="2"')
        + "".join(cell(v) for v in ROWS[1][2:])
        + "</Row>",
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        + extra
        + '<?mso-application progid="Excel.Sheet"?>'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        '<Worksheet ss:Name="在建"><Table>' + "".join(rows) + "</Table></Worksheet></Workbook>"
    ).encode()


def incoming(path: Path) -> Incoming:
    return Incoming(path.name, None, path, mtime(path))


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    box = tmp_path / "inbox"
    box.mkdir()
    return box


def test_html_xls_with_gb2312_meta(inbox, tmp_path, ledger, targets):
    put(inbox / "郊区-2020年5月-附件3.xls", html_table("gb2312"))
    wb = read_incoming(incoming(inbox / "郊区-2020年5月-附件3.xls"))
    assert wb.kind == "html"
    (sheet,) = wb.sheets
    assert sheet.name == "在建项目"
    assert sheet.rows[2][1] == "项目名称" or "项目名称" in str(sheet.rows[2][1])
    assert sheet.rows[3][1] == "铜冠电子铜箔二期" and sheet.rows[3][4] == 30000
    assert sheet.merged[0] == ((0, 0), (0, 8))
    feedback = tmp_path / "反馈"
    (item,) = run(inbox, ledger, targets, feedback=feedback).items
    assert (item.district, item.table, item.outcome) == (
        "郊区",
        Table.CONSTRUCTION,
        Outcome.ACCEPTED,
    )
    assert item.errors == 1  # 完成投资 40000 > 总投资 30000
    totals = [r[0] for r in ledger.execute("SELECT total FROM rows ORDER BY excel_row")]
    assert totals == [30000, 20000]
    finding = ledger.execute(
        "SELECT excel_row, col, code FROM findings WHERE severity = 'error'"
    ).fetchone()
    assert tuple(finding) == (4, "F", "completed-exceeds-total")
    (written,) = feedback.rglob("*.xlsx")
    assert written.name == "退回修改-郊区-2020年5月-附件3-xls.xlsx"
    book = openpyxl.load_workbook(written)
    assert book["问题清单"]["A1"].value.startswith("原文件为网页格式，此为转换后的副本")
    assert book["在建项目"]["F4"].value == 40000 and book["在建项目"]["F4"].comment is not None


def test_xml_2003_honours_index_and_merge_across(inbox, ledger, targets):
    put(inbox / "义安区-2020年5月-附件3.xml", xml_2003())
    (sheet,) = read_incoming(incoming(inbox / "义安区-2020年5月-附件3.xml")).sheets
    assert sheet.merged[0] == ((0, 0), (0, 8))
    assert sheet.rows[4] == [""] * 9  # row 5 skipped by ss:Index="6"
    assert sheet.rows[5][1] == "智能装备产业园" and sheet.rows[5][4] == "20,000"
    (item,) = run(inbox, ledger, targets).items
    assert (item.district, item.rows, item.outcome) == ("义安区", 2, Outcome.ACCEPTED)
    rows = ledger.execute("SELECT excel_row, name, total FROM rows ORDER BY excel_row").fetchall()
    assert [tuple(r) for r in rows] == [
        (4, "铜冠电子铜箔二期", 30000),
        (6, "智能装备产业园", 20000),
    ]


def test_xml_billion_laughs_is_refused_quickly(inbox):
    lol = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
            for i in range(1, 10)
        )
        + "]>"
    )
    data = xml_2003(lol).replace(b"\xe9\x93\x9c\xe5\x86\xa0", b"&lol9;")
    put(inbox / "炸.xml", data)
    start = time.perf_counter()
    with pytest.raises(FileRejected) as err:
        read_incoming(incoming(inbox / "炸.xml"))
    assert time.perf_counter() - start < 1
    assert err.value.code == "zip-bomb" and "实体" in err.value.message


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_encodings_are_detected(inbox, ledger, targets, encoding):
    lines = ["附件3", "铜陵市2020年工业在建项目进展情况表", ",".join(CONSTRUCTION_HEADER)]
    lines += [",".join(f'"{v}"' for v in r) for r in ROWS]
    put(inbox / "铜官区-2020年5月-附件3.csv", "\r\n".join(lines).encode(encoding))
    (sheet,) = read_incoming(incoming(inbox / "铜官区-2020年5月-附件3.csv")).sheets
    assert sheet.name == "铜官区-2020年5月-附件3"
    assert sheet.rows[3][1] == "铜冠电子铜箔二期"
    (item,) = run(inbox, ledger, targets).items
    assert (item.district, item.rows, item.outcome) == ("铜官区", 2, Outcome.ACCEPTED)
    assert ledger.execute("SELECT sum(total) FROM rows").fetchone()[0] == 50000


def test_text_renamed_xlsx_is_still_refused(inbox):
    put(inbox / "文本.xlsx", "序号,项目名称\n".encode())
    with pytest.raises(FileRejected) as err:
        read_incoming(incoming(inbox / "文本.xlsx"))
    assert err.value.code == "not-spreadsheet"
