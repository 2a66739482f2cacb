"""A ledger built by hand for the report tests, with every figure computed by hand below.

Submissions (received time decides on time / late; the deadline is the 25th):

经开区
  附件3 2020-04 (04-20): A 200000/50000 new reg; B 50000/10000 continuing not reg
  附件3 2020-05 (05-10): SUPERSEDED by the next file; one row 500000/999999 that must not count
  附件3 2020-05 (05-20, on time), rows (总投资/完成投资 in 万元):
    r4  铜箔项目        200000 / 81234   new          reg yes   → key, inv, new, reg ≥1亿
    r5  电子材料二期     50000 / 20000   continuing 竣工 reg yes → key, inv, cont, completed, reg ≥1亿
    r6  小项目            5000 / 3000    new          reg yes   → not key; reg 1000万-1亿
    r7  超额项目         12000 / 15000   continuing   reg no    → exclude_investment: cont only
    r8  错误行          300000 / 100000  new          reg yes   → excluded: nothing
    r9  虚报入库            800 / 500     new          reg yes   → exclude_registered: nothing
    r10 刚入库            1000 / 0       not started  reg yes   → reg 1000万-1亿 (boundary)
    r11 不足千万           999 / 0       not started  reg yes   → nothing (below 1000万)
    r12 一亿整           10000 / None    new          reg blank → key (boundary), new, inv 0
    investment = (81234 + 20000) / 10000 = 10.1234 亿元; new 2 (r4, r12); continuing 2
    (r5, r7); completed 1 (r5); registered 4 (r4, r5, r6, r10) = 2 ≥1亿 + 2 1000万-1亿
  附件2 2020-04 (04-20): 新材料产业园 300000
  附件2 2020-05 (05-27, LATE):
    r4 新材料产业园 300000 (10亿以上); r5 高端铜基材 60000 (5-10, also in 枞阳县);
    r6 小谋划 10000 (1-5, boundary); r7 低于1亿 8000 excluded; r8 五亿整 50000 (5-10);
    r9 近十亿 99999 (5-10); r10 十亿整 100000 (10亿以上); r11 重复行 20000 excluded
    planned_count 6; planned_investment 619999 / 10000 = 61.9999; bands 1 / 3 / 2
枞阳县
  附件3 2020-04 (04-22) → CARRIED into May: 80000 / 30000 continuing reg yes
  附件2 2020-05 (05-21): " 高端 铜基材" 60000 (5-10) → duplicate across districts
郊区: nothing → MISSING both
义安区
  附件3 2020-03 (03-20) → CARRIED into April and May: 150000 / 40000 new 竣工 reg yes
  附件2: none → MISSING
铜官区
  附件2 2020-04 (04-30, late in April) → CARRIED into May: 20000 (1-5)
  附件3 2020-05 (05-25 12:00, on time: the 25th counts): 30000 / 12345 new, reg no
Rejected: 乱码.xlsx received 2020-05-22 (month unknown) → in May's findings;
          旧文件.xls of 2020-04 → not in May's.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from gongjian_cli.ledger import insert_rejection, insert_submission, transaction
from gongjian_cli.models import Identity, ParsedRow, Rejection, Submission, make_finding
from gongjian_cli.schema import StartClass, Table

NEW, CONT, NOT = StartClass.NEW, StartClass.CONTINUING, StartClass.NOT_STARTED

# ---- May, by hand (亿元 for money) -------------------------------------------------
MAY = {
    "经开区": {
        "investment": 10.1234,  # (81234 + 20000) / 10000
        "new_starts": 2,
        "continuing": 2,
        "completed": 1,
        "registered": 4,
        "planned_investment": 61.9999,  # (300000+60000+10000+50000+99999+100000) / 10000
        "planned_count": 6,
        "planned_1_5": 1,
        "planned_5_10": 3,
        "planned_10_plus": 2,
    },
    "枞阳县": {
        "investment": 3.0,
        "new_starts": 0,
        "continuing": 1,
        "completed": 0,
        "registered": 1,
        "planned_investment": 6.0,
        "planned_count": 1,
        "planned_1_5": 0,
        "planned_5_10": 1,
        "planned_10_plus": 0,
    },
    "郊区": dict.fromkeys(
        (
            "investment",
            "new_starts",
            "continuing",
            "completed",
            "registered",
            "planned_investment",
            "planned_count",
            "planned_1_5",
            "planned_5_10",
            "planned_10_plus",
        ),
        0,
    ),
    "义安区": {
        "investment": 4.0,
        "new_starts": 1,
        "continuing": 0,
        "completed": 1,
        "registered": 1,
        "planned_investment": 0,
        "planned_count": 0,
        "planned_1_5": 0,
        "planned_5_10": 0,
        "planned_10_plus": 0,
    },
    "铜官区": {
        "investment": 1.2345,
        "new_starts": 1,
        "continuing": 0,
        "completed": 0,
        "registered": 0,
        "planned_investment": 2.0,
        "planned_count": 1,
        "planned_1_5": 1,
        "planned_5_10": 0,
        "planned_10_plus": 0,
    },
}

# ---- April, by hand: the "previous month" of May ----------------------------------
APRIL = {
    "经开区": {"investment": 6.0, "new_starts": 1, "continuing": 1, "registered": 1,
              "planned_investment": 30.0, "planned_count": 1, "planned_10_plus": 1},
    "枞阳县": {"investment": 3.0, "continuing": 1, "registered": 1},
    "郊区": {},
    "义安区": {"investment": 4.0, "new_starts": 1, "completed": 1, "registered": 1},
    "铜官区": {"planned_investment": 2.0, "planned_count": 1, "planned_1_5": 1},
}  # fmt: skip


def _sub(
    district: str,
    month: str,
    table: Table,
    file_name: str,
    received: datetime,
    rows: list[ParsedRow],
    findings: list | None = None,
) -> Submission:
    return Submission(
        file_name=file_name,
        file_path=f"/inbox/{file_name}",
        sha256=f"sha-{file_name}",
        sheet="附件3" if table == Table.CONSTRUCTION else "附件2",
        identity=Identity(district, month, table, {"district": "文件名"}),
        received_at=received,
        header_row=3,
        columns={"seq": "A", "name": "B", "total": "C" if table == Table.PLANNED else "E"},
        rows=rows,
        findings=findings or [],
    )


def _c(
    row: int,
    name: str,
    total: float | None,
    completed: float | None,
    start: StartClass | None,
    *,
    finished: bool = False,
    registered: bool | None = True,
    issues: str | None = None,
    **flags: Any,
) -> ParsedRow:
    return ParsedRow(
        excel_row=row,
        raw={"name": name},
        name=name,
        total=total,
        completed=completed,
        unit=f"{name}有限公司",
        issues=issues,
        start_text=None if start is None else str(start),
        start_class=start,
        finished=finished,
        registered=registered,
        **flags,
    )


def _p(row: int, name: str, total: float, **flags: Any) -> ParsedRow:
    return ParsedRow(
        excel_row=row, raw={"name": name}, name=name, total=total, unit="某公司", **flags
    )


def _f(code: str, file: str, row: int | None, column: str | None = None, value: object = None):
    return make_finding(code, file=file, sheet="附件3", row=row, column=column, value=value)


F3_MAY = "经开区-附件3-2020年05月-改.xlsx"


def build(conn: sqlite3.Connection) -> None:
    """Insert the submissions described in the module docstring."""
    with transaction(conn):
        # 经开区 附件3
        insert_submission(
            conn,
            _sub("经开区", "2020-04", Table.CONSTRUCTION, "经开区-附件3-4月.xlsx",
                 datetime(2020, 4, 20, 9),
                 [_c(4, "铜箔项目", 200000, 50000, NEW),
                  _c(5, "电子材料二期", 50000, 10000, CONT, registered=False)]),
        )  # fmt: skip
        insert_submission(
            conn,
            _sub("经开区", "2020-05", Table.CONSTRUCTION, "经开区-附件3-2020年05月.xlsx",
                 datetime(2020, 5, 10, 9),
                 [_c(4, "铜箔项目", 500000, 999999, NEW,
                     findings=[_f("completed-exceeds-total", "superseded.xlsx", 4, "F")])]),
        )  # fmt: skip
        rows = [
            _c(4, "=SUM(A1:A9)铜箔项目", 200000, 81234, NEW, issues="用地指标未落实"),
            _c(5, "电子材料二期", 50000, 20000, CONT, finished=True, issues="无"),
            _c(6, "小项目", 5000, 3000, NEW),
            _c(7, "超额项目", 12000, 15000, CONT, registered=False, exclude_investment=True),
            _c(8, "错误行", 300000, 100000, NEW, excluded=True, issues="资金不到位 | 待协调"),
            _c(9, "虚报入库", 800, 500, NEW, exclude_registered=True),
            _c(10, "刚入库", 1000, 0, NOT),
            _c(11, "不足千万", 999, 0, NOT),
            _c(12, "一亿整", 10000, None, NEW, registered=None),
        ]
        rows[3].findings.append(_f("completed-exceeds-total", F3_MAY, 7, "F", 15000))
        rows[4].findings.append(_f("unreadable-amount", F3_MAY, 8, "E", "三十亿"))
        rows[5].findings.append(_f("registered-below-10m", F3_MAY, 9, "H", "是"))
        rows[8].findings.append(_f("completed-blank", F3_MAY, 12, "F"))
        insert_submission(
            conn,
            _sub("经开区", "2020-05", Table.CONSTRUCTION, F3_MAY, datetime(2020, 5, 20, 9), rows),
        )
        # 经开区 附件2
        insert_submission(
            conn,
            _sub("经开区", "2020-04", Table.PLANNED, "经开区-附件2-4月.xlsx",
                 datetime(2020, 4, 20, 9), [_p(4, "新材料产业园", 300000)]),
        )  # fmt: skip
        f2 = "经开区-附件2-5月.xlsx"
        planned = [
            _p(4, "新材料产业园", 300000),
            _p(5, "高端铜基材", 60000),
            _p(6, "小谋划", 10000),
            _p(7, "低于1亿", 8000, excluded=True),
            _p(8, "五亿整", 50000),
            _p(9, "近十亿", 99999),
            _p(10, "十亿整", 100000),
            _p(11, "重复行", 20000, excluded=True),
        ]
        planned[3].findings.append(_f("below-1yi", f2, 7, "C", 8000))
        planned[7].findings.append(_f("duplicate-name", f2, 11, "B", "重复行"))
        insert_submission(
            conn, _sub("经开区", "2020-05", Table.PLANNED, f2, datetime(2020, 5, 27, 9), planned)
        )
        # 枞阳县
        cy = [_c(4, "水泥技改", 80000, 30000, CONT)]
        cy[0].findings.append(_f("start-unclassified", "枞阳附件3.xlsx", 4, "G", "在建"))
        insert_submission(
            conn,
            _sub("枞阳县", "2020-04", Table.CONSTRUCTION, "枞阳附件3.xlsx",
                 datetime(2020, 4, 22, 9), cy),
        )  # fmt: skip
        insert_submission(
            conn,
            _sub("枞阳县", "2020-05", Table.PLANNED, "枞阳附件2.xlsx", datetime(2020, 5, 21, 9),
                 [_p(4, " 高端 铜基材", 60000)]),
        )  # fmt: skip
        # 义安区
        insert_submission(
            conn,
            _sub("义安区", "2020-03", Table.CONSTRUCTION, "义安区3月在建.xlsx",
                 datetime(2020, 3, 20, 9), [_c(4, "精密铸件", 150000, 40000, NEW, finished=True)]),
        )  # fmt: skip
        # 铜官区
        insert_submission(
            conn,
            _sub("铜官区", "2020-04", Table.PLANNED, "铜官谋划4月.xlsx", datetime(2020, 4, 30, 9),
                 [_p(4, "铜官谋划一", 20000)]),
        )  # fmt: skip
        insert_submission(
            conn,
            _sub("铜官区", "2020-05", Table.CONSTRUCTION, "铜官在建5月.xlsx",
                 datetime(2020, 5, 25, 12), [_c(4, "铜官在建一", 30000, 12345, NEW, registered=False)]),
        )  # fmt: skip
        # rejected files
        insert_rejection(
            conn,
            Rejection("乱码.xlsx", "/inbox/乱码.xlsx", "sha-x", None, datetime(2020, 5, 22, 9),
                      "unidentified", "无法识别是哪个县区、哪个月的哪张表"),
        )  # fmt: skip
        insert_rejection(
            conn,
            Rejection("旧文件.xls", "/inbox/旧文件.xls", "sha-y", None, datetime(2020, 4, 22, 9),
                      "unreadable", "文件损坏", month="2020-04"),
        )  # fmt: skip
