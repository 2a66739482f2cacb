"""Zip archives in the inbox: read in memory, each member a file of its own."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from _intake_files import mark_encrypted, zip_bytes
from test_collect import CONSTRUCTION_ROWS, run, set_received, sheet_rows, write_table

from gongjian_cli.intake import iter_incoming, read_incoming
from gongjian_cli.schema import Outcome, Table

RECEIVED = datetime(2020, 5, 22, 9, 30)


def xlsx(table: Table = Table.CONSTRUCTION, rows=None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in sheet_rows(table, rows):
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def put(path: Path, data: bytes, when: datetime = RECEIVED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    set_received(path, when)
    return path


def items_by_name(result) -> dict[str, object]:
    return {i.display_name(result.inbox): i for i in result.items}


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    box = tmp_path / "inbox"
    box.mkdir()
    return box


def test_gbk_member_names_are_decoded_and_each_member_is_a_file(inbox, ledger, targets):
    put(
        inbox / "2020-05" / "五月报表.zip",
        zip_bytes(
            {
                "义安区/义安区-2020年5月-附件3.xlsx": xlsx(),
                "义安区/义安区-2020年5月-附件2.xlsx": xlsx(Table.PLANNED),
            },
            gbk=True,
        ),
    )
    result = run(inbox, ledger, targets)
    got = items_by_name(result)
    item = got["2020-05/五月报表.zip/义安区/义安区-2020年5月-附件3.xlsx"]
    assert item.outcome is Outcome.ACCEPTED
    assert (item.district, item.month, item.table) == ("义安区", "2020-05", Table.CONSTRUCTION)
    assert item.rows == 2
    assert item.file_name == "五月报表.zip/义安区/义安区-2020年5月-附件3.xlsx"
    assert item.received_at == RECEIVED  # the zip's time
    planned = got["2020-05/五月报表.zip/义安区/义安区-2020年5月-附件2.xlsx"]
    assert planned.table is Table.PLANNED and planned.outcome is Outcome.ACCEPTED
    total = ledger.execute(
        "SELECT sum(total) FROM rows JOIN submissions s ON s.id = submission_id"
        " WHERE s.table_kind = 'construction'"
    ).fetchone()[0]
    assert total == 50000  # 30000 + 20000, the member's amounts
    assert not list(inbox.rglob("*.xlsx"))  # nothing unpacked onto the disk


def test_a_member_is_identified_by_its_zip_and_folder_names(inbox, ledger, targets):
    """Windows zips of a district's folder: the member says only which table it is; the
    district and month are in the zip's or the folder's name."""
    put(
        inbox / "枞阳县6月报表.zip",
        zip_bytes(
            {"枞阳县/附件2-谋划.xlsx": xlsx(Table.PLANNED), "附件3-在建.xlsx": xlsx()}, gbk=True
        ),
        datetime(2020, 6, 23, 16, 40),
    )
    got = items_by_name(run(inbox, ledger, targets))
    planned = got["枞阳县6月报表.zip/枞阳县/附件2-谋划.xlsx"]
    built = got["枞阳县6月报表.zip/附件3-在建.xlsx"]
    for item, table in ((planned, Table.PLANNED), (built, Table.CONSTRUCTION)):
        assert item.outcome is Outcome.ACCEPTED, item.reason
        assert (item.district, item.month, item.table) == ("枞阳县", "2020-06", table)


def test_utf8_flagged_names_folders_and_a_zip_in_a_zip(inbox, ledger, targets):
    inner = zip_bytes({"郊区-2020年5月-附件3.xlsx": xlsx()})
    outer = zip_bytes({"汇总/内层.zip": inner, "铜官区-2020年5月-附件3.xlsx": xlsx()})
    assert zipfile.ZipFile(io.BytesIO(outer)).infolist()[0].flag_bits & 0x800
    put(inbox / "包.zip", outer)
    got = items_by_name(run(inbox, ledger, targets))
    assert got["包.zip/汇总/内层.zip/郊区-2020年5月-附件3.xlsx"].district == "郊区"
    assert got["包.zip/铜官区-2020年5月-附件3.xlsx"].district == "铜官区"


def test_depth_three_is_refused_with_a_line(inbox, ledger, targets):
    deepest = zip_bytes({"郊区-2020年5月-附件3.xlsx": xlsx()})
    put(inbox / "三层.zip", zip_bytes({"二.zip": zip_bytes({"三.zip": deepest})}))
    result = run(inbox, ledger, targets)
    (item,) = result.items
    assert item.outcome is Outcome.SKIPPED
    assert item.display_name(inbox) == "三层.zip/二.zip/三.zip"
    assert "嵌套" in item.reason and "解压后放入收件箱" in item.reason


def test_zip_bomb_inside_a_zip_is_refused_quickly(inbox, ledger, targets):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("炸弹.xlsx", b"\0" * (300 * 2**20))  # 300 MB of zeros, ~300 KB packed
    put(
        inbox / "外.zip", zip_bytes({"内.zip": buf.getvalue(), "郊区-2020年5月-附件3.xlsx": xlsx()})
    )
    found, skipped = iter_incoming(inbox)
    assert [f.display_name for f in found] == ["外.zip/郊区-2020年5月-附件3.xlsx"]
    (line,) = skipped
    assert line[0] == inbox / "外.zip" / "内.zip"
    assert "压缩炸弹" in line[1]


def test_path_traversal_names_are_read_but_never_written(inbox, tmp_path, ledger, targets):
    bad = [(1, "铜冠电子铜箔二期", "铜冠公司", "新建厂房", 30000, 40000, "续建", "是", "无")]
    put(
        inbox / "怪.zip",
        zip_bytes(
            {
                "../义安区-2020年5月-附件3.xlsx": xlsx(rows=bad),
                "/abs/郊区-2020年5月-附件3.xlsx": xlsx(),
            }
        ),
    )
    before = set(tmp_path.parent.iterdir())
    feedback = tmp_path / "反馈"
    result = run(inbox, ledger, targets, feedback=feedback)
    got = items_by_name(result)
    first = got["怪.zip/义安区-2020年5月-附件3.xlsx"]
    assert first.outcome is Outcome.ACCEPTED and first.errors == 1
    assert got["怪.zip/abs/郊区-2020年5月-附件3.xlsx"].district == "郊区"
    origin = ledger.execute(
        "SELECT file_name FROM submissions WHERE district = '义安区'"
    ).fetchone()[0]
    assert origin == "怪.zip/义安区-2020年5月-附件3.xlsx"
    assert set(tmp_path.parent.iterdir()) == before  # nothing beside the test's folder
    assert not (tmp_path / "义安区-2020年5月-附件3.xlsx").exists()
    assert sorted(p.name for p in inbox.rglob("*")) == ["怪.zip"]
    (written,) = [p for p in feedback.rglob("*.xlsx")]
    assert (
        written == feedback / "2020-05" / "义安区" / "退回修改-怪.zip-义安区-2020年5月-附件3.xlsx"
    )
    listing = openpyxl.load_workbook(written)["问题清单"]
    assert listing["A2"].value == "报送文件：怪.zip/义安区-2020年5月-附件3.xlsx"
    cells = {(c.row, c.column) for row in listing.iter_rows() for c in row if c.value}
    assert cells  # the list has its findings
    copy = openpyxl.load_workbook(written).worksheets[1]
    assert copy["F4"].value == 40000  # the finding's cell: 2020年完成投资 of row 4
    assert copy["F4"].comment is not None


def test_encrypted_member_and_rar_7z_each_get_a_line(inbox, ledger, targets):
    put(inbox / "密.zip", mark_encrypted(zip_bytes({"郊区-2020年5月-附件3.xlsx": xlsx()})))
    put(inbox / "a.rar", b"Rar!\x1a\x07\x01\x00" + b"\0" * 32)
    put(inbox / "b.7z", b"7z\xbc\xaf\x27\x1c" + b"\0" * 32)
    put(inbox / "c.zip", b"Rar!\x1a\x07\x00" + b"\0" * 32)  # a rar named .zip
    result = run(inbox, ledger, targets)
    reasons = {i.display_name(inbox): (i.outcome, i.reason) for i in result.items}
    assert set(reasons) == {"密.zip/郊区-2020年5月-附件3.xlsx", "a.rar", "b.7z", "c.zip"}
    assert all(o is Outcome.SKIPPED for o, _ in reasons.values())
    assert "密码" in reasons["密.zip/郊区-2020年5月-附件3.xlsx"][1]
    assert "RAR" in reasons["a.rar"][1] and "解压后" in reasons["a.rar"][1]
    assert "7z" in reasons["b.7z"][1] and "解压后" in reasons["b.7z"][1]
    assert "RAR" in reasons["c.zip"][1]


def test_recollecting_a_zip_is_idempotent(inbox, ledger, targets):
    put(inbox / "包.zip", zip_bytes({"郊区-2020年5月-附件3.xlsx": xlsx()}, gbk=True))
    first = run(inbox, ledger, targets)
    assert [i.outcome for i in first.items] == [Outcome.ACCEPTED]
    count = ledger.execute("SELECT count(*) FROM submissions").fetchone()[0]
    again = run(inbox, ledger, targets)
    assert [i.outcome for i in again.items] == [Outcome.DUPLICATE]
    assert ledger.execute("SELECT count(*) FROM submissions").fetchone()[0] == count


def test_a_member_equal_to_a_loose_file_is_a_duplicate(inbox, tmp_path, ledger, targets):
    loose = write_table(inbox / "郊区-2020年5月-附件3.xlsx", Table.CONSTRUCTION, CONSTRUCTION_ROWS)
    assert run(inbox, ledger, targets).items[0].outcome is Outcome.ACCEPTED
    data = loose.read_bytes()
    loose.unlink()
    put(inbox / "转发.zip", zip_bytes({"郊区-2020年5月-附件3.xlsx": data}))
    (item,) = run(inbox, ledger, targets).items
    assert item.display_name(inbox) == "转发.zip/郊区-2020年5月-附件3.xlsx"
    assert item.outcome is Outcome.DUPLICATE


def test_read_incoming_reads_a_member_from_memory(inbox):
    put(inbox / "包.zip", zip_bytes({"x/郊区-2020年5月-附件3.xlsx": xlsx()}, gbk=True))
    (member,), _ = iter_incoming(inbox)
    assert member.path is None and member.origin is not None
    assert member.origin.member_name == "x/郊区-2020年5月-附件3.xlsx"
    wb = read_incoming(member)
    assert wb.kind == "xlsx"
    assert wb.sheets[0].rows[3][1] == "铜冠电子铜箔二期"


def test_a_member_with_a_broken_deflate_stream_is_a_line_not_a_crash(inbox, ledger, targets):
    # the member's compressed bytes are garbled: zlib.error while inflating it
    good = xlsx()
    data = bytearray(
        zip_bytes({"经开区-2020年5月-附件3.xlsx": good, "郊区-2020年5月-附件3.xlsx": good})
    )
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + 64] = b"\xff" * 64
    put(inbox / "坏.zip", bytes(data))
    result = run(inbox, ledger, targets)
    lines = {i.display_name(inbox): i for i in result.items}
    broken = lines["坏.zip/经开区-2020年5月-附件3.xlsx"]
    assert broken.outcome is Outcome.SKIPPED and "已损坏" in broken.reason
    other = lines["坏.zip/郊区-2020年5月-附件3.xlsx"]  # the rest of the archive still lands
    assert (other.outcome, other.district, other.rows) == (Outcome.ACCEPTED, "郊区", 2)
