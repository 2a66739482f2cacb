"""The Word 通报 and the districts' 调度单, read back with python-docx and printed by LibreOffice.

Checked: the official-document layout (A4, margins, fonts with their East Asian names,
fixed line spacing, page numbers “— N —”), that the text says the report's figures, the
landscape attachment with its header rows marked to repeat, the wording from the targets
file, errors for a broken template, the 调度单's content, and — through LibreOffice — the
page counts: the 通报 of the samples' May on 4 portrait pages and 2 landscape ones, each
调度单 on exactly one page.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from office import soffice_convert
from report_ledger import build

from gongjian_cli.cli import cli
from gongjian_cli.ledger import open_ledger
from gongjian_cli.metrics import compute_report
from gongjian_cli.month import Month
from gongjian_cli.render import fmt_pct, write_report
from gongjian_cli.render.brief import TOP, brief_context, write_briefs
from gongjian_cli.render.summary import overall, planning_and_registration
from gongjian_cli.render.word import (
    TITLE_UNITS,
    attachment_title,
    break_lines,
    bulletin_title,
    progress_rows,
)
from gongjian_cli.render.wordtpl import (
    DEFAULT_ADDRESSEE,
    DocxTemplateError,
    bulletin_text,
    render_template,
    width_units,
)
from gongjian_cli.targets import load_targets, templates_dir
from gongjian_cli.year.model import CITY, Conversion, YearView
from gongjian_cli.year.register import attach_to_report, year_view

ROOT = Path(__file__).resolve().parents[1]
ISSUED = date(2020, 6, 3)
FANGSONG, XIAOBIAOSONG, HEITI, KAITI = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"


# ------------------------------------------------------------------ reading Word back


def _chain(style):
    while style is not None:
        yield style
        style = style.base_style


def _defaults_rpr(document):
    return (
        document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    )


def east_asia_font(document, paragraph, run=None) -> str | None:
    """The font Word uses for a run's Chinese text: rFonts/@w:eastAsia of the run, its
    character style, the paragraph's style chain, then docDefaults."""
    owners = []
    if run is not None:
        owners.append(run._r.rPr)
        if run._r.rPr is not None and run._r.rPr.find(qn("w:rStyle")) is not None:
            owners += [s.element.rPr for s in _chain(run.style)]
    owners += [s.element.rPr for s in _chain(paragraph.style)]
    owners.append(_defaults_rpr(document))
    for rpr in owners:
        fonts = None if rpr is None else rpr.find(qn("w:rFonts"))
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            return fonts.get(qn("w:eastAsia"))
    return None


def font_size(paragraph, run=None):
    if run is not None and run.font.size is not None:
        return run.font.size
    for style in _chain(paragraph.style):
        if style.font.size is not None:
            return style.font.size
    return None


def line_spacing(paragraph):
    for style in [None, *_chain(paragraph.style)]:
        pf = paragraph.paragraph_format if style is None else style.paragraph_format
        if pf.line_spacing_rule is not None:
            return pf.line_spacing_rule, pf.line_spacing
    return None, None


def _para(document, text: str):
    return next(p for p in document.paragraphs if p.text.startswith(text))


# ------------------------------------------------------------------ fixtures


def _view(month: Month) -> YearView:
    conversion = {
        "经开区": Conversion(14, 6, 5, 3),
        "枞阳县": Conversion(4, 2, 2, 1),
        "郊区": Conversion(0, 0, 0, 0),
        "义安区": Conversion(2, 1, 1, 0),
        "铜官区": Conversion(16, 8, 6, 5),
        CITY: Conversion(36, 17, 14, 9),
    }
    return YearView(month=month, months=("2020-05",), projects=(), conversion=conversion)


@pytest.fixture
def may(ledger, targets):
    build(ledger)
    report = compute_report(ledger, Month(2020, 5), targets)
    return dataclasses.replace(report, year_view=_view(Month(2020, 5)))


@pytest.fixture
def may_docx(may, targets, tmp_path) -> Path:
    (path,) = write_report(
        may, tmp_path, ["docx"], text=bulletin_text(targets.source), issued=ISSUED
    )
    return path


@pytest.fixture
def document(may_docx):
    return docx.Document(str(may_docx))


# ------------------------------------------------------------------ layout


