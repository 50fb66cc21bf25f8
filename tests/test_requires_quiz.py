"""``requires_quiz`` as one quiz, a list (each person passes the one for their role) or a per-role
mapping: the model's rule, `handbook check` on it, the service's check of an acknowledgement,
and the pages that explain it (acknowledgement gate, requirements)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from handbook.models.policy import Acknowledgement
from tests.paperwork import check_problems, elements, page_data, words
from tests.records_kit import Service, acknowledgement, project_at, quiz_part

AUDIENCES = {"employee-check": ["employee"], "board-check": ["board-member", "staff-liaison"]}


@pytest.mark.parametrize(("rule", "expected"), [
    ("employee-check", {"employee": "employee-check", "board-member": "employee-check"}),
    (["employee-check", "board-check"],
     {"employee": "employee-check", "board-member": "board-check", "staff-liaison": "board-check",
      "sma": "employee-check"}),  # no quiz for the SMA's role in the list: the first one
    ({"board-member": "board-check", "employee": "employee-check", "mayor": None},
     {"board-member": "board-check", "employee": "employee-check", "mayor": None, "sma": "board-check"}),
    (None, {"employee": None}),
])
def test_the_quiz_each_role_passes(rule, expected):
    ack = Acknowledgement(statement="I have read it.", requires_quiz=rule)
    assert {role: ack.quiz_for(role, AUDIENCES) for role in expected} == expected


def test_every_quiz_the_rule_names_once_in_order():
    ack = Acknowledgement(statement="x", requires_quiz={"a": "q2", "b": "q1", "c": "q2", "d": None})
    assert ack.quiz_ids() == ["q2", "q1"]


POLICY = "policy_source/policies/admin-policy-6.yaml"


@pytest.mark.parametrize(("rule", "message", "at"), [
    ("[admin-policy-6-employee, nope]", "unknown quiz 'nope'", "nope"),
    ("{board-member: admin-policy-6-board, no-role: admin-policy-6-employee}", "unknown role 'no-role'",
     "admin-policy-6-employee}"),
    ("[]", "requires_quiz: name at least one quiz", "\n  statement:"),  # the acknowledgement's first line
])
def test_check_names_each_wrong_part_of_the_rule(project_copy: Path, rule, message, at):
    path = project_copy / POLICY
    text = path.read_text(encoding="utf-8")
    start = text.index("  requires_quiz:")
    text = text[:start] + f"  requires_quiz: {rule}\n" + text[text.index("\n", start) + 1 :]
    path.write_text(text, encoding="utf-8")
    code, lines = check_problems(project_copy)
    line = text[: text.index(at)].count("\n") + 1 + at.startswith("\n")
    assert code == 1 and len(lines) == 1
    assert lines[0].startswith(f"{POLICY}:{line}:") and message in lines[0], lines


@pytest.fixture(scope="module")
def service(built_site: Path, tmp_path_factory: pytest.TempPathFactory):
    app = Service(built_site.parent, built_site, tmp_path_factory.mktemp("rq") / "records.sqlite")
    yield app
    app.close()


def test_the_service_takes_the_quiz_of_the_persons_role(service, built_site):
    """The shipped policy: board members pass the boards quiz, everyone else the employee one."""
    project = project_at(built_site.parent)
    board = acknowledgement(project, "B-7", "Board Member", role="board-member")
    assert board["quiz"]["id"] == "admin-policy-6-board"
    assert service.post("/api/records", board)[0] == 201
    employee = acknowledgement(project, "E-7", "An Employee", role="employee")
    assert employee["quiz"]["id"] == "admin-policy-6-employee"
    assert service.post("/api/records", employee)[0] == 201
    wrong = acknowledgement(project, "E-8", "An Employee", role="employee")
    wrong.update(quiz_part(project, "admin-policy-6-board"))
    status, _, body = service.post("/api/records", wrong)
    assert status == 422
    assert "as role 'employee' requires passing quiz 'admin-policy-6-employee'" in str(body)


def test_board_members_are_asked_to_acknowledge_and_see_which_quiz(built_site):
    project = project_at(built_site.parent)
    requirement = next(r for r in project.requirements_file.requirements if r.acknowledge == "admin-policy-6")
    assert "board-member" in requirement.roles
    html = (built_site / "requirements.html").read_text(encoding="utf-8")
    found = elements(html)
    (row,) = [section for section in found if section.tag == "section"
              and section.attrs.get("aria-labelledby") == f"requirement-{requirement.id}"]
    assert words(row.text).startswith(requirement.title)
    assert "Board/Commission member" in row.text
    links = [a.attrs["href"] for a in found if a.tag == "a" and row in a.parents]
    assert "quizzes/admin-policy-6-board.html" in links and "quizzes/admin-policy-6-employee.html" in links
    assert "passing the self-check for their role" in words(row.text)
    data = page_data((built_site / "acknowledge" / "admin-policy-6.html").read_text(encoding="utf-8"))
    assert data["acknowledgement"]["by_role"]["board-member"] == "admin-policy-6-board"
    assert data["acknowledgement"]["by_role"]["sma"] == "admin-policy-6-employee"


def test_a_starter_handbook_still_names_one_quiz(tmp_path: Path):
    """The single-quiz form stays valid: `handbook new`'s starter uses it."""
    from handbook.new import create

    create(tmp_path / "starter")
    project = project_at(tmp_path / "starter")
    policy = next(p for p in project.policies if p.acknowledgement)
    assert isinstance(policy.acknowledgement.requires_quiz, str)
    shutil.rmtree(tmp_path / "starter")
