"""The inbox as files to parse: loose files, zip members and e-mail attachments alike.

``iter_incoming`` walks the inbox (sub-folders included, name order) and opens the
containers in memory; ``read_incoming`` reads one ``Incoming`` into the
``reading.RawWorkbook`` the rest of collect works on, whatever its format, sniffed
from the bytes (an HTML page named .xls is read as the table it is).

Received time: a loose file's modification time; a member of a zip, the zip's (it was
received when the zip was); an e-mail's attachment, the message's Date header in China
time (the file's own time is when someone saved it, often days later), or the .eml's
modification time when it has no usable Date.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gongjian_cli.errors import FileRejected
from gongjian_cli.intake import archives
from gongjian_cli.intake.limits import MAX_CONTAINER_BYTES, Budget, ContainerRefused
from gongjian_cli.intake.model import Incoming, Origin
from gongjian_cli.reading import (
    SPREADSHEET_SUFFIXES,
    RawWorkbook,
    _describe_foreign,
    _is_ignored,
    read_file_bytes,
    read_workbook_data,
)

#: Exports of other systems, read as tables (the content decides how).
EXPORT_SUFFIXES = frozenset({".htm", ".html", ".xml", ".csv"})
TABLE_SUFFIXES = frozenset(SPREADSHEET_SUFFIXES | EXPORT_SUFFIXES)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_NOTES = {
    ".et": "是WPS表格（.et）文件，已跳过，请在WPS中另存为.xlsx后再报送",
    ".tar": "是tar压缩包，本程序不解此格式；请解压后把其中的报表放入收件箱",
    ".gz": "是gz压缩包，本程序不解此格式；请解压后把其中的报表放入收件箱",
}
_MSG_NOTE = (
    "是Outlook邮件（.msg），本程序不读此格式；请在Outlook中把邮件另存为.eml，"
    "或把其中的附件另存后放入收件箱"
)
_NOT_SPREADSHEET = "不是电子表格文件，已跳过"

Skipped = list[tuple[Path, str]]


def mtime(path: Path) -> datetime:
    """A file's modification time (local time, like every received time)."""
    return datetime.fromtimestamp(path.stat().st_mtime)


def iter_incoming(inbox: Path) -> tuple[list[Incoming], Skipped]:
    """Every file to parse under ``inbox`` (sorted by where it is shown) and the lines
    for what was left out: (where it is shown, Chinese reason and what to do).

    Ignored silently, as ``reading.iter_inbox`` does: office lock files, hidden and
    system files. A .rar/.7z (by signature), an encrypted zip member, a .msg, a zip or
    e-mail beyond the limits each get a line: never skipped without a word.
    """
    inbox = Path(inbox)
    found: list[Incoming] = []
    skipped: Skipped = []
    for path in sorted(inbox.rglob("*")):
        rel = path.relative_to(inbox)
        if any(_is_ignored(part) for part in rel.parts) or not path.is_file():
            continue
        suffix = path.suffix.lower()
        if suffix in TABLE_SUFFIXES:
            found.append(Incoming(path.name, None, path, mtime(path)))
            continue
        if suffix in (".zip", ".eml", ".msg", ".rar", ".7z"):
            _open_container(path, found, skipped)
        elif suffix in _NOTES:
            skipped.append((path, _NOTES[suffix]))
        else:
            skipped.append((path, _NOT_SPREADSHEET))
    found.sort(key=lambda i: i.location)
    return found, skipped


def _open_container(path: Path, found: list[Incoming], skipped: Skipped) -> None:
    """Open an archive or an e-mail of the inbox into ``found`` / ``skipped``."""
    try:
        size = path.stat().st_size
        if size > MAX_CONTAINER_BYTES:
            skipped.append((path, f"文件过大（{size / 2**20:.0f}MB），未读取"))
            return
        data = path.read_bytes()
    except OSError as exc:
        skipped.append((path, f"无法打开（{exc.strerror or exc}）"))
        return
    received = mtime(path)
    base = Origin(path, hashlib.sha256(data).hexdigest(), "")
    suffix = path.suffix.lower()
    if suffix == ".msg" and data.startswith(_OLE_MAGIC):
        skipped.append((path, _MSG_NOTE))
        return
    kind = archives.archive_kind(data[:8])
    if kind in archives.UNSUPPORTED_ARCHIVE:
        skipped.append((path, archives.UNSUPPORTED_ARCHIVE[kind]))
        return
    budget = Budget()
    budget.take(len(data), 0)
    walk = _Walk(path, received, budget, found, skipped)
    try:
        if kind == "zip":
            walk.zip(data, path.name, base, 1)
        elif suffix == ".eml":
            walk.mail(data, path.name, base, 1)
        else:
            what = "Outlook邮件" if suffix == ".msg" else "压缩包"
            skipped.append(
                (
                    path,
                    f"扩展名是{suffix}，内容却不是{what}（{_describe_foreign(data[:2048])}），已跳过",
                )
            )
    except ContainerRefused as exc:
        skipped.append((path, exc.reason))


def _worth_opening(name: str) -> bool:
    """A member or attachment named as a table, or as a container to open or name."""
    suffix = Path(name.replace("\\", "/")).suffix.lower()
    return suffix in TABLE_SUFFIXES or suffix in (".zip", ".eml", ".rar", ".7z", ".msg")


