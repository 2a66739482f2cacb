"""Containers built from bytes for the intake tests: zips with GBK names (no UTF-8 flag,
as Windows writes them), encrypted-flagged members, e-mails with encoded names."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Mapping


def zip_bytes(members: Mapping[str, bytes], *, gbk: bool = False) -> bytes:
    """A zip of ``members``; with ``gbk`` the names are GBK bytes and bit 11 is off.

    zipfile writes non-ASCII names as UTF-8 (flag set), so each name is first written as
    an ASCII placeholder of the same byte length, then replaced in the bytes (names are
    not covered by any CRC)."""
    buf = io.BytesIO()
    swaps: list[tuple[bytes, bytes]] = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(members.items()):
            if gbk and not name.isascii():
                raw = name.encode("gbk")
                placeholder = f"@{i:03d}".ljust(len(raw), "_").encode()
                assert len(placeholder) == len(raw)
                swaps.append((placeholder, raw))
                zf.writestr(placeholder.decode(), data)
            else:
                zf.writestr(name, data)
    out = buf.getvalue()
    for placeholder, raw in swaps:
        assert out.count(placeholder) == 2  # local header and central directory
        out = out.replace(placeholder, raw)
    return out


def mark_encrypted(data: bytes) -> bytes:
    """Set the "encrypted" flag (bit 0) on every member, as a password zip has it."""
    out = bytearray(data)
    pos = 0
    while (pos := out.find(b"PK\x03\x04", pos)) >= 0:
        (flags,) = struct.unpack_from("<H", out, pos + 6)
        struct.pack_into("<H", out, pos + 6, flags | 1)
        pos += 4
    pos = 0
    while (pos := out.find(b"PK\x01\x02", pos)) >= 0:
        (flags,) = struct.unpack_from("<H", out, pos + 8)
        struct.pack_into("<H", out, pos + 8, flags | 1)
        pos += 4
    return bytes(out)
