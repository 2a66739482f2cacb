#!/usr/bin/env python3
"""Build the two Word templates of `gongjian report`: 通报模板.docx and 调度单模板.docx.

    python templates/make_docx_templates.py            # rewrite both next to this script
    python templates/make_docx_templates.py --out DIR  # into DIR (tests compare the bytes)

The templates are docxtpl templates: Word documents whose text holds Jinja2 tags
(``{{ title }}``, ``{%p for p in overall %}`` …) that ``gongjian_cli.render.docx`` and
``gongjian_cli.render.brief`` fill in. A clerk may open a template in Word or WPS, change the
wording, the fonts or the margins, keep the tags, and pass it with ``--docx-template``.

通报模板.docx follows the official-document layout (GB/T 9704-2012): A4, margins 37 mm top,
35 mm bottom, 28 mm left, 26 mm right; title 方正小标宋简体 二号 centred; body 仿宋_GB2312
三号, 22 lines a page at a fixed 28.95 pt, 28 characters a line (the document grid);
first-level headings 黑体, second-level 楷体_GB2312; page numbers “— 1 —” in 宋体 四号 at the
foot, odd pages right and even pages left, one character in. Its second section is A4
landscape: the attachment, where the renderer puts the progress table in place of the
paragraph ``{{ progress_table }}``.

调度单模板.docx is the one-page working sheet a district's leader gets: A4 portrait, smaller
type, the figures in tables that repeat a row per metric (``{%tr for m in metrics %}``).

Every font is set for East Asian text too (the ``w:eastAsia`` attribute of ``w:rFonts``):
Word and WPS pick the Chinese font from it. The files are byte-for-byte reproducible: fixed
document properties, zip entries with a fixed time.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

HERE = Path(__file__).resolve().parent
BULLETIN = "通报模板.docx"
BRIEF = "调度单模板.docx"

FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"

LINE = 579
"""Body line pitch in twips: 28.95 pt, 22 lines in the 225 mm type area."""

CONDENSE = -5
"""Character spacing of the body in twentieths of a point: −0.25 pt, so that 28 characters
of 三号 (16 pt) fit the 156 mm line (28 × 15.75 pt = 441 pt of 442 pt)."""

CHAR = 315
"""One character of the body in twips (15.75 pt), for indents given in characters."""

FIXED_TIME = datetime(2020, 1, 1, 8, 0, 0)


# ------------------------------------------------------------------ low-level helpers


def _set_fonts(rpr_owner, font: str, *, latin: str | None = None) -> None:
    """Set the run fonts of a style (or rPr owner): East Asian ``font``, Latin ``latin``
    (the same font when None). The eastAsia attribute is what Word/WPS use for Chinese."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    latin = latin or font
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def _ppr_set(style, tag: str, **attrs: str) -> None:
    """Set (or replace) one pPr child with w:-prefixed ``attrs``."""
    ppr = style.element.get_or_add_pPr()
    old = ppr.find(qn(tag))
    if old is not None:
        ppr.remove(old)
    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    ppr.append(el)


def _indent(style, *, first_chars: float = 0, left_chars: float = 0, right_chars: float = 0):
    """Indents in characters (Word's *Chars attributes) with the twips beside them for
    applications that read only those."""
    attrs = {}
    if first_chars > 0:
        attrs["firstLine"] = str(round(first_chars * CHAR))
        attrs["firstLineChars"] = str(round(first_chars * 100))
    elif first_chars < 0:
        attrs["hanging"] = str(round(-first_chars * CHAR))
        attrs["hangingChars"] = str(round(-first_chars * 100))
    else:
        attrs["firstLine"] = "0"
        attrs["firstLineChars"] = "0"
    attrs["left"] = str(round(left_chars * CHAR))
    attrs["leftChars"] = str(round(left_chars * 100))
    attrs["right"] = str(round(right_chars * CHAR))
    attrs["rightChars"] = str(round(right_chars * 100))
    _ppr_set(style, "w:ind", **attrs)


