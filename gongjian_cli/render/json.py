"""The report as JSON (`gongjian report --format json`): the figures, nothing formatted.

Shape::

    {"month": "2020-05", "time_progress": 0.4167,
     "districts": {"经开区": {"metrics": {"investment": {"actual", "target", "rate", "behind"}, …},
                             "submissions": {"planned": {"status", "month", "file"},
                                             "construction": {…}}}, …},
     "total": {"metrics": {…, "registered_1yi_plus": …, "registered_10m_1yi": …}},
     "findings": [{"district", "table", "file", "sheet", "row", "column", "value",
                   "severity", "code", "message"}, …],
     "conversion": {"经开区": {"planned", "in_construction", "started", "registered",
                              "rate"}, …, "全市": {…}},
     "assessment": {"经开区": {"met": {"investment": true, …}, "score": "8/9"}, …,
                    "全市": {…}}}

Money in 亿元, rates and time progress rounded half up (四舍五入) to 4 decimals, counts as
integers; ``rate`` and ``behind`` are null where the target is null (竣工).
``conversion`` (谋划转化, as ``gongjian projects --format json`` gives it) is there only
when the report carries the year; ``assessment`` (年度考核: per district and 全市, each
metric with an annual target reached or not, null where the district has no target, and
the 完成项数) only in December.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gongjian_cli.rounding import round_half_up
from gongjian_cli.schema import Table

if TYPE_CHECKING:
    from gongjian_cli.metrics import Figure, Report, ReportFinding, SubmissionState


def _num(value: float | None, money: bool) -> float | int | None:
    if value is None:
        return None
    if money:
        return round_half_up(value, 4)
    return round(value)


def _target(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round_half_up(value, 4)


def figure_dict(fig: Figure) -> dict[str, Any]:
    """{"actual", "target", "rate", "behind"} of one figure."""
    rate = fig.rate
    return {
        "actual": _num(fig.actual, fig.money),
        "target": _target(fig.target),
        "rate": None if rate is None else round_half_up(rate, 4),
        "behind": fig.behind,
    }


def _submission(state: SubmissionState) -> dict[str, Any]:
    return {"status": str(state.status), "month": state.month, "file": state.file}


def _finding(f: ReportFinding) -> dict[str, Any]:
    return {
        "district": f.district,
        "table": f.table,
        "file": f.file,
        "sheet": f.sheet,
        "row": f.row,
        "column": f.column,
        "value": f.value,
        "severity": str(f.severity),
        "code": f.code,
        "message": f.message,
    }


def to_json_dict(report: Report) -> dict[str, Any]:
    """The report in the documented JSON shape (plain dicts, lists, numbers, strings)."""
    data = {
        "month": str(report.month),
        "time_progress": round_half_up(report.time_progress, 4),
        "districts": {
            d.name: {
                "metrics": {k: figure_dict(f) for k, f in d.metrics.items()},
                "submissions": {str(t): _submission(d.submissions[t]) for t in Table},
            }
            for d in report.districts
        },
        "total": {"metrics": {k: figure_dict(f) for k, f in report.total.items()}},
        "findings": [_finding(f) for f in report.findings],
    }
    if report.year_view is not None:
        data["conversion"] = report.year_view.conversion_dict()
    if report.full_year:
        from gongjian_cli.render.yearly import assessment_metrics, assessment_rows

        keys = [m.key for m in assessment_metrics()]
        data["assessment"] = {
            line.name: {
                "met": dict(zip(keys, line.met, strict=True)),
                "score": line.score,
            }
            for line in assessment_rows(report)
        }
    return data


def dumps(report: Report) -> str:
    """The JSON text (UTF-8 Chinese kept readable, indented)."""
    return json.dumps(to_json_dict(report), ensure_ascii=False, indent=2)
