"""The bulletin as one self-contained HTML page (Jinja2, inline CSS and SVG).

Nothing is fetched from the network: no fonts, scripts or images from outside. Charts
are inline SVG whose geometry is computed here, so the template only draws. Key
figures carry ``data-*`` attributes so tests (and anyone scripting the page) can read
them from the rendered DOM.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gongjian_cli.render import bulletin_title, fmt_pct, make_env, period_text
from gongjian_cli.render.listings import all_listings, severity_text
from gongjian_cli.render.summary import summary_paragraphs
from gongjian_cli.render.yearly import template_context
from gongjian_cli.schema import METRICS, Table

if TYPE_CHECKING:
    import jinja2

    from gongjian_cli.metrics import Report

SHORT_LABEL = {
    "investment": "重点项目投资",
    "new_starts": "新开工重点项目",
    "continuing": "续建重点项目",
    "registered": "统计入库项目",
    "registered_1yi_plus": "入库·亿元以上",
    "registered_10m_1yi": "入库·1000万-1亿",
    "planned_investment": "谋划项目总投资",
    "planned_count": "谋划项目个数",
    "planned_1_5": "谋划·1-5亿",
    "planned_5_10": "谋划·5-10亿",
    "planned_10_plus": "谋划·10亿以上",
}


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    key: str  # district name or metric key, for data-* attributes
    rate: float
    y: float
    width: float
    text: str
    behind: bool


@dataclass(frozen=True, slots=True)
class BarChart:
    """A horizontal bar chart of completion rates with a time-progress line (SVG units)."""

    id: str
    title: str
    width: int
    height: int
    left: int  # x of the zero line
    plot_width: int
    top: int
    bar_height: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]  # (x, label)
    tp_x: float
    tp_label: str
    tp_label_end: bool = False  # label left of the line: it would run off the right edge

    @property
    def tp_label_x(self) -> float:
        """Where the time-progress label starts (or ends, with ``tp_label_end``)."""
        return self.tp_x - 4 if self.tp_label_end else self.tp_x + 4


def bar_chart(
    chart_id: str,
    title: str,
    items: list[tuple[str, str, float | None]],
    time_progress: float,
    *,
    width: int = 560,
    left: int = 140,
) -> BarChart:
    """Geometry of a rate chart: ``items`` are (label, key, rate); None rates are drawn as 0."""
    rates = [r or 0.0 for _, _, r in items]
    peak = max([*rates, time_progress, 1.0])
    step = 0.2 if peak <= 1.4 else 0.5 if peak <= 3 else 1.0
    steps = math.ceil(peak / step - 1e-9)
    scale = steps * step
    plot_width = width - left - 60
    top, bar_h, gap = 46, 20, 8
    bars = []
    for i, (label, key, rate) in enumerate(items):
        r = rate or 0.0
        bars.append(
            Bar(
                label=label,
                key=key,
                rate=r,
                y=top + i * (bar_h + gap),
                width=round(plot_width * min(r, scale) / scale, 2),
                text=fmt_pct(rate),
                behind=r < time_progress - 1e-12,
            )
        )
    height = top + len(items) * (bar_h + gap) + 26
    tp_x = round(left + plot_width * time_progress / scale, 2)
    tp_label = f"时序进度 {fmt_pct(time_progress)}"
    # 12 px a CJK character, 7 px the rest, at the chart's 12 px label font
    label_px = sum(12 if ord(ch) > 0x2E80 else 7 for ch in tp_label)
    ticks = tuple(
        (round(left + plot_width * k / steps, 2), f"{round(k * step * 100)}%")
        for k in range(steps + 1)
    )
    return BarChart(
        id=chart_id,
        title=title,
        width=width,
        height=height,
        left=left,
        plot_width=plot_width,
        top=top,
        bar_height=bar_h,
        bars=tuple(bars),
        ticks=ticks,
        tp_x=tp_x,
        tp_label=tp_label,
        tp_label_end=tp_x + 4 + label_px > width,
    )


def charts(report: Report) -> list[BarChart]:
    """District investment completion (ranked), and the city's completion per metric."""
    tp = report.time_progress
    by_district = [
        (name, name, report.district(name).metrics["investment"].rate) for name in report.ranking
    ]
    city = [
        (SHORT_LABEL.get(m.key, m.key), m.key, report.total[m.key].rate)
        for m in METRICS
        if report.total[m.key].target is not None
    ]
    return [
        bar_chart("chart-districts", "各县区重点项目投资完成率（按完成率排序）", by_district, tp),
        bar_chart("chart-city", "全市各项目标完成率", city, tp),
    ]


def render_html(report: Report, *, env: jinja2.Environment | None = None) -> str:
    """The bulletin page as a string."""
    env = env or make_env()
    template = env.get_template("report.html.j2")
    return template.render(
        report=report,
        title=bulletin_title(report),
        summary=summary_paragraphs(report),
        metrics=METRICS,
        tables=list(Table),
        charts=charts(report),
        listings=all_listings(report),
        severity_text=severity_text,
        period=period_text(report, with_year=True),
        **template_context(report),
    )
