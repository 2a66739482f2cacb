"""Making sense of a read sheet: find the table, match its columns, parse every project row.

Headers are matched by name, never by position (DOMAIN.md "Reading a returned file"):
extra spaces and line breaks, full-width or half-width brackets, a missing or different
unit, extra columns (备注), another order, a header split over two rows. Cell values
are parsed leniently where the meaning is clear ("1.5亿" is 15000 万元) and flagged where
it is not (an amount that cannot be read is an error, never a silent zero).

This module produces parse-level findings only (unreadable-amount, negative-amount,
formula-no-value, registered-unknown, start-unclassified, sum-mismatch). The rules of
the notice (required fields, thresholds, duplicates) are validation's; everything
they need is on ``ParsedRow`` (raw cells keep '' apart from a value).
"""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from gongjian_cli.models import Finding, ParsedRow, make_finding
from gongjian_cli.reading import RawSheet
from gongjian_cli.schema import (
    AUX_HEADERS,
    COLUMNS,
    NO_WORDS,
    PROJECT_KEY_HEADER,
    PROJECT_KEY_PATTERN,
    TOTAL_ROW_WORDS,
    WAN_PER_YI,
    YES_WORDS,
    StartClass,
    Table,
    column,
)

#: How many rows from the top are searched for the header row.
HEADER_SEARCH_ROWS = 30

# --------------------------------------------------------------------------- small helpers


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index: 0 → "A", 26 → "AA"."""
    if index < 0:
        raise ValueError(f"column index must be >= 0, got {index}")
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _is_blank(value: Any) -> bool:
    if value is None or value == "":
        return True
    return isinstance(value, str) and not value.strip()


def display_value(value: Any) -> str:
    """A cell value as a person would read it: 12000.0 → "12000", dates as 2020-05-01."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() else value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value).strip() if value is not None else ""


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# --------------------------------------------------------------------------- headers

_UNIT_WORDS = r"(?:万元|亿元|元|万|亿)"
# A trailing unit: "(万元)", "(单位:万元)", "(万元/亿元)", "/万元", "万元"
_TRAILING_UNIT = re.compile(
    rf"(?:\((?:单位[:：]?)?{_UNIT_WORDS}(?:[/、,，]{_UNIT_WORDS})*\)|[/]?{_UNIT_WORDS})$"
)
_UNIT_IN = re.compile(
    rf"\((?:单位[:：]?)?({_UNIT_WORDS})(?:[/、,，]{_UNIT_WORDS})*\)$|({_UNIT_WORDS})$"
)
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "［": "(", "］": ")"})
_UNIT_FACTOR = {"万元": 1.0, "万": 1.0, "亿元": float(WAN_PER_YI), "亿": float(WAN_PER_YI)}
_UNIT_FACTOR.update({"元": 1.0 / WAN_PER_YI})


def _squash(text: Any) -> str:
    """NFKC, every kind of whitespace removed, other brackets made round, markers dropped."""
    s = _nfkc(str(text)).translate(_BRACKETS)
    s = "".join(s.split())
    return s.strip("*★☆:：")


@lru_cache(maxsize=8192)
def _normalize_header_text(text: str) -> str:
    s = _squash(text)
    return _TRAILING_UNIT.sub("", s) or s


def normalize_header(text: Any) -> str:
    """A header cell in the form used for matching.

    Removes all whitespace (spaces, line breaks, full-width spaces), applies NFKC (so
    （） become ()), drops required-field markers (*) and a trailing unit such as
    "(万元)", "（单位：万元）", "(万元/亿元)" or "万元": the unit is checked separately
    (``header_unit``), the name is what identifies the column.
    """
    return _normalize_header_text(text if type(text) is str else str(text))


def header_unit(text: Any) -> float | None:
    """The factor to 万元 a header's unit implies: (万元) → 1, (亿元) → 10000, (元) → 0.0001.

    None when the header names no unit, or several ("万元/亿元": the cells must then
    say which, e.g. "1.5亿").
    """
    m = _UNIT_IN.search(_squash(text))
    if not m or re.search(r"[/、,，]", m.group(0)):
        return None
    return _UNIT_FACTOR[m.group(1) or m.group(2)]


@lru_cache(maxsize=16)
def _header_names(table: Table, year: int) -> dict[str, str]:
    """normalised header text → column key, for one table and year."""
    names: dict[str, str] = {}
    for col in COLUMNS[table]:
        for text in (col.label(year), *col.aliases):
            names.setdefault(normalize_header(text.replace("{year}", str(year))), col.key)
    return names


_YEAR_IN = re.compile(r"(?<!\d)(\d{4})年")


def _fuzzy_key(name: str, year: int) -> str | None:
    """A header that is not in the alias lists but clearly means one column.

    "2020年1-5月完成投资" → completed; "项目总投资额" → total; "是否已入库" → registered.
    A header naming another year ("2019年完成投资") or a plan ("计划完成投资") does not
    match: it is a different figure.
    """
    years = _YEAR_IN.findall(name)
    if any(int(y) != year for y in years):
        return None
    if ("完成投资" in name or "完成额" in name) and "计划" not in name and "上月" not in name:
        return "completed"
    if "总投资" in name or "投资总额" in name:
        return "total"
    if "入库" in name or "纳统" in name:
        return "registered"
    if "开工" in name or "竣工" in name:
        return "start"
    if "项目名称" in name or name == "项目":
        return "name"
    if ("所属" in name or "所在" in name) and ("区" in name or "县" in name):
        return "region"
    if "进展" in name:
        return "progress"
    if "存在" in name and ("问题" in name or "困难" in name):
        return "issues"
    if "工作目标" in name:
        return "goal"
    if "建设规模" in name or "建设内容" in name:
        return "scope"
    if "牵头" in name:
        return "lead_unit"
    if "责任人" in name or "负责人" in name:
        return "unit_leader"
    if name.endswith("单位") and ("项目" in name or "建设" in name or "业主" in name):
        return "unit"
    if name in ("序号", "编号", "序", "No.", "NO."):
        return "seq"
    return None


