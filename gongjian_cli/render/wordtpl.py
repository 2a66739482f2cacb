"""Word templates (docxtpl): find, check and fill one, with errors a clerk can act on.

The 通报 and the 调度单 are Word documents rendered from ``.docx`` templates whose text holds
Jinja2 tags (docxtpl: ``{{ x }}``, ``{%p for … %}``, ``{%tr for … %}``, ``{{r x }}``). The
shipped templates are in ``templates/`` (built by ``templates/make_docx_templates.py``); a
clerk may edit a copy in Word or WPS and pass it with ``--docx-template``. A broken tag in
such a copy gives a :class:`DocxTemplateError` naming the tag and where it is, never a
traceback.

Also here: the wording of the 通报 that lives in the targets file (``[bulletin]``, see
:func:`bulletin_text`), and the run-level helpers the renderers use when they build a table
with python-docx (fonts for East Asian text, bold, alignment).

docxtpl and python-docx are imported inside the functions: ``gongjian --help`` stays fast.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gongjian_cli.errors import GongjianError, TargetsError, UsageError

if TYPE_CHECKING:
    from docxtpl import DocxTemplate

BULLETIN_TEMPLATE = "通报模板.docx"
"""The shipped template of the 通报 (in ``templates/``)."""

BRIEF_TEMPLATE = "调度单模板.docx"
"""The shipped template of a district's 调度单 (in ``templates/``)."""


class DocxTemplateError(GongjianError):
    """A Word template cannot be opened or has a broken tag (exit code 1)."""


# ------------------------------------------------------------------ the targets file


DEFAULT_ADDRESSEE = "各县区、经开区工业经济主管部门，局各有关科室："
DEFAULT_NEXT_STEPS = (
    "（一）加快项目建设。各县区要对照年度目标和时序进度，逐个项目排定节点，"
    "对低于时序进度的指标明确措施、压实责任，确保完成全年目标任务。",
    "（二）推动项目入库。对已开工、总投资1000万元以上尚未入库的项目，"
    "要指导企业完善入库条件，做到应入尽入。",
    "（三）协调解决问题。各包保领导和责任科室要深入县区和项目现场，"
    "协调解决用地、资金、审批等方面的困难和问题。",
    "（四）提高报送质量。各县区要按时报送附件2、附件3，"
    "对退回修改的表格和与上月比对的提醒逐条核实改正。",
)


@dataclass(frozen=True, slots=True)
class BulletinText:
    """The 通报's wording that is not computed: 主送, 署名, 四、下步工作 and the 调度单's
    closing line. Read from the targets file's ``[bulletin]`` table (defaults when absent).

    ``signature`` None means “the city's 经济和信息化局”; ``brief_closing`` may hold
    ``{next_month}`` and ``{deadline}`` (the next month, 6月, and its deadline, 6月25日).
    """

    addressee: str = DEFAULT_ADDRESSEE
    signature: str | None = None
    next_steps: tuple[str, ...] = DEFAULT_NEXT_STEPS
    brief_closing: str = (
        "请于{deadline}前报送{next_month}附件2、附件3，并改正上述错误、核实提醒。"
        "完整清单见月度通报Excel和退回修改文件。"
    )

    def signature_for(self, city: str) -> str:
        """The 署名: as set, else ``{city}经济和信息化局``."""
        return self.signature or f"{city}经济和信息化局"


