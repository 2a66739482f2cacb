"""Rules per row: each rule with its exact row, column, value and what it excludes."""

from __future__ import annotations

from typing import Any

import pytest

from gongjian_cli.models import ParsedRow, make_finding
from gongjian_cli.schema import COLUMNS, Severity, Table
from gongjian_cli.validation import format_amount, normalise_name, validate_rows

LETTERS = {table: {c.key: "ABCDEFGHIJ"[i] for i, c in enumerate(COLUMNS[table])} for table in Table}
PLANNED_OK = {"name": "铜箔扩建项目", "total": 20000.0, "region": "义安区"}
CONSTRUCTION_OK = {
    "name": "铜冠电子铜箔二期",
    "total": 50000.0,
    "completed": 12000.0,
    "start": "续建",
    "registered": "是",
}


def planned_row(excel_row: int = 5, **raw: Any) -> ParsedRow:
    cells = {**PLANNED_OK, **raw}
    total = cells.get("total")
    return ParsedRow(
        excel_row=excel_row,
        raw=cells,
        name=cells.get("name") or None,
        total=total if isinstance(total, float) else None,
        region=cells.get("region") or None,
    )


def construction_row(excel_row: int = 5, **raw: Any) -> ParsedRow:
    cells = {**CONSTRUCTION_OK, **raw}
    total, completed = cells.get("total"), cells.get("completed")
    reg = cells.get("registered")
    return ParsedRow(
        excel_row=excel_row,
        raw=cells,
        name=cells.get("name") or None,
        total=total if isinstance(total, float) else None,
        completed=completed if isinstance(completed, float) else None,
        start_text=cells.get("start") or None,
        registered={"是": True, "否": False}.get(reg) if isinstance(reg, str) else None,
    )


def run(rows: list[ParsedRow], table: Table, district: str = "义安区", targets=None, **kw):
    return validate_rows(
        rows,
        table=table,
        district=district,
        file_name="义安区5月.xlsx",
        sheet="附件2" if table is Table.PLANNED else "附件3",
        year=2020,
        column_letters=kw.get("letters", LETTERS[table]),
        targets=targets,
    )


def codes(row: ParsedRow) -> list[tuple[str, int | None, str | None, str | None]]:
    return [(f.code, f.row, f.column, f.value) for f in row.findings]


def test_clean_rows_get_no_findings(targets) -> None:
    p, c = planned_row(), construction_row()
    assert run([p], Table.PLANNED, targets=targets) == []
    assert run([c], Table.CONSTRUCTION, targets=targets) == []
    assert p.findings == [] and c.findings == []
    assert not (p.excluded or c.excluded or c.exclude_investment or c.exclude_registered)


@pytest.mark.parametrize(
    ("table", "raw", "expected", "flags"),
    [
        (Table.PLANNED, {"name": None}, [("missing-name", 7, "B", None)], {"excluded"}),
        (Table.PLANNED, {"name": "  "}, [("missing-name", 7, "B", None)], {"excluded"}),
        (Table.PLANNED, {"total": None}, [("missing-total", 7, "C", None)], {"excluded"}),
        (Table.PLANNED, {"total": 8000.0}, [("below-1yi", 7, "C", "8000")], {"excluded"}),
        (Table.PLANNED, {"total": 9999.5}, [("below-1yi", 7, "C", "9999.5")], {"excluded"}),
        (Table.PLANNED, {"total": 10000.0}, [], set()),
        (Table.PLANNED, {"region": "铜官区"}, [("other-district", 7, "D", "铜官区")], set()),
        (
            Table.PLANNED,
            {"region": "铜陵市经开区"},
            [("other-district", 7, "D", "铜陵市经开区")],
            set(),
        ),
        (Table.PLANNED, {"region": "义安"}, [], set()),
        (Table.PLANNED, {"region": "铜陵市"}, [], set()),
        (Table.PLANNED, {"region": None}, [], set()),
        (Table.CONSTRUCTION, {"name": None}, [("missing-name", 7, "B", None)], {"excluded"}),
        (Table.CONSTRUCTION, {"total": ""}, [("missing-total", 7, "E", None)], {"excluded"}),
        (Table.CONSTRUCTION, {"total": 5000.0, "completed": 100.0}, [], set()),  # no 1亿 floor
        (
            Table.CONSTRUCTION,
            {"completed": None},
            [("completed-blank", 7, "F", None)],
            set(),
        ),
        (
            Table.CONSTRUCTION,
            {"completed": 60000.0},
            [("completed-exceeds-total", 7, "F", "60000")],
            {"exclude_investment"},
        ),
        (Table.CONSTRUCTION, {"completed": 50000.0}, [], set()),
        (
            Table.CONSTRUCTION,
            {"total": 800.0, "completed": 100.0},
            [("registered-below-10m", 7, "E", "800")],
            {"exclude_registered"},
        ),
        (Table.CONSTRUCTION, {"total": 800.0, "completed": 100.0, "registered": "否"}, [], set()),
        (Table.CONSTRUCTION, {"total": 1000.0, "completed": 100.0}, [], set()),
        (Table.CONSTRUCTION, {"registered": None}, [("registered-blank", 7, "H", None)], set()),
        (Table.CONSTRUCTION, {"start": " "}, [("start-blank", 7, "G", None)], set()),
    ],
)
def test_rule(targets, table: Table, raw: dict, expected: list, flags: set[str]) -> None:
    row = (planned_row if table is Table.PLANNED else construction_row)(7, **raw)
    run([row], table, targets=targets)
    assert codes(row) == expected
    for flag in ("excluded", "exclude_investment", "exclude_registered"):
        assert getattr(row, flag) is (flag in flags), flag
    for f in row.findings:
        assert f.file == "义安区5月.xlsx"
        assert f.sheet == ("附件2" if table is Table.PLANNED else "附件3")


