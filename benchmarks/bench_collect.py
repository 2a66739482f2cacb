#!/usr/bin/env python3
"""Benchmark: `gongjian collect` against the floor of reading every cell with calamine.

Generates N district-style files (default 200 × 400 rows, notice layout: 附件 line,
title row, header, data, 注 line), written with xlsxwriter, half 附件2 and half 附件3,
each (district, month, table) twice with a later received time (so supersession runs).
One file in fifty has a blank 2020年完成投资 (a warning, so feedback is written for
a few files); the rest are clean.

Then, in the same run, times (median of ``--repeat``):

- floor: one Python process that opens each file with
  ``CalamineWorkbook.from_filelike`` and calls ``to_python()`` on every sheet;
- collect: ``python -m gongjian_cli --db <fresh> collect <dir> --feedback <tmp>`` as a
  subprocess of the real CLI (and, for comparison only, the same with ``--no-feedback``:
  what the feedback workbooks cost).

and prints both times and the ratio (target: collect ≤ 1.5 × floor). Then the same files
as they also arrive: packed 10 to a zip (20 zips for 200 files) and 10 to an e-mail (20 .eml
files), each inbox collected in the same run; the ratio of each to the loose-file collect is
printed (target ≤ 1.2: reading containers in memory costs little beside parsing). The gongjian_cli
package is byte-compiled first, as pip does when it installs it: an editable checkout
run with PYTHONDONTWRITEBYTECODE set would otherwise compile every module again on each
run (~70 ms), which an installed copy never does.

    python benchmarks/bench_collect.py [--files 200] [--rows 400] [--repeat 3] [--keep DIR] [--stages]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from gongjian_cli.schema import COLUMNS, Table

DISTRICTS = ("经开区", "枞阳县", "郊区", "义安区", "铜官区")
# the notice's headers, as the templates write them
PLANNED_HEAD = tuple(c.label(2020) for c in COLUMNS[Table.PLANNED])
CONSTRUCTION_HEAD = tuple(c.label(2020) for c in COLUMNS[Table.CONSTRUCTION])
STARTS = ("新开工", "续建", "新开工（已竣工）", "续建（已竣工）", "未开工")

FLOOR_SCRIPT = """
import sys
from pathlib import Path
from python_calamine import CalamineWorkbook
n = 0
for p in sorted(Path(sys.argv[1]).iterdir()):
    with open(p, "rb") as f:
        wb = CalamineWorkbook.from_filelike(f)
        for name in wb.sheet_names:
            for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False):
                for cell in row:
                    n += 1
