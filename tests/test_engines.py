"""Either engine builds the handbook, as a new user runs it: `handbook build --engine zensical`
(or `engine:` in the handbook file) writes the site wherever --site-dir says, with nothing stale
left behind; each engine's own notices reach the user; a Zensical problem is one located line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from handbook.engines import zensical_lines

HANDBOOK = str(Path(sys.executable).with_name("handbook"))


def generator(site: Path) -> str:
    found = re.search(r'<meta name="generator" content="([^"]+)"', (site / "index.html").read_text("utf-8"))
    assert found, "no generator meta tag"
    return found.group(1)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HANDBOOK, *args], capture_output=True, text=True, timeout=300, check=False)


def test_zensical_builds_into_a_site_dir_outside_the_project(project_copy, tmp_path):
    """Zensical refuses a site_dir outside the folder of its config ("site_dir must be within
    project root"); the build still writes the site where it was asked."""
    site = tmp_path / "elsewhere" / "site"
    site.mkdir(parents=True)
    (site / "stale.html").write_text("from an older build", encoding="utf-8")
    done = run("build", str(project_copy), "--engine", "zensical", "--site-dir", str(site))
    assert done.returncode == 0, done.stderr
    assert re.match(rf"built \d+ pages into {re.escape(str(site))} in ", done.stdout)
    assert generator(site).startswith("zensical-")
    assert "Glassdoor" in (site / "policies" / "admin-policy-6.html").read_text(encoding="utf-8")
    assert (site / "quizzes" / "admin-policy-6-employee.html").is_file()
    assert not (site / "stale.html").exists()  # as MkDocs does: the site is this build's alone
    assert "site_dir" not in done.stderr and "Traceback" not in done.stderr


def test_the_handbook_file_chooses_the_engine_and_the_option_overrides_it(project_copy):
    handbook_file = project_copy / "policy_source" / "handbook.yaml"
    text = handbook_file.read_text(encoding="utf-8")
    handbook_file.write_text(f"{text}engine: zensical\n", encoding="utf-8")
    assert run("build", str(project_copy)).returncode == 0
    assert generator(project_copy / "site").startswith("zensical-")
    assert run("build", str(project_copy), "--engine", "mkdocs").returncode == 0
    assert generator(project_copy / "site").startswith("mkdocs-")


def test_an_unknown_engine_in_the_handbook_file_is_one_located_line(project_copy):
    handbook_file = project_copy / "policy_source" / "handbook.yaml"
    lines = handbook_file.read_text(encoding="utf-8").splitlines()
    handbook_file.write_text("\n".join([*lines, "engine: jekyll", ""]), encoding="utf-8")
    done = run("check", str(project_copy))
    assert done.returncode == 1
    problem = next(line for line in done.stderr.splitlines() if "engine" in line)
    assert problem.startswith(f"policy_source/handbook.yaml:{len(lines) + 1}:"), problem
    assert "mkdocs" in problem and "zensical" in problem


def test_material_end_of_life_notice_reaches_the_user_of_mkdocs(project_copy):
    """Material prints it only under the `mkdocs` command; the handbook passes it on, once."""
    done = run("build", str(project_copy), "--engine", "mkdocs")
    assert done.returncode == 0, done.stderr
    notices = [line for line in done.stderr.splitlines() if line.startswith("notice:")]
    assert len(notices) == 1 and "end of life" in notices[0] and "--engine zensical" in notices[0]
    done = run("build", str(project_copy), "--engine", "zensical")
    assert not [line for line in done.stderr.splitlines() if line.startswith("notice:")]


def test_zensical_report_becomes_located_problem_lines(tmp_path):
    """A strict Zensical build that fails on a broken link (column 5: the link target)."""
    docs = tmp_path / "docs"
    (docs).mkdir()
    (docs / "glossary.md").write_text("# Glossary\n\n[x](nowhere.md)\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: T\nsite_dir: out\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "zensical", "build", "--strict", "-f", "mkdocs.yml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    problems, notices = zensical_lines(done.stdout + "\n" + done.stderr, docs)
    assert problems == [f"{docs / 'glossary.md'}:3:5: zensical: page does not exist"]
    assert notices == []