def test_page_setup_official_layout(document, may_docx):
    assert may_docx.name == "通报-2020-05.docx"
    body, attachment = document.sections[0], document.sections[-1]
    assert len(document.sections) == 2
    assert (round(body.page_width.mm), round(body.page_height.mm)) == (210, 297)
    assert body.orientation == WD_ORIENT.PORTRAIT
    margins = [body.top_margin, body.bottom_margin, body.left_margin, body.right_margin]
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    # the attachment: A4 landscape
    assert attachment.orientation == WD_ORIENT.LANDSCAPE
    assert (round(attachment.page_width.mm), round(attachment.page_height.mm)) == (297, 210)
    # 22 lines of 28.95 pt in the 225 mm type area
    grid = body._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"
    assert 22 * 28.95 <= Mm(297 - 37 - 35).pt < 23 * 28.95


def test_fonts_sizes_and_fixed_line_spacing(document):
    title = document.paragraphs[0]
    assert title.text.startswith("关于2020年1—5月全市")
    assert east_asia_font(document, title, title.runs[0]) == XIAOBIAOSONG
    assert font_size(title, title.runs[0]) == Pt(22)
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER

    body = _para(document, "截至5月底，全市亿元以上重点工业项目")
    assert east_asia_font(document, body, body.runs[0]) == FANGSONG
    assert font_size(body, body.runs[0]) == Pt(16)
    rule, spacing = line_spacing(body)
    assert rule == WD_LINE_SPACING.EXACTLY and abs(spacing.pt - 28.95) < 0.01
    ind = body.style.element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"  # 首行缩进两字

    heading = _para(document, "一、总体情况")
    assert east_asia_font(document, heading, heading.runs[0]) == HEITI
    assert font_size(heading, heading.runs[0]) == Pt(16)
    assert heading.style.paragraph_format.keep_with_next  # never alone at a page foot

    second = _para(document, "（一）报送情况。")
    head_run = second.runs[0]
    assert head_run.text == "（一）报送情况。"
    assert east_asia_font(document, second, head_run) == KAITI
    assert east_asia_font(document, second, second.runs[1]) == FANGSONG

    for p in document.paragraphs:  # every run of the body has its Chinese font named
        for r in p.runs:
            if r.text.strip():
                assert east_asia_font(document, p, r) in {FANGSONG, XIAOBIAOSONG, HEITI, KAITI}


def test_page_numbers_between_dashes(document):
    settings = document.settings.element
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert "PAGE" in "".join(t.text for t in p._p.iter(qn("w:instrText")))
        assert xml.count('w:fldCharType="begin"') == 1
        texts = [t.text for t in p._p.iter(qn("w:t"))]
        assert texts[0] == "— " and texts[-1] == " —"
        assert p.alignment == align
        assert east_asia_font(document, p, p.runs[0]) == "宋体"
        assert font_size(p, p.runs[0]) == Pt(14)


# ------------------------------------------------------------------ content


def test_text_says_the_report_figures(document, may, targets):
    text = "\n".join(p.text for p in document.paragraphs)
    assert overall(may) in text
    assert planning_and_registration(may) in text
    inv = may.total["investment"]
    assert fmt_pct(inv.rate) == "9.2%"
    assert f"完成投资{inv.actual:.2f}亿元，完成年度目标的9.2%" in text
    assert "全市谋划项目36个，已转在建17个、已开工14个、已入库9个，谋划转化率25.0%" in text
    assert "按完成率从高到低依次为：经开区15.8%、" in text
    # 主送, 署名, 日期, 附件说明 as the targets file and the call give them
    assert _para(document, "各县区").text == DEFAULT_ADDRESSEE
    assert "铜陵市经济和信息化局" in text and "2020年6月3日" in text
    assert f"附件：{attachment_title(may)}" in text
    # the four first-level headings, in order
    heads = [p.text for p in document.paragraphs if re.match(r"^[一二三四]、", p.text)]
    assert heads == ["一、总体情况", "二、分县区情况", "三、存在问题", "四、下步工作"]
    assert "（一）加快项目建设。" in text
    # problems: returns, not registered, 存在问题 (with the pipe kept as text), checks
    assert "郊区未报附件2（谋划）、附件3（在建），相关指标按0计" in text
    assert "本月有1个文件被退回（县区未识别“乱码.xlsx”）" in text
    assert "尚未入库的项目3个" in text
    assert "资金不到位 | 待协调" in text
    assert "所用报表校验发现错误" in text


