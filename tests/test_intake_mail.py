"""E-mails (.eml) in the inbox: each spreadsheet attachment a file of its own, received
at the message's Date (China time), whatever the file's own time."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path

import pytest
from test_collect import run
from test_intake_archives import put, xlsx

from gongjian_cli.intake import iter_incoming
from gongjian_cli.intake.mail import to_china_time
from gongjian_cli.schema import Outcome, SubmissionStatus, Table

SAVED_LATE = datetime(2020, 5, 28, 16, 0)  # the clerk saved the message to disk


def eml(
    attachments: list[tuple[str, bytes]],
    *,
    date: str = "Sun, 24 May 2020 10:15:00 +0800",
    sender: str = "=?GBK?B?"
    + base64.b64encode("郊区经信局".encode("gbk")).decode()
    + "?= <jxj@jiaoqu.gov.cn>",
    forwarded: bytes | None = None,
) -> bytes:
    """A multipart message; each attachment's header line is given whole (name forms)."""
    parts = [
        "From: " + sender,
        "To: tzk@tl.gov.cn",
        "Subject: =?UTF-8?B?" + base64.b64encode("5月报表".encode()).decode() + "?=",
        "Date: " + date,
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="BOUNDARY"',
        "",
        "--BOUNDARY",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "请查收。",
    ]
    for header, data in attachments:
        parts += [
            "--BOUNDARY",
            "Content-Type: application/octet-stream",
            "Content-Transfer-Encoding: base64",
            header,
            "",
            base64.encodebytes(data).decode().strip(),
        ]
    if forwarded is not None:
        parts += ["--BOUNDARY", "Content-Type: message/rfc822", "", forwarded.decode()]
    parts.append("--BOUNDARY--")
    return "\r\n".join(parts).encode()


def rfc2047(name: str, charset: str) -> str:
    word = base64.b64encode(name.encode(charset)).decode()
    return f'Content-Disposition: attachment; filename="=?{charset}?B?{word}?="'


def rfc2231(name: str, charset: str) -> str:
    quoted = "".join(f"%{b:02X}" for b in name.encode(charset))
    return f"Content-Disposition: attachment; filename*={charset}''{quoted}"


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    box = tmp_path / "inbox"
    box.mkdir()
    return box


@pytest.mark.parametrize(
    "header",
    [
        rfc2047("郊区-2020年5月-附件3.xlsx", "GBK"),
        rfc2047("郊区-2020年5月-附件3.xlsx", "UTF-8"),
        rfc2047("郊区-2020年5月-附件3.xlsx", "GB18030"),
        rfc2231("郊区-2020年5月-附件3.xlsx", "gbk"),
        rfc2231("郊区-2020年5月-附件3.xlsx", "utf-8"),
    ],
    ids=["2047-gbk", "2047-utf8", "2047-gb18030", "2231-gbk", "2231-utf8"],
)
def test_attachment_names_are_decoded(inbox, header):
    put(inbox / "来信.eml", eml([(header, xlsx())]))
    (found,), skipped = iter_incoming(inbox)
    assert skipped == []
    assert found.display_name == "来信.eml/郊区-2020年5月-附件3.xlsx"
    assert found.origin is not None
    assert found.origin.member_name == "郊区-2020年5月-附件3.xlsx"
    assert found.origin.sender == "郊区经信局 <jxj@jiaoqu.gov.cn>"


def test_date_not_file_time_decides_late(inbox, ledger, targets):
    """Sent on the 24th (UTC, evening: the 25th in China), saved to disk on the 28th."""
    put(
        inbox / "准时.eml",
        eml(
            [(rfc2231("郊区-2020年5月-附件3.xlsx", "utf-8"), xlsx())],
            date="Mon, 25 May 2020 15:59:00 +0000",
        ),
        SAVED_LATE,
    )
    put(
        inbox / "逾期.eml",
        eml(
            [(rfc2047("义安区-2020年5月-附件3.xlsx", "GBK"), xlsx())],
            date="Mon, 25 May 2020 16:00:01 +0000",
        ),
        datetime(2020, 5, 20),
    )
    result = run(inbox, ledger, targets)
    got = {i.display_name(inbox): i for i in result.items}
    on_time = got["准时.eml/郊区-2020年5月-附件3.xlsx"]
    assert on_time.outcome is Outcome.ACCEPTED
    assert on_time.received_at == datetime(2020, 5, 25, 23, 59)
    late = got["逾期.eml/义安区-2020年5月-附件3.xlsx"]
    assert late.received_at == datetime(2020, 5, 26, 0, 0, 1)

    from gongjian_cli.month import Month
    from gongjian_cli.status import submission_status

    report = submission_status(ledger, Month.parse("2020-05"), targets)
    status = {(ln.district, ln.table): ln.status for ln in report.lines}
    assert status["郊区", Table.CONSTRUCTION] is SubmissionStatus.ON_TIME
    assert status["义安区", Table.CONSTRUCTION] is SubmissionStatus.LATE


def test_forwarded_message_attachments_are_read_too(inbox, ledger, targets):
    inner = eml([(rfc2047("铜官区-2020年5月-附件3.xlsx", "GBK"), xlsx())])
    put(
        inbox / "转发.eml",
        eml([(rfc2231("说明.docx", "utf-8"), b"PK\x03\x04 not a sheet")], forwarded=inner),
    )
    result = run(inbox, ledger, targets)
    got = {i.display_name(inbox): i for i in result.items}
    assert got["转发.eml/铜官区-2020年5月-附件3.xlsx"].district == "铜官区"
    assert got["转发.eml/说明.docx"].outcome is Outcome.SKIPPED


def test_recollecting_an_eml_is_idempotent(inbox, ledger, targets):
    put(inbox / "来信.eml", eml([(rfc2047("郊区-2020年5月-附件3.xlsx", "GBK"), xlsx())]))
    assert [i.outcome for i in run(inbox, ledger, targets).items] == [Outcome.ACCEPTED]
    assert [i.outcome for i in run(inbox, ledger, targets).items] == [Outcome.DUPLICATE]


def test_msg_gets_a_line(inbox, ledger, targets):
    put(inbox / "来信.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    (item,) = run(inbox, ledger, targets).items
    assert item.outcome is Outcome.SKIPPED and ".eml" in item.reason


def test_to_china_time():
    from datetime import UTC

    assert to_china_time(datetime(2020, 5, 25, 16, 0, tzinfo=UTC)) == datetime(2020, 5, 26)
    assert to_china_time(datetime(2020, 5, 25, 16, 0)) == datetime(2020, 5, 26)  # -0000
