"""Renderers of the bulletin: JSON shape, workbook read back, HTML and Markdown content."""

from __future__ import annotations

import json
import re
import zipfile

import openpyxl
import pytest
from report_ledger import build

from gongjian_cli.errors import UsageError
from gongjian_cli.metrics import compute_report
from gongjian_cli.month import Month
from gongjian_cli.render import md_cell, parse_formats, write_report
from gongjian_cli.render.html import bar_chart, render_html
from gongjian_cli.render.json import to_json_dict
from gongjian_cli.render.markdown import render_markdown
from gongjian_cli.render.summary import summary_paragraphs
from gongjian_cli.schema import CITY_TARGET_KEYS, DISTRICT_METRIC_KEYS

METRIC_FIELDS = {"actual", "target", "rate", "behind"}
FINDING_FIELDS = {
    "district",
    "table",
    "file",
    "sheet",
    "row",
    "column",
    "value",
    "severity",
    "code",
    "message",
}


@pytest.fixture
def may(ledger, targets):
    build(ledger)
    return compute_report(ledger, Month(2020, 5), targets)


@pytest.fixture
def empty(ledger, targets):
    return compute_report(ledger, Month(2020, 3), targets)


# ------------------------------------------------------------------------------ JSON


def test_json_shape(may, targets):
    data = json.loads(json.dumps(to_json_dict(may), ensure_ascii=False))
    assert set(data) == {"month", "time_progress", "districts", "total", "findings"}
    assert data["month"] == "2020-05"
    assert data["time_progress"] == 0.4167
    assert list(data["districts"]) == list(targets.district_names)
    for d in data["districts"].values():
        assert set(d) == {"metrics", "submissions"}
        assert set(d["metrics"]) == set(DISTRICT_METRIC_KEYS)
        assert all(set(m) == METRIC_FIELDS for m in d["metrics"].values())
        assert set(d["submissions"]) == {"planned", "construction"}
        for s in d["submissions"].values():
            assert set(s) == {"status", "month", "file"}
            assert s["status"] in {"on_time", "late", "carried", "missing"}
    assert set(data["total"]) == {"metrics"}
    assert set(data["total"]["metrics"]) == set(DISTRICT_METRIC_KEYS) | set(CITY_TARGET_KEYS)
    assert all(set(f) == FINDING_FIELDS for f in data["findings"])


def test_json_values(may):
    data = to_json_dict(may)
    inv = data["districts"]["经开区"]["metrics"]["investment"]
    # 101234 万元 = 10.1234 亿元; 10.1234 / 64 = 0.15818… → 0.1582
    assert inv == {"actual": 10.1234, "target": 64, "rate": 0.1582, "behind": True}
    assert data["districts"]["经开区"]["metrics"]["planned_investment"]["actual"] == 61.9999
    new = data["districts"]["经开区"]["metrics"]["new_starts"]
    assert new == {"actual": 2, "target": 16, "rate": 0.125, "behind": True}
    assert type(new["actual"]) is int and type(new["target"]) is int
    assert data["districts"]["经开区"]["metrics"]["completed"] == {
        "actual": 1,
        "target": None,
        "rate": None,
        "behind": None,
    }
    total = data["total"]["metrics"]
    assert total["investment"]["actual"] == 18.3579
    assert total["investment"]["rate"] == 0.0918  # 18.3579 / 200 = 0.09179
    assert total["registered_1yi_plus"] == {"actual": 4, "target": 40, "rate": 0.1, "behind": True}
    subs = data["districts"]
    assert subs["枞阳县"]["submissions"]["construction"] == {
        "status": "carried",
        "month": "2020-04",
        "file": "枞阳附件3.xlsx",
    }
    assert subs["郊区"]["submissions"]["planned"] == {
        "status": "missing",
        "month": None,
        "file": None,
    }
    assert subs["经开区"]["submissions"]["planned"]["status"] == "late"
    rejected = data["findings"][-1]
    assert rejected["file"] == "乱码.xlsx" and rejected["row"] is None
    assert rejected["severity"] == "error"