def test_title_lines_are_balanced_and_fit():
    tokens = ["关于", "2020年1—5月", "全市", "“重大工业项目攻坚年”", "目标任务", "完成情况的通报"]
    lines = break_lines(tokens)
    assert lines == ["关于2020年1—5月全市", "“重大工业项目攻坚年”", "目标任务完成情况的通报"]
    assert all(width_units(line) <= TITLE_UNITS for line in lines)
    assert break_lines(["一二三", "四五"], limit=10) == ["一二三四五"]
    assert break_lines(["很长" * 20, "短"], limit=10) == ["很长" * 20, "短"]


def test_title_for_january_and_december(ledger, targets, tmp_path):
    build(ledger)
    for month, span in ((1, "1月"), (12, "全年")):
        report = compute_report(ledger, Month(2020, month), targets)
        assert bulletin_title(report) == (
            f"关于2020年{span}全市“重大工业项目攻坚年”目标任务完成情况的通报"
        )
        (path,) = write_report(report, tmp_path / str(month), ["docx"], issued=ISSUED)
        title = docx.Document(str(path)).paragraphs[0].text
        assert title.replace("\n", "") == bulletin_title(report)


def test_attachment_tables_landscape_repeated_header(document, may):
    body = document.element.body
    section_break = next(
        p for p in body.iter(qn("w:p")) if p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None
    )
    after = list(section_break.itersiblings())
    tables = [el for el in after if el.tag == qn("w:tbl")]
    assert len(tables) == 2 == len(document.tables)  # one a page, in the landscape section
    assert document.sections[-1].orientation == WD_ORIENT.LANDSCAPE
    for table in document.tables:
        rows = table.rows
        assert [r._tr.trPr.find(qn("w:tblHeader")) is not None for r in rows[:3]] == [
            True,
            True,
            False,
        ]
        assert [c.text for c in rows[1].cells][:3] == ["指标", "项目", "全市"]
        assert [c.text for c in rows[0].cells][3:] == [d.leader for d in may.districts]
    # the strings, row by row, are progress_rows'
    got = []
    for table in document.tables:
        for row in table.rows[2:]:
            cells = [c.text for c in row.cells]
            got.append(cells)
    want = progress_rows(may)
    assert [r[2:] for r in got] == [r[2:] for r in want]
    # numbers right-aligned; rates behind time in bold, the others not
    first = document.tables[0]
    rate_row = next(r for r in first.rows if r.cells[1].text == "完成率")
    cells = rate_row.cells[2:]
    for cell, fig in zip(
        cells,
        [may.total["investment"], *(d.metrics["investment"] for d in may.districts)],
        strict=True,
    ):
        p = cell.paragraphs[0]
        assert p.alignment == WD_ALIGN_PARAGRAPH.RIGHT
        assert bool(p.runs[0].bold) == bool(fig.behind), cell.text
    done = next(r for r in first.rows if r.cells[1].text == "完成")
    assert done.cells[2].text == "18.36"


def test_wording_from_the_targets_file(may, tmp_path):
    src = (templates_dir() / "targets-2020.toml").read_text(encoding="utf-8")
    cut = src[: src.index("[bulletin]")]
    custom = tmp_path / "targets.toml"
    custom.write_text(
        cut + '[bulletin]\naddressee = "各有关单位："\nsignature = "某某办公室"\n'
        'next_steps = ["（一）抓紧推进。务必完成。", "没有小标题的一段。"]\n',
        encoding="utf-8",
    )
    text = bulletin_text(load_targets(custom).source)
    (path,) = write_report(may, tmp_path / "a", ["docx"], text=text, issued=ISSUED)
    document = docx.Document(str(path))
    all_text = "\n".join(p.text for p in document.paragraphs)
    assert _para(document, "各有关").text == "各有关单位："
    assert "某某办公室" in all_text and "铜陵市经济和信息化局" not in all_text
    step = _para(document, "（一）抓紧推进。")
    assert [r.text for r in step.runs] == ["（一）抓紧推进。", "务必完成。"]
    assert "没有小标题的一段。" in all_text
    assert "（二）推动项目入库" not in all_text
    # no [bulletin] at all: the defaults
    bare = tmp_path / "bare.toml"
    bare.write_text(cut, encoding="utf-8")
    defaults = bulletin_text(load_targets(bare).source)
    assert defaults.addressee == DEFAULT_ADDRESSEE and len(defaults.next_steps) == 4
    assert defaults.signature_for("铜陵市") == "铜陵市经济和信息化局"