_DISTINCT: dict[Table, frozenset[str]] = {
    t: frozenset(c.key for c in COLUMNS[t])
    - frozenset(c.key for other in Table if other != t for c in COLUMNS[other])
    for t in Table
}
_KEYS: dict[Table, frozenset[str]] = {t: frozenset(c.key for c in COLUMNS[t]) for t in Table}


@dataclass(slots=True)
class _Match:
    columns: dict[str, int]
    headers: dict[int, str]  # column index -> header text as written (stripped)


_TRAILING_NOTE = re.compile(r"\([^()]*\)$")


def _match_headers(cells: list[str], table: Table | None, year: int) -> _Match:
    """Map header texts (one per column; '' for none) to column keys.

    Exact names and aliases first, in column order; a fuzzy name only fills a key no
    exact header took. ``table`` None matches the union of both tables' columns.
    """
    tables = (table,) if table is not None else tuple(Table)
    columns: dict[str, int] = {}
    pending: list[tuple[int, str]] = []
    headers: dict[int, str] = {}
    for idx, text in enumerate(cells):
        if not text:
            continue
        headers[idx] = text
        name = normalize_header(text)
        key = None
        base = _TRAILING_NOTE.sub("", name)  # "建设单位(业主)" → "建设单位"
        for t in tables:
            names = _header_names(t, year)
            key = names.get(name) or names.get(base)
            if key is not None:
                break
        if key is not None and key not in columns:
            columns[key] = idx
        elif key is None:
            pending.append((idx, name))
    allowed = frozenset().union(*(_KEYS[t] for t in tables))
    for idx, name in pending:
        key = _fuzzy_key(name, year)
        if key is not None and key in allowed and key not in columns:
            columns[key] = idx
    return _Match(columns, headers)


_HEADER_MAX_LEN = 40  # longer text is data (建设规模与内容…), never a header


def _row_texts(row: list[Any]) -> list[str]:
    return [v.strip() if type(v) is str and len(v) <= _HEADER_MAX_LEN else "" for v in row]


