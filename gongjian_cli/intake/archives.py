"""Zip archives, read in memory: never unpacked onto the disk.

Windows' "send to compressed folder" and WPS write member names in GBK without the
UTF-8 flag (bit 11); zipfile then decodes them as CP437, so they are decoded again
here (UTF-8 first, which GBK text almost never is, then GB18030). Every member is a
file of its own, shown as ``包.zip/成员.xlsx``. Before anything is decompressed the
archive's declared sizes are checked against ``limits`` (count, total, ratio), for the
archive as a whole and for nested zips (depth 2 at most). A member name is only a
name: ``../x.xlsx`` or ``/abs/x.xlsx`` is read like any other and never used as a
path (it is shown without the ``..`` and the leading ``/``).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gongjian_cli.intake.limits import (
    MAX_DEPTH,
    MAX_RATIO,
    RATIO_FLOOR,
    Budget,
    ContainerRefused,
)
from gongjian_cli.reading import ZIP_DAMAGE

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
RAR_MAGIC = b"Rar!\x1a\x07"
SEVEN_Z_MAGIC = b"7z\xbc\xaf\x27\x1c"
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


@dataclass(slots=True)
class Member:
    """One file found in a container: its display name, raw name and bytes."""

    display_name: str
    raw_name: str
    data: bytes


@dataclass(slots=True)
class Opened:
    """What a container gave: files to look at, and lines for what was left out."""

    members: list[Member] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (display name, reason)


def decode_member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it (GBK names of Windows zips included)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # zipfile already decoded it some other way
        return info.filename
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def safe_member_path(name: str) -> str:
    """``name`` with no way out of its container: backslashes as '/', no empty, '.' or
    '..' parts, no drive letter. Only for showing and naming; never opened."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if parts and len(parts[0]) == 2 and parts[0][1] == ":":
        parts = parts[1:]
    return "/".join(p.replace(":", "_") for p in parts) or "_"


def _is_ignored(parts: list[str]) -> bool:
    return any(
        p.startswith(("~$", ".")) or p.lower() in ("__macosx", "thumbs.db", "desktop.ini")
        for p in parts
    )


def open_zip(
    data: bytes,
    *,
    display: str,
    budget: Budget,
    depth: int,
    wanted: Callable[[str, bytes], bool],
) -> Opened:
    """The members of the zip ``data`` (shown under ``display``) that ``wanted(name,
    head)`` accepts, decompressed in memory; ContainerRefused for the whole archive
    when it breaks a limit. Encrypted members become notes."""
    if depth > MAX_DEPTH:
        raise ContainerRefused(
            f"压缩包嵌套超过{MAX_DEPTH}层（压缩包里的压缩包里还有压缩包），未读取；请解压后放入收件箱"
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (*ZIP_DAMAGE, zipfile.LargeZipFile) as exc:
        raise ContainerRefused(
            "压缩包已损坏或不完整，无法打开；请重新压缩或解压后放入收件箱"
        ) from exc
    files = [i for i in infos if not i.is_dir()]
    total = sum(i.file_size for i in files)
    packed = sum(i.compress_size for i in files)
    if total > RATIO_FLOOR and total > MAX_RATIO * max(packed, 1):
        raise ContainerRefused(
            f"压缩比异常（{packed / 2**10:.0f}KB解压后达{total / 2**20:.0f}MB），"
            "疑似压缩炸弹，未读取"
        )
    if not budget.take(total, len(files)):
        raise ContainerRefused(
            f"解压后过大或文件过多（{len(files)}个文件，{total / 2**20:.0f}MB），"
            "疑似压缩炸弹或异常文件，未读取；请只把报表放入收件箱"
        )
    out = Opened()
    for info in files:
        raw_name = decode_member_name(info)
        shown = f"{display}/{safe_member_path(raw_name)}"
        if _is_ignored(safe_member_path(raw_name).split("/")):
            continue
        if info.flag_bits & _ENCRYPTED_FLAG:
            out.notes.append(
                (shown, "压缩包内的文件设有密码，无法读取；请用密码解压后把文件放入收件箱")
            )
            continue
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            out.notes.append((shown, "压缩比异常，疑似压缩炸弹，未读取"))
            continue
        try:
            with zf.open(info) as fh:
                head = fh.read(8)
                if not wanted(raw_name, head):
                    out.notes.append((shown, _not_wanted(raw_name)))
                    continue
                body = head + fh.read(info.file_size + 1 - len(head))
        except ZIP_DAMAGE as exc:  # a bad CRC, a broken deflate stream (zlib.error), …
            out.notes.append((shown, f"压缩包内的这个文件已损坏，无法解压（{type(exc).__name__}）"))
            continue
        out.members.append(Member(shown, raw_name, body[: info.file_size]))
    return out


def _not_wanted(name: str) -> str:
    return f"压缩包内的“{Path(name.replace(chr(92), '/')).name}”不是电子表格文件，已跳过"


def archive_kind(head: bytes) -> str | None:
    """'zip', 'rar' or '7z' from the first bytes, else None."""
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return "zip"
    if head.startswith(RAR_MAGIC):
        return "rar"
    if head.startswith(SEVEN_Z_MAGIC):
        return "7z"
    return None


UNSUPPORTED_ARCHIVE = {
    "rar": "是RAR压缩包，本程序不解RAR格式；请解压后把其中的报表放入收件箱",
    "7z": "是7z压缩包，本程序不解7z格式；请解压后把其中的报表放入收件箱",
}