def _para_style(
    doc,
    name: str,
    style_id: str,
    font: str,
    size: float,
    *,
    latin: str | None = None,
    line: float | None = None,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    first_chars: float = 0,
    left_chars: float = 0,
    right_chars: float = 0,
    keep_next: bool = False,
    grid: bool = True,
    bold: bool = False,
    outline: int | None = None,
    before: float = 0,
    after: float = 0,
):
    """A paragraph style with every property set explicitly (no theme fonts, nothing
    inherited that a reader would have to look up)."""
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.element.set(qn("w:styleId"), style_id)
    style.base_style = None
    style.quick_style = True
    style.font.size = Pt(size)
    style.font.bold = bold
    _set_fonts(style.element, font, latin=latin)
    pf = style.paragraph_format
    pf.alignment = align
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing = Pt(line)
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.widow_control = True
    pf.keep_with_next = keep_next
    _indent(style, first_chars=first_chars, left_chars=left_chars, right_chars=right_chars)
    if not grid:  # a title or a table: its own line height, not the body's line grid
        _ppr_set(style, "w:snapToGrid", val="0")
    else:  # the body: 28 characters a line
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(CONDENSE))
        style.element.get_or_add_rPr().append(spacing)
    if outline is not None:
        _ppr_set(style, "w:outlineLvl", val=str(outline))
    return style


def _char_style(doc, name: str, style_id: str, font: str, *, bold: bool = False):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    style.element.set(qn("w:styleId"), style_id)
    style.quick_style = True
    _set_fonts(style.element, font)
    if bold:
        style.font.bold = True
    return style


def _doc_defaults(doc, font: str, size: float) -> None:
    """docDefaults: ``font`` for every script, ``size``, Chinese as the East Asian language
    (so quotation marks and dashes take the full width of a Chinese character)."""
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(rpr):
        rpr.remove(child)
    fonts = OxmlElement("w:rFonts")
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), font)
    rpr.append(fonts)
    for tag in ("w:sz", "w:szCs"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), str(round(size * 2)))
        rpr.append(el)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")
    rpr.append(lang)
    ppr = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    for child in list(ppr):
        ppr.remove(child)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(size)
    _set_fonts(normal.element, font)


def _page(section, *, landscape: bool, top: float, bottom: float, left: float, right: float):
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (
        (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    )
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(24)


def _doc_grid(section) -> None:
    """The document grid: lines at LINE twips (22 a page). No character grid: LibreOffice
    puts a 16 pt character in two 15.79 pt cells of one; the body's characters are
    condensed instead (CONDENSE), which every application honours alike."""
    sect_pr = section._sectPr
    old = sect_pr.find(qn("w:docGrid"))
    if old is not None:
        sect_pr.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE))
    sect_pr.append(grid)


def _page_number(paragraph) -> None:
    """“— N —”: the PAGE field between two dashes (一字线) with a space each side."""

    def run(text: str | None = None):
        r = paragraph.add_run(text)
        return r

    run("— ")
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("value", "1"), ("end", None)):  # fmt: skip
        r = run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
        elif kind == "value":
            r.text = text
        else:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._r.append(fld)
    run(" —")


def _footers(doc, section, style) -> None:
    """Page numbers: odd pages right, even pages left, one character in (GB/T 9704)."""
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = style
        p.alignment = align
        _page_number(p)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(14)
        else:
            p.paragraph_format.left_indent = Pt(14)
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        header.paragraphs[0].style = style


def _para(doc, text: str = "", style=None, *, runs: list[tuple[str, object]] | None = None):
    p = doc.add_paragraph(style=style)
    if runs:
        for t, s in runs:
            p.add_run(t, style=s)
    elif text:
        p.add_run(text)
    return p


def _cell_margins(table, *, top: float = 0, bottom: float = 0, side: float = 1.2) -> None:
    tbl_pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for edge, mm in (("top", top), ("left", side), ("bottom", bottom), ("right", side)):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(round(Mm(mm).twips)) if mm else "0")
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tbl_pr.append(mar)