def test_json_empty_month(empty):
    data = to_json_dict(empty)
    assert data["time_progress"] == 0.25
    for d in data["districts"].values():
        assert {s["status"] for s in d["submissions"].values()} == {"missing"}
        assert all(m["actual"] == 0 for m in d["metrics"].values())
    assert data["findings"] == []


# ----------------------------------------------------------------------------- xlsx


@pytest.fixture
def workbook_path(may, tmp_path):
    (path,) = write_report(may, tmp_path, ["xlsx"])
    return path


def _find_row(ws, label, sub):
    current = None
    for row in ws.iter_rows(min_row=5):
        if row[0].value:
            current = row[0].value
        if current == label and row[1].value == sub:
            return row
    raise AssertionError(f"{label}/{sub} not found")


def test_xlsx_sheets_and_overview(workbook_path):
    wb = openpyxl.load_workbook(workbook_path)
    assert wb.sheetnames == [
        "完成情况",
        "谋划项目汇总",
        "在建项目汇总",
        "未入库项目",
        "问题清单",
        "报送情况",
        "校验问题",
    ]
    ws = wb["完成情况"]
    assert ws.freeze_panes == "C5"
    assert [c.value for c in ws[4]][:8] == [
        "包保县区园区",
        "项目",
        "总目标",
        "经开区",
        "枞阳县",
        "郊区",
        "义安区",
        "铜官区",
    ]
    assert ws["D3"].value == "李勇"
    actual = _find_row(ws, "重点项目投资任务（亿元）", "完成")
    assert [c.value for c in actual[2:8]] == pytest.approx([18.3579, 10.1234, 3, 0, 4, 1.2345])
    assert actual[2].data_type == "n" and actual[2].number_format == "#,##0.00"
    target = _find_row(ws, "重点项目投资任务（亿元）", "目标")
    assert [c.value for c in target[2:8]] == [200, 64, 50, 14, 40, 32]
    rate = _find_row(ws, "重点项目投资任务（亿元）", "完成率")
    assert rate[3].value == pytest.approx(10.1234 / 64, abs=1e-6)
    assert rate[3].number_format == "0.0%"
    change = _find_row(ws, "重点项目投资任务（亿元）", "本月新增")
    assert change[3].value == pytest.approx(4.1234)
    done_rate = _find_row(ws, "竣工重点项目（个）", "完成率")
    assert done_rate[3].value == "—"
    status = next(r for r in ws.iter_rows() if r[0].value == "附件3（在建）报送情况")
    assert [c.value for c in status[3:8]] == [
        "按时报送",
        "沿用2020-04",
        "未报",
        "沿用2020-03",
        "按时报送",
    ]
    # rates below time progress are highlighted by a conditional format against 5/12
    rules = [
        rule
        for rng in ws.conditional_formatting
        for rule in rng.rules
        if rule.operator == "lessThan"
    ]
    assert rules and all(float(rule.formula[0]) == pytest.approx(5 / 12) for rule in rules)
    assert ws.page_setup.paperSize == 9
    assert ws.page_setup.orientation == "portrait"
    assert wb["在建项目汇总"].print_title_rows == "$2:$2"