def test_finding_fields_and_messages(targets) -> None:
    row = planned_row(7, total=8000.0)
    run([row], Table.PLANNED, targets=targets)
    (f,) = row.findings
    assert f.severity is Severity.ERROR
    assert f.field == "总投资（万元）"
    assert "总投资 8000 万元，低于 10000 万元" in f.message
    assert f.message.startswith("谋划项目总投资原则上不低于1亿元")

    row = construction_row(9, completed=60000.0)
    run([row], Table.CONSTRUCTION)
    (f,) = row.findings
    assert f.field == "2020年完成投资（万元）"
    assert "2020年完成投资（万元） 60000 万元，大于总投资 50000 万元" in f.message

    row = planned_row(4, region="铜官区")
    run([row], Table.PLANNED, targets=targets)
    (f,) = row.findings
    assert f.severity is Severity.WARNING and "计入义安区" in f.message


def test_completed_blank_is_zero() -> None:
    row = construction_row(completed=None)
    run([row], Table.CONSTRUCTION)
    assert row.completed == 0.0
    assert not row.exclude_investment


def test_duplicate_name_flags_the_repeat_only(targets) -> None:
    rows = [
        planned_row(5, name="铜箔 扩建项目"),
        planned_row(6, name="另一个项目"),
        planned_row(9, name="铜箔扩建项目 "),
        planned_row(12, name="铜箔扩建项目"),
    ]
    run(rows, Table.PLANNED, targets=targets)
    assert codes(rows[0]) == [] and codes(rows[1]) == []
    assert codes(rows[2]) == [("duplicate-name", 9, "B", "铜箔扩建项目 ")]
    assert codes(rows[3]) == [("duplicate-name", 12, "B", "铜箔扩建项目")]
    assert "与第5行重复" in rows[2].findings[0].message
    assert [r.excluded for r in rows] == [False, False, True, True]


def test_duplicate_name_in_construction_too() -> None:
    rows = [construction_row(5), construction_row(6)]
    run(rows, Table.CONSTRUCTION)
    assert codes(rows[1]) == [("duplicate-name", 6, "B", "铜冠电子铜箔二期")]
    assert rows[1].excluded and not rows[0].excluded


def test_normalise_name() -> None:
    assert normalise_name(" 年产（10万吨）\u3000铜箔\n项目 ") == "年产(10万吨)铜箔项目"


def _parse_flag(row: ParsedRow, code: str, column: str, value: str) -> None:
    row.findings.append(
        make_finding(code, file="f", sheet="s", row=row.excel_row, column=column, value=value)
    )


def test_unreadable_total_gets_no_second_finding(targets) -> None:
    row = planned_row(8, total="约一个亿")
    _parse_flag(row, "unreadable-amount", "C", "约一个亿")
    run([row], Table.PLANNED, targets=targets)
    assert [f.code for f in row.findings] == ["unreadable-amount"]
    assert row.excluded


def test_formula_total_without_value_excluded(targets) -> None:
    row = planned_row(8, total="")  # blank as read, but parsing saw a formula
    _parse_flag(row, "formula-no-value", "C", "=SUM(C1:C3)")
    run([row], Table.PLANNED, targets=targets)
    assert [f.code for f in row.findings] == ["formula-no-value"]
    assert row.excluded


def test_negative_total_excludes_row() -> None:
    row = construction_row(8)
    row.total = -500.0
    _parse_flag(row, "negative-amount", "E", "-500")
    run([row], Table.CONSTRUCTION)
    assert [f.code for f in row.findings] == ["negative-amount"]
    assert row.excluded


def test_unreadable_completed_is_not_zero() -> None:
    row = construction_row(8, completed="两千")
    _parse_flag(row, "unreadable-amount", "F", "两千")
    run([row], Table.CONSTRUCTION)
    assert [f.code for f in row.findings] == ["unreadable-amount"]
    assert row.completed is None
    assert row.exclude_investment and not row.excluded


