"""附件1 as a plain-text table, laid out like the notice (metrics as rows)."""

from __future__ import annotations

import unicodedata

from gongjian_cli.schema import METRIC_BY_KEY
from gongjian_cli.targets import Targets

_ROWS = (
    "investment",
    "new_starts",
    "continuing",
    "registered",
    "planned_investment",
    "planned_count",
)
_BANDS = ("planned_1_5", "planned_5_10", "planned_10_plus")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _num(x: float) -> str:
    return f"{x:g}"


def format_targets(targets: Targets) -> str:
    """The decomposition table as the notice shows it, for a terminal (CJK-aware padding)."""
    head = ["包保县区园区", "总目标", *targets.district_names]
    table = [
        ["包保领导", "", *(d.leader for d in targets.districts)],
        head,
    ]
    for key in _ROWS:
        table.append(
            [
                METRIC_BY_KEY[key].label,
                _num(targets.total[key]),
                *(_num(d.targets[key]) for d in targets.districts),
            ]
        )
    table.append(
        [
            "其中1-5亿/5-10亿/10亿以上",
            "/".join(_num(targets.total[k]) for k in _BANDS),
            *("/".join(_num(d.targets[k]) for k in _BANDS) for d in targets.districts),
        ]
    )
    table.append(["责任科室", "", *(d.departments for d in targets.districts)])
    widths = [max(_width(row[i]) for row in table) for i in range(len(head))]
    lines = [f"{targets.city}{targets.year}年{targets.title}"]
    for row in table:
        lines.append("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if targets.city_only:
        lines.append(
            "全市统计入库项目中：亿元以上 {a:g} 个，1000万元以上（不足1亿元） {b:g} 个".format(
                a=targets.city_only.get("registered_1yi_plus", 0),
                b=targets.city_only.get("registered_10m_1yi", 0),
            )
        )
    lines.append(
        "注：表中项目指工业项目，统计入库项目总投资原则上不低于1000万元，谋划项目总投资不低于1亿元。"
    )
    return "\n".join(lines)
