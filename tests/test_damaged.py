"""Damaged workbooks are `corrupt` (损坏, 请重新保存后再报送), never an internal error.

The damaged files are built from bytes: a valid workbook, then one byte of a member's
compressed data flipped (its CRC check, or its deflate stream, then fails when read), a
member's compression method garbled, or calamine made to fail. collect records such a
file as rejected, and a second run knows it (duplicate), instead of reading it again as
a program error every time.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from _build_bad_files import notice_construction, repeated_ods, workbook
from test_collect import run, write_table

from gongjian_cli.errors import FileRejected
from gongjian_cli.reading import read_workbook
from gongjian_cli.schema import Outcome, Table

ROW = [1, "铜陵某铜箔项目", "某公司", "年产2万吨铜箔", 120000, 3000, "续建", "是", ""]
RESAVE = "请重新保存后再报送"


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "inbox"
    path.mkdir()
    return path


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return workbook(tmp_path / "good.xlsx", {"在建": notice_construction([ROW])})


def _data_span(data: bytes, member: str) -> tuple[int, int]:
    """(start, length) of ``member``'s compressed data in the zip ``data``."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    name_len, extra_len = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    return info.header_offset + 30 + name_len + extra_len, info.compress_size


def _read_error(data: bytes, member: str) -> BaseException | None:
    try:
        zipfile.ZipFile(io.BytesIO(data)).read(member)
    except Exception as exc:
        return exc
    return None