def test_negative_completed_excludes_investment_only() -> None:
    row = construction_row(8)
    row.completed = -3.0
    _parse_flag(row, "negative-amount", "F", "-3")
    run([row], Table.CONSTRUCTION)
    assert row.exclude_investment and not row.excluded
    assert [f.code for f in row.findings] == ["negative-amount"]


def test_unknown_registered_gets_no_blank_warning() -> None:
    row = construction_row(8, registered="待定")
    _parse_flag(row, "registered-unknown", "H", "待定")
    run([row], Table.CONSTRUCTION)
    assert [f.code for f in row.findings] == ["registered-unknown"]


def test_several_rules_on_one_row(targets) -> None:
    row = construction_row(11, name=None, total=700.0, completed=900.0, start=None)
    run([row], Table.CONSTRUCTION)
    assert codes(row) == [
        ("missing-name", 11, "B", None),
        ("registered-below-10m", 11, "E", "700"),
        ("completed-exceeds-total", 11, "F", "900"),
        ("start-blank", 11, "G", None),
    ]
    assert row.excluded and row.exclude_investment and row.exclude_registered


def test_absent_optional_columns_give_one_table_finding() -> None:
    letters = {k: v for k, v in LETTERS[Table.CONSTRUCTION].items() if k != "completed"}
    rows = [construction_row(5, completed=None), construction_row(6, name="二号", completed=None)]
    table_findings = run(rows, Table.CONSTRUCTION, letters=letters)
    assert [(f.code, f.row, f.column) for f in table_findings] == [("completed-blank", None, None)]
    assert all(r.findings == [] and r.completed == 0.0 for r in rows)


def test_without_targets_region_is_not_checked() -> None:
    row = planned_row(region="铜官区")
    run([row], Table.PLANNED, targets=None)
    assert row.findings == []


@pytest.mark.parametrize(
    ("value", "text"), [(8000.0, "8000"), (1500.5, "1500.5"), (0.125, "0.125"), (1e8, "100000000")]
)
def test_format_amount(value: float, text: str) -> None:
    assert format_amount(value) == text


def test_other_district_on_every_row_naming_it(targets) -> None:
    # 所属区域 texts are resolved once per table: a repeat must still be flagged
    rows = [
        planned_row(5, name="一号", region="铜官区"),
        planned_row(6, name="二号", region="义安区"),
        planned_row(7, name="三号", region="铜官区"),
        planned_row(8, name="四号", region=" 铜官区"),
        planned_row(9, name="五号", region="义安区"),
    ]
    run(rows, Table.PLANNED, targets=targets)
    assert [codes(r) for r in rows] == [
        [("other-district", 5, "D", "铜官区")],
        [],
        [("other-district", 7, "D", "铜官区")],
        [("other-district", 8, "D", " 铜官区")],
        [],
    ]


def test_rules_still_apply_when_parsing_flagged_another_column(targets) -> None:
    # a parse finding on some other cell must not let the row skip the amount rules
    planned = planned_row(5, total=8000.0)
    _parse_flag(planned, "formula-no-value", "D", "=X1")
    built = construction_row(6, total=700.0, completed=900.0, start="正在建设")
    _parse_flag(built, "start-unclassified", "G", "正在建设")
    run([planned], Table.PLANNED, targets=targets)
    run([built], Table.CONSTRUCTION)
    assert codes(planned) == [("formula-no-value", 5, "D", "=X1"), ("below-1yi", 5, "C", "8000")]
    assert codes(built) == [
        ("start-unclassified", 6, "G", "正在建设"),
        ("registered-below-10m", 6, "E", "700"),
        ("completed-exceeds-total", 6, "F", "900"),
    ]
    assert planned.excluded
    assert built.exclude_registered and built.exclude_investment and not built.excluded


def test_many_clean_rows_and_one_bad_row_among_them(targets) -> None:
    rows = [construction_row(5 + i, name=f"项目{i}") for i in range(50)]
    rows[20] = construction_row(25, name="项目 3", total=900.0, completed=None, start="")
    run(rows, Table.CONSTRUCTION, targets=targets)
    assert [(r.excel_row, codes(r)) for r in rows if r.findings] == [
        (
            25,
            [
                ("duplicate-name", 25, "B", "项目 3"),
                ("registered-below-10m", 25, "E", "900"),
                ("completed-blank", 25, "F", None),
                ("start-blank", 25, "G", None),
            ],
        )
    ]
    assert [r.excel_row for r in rows if r.excluded] == [25]
    assert rows[20].completed == 0.0
    assert all(r.completed == 12000.0 for i, r in enumerate(rows) if i != 20)
