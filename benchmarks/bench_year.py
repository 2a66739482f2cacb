#!/usr/bin/env python3
"""Benchmark: the year — `gongjian projects` and `gongjian report` on a full year's ledger,
and the register/conversion computed with pandas against plain Python.

Builds a ledger through ``ledger.insert_submission``: 12 months × 5 districts × 2 tables ×
``--rows`` rows (default 400: 48 000 rows in effect). Projects persist from month to
month as a district's returns do: each month 20 planned projects are added, the 20 oldest
planned ones move to 附件3 (谋划 → 在建), 20 construction projects are marked 竣工 and
leave the next month; 2020年完成投资 grows, one project in fifty is registered later, a
few figures drop (so the checks against last month find something).

Then, in the same run, times (median of ``--repeat``):

- baseline: ``gongjian --version`` (start-up) and one SQL read of every row in effect;
- ``gongjian projects --month 2020-12 --format json`` and ``gongjian report --month
  2020-12`` (the figures as JSON; the bulletin as xlsx and html; and as the default
  xlsx, html and docx), whole commands as a clerk runs them (target: under 1 s);
- with ``--baseline REV`` (e.g. 9b266a4, the last commit before the year), the same
  report commands as of that revision, on a ledger of the same rows built by its code;
- in-process: the register lines and the conversion from one identity resolution, in
  plain Python (``year.register``) and with pandas (pivot_table for the months,
  groupby/merge for the funnel), when pandas is installed, with its import time apart.

    python benchmarks/bench_year.py [--rows 400] [--repeat 5] [--keep DIR] [--baseline REV]
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

ROOT = Path(__file__).resolve().parents[1]
# the code to build the ledger with: this checkout, or (--baseline) an earlier one
sys.path.insert(0, os.environ.get("BENCH_YEAR_CODE") or str(ROOT))

from gongjian_cli.ledger import insert_submission, open_ledger, transaction  # noqa: E402
from gongjian_cli.models import Identity, ParsedRow, Submission  # noqa: E402
from gongjian_cli.month import Month  # noqa: E402
from gongjian_cli.schema import StartClass, Table  # noqa: E402
from gongjian_cli.targets import load_targets  # noqa: E402

STEP = 20  # projects that move on each month


def _planned(d: str, m: int, rows: int) -> list[ParsedRow]:
    return [
        ParsedRow(
            excel_row=4 + k,
            raw={},
            name=f"{d}年产{i}万吨新材料项目",
            total=float(10000 + (i * 7919) % 190000),
            unit=f"铜陵{i % 97}新材料有限公司",
        )
        for k, i in enumerate(range(STEP * m, STEP * m + rows))
    ]


def _construction(d: str, m: int, rows: int) -> list[ParsedRow]:
    out = []
    first = STEP * m - rows  # the planned projects that have moved on
    for k, i in enumerate(range(first, first + rows)):
        total = float(10000 + (i * 7919) % 190000)
        completed = total * min(m, 12) / 24
        if i % 97 == 0 and m % 4 == 0:
            completed *= 0.8  # a cumulative figure that drops
        leaving = i < first + STEP  # the oldest leave next month: marked 竣工 now
        out.append(
            ParsedRow(
                excel_row=4 + k,
                raw={},
                name=f"{d}年产{i}万吨新材料项目",
                total=total,
                completed=round(completed, 2),
                unit=f"铜陵{i % 97}新材料有限公司",
                start_class=StartClass.CONTINUING if i % 3 else StartClass.NEW,
                finished=leaving,
                registered=(i % 50 != 0) or m > 6,
            )
        )
    return out


def build_ledger(path: Path, *, rows: int, districts) -> int:
    conn = open_ledger(path)
    n = 0
    with transaction(conn):
        for m in range(1, 13):
            for d in districts:
                for table, make in ((Table.PLANNED, _planned), (Table.CONSTRUCTION, _construction)):
                    tag = f"{d}-{m:02d}-{table}"
                    sub = Submission(
                        file_name=f"{tag}.xlsx",
                        file_path=f"/inbox/{tag}.xlsx",
                        sha256=tag,
                        sheet="Sheet1",
                        identity=Identity(d, f"2020-{m:02d}", table, {}),
                        received_at=datetime(2020, m, 20),
                        header_row=3,
                        columns={"name": "B", "total": "C" if table is Table.PLANNED else "E"},
                        rows=make(d, m, rows),
                        findings=[],
                    )
                    insert_submission(conn, sub)
                    n += rows
    conn.close()
    return n


def _median(fn, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def _cli(db: Path, *args: str, cwd: Path, code: Path | None = None) -> None:
    """Run ``gongjian`` (of this checkout, or of the checkout ``code``) on ``db``."""
    cmd = [sys.executable, "-m", "gongjian_cli", "--db", str(db), *args]
    env = None if code is None else {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")


def plain(res, names):
    from gongjian_cli.year.register import conversion, project_line

    lines = [project_line(pid, rows, res) for pid, rows in res.members.items()]
    return [x for x in lines if x is not None], conversion(res, names)


def with_pandas(res, names):
    """The same figures with pandas: a frame of the rows, pivot_table for 2020年完成投资
    by month, groupby for the first months, a merge of per-project flags for the funnel."""
    import pandas as pd

    frame = pd.DataFrame.from_records(
        [
            (res.project_of[r.id], r.district, str(r.table), r.month, r.valid, r.completed,
             r.started, r.counts_registered, r.finished)
            for r in res.rows
        ],
        columns=["pid", "district", "table", "month", "valid", "completed", "started",
                 "registered", "finished"],
    )  # fmt: skip
    valid = frame[frame["valid"]]
    built = valid[valid["table"] == "construction"]
    invested = built.pivot_table(
        index="pid", columns="month", values="completed", aggfunc="first", fill_value=0.0
    )
    firsts = valid.groupby(["pid", "table"])["month"].min().unstack()
    started = built[built["started"]].groupby("pid")["month"].min().rename("started")
    registered = built[built["registered"]].groupby("pid")["month"].min().rename("registered")
    completed = built[built["finished"]].groupby("pid")["month"].min().rename("completed")
    register = (
        firsts.join([started, registered, completed], how="left")
        .join(invested, how="left")
        .reset_index()
    )
    flags = valid.groupby("pid").agg(
        district=("district", "first"),
        planned=("table", lambda t: (t == "planned").any()),
    )
    conv = built.groupby("pid").agg(
        in_construction=("table", "size"),
        started=("started", "any"),
        registered=("registered", "any"),
    )
    funnel = flags[flags["planned"]].merge(conv, left_index=True, right_index=True, how="left")
    funnel = funnel.fillna({"in_construction": 0, "started": False, "registered": False})
    per_district = funnel.groupby("district").agg(
        planned=("planned", "size"),
        in_construction=("in_construction", lambda s: int((s > 0).sum())),
        started=("started", "sum"),
        registered=("registered", "sum"),
    )
    return register, per_district.reindex(names, fill_value=0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="keep the ledger and outputs in this folder")
    ap.add_argument("--baseline", metavar="REV", help="also time the report as of git revision REV")
    ap.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)  # the baseline's ledger
    args = ap.parse_args(argv)
    if args.build_only:
        build_ledger(args.build_only, rows=args.rows, districts=load_targets().district_names)
        return 0

    targets = load_targets()
    names = targets.district_names
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-year-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "ledger.db"
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    try:
        t0 = time.perf_counter()
        n = build_ledger(db, rows=args.rows, districts=names)
        print(
            f"ledger: {n} rows (12 months × 5 districts × 2 tables) in {time.perf_counter() - t0:.1f} s"
        )
        import compileall

        import gongjian_cli

        compileall.compile_dir(Path(gongjian_cli.__file__).parent, quiet=1)
        env_cwd = work  # not this checkout: python puts the working directory first
        conn = open_ledger(db)

        def sql_read() -> None:
            conn.execute(
                "SELECT r.name, r.total, r.completed, r.start_class, r.registered FROM rows r"
                " JOIN submissions s ON s.id = r.submission_id"
                " WHERE s.status = 'accepted' AND s.superseded_by IS NULL"
            ).fetchall()

        t_start, _ = _median(lambda: _cli(db, "--version", cwd=env_cwd), args.repeat)
        t_sql, _ = _median(sql_read, args.repeat)
        out = work / "out"
        month = ("--month", "2020-12")
        t_projects, runs_p = _median(
            lambda: _cli(db, "projects", *month, "--format", "json", cwd=env_cwd), args.repeat
        )
        commands = {
            "report --format json": ("--format", "json"),
            "report --format xlsx,html": ("--format", "xlsx,html", "--out", str(out)),
            "report (default: xlsx,html,docx)": ("--out", str(out)),
        }
        times = {
            label: _median(lambda a=extra: _cli(db, "report", *month, *a, cwd=env_cwd), args.repeat)
            for label, extra in commands.items()
        }
        before = {}
        if args.baseline:
            from bench_collect import checkout, drop_checkout

            code = checkout(args.baseline, work / "baseline")
            try:
                old_db = work / "ledger-baseline.db"
                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--rows",
                        str(args.rows),
                        "--build-only",
                        str(old_db),
                    ],
                    check=True,
                    cwd=work,
                    env={**os.environ, "BENCH_YEAR_CODE": str(code)},
                )
                for label, extra in commands.items():
                    if "docx" in label:
                        continue  # no Word bulletin before issue 9
                    extra = tuple(str(work / "out-baseline") if a == str(out) else a for a in extra)
                    before[label] = _median(
                        lambda a=extra: _cli(old_db, "report", *month, *a, cwd=env_cwd, code=code),
                        args.repeat,
                    )
            finally:
                drop_checkout(code)
        cells = _cells(out / "月度通报-2020-12.xlsx")
        t_floor, _ = _median(lambda: _xlsx_floor(cells, work / "floor.xlsx"), args.repeat)
        print(f"baseline: start-up (gongjian --version) {t_start:.3f} s;"
              f" SQL read of the rows in effect {t_sql:.3f} s;"
              f" xlsxwriter writing the bulletin's {cells} cells, nothing else, {t_floor:.3f} s")  # fmt: skip
        print(f"gongjian projects --format json:  {t_projects:.3f} s  (runs: {_fmt(runs_p)})")
        for label, (t, runs) in times.items():
            line = f"gongjian {label + ':':34} {t:.3f} s  (runs: {_fmt(runs)})"
            if label in before:
                b, b_runs = before[label]
                line += f"; as of {args.baseline}: {b:.3f} s (runs: {_fmt(b_runs)}), now / before = {t / b:.2f}"
            print(line)
        verdicts = [
            f"{label} {'OK' if t < 1 else 'SLOW'}"
            for label, t in (
                ("projects", t_projects),
                *((label.split(" (")[0], t) for label, (t, _) in times.items()),
            )
        ]
        print(f"target under 1 s: {'; '.join(verdicts)}. Of the bulletin files,"
              f" {t_floor:.2f} s is xlsxwriter's own cost for the cells of the workbook")  # fmt: skip

        from gongjian_cli.year.identity import resolve

        res = resolve(conn, Month(2020, 12))
        t_resolve, _ = _median(lambda: resolve(conn, Month(2020, 12)), args.repeat)
        lines, conv = plain(res, names)
        t_plain, _ = _median(lambda: plain(res, names), args.repeat)
        print(f"identity resolution: {t_resolve:.3f} s for {len(res.rows)} rows,"
              f" {len(res.members)} projects")  # fmt: skip
        print(f"register + conversion, plain Python: {t_plain:.3f} s")
        try:
            t0 = time.perf_counter()
            import pandas  # noqa: F401

            t_import = time.perf_counter() - t0
        except ImportError:
            print("pandas not installed: `pip install pandas` to compare")
            return 0
        register, funnel = with_pandas(res, names)
        assert len(register) == len(lines), (len(register), len(lines))
        for d in names:
            got = tuple(
                int(funnel.loc[d, k])
                for k in ("planned", "in_construction", "started", "registered")
            )
            want = (conv[d].planned, conv[d].in_construction, conv[d].started, conv[d].registered)
            assert got == want, (d, got, want)
        t_pandas, _ = _median(lambda: with_pandas(res, names), args.repeat)
        print(f"register + conversion, pandas:       {t_pandas:.3f} s"
              f" (+ {t_import:.3f} s to import pandas); same figures")  # fmt: skip
        print(f"pandas / plain: {(t_pandas + t_import) / t_plain:.1f}× with the import,"
              f" {t_pandas / t_plain:.1f}× without")  # fmt: skip
        conn.close()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _cells(path: Path) -> int:
    """Cells with a value in every sheet of ``path`` (as written)."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return sum(
        1
        for name in wb.sheet_names
        for row in wb.get_sheet_by_name(name).to_python()
        for v in row
        if v != ""
    )


def _xlsx_floor(cells: int, path: Path) -> None:
    """Write ``cells`` cells (text and numbers, one format) with xlsxwriter, nothing else."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet()
    fmt = wb.add_format({"num_format": "#,##0.00"})
    for i in range(cells):
        r, c = divmod(i, 20)
        if c < 8:
            ws.write_string(r, c, f"项目{r}", fmt)
        else:
            ws.write_number(r, c, r * 1.5, fmt)
    wb.close()


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "")
    sys.exit(main())
