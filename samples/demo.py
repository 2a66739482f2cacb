#!/usr/bin/env python3
"""The monthly cycle on the shipped samples, March to June, as the clerk lives it (used by
`dev.py demo`).

Copies samples/inbox into OUT/inbox with the received times of samples/manifest.json (git
does not keep file times), then, with a fresh ledger OUT/gongjian.db and the name-pair file
samples/name-pairs.csv (``--names``, before every command):

    for M in 2020-03, 2020-04, 2020-05:
        gongjian init-templates --month M --out OUT/outbox/M    # prefilled from the ledger
        gongjian collect OUT/inbox/M --feedback OUT/feedback     # (March's are blank)
        gongjian status --month M
    gongjian init-templates --month 2020-06 --out OUT/outbox/2020-06
    gongjian collect OUT/inbox/2020-06 --feedback OUT/feedback
    gongjian status --month 2020-06
    gongjian report --month 2020-05 / 2020-06 --out OUT/reports/<month> --format xlsx,html,md,json,docx --briefs
    gongjian projects --month 2020-06 --out OUT/reports/2020-06 --format xlsx,csv
    gongjian projects --month 2020-06 --format table

The samples hold a corrupt file on purpose (May): collect exits 1 for it, as for any
rejected file; that is expected.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
MONTHS = ("2020-03", "2020-04", "2020-05", "2020-06")
NAMES = HERE / "name-pairs.csv"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("samples_generate", HERE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gongjian(*args: str | Path, db: Path, quiet: bool = False) -> int:
    """Run the CLI as a clerk would; ``quiet`` drops stdout (the JSON also lands in a file)."""
    cmd = [sys.executable, "-m", "gongjian_cli", "--db", str(db), "--names", str(NAMES)]
    print("\n$ gongjian " + " ".join(map(str, args)), flush=True)
    out = subprocess.DEVNULL if quiet else None
    return subprocess.run([*cmd, *map(str, args)], check=False, stdout=out).returncode


def main(out: Path) -> int:
    out = out.resolve()
    if out.exists():
        shutil.rmtree(out)
    inbox = out / "inbox"
    shutil.copytree(HERE / "inbox", inbox)
    _load_generator().restore_times(inbox, HERE / "manifest.json")
    db = out / "gongjian.db"
    feedback = out / "feedback"

    codes: dict[str, int] = {}
    for month in MONTHS:
        print(f"\n======== {month[:4]}年{int(month[5:])}月 ========", flush=True)
        codes[f"init-templates {month}"] = gongjian(
            "init-templates", "--month", month, "--out", out / "outbox" / month, db=db
        )
        # May holds a corrupt file on purpose: collect exits 1 for it
        codes[f"collect {month}"] = gongjian(
            "collect", inbox / month, "--feedback", feedback, db=db
        )
        codes[f"status {month}"] = gongjian("status", "--month", month, db=db)
    for month in ("2020-05", "2020-06"):
        codes[f"report {month}"] = gongjian(
            "report", "--month", month, "--out", out / "reports" / month,
            "--format", "xlsx,html,md,json,docx", "--briefs", db=db, quiet=True,
        )  # fmt: skip
    june = out / "reports" / "2020-06"
    codes["projects"] = gongjian(
        "projects", "--month", "2020-06", "--out", june, "--format", "xlsx,csv", db=db
    )
    codes["projects table"] = gongjian("projects", "--month", "2020-06", "--format", "table", db=db)

    print("\n演示完成。请打开：")
    print(f"  6月预填模板： {out / 'outbox' / '2020-06'}（各县区按5月报表预填的附件2/附件3）")
    print(f"  退回修改：     {feedback}（按月份、县区分文件夹）")
    print(
        f"  月度通报：     {june / '月度通报-2020-06.html'}"
        "（及同目录的 .xlsx/.md/.json；5月的在 reports/2020-05）"
    )
    print(f"  Word 通报：    {june / '通报-2020-06.docx'}（及各县区的 调度单-县区-2020-06.docx）")
    print(f"  项目台账：     {june / '项目台账-2020-06.xlsx'}（及同目录的 .csv）")
    print(f"  项目名称对照： {NAMES}")
    print(f"  账本：         {db}")
    failed = {k: v for k, v in codes.items() if v != 0 and not (k.startswith("collect") and v == 1)}
    if failed:
        print(f"\n有命令失败：{failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "demo"))
