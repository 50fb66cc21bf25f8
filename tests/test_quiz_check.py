"""Quiz sources through `handbook check`: every rule reported as path:line:col, all at once,
the coverage line, and the shipped quizzes' content and coverage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handbook.cli import main
from handbook.coverage import uncited_clauses
from handbook.project import load_project

ROOT = Path(__file__).resolve().parent.parent

BROKEN = """\
# yaml-language-server: $schema=../schemas/quiz.schema.json
id: broken
title: Broken
policy: admin-policy-6
audience: [employee, janitor]
version: "1"
pass_mark: 80
draw: 9
questions:
  - id: two-right
    kind: single
    prompt: Which?
    options:
      - {id: a, text: A, correct: true}
      - {id: b, text: B, correct: true}
    cites: [procedure.1.a]
    explanation: E
  - id: none-right
    kind: multiple
    prompt: Which?
    options:
      - {id: a, text: A}
      - {id: a, text: B}
    cites: [procedure.9]
    explanation: E
  - id: two-right
    kind: true-false
    prompt: True?
    options:
      - {id: a, text: A}
    cites: [purpose]
    explanation: E
  - id: no-scene
    kind: scenario
    prompt: What now?
    options:
      - {id: a, text: A, correct: true}
      - {id: b, text: B}
    cites: [purpose]
    explanation: E
"""


def run_check(project: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["check", str(project)])
    return result.exit_code, result.output.splitlines()


def position(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based line and column of the nth occurrence of needle."""
    index = -1
    for _ in range(nth):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def expect(lines: list[str], text: str, needle: str, message: str, nth: int = 1) -> None:
    line, col = position(text, needle, nth)
    wanted = f"quizzes/broken.yaml:{line}:{col}: "
    found = [item for item in lines if item.startswith(wanted) and message in item]
    assert found, f"no {wanted}...{message!r} in:\n" + "\n".join(lines)


