"""Two `collect` runs started at the same moment on a ledger that does not exist yet.

Both create the schema; both must land all their files. Run as real processes (the
command the clerk types), as the race is between two SQLite connections of two
processes: the schema's creation, and the switch to WAL journal mode.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from test_collect import write_table

from gongjian_cli.schema import Table

ROOT = Path(__file__).resolve().parents[1]


def _inbox(folder: Path, district: str) -> list[str]:
    names = [f"{district}-2020年5月-附件2.xlsx", f"{district}-2020年5月-附件3.xlsx"]
    write_table(folder / names[0], Table.PLANNED)
    write_table(folder / names[1], Table.CONSTRUCTION)
    return names


def test_two_collects_at_once_on_a_fresh_ledger_both_land(tmp_path: Path) -> None:
    db = tmp_path / "新账本.db"
    expected = {
        "a": _inbox(tmp_path / "a", "义安区"),
        "b": _inbox(tmp_path / "b", "郊区"),
    }
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("GONGJIAN_DB", None)
    runs = {
        key: subprocess.Popen(
            [sys.executable, "-m", "gongjian_cli", "--db", str(db), "collect", str(tmp_path / key)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        for key in expected
    }
    for key, proc in runs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, f"run {key}: exit {proc.returncode}\n{out}\n{err}"
    conn = sqlite3.connect(db)
    try:
        landed = {
            name
            for (name,) in conn.execute(
                "SELECT file_name FROM submissions WHERE status = 'accepted'"
            )
        }
        assert landed == {n for names in expected.values() for n in names}
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        (version,) = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert int(version) >= 3
    finally:
        conn.close()


def test_switch_to_wal_waits_for_a_writer(tmp_path: Path) -> None:
    """The switch to WAL needs the file to itself; while another connection holds the
    write lock SQLite answers "busy" at once (no busy timeout there): open_ledger waits
    until the writer is done instead of failing."""
    import threading
    import time

    from gongjian_cli.ledger import open_ledger

    db = tmp_path / "l.db"
    open_ledger(db).close()
    plain = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    plain.execute("PRAGMA journal_mode = DELETE")
    plain.execute("BEGIN IMMEDIATE")  # holds the write lock

    def release() -> None:
        time.sleep(0.3)
        plain.execute("COMMIT")

    reader = threading.Thread(target=release)
    started = time.monotonic()
    reader.start()
    try:
        conn = open_ledger(db)
    finally:
        reader.join()
        plain.close()
    assert time.monotonic() - started >= 0.25
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