print(n)
"""


def generate(folder: Path, *, files: int, rows: int) -> None:
    """Write ``files`` workbooks of ``rows`` project rows each into ``folder``."""
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        version, key = divmod(i, max(files // 2, 1))
        district = DISTRICTS[key % 5]
        month = key // 10 % 12 + 1
        planned = key // 5 % 2 == 0
        att, kind = ("附件2", "谋划") if planned else ("附件3", "在建")
        name = f"{district}-2020年{month}月-{att}{kind}项目表" + ("-修改" if version else "")
        path = folder / f"{i:03d}-{name}.xlsx"
        with_warning = i % 50 == 7  # 4 of 200 files: feedback for a few, most clean
        wb = xlsxwriter.Workbook(
            str(path), {"strings_to_formulas": False, "strings_to_urls": False}
        )
        ws = wb.add_worksheet(kind)
        ws.write_string(0, 0, att)
        title = "工业谋划项目表" if planned else "工业在建项目进展情况表"
        ws.write_string(1, 0, f"铜陵市2020年{title}")
        head = PLANNED_HEAD if planned else CONSTRUCTION_HEAD
        ws.write_row(2, 0, head)
        for r in range(rows):
            seq = r + 1
            # the same projects every month, as a district's returns are
            pname = f"{district}{kind}项目{seq:04d}号年产{seq}万吨新材料生产线建设"
            total = 10000 + (seq * 137) % 90000
            if planned:
                values = (
                    seq,
                    pname,
                    total,
                    district,
                    f"新建厂房{seq}平方米，购置设备{seq % 50 + 1}台套",
                    "完成备案，正在办理环评",
                    "年内开工建设",
                    f"铜陵{seq % 97}新材料有限公司",
                    "张三",
                    f"{district}经信局",
                )
            else:
                # cumulative for the year: grows month by month
                completed = "" if with_warning and r < 3 else total * month // 40
                values = (
                    seq,
                    pname,
                    f"铜陵{seq % 97}新材料有限公司",
                    f"新建厂房{seq}平方米，购置设备{seq % 50 + 1}台套",
                    total,
                    completed,
                    STARTS[seq % 5],
                    "是" if seq % 3 else "否",
                    "无" if seq % 4 else "用地指标待落实",
                )
            ws.write_row(3 + r, 0, values)
        ws.write_string(3 + rows, 0, "注：每月25日前报")
        wb.close()
        received = datetime(2020, month, 10 + version * 10, 9, 0).timestamp()
        os.utime(path, (received, received))


def pack(loose: Path, dest: Path, *, kind: str, per: int = 10) -> int:
    """The files of ``loose`` packed ``per`` to a container (``kind`` "zip" or "eml") in
    ``dest``, in name order; each container received when its latest file was (zip: its
    mtime; e-mail: its Date). Returns the number of containers."""
    import zipfile
    from email.message import EmailMessage
    from email.utils import format_datetime

    dest.mkdir(parents=True, exist_ok=True)
    files = sorted(loose.iterdir())
    xlsx = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    count = 0
    for count, k in enumerate(range(0, len(files), per), start=1):
        group = files[k : k + per]
        when = max(p.stat().st_mtime for p in group)
        if kind == "zip":
            out = dest / f"报表{count:02d}.zip"
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
                for p in group:
                    zf.write(p, f"报表{count:02d}/{p.name}")
        else:
            msg = EmailMessage()
            msg["From"] = "县区经信局 <jxj@example.cn>"
            msg["To"] = "投资科 <tzk@example.cn>"
            msg["Subject"] = f"报表{count:02d}"
            msg["Date"] = format_datetime(datetime.fromtimestamp(when).astimezone())
            msg.set_content("附件是报表，请查收。")
            for p in group:
                msg.add_attachment(p.read_bytes(), *xlsx, filename=p.name)
            out = dest / f"报表{count:02d}.eml"
            out.write_bytes(bytes(msg))
        os.utime(out, (when, when))
    return count


def _children_cpu() -> float | None:
    """CPU seconds (user + system) of the child processes waited for so far, with
    theirs (None where the platform does not say: Windows)."""
    try:
        import resource
    except ImportError:
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(cmd: list[str], **kwargs) -> tuple[float, float | None, subprocess.CompletedProcess]:
    """Run ``cmd``: (wall seconds, CPU seconds of it and its processes, the result)."""
    cpu0 = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    wall = time.perf_counter() - start
    cpu1 = _children_cpu()
    return wall, None if cpu0 is None or cpu1 is None else cpu1 - cpu0, proc


def floor_time(folder: Path) -> tuple[float, float | None]:
    wall, cpu, _ = _run([sys.executable, "-c", FLOOR_SCRIPT, str(folder)], check=True)
    return wall, cpu


def collect_time(
    folder: Path, work: Path, *, feedback: bool = True, code: Path | None = None
) -> tuple[float, float | None, subprocess.CompletedProcess[str]]:
    """Time ``gongjian collect`` on ``folder`` into a fresh ledger; ``code`` is another
    checkout of gongjian to run instead of this one (its worker processes too)."""
    db = work / "bench.db"
    fb = work / "feedback"
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), fb):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    cmd = [sys.executable, "-m", "gongjian_cli", "--db", str(db), "collect", str(folder)]
    cmd += ["--feedback", str(fb)] if feedback else ["--no-feedback"]
    if code is None:
        return _run(cmd, check=False)
    # PYTHONPATH wins over the editable install's path entry; the working directory
    # must not be this checkout (python puts it first on sys.path)
    env = {**os.environ, "PYTHONPATH": str(code)}
    return _run(cmd, check=False, env=env, cwd=work)


def checkout(rev: str, into: Path) -> Path:
    """A detached worktree of this repository at ``rev`` (removed with ``drop_checkout``)."""
    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        ["git", "-C", str(root), "worktree", "add", "--detach", "--quiet", str(into), rev],
        check=True,
    )
    import compileall

    compileall.compile_dir(into / "gongjian_cli", quiet=1)
    return into


def drop_checkout(path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        ["git", "-C", str(root), "worktree", "remove", "--force", str(path)], check=False
    )


def stages(folder: Path, work: Path) -> dict[str, float]:
    """Seconds spent in each stage of collect, run serially in this process (no threads,
    no worker processes). ``encode`` turns rows into ledger values (raw cells as JSON):
    collect does it while preparing a file, ``ledger`` is the SQLite writes."""
    from gongjian_cli import ledger
    from gongjian_cli.collect import table_label
    from gongjian_cli.feedback import feedback_path, write_feedback
    from gongjian_cli.identify import IdentifyOptions, identify
    from gongjian_cli.metadata import read_template_meta
    from gongjian_cli.models import Submission
    from gongjian_cli.parsing import column_letter, locate_table, parse_rows
    from gongjian_cli.reading import read_workbook
    from gongjian_cli.targets import load_targets
    from gongjian_cli.validation import validate_rows

    targets = load_targets()
    db = work / "stages.db"
    if db.exists():
        db.unlink()
    conn = ledger.open_ledger(db)
    stage_names = ("read", "meta", "locate+parse", "identify", "validate", "encode", "ledger")
    spent = dict.fromkeys((*stage_names, "feedback"), 0.0)
    clock = time.perf_counter
    for path in sorted(folder.iterdir()):
        t = clock()
        wb = read_workbook(path)
        spent["read"] += clock() - t
        t = clock()
        meta = read_template_meta(path, sheets=wb.sheets)
        spent["meta"] += clock() - t
        sheet = wb.sheets[0]
        t = clock()
        block = locate_table(sheet, year=targets.year)
        rows, found = parse_rows(block, file_name=path.name)
        spent["locate+parse"] += clock() - t
        t = clock()
        ident = identify(
            file_name=path.name,
            sheet_name=sheet.name,
            block=block,
            meta=meta,
            options=IdentifyOptions(),
            targets=targets,
            rows=rows,
        )
        spent["identify"] += clock() - t
        t = clock()
        letters = {k: column_letter(i) for k, i in block.columns.items()}
        found += validate_rows(
            rows,
            table=ident.table,
            district=ident.district,
            file_name=path.name,
            sheet=sheet.name,
            year=targets.year,
            column_letters=letters,
            targets=targets,
        )
        spent["validate"] += clock() - t
        sub = Submission(
            path.name,
            str(path),
            wb.sha256,
            sheet.name,
            ident,
            datetime.now(),
            3,
            letters,
            rows,
            found,
        )
        t = clock()
        encoded = ledger.encode_rows(rows, sheet.rows)
        spent["encode"] += clock() - t
        t = clock()
        with ledger.transaction(conn):
            ledger.insert_submission(conn, sub, rows=encoded)
        spent["ledger"] += clock() - t
        if sub.all_findings:
            t = clock()
            out = feedback_path(work / "stage-feedback", ident.district, path.name)
            write_feedback(
                path,
                sub.all_findings,
                out,
                district=ident.district,
                month=ident.month,
                table_label=table_label(ident.table),
            )
            spent["feedback"] += clock() - t
    t = clock()
    conn.close()  # the last WAL checkpoint
    spent["ledger"] += clock() - t
    return spent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--rows", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    ap.add_argument("--stages", action="store_true", help="also time each stage serially")
    ap.add_argument(
        "--baseline",
        metavar="REV",
        help="also time collect as of git revision REV, in the same run (e.g. 9b266a4, the"
        " last commit before the year: project identity and the checks against last month)",
    )
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="gongjian-bench-"))
    try:
        inbox = (args.keep or tmp) / "inbox"
        if inbox.exists():
            shutil.rmtree(inbox)
        t0 = time.perf_counter()
        generate(inbox, files=args.files, rows=args.rows)
        print(
            f"generated {args.files} files × {args.rows} rows in {time.perf_counter() - t0:.1f} s"
        )

        packed = {}
        for kind in ("zip", "eml"):
            packed[kind] = tmp / f"inbox-{kind}"
            n = pack(inbox, packed[kind], kind=kind)
            print(f"packed the same files into {n} .{kind} files (10 each)")

        _byte_compile()
        base_code = checkout(args.baseline, tmp / "baseline") if args.baseline else None
        floors, collects, bare, befores, before_cpu = [], [], [], [], []
        floor_cpu, collect_cpu = [], []
        in_containers: dict[str, list[float]] = {kind: [] for kind in packed}
        container_procs: dict[str, subprocess.CompletedProcess[str]] = {}
        proc = None
        for _ in range(args.repeat):
            if base_code is not None:
                t, cpu, before = collect_time(inbox, tmp, code=base_code)
                if before.returncode != 0:
                    print(before.stdout[-2000:], before.stderr[-2000:], sep="\n")
                    return 1
                befores.append(t)
                before_cpu.append(cpu)
            t, cpu = floor_time(inbox)
            floors.append(t)
            floor_cpu.append(cpu)
            t, cpu, proc = collect_time(inbox, tmp)
            collects.append(t)
            collect_cpu.append(cpu)
            bare.append(collect_time(inbox, tmp, feedback=False)[0])
            for kind, folder in packed.items():
                t, _, container_procs[kind] = collect_time(folder, tmp)
                in_containers[kind].append(t)
        assert proc is not None
        if proc.returncode != 0:
            print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
            print(f"collect exited with {proc.returncode}")
            return 1
        tail = [ln for ln in proc.stdout.splitlines() if ln.startswith(("共", "反馈"))]
        print("\n".join(tail))
        floor, collect = statistics.median(floors), statistics.median(collects)
        print(f"floor (calamine, every cell): {floor:.2f} s  (runs: {_fmt(floors)})")
        print(f"gongjian collect:             {collect:.2f} s  (runs: {_fmt(collects)})")
        ratio = collect / floor
        print(f"ratio: {ratio:.2f} × floor (target ≤ 1.5)")
        nofb = statistics.median(bare)
        print(
            f"for comparison, collect --no-feedback: {nofb:.2f} s = {nofb / floor:.2f} × floor"
            f"  (runs: {_fmt(bare)})"
        )
        for kind, times in in_containers.items():
            got = container_procs[kind]
            total = [ln for ln in got.stdout.splitlines() if ln.startswith("共")]
            if got.returncode != 0 or total != tail[:1]:
                print(got.stdout[-3000:], got.stderr[-3000:], sep="\n")
                print(f"collect of the .{kind} inbox differs from the loose one ({total})")
                return 1
            t = statistics.median(times)
            label = {"zip": "20 zips", "eml": "20 e-mails"}.get(kind, kind)
            print(
                f"collect, the same files in {label}: {t:.2f} s = {t / collect:.2f} × loose"
                f" (target ≤ 1.2)  (runs: {_fmt(times)})"
            )
        if None not in floor_cpu and None not in collect_cpu:
            f_cpu, c_cpu = statistics.median(floor_cpu), statistics.median(collect_cpu)
            cores = os.cpu_count() or 1
            print(
                f"CPU (user+system, all processes): floor {f_cpu:.2f} s, collect {c_cpu:.2f} s;"
                f" on {cores} cores collect needs at least {c_cpu / cores:.2f} s"
                f" = {c_cpu / cores / floor:.2f} × floor"
            )
        if befores:
            before = statistics.median(befores)
            print(
                f"collect as of {args.baseline}: {before:.2f} s  (runs: {_fmt(befores)});"
                f" now / before = {collect / before:.2f} (target ≤ 1.10)"
            )
            # each repeat times both one after the other: the ratio of a pair is not moved
            # by the machine's speed drifting between repeats
            paired = sorted(c / b for c, b in zip(collects, befores, strict=True))
            print(
                f"now / before, repeat by repeat: median {statistics.median(paired):.2f}"
                f" (pairs: {_fmt(paired)})"
            )
            if None not in before_cpu and None not in collect_cpu:
                b_cpu, c_cpu = statistics.median(before_cpu), statistics.median(collect_cpu)
                print(
                    f"CPU as of {args.baseline}: {b_cpu:.2f} s; now / before = {c_cpu / b_cpu:.2f}"
                )
        if args.stages:
            spent = stages(inbox, tmp)
            print(
                "stages (serial, in-process): "
                + ", ".join(f"{k} {v:.2f} s" for k, v in spent.items())
            )
        return 0
    finally:
        if args.baseline:
            drop_checkout(tmp / "baseline")
        shutil.rmtree(tmp, ignore_errors=True)


def _byte_compile() -> None:
    """Write the package's .pyc files (into its __pycache__ folders, ignored by git)."""
    import compileall

    import gongjian_cli

    compileall.compile_dir(Path(gongjian_cli.__file__).parent, quiet=1)


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


if __name__ == "__main__":
    sys.exit(main())
