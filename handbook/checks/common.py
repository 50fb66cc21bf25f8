"""The building blocks every cross-file check uses: unique ids and references that resolve."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from handbook.links import LINK_KINDS, is_web_address, page_path, parse_link, reserved_ids
from handbook.load import Loc, Problem
from handbook.models.base import Document
from handbook.project import Project

TARGET_KINDS = {"role": "roles", "clause": "policy", "link": "*"}
"""What a reference names -> the source kind whose failure to load could explain it."""


def duplicate_ids(document: Document, items: Iterable[tuple[str, Loc]], what: str) -> list[Problem]:
    """A problem at every repeat of an id within one file, naming where it was first used."""
    first: dict[str, Loc] = {}
    problems = []
    for ident, loc in items:
        if ident in first:
            line, _ = document.source.locate(first[ident])
            message = f"duplicate {what} id '{ident}' (first at line {line})"
            problems.append(document.source.problem(loc, message))
        else:
            first[ident] = loc
    return problems


def reserved(document: Document, items: Iterable[tuple[str, Loc]], kind: str) -> list[Problem]:
    """A problem at every id that would overwrite a generated page (``index`` and the like)."""
    taken = reserved_ids(kind)
    return [
        document.source.problem(loc, f"id '{ident}' is taken by a generated page ({page_path(kind, ident)}); "
                                     "choose another")
        for ident, loc in items
        if ident in taken
    ]


def duplicate_documents(documents: Sequence[Document], what: str) -> list[Problem]:
    """A problem at every file whose top-level ``id`` another file already uses, or whose id
    would overwrite a generated page."""
    seen: dict[str, str] = {}
    problems = []
    for document in documents:
        ident = document.id  # type: ignore[attr-defined]
        problems += reserved(document, [(ident, ("id",))], what)
        if ident in seen:
            message = f"duplicate {what} id '{ident}' (also in {seen[ident]})"
            problems.append(document.source.problem(("id",), message))
        seen.setdefault(ident, document.source.display)
    return problems


def unknown(document: Document, loc: Loc, what: str, value: str, known: Iterable[str]) -> Problem:
    """A dangling reference, with the valid choices when there are few enough to list."""
    choices = sorted(known)
    hint = f"; known: {', '.join(choices)}" if 0 < len(choices) <= 12 else ""
    line, col = document.source.locate(loc)
    kind = TARGET_KINDS.get(what, what)
    return Problem(document.source.display, line, col, f"unknown {what} '{value}'{hint}", dangling=kind)


def known_roles(project: Project, document: Document, roles: Iterable[tuple[str, Loc]]) -> list[Problem]:
    """Every (role id, where) names a declared role."""
    role_ids = {role.id for role in project.roles}
    return [unknown(document, loc, "role", role, role_ids) for role, loc in roles if role not in role_ids]


def known_clauses(
    project: Project, document: Document, policy_id: str, cited: Iterable[tuple[str, Loc]]
) -> list[Problem]:
    """A document names its policy (at ``policy``) and cites clause ids of that policy."""
    policies = {policy.id: policy for policy in project.policies}
    if policy_id not in policies:
        return [unknown(document, ("policy",), "policy", policy_id, policies)]
    clauses = policies[policy_id].clause_ids()
    return [unknown(document, loc, "clause", clause, ()) for clause, loc in cited if clause not in clauses]


def known_link(
    project: Project, document: Document, loc: Loc, link: str, links: dict[str, str]
) -> list[Problem]:
    """A ``kind:id#anchor`` link must name a page, and a policy anchor must name a clause."""
    if is_web_address(link):
        return []
    kind, ident, anchor = parse_link(link)
    target = f"{kind}:{ident}" if ident else kind
    if target not in links:
        line, col = document.source.locate(loc)
        message = f"unknown link '{link}': a link is {LINK_KINDS}"
        return [Problem(document.source.display, line, col, message, dangling="*")]
    if anchor and kind == "policy" and anchor not in project.policy(ident or "").clause_ids():
        return [unknown(document, loc, "clause", anchor, ())]
    return []
