"""The bulletin as Markdown, for pasting into a message: summary and tables.

The complete project lists stay in the workbook; the Markdown carries the summary, the
completion table (and in December the annual assessment), the ranking, the conversion of
planned projects when the report carries the year, the submission status, the projects
to register, the problems reported and the findings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gongjian_cli.render import bulletin_title, make_env
from gongjian_cli.render.listings import findings, issues, severity_text, submissions, unregistered
from gongjian_cli.render.summary import summary_paragraphs
from gongjian_cli.render.yearly import template_context
from gongjian_cli.schema import METRICS

if TYPE_CHECKING:
    import jinja2

    from gongjian_cli.metrics import Report


def render_markdown(report: Report, *, env: jinja2.Environment | None = None) -> str:
    """The bulletin as Markdown text."""
    env = env or make_env()
    return env.get_template("report.md.j2").render(
        report=report,
        title=bulletin_title(report),
        summary=summary_paragraphs(report),
        metrics=METRICS,
        listings=[
            submissions(report),
            unregistered(report),
            issues(report),
            findings(report),
        ],
        severity_text=severity_text,
        **template_context(report),
    )
