"""HR's HTML pages from one Jinja environment: the completion report (one self-contained page,
no scripts, nothing from elsewhere) and the sign-in page."""

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
               "exports": (), "no_report": "", "as_of": "", "roster_problems": (), "csrf": "", **extra}
    return _environment.get_template("report.html.j2").render(context)


def render_login(title: str, message: str, error: bool, enabled: bool, csrf: str = "") -> str:
    """The HR sign-in page (a form that POSTs the token; never a link that carries it)."""
    context = {"title": title, "message": message, "error": error, "enabled": enabled, "csrf": csrf}
    return _environment.get_template("login.html.j2").render(context)
