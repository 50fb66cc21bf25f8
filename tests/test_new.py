"""`handbook new`: a neutral starter handbook that checks and builds as written."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from handbook.build import build
from handbook.project import SOURCE_KINDS, load_project
from handbook.schema import render_schema, schemas

HANDBOOK = str(Path(sys.executable).parent / "handbook")
SCHEMA_COMMENT = re.compile(r"\A# yaml-language-server: \$schema=(\S+)\n")
SHIPPED_WORDS = re.compile(
    r"glastonbury|\btowns?\b|social[\s-]*media|\bsmas?\b|\bmcs\b|\bitm\b|admin-policy|facebook",
    re.IGNORECASE,
)
"""Anything of the shipped handbook (its town, its roles, its subject) that must not leak."""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([HANDBOOK, *args], capture_output=True, text=True, cwd=cwd, timeout=120)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def tree(folder: Path) -> dict[str, bytes]:
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in files}


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = tmp_path_factory.mktemp("new")
    result = run("new", "hb", cwd=parent)
    assert result.returncode == 0, result.stderr
    return parent / "hb"


def test_new_prints_the_next_steps(tmp_path):
    result = run("new", "my handbook", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "  cd 'my handbook' && handbook preview" in result.stdout.splitlines()
    assert (tmp_path / "my handbook" / "policy_source" / "handbook.yaml").is_file()


def test_the_starter_checks_as_written(starter):
    result = run("check", str(starter))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 1 policies, 2 roles")


def test_the_starter_builds_every_kind_of_page(starter, tmp_path):
    copy = tmp_path / "hb"
    shutil.copytree(starter, copy)
    project, problems = load_project(copy)
    assert problems == [] and project is not None
    site = build(copy).site_dir
    (policy,) = project.policies
    pages = [
        "index.html", "glossary.html", "roles/index.html", "requirements.html", "checklists/index.html",
        "forms/index.html", "quizzes/index.html",
        f"policies/{policy.id}.html", f"acknowledge/{policy.id}.html",
        *(f"roles/{role.id}.html" for role in project.roles),
        *(f"checklists/{checklist.id}.html" for checklist in project.checklists),
        *(f"forms/{form.id}.html" for form in project.forms),
        *(f"quizzes/{quiz.id}.html" for quiz in project.quizzes),
    ]
    missing = [page for page in pages if not (site / page).is_file()]
    assert missing == []
    home = (site / "index.html").read_text(encoding="utf-8")
    assert project.handbook.site_title in home
    text = (site / f"policies/{policy.id}.html").read_text(encoding="utf-8")
    for clause, _ in policy.walk():
        assert f'id="{clause.id}"' in text


def test_the_starter_shows_each_kind_of_source(starter):
    """What an author copies from: every kind of file, with the policy's usual shape."""
    project, _ = load_project(starter)
    assert project is not None
    (policy,) = project.policies
    assert len(project.roles) == 2
    assert [len(kind) for kind in (project.checklists, project.forms, project.quizzes)] == [1, 1, 1]
    assert project.requirements_file.requirements
    assert policy.acknowledgement is not None and policy.acknowledgement.requires_quiz
    assert policy.definitions(), "a definitions section"
    numbered = [s for s in policy.sections if s.title and s.label and s.clauses]
    assert len(numbered) >= 2, "two titled sections with sub-clauses"
    for section in numbered:
        labels = [clause.label for clause in section.clauses]
        assert labels == [f"{letter}." for letter in "abcdefgh"[: len(labels)]] and len(labels) >= 3
    kinds = {question.kind for question in project.quizzes[0].questions}
    assert kinds == {"single", "multiple", "true-false", "scenario"}


def test_every_yaml_file_names_its_schema(starter):
    for kind in SOURCE_KINDS:
        target = starter / kind.path
        files = sorted(target.glob("*.yaml")) if kind.many else [target]
        assert files, f"the starter has no {kind.name} file"
        for file in files:
            found = SCHEMA_COMMENT.match(file.read_text(encoding="utf-8"))
            assert found, f"{file.relative_to(starter)} does not start with its $schema comment"
            schema = (file.parent / found.group(1)).resolve()
            assert schema == (starter / "schemas" / f"{kind.name}.schema.json").resolve()
            assert schema.read_text(encoding="utf-8") == render_schema(schemas()[kind.name])
    assert SCHEMA_COMMENT.match((starter / "mkdocs.yml").read_text(encoding="utf-8"))


def test_nothing_of_the_shipped_handbook(starter):
    leaks = []
    for name, content in tree(starter).items():
        if name.startswith("schemas/"):
            continue  # written from the models, not the starter
        for number, line in enumerate(content.decode("utf-8").splitlines(), 1):
            leaks += [f"{name}:{number}: {found}" for found in SHIPPED_WORDS.findall(line)]
    assert leaks == []


def test_a_folder_that_is_not_empty_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    before = tree(tmp_path)
    result = run("new", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{tmp_path}: folder is not empty; choose a new folder, or use --force to write into it"]
    assert tree(tmp_path) == before


def test_force_writes_into_a_folder_and_leaves_other_files(tmp_path, starter):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: old\n", encoding="utf-8")
    result = run("new", str(tmp_path), "--force")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    written = tree(tmp_path)
    del written["notes.txt"]
    assert written == tree(starter)
    assert run("check", str(tmp_path)).returncode == 0


def test_a_folder_that_cannot_be_made_is_one_line(tmp_path):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    result = run("new", str(tmp_path / "file" / "hb"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"{tmp_path / 'file' / 'hb'}: Not a directory"]
