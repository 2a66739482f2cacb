"""One rounding everywhere: the same month in every format shows the same strings.

Each format is read back the way a person sees it — the workbook with openpyxl and its
number formats applied as Excel shows them (half away from zero on the 15 significant
digits Excel keeps), the HTML page, the Markdown text, the JSON numbers formatted the same
way, the Word 通报's attachment table and each district's 调度单 — and every amount and
percentage of the 附件1 table (完成, 目标, 完成率, 本月新增 of every metric, for the city and
each district) must read the same in all of them.

Two months: the samples (April and May returns collected, May reported) and a hand-built
report sitting exactly on the .x5 that Python's own rounding gets wrong: 5 ÷ 16 = 31.25 % →
31.3 %, 1 ÷ 8 = 12.5 %, 0.125 亿元 → 0.13, a change of 0.125 亿元 → +0.13.

The formatters here are the test's own (Decimal from Excel's 15 digits), not the program's.
JSON carries numbers rounded half up to 4 decimals, not strings: formatted like the others
they give the same strings on the .x5 cases (exact at 4 decimals); in general each JSON
number lies within the rounding interval of the string shown (1 ÷ 26 = 3.846 % shows 3.8 %;
JSON's 0.0385 would show 3.9 % if a reader rounded it again).
"""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from report_ledger import build

from gongjian_cli.cli import cli
from gongjian_cli.ledger import open_ledger
from gongjian_cli.metrics import Figure, compute_report
from gongjian_cli.month import Month
from gongjian_cli.render import write_report
from gongjian_cli.render.brief import write_briefs
from gongjian_cli.schema import METRIC_BY_KEY, METRICS
from gongjian_cli.targets import load_targets
from gongjian_cli.year.register import attach_to_report, year_view

SUBS = ("完成", "目标", "完成率", "本月新增")
CITY = "全市"
LABEL_KEY = {m.label: m.key for m in METRICS}
DASH = "—"


# ------------------------------------------------------------------ the test's formatting


def _dec(value: float) -> Decimal:
    """The decimal Excel keeps of a double: 15 significant digits."""
    return Decimal(f"{float(value):.15g}")


