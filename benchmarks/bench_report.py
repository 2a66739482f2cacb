#!/usr/bin/env python3
"""Benchmark: `gongjian report` on a ledger of 100k rows, against a bare SQL aggregate.

Builds a ledger in a temp dir through ``ledger.insert_submission``: 5 districts × 2
tables × ``--months`` months × ``--versions`` submissions per month (all but the last
superseded), ``--rows`` rows in all (default 100 000 = 5 × 2 × 10 × 2 × 500). About one
row in twenty carries a finding, one in fifty is excluded, a third have 存在问题.

Then, in the same run, times (median of ``--repeat``) for the last month:

- baseline: one SQL aggregate over all rows of the ledger (count, Σ 总投资, Σ 完成投资
  per submission joined to submissions) — what reading the ledger costs at the least;
- compute: ``compute_report`` (effective submissions, this and the previous month,
  projects, findings, cross-district duplicates);
- render: compute plus writing xlsx, html and json (what ``gongjian report --format
  xlsx,html,json`` does after start-up);
- word: on the computed report, the Word 通报 and the five districts' 调度单 (what
  ``--format docx --briefs`` adds; docxtpl's first import included in the first run);

and prints each, and the ratio render ÷ baseline. Targets: render under 3 s here; the Word
documents under 1 s beyond it.
``--worst`` puts every row in effect (1 month, 1 version): 10 submissions of 10 000 rows.

    python benchmarks/bench_report.py [--rows 100000] [--months 10] [--versions 2]
                                      [--repeat 3] [--worst] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gongjian_cli.ledger import insert_submission, open_ledger, transaction  # noqa: E402
from gongjian_cli.metrics import compute_report  # noqa: E402
from gongjian_cli.models import Identity, ParsedRow, Submission, make_finding  # noqa: E402
from gongjian_cli.month import Month  # noqa: E402
from gongjian_cli.render import write_report  # noqa: E402
from gongjian_cli.render.brief import write_briefs  # noqa: E402
from gongjian_cli.schema import StartClass, Table  # noqa: E402
from gongjian_cli.targets import load_targets  # noqa: E402

ISSUED = date(2020, 6, 3)
STARTS = (StartClass.NEW, StartClass.CONTINUING, StartClass.NOT_STARTED, None)
ISSUES = ("用地指标未落实", "资金不到位", "环评审批中", "无", None, None)


def _rows(rng: random.Random, table: Table, n: int, tag: str) -> list[ParsedRow]:
    rows = []
    for i in range(n):
        total = rng.choice((800, 5000, 12000, 30000, 60000, 150000, 300000))
        r = ParsedRow(
            excel_row=4 + i,
            raw={"name": f"项目{tag}-{i}"},
            name=f"项目{tag}-{i}",
            total=float(total),
            unit=f"某某有限公司{i % 97}",
            region=None,
        )
        if table == Table.CONSTRUCTION:
            r.completed = float(rng.randint(0, total))
            r.start_class = rng.choice(STARTS)
            r.finished = rng.random() < 0.1
            r.registered = rng.choice((True, False, None))
            r.issues = rng.choice(ISSUES)
        r.excluded = rng.random() < 0.02
        if rng.random() < 0.05:
            r.findings.append(
                make_finding(
                    "completed-blank", file=f"{tag}.xlsx", sheet="Sheet1", row=4 + i, column="F"
                )
            )
        rows.append(r)
    return rows


def build_ledger(path: Path, *, rows: int, months: int, versions: int, districts) -> int:
    """Fill a fresh ledger; returns the number of rows written."""
    rng = random.Random(2020)
    subs = len(districts) * 2 * months * versions
    per = rows // subs
    conn = open_ledger(path)
    written = 0
    with transaction(conn):
        for m in range(1, months + 1):
            for d in districts:
                for table in Table:
                    for v in range(versions):
                        tag = f"{d}-{m:02d}-{table}-{v}"
                        sub = Submission(
                            file_name=f"{tag}.xlsx",
                            file_path=f"/inbox/{tag}.xlsx",
                            sha256=tag,
                            sheet="Sheet1",
                            identity=Identity(d, f"2020-{m:02d}", table, {}),
                            received_at=datetime(2020, m, 10 + v),
                            header_row=3,
                            columns={"name": "B"},
                            rows=_rows(rng, table, per, tag),
                            findings=[],
                        )
                        insert_submission(conn, sub)
                        written += per
    conn.close()
    return written


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=10)
    ap.add_argument("--versions", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--worst", action="store_true", help="every row in effect")
    ap.add_argument("--keep", type=Path, help="keep the ledger and outputs in this folder")
    args = ap.parse_args(argv)
    if args.worst:
        args.months, args.versions = 1, 1

    targets = load_targets()
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-report-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "ledger.db"
    db.unlink(missing_ok=True)
    try:
        t0 = time.perf_counter()
        n = build_ledger(
            db,
            rows=args.rows,
            months=args.months,
            versions=args.versions,
            districts=targets.district_names,
        )
        print(f"ledger: {n} rows built in {time.perf_counter() - t0:.1f} s ({db})")
        month = Month(targets.year, args.months)
        conn = open_ledger(db)

        def baseline() -> None:
            conn.execute(
                "SELECT s.district, s.table_kind, s.month, count(*), sum(r.total),"
                " sum(r.completed), sum(r.registered) FROM rows r"
                " JOIN submissions s ON s.id = r.submission_id"
                " GROUP BY r.submission_id"
            ).fetchall()

        box = {}

        def compute() -> None:
            box["report"] = compute_report(conn, month, targets)

        out = work / "out"

        def render() -> None:
            report = compute_report(conn, month, targets)
            write_report(report, out, ["xlsx", "html", "json"])

        def word() -> None:
            write_report(box["report"], out, ["docx"], issued=ISSUED)
            write_briefs(box["report"], out, issued=ISSUED)

        t_base = _median(baseline, args.repeat)
        t_compute = _median(compute, args.repeat)
        t_render = _median(render, args.repeat)
        t_import = time.perf_counter()
        import docxtpl  # noqa: F401  (what the first Word document pays once)

        t_import = time.perf_counter() - t_import
        t_word = _median(word, args.repeat)
        report = box["report"]
        in_effect = len(report.projects)
        print(f"month {month}: {in_effect} rows in effect, {len(report.findings)} findings")
        print(f"baseline (SQL aggregate over {n} rows): {t_base:.3f} s")
        print(f"compute_report:                          {t_compute:.3f} s")
        print(f"compute + write xlsx, html, json:        {t_render:.3f} s")
        print(f"ratio render / baseline:                 {t_render / t_base:.1f}×")
        briefs = len(report.districts)
        print(f"Word 通报 + {briefs} 调度单 (beyond render):      {t_word:.3f} s")
        print(f"  + importing docxtpl/python-docx once:  {t_import:.3f} s")
        word_verdict = "OK" if t_word + t_import < 1 else "SLOW"
        print(f"target: Word documents under 1 s beyond the report → {word_verdict}")
        for f in sorted(out.iterdir()):
            print(f"  {f.name}: {f.stat().st_size / 1e6:.2f} MB")
        verdict = "OK" if t_render < 3 else "SLOW"
        print(f"target: under 3 s → {verdict}")
        conn.close()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