@dataclass(slots=True)
class TableBlock:
    """Where a table sits in a sheet and what its columns are.

    ``header_row`` is the Excel row of the (first) header row; a header split over two
    rows has ``header_height`` 2 and data start at ``header_row + header_height``.
    ``table`` is what the column set says (None when it names neither table's
    own columns, e.g. only 序号/项目名称/总投资: identification then decides and the
    caller re-matches with ``locate_table(..., table=...)``). ``votes`` counts, per
    table, the matched columns only that table has. ``columns`` maps column keys to
    0-based indexes; ``extra_columns`` the other headers (备注, ...) by index.
    ``units`` holds, for amount columns whose header names a unit other than 万元, the
    factor that turns a plain number into 万元 (a header "总投资（亿元）" gives 10000).
    ``missing_required`` lists the keys of required columns not found. ``title_text``
    joins the text above the header (for identification). ``notes`` are Chinese
    remarks about how the table was read, for the clerk.
    """

    sheet: RawSheet
    table: Table | None
    header_row: int
    columns: dict[str, int]
    extra_columns: dict[int, str]
    title_text: str
    missing_required: list[str]
    year: int
    header_height: int = 1
    votes: dict[Table, int] = field(default_factory=dict)
    units: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: 0-based row where the search for this table began (0, or the row after the table
    #: above it on the same sheet) and where its data stop (exclusive; None: the end of
    #: the sheet, or where a second table starts below it, see ``locate_tables``)
    start: int = 0
    end_row: int | None = None

    @property
    def first_data_row(self) -> int:
        """Excel row of the first row below the header."""
        return self.header_row + self.header_height

    def label(self, key: str) -> str:
        """The notice's label of column ``key`` (e.g. 2020年完成投资（万元）)."""
        for t in (self.table, *Table):
            if t is not None:
                try:
                    return column(t, key).label(self.year)
                except KeyError:
                    continue
        return key

    def letter(self, key: str) -> str:
        """Excel letter of the column where ``key`` was found."""
        return column_letter(self.columns[key])


_FULL = min(len(cols) for cols in COLUMNS.values())  # a header with all of a table's columns


def _score(match: _Match) -> int:
    return len(match.columns)


def _acceptable(match: _Match) -> bool:
    cols = match.columns
    return ("name" in cols and "total" in cols) or (
        len(cols) >= 4 and ("name" in cols or "total" in cols)
    )


def _combine(upper: list[str], lower: list[str], year: int) -> list[str]:
    """Header texts of a two-row header: the lower cell, or the upper one spread right
    over empty cells (merged), joined with the lower when both are present."""
    out = []
    carry = ""
    for i in range(max(len(upper), len(lower))):
        up = upper[i] if i < len(upper) else ""
        low = lower[i] if i < len(lower) else ""
        if up:
            carry = up
        elif not low:
            carry = ""
        if low and (up or carry):
            parent = up or carry
            out.append(low if _known_name(low, year) else parent + low)
        else:
            out.append(low or up)
    return out


def _known_name(text: str, year: int) -> bool:
    name = normalize_header(text)
    return _fuzzy_key(name, year) is not None or any(name in _header_names(t, year) for t in Table)


def locate_table(
    sheet: RawSheet, *, year: int, table: Table | None = None, start: int = 0
) -> TableBlock | None:
    """Find the header row of a project table in ``sheet`` and match its columns.

    The header is the row, among the first ``HEADER_SEARCH_ROWS`` from ``start``
    (0-based), whose cells match the most known columns; it needs 项目名称 and 总投资,
    or four known columns including one of them; the rows from ``start`` to it are
    the table's title. A header split over two rows (merged cells above sub-headers) is
    combined when that matches more columns. Planned vs construction is decided by the
    columns only one table has (所属区域/目前进展情况/{year}年工作目标… vs
    {year}年完成投资/开竣工情况/是否入库…); pass ``table`` to match one table's columns
    only (after identification said which). None when no row qualifies.
    """
    rows = sheet.rows
    limit = min(len(rows), start + HEADER_SEARCH_ROWS)
    best: tuple[int, int, int, _Match, list[str]] | None = None  # score, row idx, height
    texts_cache: dict[int, list[str]] = {}

    def texts(i: int) -> list[str]:
        if i not in texts_cache:
            texts_cache[i] = _row_texts(rows[i]) if i < len(rows) else []
        return texts_cache[i]

    for i in range(start, limit):
        if best is not None and i > best[1] + best[2]:
            break  # one row past the header was compared; below it is data
        cells = texts(i)
        if sum(1 for c in cells if c) < 2:
            continue
        match = _match_headers(cells, table, year)
        score = _score(match)
        if 2 <= score < _FULL and i + 1 < len(rows):
            # maybe the first of two header rows (merged cells above sub-headers)
            combined = _combine(cells, texts(i + 1), year)
            m2 = _match_headers(combined, table, year)
            if _score(m2) > score:
                below = _match_headers(texts(i + 1), table, year)
                if _score(m2) > _score(below):
                    if _acceptable(m2) and (best is None or _score(m2) > best[0]):
                        best = (_score(m2), i, 2, m2, combined)
                    continue
        if _acceptable(match) and (best is None or score > best[0]):
            best = (score, i, 1, match, cells)
    if best is None:
        return None
    _, idx, height, match, header_cells = best

    votes = {t: len(_DISTINCT[t] & match.columns.keys()) for t in Table}
    chosen = table
    if chosen is None:
        chosen = _table_by_columns(match)
        if chosen is not None:
            match = _match_headers(header_cells, chosen, year)
    columns = match.columns
    if chosen is None:  # keep only the columns both tables share
        shared = _KEYS[Table.PLANNED] & _KEYS[Table.CONSTRUCTION]
        columns = {k: v for k, v in columns.items() if k in shared}
    used = set(columns.values())
    extras: dict[int, str] = {}
    seen_extra: set[str] = set()
    for col_idx, text in match.headers.items():
        if col_idx in used:
            continue
        label = " ".join(text.split())
        if label in seen_extra:
            label = f"{label}（{column_letter(col_idx)}列）"
        seen_extra.add(label)
        extras[col_idx] = label

    units: dict[str, float] = {}
    notes: list[str] = []
    for key in ("total", "completed"):
        if key in columns:
            factor = header_unit(header_cells[columns[key]])
            if factor is not None and factor != 1.0:
                units[key] = factor
                unit = "亿元" if factor > 1 else "元"
                notes.append(
                    f"“{' '.join(header_cells[columns[key]].split())}”列以{unit}填报，已按万元换算"
                )
    required = [c.key for c in COLUMNS[chosen or Table.CONSTRUCTION] if c.required]
    title = " ".join(
        " ".join(v.split())
        for r in range(start, idx)
        for v in rows[r]
        if type(v) is str and v.strip()
    )
    return TableBlock(
        sheet=sheet,
        table=chosen,
        header_row=idx + 1,
        columns=dict(sorted(columns.items(), key=lambda kv: kv[1])),
        extra_columns=extras,
        title_text=title,
        missing_required=[k for k in required if k not in columns],
        year=year,
        header_height=height,
        votes=votes,
        units=units,
        notes=notes,
        start=start,
    )


def _table_by_columns(match: _Match) -> Table | None:
    """The table whose own columns the header has more of (None: a tie)."""
    p = len(_DISTINCT[Table.PLANNED] & match.columns.keys())
    c = len(_DISTINCT[Table.CONSTRUCTION] & match.columns.keys())
    return Table.PLANNED if p > c else Table.CONSTRUCTION if c > p else None


#: A second table's title may sit this many rows above its header.
_TITLE_ROWS = 4


def locate_tables(sheet: RawSheet, *, year: int) -> list[TableBlock]:
    """Every project table of ``sheet``: usually one; two when a district stacked
    附件2 and 附件3 one above the other on one sheet.

    A table ends where the header of the other table begins (a header of the same
    table repeated, e.g. a printed page header, is skipped by ``parse_rows`` instead);
    the lines just above that header that hold at most one filled cell (附件3, the
    title) belong to the next table. The next header is looked for where 项目名称
    stands in the table above (and in column B, where both templates have it): one
    C-level pass over that column, so the common one-table sheet costs next to nothing.
    """
    block = locate_table(sheet, year=year)
    if block is None:
        return []
    blocks = [block]
    while True:
        following = _next_table(sheet, block, year)
        if following is None:
            return blocks
        blocks.append(following)
        block = following


def _next_table(sheet: RawSheet, block: TableBlock, year: int) -> TableBlock | None:
    """The other table's block below ``block`` (setting ``block.end_row``), or None."""
    rows = sheet.rows
    first = block.first_data_row - 1
    columns = {block.columns.get("name"), 1} - {None}
    hits = sorted(
        (r, c)
        for c in columns
        for r, row in enumerate(rows[first:], start=first)
        if c < len(row) and type(v := row[c]) is str and "名" in v
    )
    for r, c in hits:
        if normalize_header(rows[r][c]) not in _NAME_HEADERS:
            continue
        match = _match_headers(_row_texts(rows[r]), None, year)
        kind = _table_by_columns(match) if _acceptable(match) else None
        if kind is None or kind is block.table:  # the same header again: parse_rows skips it
            continue
        top = r
        while top > first and r - top < _TITLE_ROWS:
            if sum(1 for v in rows[top - 1] if not _is_blank(v)) > 1:
                break
            top -= 1
        following = locate_table(sheet, year=year, start=top)
        if following is not None and following.header_row - 1 == r:
            block.end_row = top
            return following
    return None


# --------------------------------------------------------------------------- amounts


@dataclass(frozen=True, slots=True)
class AmountParse:
    """An amount cell read as 万元: ``value`` (None when blank or unreadable), ``blank``, ``ok``."""

    value: float | None
    blank: bool
    ok: bool


_AMOUNT_TEXT = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(万元|万|亿元|亿|元)?$")
_DASHES = frozenset({"-", "--", "—", "——", "－", "/", "／", "无", "暂无", "0.00-"})
_BLANK_AMOUNT = AmountParse(None, True, True)
_BAD_AMOUNT = AmountParse(None, False, False)


def parse_amount(value: Any, *, unit: float = 1.0) -> AmountParse:
    """Read an amount cell as 万元; never turns something unreadable into zero.

    - numbers are taken as they are (times ``unit``, the header's factor to 万元);
    - text: full-width digits and commas ("１２，０００"), thousands separators
      ("12,000", "1,2000.5"), spaces anywhere, and a unit: 万/万元 (as is), 亿/亿元
      (×10000: "1.5亿" = 15000), 元 (÷10000: the person wrote yuan, so "5000000元" is
      500 万元; a unit in the cell wins over the header's);
    - blank: '', None, whitespace, and the "nothing" marks a table uses: "-", "—", "/",
      "无" (validation then applies the blank rule, e.g. 完成投资 blank → 0 with a warning);
    - anything else (words, "约12000", dates, TRUE/FALSE, "#N/A") → ok=False.
    Negative numbers parse (validation flags them).
    """
    if type(value) is float and unit == 1.0 and value == value and abs(value) != math.inf:
        return AmountParse(value, False, True)
    if value is None or value == "":
        return _BLANK_AMOUNT
    if isinstance(value, bool):
        return _BAD_AMOUNT
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return _BAD_AMOUNT
        return AmountParse(number if unit == 1.0 else round(number * unit, 6), False, True)
    if isinstance(value, date | time | timedelta):
        return _BAD_AMOUNT
    text = "".join(_nfkc(str(value)).split())
    if not text or text in _DASHES:
        return _BLANK_AMOUNT
    m = _AMOUNT_TEXT.match(text.replace(",", ""))
    if not m:
        return _BAD_AMOUNT
    number = float(m.group(1))
    factor = _UNIT_FACTOR[m.group(2)] if m.group(2) else unit
    return AmountParse(number if factor == 1.0 else round(number * factor, 6), False, True)


# --------------------------------------------------------------------------- 开竣工情况


@dataclass(frozen=True, slots=True)
class StartParse:
    """开竣工情况 classified: class (None when not recognised), completion, blank."""

    cls: StartClass | None
    finished: bool
    blank: bool
    recognized: bool


_START_EXACT: dict[str, tuple[StartClass, bool]] = {
    "新开工": (StartClass.NEW, False),
    "续建": (StartClass.CONTINUING, False),
    "新开工(已竣工)": (StartClass.NEW, True),
    "续建(已竣工)": (StartClass.CONTINUING, True),
    "未开工": (StartClass.NOT_STARTED, False),
}
# Words before 开工/竣工 in the same clause that make it a plan, not a fact.
_NOT_YET = (
    "未",
    "计划",
    "拟",
    "预计",
    "力争",
    "争取",
    "确保",
    "将于",
    "待",
    "准备",
    "即将",
    "预期",
)
_CLAUSE_SPLIT = re.compile(r"[,，;；。、\s]+")
_DATE_HINT = re.compile(r"\d{4}[年./\-]\d{1,2}|\d{1,2}月|\d{4}年|\d{1,2}[./]\d{1,2}")
_START_BLANK = StartParse(None, False, True, True)


def _planned(clause: str, word: str) -> bool:
    """``word`` occurs in ``clause`` only after a "not yet / planned" word."""
    pos = clause.find(word)
    while pos >= 0:
        if not any(w in clause[:pos] for w in _NOT_YET):
            return False
        pos = clause.find(word, pos + 1)
    return True


def classify_start(text: Any) -> StartParse:
    """Classify a 开竣工情况 cell (DOMAIN.md).

    The template's five choices map exactly. Free text, clause by clause:
    - 续建 → continuing; otherwise 新开工, or 开工 next to a date ("2020年3月开工",
      "已于4.15开工"), → new start — unless a plan word precedes it in its clause
      (未/计划/拟/预计/力争/待…: "计划6月开工", "拟新开工") → not started;
    - 未开工, 计划, 拟, 待开工 alone → not started;
    - 竣工/完工 marks completion on top of the class, except when planned
      ("计划年底竣工", "预计竣工", "未竣工" are not completion); a not-started project is
      never completed.
    - 开工 without a date ("已开工") and anything else is not recognised: a warning, and
      it counts in neither new nor continuing. A bare date cell is not recognised either
      (it does not say start or completion). A recognised completion without a class
      ("已竣工") has ``finished`` True and ``recognized`` False.
    """
    if type(text) is str:
        return _classify_start_text(text)
    if text is None:
        return _START_BLANK
    return StartParse(None, False, False, False)


@lru_cache(maxsize=4096)
def _classify_start_text(text: str) -> StartParse:
    """classify_start for text (cached: a file repeats the same few phrases)."""
    s = "".join(_nfkc(text).split())
    if not s:
        return _START_BLANK
    if s in _START_EXACT:
        cls, fin = _START_EXACT[s]
        return StartParse(cls, fin, False, True)
    clauses = [c for c in _CLAUSE_SPLIT.split(s) if c]
    finished = any(
        ("竣工" in c and not _planned(c, "竣工")) or ("完工" in c and not _planned(c, "完工"))
        for c in clauses
    )
    cls: StartClass | None = None
    if "续建" in s:
        cls = StartClass.CONTINUING
    else:
        for c in clauses:
            if "新开工" in c:
                cls = StartClass.NOT_STARTED if _planned(c, "新开工") else StartClass.NEW
            elif "开工" in c:
                if "未开工" in c or _planned(c, "开工"):
                    cls = StartClass.NOT_STARTED
                elif _DATE_HINT.search(c):
                    cls = StartClass.NEW
            if cls is not None:
                break
        if cls is None and any(w in s for w in ("未开工", "计划", "拟", "待开工")):
            cls = StartClass.NOT_STARTED
    if cls is StartClass.NOT_STARTED:
        finished = False
    return StartParse(cls, finished, False, cls is not None)


# --------------------------------------------------------------------------- 是否入库


@dataclass(frozen=True, slots=True)
class RegisteredParse:
    """是否入库 read: True/False, None when blank or not recognised."""

    value: bool | None
    blank: bool
    recognized: bool


_YES = frozenset({*YES_WORDS, "√", "✓", "✔", "已纳统", "纳统", "已纳入统计", "是的", "true", "1"})
_NO = frozenset({*NO_WORDS, "×", "✗", "✘", "✕", "未纳统", "未纳入统计", "false", "0", "尚未入库"})
_NO_HINTS = (
    "未入库",
    "不入库",
    "未纳",
    "拟入库",
    "计划入库",
    "待入库",
    "申报入库",
    "正在入库",
    "申请入库",
)
_YES_HINTS = ("已入库", "已纳统", "已纳入")
_REG_BLANK = RegisteredParse(None, True, True)


def parse_registered(value: Any) -> RegisteredParse:
    """Read 是否入库: 是/已入库/Y/yes/√/1 → True; 否/未入库/N/no/×/0 → False.

    Free text: a "not yet" phrase (未入库, 拟入库, 待入库, 申报入库…) → False, checked
    first because "未入库" contains "入库"; text starting with 是/否 or holding 已入库 →
    True/False ("是（3月入库）"). Blank → value None, blank True (validation warns and
    counts it as no). Anything else → not recognised.
    """
    if type(value) is str:
        return _parse_registered_text(value)
    if value is None:
        return _REG_BLANK
    if isinstance(value, bool):
        return RegisteredParse(value, False, True)
    if isinstance(value, int | float):
        if value == 1:
            return RegisteredParse(True, False, True)
        if value == 0:
            return RegisteredParse(False, False, True)
        return RegisteredParse(None, False, False)
    return _parse_registered_text(str(value))


@lru_cache(maxsize=4096)
def _parse_registered_text(text: str) -> RegisteredParse:
    """parse_registered for text (cached)."""
    s = "".join(_nfkc(text).split()).lower()
    if not s:
        return _REG_BLANK
    if s in _YES:
        return RegisteredParse(True, False, True)
    if s in _NO:
        return RegisteredParse(False, False, True)
    if any(h in s for h in _NO_HINTS) or s.startswith("否"):
        return RegisteredParse(False, False, True)
    if any(h in s for h in _YES_HINTS) or s.startswith("是"):
        return RegisteredParse(True, False, True)
    return RegisteredParse(None, False, False)


# --------------------------------------------------------------------------- row kinds

_TOTAL_TRIM = re.compile(r"[\s:：()（）\[\]【】]")


def _total_word(value: Any) -> str | None:
    if type(value) is not str or "计" not in value:  # 合计/总计/小计 all hold 计
        return None
    s = _TOTAL_TRIM.sub("", _nfkc(value))
    if not s:
        return None
    for word in TOTAL_ROW_WORDS:
        if s == word or s.endswith(word) or s.startswith(word):
            return word
    return None


def is_total_row(seq: Any, name: Any) -> bool:
    """The 序号 or 项目名称 cell says 合计 / 总计 / 小计 (spaces allowed: "合  计",
    "合计：", "新开工项目小计")."""
    return _total_word(seq) is not None or _total_word(name) is not None


_NOTE_ROW = re.compile(
    r"^(?:注|备注|说明|填报人|填表人|填报单位|填表单位|填报日期|填表日期|联系电话|电话|联系人|"
    r"审核人|审核|负责人|单位负责人|分管领导|制表人|制表|统计人|报送单位)"
    r"\s*(?:[(（][^)）]*[)）])?\s*[:：]"
    r"|^注\s*[0-9一二三四五六七八九、.．(（]"
    r"|^(?:填报|填表|制表)(?:人|单位|日期|时间)"
)
_SECTION = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）])")
_SECTION_FIRST = frozenset("一二三四五六七八九十(（")
_ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]?|[(（][一二三四五六七八九十]+[)）])$")


