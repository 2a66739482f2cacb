"""One clock for every received time: wall-clock time in the bureau's time zone.

A file's received time decides whether it was late (after the 25th, 23:59:59) and which
of two returns of the same table supersedes the other. Both must come out the same on
any machine, whatever its own time zone: a file received at 11:10 in China is received
at 11:10, also on a server set to UTC (where ``datetime.fromtimestamp`` says 03:10).

The zone is a setting of the targets file (``timezone``, default ``Asia/Shanghai``;
:attr:`gongjian_cli.targets.Targets.timezone`).

The convention, everywhere in gongjian:

- A received time is a **naive** ``datetime`` holding the wall-clock time in that zone
  (China time). Naive on purpose: the ledger stores it as naive ISO text
  (``2020-05-20 11:10:00``, see ``ledger``), the deadline (:meth:`Month.deadline`) is
  naive in the same zone, and so every received time compares with every other and
  with the deadline, and never meets an aware one (Python refuses to compare those).
- Rows written by earlier versions hold the machine's local time, naive: on the
  bureau's machines (set to China time) that is the same thing; they are read as they
  are.
- Every received time is made by :func:`to_local`: from a file's mtime (a POSIX
  timestamp), or from an aware ``datetime`` such as an e-mail's ``Date`` header with its
  own offset. Then a mail sent at ``09:30 +0000`` and a file modified at 17:40 China
  time compare as they happened.
"""

from __future__ import annotations

import functools
import time
from datetime import datetime, timedelta, timezone, tzinfo

#: The zone when the targets file does not name one.
DEFAULT_ZONE = "Asia/Shanghai"

#: Zones that are UTC+8 without daylight saving since 1991, for a machine without a tz
#: database (Windows has none of its own; Python then needs the ``tzdata`` package).
_UTC8_NAMES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})

Zone = str | tzinfo


@functools.cache
def get_zone(name: str) -> tzinfo:
    """The time zone called ``name`` (an IANA name such as ``Asia/Shanghai``).

    ValueError (a Chinese message) when there is no such zone. Without a tz database
    (a Windows machine without the ``tzdata`` package), China's zone falls back to a
    fixed UTC+8: exact, as China has had no daylight saving since 1991 and no received
    time is older; any other zone needs ``tzdata`` then.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        if name in _UTC8_NAMES:
            return timezone(timedelta(hours=8), name)
        if isinstance(exc, ZoneInfoNotFoundError) and _no_tz_database():
            raise ValueError(
                f"本机没有时区数据，无法使用时区“{name}”（请安装 tzdata：pip install tzdata）"
            ) from exc
        raise ValueError(f"未知的时区“{name}”（应写成如 Asia/Shanghai 的时区名）") from exc


def _no_tz_database() -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo("UTC")
    except ZoneInfoNotFoundError:
        return True
    return False


def _tz(zone: Zone) -> tzinfo:
    return get_zone(zone) if isinstance(zone, str) else zone


def to_local(moment: datetime | float, zone: Zone = DEFAULT_ZONE) -> datetime:
    """``moment`` as wall-clock time in ``zone``: a naive ``datetime`` (see the module's
    docstring for why naive).

    ``moment`` is a POSIX timestamp (``Path.stat().st_mtime``, ``time.time()``), or an
    aware ``datetime`` in any zone (an e-mail's ``Date``: ``email.utils.
    parsedate_to_datetime``), converted; or a naive ``datetime``, taken as already being
    wall-clock time in ``zone`` and returned unchanged (a time read back from the ledger;
    so ``to_local(to_local(x)) == to_local(x)``). A naive time known to be UTC (a
    ``Date`` header with ``-0000``) must say so: ``moment.replace(tzinfo=UTC)``.
    Microseconds are kept (the ledger drops them when it stores the time).
    """
    tz = _tz(zone)
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            return moment
        return moment.astimezone(tz).replace(tzinfo=None)
    return datetime.fromtimestamp(moment, tz).replace(tzinfo=None)


def now(zone: Zone = DEFAULT_ZONE) -> datetime:
    """The current wall-clock time in ``zone`` (naive, like every received time)."""
    return to_local(time.time(), zone)


def timestamp(wall: datetime, zone: Zone = DEFAULT_ZONE) -> float:
    """The POSIX timestamp of ``wall``, a naive wall-clock time in ``zone`` (an aware
    ``datetime`` keeps its own zone): the inverse of :func:`to_local`, for setting a
    file's mtime to a received time (``os.utime``)."""
    if wall.tzinfo is None:
        wall = wall.replace(tzinfo=_tz(zone))
    return wall.timestamp()
