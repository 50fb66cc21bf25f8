"""`handbook check` and exams: a certification graded in the browser is a warning (exit 0),
an exam's own fields on a self-check and an exam required by an acknowledgement are errors."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from handbook.cli import main

SMA = Path("quizzes") / "admin-policy-6-sma.yaml"


def check(project: Path) -> tuple[int, list[str], list[str]]:
    result = CliRunner().invoke(main, ["check", str(project)])
    return result.exit_code, result.stdout.splitlines(), result.stderr.splitlines()


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_the_shipped_certification_is_an_exam_and_draws_no_warning(project_copy):
    code, out, err = check(project_copy)
    assert code == 0 and out[0].startswith("ok: ") and err == []
    assert "grading: service\n" in (project_copy / SMA).read_text(encoding="utf-8")


def test_a_self_graded_certification_is_a_warning_line_not_a_failure(project_copy):
    text = edit(project_copy / SMA, "grading: service\n", "")
    code, out, err = check(project_copy)
    assert code == 0 and out[0].startswith("ok: ")
    assert err == [f"quizzes/admin-policy-6-sma.yaml:{line_of(text, 'title:')}:8: warning: quiz "
                   "'admin-policy-6-sma' is titled as a certification but is a self-check, its answer key "
                   "in the page; set grading: service to have the records service grade it"]


def test_a_quiz_required_as_a_certification_is_warned_about_whatever_its_title(project_copy):
    edit(project_copy / SMA, "grading: service\n", "")
    edit(project_copy / SMA, 'title: "SMA certification: ', 'title: "SMA quiz: ')
    code, _, err = check(project_copy)
    assert code == 0 and len(err) == 1
    assert "is required by 'sma-certification' as a certification but is a self-check" in err[0]


def test_an_exams_wait_on_a_self_check_is_an_error(project_copy):
    path = project_copy / "quizzes" / "admin-policy-6-board.yaml"
    text = edit(path, "\npass_mark:", "\nwait_minutes: 30\npass_mark:")
    code, _, out = check(project_copy)  # problems go to stderr
    assert code == 1
    assert (f"quizzes/admin-policy-6-board.yaml:{line_of(text, 'wait_minutes')}:15: "
            "wait_minutes is for exams (grading: service)") in out


def test_an_acknowledgement_cannot_require_an_exam(project_copy):
    path = project_copy / "policy_source" / "policies" / "admin-policy-6.yaml"
    text = edit(path, "requires_quiz: [admin-policy-6-employee,", "requires_quiz: [admin-policy-6-sma,")
    code, _, out = check(project_copy)  # problems go to stderr
    assert code == 1
    line = line_of(text, "requires_quiz: [admin-policy-6-sma")
    assert any(item.startswith(f"policy_source/policies/admin-policy-6.yaml:{line}:")
               and "'admin-policy-6-sma' is an exam" in item for item in out)