_NOTE_FIRST = frozenset("注备说填联电审负分制统报")


def _is_note_text(text: str) -> bool:
    t = text.lstrip()
    return t[:1] in _NOTE_FIRST and bool(_NOTE_ROW.match(_nfkc(t)))


# --------------------------------------------------------------------------- rows


def _clean_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if type(value) is str:
        s = value.strip()
        return s or None
    return display_value(value)


def _is_column_numbers(values: list[Any]) -> bool:
    """A row of column numbers (1, 2, 3, …) printed under the header."""
    nums = []
    for v in values:
        if _is_blank(v):
            continue
        if isinstance(v, bool):
            return False
        if isinstance(v, int | float) and float(v).is_integer():
            nums.append(int(v))
        elif isinstance(v, str) and v.strip().isdigit():
            nums.append(int(v.strip()))
        else:
            return False
    return len(nums) >= 3 and nums == list(range(nums[0], nums[0] + len(nums)))


def parse_rows(block: TableBlock, *, file_name: str) -> tuple[list[ParsedRow], list[Finding]]:
    """Every project row below the header, parsed, with parse-level findings on each row.

    Skipped (not projects): blank rows (a row with only a 序号 is blank), a row of
    column numbers (1, 2, 3…) right under the header, repeated header rows, note rows
    (the first non-empty cell starts 注/说明/填报人/联系电话/审核人…), section rows
    ("一、新开工项目", or 序号 "一" / "（一）") and total rows (合计/总计/小计). A 合计/总计
    row is used to cross-check: when its 总投资 (or 完成投资) differs from the sum of
    the project rows it sums by more than 1 万元, a ``sum-mismatch`` warning names that
    row (returned in the second list, with other sheet-level findings). It sums the
    project rows above it; one with none above (many returns put 合计 right under the
    header) sums the rows below it, up to the next 合计/总计 row or the table's end. 小计
    rows are skipped unchecked (what they cover is not marked).

    Row findings: unreadable-amount, negative-amount, formula-no-value (any matched
    column; the cell then reads blank, so validation may also report it missing),
    registered-unknown, start-unclassified. ``raw`` holds every matched column's cell as
    read ('' when empty) and the extra columns under their header text; a cell under a
    vertically merged range holds the range's value in the fill-down columns (所属区域,
    项目单位, 开竣工情况, 是否入库, …; see ``_merged_fill``).
    ``block.table`` must be known (identification decides when the columns don't).
    """
    if block.table is None:
        raise ValueError("parse_rows needs block.table: identify the table first")
    ctx = _RowContext(block, file_name)
    cols = block.columns
    idx_seq = cols.get("seq")
    idx_name = cols.get("name")
    fset = block.sheet.formula_cells_without_value
    formula_cols = [i for i in cols.values() if i != idx_seq] if fset else []
    used = sorted({*cols.values(), *block.extra_columns.keys()})
    pad_to = used[-1] + 1 if used else 0
    # a prefilled template's key and last-month columns are not content: a row the
    # district cleared but whose hidden key is left is a blank row
    aux = _aux_columns(block)
    if aux:
        used = [i for i in used if i not in aux.values()]

    parsed: list[ParsedRow] = []
    sheet_findings: list[Finding] = []
    sums = {"total": 0.0, "completed": 0.0}
    # a 合计 above every project row: checked against the rows below, once they are read
    top_total: _TopTotal | None = None
    rows = block.sheet.rows
    first = block.first_data_row - 1  # 0-based index of the first data row
    end = len(rows) if block.end_row is None else block.end_row
    parse = ctx.parse
    keep = parsed.append
    fill = _merged_fill(block, first)
    section_first = _SECTION_FIRST
    # The loop runs for every row of every file: cheap tests (C-level counts, first
    # characters) guard the regexes.
    for r in range(first, end):
        row = rows[r]
        if len(row) < pad_to:
            row = [*row, *[""] * (pad_to - len(row))]
        excel_row = r + 1
        seq_v = row[idx_seq] if idx_seq is not None else ""
        name_v = row[idx_name] if idx_name is not None else ""
        if not (type(name_v) is str and name_v.strip()) and _is_blank(name_v):
            # no name: a blank row (or one with only a 序号) unless something else is filled
            content = [i for i in used if not _is_blank(row[i])]
            if (not content or content == [idx_seq]) and not (
                formula_cols and any((excel_row, i) in fset for i in formula_cols)
            ):
                continue
        v0 = row[0]
        if type(v0) is not float and type(v0) is not int:  # a note starts with text
            first_text = _first_filled(row)
            if type(first_text) is str and _is_note_text(first_text):
                continue
        if (type(seq_v) is str and seq_v) or (
            type(name_v) is str
            and ("计" in name_v or "名" in name_v or name_v.lstrip()[:1] in section_first)
        ):
            kind = _row_kind(seq_v, name_v)
            if kind == "total":
                if top_total is not None:
                    top_total.check(ctx, sums, len(parsed), sheet_findings)
                    top_total = None
                if parsed:
                    _check_sum(ctx, row, excel_row, sums, sheet_findings)
                else:
                    top_total = _TopTotal(row, excel_row)
            if kind is not None:
                continue
        if r == first and _is_column_numbers([row[i] for i in used]):
            continue
        if r in fill:
            row = list(row)
            for i, value in fill[r]:
                if _is_blank(row[i]):
                    row[i] = value
        keep(parse(row, excel_row, sums))
    if top_total is not None:
        top_total.check(ctx, sums, len(parsed), sheet_findings)
    if (key_at := aux.get(PROJECT_KEY_HEADER)) is not None:
        _read_project_keys(parsed, block.extra_columns[key_at])
    return parsed, sheet_findings


