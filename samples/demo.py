#!/usr/bin/env python3
"""The whole monthly loop on the shipped samples, as a clerk would run it (used by `dev.py demo`).

Copies samples/inbox into OUT/inbox with the received times of samples/manifest.json
(git does not keep file times), then runs, with a fresh ledger OUT/gongjian.db:

    gongjian init-templates --month 2020-05 --out OUT/outbox/2020-05
    gongjian collect OUT/inbox --feedback OUT/feedback
    gongjian status --month 2020-05
    gongjian report --month 2020-04 / 2020-05 --out OUT/reports/<month> --format xlsx,html,md,json
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("samples_generate", HERE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gongjian(*args: str | Path, db: Path, quiet: bool = False) -> int:
    """Run the CLI as a clerk would; ``quiet`` drops stdout (the JSON also lands in a file)."""
    cmd = [sys.executable, "-m", "gongjian_cli", "--db", str(db), *map(str, args)]
    print("\n$ gongjian " + " ".join(map(str, args)), flush=True)
    out = subprocess.DEVNULL if quiet else None
    return subprocess.run(cmd, check=False, stdout=out).returncode


def main(out: Path) -> int:
    out = out.resolve()
    if out.exists():
        shutil.rmtree(out)
    inbox = out / "inbox"
    shutil.copytree(HERE / "inbox", inbox)
    _load_generator().restore_times(inbox, HERE / "manifest.json")
    db = out / "gongjian.db"

    codes = {
        "init-templates": gongjian(
            "init-templates", "--month", "2020-05", "--out", out / "outbox" / "2020-05", db=db
        ),
        # the samples hold a corrupt file on purpose: collect exits 1 for it
        "collect": gongjian("collect", inbox, "--feedback", out / "feedback", db=db),
        "status": gongjian("status", "--month", "2020-05", db=db),
    }
    for month in ("2020-04", "2020-05"):
        codes[f"report {month}"] = gongjian(
            "report", "--month", month, "--out", out / "reports" / month,
            "--format", "xlsx,html,md,json", db=db, quiet=True,
        )  # fmt: skip
    print("\n演示完成。请打开：")
    print(f"  空白模板：   {out / 'outbox' / '2020-05'}")
    print(f"  退回修改：   {out / 'feedback'}")
    print(
        f"  月度通报：   {out / 'reports' / '2020-05' / '月度通报-2020-05.html'}（及同目录的 .xlsx/.md/.json）"
    )
    print(f"  账本：       {db}")
    failed = {k: v for k, v in codes.items() if v not in (0, 1) or (k != "collect" and v != 0)}
    if failed:
        print(f"\n有命令失败：{failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "demo"))
