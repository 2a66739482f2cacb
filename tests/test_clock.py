"""One clock: received times are China time (the targets file's zone) on any machine.

The commands are run as processes with ``TZ`` set (UTC, New York): the received time, the
late/on-time verdict and the status output must not change with the machine's zone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zoneinfo
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_collect import set_received, write_table

from gongjian_cli import clock
from gongjian_cli.errors import TargetsError
from gongjian_cli.month import Month
from gongjian_cli.schema import Table
from gongjian_cli.targets import default_targets_path, load_targets

ROOT = Path(__file__).resolve().parents[1]

# 2020-05-20 11:10 in China is 03:10 UTC; 2020-05-26 02:00 in China (late) is still the
# 25th in UTC (18:00) and in New York (14:00).
MAY_20_1110_UTC = datetime(2020, 5, 20, 3, 10, tzinfo=UTC).timestamp()
MAY_26_0200_UTC = datetime(2020, 5, 25, 18, 0, tzinfo=UTC).timestamp()


# --------------------------------------------------------------------------- clock


def test_a_timestamp_is_china_wall_clock_time() -> None:
    assert clock.to_local(MAY_20_1110_UTC) == datetime(2020, 5, 20, 11, 10)
    assert clock.to_local(MAY_26_0200_UTC, "Asia/Shanghai") == datetime(2020, 5, 26, 2, 0)
    assert clock.to_local(MAY_26_0200_UTC, "UTC") == datetime(2020, 5, 25, 18, 0)
    assert clock.to_local(MAY_20_1110_UTC + 0.25).microsecond == 250_000  # kept


def test_an_aware_time_is_converted_a_naive_one_kept() -> None:
    mail_date = datetime(2020, 5, 25, 17, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert clock.to_local(mail_date) == datetime(2020, 5, 26, 5, 30)
    assert clock.to_local(datetime(2020, 5, 25, 9, 30, tzinfo=UTC)) == datetime(2020, 5, 25, 17, 30)
    wall = datetime(2020, 5, 20, 11, 10)
    assert clock.to_local(wall) is wall  # already China time: to_local(to_local(x)) == x
    assert clock.to_local(wall).tzinfo is None


def test_timestamp_is_the_inverse_of_to_local() -> None:
    wall = datetime(2020, 5, 20, 11, 10)
    assert clock.timestamp(wall) == MAY_20_1110_UTC
    assert clock.to_local(clock.timestamp(wall)) == wall
    assert clock.timestamp(wall, "UTC") == datetime(2020, 5, 20, 11, 10, tzinfo=UTC).timestamp()


def test_now_is_china_time() -> None:
    expected = datetime.now(UTC).astimezone(zoneinfo.ZoneInfo("Asia/Shanghai"))
    assert abs(clock.now() - expected.replace(tzinfo=None)) < timedelta(seconds=5)
    assert Month.current() == Month(expected.year, expected.month)


def test_unknown_zone_is_a_chinese_error() -> None:
    with pytest.raises(ValueError, match="未知的时区“Asia/Tongling”"):
        clock.get_zone("Asia/Tongling")


def test_without_a_tz_database_china_is_a_fixed_utc_plus_8(monkeypatch) -> None:
    """Windows without the tzdata package: Asia/Shanghai still works (UTC+8, exact since
    1991); another zone says what to install."""

    def missing(name: str) -> None:
        raise zoneinfo.ZoneInfoNotFoundError(name)

    monkeypatch.setattr(zoneinfo, "ZoneInfo", missing)
    clock.get_zone.cache_clear()
    try:
        zone = clock.get_zone("Asia/Shanghai")
        assert zone.utcoffset(None) == timedelta(hours=8)
        assert clock.to_local(MAY_20_1110_UTC, zone) == datetime(2020, 5, 20, 11, 10)
        with pytest.raises(ValueError, match="tzdata"):
            clock.get_zone("Europe/Berlin")
    finally:
        clock.get_zone.cache_clear()


# --------------------------------------------------------------------------- targets file


def _targets_with(tmp_path: Path, line: str) -> Path:
    text = default_targets_path().read_text(encoding="utf-8")
    old = 'timezone = "Asia/Shanghai"'
    assert old in text
    path = tmp_path / "targets.toml"
    path.write_text(text.replace(old, line, 1), encoding="utf-8")
    return path


def test_the_zone_is_a_setting_of_the_targets_file(tmp_path: Path, targets) -> None:
    assert targets.timezone == "Asia/Shanghai"
    assert load_targets(_targets_with(tmp_path, 'timezone = "UTC"')).timezone == "UTC"
    assert load_targets(_targets_with(tmp_path, "")).timezone == "Asia/Shanghai"  # default
    with pytest.raises(TargetsError, match=r"timezone.*Mars/Olympus"):
        load_targets(_targets_with(tmp_path, 'timezone = "Mars/Olympus"'))


# --------------------------------------------------------------------------- commands


def _inbox(folder: Path) -> Path:
    """Two returns: 经开区 on the 20th at 11:10 China time, 郊区 at 02:00 on the 26th (late)."""
    a = write_table(folder / "经开区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    b = write_table(folder / "郊区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
    os.utime(a, (MAY_20_1110_UTC, MAY_20_1110_UTC))
    os.utime(b, (MAY_26_0200_UTC, MAY_26_0200_UTC))
    return folder


def _gongjian(tz: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TZ": tz, "PYTHONPATH": str(ROOT)}
    env.pop("GONGJIAN_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "gongjian_cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def _collect_and_status(tmp_path: Path, tz: str, *config: str) -> dict[str, object]:
    work = tmp_path / tz.replace("/", "_")
    inbox = _inbox(work / "inbox")
    db = str(work / "gongjian.db")
    collected = _gongjian(
        tz, "--db", db, *config, "collect", str(inbox), "--no-feedback", "--format", "json",
        cwd=work,
    )  # fmt: skip
    assert collected.returncode == 0, collected.stderr
    status_json = _gongjian(tz, "--db", db, *config, "status", "--month", "2020-05",
                            "--format", "json", cwd=work)  # fmt: skip
    status_table = _gongjian(tz, "--db", db, *config, "status", "--month", "2020-05", cwd=work)
    assert status_json.returncode == 0 and status_table.returncode == 0
    items = json.loads(collected.stdout)["items"]
    return {
        "collected": {i["file"]: i["received_at"] for i in items},
        "status": json.loads(status_json.stdout),
        "table": status_table.stdout,
    }


@pytest.mark.skipif(not hasattr(__import__("time"), "tzset"), reason="TZ needs POSIX")
def test_collect_and_status_are_the_same_in_any_machine_zone(tmp_path: Path) -> None:
    utc = _collect_and_status(tmp_path, "UTC")
    new_york = _collect_and_status(tmp_path, "America/New_York")
    assert utc == new_york
    assert utc["collected"] == {
        "经开区-2020年5月-附件3.xlsx": "2020-05-20T11:10:00",
        "郊区-2020年5月-附件3.xlsx": "2020-05-26T02:00:00",
    }
    lines = {
        ln["district"]: (ln["status"], ln["received_at"])
        for ln in utc["status"]["lines"]  # type: ignore[index]
        if ln["table"] == "construction"
    }
    assert lines["经开区"] == ("on_time", "2020-05-20T11:10:00")
    assert lines["郊区"] == ("late", "2020-05-26T02:00:00")
    table = str(utc["table"])
    assert "2020-05-20 11:10" in table and "2020-05-26 02:00" in table


@pytest.mark.skipif(not hasattr(__import__("time"), "tzset"), reason="TZ needs POSIX")
def test_another_zone_in_the_targets_file_moves_the_deadline(tmp_path: Path) -> None:
    """With ``timezone = "UTC"`` the 郊区 file (25th, 18:00 UTC) is on time, on a machine
    set to China time too."""
    config = _targets_with(tmp_path, 'timezone = "UTC"')
    out = _collect_and_status(tmp_path, "Asia/Shanghai", "--config", str(config))
    assert out["collected"]["郊区-2020年5月-附件3.xlsx"] == "2020-05-25T18:00:00"  # type: ignore[index]
    statuses = {
        ln["district"]: ln["status"]
        for ln in out["status"]["lines"]  # type: ignore[index]
        if ln["table"] == "construction"
    }
    assert statuses["郊区"] == "on_time"


def test_received_time_in_the_ledger_is_china_time_in_process(
    tmp_path: Path, ledger, targets, monkeypatch
) -> None:
    """In-process, with the process's zone switched to New York (time.tzset)."""
    import time

    from test_collect import run

    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset needs POSIX")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        inbox = tmp_path / "inbox"
        path = write_table(inbox / "郊区-2020年5月-附件3.xlsx", Table.CONSTRUCTION)
        set_received(path, datetime(2020, 5, 26, 2, 0))  # China time
        assert path.stat().st_mtime == MAY_26_0200_UTC
        (item,) = run(inbox, ledger, targets).items
        assert item.received_at == datetime(2020, 5, 26, 2, 0)
        stored = ledger.execute("SELECT received_at FROM submissions").fetchone()[0]
        assert stored == "2020-05-26 02:00:00"
    finally:
        monkeypatch.undo()
        time.tzset()