_AUX_NORMAL = {normalize_header(h): h for h in AUX_HEADERS}
_PROJECT_KEY = re.compile(PROJECT_KEY_PATTERN)


def _aux_columns(block: TableBlock) -> dict[str, int]:
    """The prefilled template's own columns found in ``block``: header constant → index."""
    found: dict[str, int] = {}
    for i, text in block.extra_columns.items():
        header = _AUX_NORMAL.get(normalize_header(text))
        if header is not None:
            found.setdefault(header, i)
    return found


def _read_project_keys(rows: list[ParsedRow], raw_key: str) -> None:
    """Set each row's ``project_key`` from the key column (``raw_key`` in ``raw``): a
    well-formed key on its first row in the table; a damaged or repeated one is ignored
    (the row is then identified by its name)."""
    seen: set[str] = set()
    for r in rows:
        v = r.raw.get(raw_key)
        if type(v) is not str:
            continue
        key = v.strip().upper()
        if _PROJECT_KEY.fullmatch(key) and key not in seen:
            seen.add(key)
            r.project_key = key


#: Columns whose vertically merged cells count for every row they span. Not 项目名称
#: (two rows under one name are not one project) nor the amounts (counting one amount
#: on several rows would add it up several times): those stay blank below the first
#: row, and validation says so.
_NO_FILL_DOWN = frozenset({"seq", "name", "total", "completed"})


