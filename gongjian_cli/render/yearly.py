"""The year in the bulletin, defined once for xlsx, HTML and Markdown.

- 谋划转化 (conversion funnel): per district then 全市, 谋划项目 → 已转在建 → 已开工 →
  已入库 and 谋划转化率 = 已入库 ÷ 谋划项目, from ``Report.year_view``; shown whenever the
  report carries the year.
- 年度考核 (annual assessment): in December only, for each district and the city, whether
  each annual target of 附件1 was reached (``Figure.met``): 完成 / 未完成.

Nothing is computed here beyond picking and ordering: the figures come from the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gongjian_cli.render import DASH, fmt_pct, period_text
from gongjian_cli.rounding import round_half_up
from gongjian_cli.schema import METRICS, Metric
from gongjian_cli.year.model import CITY, Conversion

if TYPE_CHECKING:
    from gongjian_cli.metrics import Figure, Report
    from gongjian_cli.year.model import YearView

FUNNEL_HEADS: tuple[str, ...] = (
    "县区",
    "谋划项目（个）",
    "已转在建（个）",
    "已开工（个）",
    "已入库（个）",
    "谋划转化率",
)
"""Header of the conversion table, first column the district (or 全市)."""

MET_LABEL = {True: "完成", False: "未完成", None: DASH}
"""年度考核 cell text by ``Figure.met``."""


# ------------------------------------------------------------------- 谋划转化


@dataclass(frozen=True, slots=True)
class FunnelRow:
    """One line of the conversion table: a district or 全市."""

    name: str
    conversion: Conversion

    @property
    def city(self) -> bool:
        """The 全市 line."""
        return self.name == CITY

    @property
    def counts(self) -> tuple[int, int, int, int]:
        """谋划项目, 已转在建, 已开工, 已入库."""
        c = self.conversion
        return (c.planned, c.in_construction, c.started, c.registered)

    @property
    def rate(self) -> float | None:
        """谋划转化率 rounded half up to the 0.1% shown (0.214); None when nothing is planned.

        Written to Excel as this number with format 0.0%, so Excel shows what HTML shows.
        """
        rate = self.conversion.rate
        return None if rate is None else round_half_up(rate, 3)

    @property
    def rate_text(self) -> str:
        """21.4%; — when nothing is planned."""
        return fmt_pct(self.conversion.rate)


def city_conversion(view: YearView) -> Conversion:
    """The 全市 conversion: the view's own, else the sum over its districts."""
    if CITY in view.conversion:
        return view.conversion[CITY]
    total = Conversion()
    for c in view.conversion.values():
        total = total + c
    return total


def funnel_rows(report: Report) -> list[FunnelRow]:
    """The conversion table's lines: districts in the view's order, then 全市; [] without
    the year."""
    view = report.year_view
    if view is None:
        return []
    rows = [FunnelRow(name, c) for name, c in view.conversion.items() if name != CITY]
    rows.append(FunnelRow(CITY, city_conversion(view)))
    return rows


def funnel_title(report: Report) -> str:
    """各县区谋划项目转化情况（截至5月底）."""
    return f"各县区谋划项目转化情况（{period_text(report)}）"


FUNNEL_NOTE = (
    "谋划项目：本年各月附件2中的项目（后来不再列入的仍计）；已转在建：其中已列入附件3的；"
    "已开工：其中在附件3中为新开工或续建的；已入库：其中已纳入统计（是否入库为是、总投资1000万元以上）的。"
    "谋划转化率 = 已入库 ÷ 谋划项目。"
)
"""What each column of the conversion table counts (DOMAIN: Conversion)."""


# ------------------------------------------------------------------- 年度考核


@dataclass(frozen=True, slots=True)
class AssessmentRow:
    """One line of the annual assessment: a district (or 全市) and one figure per metric
    (None where the metric does not apply: city-only metrics for a district)."""

    name: str
    leader: str
    figures: tuple[Figure | None, ...]

    @property
    def city(self) -> bool:
        """The 全市 line."""
        return self.name == CITY

    @property
    def met(self) -> tuple[bool | None, ...]:
        """完成 (True) / 未完成 (False) / no target (None), per metric."""
        return tuple(None if f is None else f.met for f in self.figures)

    @property
    def labels(self) -> tuple[str, ...]:
        """完成 / 未完成 / —, per metric."""
        return tuple(MET_LABEL[m] for m in self.met)

    @property
    def score(self) -> str:
        """Targets reached over targets set: 3/9."""
        assessed = [m for m in self.met if m is not None]
        return f"{sum(assessed)}/{len(assessed)}"


def assessment_metrics() -> tuple[Metric, ...]:
    """The 附件1 metrics with an annual target, in 附件1 order (竣工 has none)."""
    return tuple(m for m in METRICS if m.has_target)


def assessment_rows(report: Report) -> list[AssessmentRow]:
    """The annual assessment, districts then 全市; [] except in December."""
    if not report.full_year:
        return []
    metrics = assessment_metrics()
    rows = [
        AssessmentRow(d.name, d.leader, tuple(d.metrics.get(m.key) for m in metrics))
        for d in report.districts
    ]
    rows.append(AssessmentRow(CITY, "", tuple(report.total.get(m.key) for m in metrics)))
    return rows


def assessment_title(report: Report) -> str:
    """铜陵市2020年度各县区“重大工业项目攻坚年”目标任务考核情况."""
    base = report.title.removesuffix("分解表")
    return f"{report.city}{report.year}年度各县区{base}考核情况"


ASSESSMENT_NOTE = (
    "完成：全年完成数达到附件1年度目标；未完成：未达到。竣工重点项目不设目标，不列入考核；"
    "入库项目分档（亿元以上、1000万元-1亿元）只设全市目标。完成项数 = 完成的目标项数 / 考核的目标项数。"
)
"""How to read the annual assessment."""


def template_context(report: Report) -> dict[str, Any]:
    """The year's parts as the HTML and Markdown templates take them (one place for both)."""
    return {
        "funnel": funnel_rows(report),
        "funnel_title": funnel_title(report),
        "funnel_heads": FUNNEL_HEADS,
        "funnel_note": FUNNEL_NOTE,
        "assessment": assessment_rows(report),
        "assessment_title": assessment_title(report),
        "assessment_note": ASSESSMENT_NOTE,
        "assessment_metrics": assessment_metrics(),
    }