def flipped(data: bytes, member: str, want: type[BaseException]) -> bytes:
    """``data`` with one byte of ``member``'s compressed data flipped so that zipfile,
    reading the member, raises ``want`` (BadZipFile "Bad CRC-32" or zlib.error): the
    first such byte from the middle of the member on."""
    start, length = _data_span(data, member)
    for offset in [*range(length // 2, length), *range(length // 2)]:
        bad = bytearray(data)
        bad[start + offset] ^= 0x01
        exc = _read_error(bytes(bad), member)
        if type(exc) is want and (want is not zipfile.BadZipFile or "CRC" in str(exc)):
            return bytes(bad)
    raise AssertionError(f"no byte of {member} gives {want.__name__}")


def with_method(data: bytes, member: str, method: int) -> bytes:
    """``data`` with ``member``'s compression method in the central directory set to
    ``method`` (99, AES: zipfile raises NotImplementedError)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
    pos = data.index(b"PK\x01\x02")
    while True:  # the central directory entry of ``member``
        n = struct.unpack("<H", data[pos + 28 : pos + 30])[0]
        if data[pos + 46 : pos + 46 + n] == name:
            break
        pos = data.index(b"PK\x01\x02", pos + 4)
    out = bytearray(data)
    out[pos + 10 : pos + 12] = struct.pack("<H", method)
    return bytes(out)


def _rejected(path: Path) -> FileRejected:
    with pytest.raises(FileRejected) as err:
        read_workbook(path)
    return err.value


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    "member",
    [
        "[Content_Types].xml",  # read to tell xlsx from xlsm: was an internal error
        "xl/_rels/workbook.xml.rels",  # read to find the worksheets: was an internal error
        "xl/workbook.xml",  # calamine stops at </workbook>: damage there could pass
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
    ],
)
def test_a_bad_crc_in_any_part_that_is_read_is_corrupt(good: Path, tmp_path: Path, member: str):
    bad = tmp_path / "坏CRC.xlsx"
    bad.write_bytes(flipped(good.read_bytes(), member, zipfile.BadZipFile))
    err = _rejected(bad)
    assert err.code == "corrupt"
    assert err.message.startswith(f"文件“坏CRC.xlsx”已损坏（压缩包内容校验失败），{RESAVE}")
    assert "Bad CRC-32" in err.message  # the detail, for whoever looks into the file


@pytest.mark.parametrize("member", ["[Content_Types].xml", "xl/workbook.xml", "_rels/.rels"])
def test_a_broken_deflate_stream_is_corrupt(good: Path, tmp_path: Path, member: str):
    bad = tmp_path / "坏流.xlsx"
    bad.write_bytes(flipped(good.read_bytes(), member, zlib.error))
    err = _rejected(bad)
    assert err.code == "corrupt" and RESAVE in err.message
    assert "error" in err.message  # zlib.error


@pytest.mark.parametrize("member", ["[Content_Types].xml", "xl/worksheets/sheet1.xml"])
def test_an_unknown_compression_method_is_corrupt(good: Path, tmp_path: Path, member: str):
    bad = tmp_path / "方法.xlsx"
    bad.write_bytes(with_method(good.read_bytes(), member, 99))
    assert isinstance(_read_error(bad.read_bytes(), member), NotImplementedError)
    err = _rejected(bad)
    assert err.code == "corrupt" and RESAVE in err.message


def test_damage_in_a_part_that_holds_no_data_is_harmless(good: Path, tmp_path: Path):
    """Document properties and the theme are never read: the figures are intact."""
    bad = tmp_path / "属性.xlsx"
    data = flipped(good.read_bytes(), "docProps/app.xml", zipfile.BadZipFile)
    bad.write_bytes(flipped(data, "xl/theme/theme1.xml", zipfile.BadZipFile))
    assert read_workbook(bad).sheets[0].rows[3][1] == "铜陵某铜箔项目"


@pytest.mark.parametrize("member", ["content.xml", "META-INF/manifest.xml"])
def test_a_damaged_ods_is_corrupt(tmp_path: Path, member: str):
    ods = repeated_ods(tmp_path / "好.ods", rows=2, cols=3)
    bad = tmp_path / "坏.ods"
    bad.write_bytes(flipped(ods.read_bytes(), member, zipfile.BadZipFile))
    err = _rejected(bad)
    assert err.code == "corrupt" and RESAVE in err.message


@pytest.mark.parametrize(
    "error",
    [EOFError("Compressed file ended"), struct.error("unpack requires a buffer"), OSError(5, "x")],
)
def test_other_damage_zipfile_reports_is_corrupt(good: Path, monkeypatch, error):
    """What zipfile raises on a member cut short, a short header or a failed read (hard
    to build byte by byte) is classified the same way."""
    import gongjian_cli.reading as reading

    def damaged(zf, name):
        raise error

    monkeypatch.setattr(reading, "_scan_sheet_xml", damaged)
    err = _rejected(good)
    assert err.code == "corrupt" and RESAVE in err.message
    assert type(error).__name__ in err.message


def test_calamine_failing_or_panicking_is_corrupt_memory_error_is_not(good, monkeypatch):
    import python_calamine as pc

    class PanicException(BaseException):  # pyo3's, raised when calamine's Rust code panics
        pass

    for error, corrupt in (
        (pc.CalamineError("Cannot detect file format"), True),
        (OSError("invalid checksum"), True),
        (PanicException("index out of bounds"), True),
        (MemoryError(), False),
    ):

        def fail(*args, error=error):
            raise error

        monkeypatch.setattr(pc.CalamineWorkbook, "from_filelike", fail)
        if corrupt:
            err = _rejected(good)
            assert err.code == "corrupt" and RESAVE in err.message
        else:  # not the file's doing: collect reports it as its own error, reads it again
            with pytest.raises(MemoryError):
                read_workbook(good)


# --------------------------------------------------------------------------- collect


def test_collect_records_a_bad_crc_file_as_corrupt_and_knows_it_next_time(
    inbox: Path, ledger, targets, tmp_path: Path
):
    good = write_table(tmp_path / "g.xlsx", Table.CONSTRUCTION)
    bad = inbox / "义安区-2020年5月-附件3.xlsx"
    bad.write_bytes(flipped(good.read_bytes(), "[Content_Types].xml", zipfile.BadZipFile))
    write_table(inbox / "郊区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)

    first = {i.file_name: i for i in run(inbox, ledger, targets).items}
    item = first[bad.name]
    assert (item.outcome, item.code) == (Outcome.REJECTED, "corrupt")
    assert item.reason.startswith(f"文件“{bad.name}”已损坏（压缩包内容校验失败），{RESAVE}")
    assert "请报告此问题" not in item.reason
    assert first["郊区-2020年5月-附件3.xlsx"].outcome is Outcome.ACCEPTED
    rec = ledger.execute(
        "SELECT status, reject_code, reject_reason, district, month FROM submissions"
        " WHERE file_name = ?",
        (bad.name,),
    ).fetchall()
    assert [tuple(r) for r in rec] == [("rejected", "corrupt", item.reason, "义安区", "2020-05")]

    result = run(inbox, ledger, targets)
    again = next(i for i in result.items if i.file_name == bad.name)
    assert (again.outcome, again.code) == (Outcome.DUPLICATE, "corrupt")
    assert again.reason == f"此前已因同一原因退回：{item.reason}"
    assert result.exit_code() == 1  # still rejected, as the clerk must chase it
    count = "SELECT count(*) FROM submissions WHERE file_name = ?"
    assert ledger.execute(count, (bad.name,)).fetchone()[0] == 1