def test_xlsx_native_chart(workbook_path):
    with zipfile.ZipFile(workbook_path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = z.read(charts[0]).decode()
    assert "<c:barChart>" in xml and "<c:lineChart>" in xml
    assert "时序进度" in xml and "投资完成率" in xml


def test_xlsx_text_stays_text(workbook_path):
    wb = openpyxl.load_workbook(workbook_path)
    ws = wb["在建项目汇总"]
    assert ws.freeze_panes == "A3"
    cell = ws["C3"]
    assert cell.value == "=SUM(A1:A9)铜箔项目"
    assert cell.data_type == "s"  # not a formula
    with zipfile.ZipFile(workbook_path) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert ws["E3"].value == 200000 and ws["E3"].data_type == "n"


def test_xlsx_listing_sheets(workbook_path, may):
    wb = openpyxl.load_workbook(workbook_path)

    def body(name):
        return [[c.value for c in r] for r in wb[name].iter_rows(min_row=3)]

    assert len(body("谋划项目汇总")) == 8
    assert body("谋划项目汇总")[0][1:5] == ["经开区", "新材料产业园", 300000, "10亿以上"]
    assert len(body("在建项目汇总")) == 11
    assert [r[2] for r in body("未入库项目")] == ["超额项目", "一亿整", "铜官在建一"]
    assert [r[4] for r in body("问题清单")] == ["用地指标未落实", "资金不到位 | 待协调"]
    subs = body("报送情况")
    assert len(subs) == 10
    assert subs[0][:4] == ["经开区", "李勇", "附件2（谋划）", "逾期报送"]
    findings = body("校验问题")
    assert len(findings) == len(may.findings) == 10
    assert findings[-1][3] == "乱码.xlsx" and findings[-1][9] == "退回"
    assert wb["校验问题"].auto_filter.ref == "A2:L12"


def test_xlsx_empty_month(empty, tmp_path):
    (path,) = write_report(empty, tmp_path, ["xlsx"])
    wb = openpyxl.load_workbook(path)
    assert wb["问题清单"]["A3"].value == "（无）"
    assert wb["校验问题"]["A3"].value == "（无校验问题）"
    status = next(r for r in wb["完成情况"].iter_rows() if r[0].value == "附件2（谋划）报送情况")
    assert {c.value for c in status[3:8]} == {"未报"}


# ----------------------------------------------------------------------------- HTML


def test_html_is_self_contained_and_escaped(may):
    html = render_html(may)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*https?:""", html, re.I)
    assert "http" not in html.lower()
    assert "<link" not in html and "<script" not in html and "@import" not in html
    assert "=SUM(A1:A9)铜箔项目" in html
    assert "资金不到位 | 待协调" in html


def test_html_escapes_markup(ledger, targets):
    from gongjian_cli.ledger import insert_submission, transaction
    from gongjian_cli.models import Identity, ParsedRow, Submission

    row = ParsedRow(
        4, {}, name="<script>alert(1)</script>", total=20000, completed=1, issues="<b>x</b>"
    )
    sub = Submission("f.xlsx", "/f", "h", "s", Identity("郊区", "2020-05", "construction", {}),
                     __import__("datetime").datetime(2020, 5, 1), 3, {}, [row], [])  # fmt: skip
    with transaction(ledger):
        insert_submission(ledger, sub)
    html = render_html(compute_report(ledger, Month(2020, 5), targets))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_html_key_figures_as_data_attributes(may):
    html = render_html(may)
    assert 'data-time-progress="0.4167"' in html
    assert re.search(
        r'data-district="经开区" data-metric="investment" data-actual="10.1234" '
        r'data-target="64" data-rate="0.1582" data-behind="true"',
        html,
    )
    assert re.search(r'data-district="全市" data-metric="investment" data-actual="18.3579"', html)
    assert 'data-district="郊区" data-table="planned" data-status="missing"' in html
    assert 'data-district="枞阳县" data-table="construction" data-status="carried"' in html
    assert 'id="summary"' in html and "<svg" in html


def test_html_empty_month_renders(empty):
    html = render_html(empty)
    assert "未报" in html
    assert (
        "截至3月底，经开区、枞阳县、郊区、义安区、铜官区均未报送附件2（谋划）、附件3（在建），暂无完成数据"
        in html
    )


# ------------------------------------------------------------------- summary, Markdown


def test_summary_paragraphs_in_bulletin_style(may):
    text = "\n".join(summary_paragraphs(may))
    # 18.3579 亿元; 18.3579/200 = 9.2%; 41.67 − 9.18 = 32.5 points
    assert (
        "截至5月底，全市亿元以上重点工业项目完成投资18.36亿元，完成年度目标的9.2%，低于时序进度32.5个百分点"
        in text
    )
    assert "本月新增5.36亿元" in text  # 18.3579 − 13
    assert "新开工重点项目4个" in text and "续建重点项目3个" in text and "已竣工重点项目2个" in text
    assert "谋划项目8个，总投资70.00亿元" in text  # 69.9999 rounded to 2 decimals
    assert "统计入库项目6个" in text and "其中亿元以上项目4个、1000万元至1亿元项目2个" in text
    assert "另有3个在建项目尚未入库" in text
    assert "重点项目投资完成率经开区最高（15.8%），郊区最低（0.0%）" in text
    # missing, carried and late named plainly
    assert "郊区未报附件2（谋划）、附件3（在建），相关指标按0计" in text
    assert "义安区未报附件2（谋划）" in text
    assert "枞阳县附件3（在建）本月未报，沿用2020年4月数据" in text
    assert "义安区附件3（在建）本月未报，沿用2020年3月数据" in text
    assert "铜官区附件2（谋划）本月未报，沿用2020年4月数据" in text
    assert "经开区附件2（谋划）逾期报送" in text
    assert "退回文件1个" in text


def test_markdown(may):
    md = render_markdown(may)
    assert md.startswith("# 铜陵市2020年“重大工业项目攻坚年”目标任务完成情况（截至2020年5月底）")
    assert "截至5月底" in md
    row = next(line for line in md.splitlines() if line.startswith("| 重点项目投资任务"))
    assert "18.36 / 200（**9.2%**，+5.36）" in row
    assert "10.12 / 64（**15.8%**，+4.12）" in row
    assert "资金不到位 \\| 待协调" in md  # pipes escaped inside cells
    # every table row has the same number of cells as its header
    for block in re.split(r"\n\n", md):
        lines = [x for x in block.splitlines() if x.startswith("|")]
        if lines:
            counts = {len(re.findall(r"(?<!\\)\|", x)) for x in lines}
            assert len(counts) == 1, block


def test_md_cell_and_formats():
    assert md_cell("a|b\nc") == "a\\|b c"
    assert md_cell(None) == ""
    assert parse_formats("xlsx, HTML,markdown,json") == ("xlsx", "html", "md", "json")
    with pytest.raises(UsageError, match="pdf"):
        parse_formats("xlsx,pdf")
    with pytest.raises(UsageError):
        parse_formats(" , ")


def test_bar_chart_geometry():
    chart = bar_chart("c", "t", [("甲", "a", 0.5), ("乙", "b", None), ("丙", "c", 2.2)], 0.25)
    assert chart.ticks[-1][1] == "250%"  # 2.2 → axis to 250% in 50% steps
    full = chart.plot_width
    assert chart.bars[0].width == pytest.approx(full * 0.5 / 2.5, abs=0.01)
    assert chart.bars[1].width == 0 and chart.bars[1].text == "—"
    assert chart.tp_x == pytest.approx(chart.left + full * 0.25 / 2.5, abs=0.01)
    assert [b.behind for b in chart.bars] == [False, True, False]


def test_summary_names_ties_together(ledger, targets):
    from datetime import datetime

    from gongjian_cli.ledger import insert_submission, transaction
    from gongjian_cli.models import Identity, ParsedRow, Submission

    # only one 附件2 in the ledger: every district's investment rate is 0
    sub = Submission(
        "郊区谋划.xlsx", "/in/2020-05/郊区谋划.xlsx", "h", "s",
        Identity("郊区", "2020-05", "planned", {}), datetime(2020, 5, 1), 3, {},
        [ParsedRow(4, {}, name="谋划一", total=20000)], [],
    )  # fmt: skip
    with transaction(ledger):
        insert_submission(ledger, sub)
    report = compute_report(ledger, Month(2020, 5), targets)
    text = "\n".join(summary_paragraphs(report))
    assert "分县区看，各县区重点项目投资完成率均为0.0%，各县区均低于时序进度。" in text
    assert "谋划项目1个，总投资2.00亿元" in text
    assert "郊区附件3（在建）" not in text and "郊区未报附件3（在建）" in text
