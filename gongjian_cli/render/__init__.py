"""Renderers of the monthly bulletin: one module per output format.

A renderer takes a :class:`gongjian_cli.metrics.Report` and returns or writes one
document; nothing here reads the ledger or computes a figure. Templates (HTML,
Markdown) load through :func:`make_env`, one Jinja2 environment with named filters,
from the shipped ``templates/`` folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gongjian_cli.errors import UsageError
from gongjian_cli.rounding import fixed
from gongjian_cli.schema import (
    BAND_LABEL,
    METRIC_BY_KEY,
    SEVERITY_LABEL,
    TABLE_ATTACHMENT,
    TABLE_SHORT,
    Severity,
    StartClass,
    Table,
)

if TYPE_CHECKING:
    from datetime import date

    import jinja2

    from gongjian_cli.metrics import Figure, Project, Report
    from gongjian_cli.render.wordtpl import BulletinText

FORMATS = ("xlsx", "html", "md", "json", "docx")
"""Output formats of `gongjian report`, also the file extensions."""

DASH = "—"

START_LABEL = {
    StartClass.NEW: "新开工",
    StartClass.CONTINUING: "续建",
    StartClass.NOT_STARTED: "未开工",
}


# ---------------------------------------------------------------- value formatting
# Every figure is rounded half up (四舍五入, ``gongjian_cli.rounding``) so a number reads
# the same in HTML, Markdown and the summary as Excel shows it.


def fmt_money(value: float | None, digits: int = 2) -> str:
    """亿元 with ``digits`` decimals, rounded half up (12.35); — for None."""
    return DASH if value is None else f"{Decimal(fixed(value, digits)):,}"


def fmt_wan(value: float | None) -> str:
    """万元 as a person writes it: 12,000 or 1,234.5; — for None."""
    if value is None:
        return DASH
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{Decimal(fixed(value, 2)):,}".rstrip("0").rstrip(".")


def fmt_count(value: float | None) -> str:
    """A count as a whole number; — for None."""
    return DASH if value is None else f"{round(value)}"


def fmt_pct(rate: float | None, digits: int = 1) -> str:
    """0.1929 → 19.3%, 5/16 → 31.3% (half up on the rate as written); — for None."""
    if rate is None:
        return DASH
    # round the rate itself at digits + 2 places, then move the point: 0.3125 → 0.313 → 31.3
    return f"{Decimal(fixed(rate, digits + 2)).scaleb(2)}%"


def fmt_points(points: float | None, digits: int = 1) -> str:
    """Absolute percentage points, 1 decimal, rounded half up (3.2)."""
    return DASH if points is None else fixed(abs(points), digits)


def fmt_value(fig: Figure) -> str:
    """A figure's actual in its unit's usual form (money 2 decimals, counts whole)."""
    return fmt_money(fig.actual) if fig.money else fmt_count(fig.actual)


def fmt_target(fig: Figure) -> str:
    """A figure's target as 附件1 writes it (64, 750); — where there is none."""
    if fig.target is None:
        return DASH
    return (
        fmt_money(fig.target, 0 if float(fig.target).is_integer() else 2)
        if fig.money
        else fmt_count(fig.target)
    )


def fmt_change(fig: Figure) -> str:
    """本月新增 with a sign: +1.20 / -2 / 0."""
    change = fig.change
    if fig.money:
        if abs(change) < 0.005:
            return "0.00"
        return f"{Decimal(fixed(change, 2)):+,}"
    return f"{round(change):+d}" if round(change) else "0"


def metric_label(key: str) -> str:
    """The metric's label as the notice writes it: 重点项目投资任务（亿元）."""
    return METRIC_BY_KEY[key].label


def table_label(table: Table | str | None) -> str:
    """附件2（谋划） / 附件3（在建）; — when unknown."""
    if table is None:
        return DASH
    t = Table(table)
    return f"{TABLE_ATTACHMENT[t]}（{TABLE_SHORT[t]}）"


def severity_label(severity: Severity | str) -> str:
    """错误 / 提醒."""
    return SEVERITY_LABEL[Severity(severity)]


def start_label(p: Project) -> str:
    """开竣工 class as the template writes it: 新开工（已竣工）, 续建, 未开工, 未归类."""
    base = START_LABEL.get(StartClass(p.start_class), "未归类") if p.start_class else "未归类"
    return f"{base}（已竣工）" if p.finished else base