def _borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tbl_pr.append(borders)


def _fixed_table(doc, rows: int, widths_mm: list[float]):
    """A bordered table with fixed column widths (Word and LibreOffice agree on them)."""
    table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    _borders(table)
    _cell_margins(table)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(w)
    for col, w in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(w)
    return table


def _cell(table, row: int, col: int, text: str, style, *, align=None, shade: str | None = None):
    cell = table.cell(row, col)
    p = cell.paragraphs[0]
    p.style = style
    if align is not None:
        p.alignment = align
    if text:
        p.add_run(text)
    if shade:
        tc_pr = cell._tc.get_or_add_tcPr()
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), shade)
        tc_pr.append(shd)
    return cell


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    tr_pr.append(el)


def _properties(doc, title: str) -> None:
    cp = doc.core_properties
    cp.title = title
    cp.author = "gongjian"
    cp.last_modified_by = "gongjian"
    cp.comments = "gongjian report 的 Word 模板：可改文字、字体和版式，保留双花括号等标记。"
    cp.created = FIXED_TIME
    cp.modified = FIXED_TIME
    cp.last_printed = FIXED_TIME
    cp.revision = 1


def _reproducible(doc) -> bytes:
    """The saved document with every zip entry at a fixed time, in a fixed order."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return out.getvalue()


# ------------------------------------------------------------------ 通报模板.docx


def bulletin_template() -> bytes:
    """通报模板.docx as bytes."""
    doc = Document()
    _doc_defaults(doc, FANGSONG, 16)
    _properties(doc, "月度通报（Word）模板")

    body = _para_style(doc, "公文正文", "GjBody", FANGSONG, 16, line=LINE / 20, first_chars=2)
    title = _para_style(
        doc, "公文标题", "GjTitle", XIAOBIAOSONG, 22, line=35,
        align=WD_ALIGN_PARAGRAPH.CENTER, grid=False, keep_next=True,
    )  # fmt: skip
    addressee = _para_style(doc, "主送机关", "GjAddressee", FANGSONG, 16, line=LINE / 20)
    h1 = _para_style(
        doc, "一级标题", "GjHeading1", HEITI, 16, line=LINE / 20, first_chars=2,
        keep_next=True, outline=0,
    )  # fmt: skip
    _para_style(
        doc, "二级标题", "GjHeading2", KAITI, 16, line=LINE / 20, first_chars=2,
        keep_next=True, outline=1,
    )  # fmt: skip
    h2_run = _char_style(doc, "二级标题字符", "GjHeading2Char", KAITI)
    attach_note = _para_style(
        doc, "附件说明", "GjAttachNote", FANGSONG, 16, line=LINE / 20,
        first_chars=-3, left_chars=5,
    )  # fmt: skip
    signature = _para_style(
        doc, "发文机关署名", "GjSignature", FANGSONG, 16, line=LINE / 20,
        align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2,
    )  # fmt: skip
    date = _para_style(
        doc, "成文日期", "GjDate", FANGSONG, 16, line=LINE / 20,
        align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4,
    )  # fmt: skip
    attach_label = _para_style(
        doc, "附件标识", "GjAttachLabel", HEITI, 16, line=LINE / 20, keep_next=True
    )
    attach_title = _para_style(
        doc, "附件标题", "GjAttachTitle", XIAOBIAOSONG, 18, line=30,
        align=WD_ALIGN_PARAGRAPH.CENTER, grid=False, keep_next=True,
    )  # fmt: skip
    table_note = _para_style(
        doc, "表格说明", "GjTableNote", FANGSONG, 10.5, line=16, grid=False, keep_next=True,
        after=3,
    )  # fmt: skip
    _para_style(
        doc, "表格文字", "GjTable", FANGSONG, 10, line=12, grid=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )  # fmt: skip
    _para_style(
        doc, "表格表头", "GjTableHead", HEITI, 10, line=12, grid=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )  # fmt: skip
    page_number = _para_style(
        doc, "页码", "GjPageNumber", SONGTI, 14, latin=SONGTI, grid=False,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
    )  # fmt: skip

    first = doc.sections[0]
    _page(first, landscape=False, top=37, bottom=35, left=28, right=26)
    _doc_grid(first)
    _footers(doc, first, page_number)

    _para(doc, "{{ title }}", title)
    _para(doc, "", body)  # a blank line under the title
    _para(doc, "{{ addressee }}", addressee)

    for heading, items in (
        ("一、总体情况", None),
        ("二、分县区情况", "districts"),
        ("三、存在问题", "problems"),
        ("四、下步工作", "next_steps"),
    ):
        _para(doc, heading, h1)
        if items is None:
            _para(doc, "{%p for text in overall %}", body)
            _para(doc, "{{ text }}", body)
            _para(doc, "{%p endfor %}", body)
            continue
        # a second-level heading runs into its text: （一）……。 in 楷体, the text in 仿宋
        _para(doc, f"{{%p for item in {items} %}}", body)
        _para(doc, "", body, runs=[("{{ item.head }}", h2_run), ("{{ item.text }}", None)])
        _para(doc, "{%p endfor %}", body)

    _para(doc, "", body)
    _para(doc, "附件：{{ attachment_title }}", attach_note)
    _para(doc, "", body)
    _para(doc, "", body)
    _para(doc, "{{ signature }}", signature)
    _para(doc, "{{ date }}", date)

    second = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(second, landscape=True, top=22, bottom=22, left=30, right=28)
    second.footer_distance = Mm(12)
    _doc_grid(second)
    _para(doc, "附件", attach_label)
    _para(doc, "{{ attachment_title }}", attach_title)
    _para(doc, "{{ table_note }}", table_note)
    _para(doc, "{{ progress_table }}", body)
    return _reproducible(doc)


# ------------------------------------------------------------------ 调度单模板.docx

BRIEF_BODY = 11
"""The working sheet's type size (pt): smaller than the 通报, one page with the samples."""


