"""`handbook check`: exit codes and one `path:line:col: message` line per problem, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handbook.project import load_project
from tests.conftest import ROOT, copy_project

HANDBOOK = str(Path(sys.executable).parent / "handbook")
POLICY = "policy_source/policies/admin-policy-6.yaml"
LINE = re.compile(r"^[^:]+:\d+:\d+: .+$")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HANDBOOK, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problem_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines[-1].endswith("problem(s) found")
    for line in lines[:-1]:
        assert LINE.match(line), line
    return lines[:-1]


def test_shipped_handbook_is_valid():
    result = run("check", str(ROOT))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok:")


def test_defaults_to_the_current_folder():
    assert run("check", cwd=ROOT).returncode == 0


def test_usage_errors_exit_2(tmp_path):
    assert run("check", str(tmp_path / "missing")).returncode == 2
    assert run("build", "--no-such-option").returncode == 2
    assert run("frobnicate").returncode == 2


def line_of(file: str, text: str) -> int:
    """Line number of ``text`` in the shipped file, so expectations follow edits to the policy."""
    content = (ROOT / file).read_text(encoding="utf-8")
    return content[: content.index(text)].count("\n") + 1


CASES = [
    # (file, old text, new text, expected fragment of one output line)
    (POLICY, "number: \"6\"\n", "number: \"6\"\n  bad: [\n",
     f"{POLICY}:{line_of(POLICY, 'number:') + 1}:3: YAML syntax error"),
    (POLICY, "effective_date: 2022-12-09", "effective_date: [2022]",
     f"{POLICY}:{line_of(POLICY, 'effective_date')}:17: effective_date"),
    (POLICY, "title: Social Media - Business Use\n", "",
     f"{POLICY}:{line_of(POLICY, 'id: admin-policy-6')}:1: missing required field 'title'"),
    (POLICY, "version: \"1\"", "version: \"1\"\nrevision: 2",
     f"{POLICY}:{line_of(POLICY, 'version:') + 1}:1: unknown field 'revision'"),
    (POLICY, "id: procedure.1.b", "id: procedure.1.a", "duplicate clause id 'procedure.1.a' (first at line"),
    (POLICY, "roles: [sma]\n        text: >-", "roles: [smaa]\n        text: >-", "unknown role 'smaa'"),
    (POLICY, "id: admin-policy-6", "id: Admin Policy", "'Admin Policy' is not a valid id"),
    ("policy_source/roles.yaml", "  - id: itm", "  - id: mcs", "duplicate role id 'mcs'"),
    ("policy_source/handbook.yaml", "link: role:sma", "link: role:nobody", "unknown link 'role:nobody'"),
    ("policy_source/handbook.yaml", "#restrictions", "#restrictions.z", "unknown clause 'restrictions.z'"),
    ("mkdocs.yml", "  font: false\n", "  font: 7\n", "mkdocs.yml:"),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), CASES)
def test_each_kind_of_problem_is_one_located_line(project_copy, file, old, new, expected):
    edit(project_copy / file, old, new)
    result = run("check", str(project_copy))
    assert result.returncode == 1
    lines = problem_lines(result)
    assert any(expected in line for line in lines), lines


def test_all_problems_are_reported_in_one_run(project_copy):
    edit(project_copy / POLICY, "roles: [sma]\n        text: >-", "roles: [smaa]\n        text: >-")
    edit(project_copy / "policy_source/roles.yaml", "  - id: itm", "  - id: mcs")
    edit(project_copy / "policy_source/handbook.yaml", "organization:", "organisation:")
    lines = problem_lines(run("check", str(project_copy)))
    assert len(lines) >= 3
    assert {line.split(":")[0] for line in lines} >= {POLICY, "policy_source/roles.yaml"}


@pytest.mark.parametrize(
    ("make_bad", "expected"),
    [
        (lambda p: (p / POLICY).write_bytes(b""), f"{POLICY}:1:1: file is empty"),
        (lambda p: (p / POLICY).write_bytes(b"id: x\ntitle: \xff\n"), f"{POLICY}:2:8: not UTF-8"),
        (lambda p: ((p / "policy_source/roles.yaml").unlink(), (p / "policy_source/roles.yaml").mkdir()),
         "policy_source/roles.yaml:1:1: expected a YAML file but found a folder"),
        (lambda p: (p / "policy_source/handbook.yaml").unlink(),
         "policy_source/handbook.yaml:1:1: missing file"),
        (lambda p: (p / "policy_source/policies/x.yaml").mkdir(), "x.yaml:1:1: expected a YAML file"),
    ],
)
def test_broken_files(project_copy, make_bad, expected):
    make_bad(project_copy)
    lines = problem_lines(run("check", str(project_copy)))
    assert any(expected in line for line in lines), lines


def test_build_refuses_invalid_sources_and_writes_no_site(project_copy):
    edit(project_copy / POLICY, "roles: [sma]\n        text: >-", "roles: [smaa]\n        text: >-")
    result = run("build", str(project_copy))
    assert result.returncode == 1
    assert "unknown role 'smaa'" in result.stderr and "Traceback" not in result.stderr
    assert not (project_copy / "site").exists()


def _mutations() -> st.SearchStrategy[tuple[int, int, str]]:
    junk = st.sampled_from(["", ":", "- ", "  ", "{", "]", "&a", "*a", "!!int x", "\t", "é", "x: [", "'"])
    return st.tuples(st.integers(0, 10_000), st.integers(0, 3), junk)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(_mutations(), min_size=1, max_size=4))
def test_mangled_policy_never_raises(tmp_path_factory, mutations):
    project = copy_project(tmp_path_factory.mktemp("mangled") / "p")
    path = project / POLICY
    lines = path.read_text(encoding="utf-8").splitlines()
    for position, action, junk in mutations:
        i = position % len(lines)
        if action == 0:
            del lines[i]
        elif action == 1:
            lines.insert(i, junk)
        elif action == 2:
            lines[i] = lines[i] + junk
        else:
            lines[i] = junk + lines[i]
    path.write_text("\n".join(lines), encoding="utf-8")
    loaded, problems = load_project(project)
    assert (loaded is None) == bool(problems)
    for problem in problems:
        assert LINE.match(str(problem)), str(problem)
