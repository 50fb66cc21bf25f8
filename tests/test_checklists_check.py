"""`handbook check` on broken checklists: exit 1 and the exact `path:line:col: message`."""

from __future__ import annotations

from pathlib import Path

import pytest

from handbook.project import load_project
from tests.conftest import ROOT
from tests.paperwork import at, check_problems, write_broken

FILE = "policy_source/checklists/zz-test.yaml"
GOOD = """\
# yaml-language-server: $schema=../../schemas/checklist.schema.json
id: test-list
policy: admin-policy-6
role: sma
version: "1"
title: Test list
sections:
  - title: Only section
    items:
      - id: first
        text: Respond to comments and messages in a timely manner.
        cites: [procedure.1.e]
      - id: second
        text: Retain social media records with the ITM and MCS.
        cites: [procedure.1.f]
"""


def broken(project: Path, old: str, new: str) -> str:
    return write_broken(project, FILE, GOOD, old, new)


def test_a_good_checklist_passes(project_copy):
    (project_copy / FILE).write_text(GOOD, encoding="utf-8")
    assert check_problems(project_copy) == (0, [])


CASES = {
    "dangling citation": (
        "cites: [procedure.1.e]", "cites: [procedure.1.e, procedure.1.z]",
        "procedure.1.z", "unknown clause 'procedure.1.z'",
    ),
    "duplicate item id": (
        "- id: second", "- id: first", "first", "duplicate item id 'first' (first at line 10)",
    ),
    "unknown policy": (
        "policy: admin-policy-6", "policy: admin-policy-99",
        "admin-policy-99", "unknown policy 'admin-policy-99'; known: admin-policy-6",
    ),
    "unknown role": ("role: sma", "role: intern", "intern", "unknown role 'intern'"),
    "item without citation": (
        "cites: [procedure.1.f]", "cites: []", "id: second",
        "sections[0].items[1]: cite the clauses this comes from (cites: [...]) or mark it as the "
        "organisation's practice (practice: true)",
    ),
    "note neither cited nor practice": (
        "cites: [procedure.1.f]", "cites: [procedure.1.f]\n        note: {text: File the form.}",
        "{text: File the form.}",
        "sections[0].items[1].note: cite the clauses this comes from (cites: [...]) or mark it as "
        "the organisation's practice (practice: true)",
    ),
    "misspelt field": ("        text: Retain", "        txt: Retain", "txt", "unknown field 'txt'"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_broken_checklist_is_reported_exactly(project_copy, case):
    old, new, needle, message = CASES[case]
    text = broken(project_copy, old, new)
    occurrence = 2 if case == "duplicate item id" else 1
    code, lines = check_problems(project_copy)
    assert code == 1
    wanted = f"{FILE}:{at(text, needle, occurrence)}: {message}"
    assert any(line == wanted or line.startswith(wanted + ";") for line in lines), (wanted, lines)


@pytest.mark.parametrize(
    "old, new, needle",
    [
        ("""    items:
      - id: first
        text: Respond to comments and messages in a timely manner.
        cites: [procedure.1.e]
      - id: second
        text: Retain social media records with the ITM and MCS.
        cites: [procedure.1.f]
""", "    items: []\n", "[]"),
        ("""sections:
  - title: Only section
    items:
      - id: first
        text: Respond to comments and messages in a timely manner.
        cites: [procedure.1.e]
      - id: second
        text: Retain social media records with the ITM and MCS.
        cites: [procedure.1.f]
""", "sections: []\n", "[]"),
    ],
    ids=["empty section", "no sections"],
)
def test_an_empty_checklist_is_an_error(project_copy, old, new, needle):
    text = broken(project_copy, old, new)
    code, lines = check_problems(project_copy)
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(f"{FILE}:{at(text, needle)}: ")
    assert lines[0].endswith("a checklist needs at least one item")


def test_a_second_checklist_with_a_taken_id_names_the_first_file(project_copy):
    text = broken(project_copy, "id: test-list", "id: sma")
    code, lines = check_problems(project_copy)
    assert code == 1
    assert lines == [
        f"{FILE}:{at(text, 'sma')}: duplicate checklist id 'sma' (also in policy_source/checklists/sma.yaml)"
    ]


def test_every_role_has_a_checklist_citing_only_real_clauses():
    project, problems = load_project(ROOT)
    assert problems == [] and project is not None
    assert {c.role for c in project.checklists} == {r.id for r in project.roles} - {"town-manager"}
    clauses = project.policy("admin-policy-6").clause_ids()
    for checklist in project.checklists:
        for item, _ in checklist.items():
            assert item.cites and set(item.cites) <= set(clauses), (checklist.id, item.id)