def _merged_fill(block: TableBlock, first: int) -> dict[int, list[tuple[int, Any]]]:
    """Row index → (column index, value) for the cells that a vertically merged range
    of a fill-down column covers below its first row, within the data rows: a district
    that merges 所属区域 or 开竣工情况 over several projects means it for each of them."""
    merged = block.sheet.merged
    if not merged:
        return {}
    columns = {i for key, i in block.columns.items() if key not in _NO_FILL_DOWN}
    rows = block.sheet.rows
    fill: dict[int, list[tuple[int, Any]]] = {}
    for (r0, c0), (r1, c1) in merged:
        if r1 <= r0 or r0 < first or r0 >= len(rows):
            continue
        top = rows[r0]
        value = top[c0] if c0 < len(top) else ""
        if _is_blank(value):
            continue
        for c in range(c0, c1 + 1):
            if c in columns:
                for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):
                    fill.setdefault(r, []).append((c, value))
    return fill


_NAME_HEADERS = frozenset({"项目名称", "项目名", "名称"})


def _row_kind(seq_v: Any, name_v: Any) -> str | None:
    """ "total" (合计/总计), "subtotal" (小计), "section" (一、…), "header" (repeated), or
    None for a project row. Called only when a cheap test says it might not be one."""
    word = _total_word(seq_v) or _total_word(name_v)
    if word is not None:
        return "subtotal" if word == "小计" else "total"
    if type(name_v) is str and name_v:
        name = name_v.strip()
        if name[:1] in _SECTION_FIRST and _SECTION.match(name) and not _is_number_like(seq_v):
            return "section"
        if "名" in name and normalize_header(name) in _NAME_HEADERS:
            return "header"  # printed page header, or the header pasted twice
    if type(seq_v) is str and _ENUMERATOR.match(seq_v.strip()):
        return "section"
    return None


