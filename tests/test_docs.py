"""The project's own documentation names every finding code the program can give."""

from __future__ import annotations

import re
from pathlib import Path

from gongjian_cli.schema import RULES, YEAR_CODES

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "问题代码.md"
REJECTIONS = {
    "corrupt", "encrypted", "not-spreadsheet", "too-large", "zip-bomb", "no-table",
    "missing-columns", "unidentified", "same-table-twice", "internal-error",
}  # fmt: skip


def _documented() -> set[str]:
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", DOC.read_text(encoding="utf-8"), re.M))


def test_every_rule_and_rejection_code_is_documented():
    assert set(RULES) | REJECTIONS <= _documented()
    assert set(YEAR_CODES) <= set(RULES)


def test_rejection_codes_listed_here_are_the_ones_the_code_raises():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "gongjian_cli").rglob("*.py"))
    raised = set(re.findall(r'(?:_reject|FileRejected|_rejection)\(\s*"([a-z-]+)"', source))
    assert raised - {"internal-error"} <= REJECTIONS  # every code raised is listed
    assert {c for c in REJECTIONS if f'"{c}"' not in source} == set()  # and none is stale


def test_readme_links_the_docs_not_a_file_outside_the_project():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme
    assert "docs/问题代码.md" in readme


def test_rules_live_in_docs_and_the_readme_points_there():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rules = (ROOT / "docs" / "规则.md").read_text(encoding="utf-8")
    assert "docs/规则.md" in readme
    assert "**识别（县区、月份、表别）**" not in readme  # moved, not copied
    assert "## 识别（县区、月份、表别）" in rules and "(问题代码.md)" in rules