def brief_template() -> bytes:
    """调度单模板.docx as bytes."""
    doc = Document()
    _doc_defaults(doc, FANGSONG, BRIEF_BODY)
    _properties(doc, "调度单（Word）模板")
    title = _para_style(
        doc, "调度单标题", "GjBriefTitle", XIAOBIAOSONG, 18, line=26,
        align=WD_ALIGN_PARAGRAPH.CENTER, grid=False,
    )  # fmt: skip
    sub = _para_style(
        doc, "调度单副题", "GjBriefSub", KAITI, 12, line=18,
        align=WD_ALIGN_PARAGRAPH.CENTER, grid=False, after=4,
    )  # fmt: skip
    head = _para_style(
        doc, "调度单小标题", "GjBriefHead", HEITI, 12, line=17, grid=False, keep_next=True,
        before=5, after=2,
    )  # fmt: skip
    text = _para_style(
        doc, "调度单正文", "GjBriefText", FANGSONG, BRIEF_BODY, line=15, grid=False,
        align=WD_ALIGN_PARAGRAPH.LEFT, left_chars=0,
    )  # fmt: skip
    note = _para_style(
        doc, "调度单注", "GjBriefNote", FANGSONG, 9.5, line=13, grid=False,
        align=WD_ALIGN_PARAGRAPH.LEFT, before=2,
    )  # fmt: skip
    cell = _para_style(
        doc, "调度单表格", "GjBriefCell", FANGSONG, 10.5, line=14, grid=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )  # fmt: skip
    cell_head = _para_style(
        doc, "调度单表头", "GjBriefCellHead", HEITI, 10.5, line=14, grid=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )  # fmt: skip
    cell_left = _para_style(
        doc, "调度单表格左", "GjBriefCellLeft", FANGSONG, 10.5, line=14, grid=False,
        align=WD_ALIGN_PARAGRAPH.LEFT,
    )  # fmt: skip
    footer_style = _para_style(
        doc, "调度单页脚", "GjBriefFooter", FANGSONG, 9, grid=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )  # fmt: skip

    section = doc.sections[0]
    _page(section, landscape=False, top=16, bottom=14, left=18, right=18)
    section.footer_distance = Mm(7)
    section.header_distance = Mm(7)
    _doc_grid(section)
    section.footer.paragraphs[0].style = footer_style
    section.footer.paragraphs[0].add_run("{{ footer }}")

    _para(doc, "{{ title }}", title)
    _para(doc, "{{ subtitle }}", sub)

    right = WD_ALIGN_PARAGRAPH.RIGHT
    grey = "F2F2F2"
    # who answers for the district, and how its two tables stand
    info = _fixed_table(doc, 2, [26, 60, 26, 62])
    _cell(info, 0, 0, "包保领导", cell_head, shade=grey)
    _cell(info, 0, 1, "{{ leader }}", cell_left)
    _cell(info, 0, 2, "责任科室", cell_head, shade=grey)
    _cell(info, 0, 3, "{{ departments }}", cell_left)
    _cell(info, 1, 0, "附件2报送", cell_head, shade=grey)
    _cell(info, 1, 1, "{{ planned_status }}", cell_left)
    _cell(info, 1, 2, "附件3报送", cell_head, shade=grey)
    _cell(info, 1, 3, "{{ construction_status }}", cell_left)

    _para(doc, "一、目标任务完成情况", head)
    metrics = _fixed_table(doc, 4, [62, 24, 24, 32, 32])
    for c, h in enumerate(("指标", "完成", "年度目标", "完成率", "本月新增")):
        _cell(metrics, 0, c, h, cell_head, shade=grey)
    _repeat_header(metrics.rows[0])
    _cell(metrics, 1, 0, "{%tr for m in metrics %}", cell_left)
    _cell(metrics, 2, 0, "{{ m.label }}", cell_left)
    _cell(metrics, 2, 1, "{{ m.actual }}", cell, align=right)
    _cell(metrics, 2, 2, "{{ m.target }}", cell, align=right)
    _cell(metrics, 2, 3, "{{r m.rate }}", cell, align=right)
    _cell(metrics, 2, 4, "{{ m.change }}", cell, align=right)
    _cell(metrics, 3, 0, "{%tr endfor %}", cell_left)  # tag rows vanish when rendered
    _para(doc, "{{ metrics_note }}", note)

    _para(doc, "二、谋划项目转化", head)
    funnel = _fixed_table(doc, 2, [35, 35, 35, 35, 34])
    for c, h in enumerate(("谋划项目", "已转在建", "已开工", "已入库", "谋划转化率")):
        _cell(funnel, 0, c, h, cell_head, shade=grey)
    for c, key in enumerate(("planned", "in_construction", "started", "registered", "rate")):
        _cell(funnel, 1, c, f"{{{{ conversion.{key} }}}}", cell)
    _para(doc, "{{ conversion_note }}", note)

    for heading, items in (
        ("三、未入库项目{{ unregistered_count }}", "unregistered"),
        ("四、项目存在问题{{ issues_count }}", "issues"),
        ("五、报表中尚未改正的错误{{ errors_count }}", "errors"),
    ):
        _para(doc, heading, head)
        _para(doc, f"{{%p for line in {items} %}}", text)
        _para(doc, "{{ line }}", text)
        _para(doc, "{%p endfor %}", text)
    _para(doc, "{{ closing }}", note)
    return _reproducible(doc)


# ------------------------------------------------------------------ main


def build(out_dir: Path) -> list[Path]:
    """Write both templates into ``out_dir``; the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in ((BULLETIN, bulletin_template), (BRIEF, brief_template)):
        path = out_dir / name
        path.write_bytes(make())
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE, help="folder to write into")
    args = ap.parse_args(argv)
    for path in build(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
