"""compute_report against figures computed by hand (see tests/report_ledger.py)."""

from __future__ import annotations

from datetime import datetime

import pytest
from report_ledger import APRIL, F3_MAY, MAY, build

from gongjian_cli.ledger import insert_submission, transaction
from gongjian_cli.metrics import compute_report
from gongjian_cli.models import Identity, ParsedRow, Submission
from gongjian_cli.month import Month
from gongjian_cli.schema import DISTRICT_METRIC_KEYS, StartClass, SubmissionStatus, Table

MAY_M = Month(2020, 5)


@pytest.fixture
def may(ledger, targets):
    build(ledger)
    return compute_report(ledger, MAY_M, targets)


@pytest.mark.parametrize("district", list(MAY))
def test_district_figures_match_hand_computation(may, district):
    figures = may.district(district).metrics
    assert set(figures) == set(DISTRICT_METRIC_KEYS)
    for key, expected in MAY[district].items():
        assert figures[key].actual == pytest.approx(expected, abs=1e-9), key


def test_counts_are_integers_and_money_is_yi(may):
    fig = may.district("经开区").metrics
    assert isinstance(fig["new_starts"].actual, int)
    assert isinstance(fig["planned_count"].actual, int)
    # 101234 万元 → 10.1234 亿元
    assert fig["investment"].actual == pytest.approx(10.1234)


def test_city_total_is_sum_of_districts(may):
    t = may.total
    # 10.1234 + 3 + 0 + 4 + 1.2345
    assert t["investment"].actual == pytest.approx(18.3579)
    assert t["new_starts"].actual == 2 + 0 + 0 + 1 + 1
    assert t["continuing"].actual == 2 + 1
    assert t["completed"].actual == 1 + 1
    assert t["registered"].actual == 4 + 1 + 1
    # split: 经开区 r4, r5 + 枞阳 + 义安 ≥ 1亿; 经开区 r6 (5000), r10 (1000) below
    assert t["registered_1yi_plus"].actual == 4
    assert t["registered_10m_1yi"].actual == 2
    assert t["planned_count"].actual == 6 + 1 + 1
    assert t["planned_investment"].actual == pytest.approx(61.9999 + 6 + 2)
    assert (t["planned_1_5"].actual, t["planned_5_10"].actual, t["planned_10_plus"].actual) == (
        1 + 1,
        3 + 1,
        2,
    )
    assert t["registered_1yi_plus"].target == 40
    assert t["registered_10m_1yi"].target == 80


def test_targets_rates_and_behind(may):
    tp = 5 / 12
    assert may.time_progress == pytest.approx(tp)
    inv = may.district("经开区").metrics["investment"]
    assert inv.target == 64
    assert inv.rate == pytest.approx(10.1234 / 64)  # 0.1582
    assert inv.behind is True
    assert inv.gap_points == pytest.approx((10.1234 / 64 - tp) * 100)
    done = may.district("经开区").metrics["completed"]
    assert done.target is None and done.rate is None and done.behind is None
    # 10亿以上: 2 of 8 → 25% < 41.67%; 5-10亿 3 of 16 → 18.75%
    assert may.district("经开区").metrics["planned_10_plus"].rate == pytest.approx(0.25)
    assert may.total["investment"].rate == pytest.approx(18.3579 / 200)


def test_not_behind_when_rate_reaches_time_progress(ledger, targets):
    # 郊区 investment target 14 亿; January time progress 1/12: 14/12 = 1.1667 亿 is on pace
    row = ParsedRow(4, {}, name="x", total=100000, completed=11667, start_class=StartClass.NEW)
    with transaction(ledger):
        insert_submission(ledger, _single("郊区", "2020-01", Table.CONSTRUCTION, [row]))
    fig = compute_report(ledger, Month(2020, 1), targets).district("郊区").metrics["investment"]
    assert fig.rate == pytest.approx(1.1667 / 14)
    assert fig.behind is False


def test_month_over_month_change(may):
    for district, april in APRIL.items():
        for key in DISTRICT_METRIC_KEYS:
            fig = may.district(district).metrics[key]
            assert fig.previous == pytest.approx(april.get(key, 0)), (district, key)
            assert fig.change == pytest.approx(MAY[district][key] - april.get(key, 0))
    # by hand: 经开区 investment 10.1234 − 6 = 4.1234; city 18.3579 − (6 + 3 + 4) = 5.3579
    assert may.district("经开区").metrics["investment"].change == pytest.approx(4.1234)
    assert may.total["investment"].change == pytest.approx(5.3579)
    # 义安区 carried from March in April and May: no change
    assert may.district("义安区").metrics["investment"].change == 0


def test_january_change_is_the_figure_itself(ledger, targets):
    row = ParsedRow(4, {}, name="x", total=20000, completed=5000, start_class=StartClass.NEW)
    with transaction(ledger):
        insert_submission(ledger, _single("郊区", "2020-01", Table.CONSTRUCTION, [row]))
    report = compute_report(ledger, Month(2020, 1), targets)
    fig = report.district("郊区").metrics["investment"]
    assert fig.actual == pytest.approx(0.5)
    assert fig.previous == 0
    assert fig.change == pytest.approx(0.5)


