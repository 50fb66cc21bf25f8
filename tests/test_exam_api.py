"""Exams graded by the service, in-process through the ASGI app on SQLite and PostgreSQL:
the attempt carries no key, the service grades and stores every attempt, and each refusal
(unknown quiz, expired, answered twice, over the limit, another person, waiting period) is
a JSON answer with a message."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import copy_project
from tests.records_kit import Service, project_at, quiz_attempt, set_records_settings

SMA = "admin-policy-6-sma"
BOARD = "admin-policy-6-board"


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped project, with the SMA exam allowing 2 attempts and the board quiz an exam
    with a 30-minute wait between attempts."""
    root = copy_project(tmp_path_factory.mktemp("exams") / "project")
    set_records_settings(root, endpoint="/api/records", rate_limit_per_minute=100_000)
    sma = root / "quizzes" / f"{SMA}.yaml"
    text = sma.read_text(encoding="utf-8")
    sma.write_text(text.replace("attempts: 5\n", "attempts: 2\n"), encoding="utf-8")
    board = root / "quizzes" / f"{BOARD}.yaml"
    text = board.read_text(encoding="utf-8")
    board.write_text(text.replace("\npass_mark:", "\ngrading: service\nwait_minutes: 30\npass_mark:", 1),
                     encoding="utf-8")
    policy = root / "policy_source" / "policies" / "admin-policy-6.yaml"  # an exam cannot gate it
    text = policy.read_text(encoding="utf-8")
    text = re.sub(r"requires_quiz: .*", "requires_quiz: admin-policy-6-employee", text)
    policy.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def project(project_dir: Path):
    loaded = project_at(project_dir)
    assert next(q for q in loaded.quizzes if q.id == BOARD).wait_minutes == 30
    return loaded


@pytest.fixture(scope="module")
def service(project_dir: Path, built_site: Path, tmp_path_factory: pytest.TempPathFactory, new_db):
    app = Service(project_dir, built_site, new_db(tmp_path_factory.mktemp("db")))
    yield app
    app.close()


def person(employee_id: str, name: str = "Sam Example", role: str = "sma") -> dict[str, Any]:
    return {"person": {"employee_id": employee_id, "name": name, "department": "Parks", "role": role,
                       "email": None}}


def start(service: Service, employee_id: str, quiz: str = SMA, **extra: Any) -> tuple[int, Any]:
    status, _, body = service.post(f"/api/exams/{quiz}/attempts", {**person(employee_id), **extra})
    return status, body


def right_answers(project, attempt: dict[str, Any], correct: bool = True) -> dict[str, list[str]]:
    """Every question of an attempt answered from the key (or every wrong option)."""
    quiz = next(q for q in project.quizzes if q.id == attempt["quiz"]["id"])
    answers = {}
    for asked in attempt["questions"]:
        question = quiz.question(asked["id"])
        chosen = [o.id for o in question.choices() if o.correct == correct]
        answers[asked["id"]] = chosen if question.multiple or correct else chosen[:1]
    return answers


def answer(service: Service, attempt_id: str, employee_id: str,
           answers: dict[str, list[str]]) -> tuple[int, Any]:
    status, _, body = service.post(f"/api/exams/attempts/{attempt_id}/answers",
                                   {"employee_id": employee_id, "answers": answers})
    return status, body


def attempts_csv(service: Service) -> list[dict[str, str]]:
    status, _, text = service.get("/api/export/quiz-attempts.csv", service.auth())
    assert status == 200
    return list(csv.DictReader(io.StringIO(text, newline="")))


def key_texts(project, quiz_id: str) -> list[str]:
    quiz = next(q for q in project.quizzes if q.id == quiz_id)
    return [o.text for q in quiz.questions for o in q.choices() if o.correct and q.kind != "true-false"]


def test_an_attempt_carries_no_key_and_its_grade_is_stored_as_an_exam_record(service, project):
    status, attempt = start(service, " e-exam 1 ")
    assert status == 201, attempt
    quiz = next(q for q in project.quizzes if q.id == SMA)
    assert attempt["person"]["employee_id"] == "E-EXAM1"
    assert len(attempt["questions"]) == quiz.presented and attempt["number"] == 1
    assert attempt["expires_at"] > attempt["started_at"]
    text = json.dumps(attempt)
    for question in attempt["questions"]:
        assert set(question) == {"id", "kind", "select", "scenario", "prompt", "options"}
        assert all(set(option) == {"id", "text"} for option in question["options"])
        full = quiz.question(question["id"])
        assert full.explanation not in text
        assert {o["id"] for o in question["options"]} == {o.id for o in full.choices()}
    status, graded = answer(service, attempt["attempt"], "E-EXAM1", right_answers(project, attempt))
    assert status == 201, graded
    assert graded["score"] == 100.0 and graded["passed"] is True and graded["record"]["status"] == "stored"
    assert all(q["verdict"] == "correct" for q in graded["questions"])
    row = next(r for r in attempts_csv(service) if r["record_id"] == graded["record"]["id"])
    stored = (row["employee_id"], row["source"], row["passed"], row["attempt"])
    assert stored == ("E-EXAM1", "exam", "yes", "1")
    assert row["questions"].split("; ") == [q["id"] for q in attempt["questions"]]


def test_a_failed_attempt_is_stored_too(service, project):
    status, attempt = start(service, "E-fail")
    wrong = right_answers(project, attempt, correct=False)
    status, graded = answer(service, attempt["attempt"], "E-fail", wrong)
    assert status == 201 and graded["passed"] is False and graded["score"] == 0.0
    assert any(q["feedback"] for q in graded["questions"])  # the chosen wrong options say why
    row = next(r for r in attempts_csv(service) if r["record_id"] == graded["record"]["id"])
    assert row["passed"] == "no" and row["source"] == "exam"