def _first_filled(row: list[Any]) -> Any:
    for v in row:
        if v != "" and v is not None and (type(v) is not str or v.strip()):
            return v
    return None


def _is_number_like(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and value.strip().isdigit()


class _RowContext:
    """What every row of one block shares: column indexes, labels, letters, units."""

    def __init__(self, block: TableBlock, file_name: str) -> None:
        self.file_name = file_name
        self.sheet_name = block.sheet.name
        self.block = block
        cols = block.columns
        self.cols = list(cols.items())
        # raw: every matched column under its key, then the extra columns under their
        # header text, read with one C-level call per row
        keys = [*cols.keys(), *block.extra_columns.values()]
        indexes = [*cols.values(), *block.extra_columns.keys()]
        self.raw_keys = keys
        # None when the columns are A, B, C… in order (the template): zip then reads the
        # row itself (padded to the used columns, so it is long enough)
        self.raw_cells: Callable[[list[Any]], Any] | None = (
            None
            if indexes == list(range(len(indexes)))
            else operator.itemgetter(*indexes)
            if len(indexes) > 1
            else _one_cell(indexes)
        )
        self.labels = {key: block.label(key) for key in cols}
        self.letters = {key: column_letter(i) for key, i in cols.items()}
        self.fset = block.sheet.formula_cells_without_value
        # Where raw[key] comes from, so values are read from the row directly (an extra
        # column whose header text equals a key overrides it in raw, last one wins).
        source = dict(zip(keys, indexes, strict=True))

        def at(key: str) -> int | None:
            return source[key] if key in cols else None

        self.i_name, self.i_region, self.i_unit, self.i_issues = (
            at("name"),
            at("region"),
            at("unit"),
            at("issues"),
        )
        self.i_total, self.i_completed = at("total"), at("completed")
        self.i_start, self.i_registered = at("start"), at("registered")
        self.unit_total = block.units.get("total", 1.0)
        self.unit_completed = block.units.get("completed", 1.0)
        # 开竣工情况 text -> (class, finished, recognized, start_text); 是否入库 text -> parse
        self.start_cache: dict[str, tuple[StartClass | None, bool, bool, str | None]] = {}
        self.reg_cache: dict[str, RegisteredParse] = {}

    def finding(
        self, out: list[Finding], code: str, key: str, row: int, value: Any, detail: str = ""
    ) -> None:
        out.append(
            make_finding(
                code,
                file=self.file_name,
                sheet=self.sheet_name,
                row=row,
                column=self.letters[key],
                field=self.labels[key],
                value=None if value is None else display_value(value),
                detail=detail,
            )
        )

    def _amount(self, v: Any, key: str, unit: float, row: int, out: list[Finding]) -> float | None:
        if type(v) is float and unit == 1.0:  # the common case: a number cell in xlsx
            if v < 0:
                self.finding(out, "negative-amount", key, row, v)
            return v
        a = parse_amount(v, unit=unit)
        if not a.ok:
            self.finding(out, "unreadable-amount", key, row, v, f"填写的是“{display_value(v)}”")
        elif a.value is not None and a.value < 0:
            self.finding(out, "negative-amount", key, row, v)
        return a.value

    def _start(self, v: Any) -> tuple[StartClass | None, bool, bool, str | None]:
        """开竣工情况 cell → (class, finished, recognized, start_text); text is cached."""
        sp = classify_start(v)
        if type(v) is not str:
            return sp.cls, sp.finished, sp.recognized, _clean_text(v)
        out = self.start_cache[v] = (sp.cls, sp.finished, sp.recognized, v.strip() or None)
        return out

    def parse(self, row: list[Any], excel_row: int, sums: dict[str, float]) -> ParsedRow:
        """One project row (padded to the used columns) → ParsedRow with its findings.

        Written for speed (it runs for every row of every file): cells are read from
        the row by precomputed index; the common cells (a float amount, a str text)
        take inline paths; 开竣工情况/是否入库 values are cached per table.
        """
        # no strict= check per row: the cells are as many as the keys by construction
        cells = self.raw_cells
        raw = dict(zip(self.raw_keys, row if cells is None else cells(row)))  # noqa: B905
        findings: list[Finding] = []
        if self.fset:
            for key, i in self.cols:
                if (excel_row, i) in self.fset:
                    self.finding(findings, "formula-no-value", key, excel_row, None)
        # name, region, unit, issues: a str cell is stripped inline
        name = region = unit = issues = None
        if (i := self.i_name) is not None:
            v = row[i]
            name = (v.strip() or None) if type(v) is str else _clean_text(v)
        if (i := self.i_region) is not None:
            v = row[i]
            region = (v.strip() or None) if type(v) is str else _clean_text(v)
        if (i := self.i_unit) is not None:
            v = row[i]
            unit = (v.strip() or None) if type(v) is str else _clean_text(v)
        if (i := self.i_issues) is not None:
            v = row[i]
            issues = (v.strip() or None) if type(v) is str else _clean_text(v)
        total = completed = start_text = cls = registered = None
        finished = False
        if (i := self.i_total) is not None:
            v = row[i]
            if type(v) is float and v >= 0 and self.unit_total == 1.0:
                total = v
            else:
                total = self._amount(v, "total", self.unit_total, excel_row, findings)
            if total is not None:
                sums["total"] += total
        if (i := self.i_completed) is not None:
            v = row[i]
            if type(v) is float and v >= 0 and self.unit_completed == 1.0:
                completed = v
            else:
                completed = self._amount(v, "completed", self.unit_completed, excel_row, findings)
            if completed is not None:
                sums["completed"] += completed
        if (i := self.i_start) is not None:
            v = row[i]
            start = self.start_cache.get(v) if type(v) is str else None
            cls, finished, recognized, start_text = start or self._start(v)
            if not recognized:
                self.finding(
                    findings,
                    "start-unclassified",
                    "start",
                    excel_row,
                    v,
                    "请选填：新开工、续建、新开工（已竣工）、续建（已竣工）、未开工",
                )
        if (i := self.i_registered) is not None:
            v = row[i]
            if type(v) is str:
                rp = self.reg_cache.get(v)
                if rp is None:
                    rp = self.reg_cache[v] = parse_registered(v)
            else:
                rp = parse_registered(v)
            registered = rp.value
            if not rp.recognized:
                self.finding(findings, "registered-unknown", "registered", excel_row, v)
        # positional: much cheaper than keywords for a 16-field dataclass (field order is
        # pinned by tests/test_parsing.py)
        return ParsedRow(
            excel_row,
            raw,
            name,
            total,
            completed,
            region,
            unit,
            issues,
            start_text,
            cls,
            finished,
            registered,
            False,
            False,
            False,
            findings,
        )


def _one_cell(indexes: list[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """The cells at ``indexes`` (none or one) as a tuple, like a multi-index itemgetter."""
    return lambda row: tuple(row[i] for i in indexes)


@dataclass(slots=True)
class _TopTotal:
    """A 合计/总计 row with no project row above it: it sums the rows below it."""

    row: list[Any]
    excel_row: int

    def check(
        self, ctx: _RowContext, sums: dict[str, float], count: int, out: list[Finding]
    ) -> None:
        """Compare with the project rows read since (``sums`` so far: nothing was summed
        before this row); ``count`` rows in all. No rows below: nothing to compare."""
        if count:
            _check_sum(ctx, self.row, self.excel_row, sums, out, below=True)


def _check_sum(
    ctx: _RowContext,
    row: list[Any],
    excel_row: int,
    sums: dict[str, float],
    out: list[Finding],
    *,
    below: bool = False,
) -> None:
    """Compare a 合计 row's amounts with ``sums``: of the project rows above it, or with
    ``below`` of those below it (a 合计 right under the header)."""
    where = "其下" if below else ""
    block = ctx.block
    for key in ("total", "completed"):
        i = block.columns.get(key)
        if i is None or i >= len(row):
            continue
        a = parse_amount(row[i], unit=block.units.get(key, 1.0))
        if a.value is None:
            continue
        got = sums[key]
        if abs(a.value - got) > 1.0:
            ctx.finding(
                out,
                "sum-mismatch",
                key,
                excel_row,
                row[i],
                f"第{excel_row}行合计为{_fmt(a.value)}，{where}各项目之和为{_fmt(got)}，"
                f"相差{_fmt(a.value - got)}",
            )


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")