def test_submission_status_carried_missing_late(may):
    def state(d, t):
        return may.district(d).submissions[t]

    assert state("经开区", Table.PLANNED).status == SubmissionStatus.LATE  # 05-27
    assert state("经开区", Table.CONSTRUCTION).status == SubmissionStatus.ON_TIME
    assert state("经开区", Table.CONSTRUCTION).file == F3_MAY  # the later of two May files
    carried = state("枞阳县", Table.CONSTRUCTION)
    assert (carried.status, carried.month, carried.file) == (
        SubmissionStatus.CARRIED,
        "2020-04",
        "枞阳附件3.xlsx",
    )
    assert carried.label == "沿用2020-04"
    assert state("义安区", Table.CONSTRUCTION).month == "2020-03"
    assert state("义安区", Table.PLANNED).status == SubmissionStatus.MISSING
    for t in Table:
        missing = state("郊区", t)
        assert (missing.status, missing.month, missing.file) == (
            SubmissionStatus.MISSING,
            None,
            None,
        )
    assert state("铜官区", Table.CONSTRUCTION).status == SubmissionStatus.ON_TIME  # the 25th itself


def test_superseded_file_does_not_count(may):
    # the superseded May file had 999999 万元 on one row
    assert may.district("经开区").metrics["investment"].actual < 20
    files = {p.file for p in may.projects}
    assert "经开区-附件3-2020年05月.xlsx" not in files
    assert all(f.file != "superseded.xlsx" for f in may.findings)


def test_ranking_by_investment_rate(may):
    # 经开区 10.1234/64=.158, 义安区 4/40=.1, 枞阳县 3/50=.06, 铜官区 1.2345/32=.039, 郊区 0
    assert may.ranking == ("经开区", "义安区", "枞阳县", "铜官区", "郊区")


def test_findings_in_effect_plus_rejections_and_cross_district_duplicates(may):
    got = [(f.district, f.table, f.file, f.row, f.code) for f in may.findings]
    assert got == [
        ("经开区", "planned", "经开区-附件2-5月.xlsx", 5, "duplicate-across-districts"),
        ("经开区", "planned", "经开区-附件2-5月.xlsx", 7, "below-1yi"),
        ("经开区", "planned", "经开区-附件2-5月.xlsx", 11, "duplicate-name"),
        ("经开区", "construction", F3_MAY, 7, "completed-exceeds-total"),
        ("经开区", "construction", F3_MAY, 8, "unreadable-amount"),
        ("经开区", "construction", F3_MAY, 9, "registered-below-10m"),
        ("经开区", "construction", F3_MAY, 12, "completed-blank"),
        ("枞阳县", "planned", "枞阳附件2.xlsx", 4, "duplicate-across-districts"),
        ("枞阳县", "construction", "枞阳附件3.xlsx", 4, "start-unclassified"),  # carried
        (None, None, "乱码.xlsx", None, "unidentified"),  # rejected in May, month unknown
    ]
    dup = may.findings[0]
    assert dup.severity == "warning"
    assert dup.column == "B" and dup.value == "高端铜基材"
    assert "枞阳县" in dup.message and "枞阳附件2.xlsx" in dup.message
    assert may.findings[-1].rejected is True


def test_project_lists(may):
    planned = may.planned_projects
    assert len(planned) == 6 + 1 + 1  # excluded rows left out
    assert [p.band for p in planned if p.district == "经开区"] == [
        "planned_10_plus",
        "planned_5_10",
        "planned_1_5",
        "planned_5_10",
        "planned_5_10",
        "planned_10_plus",
    ]
    construction = may.construction_projects
    assert len(construction) == 8 + 1 + 1 + 1  # 经开区 9 rows minus 1 excluded
    first = construction[0]
    assert first.name == "=SUM(A1:A9)铜箔项目" and first.counts_investment
    assert not next(p for p in construction if p.name == "超额项目").counts_investment
    # counted construction rows not registered, ≥ 1000万: 超额项目, 一亿整, 铜官在建一
    assert [p.name for p in may.unregistered] == ["超额项目", "一亿整", "铜官在建一"]
    # every non-empty 存在问题 ("无" is empty), excluded rows included
    assert [(p.name, p.issues) for p in may.issue_list] == [
        ("=SUM(A1:A9)铜箔项目", "用地指标未落实"),
        ("错误行", "资金不到位 | 待协调"),
    ]


def test_month_without_data_is_zeros_and_missing(ledger, targets):
    report = compute_report(ledger, Month(2020, 2), targets)
    for d in report.districts:
        assert all(f.actual == 0 for f in d.metrics.values())
        assert {s.status for s in d.submissions.values()} == {SubmissionStatus.MISSING}
    assert all(f.actual == 0 for f in report.total.values())
    assert report.findings == ()
    assert report.projects == ()
    assert report.ranking == targets.district_names


def test_earlier_year_is_not_carried(ledger, targets):
    row = ParsedRow(4, {}, name="x", total=20000, completed=5000, start_class=StartClass.NEW)
    with transaction(ledger):
        insert_submission(ledger, _single("郊区", "2019-12", Table.CONSTRUCTION, [row]))
    report = compute_report(ledger, Month(2020, 1), targets)
    assert report.district("郊区").submissions[Table.CONSTRUCTION].status == "missing"
    assert report.total["investment"].actual == 0


def _single(district: str, month: str, table: Table, rows: list[ParsedRow]) -> Submission:
    y, m = (int(x) for x in month.split("-"))
    return Submission(
        file_name=f"{district}-{month}.xlsx",
        file_path="/x",
        sha256=f"h-{district}-{month}",
        sheet="Sheet1",
        identity=Identity(district, month, table, {}),
        received_at=datetime(y, m, 10),
        header_row=3,
        columns={},
        rows=rows,
        findings=[],
    )