def test_an_open_attempt_is_given_back_not_redrawn(service):
    first = start(service, "E-resume")[1]
    status, again = start(service, "e-resume")
    assert status == 200 and again["resumed"] is True
    assert again["attempt"] == first["attempt"] and again["questions"] == first["questions"]


def test_an_unknown_exam_and_a_self_check_are_not_found(service):
    assert start(service, "E1", quiz="no-such-quiz")[0] == 404
    status, body = start(service, "E1", quiz="admin-policy-6-employee")
    assert status == 404 and "self-check" in body["detail"]
    status, body = answer(service, "00000000-0000-4000-8000-000000000000", "E1", {})
    assert status == 404 and "no exam attempt" in body["detail"]


def test_a_second_submission_of_one_attempt_is_refused(service, project):
    attempt = start(service, "E-twice")[1]
    answers = right_answers(project, attempt)
    assert answer(service, attempt["attempt"], "E-twice", answers)[0] == 201
    status, body = answer(service, attempt["attempt"], "E-twice", answers)
    assert status == 409 and "already answered" in body["detail"]
    mine = [r for r in attempts_csv(service) if r["employee_id"] == "E-TWICE"]
    assert len(mine) == 1


def test_another_persons_attempt_is_refused(service, project):
    attempt = start(service, "E-owner")[1]
    status, body = answer(service, attempt["attempt"], "E-intruder", right_answers(project, attempt))
    assert status == 403 and "another person" in body["detail"]
    assert answer(service, attempt["attempt"], "e-owner", right_answers(project, attempt))[0] == 201


def test_an_expired_attempt_is_refused(service, project):
    attempt = start(service, "E-late")[1]
    with service.store.database.connection() as db:  # its hour passed
        db.execute("UPDATE exam_attempts SET expires_at = '2020-01-01T00:00:00Z' WHERE id = ?",
                   (attempt["attempt"],))
    status, body = answer(service, attempt["attempt"], "E-late", right_answers(project, attempt))
    assert status == 410 and "expired" in body["detail"]
    assert not [r for r in attempts_csv(service) if r["employee_id"] == "E-LATE"]


def test_the_attempt_limit_is_per_person_whatever_the_spelling_of_the_id(service, project):
    for spelling in ("E-limit", "e-limit "):
        attempt = start(service, spelling)[1]
        assert answer(service, attempt["attempt"], spelling, right_answers(project, attempt, False))[0] == 201
    status, body = start(service, "E-LIMIT")
    assert status == 403 and "all 2 attempts" in body["detail"]
    assert start(service, "E-other")[0] == 201  # another person is not limited by it


def test_the_waiting_period_between_attempts(service, project):
    attempt = start(service, "E-wait", quiz=BOARD)[1]
    assert answer(service, attempt["attempt"], "E-wait", right_answers(project, attempt, False))[0] == 201
    status, headers, body = service.post(f"/api/exams/{BOARD}/attempts", person("E-wait"))
    assert status == 429 and "opens at" in body["detail"]
    assert 1700 < int(headers["retry-after"]) <= 1801
    with service.store.database.connection() as db:  # half an hour later
        db.execute("UPDATE exam_attempts SET submitted_at = '2020-01-01T00:00:00Z' WHERE id = ?",
                   (attempt["attempt"],))
    assert start(service, "E-wait", quiz=BOARD)[0] == 201


def test_answers_that_do_not_fit_are_refused_and_keep_the_attempt_open(service, project):
    attempt = start(service, "E-typo")[1]
    status, body = answer(service, attempt["attempt"], "E-typo", {"no-such-question": ["x"]})
    assert status == 422 and "not asked" in body["detail"]
    assert answer(service, attempt["attempt"], "E-typo", right_answers(project, attempt))[0] == 201


def test_a_person_block_is_checked_like_a_records(service):
    status, _, body = service.post(f"/api/exams/{SMA}/attempts", {"person": {"employee_id": "E1"}})
    assert status == 422 and "person.name" in body["detail"]
    status, _, body = service.post(f"/api/exams/{SMA}/attempts", person("E1", role="no-such-role"))
    assert status == 422 and "unknown role" in body["detail"]


def test_an_exam_cannot_be_sent_as_a_self_graded_record(service, project):
    status, _, body = service.post("/api/records", quiz_attempt(project, SMA, employee_id="E-bypass"))
    assert status == 422 and "is an exam" in body["detail"]


def test_attempts_in_progress_survive_a_restart(project_dir, built_site, tmp_path, project, new_db):
    db = new_db(tmp_path)
    first = Service(project_dir, built_site, db)
    try:
        attempt = start(first, "E-restart")[1]
    finally:
        first.close()
    second = Service(project_dir, built_site, db)
    try:
        again = start(second, "E-restart")[1]
        assert again["attempt"] == attempt["attempt"] and again["resumed"] is True
        assert answer(second, attempt["attempt"], "E-restart", right_answers(project, attempt))[0] == 201
    finally:
        second.close()


def test_the_exam_endpoints_are_in_openapi(service):
    status, _, document = service.get("/api/openapi.json")
    assert status == 200
    paths = document["paths"]
    assert "/api/exams/{quiz_id}/attempts" in paths and "/api/exams/attempts/{attempt_id}/answers" in paths
    refusals = paths["/api/exams/attempts/{attempt_id}/answers"]["post"]["responses"]
    assert {"403", "404", "409", "410", "429"} <= set(refusals)
