"""The completion report as one self-contained HTML page (no scripts, nothing from elsewhere)."""

from __future__ import annotations

from typing import Any

import jinja2

from handbook.records.report import Report
from handbook.resources import hr_templates

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(hr_templates()), autoescape=True, undefined=jinja2.StrictUndefined
)


def render_report(report: Report | None, title: str, **extra: Any) -> str:
    """The report page; ``extra`` adds what the live /hr page shows (downloads, totals)."""
    context = {"report": report, "title": title, "live": False, "generated": None, "totals": None,
               "exports": (), "no_report": "", "as_of": "", "roster_problems": (), **extra}
    return _environment.get_template("report.html.j2").render(context)
