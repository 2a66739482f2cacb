"""Identifying a returned table: which district, which month, which table.

DOMAIN.md fixes the order of the sources, for each part independently: metadata the
template wrote, an explicit command-line option, the file name, the sheet name, the
title rows, and last the content (the 所属区域 column for the district, the column set
for the table). The first source that names exactly one value wins; a source that
names two different values (a file name with both 附件2 and 附件3, two districts) is
passed over, and the rejection message says so. ``Identity.how`` records, in Chinese,
where each part came from.

Decisions (also in the docstrings below):

- Metadata wins over a command-line option, as the order says; when they disagree the
  source is recorded as "模板元数据（与命令行……不一致，以模板为准）" so the clerk sees it.
- A workbook with several tables (``sheet_count`` > 1): the file name cannot tell which
  sheet is which table, so it is not used for the table part (district and month still
  come from it).
- A table named by a source that the column set plainly contradicts (the columns are
  all of the other table's own) is rejected rather than read with the wrong columns.
- Full dates are not months: "填报日期：2020年6月20日" says when, not which month is
  reported; "截至2020年5月31日" does name May.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gongjian_cli.errors import FileRejected
from gongjian_cli.models import Identity, ParsedRow, TemplateMeta
from gongjian_cli.month import Month
from gongjian_cli.parsing import TableBlock
from gongjian_cli.schema import TABLE_ATTACHMENT, TABLE_SHORT, Table
from gongjian_cli.targets import Targets

SOURCE_META = "模板元数据"
SOURCE_OPTION = "命令行参数"
SOURCE_FILE = "文件名"
SOURCE_SHEET = "工作表名"
SOURCE_TITLE = "标题行"
SOURCE_REGION = "所属区域列"
SOURCE_COLUMNS = "表头列"

TABLE_LABEL = {Table.PLANNED: "附件2（谋划项目表）", Table.CONSTRUCTION: "附件3（在建项目表）"}
_PART_LABEL = {"district": "县区", "month": "月份", "table": "表格类型"}


@dataclass(slots=True)
class IdentifyOptions:
    """What the command line says about the files (each part may be left out)."""

    district: str | None = None
    month: str | None = None  # YYYY-MM
    table: Table | None = None


# --------------------------------------------------------------------------- months

_CN_MONTH = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}
_SEP = r"[-./_]"
# Full dates (a day named): removed first, they are not reporting months.
_FULL_DATES = re.compile(
    r"(?P<until>截至|截止|截止到|截至到)?\s*"
    r"(?:(?P<y1>\d{4})\s*年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*[日号]"
    r"|(?<!\d)(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]"
    r"|(?<![\d.])(?P<y3>\d{4})[-./_](?P<m3>\d{1,2})[-./_](?P<d3>\d{1,2})(?![\d.])"
    r"|(?<!\d)(?P<y4>20\d{2})(?P<m4>0[1-9]|1[0-2])(?P<d4>0[1-9]|[12]\d|3[01])(?!\d))"
)
_MONTH_PATTERNS: tuple[tuple[re.Pattern[str], bool], ...] = (
    # 2020年5月, 2020年05月, 2020年1-5月 (cumulative: the last month), 2020年5月份
    (
        re.compile(
            r"(?<!\d)(?P<y>\d{4})\s*年\s*(?:度\s*)?(?:\d{1,2}\s*[-~～至到—]\s*)?(?P<m>\d{1,2})\s*月"
        ),
        True,
    ),
    # 2020-05, 2020.05, 2020_05, 2020/5
    (re.compile(rf"(?<![\d.])(?P<y>(?:19|20)\d{{2}}){_SEP}(?P<m>\d{{1,2}})(?![\d])"), True),
    # 202005
    (re.compile(r"(?<!\d)(?P<y>20\d{2})(?P<m>0[1-9]|1[0-2])(?!\d)"), True),
    # 5月, 05月, 1-5月 (year from the targets); not the 3 of 附件3月报
    (
        re.compile(r"(?<!附件)(?<!附表)(?<![\d.])(?:\d{1,2}\s*[-~～至到—]\s*)?(?P<m>\d{1,2})\s*月"),
        False,
    ),
    # 五月, 十二月 (not 每月/本月/上月)
    (re.compile(r"(?<![一二三四五六七八九十])(?P<m>十[一二]?|[一二三四五六七八九])月"), False),
)


def _month_value(text: str) -> int:
    return _CN_MONTH[text] if text in _CN_MONTH else int(text)


def month_from_text(text: str, *, year: int) -> str | None:
    """The reporting month (``YYYY-MM``) a text names, or None.

    Recognised: 2020-05, 2020.05, 2020_05, 2020/5, 202005, 2020年5月, 2020年05月,
    2020年1-5月 (cumulative figures: May), 5月 and 五月 (``year`` supplied), and a date
    after 截至/截止 ("截至2020年5月31日" → May). Not months: a year alone ("2020年"), a
    full date (a day named: "2020年6月20日", "20200620", "6月20日" — a filing date, not
    the month reported), a number that is not year+month (an amount), the 3 of
    "附件3月报". Two different months in the text → None (ambiguous).
    """
    if not text:
        return None
    found: set[str] = set()

    def strip_date(m: re.Match[str]) -> str:
        if m.group("until"):
            y = m.group("y1") or m.group("y3") or m.group("y4") or str(year)
            mo = int(m.group("m1") or m.group("m2") or m.group("m3") or m.group("m4"))
            if 1 <= mo <= 12:
                found.add(f"{int(y):04d}-{mo:02d}")
        return " "

    rest = _FULL_DATES.sub(strip_date, text)
    for pattern, has_year in _MONTH_PATTERNS:

        def take(m: re.Match[str], has_year: bool = has_year) -> str:
            mo = _month_value(m.group("m"))
            y = int(m.group("y")) if has_year else year
            if 1 <= mo <= 12 and 1990 <= y <= 2099:
                found.add(f"{y:04d}-{mo:02d}")
            return " "

        rest = pattern.sub(take, rest)
    return found.pop() if len(found) == 1 else None


def _months_in(text: str, *, year: int) -> set[str]:
    """All months named (for the 'two months' note in a rejection)."""
    out = set()
    for piece in re.split(r"[\s,，;；、]+", text):
        m = month_from_text(piece, year=year)
        if m:
            out.add(m)
    return out


# --------------------------------------------------------------------------- tables

_ATTACH = re.compile(r"附\s*[件表]\s*([0-9一二三四五六七八九]+)(?![0-9])")
_ATTACH_NUM = {
    "2": Table.PLANNED,
    "二": Table.PLANNED,
    "3": Table.CONSTRUCTION,
    "三": Table.CONSTRUCTION,
}


def _tables_in(text: str) -> set[Table]:
    found = {_ATTACH_NUM[m.group(1)] for m in _ATTACH.finditer(text) if m.group(1) in _ATTACH_NUM}
    if "谋划" in text:
        found.add(Table.PLANNED)
    if "在建" in text:
        found.add(Table.CONSTRUCTION)
    return found


def table_from_text(text: str) -> Table | None:
    """附件2 / 谋划 → planned; 附件3 / 在建 → construction; both or neither → None.

    附件二/附件三 and 附表2/附表3 count too; 附件1 (the targets) names no table.
    """
    found = _tables_in(text or "")
    return found.pop() if len(found) == 1 else None


# --------------------------------------------------------------------------- districts


def _districts_in(targets: Targets, text: str) -> set[str]:
    t = "".join(str(text).split())
    return {d.name for d in targets.districts for n in d.names if n and n in t}


def _district_from_region(
    targets: Targets, block: TableBlock | None, rows: list[ParsedRow] | None
) -> tuple[str | None, str]:
    """The district the 所属区域 column names, when it mostly names one.

    "Mostly": the commonest district is named by at least two thirds of the non-empty
    cells (a few rows may belong elsewhere: validation warns about those).
    """
    values: list[str] = []
    if rows is not None:
        values = [r.region for r in rows if r.region]
    elif block is not None and "region" in block.columns:
        i = block.columns["region"]
        for row in block.sheet.rows[block.first_data_row - 1 : block.end_row]:
            if i < len(row) and isinstance(row[i], str) and row[i].strip():
                values.append(row[i])
    if not values:
        return None, "无所属区域列或为空"
    counts: Counter[str] = Counter()
    for v in values:
        found = _districts_in(targets, v)
        if len(found) == 1:
            counts[found.pop()] += 1
    if not counts:
        return None, "所属区域列未写县区名"
    name, n = counts.most_common(1)[0]
    if n * 3 >= len(values) * 2:
        return name, ""
    return None, f"所属区域列县区不一（{'、'.join(counts)}）"


# --------------------------------------------------------------------------- identify


@dataclass(slots=True)
class _Part:
    value: Any = None
    how: str = ""
    tried: list[str] = field(default_factory=list)

    def offer(self, source: str, values: set[Any], show: Any = str) -> bool:
        """Take the value when ``values`` holds exactly one; note what was seen."""
        if self.value is not None:
            return True
        if len(values) == 1:
            self.value = next(iter(values))
            self.how = source
            return True
        if values:
            shown = "、".join(sorted(f"“{show(v)}”" for v in values))
            self.tried.append(f"{source}（同时出现{shown}）")
        else:
            self.tried.append(source)
        return False


def identify(
    *,
    file_name: str,
    sheet_name: str,
    block: TableBlock | None,
    meta: TemplateMeta | None,
    options: IdentifyOptions,
    targets: Targets,
    rows: list[ParsedRow] | None = None,
    sheet_count: int = 1,
) -> Identity:
    """Identify one table of a returned file as (district, month, table).

    Sources in DOMAIN.md order, for each part independently: ``meta`` (the template),
    ``options`` (the command line), the file name, the sheet name, the title rows
    (``block.title_text``), then the content: for the district the 所属区域 column
    (``rows`` when given, else the block's cells) when it mostly names one district;
    for the table the column set (``block.table``). The file name is not used for the
    table when the workbook holds several tables (``sheet_count`` > 1).

    Raises ``FileRejected("unidentified", ...)`` naming what was tried for each missing
    part and how to fix it (rename the file like "附件3-经开区-2020年05月.xlsx", or pass
    --district/--month/--table); also when the table named by a source contradicts
    the column set (the header has the other table's own columns and none of its own).
    """
    year = targets.year
    # a member of a zip or an e-mail is named with its container (``枞阳县6月.zip/附件2.xlsx``):
    # the container's name and folders are part of the file name
    stem = " ".join(Path(part).stem for part in file_name.split("/"))
    title = block.title_text if block is not None else ""
    district, month, table = _Part(), _Part(), _Part()

    # 1. template metadata, 2. command-line options
    if meta is not None:
        district.offer(SOURCE_META, {targets.resolve_district(meta.district) or meta.district})
        month.offer(SOURCE_META, {meta.month})
        table.offer(SOURCE_META, {Table(meta.table)})
    else:
        for part in (district, month, table):
            part.tried.append(f"{SOURCE_META}（无）")
    opt_district = targets.resolve_district(options.district) if options.district else None
    if options.district and opt_district is None:
        opt_district = options.district
    _offer_option(district, opt_district, "--district")
    _offer_option(month, str(Month.parse(options.month)) if options.month else None, "--month")
    _offer_option(table, Table(options.table) if options.table else None, "--table")

    # 3. file name, 4. sheet name, 5. title rows
    texts = ((SOURCE_FILE, stem), (SOURCE_SHEET, sheet_name), (SOURCE_TITLE, title))
    for source, text in texts:
        district.offer(source, _districts_in(targets, text))
        month.offer(source, _month_set(text, year))
        if source == SOURCE_FILE and sheet_count > 1:
            table.tried.append(f"{SOURCE_FILE}（工作簿含{sheet_count}张表，不按文件名区分）")
            continue
        table.offer(source, _tables_in(text), show=lambda t: TABLE_ATTACHMENT[t])

    # 6. content
    if district.value is None:
        name, why = _district_from_region(targets, block, rows)
        if name is not None:
            district.offer(SOURCE_REGION, {name})
        else:
            district.tried.append(f"{SOURCE_REGION}（{why}）")
    if table.value is None:
        if block is not None and block.table is not None:
            table.offer(SOURCE_COLUMNS, {block.table})
        else:
            table.tried.append(f"{SOURCE_COLUMNS}（两表共有的列，无法区分）")

    missing = [
        (key, part)
        for key, part in (("district", district), ("month", month), ("table", table))
        if part.value is None
    ]
    if missing:
        raise FileRejected(
            "unidentified",
            _unidentified_message(file_name, sheet_name, missing, district, month, table, year),
        )
    if block is not None:
        _check_columns_agree(file_name, sheet_name, block, table)
    finders = (
        ("district", district, lambda text: _districts_in(targets, text)),
        ("month", month, lambda text: _month_set(text, year)),
        ("table", table, _tables_in),
    )
    conflicts = []
    for key, part, find in finders:
        for source, text in texts:
            if key == "table" and source == SOURCE_FILE and sheet_count > 1:
                continue
            found = find(text)
            if len(found) == 1 and (seen := next(iter(found))) != part.value:
                conflicts.append(
                    f"{_PART_LABEL[key]}：{source}为“{_show(seen)}”，"
                    f"按{part.how}取“{_show(part.value)}”"
                )
    return Identity(
        district=str(district.value),
        month=str(month.value),
        table=Table(table.value),
        how={"district": district.how, "month": month.how, "table": table.how},
        conflicts=conflicts,
    )


def _show(value: Any) -> str:
    return TABLE_LABEL[value] if isinstance(value, Table) else str(value)


def _month_set(text: str, year: int) -> set[str]:
    m = month_from_text(text, year=year)
    if m is not None:
        return {m}
    several = _months_in(text, year=year) if text else set()
    return several if len(several) > 1 else set()  # only to say "two months" when rejecting


def _offer_option(part: _Part, value: Any, flag: str) -> None:
    """The command-line option: taken when metadata said nothing; noted when it disagrees."""
    if value is None:
        part.tried.append(f"{SOURCE_OPTION}（未指定 {flag}）")
        return
    if part.value is None:
        part.offer(SOURCE_OPTION, {value})
    elif str(part.value) != str(value):
        shown = TABLE_LABEL.get(value, value) if isinstance(value, Table) else value
        part.how = f"{part.how}（命令行 {flag} 为“{shown}”，与模板不一致，以模板为准）"


def _check_columns_agree(file_name: str, sheet_name: str, block: TableBlock, table: _Part) -> None:
    """Refuse a table whose columns plainly belong to the other table."""
    chosen = Table(table.value)
    other = Table.CONSTRUCTION if chosen == Table.PLANNED else Table.PLANNED
    if block.votes.get(chosen, 0) == 0 and block.votes.get(other, 0) >= 2:
        raise FileRejected(
            "unidentified",
            f"文件“{file_name}”工作表“{sheet_name}”：{table.how}表明是{TABLE_LABEL[chosen]}，"
            f"但表头是{TABLE_LABEL[other]}的列，两者矛盾，未计入。请核对：若确为"
            f"{TABLE_SHORT[other]}项目表，请把文件名或工作表名改为含“{TABLE_ATTACHMENT[other]}”"
            f"（或用 --table {other.value}）后重新收集。",
        )


def _unidentified_message(
    file_name: str,
    sheet_name: str,
    missing: list[tuple[str, _Part]],
    district: _Part,
    month: _Part,
    table: _Part,
    year: int,
) -> str:
    parts = "、".join(_PART_LABEL[k] for k, _ in missing)
    lines = [f"文件“{file_name}”（工作表“{sheet_name}”）无法确定{parts}，未计入统计。"]
    for key, part in missing:
        lines.append(f"  {_PART_LABEL[key]}：查看了{'、'.join(part.tried)}，都未能确定。")
    example_table = Table(table.value) if table.value else Table.CONSTRUCTION
    example_district = district.value or "经开区"
    example_month = str(month.value) if month.value else f"{year}-05"
    y, m = example_month.split("-")
    example = f"{TABLE_ATTACHMENT[example_table]}-{example_district}-{y}年{m}月.xlsx"
    flags = {
        "district": f"--district {example_district}",
        "month": f"--month {example_month}",
        "table": f"--table {example_table.value}",
    }
    needed = " ".join(flags[k] for k, _ in missing)
    lines.append(
        f"处理办法：把文件改名为“{example}”这样的格式（附件2为谋划项目表、附件3为在建项目表），"
        f"或收集时指定 {needed}。"
    )
    return "\n".join(lines)