def test_every_quiz_rule_is_reported_at_its_line_in_one_run(project_copy):
    (project_copy / "quizzes" / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    code, lines = run_check(project_copy)
    assert code == 1
    expect(lines, BROKEN, "janitor", "unknown role 'janitor'")
    expect(lines, BROKEN, "9\n", "draw 9 is more than the 4 questions in the pool")
    expect(lines, BROKEN, "- {id: a, text: A, correct: true}", "needs 1 correct option, not 2")
    expect(lines, BROKEN, "- {id: a, text: A}\n", "needs at least one correct option")
    expect(lines, BROKEN, "a, text: B}", "duplicate option id 'a' (first at line 22)")
    expect(lines, BROKEN, "procedure.9", "unknown clause 'procedure.9'")
    expect(lines, BROKEN, "two-right", "duplicate question id 'two-right' (first at line 10)", nth=2)
    expect(lines, BROKEN, "id: two-right", "needs answer: true/false", nth=2)  # no answer key: its question
    expect(lines, BROKEN, "- {id: a, text: A}\n", "a true-false question has no options", nth=2)
    expect(lines, BROKEN, "scenario\n", "a scenario question needs scenario")
    assert lines[-1] == "10 problem(s) found"


@pytest.mark.parametrize(
    ("value", "message"), [("0", "greater than or equal to 1"), ("101", "less than or equal to 100")]
)
def test_pass_mark_must_be_1_to_100(project_copy, value, message):
    path = project_copy / "quizzes" / "admin-policy-6-board.yaml"
    text = path.read_text(encoding="utf-8").replace("pass_mark: 80", f"pass_mark: {value}")
    path.write_text(text, encoding="utf-8")
    code, lines = run_check(project_copy)
    line, col = position(text, f"pass_mark: {value}")
    assert code == 1
    assert any(
        item.startswith(f"quizzes/admin-policy-6-board.yaml:{line}:{col + 11}: pass_mark") and message in item
        for item in lines
    ), lines


def test_acknowledgement_must_name_a_quiz_on_its_policy(project_copy):
    path = project_copy / "policy_source" / "policies" / "admin-policy-6.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "requires_quiz: [admin-policy-6-employee,", "requires_quiz: [no-such-quiz,"
    )
    path.write_text(text, encoding="utf-8")
    code, lines = run_check(project_copy)
    line, col = position(text, "no-such-quiz")
    assert code == 1
    assert (
        f"policy_source/policies/admin-policy-6.yaml:{line}:{col}: unknown quiz 'no-such-quiz'"
        in "\n".join(lines)
    )


def test_a_quiz_naming_an_unknown_policy_is_reported(project_copy):
    path = project_copy / "quizzes" / "admin-policy-6-board.yaml"
    text = path.read_text(encoding="utf-8").replace("policy: admin-policy-6", "policy: admin-policy-99")
    path.write_text(text, encoding="utf-8")
    code, lines = run_check(project_copy)
    line, col = position(text, "admin-policy-99")
    assert code == 1
    assert any(
        item.startswith(f"quizzes/admin-policy-6-board.yaml:{line}:{col}: unknown policy") for item in lines
    )


def test_check_prints_coverage_after_the_ok_line(project_copy):
    code, lines = run_check(project_copy)
    assert code == 0
    assert lines[0].startswith("ok: ")
    assert lines[1] == "coverage: every clause is cited by a quiz question"
    dropped = {"policy", "definitions", "discipline"}
    for path in (project_copy / "quizzes").glob("*.yaml"):
        quiz = yaml.safe_load(path.read_text(encoding="utf-8"))
        for question in quiz["questions"]:
            question["cites"] = [c for c in question["cites"] if c not in dropped] or ["purpose"]
        path.write_text(yaml.safe_dump(quiz, sort_keys=False), encoding="utf-8")
    code, lines = run_check(project_copy)
    assert code == 0
    # "definitions" is a heading over clauses, with no words of its own to test: not counted.
    assert lines[1] == "coverage: 2 clauses no quiz cites: policy, discipline"


def shipped():
    project, problems = load_project(ROOT)
    assert problems == [] and project is not None
    return project


def test_sma_quiz_cites_every_clause_with_words():
    project = shipped()
    policy = project.policy("admin-policy-6")
    wanted = [clause.id for clause, _ in policy.walk() if clause.text]
    assert len(wanted) == 26  # purpose, policy, 4 definitions, procedure 1 and a-f, restrictions...
    sma = next(quiz for quiz in project.quizzes if quiz.id == "admin-policy-6-sma")
    cited = {clause for question in sma.questions for clause in question.cites}
    assert [cid for cid in wanted if cid not in cited] == []


def test_shipped_quizzes_have_the_promised_size_and_shape():
    quizzes = {quiz.id: quiz for quiz in shipped().quizzes}
    employee, sma, board = (quizzes[f"admin-policy-6-{name}"] for name in ("employee", "sma", "board"))
    assert len(employee.questions) >= 12 and employee.audience == ["employee"]
    assert len(sma.questions) >= 25 and sma.scoring == "all-or-nothing"
    assert sum(q.kind == "scenario" for q in sma.questions) > len(sma.questions) / 2
    assert len(board.questions) >= 12 and set(board.audience) == {"board-member", "staff-liaison"}
    kinds = {q.kind for quiz in quizzes.values() for q in quiz.questions}
    assert kinds == {"single", "multiple", "true-false", "scenario"}
    assert all(q.explanation and q.cites for quiz in quizzes.values() for q in quiz.questions)
    assert uncited_clauses(shipped()) == []


def test_every_wrong_option_says_why_and_no_multiple_answer_question_is_mostly_right():
    for quiz in shipped().quizzes:
        for question in quiz.questions:
            wrong = [o for o in question.options if not o.correct]
            assert all(o.feedback for o in wrong), (quiz.id, question.id)
            if question.multiple:  # not "3 or 4 of 4 correct": at least as many wrong as right
                right = len(question.options) - len(wrong)
                assert len(wrong) >= 2 and right <= len(wrong), (quiz.id, question.id)


@pytest.mark.parametrize("clause", ["no-retaliation", "discipline"])
def test_every_attempt_of_every_shipped_quiz_asks_about_retaliation_and_discipline(clause):
    """A draw leaves out pool - draw questions: more questions than that must cite the clause."""
    for quiz in shipped().quizzes:
        citing = sum(clause in question.cites for question in quiz.questions)
        left_out = len(quiz.questions) - quiz.presented
        assert citing > left_out, (quiz.id, clause, citing, left_out)


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
QUESTION_FIELDS = ["id", "kind", "scenario", "prompt", "select", "options", "answer", "cites", "explanation"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_damaged_quiz_gives_located_problems_never_a_traceback(project_copy, data):
    quiz = yaml.safe_load((ROOT / "quizzes" / "admin-policy-6-board.yaml").read_text(encoding="utf-8"))
    quiz["id"] = "fuzz"
    for _ in range(data.draw(st.integers(1, 4))):
        if data.draw(st.booleans()):
            quiz[data.draw(st.sampled_from([*quiz, "extra"]))] = data.draw(JUNK)
        else:
            questions = quiz.get("questions")
            question = (
                data.draw(st.sampled_from(questions)) if isinstance(questions, list) and questions else {}
            )
            if isinstance(question, dict):
                question[data.draw(st.sampled_from(QUESTION_FIELDS))] = data.draw(JUNK)
    (project_copy / "quizzes" / "fuzz.yaml").write_text(yaml.safe_dump(quiz), encoding="utf-8")
    project, problems = load_project(project_copy)
    assert (project is None) == bool(problems)
    for problem in problems:
        assert re.fullmatch(r"quizzes/fuzz\.yaml:\d+:\d+: .+", str(problem)), str(problem)