def yes_no(value: bool | None, blank: str = "未填") -> str:
    """是 / 否, ``blank`` for None."""
    return blank if value is None else ("是" if value else "否")


def band_label(key: str | None) -> str:
    """1-5亿 / 5-10亿 / 10亿以上 for a band key; — for None."""
    return BAND_LABEL.get(key or "", DASH)


def md_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks flattened."""
    text = "" if value is None else str(value)
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


FILTERS: dict[str, Callable[..., Any]] = {
    "money": fmt_money,
    "wan": fmt_wan,
    "count": fmt_count,
    "pct": fmt_pct,
    "points": fmt_points,
    "value": fmt_value,
    "target": fmt_target,
    "change": fmt_change,
    "metric_label": metric_label,
    "table_label": table_label,
    "severity_label": severity_label,
    "start_label": start_label,
    "yes_no": yes_no,
    "band_label": band_label,
    "md": md_cell,
}


def _autoescape(name: str | None) -> bool:
    return bool(name) and (name.endswith(".html.j2") or name.endswith(".html"))


def make_env() -> jinja2.Environment:
    """The Jinja2 environment of the report templates (HTML autoescaped, Markdown not)."""
    import jinja2

    from gongjian_cli.targets import templates_dir

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def period_text(report: Report, *, with_year: bool = False) -> str:
    """The span the figures cover: 截至5月底 (截至2020年5月底 ``with_year``); in December
    2020年全年, whichever ``with_year``."""
    if report.full_year:
        return f"{report.year}年全年"
    year = f"{report.year}年" if with_year else ""
    return f"截至{year}{report.month.month}月底"


def bulletin_title(report: Report) -> str:
    """铜陵市2020年“重大工业项目攻坚年”目标任务完成情况（截至2020年5月底）; in December
    …完成情况（2020年全年）."""
    base = report.title.removesuffix("分解表")
    return f"{report.city}{report.year}年{base}完成情况（{period_text(report, with_year=True)}）"


# ------------------------------------------------------------------------- writing


def parse_formats(text: str) -> tuple[str, ...]:
    """``"xlsx,html"`` → ("xlsx", "html"); UsageError naming an unknown format."""
    out: list[str] = []
    for part in text.replace("，", ",").split(","):
        name = part.strip().lower().lstrip(".")
        if not name:
            continue
        name = {"markdown": "md", "htm": "html", "excel": "xlsx", "word": "docx"}.get(name, name)
        if name not in FORMATS:
            raise UsageError(f"未知的输出格式“{part.strip()}”（可选：{','.join(FORMATS)}）")
        if name not in out:
            out.append(name)
    if not out:
        raise UsageError(f"--format 不能为空（可选：{','.join(FORMATS)}）")
    return tuple(out)


def report_filename(report: Report, fmt: str) -> str:
    """File name of one output: 月度通报-2020-05.xlsx; the Word document 通报-2020-05.docx."""
    if fmt == "docx":
        return f"通报-{report.month}.docx"
    return f"月度通报-{report.month}.{fmt}"


def write_report(
    report: Report,
    out_dir: Path,
    formats: Iterable[str],
    *,
    docx_template: Path | str | None = None,
    text: BulletinText | None = None,
    issued: date | None = None,
) -> list[Path]:
    """Write the bulletin in each of ``formats`` under ``out_dir`` (created); the paths.

    The Word 通报 (docx) is filled from ``docx_template`` (default: the shipped one) with the
    wording ``text`` (主送, 署名, 下步工作) and the date ``issued`` (today when None)."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建输出文件夹 {out_dir}：{exc}") from exc
    written = []
    for fmt in formats:
        path = out_dir / report_filename(report, fmt)
        if fmt == "xlsx":
            from gongjian_cli.render.xlsx import write_xlsx

            write_xlsx(report, path)
        elif fmt == "html":
            from gongjian_cli.render.html import render_html

            path.write_text(render_html(report), encoding="utf-8")
        elif fmt == "md":
            from gongjian_cli.render.markdown import render_markdown

            path.write_text(render_markdown(report), encoding="utf-8")
        elif fmt == "json":
            from gongjian_cli.render.json import dumps

            path.write_text(dumps(report) + "\n", encoding="utf-8")
        elif fmt == "docx":
            from gongjian_cli.render.word import write_bulletin_docx

            write_bulletin_docx(report, path, template=docx_template, text=text, issued=issued)
        else:  # pragma: no cover - parse_formats guards this
            raise UsageError(f"未知的输出格式：{fmt}")
        written.append(path)
    return written
