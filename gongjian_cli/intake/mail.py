"""E-mails saved as .eml (RFC 5322/MIME, as Foxmail, Outlook and web mail save them).

Every attachment is a file of its own, shown as ``信.eml/附件.xlsx``; the attachments
of a forwarded message (a message/rfc822 part) too. Attachment names come in RFC 2047
(``=?GBK?B?...?=``, also inside a quoted parameter, as Outlook and Foxmail write them)
and RFC 2231 (``filename*=gbk''%B8%BD...``) forms, in GBK, GB18030 or UTF-8; GBK and
GB2312 are read as GB18030 (their superset). The message's Date header, converted to
China time, is when the attachments were received: a message sent on the 24th and
saved to disk on the 27th was on time.
"""

from __future__ import annotations

import email
import email.header
import email.utils
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email import policy
from email.message import EmailMessage, Message

#: The time zone of received times (the ledger stores China time, without zone).
CHINA_ZONE = "Asia/Shanghai"


def china_zone() -> tzinfo:
    """Asia/Shanghai from the system's zone data, else UTC+8 (China has kept UTC+8,
    without daylight saving, since 1991: the fixed offset is exact for any e-mail)."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(CHINA_ZONE)
    except Exception:  # no tz database (Windows without the tzdata package)
        return timezone(timedelta(hours=8))


def to_china_time(moment: datetime) -> datetime:
    """``moment`` as a naive China-time datetime; a naive ``moment`` is taken as UTC
    (a Date header of ``-0000`` says the zone is unknown: its time is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(china_zone()).replace(tzinfo=None)


@dataclass(slots=True)
class Attachment:
    name: str  # decoded file name, as the sender's mail program wrote it
    data: bytes


@dataclass(slots=True)
class Letter:
    """An e-mail as far as collect cares: who sent it, when, and its attachments."""

    sender: str | None
    sent_at: datetime | None  # China time
    attachments: list[Attachment] = field(default_factory=list)


def read_letter(data: bytes) -> Letter:
    """Parse an .eml's bytes (never raises on a malformed message: what can be read is)."""
    msg = email.message_from_bytes(data, policy=policy.default)
    letter = Letter(sender=_sender(msg), sent_at=_sent_at(msg))
    for part in msg.walk():
        if part.is_multipart() or part.get_content_type() == "message/rfc822":
            continue
        name = attachment_name(part)
        if not name:
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            letter.attachments.append(Attachment(name, payload))
    return letter


def attachment_name(part: Message) -> str | None:
    """The attachment's file name, decoded (RFC 2231 and RFC 2047, GBK/GB18030/UTF-8)."""
    raw: object = None
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = part.get_param(param, header=header)
        if raw:
            break
    if not raw:
        return None
    if isinstance(raw, tuple):  # RFC 2231 (charset, language, value) left undecoded
        charset, _, value = raw
        text = _decode_bytes(
            value.encode("latin-1", "surrogateescape") if isinstance(value, str) else value,
            charset,
        )
    else:
        text = email.utils.collapse_rfc2231_value(raw)  # type: ignore[arg-type]
    if "=?" in text:
        text = _decode_words(text)
    return text.strip().strip('"') or None


def _decode_words(text: str) -> str:
    """RFC 2047 encoded words (Outlook and Foxmail put them in quoted parameters)."""
    try:
        pieces = email.header.decode_header(text)
    except Exception:
        return text
    out = []
    for chunk, charset in pieces:
        out.append(_decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return "".join(out)


def _decode_bytes(data: bytes, charset: str | None) -> str:
    codec = (charset or "utf-8").lower()
    if codec in ("gb2312", "gbk", "x-gbk", "cp936", "euc-cn"):
        codec = "gb18030"
    for attempt in (codec, "utf-8", "gb18030"):
        try:
            return data.decode(attempt)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", errors="replace")


def _sender(msg: EmailMessage) -> str | None:
    """``张三 <a@example.cn>`` (or just the address) from the From header."""
    try:
        header = msg["From"]
        addresses = getattr(header, "addresses", ()) if header is not None else ()
        if addresses:
            first = addresses[0]
            name = first.display_name
            if name and "=?" in name:
                name = _decode_words(name)
            return f"{name} <{first.addr_spec}>" if name else first.addr_spec
        return str(header).strip() or None if header is not None else None
    except Exception:  # a From header beyond repair: no sender rather than no message
        return None


def _sent_at(msg: EmailMessage) -> datetime | None:
    try:
        header = msg["Date"]
        moment = getattr(header, "datetime", None) if header is not None else None
    except Exception:
        return None
    return to_china_time(moment) if isinstance(moment, datetime) else None
