"""Page addresses, and the ``kind:id#anchor`` links that YAML files use to name pages.

One table says where each kind of page lives; render uses it to write pages and links,
and handbook.checks uses it to check every link a source file makes.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handbook.project import Project

PAGES: dict[str, str] = {
    "home": "index.md",
    "glossary": "glossary.md",
    "roles": "roles/index.md",
    "requirements": "requirements.md",
    "policy": "policies/{id}.md",
    "role": "roles/{id}.md",
    "checklists": "checklists/index.md",
    "checklist": "checklists/{id}.md",
    "forms": "forms/index.md",
    "form": "forms/{id}.md",
    "quizzes": "quizzes/index.md",
    "quiz": "quizzes/{id}.md",
    "acknowledge": "acknowledge/{id}.md",
    "changes": "changes/{id}.md",
}


def page_path(kind: str, ident: str | None = None) -> str:
    """Path of a generated page, relative to the docs folder."""
    return PAGES[kind].format(id=ident)


def reserved_ids(kind: str) -> frozenset[str]:
    """Ids a ``kind`` page may not take: each would replace a generated page in its folder
    (``roles/index.md`` is the list of roles; any ``index.md`` is its folder's section page)."""
    folder = posixpath.dirname(PAGES[kind])
    fixed = [pattern for pattern in PAGES.values() if "{id}" not in pattern]
    taken = {posixpath.splitext(posixpath.basename(p))[0] for p in fixed if posixpath.dirname(p) == folder}
    return frozenset(taken | {"index"})


LINK_KINDS = "kind:id (policy, role, checklist, form, quiz, acknowledge), a page (home, glossary, roles, " \
    "requirements, checklists, forms, quizzes) or another site's address (https://...)"
"""What a step's ``link`` may be: said by the error about a link that is none of them."""

_WEB = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)


def is_web_address(link: str) -> bool:
    """An http:// or https:// address: a step may point to another site."""
    return bool(_WEB.match(link))


def parse_link(link: str) -> tuple[str, str | None, str | None]:
    """``policy:admin-policy-6#procedure.1.a`` -> (kind, id, anchor)."""
    target, _, anchor = link.partition("#")
    kind, _, ident = target.partition(":")
    return kind, ident or None, anchor or None


def known_links(project: Project) -> dict[str, str]:
    """Every link target a source file may name, with the page it resolves to."""
    targets = {kind: page_path(kind) for kind, pattern in PAGES.items() if "{id}" not in pattern}
    if not any(policy.definitions() for policy in project.policies):
        del targets["glossary"]  # no page: nothing is defined
    targets.update({f"policy:{p.id}": page_path("policy", p.id) for p in project.policies})
    targets.update({f"role:{r.id}": page_path("role", r.id) for r in project.roles})
    targets.update({f"checklist:{c.id}": page_path("checklist", c.id) for c in project.checklists})
    targets.update({f"form:{f.id}": page_path("form", f.id) for f in project.forms})
    targets.update({f"quiz:{q.id}": page_path("quiz", q.id) for q in project.quizzes})
    for policy in project.policies:  # a "what changed" page per published version after the first
        for version in project.history.get(policy.id, [])[1:]:
            ident = f"{policy.id}/v{version.version}"
            targets[f"changes:{ident}"] = page_path("changes", ident)
    acknowledged = [p for p in project.policies if p.acknowledgement]
    targets.update({f"acknowledge:{p.id}": page_path("acknowledge", p.id) for p in acknowledged})
    return targets


def html_href(markdown_link: str) -> str:
    """The built address of a Markdown link, for raw HTML (MkDocs rewrites only Markdown links)."""
    path, sep, anchor = markdown_link.partition("#")
    return (path.removesuffix(".md") + ".html" if path.endswith(".md") else path) + sep + anchor


def relative(from_page: str, to_page: str, anchor: str | None = None) -> str:
    """A Markdown link from one generated page to another; MkDocs turns it into a URL."""
    path = _relpath(to_page, posixpath.dirname(from_page) or ".")
    return f"{path}#{anchor}" if anchor else path


@lru_cache(maxsize=65_536)
def _relpath(to_page: str, from_folder: str) -> str:
    """posixpath.relpath, remembered: pages sit in a handful of folders, so a large handbook's
    80,000 links are a few thousand different ones, and each relpath asks the OS for the
    working directory twice."""
    return posixpath.relpath(to_page, from_folder)
