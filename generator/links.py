"""Page addresses, and the ``kind:id#anchor`` links that YAML files use to name pages.

One table says where each kind of page lives; render uses it to write pages and links,
and crossref uses it to check every link a source file makes.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.project import Project

PAGES: dict[str, str] = {
    "home": "index.md",
    "glossary": "glossary.md",
    "roles": "roles/index.md",
    "policy": "policies/{id}.md",
    "role": "roles/{id}.md",
}


def page_path(kind: str, ident: str | None = None) -> str:
    """Path of a generated page, relative to the docs folder."""
    return PAGES[kind].format(id=ident)


def parse_link(link: str) -> tuple[str, str | None, str | None]:
    """``policy:admin-policy-6#procedure.1.a`` -> (kind, id, anchor)."""
    target, _, anchor = link.partition("#")
    kind, _, ident = target.partition(":")
    return kind, ident or None, anchor or None


def known_links(project: Project) -> dict[str, str]:
    """Every link target a source file may name, with the page it resolves to."""
    targets = {kind: page_path(kind) for kind, pattern in PAGES.items() if "{id}" not in pattern}
    targets.update({f"policy:{p.id}": page_path("policy", p.id) for p in project.policies})
    targets.update({f"role:{r.id}": page_path("role", r.id) for r in project.roles})
    return targets


def relative(from_page: str, to_page: str, anchor: str | None = None) -> str:
    """A Markdown link from one generated page to another; MkDocs turns it into a URL."""
    path = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    return f"{path}#{anchor}" if anchor else path