def bulletin_text(targets_file: Path | None) -> BulletinText:
    """The ``[bulletin]`` table of the targets file (主送 ``addressee``, 署名 ``signature``,
    下步工作 ``next_steps``, 调度单 ``brief_closing``); defaults for what is absent.

    The targets file is read again here (it is small) so that ``targets.py`` need not know
    about the Word documents; its numbers were checked when it was loaded.
    """
    if targets_file is None:
        return BulletinText()
    try:
        data = tomllib.loads(Path(targets_file).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return BulletinText()  # load_targets reported it already, or will
    raw = data.get("bulletin", {})
    if not isinstance(raw, dict):
        raise TargetsError(f"目标任务文件 {Path(targets_file).name}：[bulletin] 应是一张表")
    name = Path(targets_file).name

    def text(key: str, default: str | None) -> str | None:
        value = raw.get(key, default)
        if value is not None and not isinstance(value, str):
            raise TargetsError(f"目标任务文件 {name}：bulletin.{key} 应是文字，实际为 {value!r}")
        return value

    steps = raw.get("next_steps", list(DEFAULT_NEXT_STEPS))
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise TargetsError(f'目标任务文件 {name}：bulletin.next_steps 应是一组文字（["…", "…"]）')
    base = BulletinText()
    return BulletinText(
        addressee=text("addressee", base.addressee) or "",
        signature=text("signature", None),
        next_steps=tuple(s.strip() for s in steps if s.strip()),
        brief_closing=text("brief_closing", base.brief_closing) or "",
    )


# ------------------------------------------------------------------ templates


def template_path(name: str, override: Path | str | None = None) -> Path:
    """The template to use: ``override`` (UsageError when it is not a .docx file there), else
    the shipped ``templates/<name>``."""
    if override is not None:
        path = Path(override)
        if not path.is_file():
            raise UsageError(f"找不到 Word 模板：{path}")
        if path.suffix.lower() != ".docx":
            raise UsageError(f"Word 模板应是 .docx 文件：{path}")
        return path
    from gongjian_cli.targets import templates_dir

    return templates_dir() / name


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_OPEN = re.compile(r"\{\{|\{%|\{#")
_PREFIX = re.compile(r"^(\{[{%])\s*(?:p|tr|tc|r)\s+", re.S)


def _paragraph_texts(xml_root: Any) -> Iterable[str]:
    """The text of each paragraph (runs joined: Word splits a tag over several runs)."""
    from docx.oxml.ns import qn

    for p in xml_root.iter(qn("w:p")):
        yield "".join(t.text or "" for t in p.iter(qn("w:t")))


def _template_parts(tpl: DocxTemplate) -> list[tuple[str, Any]]:
    """(where, xml root) of the body, headers and footers."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml

    doc = tpl.get_docx()
    parts: list[tuple[str, Any]] = [("正文", doc.element.body)]
    for rel in doc.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external:
            where = "页眉" if rel.reltype == RT.HEADER else "页脚"
            parts.append((where, parse_xml(rel.target_part.blob)))
    return parts


def _check_tags(tpl: DocxTemplate, name: str) -> None:
    """Each tag of the template on its own: closed within its paragraph, and an expression
    Jinja can read. DocxTemplateError naming the first broken one."""
    import jinja2

    env = jinja2.Environment()
    for where, root in _template_parts(tpl):
        for text in _paragraph_texts(root):
            rest = _TAG.sub("", text)
            unclosed = _OPEN.search(rest)
            if unclosed:
                fragment = rest[unclosed.start() : unclosed.start() + 30]
                raise DocxTemplateError(
                    f"Word 模板 {name}（{where}）中的标记“{fragment}”没有结束："
                    "{{ }} 和 {% %} 要在同一段里成对出现。"
                    f"所在段落：“{_clip(text)}”"
                )
            for m in _TAG.finditer(text):
                tag = m.group(0)
                if not tag.startswith("{{"):
                    continue
                try:
                    env.parse(_PREFIX.sub(r"\1 ", tag))
                except jinja2.TemplateSyntaxError as exc:
                    raise DocxTemplateError(
                        f"Word 模板 {name}（{where}）中的标记“{tag}”写法有误（{exc.message}）。"
                        f"所在段落：“{_clip(text)}”"
                    ) from None


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _syntax_message(exc: Any, name: str) -> str:
    """A Jinja syntax error of the whole template, in Chinese, naming the tag: the tag that
    holds the word Jinja quotes, else the tags docxtpl shows around the error line."""
    message = str(getattr(exc, "message", "") or exc)
    lines = [x for x in getattr(exc, "docx_context", []) or [] if x]
    tags = list(dict.fromkeys(t for line in lines for t in _TAG.findall(line)))
    unknown = re.search(r"unknown tag '(\w+)'", message)
    if unknown:
        word = unknown.group(1)
        named = [t for t in tags if re.search(rf"\b{word}\b", t)] or [f"{{% {word} %}}"]
        return f"Word 模板 {name} 中有不认识的标记“{named[0]}”（拼写有误？）"
    needed = re.search(r"looking for the following tags: '(\w+)'", message)
    if needed and "end of template" in message:
        return (
            f"Word 模板 {name} 中的标记缺少结束标记“{{% {needed.group(1)} %}}”"
            "（{% for %} 要有 {% endfor %}，{% if %} 要有 {% endif %}）"
        )
    near = f"，在标记 {'、'.join(tags[:3])} 附近" if tags else ""
    return f"Word 模板 {name} 的标记有误{near}（{message}）"


def render_template(
    path: Path, context: Mapping[str, Any], *, fields: Iterable[str] = ()
) -> DocxTemplate:
    """Fill the template at ``path`` with ``context`` (autoescaped: a project name with
    ``<`` or ``&`` stays text); returns the rendered DocxTemplate (its ``.docx`` is the
    python-docx Document, to post-process and save).

    DocxTemplateError (exit 1) when the file is not a Word document, a tag is broken, a
    ``{% for %}`` lacks its end, or a tag names a field the context does not have (the
    message lists ``fields``, the names a template may use).
    """
    import jinja2
    from docxtpl import DocxTemplate

    name = path.name
    try:
        tpl = DocxTemplate(str(path))
        tpl.get_docx()
    except Exception as exc:  # zipfile.BadZipFile, KeyError, lxml errors …
        raise DocxTemplateError(f"Word 模板 {name} 打不开（不是有效的 .docx 文件）：{exc}") from exc
    _check_tags(tpl, name)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    try:
        tpl.render(dict(context), jinja_env=env, autoescape=True)
    except jinja2.UndefinedError as exc:
        known = "、".join(sorted(fields or context))
        field = re.search(r"'([^']+)' is undefined", exc.message or "")
        what = f"“{{{{ {field.group(1)} }}}}”" if field else f"（{exc.message}）"
        raise DocxTemplateError(
            f"Word 模板 {name} 中的标记 {what} 用到了没有的字段；可用的字段：{known}"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise DocxTemplateError(_syntax_message(exc, name)) from None
    except jinja2.TemplateError as exc:
        raise DocxTemplateError(f"Word 模板 {name} 无法填写：{exc}") from None
    return tpl


# ------------------------------------------------------------------ runs and cells


def width_units(text: str) -> float:
    """Printed width in Chinese characters: CJK (and full-width or ambiguous such as “ —)
    count 1, the rest ½."""
    return sum(0.5 if unicodedata.east_asian_width(ch) in "NaH" else 1.0 for ch in text)


def set_run_font(run: Any, east_asia: str, *, latin: str | None = None) -> None:
    """Set a run's fonts, the East Asian one in ``w:eastAsia`` (what Word and WPS use for
    Chinese text; ``run.font.name`` alone sets only the Latin slots)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = run._r.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    latin = latin or east_asia
    for attr, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east_asia)):
        fonts.set(qn(f"w:{attr}"), value)
    fonts.set(qn("w:hint"), "eastAsia")


def has_style(document: Any, name: str) -> bool:
    """The document defines a style named ``name`` (a clerk's template may not)."""
    return any(s.name == name for s in document.styles)


def long_date(day: Any) -> str:
    """2020年6月3日 (成文日期 in Arabic numerals, no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"
