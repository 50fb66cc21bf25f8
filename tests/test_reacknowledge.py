"""Questions on what changed: a quiz with ``reacknowledge: changed`` asks a person acknowledging
again only the questions that cite clauses changed since the version they acknowledged, and the
service takes that shorter attempt only from someone with an acknowledgement of that version."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from handbook.build import build
from tests.conftest import copy_project
from tests.lifecycle_kit import NEW_WORDS, OLD_WORDS, change_words, edit, publish, store_records
from tests.records_kit import Service, acknowledgement, project_at, quiz_part

QUIZ = "quizzes/admin-policy-6-employee.yaml"
ON_CHANGED = "version: \"2\"\nreacknowledge: changed\n"


def one_question(project, question_id: str) -> dict:
    """The quiz fields of an attempt of one question, answered right."""
    full = quiz_part(project, "admin-policy-6-employee")
    quiz = next(q for q in project.quizzes if q.id == "admin-policy-6-employee")
    question = quiz.question(question_id)
    answer = [o.id for o in question.choices() if o.correct]
    return {**full, "questions": [question_id], "answers": {question_id: answer}}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("reacknowledge")
    root = copy_project(base / "project")
    edit(root, 'version: "2"\n', ON_CHANGED, QUIZ)
    db = base / "records.sqlite"
    publish(root)
    store_records(db, root, acknowledgement(project_at(root), "E4", "Dana Reader"))
    change_words(root, OLD_WORDS, NEW_WORDS, "2")  # the clause "policy" changes
    publish(root)
    app = Service(root, build(root).site_dir, db)
    yield app
    app.close()


def changed_ids(service: Service) -> dict[str, list[str]]:
    page = service.get("/quizzes/admin-policy-6-employee.html")[2]
    data = re.search(r'data-hb-data="quiz" hidden><script type="application/json">(.*?)</script>', page, re.S)
    return json.loads(data[1])[0]["changed"]


def test_the_quiz_page_knows_the_questions_on_what_changed(service):
    quiz = next(q for q in project_at(service.project).quizzes if q.id == "admin-policy-6-employee")
    citing = [q.id for q in quiz.questions if "policy" in q.cites]
    assert len(citing) == 1 and changed_ids(service) == {"1": citing}


def test_someone_who_acknowledged_the_earlier_version_answers_only_those(service):
    project = project_at(service.project)
    [question] = changed_ids(service)["1"]
    record = acknowledgement(project, "e 4", "Dana Reader", **one_question(project, question))
    status, _, answer = service.post("/api/records", record)
    assert status == 201, answer
    assert answer["score"] == 100.0 and answer["passed"] is True


def test_nobody_else_gets_the_shorter_attempt(service):
    project = project_at(service.project)
    [question] = changed_ids(service)["1"]
    status, _, answer = service.post("/api/records", acknowledgement(project, "E9", "New Person",
                                                                     **one_question(project, question)))
    assert status == 422
    assert answer["problems"] == ["questions: an attempt of quiz 'admin-policy-6-employee' presents 12 "
                                  "questions, not 1"]
    quiz = next(q for q in project.quizzes if q.id == "admin-policy-6-employee")
    other = next(q.id for q in quiz.questions if q.id != question)
    status, _, _ = service.post("/api/records", acknowledgement(project, "E4", "Dana Reader",
                                                                **one_question(project, other)))
    assert status == 422


def test_a_quiz_without_the_option_asks_everything(tmp_path: Path):
    root = copy_project(tmp_path)
    publish(root)
    change_words(root, OLD_WORDS, NEW_WORDS, "2")
    publish(root)
    from handbook.changes import changed_questions

    project = project_at(root)
    assert all(changed_questions(project, quiz) == {} for quiz in project.quizzes)