def test_text_from_submissions_stays_text(ledger, targets, tmp_path):
    from datetime import datetime

    from gongjian_cli.ledger import insert_submission, transaction
    from gongjian_cli.models import Identity, ParsedRow, Submission

    row = ParsedRow(4, {}, name="<w:p>项目&amp;", total=20000, completed=1, issues="<b>x</b> & y")
    sub = Submission(
        "f.xlsx", "/f", "h", "s", Identity("郊区", "2020-05", "construction", {}),
        datetime(2020, 5, 1), 3, {}, [row], [],
    )  # fmt: skip
    with transaction(ledger):
        insert_submission(ledger, sub)
    report = compute_report(ledger, Month(2020, 5), targets)
    (path,) = write_report(report, tmp_path, ["docx"], issued=ISSUED)
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "<w:p>项目&amp;<b>x</b> & y" in text
    briefs = write_briefs(report, tmp_path / "b", issued=ISSUED)
    brief_text = "\n".join(p.text for p in docx.Document(str(briefs[2])).paragraphs)
    assert "<w:p>项目&amp;：<b>x</b> & y" in brief_text


# ------------------------------------------------------------------ templates


def _broken(tmp_path: Path, old: str, new: str, *, once: bool = True) -> Path:
    document = docx.Document(str(templates_dir() / "通报模板.docx"))
    for p in document.paragraphs:
        if p.text == old:
            p.runs[0].text = new
            if once:
                break
    path = tmp_path / f"坏模板-{len(list(tmp_path.glob('*.docx')))}.docx"
    document.save(str(path))
    return path


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "ledger.db"
    conn = open_ledger(path)
    build(conn)
    conn.close()
    return path


def _report_cli(db, *args):
    return CliRunner().invoke(
        cli, ["--db", str(db), "report", "--month", "2020-05", *map(str, args)]
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{{ addressee }}", "{{ addressee }", "“{{ addressee }”没有结束"),
        ("{{ signature }}", "{{ signature | }}", "“{{ signature | }}”写法有误"),
        ("{{ addressee }}", "{{ adressee }}", "“{{ adressee }}” 用到了没有的字段"),
        ("{%p endfor %}", "{%p endfro %}", "不认识的标记“{% endfro %}”"),
        ("{%p endfor %}", "", "缺少结束标记“{% endfor %}”"),
    ],
    ids=["unclosed", "syntax", "unknown-field", "misspelt-end", "missing-end"],
)
def test_broken_template_is_a_chinese_error_naming_the_tag(db, tmp_path, old, new, message):
    template = _broken(tmp_path, old, new)
    result = _report_cli(
        db, "--format", "docx", "--out", tmp_path / "out", "--docx-template", template
    )
    assert result.exit_code == 1, result.output
    assert "错误：Word 模板" in result.stderr and message in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "通报-2020-05.docx").exists()


def test_template_errors_from_the_api(tmp_path, may):
    not_docx = tmp_path / "x.docx"
    not_docx.write_text("not a zip", encoding="utf-8")
    with pytest.raises(DocxTemplateError, match="打不开"):
        render_template(not_docx, {})
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--month",
            "2020-05",
            "--format",
            "docx",
            "--docx-template",
            tmp_path / "无.docx",
        ],
    )
    assert result.exit_code == 2 and "找不到 Word 模板" in result.stderr


def _edited_template(tmp_path, name: str, old: str, new: str) -> Path:
    """A copy of the shipped Word template ``name`` with the paragraph ``old`` made ``new``,
    as a clerk edits it in Word."""
    document = docx.Document(str(templates_dir() / name))
    p = next(p for p in document.paragraphs if p.text == old)
    p.runs[0].text = new
    path = tmp_path / f"我的{name}"
    document.save(str(path))
    return path