@dataclass(slots=True)
class _Walk:
    """The opening of one container of the inbox (``inbox_file``), however deep: what
    stays the same at every level, and where the tables and the notes go."""

    inbox_file: Path
    received: datetime  # the container's time: the received time of what has no Date
    budget: Budget  # shared by every level (sizes, member count)
    found: list[Incoming]
    skipped: Skipped

    def note(self, shown: str, reason: str) -> None:
        """A line for something shown as ``shown`` (``包.zip/成员.xlsx``) left out."""
        self.skipped.append((self.inbox_file.parent / shown, reason))

    def zip(self, data: bytes, display: str, base: Origin, depth: int) -> None:
        def wanted(name: str, head: bytes) -> bool:
            return _worth_opening(name)

        opened = archives.open_zip(
            data, display=display, budget=self.budget, depth=depth, wanted=wanted
        )
        for shown, reason in opened.notes:
            self.note(shown, reason)
        for member in opened.members:
            self.member(member.display_name, member.raw_name, member.data, base, depth)

    def member(self, shown: str, raw_name: str, data: bytes, base: Origin, depth: int) -> None:
        """One file taken out of a container: a table to parse, or a container to open."""
        suffix = Path(raw_name.replace("\\", "/")).suffix.lower()
        member_path = shown.split("/", 1)[1] if "/" in shown else shown
        kind = archives.archive_kind(data[:8])
        try:
            if suffix == ".zip" or (kind == "zip" and suffix not in TABLE_SUFFIXES):
                self.zip(data, shown, base, depth + 1)
                return
            if kind in archives.UNSUPPORTED_ARCHIVE:
                self.note(shown, archives.UNSUPPORTED_ARCHIVE[kind])
                return
            if suffix == ".msg":
                self.note(shown, _MSG_NOTE)
                return
            if suffix == ".eml":
                self.mail(data, shown, base, depth + 1)
                return
        except ContainerRefused as exc:
            self.note(shown, exc.reason)
            return
        origin = Origin(
            base.container_path,
            base.container_sha256,
            member_path if not base.member_name else f"{base.member_name}/{raw_name}",
            base.sender,
            base.sent_at,
        )
        self.found.append(Incoming(shown, data, None, base.sent_at or self.received, origin))

    def mail(self, data: bytes, display: str, base: Origin, depth: int) -> None:
        from gongjian_cli.intake.limits import MAX_DEPTH

        if depth > MAX_DEPTH:
            raise ContainerRefused(
                f"邮件或压缩包嵌套超过{MAX_DEPTH}层，未读取；请把附件另存后放入收件箱"
            )
        from gongjian_cli.intake import mail  # the email package: only when there is a letter

        letter = mail.read_letter(data)
        origin = Origin(
            base.container_path,
            base.container_sha256,
            base.member_name,
            letter.sender or base.sender,
            letter.sent_at or base.sent_at,
        )
        if not letter.attachments:
            self.note(display, "邮件里没有附件，已跳过")
            return
        for att in letter.attachments:
            shown = f"{display}/{archives.safe_member_path(att.name)}"
            if not _worth_opening(att.name):
                self.note(shown, "邮件附件不是电子表格文件，已跳过")
                continue
            if not self.budget.take(len(att.data)):
                raise ContainerRefused("邮件附件过大或过多，疑似异常文件，未读取")
            self.member(shown, att.name, att.data, origin, depth)


# --------------------------------------------------------------------------- reading


def incoming_bytes(incoming: Incoming, *, max_bytes: int = 200 * 2**20) -> bytes:
    """The file's bytes (read from disk for a loose file); FileRejected when unreadable."""
    if incoming.data is not None:
        return incoming.data
    assert incoming.path is not None
    return read_file_bytes(incoming.path, name=incoming.display_name, max_bytes=max_bytes)


def read_incoming(
    incoming: Incoming,
    *,
    max_uncompressed: int = 200 * 2**20,
    max_ratio: int = 200,
    max_cells: int = 2_000_000,
) -> RawWorkbook:
    """Every worksheet of ``incoming``, or FileRejected (as ``reading.read_workbook``).

    Dispatch on the content: Office files (OLE, zip) go to ``reading``; an HTML page
    holding a table and XML Spreadsheet 2003 whatever their name; CSV when the name
    says .csv and the content is text (a text file named .xlsx is still refused)."""
    name = incoming.display_name
    data = incoming_bytes(incoming, max_bytes=max_uncompressed)
    path = incoming.location
    head = data[:8]
    if head.startswith(_OLE_MAGIC) or archives.archive_kind(head) == "zip" or not data:
        return read_workbook_data(
            data,
            path=path,
            name=name,
            max_uncompressed=max_uncompressed,
            max_ratio=max_ratio,
            max_cells=max_cells,
        )
    if len(data) > max_uncompressed:
        raise FileRejected("too-large", f"文件“{name}”过大，拒绝读取")
    kind = sniff_text_table(data, name)
    if kind is None:
        return read_workbook_data(data, path=path, name=name)  # refused with its reason
    from gongjian_cli.intake import tables

    if kind == "xml2003":
        sheets = tables.read_xml_spreadsheet(data, name=name, max_cells=max_cells)
    elif kind == "html":
        sheets = tables.read_html(data, name=name, max_cells=max_cells)
    else:
        stem = Path(name.rsplit("/", 1)[-1]).stem
        sheets = tables.read_csv(data, name=name, sheet_name=stem, max_cells=max_cells)
    return RawWorkbook(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
        sheets=sheets,
        size=len(data),
    )


def sniff_text_table(data: bytes, name: str) -> str | None:
    """'xml2003', 'html', 'csv' or None, from the content (and, for CSV, the name)."""
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    xml_like = text.startswith((b"<?xml", b"<workbook")) or b"<?mso-application" in text
    if xml_like:
        from gongjian_cli.intake import tables

        if tables.is_xml_spreadsheet(head):
            return "xml2003"
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or (
        b"<html" in text[:1024] or b"<table" in text
    ):
        return "html"
    if name.lower().endswith(".csv"):
        return "csv"
    return None
