"""Checks on checklists and forms: citations, ids, roles, and no field that asks for a secret."""

from __future__ import annotations

from handbook.checks.common import duplicate_documents, duplicate_ids, known_clauses, known_roles
from handbook.load import Problem
from handbook.models.forms import CREDENTIAL_RULE
from handbook.project import Project


def check_checklists(project: Project) -> list[Problem]:
    problems = duplicate_documents(project.checklists, "checklist")
    for checklist in project.checklists:
        items = list(checklist.items())
        problems += known_roles(project, checklist, [(checklist.role, ("role",))])
        problems += duplicate_ids(checklist, [(item.id, (*loc, "id")) for item, loc in items], "item")
        cited = [(c, (*loc, "cites", k)) for item, loc in items for k, c in enumerate(item.cites)]
        problems += known_clauses(project, checklist, checklist.policy, cited)
    return problems


def credential_rule(project: Project) -> str:
    """The credential rule, naming where the handbook's ``wording`` says credentials go."""
    wording = project.handbook.wording
    if not (wording.credentials_holder and wording.credentials_store):
        return CREDENTIAL_RULE
    return (f"forms must not collect passwords or credentials: give them to {wording.credentials_holder} "
            f"through {wording.credentials_store}, and at most ask for a confirmation checkbox")


def check_forms(project: Project) -> list[Problem]:
    problems = duplicate_documents(project.forms, "form")
    for form in project.forms:
        fields = list(form.fields())
        roles = [(r, ("filed_by", i)) for i, r in enumerate(form.filed_by)]
        roles += [(r, ("send_to", i)) for i, r in enumerate(form.send_to)]
        problems += known_roles(project, form, roles)
        problems += duplicate_ids(form, [(field.id, (*loc, "id")) for field, loc in fields], "field")
        for field, loc in fields:
            options = [(o.id, (*loc, "options", k, "id")) for k, o in enumerate(field.options)]
            problems += duplicate_ids(form, options, "option")
            refused = field.credential()
            if refused:
                attribute, word = refused
                message = f"field {attribute} names a credential ('{word}'): {credential_rule(project)}"
                problems.append(form.source.problem((*loc, attribute), message))
        problems += known_clauses(project, form, form.policy, form.cited())
    return problems