def test_a_clerks_template_is_used(db, tmp_path):
    path = _edited_template(tmp_path, "通报模板.docx", "{{ signature }}", "{{ signature }}（盖章）")
    result = _report_cli(
        db,
        "--format",
        "docx",
        "--out",
        tmp_path / "o",
        "--docx-template",
        path,
        "--date",
        "2020-06-05",
    )
    assert result.exit_code == 0, result.output
    text = "\n".join(
        p.text for p in docx.Document(str(tmp_path / "o" / "通报-2020-05.docx")).paragraphs
    )
    assert "铜陵市经济和信息化局（盖章）" in text and "2020年6月5日" in text


def test_date_option_is_checked(db, tmp_path):
    result = _report_cli(db, "--format", "docx", "--out", tmp_path, "--date", "6月3日")
    assert result.exit_code == 2 and "日期格式不对" in result.stderr


def test_shipped_templates_are_what_the_script_builds(tmp_path):
    script = ROOT / "templates" / "make_docx_templates.py"
    subprocess.run(
        [sys.executable, str(script), "--out", str(tmp_path)], check=True, capture_output=True
    )
    for name in ("通报模板.docx", "调度单模板.docx"):
        assert (tmp_path / name).read_bytes() == (ROOT / "templates" / name).read_bytes(), name


def test_help_does_not_import_the_word_libraries():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from gongjian_cli.cli import cli\n"
        "CliRunner().invoke(cli, ['--help'])\n"
        "CliRunner().invoke(cli, ['report', '--help'])\n"
        "print(','.join(m for m in ('docx', 'docxtpl', 'lxml') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ------------------------------------------------------------------ 调度单


def test_brief_content(may, tmp_path):
    paths = write_briefs(may, tmp_path, issued=ISSUED)
    assert [p.name for p in paths] == [f"调度单-{d.name}-2020-05.docx" for d in may.districts]
    document = docx.Document(str(paths[0]))  # 经开区
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "经开区“重大工业项目攻坚年”目标任务调度单"
    info = [[c.text for c in r.cells] for r in document.tables[0].rows]
    assert info[0] == ["包保领导", "李勇", "责任科室", "综合科、中小局、铜产业办"]
    assert info[1][1] == "逾期报送（5月27日收到）"
    assert info[1][3] == "按时报送（5月20日收到）"
    metrics = {r.cells[0].text: r for r in document.tables[1].rows[1:]}
    inv = metrics["重点项目投资任务（亿元）"]
    assert [c.text for c in inv.cells[1:]] == ["10.12", "64", "▲15.8%", "+4.12"]
    assert all(r.bold for r in inv.cells[3].paragraphs[0].runs if r.text)  # behind: bold, ▲
    done = metrics["竣工重点项目（个）"]
    assert [c.text for c in done.cells[1:]] == ["1", "—", "—", "+1"]
    assert not any(r.bold for r in done.cells[3].paragraphs[0].runs)
    funnel = [c.text for c in document.tables[2].rows[1].cells]
    assert funnel == ["14", "6", "5", "3", "21.4%"]
    assert "三、未入库项目（共2个）" in text
    assert "1. 超额项目（总投资1.20亿元，是否入库：否）" in text
    assert "四、项目存在问题（共2条）" in text and "1. =SUM(A1:A9)铜箔项目：用地指标未落实" in text
    assert "五、报表中尚未改正的错误（共5处）" in text and "另有提醒2处" in text
    assert "附件2第7行C列“8000”：谋划项目总投资原则上不低于1亿元（10000万元）" in text
    assert "请于6月25日前报送6月附件2、附件3" in text


def test_brief_lists_the_first_five_and_counts_the_rest(may):
    issues = [
        dataclasses.replace(p, issues=f"问题{i}", name=f"项目{i}")
        for i, p in enumerate([may.construction_projects[0]] * 8, start=1)
    ]
    crowded = dataclasses.replace(may, projects=may.projects + tuple(issues))
    context = brief_context(crowded, "经开区")
    assert context["issues_count"] == f"（共10条，列前{TOP}条）"
    assert len(context["issues"]) == TOP + 1
    assert context["issues"][-1] == "……另有5条，见月度通报Excel“问题清单”表"
    long = dataclasses.replace(may.construction_projects[0], issues="很长" * 60, name="项目")
    context = brief_context(dataclasses.replace(may, projects=(long,)), "经开区")
    line = context["issues"][0]
    assert line.endswith("…") and width_units(line) <= 45