def _q(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def excel_text(value, number_format: str) -> str:
    """A cell as Excel shows it, for the number formats of the 完成情况 sheet."""
    if not isinstance(value, int | float):
        return str(value)
    if ";" in number_format:  # +…;-…;zero: the section by the value's sign, not its rounding
        pos, neg, zero = number_format.split(";")
        if value > 0:
            return "+" + excel_text(value, pos.lstrip("+"))
        if value < 0:
            return "-" + excel_text(-value, neg.lstrip("-"))
        return excel_text(0, zero)
    if number_format.endswith("%"):
        places = len(number_format.split(".")[1]) - 1 if "." in number_format else 0
        return f"{_q(_dec(value) * 100, places)}%"
    places = len(number_format.split(".")[1]) if "." in number_format else 0
    d = _q(_dec(value), places)
    return f"{d:,}" if number_format.startswith("#,##") else f"{d}"


class JsonValue(str):
    """A JSON number formatted like the others, keeping the number itself (``raw``)."""

    raw: Decimal | None = None


def _json_text(metric: str, sub: str, fig: dict) -> JsonValue:
    money = METRIC_BY_KEY[metric].money
    key = {"完成": "actual", "目标": "target", "完成率": "rate"}[sub]
    number = fig[key]
    if number is None:
        text = DASH
    elif sub == "完成":
        text = excel_text(number, "#,##0.00" if money else "0")
    elif sub == "目标":
        text = excel_text(number, "#,##0" if float(number).is_integer() else "#,##0.00")
    else:
        text = excel_text(number, "0.0%")
    value = JsonValue(text)
    value.raw = None if number is None else Decimal(str(number))
    return value


# ------------------------------------------------------------------ reading each format


def from_xlsx(path: Path) -> dict:
    ws = openpyxl.load_workbook(path)["完成情况"]
    regions = [ws.cell(4, c).value for c in range(3, ws.max_column + 1)]
    regions = [CITY if r == "总目标" else r for r in regions if r]
    out, label = {}, None
    for row in ws.iter_rows(min_row=5):
        if row[0].value:
            label = row[0].value
        if label not in LABEL_KEY or row[1].value not in SUBS:
            if label and str(label).endswith("报送情况"):
                break
            continue
        for region, cell in zip(regions, row[2 : 2 + len(regions)], strict=True):
            out[LABEL_KEY[label], row[1].value, region] = excel_text(cell.value, cell.number_format)
    return out


def from_html(path: Path) -> dict:
    html = path.read_text(encoding="utf-8")
    table = html[html.index('<table id="progress"') :]
    table = table[: table.index("</table>")]
    heads = re.findall(r"<th>([^<]*)</th>", table.split("</thead>")[0])
    regions = [CITY, *heads[heads.index("总目标（全市）") + 1 :]]
    out = {}
    for metric, body in re.findall(r'<tr data-metric="([a-z0-9_]+)">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        for region, cell in zip(regions, cells, strict=True):
            if 'class="actual"' not in cell:
                values = [DASH] * 4
            else:
                spans = dict(
                    re.findall(r'<span class="(actual|target|rate|change)"[^>]*>([^<]*)<', cell)
                )
                values = [
                    spans["actual"],
                    spans["target"].replace("/", "").strip(),
                    spans["rate"],
                    spans["change"],
                ]
            for sub, value in zip(SUBS, values, strict=True):
                out[metric, sub, region] = value.strip()
    return out


def from_markdown(path: Path) -> dict:
    lines = path.read_text(encoding="utf-8").splitlines()
    head = next(x for x in lines if x.startswith("| 指标 |"))
    regions = [CITY] + [c.strip().split("（")[0] for c in head.strip("|").split("|")[2:]]
    cell_re = re.compile(r"^(.*?) / (.*?)（(?:\*\*)?(.*?)(?:\*\*)?，(.*?)）$")
    out = {}
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] not in LABEL_KEY:
            continue
        for region, cell in zip(regions, cells[1:], strict=True):
            m = cell_re.match(cell)
            values = list(m.groups()) if m else [DASH] * 4
            for sub, value in zip(SUBS, values, strict=True):
                out[LABEL_KEY[cells[0]], sub, region] = value
    return out


def from_json(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    out = {}
    areas = {CITY: data["total"]["metrics"]} | {
        name: d["metrics"] for name, d in data["districts"].items()
    }
    for region, metrics in areas.items():
        for metric in METRIC_BY_KEY:
            for sub in SUBS[:3]:  # JSON has no 本月新增
                fig = metrics.get(metric)
                out[metric, sub, region] = DASH if fig is None else _json_text(metric, sub, fig)
    return out


def from_docx(path: Path) -> dict:
    document = docx.Document(str(path))
    out = {}
    for table in document.tables:
        regions = [c.text for c in table.rows[1].cells[2:]]
        assert regions[0] == CITY
        label = None
        for row in table.rows[2:]:
            cells = [c.text for c in row.cells]
            label = cells[0] or label
            if label not in LABEL_KEY or cells[1] not in SUBS:
                continue
            for region, value in zip(regions, cells[2:], strict=True):
                out[LABEL_KEY[label], cells[1], region] = value
    return out


def from_briefs(paths: list[Path]) -> dict:
    out = {}
    for path in paths:
        district = path.stem.split("-")[1]
        table = docx.Document(str(path)).tables[1]
        assert [c.text for c in table.rows[0].cells] == [
            "指标",
            "完成",
            "年度目标",
            "完成率",
            "本月新增",
        ]
        for row in table.rows[1:]:
            label, *values = (c.text for c in row.cells)
            values[2] = values[2].lstrip("▲")
            for sub, value in zip(SUBS, values, strict=True):
                out[LABEL_KEY[label], sub, district] = value
    return out


def _all_formats(report, out: Path) -> dict[str, dict]:
    paths = write_report(report, out, ["xlsx", "html", "md", "json", "docx"])
    by_ext = {p.suffix: p for p in paths}
    briefs = write_briefs(report, out / "briefs")
    return {
        "xlsx": from_xlsx(by_ext[".xlsx"]),
        "html": from_html(by_ext[".html"]),
        "md": from_markdown(by_ext[".md"]),
        "json": from_json(by_ext[".json"]),
        "docx": from_docx(by_ext[".docx"]),
        "briefs": from_briefs(briefs),
    }


def _shown(text: str) -> tuple[Decimal, Decimal]:
    """A shown amount or percentage as a number, and half its last digit: "3.8%" →
    (0.038, 0.0005)."""
    percent = text.endswith("%")
    digits = text.rstrip("%").replace(",", "").lstrip("+")
    value = Decimal(digits)
    half = Decimal(5).scaleb(value.as_tuple().exponent - 1)
    return (value / 100, half / 100) if percent else (value, half)


def _json_agrees(json_value: JsonValue, shown: str) -> bool:
    """The JSON number rounds to ``shown`` once its 4th decimal is allowed for: it lies in
    the interval ``shown`` stands for, widened by 0.00005."""
    if json_value == shown or DASH in (json_value, shown):
        return json_value == shown
    value, half = _shown(shown)
    return abs(json_value.raw - value) <= half + Decimal("0.00005")


def _assert_same(formats: dict[str, dict], report, *, json_exact: frozenset = frozenset()) -> dict:
    reference = formats["docx"]
    regions = [CITY] + [d.name for d in report.districts]
    assert len(reference) == len(METRICS) * len(SUBS) * len(regions)
    for name, strings in formats.items():
        assert strings, name
        if name == "json":
            differ = {
                k: (v, reference[k])
                for k, v in strings.items()
                if not (v == reference[k] if k in json_exact else _json_agrees(v, reference[k]))
            }
            assert not differ, f"JSON numbers outside the shown values: {differ}"
            continue
        differ = {k: (v, reference[k]) for k, v in strings.items() if v != reference[k]}
        assert not differ, f"{name} differs from the Word table: {differ}"
        if name in ("xlsx", "html", "md"):
            assert set(strings) == set(reference), name
    return reference


# ------------------------------------------------------------------ the two months


def test_every_format_rounds_the_samples_alike(sample_inbox, tmp_path):
    db = tmp_path / "ledger.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "collect", str(sample_inbox)])
    assert result.exit_code in (0, 1), result.output  # 1: May's broken file is returned
    targets = load_targets()
    conn = open_ledger(db)
    month = Month(2020, 5)
    report = attach_to_report(compute_report(conn, month, targets), year_view(conn, month, targets))
    conn.close()
    strings = _assert_same(_all_formats(report, tmp_path / "out"), report)
    assert strings["investment", "完成", CITY] == "30.08"
    assert strings["investment", "完成率", "郊区"] == "42.3%"


@pytest.fixture
def on_the_fives(ledger, targets):
    """May of the hand-built ledger with figures put exactly on .x5."""
    build(ledger)
    report = compute_report(ledger, Month(2020, 5), targets)
    tp = report.time_progress
    first, *rest = report.districts
    metrics = {
        **first.metrics,
        "investment": Figure("investment", 0.125, 1, 0.0, tp),  # 0.13 亿元, 12.5 %, +0.13
        "new_starts": Figure("new_starts", 5, 16, 4, tp),  # 31.25 % → 31.3 %
        "continuing": Figure("continuing", 1, 8, 1, tp),  # 12.5 %
        "planned_investment": Figure("planned_investment", 2.345, 18.76, 2.22, tp),
    }  # 2.345 → 2.35; 2.345 ÷ 18.76 = 12.5 %; change 0.125 → +0.13
    total = {
        **report.total,
        "investment": Figure("investment", 4.125, 200, 4.0, tp),  # 2.0625 % → 2.1 %, +0.13
        "registered_1yi_plus": Figure("registered_1yi_plus", 5, 40, 5, tp),  # 12.5 %
    }
    second, third, *others = rest
    # 1249.5 万元: rounded to 4 places first (0.1250) it would then show 0.13
    second_metrics = {**second.metrics, "investment": Figure("investment", 0.12495, 1, 0.0, tp)}
    # 0.01 + 0.105 is 0.11499999999999999 in binary; Excel (15 digits) shows 0.12, as it should
    third_metrics = {**third.metrics, "investment": Figure("investment", 0.01 + 0.105, 1, 0.0, tp)}
    districts = (
        dataclasses.replace(first, metrics=metrics),
        dataclasses.replace(second, metrics=second_metrics),
        dataclasses.replace(third, metrics=third_metrics),
        *others,
    )
    return dataclasses.replace(report, districts=districts, total=total)


def test_every_format_rounds_half_up_on_the_fives(on_the_fives, tmp_path):
    fives = {
        (metric, sub, where)
        for metric, where in (
            ("investment", "经开区"),
            ("new_starts", "经开区"),
            ("continuing", "经开区"),
            ("planned_investment", "经开区"),
            ("investment", CITY),
            ("registered_1yi_plus", CITY),
        )
        for sub in ("完成", "目标", "完成率")
    }
    formats = _all_formats(on_the_fives, tmp_path)
    strings = _assert_same(formats, on_the_fives, json_exact=frozenset(fives))
    assert strings["investment", "完成", "经开区"] == "0.13"
    assert strings["investment", "完成率", "经开区"] == "12.5%"
    assert strings["investment", "本月新增", "经开区"] == "+0.13"
    assert strings["new_starts", "完成率", "经开区"] == "31.3%"  # Python's format says 31.2%
    assert strings["continuing", "完成率", "经开区"] == "12.5%"
    assert strings["planned_investment", "完成", "经开区"] == "2.35"
    assert strings["planned_investment", "完成率", "经开区"] == "12.5%"
    assert strings["planned_investment", "本月新增", "经开区"] == "+0.13"
    assert strings["investment", "完成", CITY] == "4.13"
    assert strings["investment", "完成率", CITY] == "2.1%"
    assert strings["investment", "本月新增", CITY] == "+0.13"
    assert strings["registered_1yi_plus", "完成率", CITY] == "12.5%"
    assert strings["investment", "完成", "枞阳县"] == "0.12"  # 0.12495: rounded once
    assert strings["investment", "完成率", "枞阳县"] == "12.5%"
    assert strings["investment", "完成", "郊区"] == "0.12"  # 0.01 + 0.105 = 0.115
    assert strings["investment", "完成率", "郊区"] == "11.5%"