def test_briefs_through_the_cli_with_json_on_stdout(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _report_cli(db, "--format", "json", "--briefs", "--date", "2020-06-03")
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip().startswith("{")
    out = tmp_path / "reports" / "2020-05"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"调度单-{d}-2020-05.docx" for d in ("经开区", "枞阳县", "郊区", "义安区", "铜官区")
    )
    assert result.stderr.count("已生成") == 5


# ------------------------------------------------------------------ LibreOffice


def _writer_missing() -> bool:
    program = Path(os.path.realpath(shutil.which("soffice") or "")).parent
    return not any(
        (program / name).exists() for name in ("libswlo.so", "swlo.dll", "libswlo.dylib")
    )


@pytest.fixture
def need_writer(need_soffice) -> None:
    if _writer_missing():
        if os.environ.get("GONGJIAN_REQUIRE_TOOLS"):
            pytest.fail("LibreOffice Writer is required here (GONGJIAN_REQUIRE_TOOLS is set)")
        pytest.skip("LibreOffice Writer not installed (Debian: libreoffice-writer-nogui)")


def pdf_pages(path: Path) -> list[str]:
    """Each page's orientation in a PDF LibreOffice wrote: "portrait" or "landscape"."""
    data = path.read_bytes()
    pages = []
    for obj in data.split(b"endobj"):
        if re.search(rb"/Type\s*/Page(?![a-zA-Z])", obj):
            box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", obj)
            w, h = float(box.group(3)), float(box.group(4))
            pages.append("landscape" if w > h else "portrait")
    return pages


@pytest.mark.soffice
def test_libreoffice_prints_the_samples_as_designed(need_writer, sample_inbox, tmp_path):
    """The samples' May: the 通报 on 4 portrait pages (title, 一 … 四, 署名) and the attachment
    on 2 landscape pages (one table each); each 调度单 on exactly one page."""
    db = tmp_path / "ledger.db"
    collected = CliRunner().invoke(cli, ["--db", str(db), "collect", str(sample_inbox)])
    assert collected.exit_code in (0, 1), collected.output
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["--db", str(db), "report", "--month", "2020-05", "--format", "docx", "--briefs",
         "--out", str(out), "--date", "2020-06-03"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sources = sorted(out.glob("*.docx"))
    assert len(sources) == 6
    pdfs = soffice_convert(sources, "pdf", tmp_path / "pdf", tmp_path / "lo-profile")
    pages = {pdf.stem: pdf_pages(pdf) for pdf in pdfs}
    assert pages["通报-2020-05"] == ["portrait"] * 4 + ["landscape"] * 2
    for name, brief in pages.items():
        if name.startswith("调度单"):
            assert brief == ["portrait"], name

    # and the figures of the samples in the text
    conn = open_ledger(db)
    targets = load_targets()
    report = attach_to_report(
        compute_report(conn, Month(2020, 5), targets), year_view(conn, Month(2020, 5), targets)
    )
    conn.close()
    text = "\n".join(p.text for p in docx.Document(str(out / "通报-2020-05.docx")).paragraphs)
    assert overall(report) in text
    assert "全市亿元以上重点工业项目完成投资30.08亿元，完成年度目标的15.0%" in text


def test_a_clerks_brief_template_is_used(db, tmp_path):
    path = _edited_template(tmp_path, "调度单模板.docx", "二、谋划项目转化", "二、谋划项目转化进展")
    out = tmp_path / "o"
    result = _report_cli(db, "--format", "json", "--out", out, "--briefs", "--brief-template", path)
    assert result.exit_code == 0, result.output
    texts = [
        [p.text for p in docx.Document(str(out / f"调度单-{d}-2020-05.docx")).paragraphs]
        for d in ("经开区", "铜官区")
    ]
    assert all("二、谋划项目转化进展" in t and "二、谋划项目转化" not in t for t in texts)


def test_brief_template_needs_briefs_and_a_docx(db, tmp_path):
    result = _report_cli(db, "--format", "json", "--brief-template", tmp_path / "x.docx")
    assert result.exit_code == 2 and "--brief-template 只用于调度单" in result.stderr
    result = _report_cli(
        db, "--format", "json", "--briefs", "--brief-template", tmp_path / "无.docx"
    )
    assert result.exit_code == 2 and "找不到 Word 模板" in result.stderr
