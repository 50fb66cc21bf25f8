"""The package as a user gets it: the wheel and the sdist carry every file the tool needs, and
the wheel installed in a fresh venv outside the checkout runs new, check, build, serve and
report from a folder with no checkout in it."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.records_kit import TOKEN, get, post, project_at, quiz_attempt
from tests.served import CLEAN_ENV, Served, stopped_cleanly

LEFT_OUT = {".git", ".venv", "build", "dist", "site", ".handbook", "__pycache__", ".pytest_cache",
            ".ruff_cache", ".mypy_cache", ".hypothesis"}
"""What a checkout holds besides its sources (scratch, caches, builds): not copied to build from."""
ROSTER = """employee_id,name,email,department,roles,hire_date
E100,Ann Example,ann@example.org,Stores,employee;safety-coordinator,2025-01-01
E200,Bo Example,bo@example.org,Stores,employee,2026-01-20
"""


def package_files() -> set[str]:
    """Every file of the package in the checkout, as the wheel names it."""
    folder = ROOT / "handbook"
    return {p.relative_to(ROOT).as_posix() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if ".dist-info/" not in name}


def checked(command: list[str | Path], cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 600) -> str:
    """Run a command; its standard output, once it exited 0 with no traceback."""
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env or CLEAN_ENV,
                            capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 0, f"{command}: {result.stderr}"
    return result.stdout


@dataclass(frozen=True)
class Dist:
    wheel: Path
    sdist: Path
    wheel_from_sdist: Path


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """The wheel as `pip wheel .` makes it, the sdist, and a wheel built from that sdist."""
    base = tmp_path_factory.mktemp("dist")
    source = base / "source"  # a clean copy: building writes build/ and *.egg-info beside the sources
    shutil.copytree(ROOT, source, ignore=lambda _, names: [
        n for n in names if n in LEFT_OUT or n.endswith(".egg-info") or n.startswith("records.sqlite")])
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    checked([*pip, "wheel", "--no-deps", "--quiet", "-w", base / "wheel", source], cwd=base)
    checked([sys.executable, "-m", "build", "--sdist", "--outdir", base / "sdist", source], cwd=base)
    (sdist,) = (base / "sdist").glob("*.tar.gz")
    checked([*pip, "wheel", "--no-deps", "--quiet", "-w", base / "from-sdist", sdist], cwd=base)
    (wheel,) = (base / "wheel").glob("*.whl")
    (from_sdist,) = (base / "from-sdist").glob("*.whl")
    return Dist(wheel, sdist, from_sdist)


@dataclass(frozen=True)
class Installed:
    venv: Path
    work: Path

    def tool(self, name: str) -> Path:
        return self.venv / "bin" / name


@pytest.fixture(scope="module")
def installed(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel in a fresh venv far from the checkout; dependencies come from the package index."""
    base = tmp_path_factory.mktemp("installed")
    assert not base.is_relative_to(ROOT)
    venv = base / "venv"
    checked([sys.executable, "-m", "venv", venv], cwd=base)
    checked([venv / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", dist.wheel], cwd=base)
    work = base / "work"
    work.mkdir()
    return Installed(venv, work)


def test_the_wheel_holds_every_file_of_the_package(dist):
    assert wheel_files(dist.wheel) == package_files()


def test_the_sdist_builds_the_same_wheel(dist):
    with tarfile.open(dist.sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        names = {name.removeprefix(f"{top}/") for name in archive.getnames()}
    assert package_files() | {"pyproject.toml", "README.md"} <= names
    assert wheel_files(dist.wheel_from_sdist) == wheel_files(dist.wheel)


def test_the_installed_package_is_the_venvs_not_the_checkout(installed):
    printed = checked([installed.tool("python"), "-c",
                       "import handbook, sys; from handbook.resources import builtin_templates, hr_templates;"
                       "print(handbook.__file__, builtin_templates(), hr_templates(), sep='\\n')"],
                      cwd=installed.work)
    for line in printed.splitlines():
        path = Path(line).resolve()
        assert path.is_relative_to(installed.venv.resolve()) and not path.is_relative_to(ROOT), path


@pytest.fixture
def town(installed: Installed) -> Iterator[Path]:
    """`handbook new town`, made by the installed package in the folder with no checkout."""
    shutil.rmtree(installed.work / "town", ignore_errors=True)
    printed = checked([installed.tool("handbook"), "new", "town"], cwd=installed.work)
    assert "cd town && handbook preview" in printed
    yield installed.work / "town"


def test_new_check_build_serve_and_report_with_no_checkout(installed, town):
    handbook = installed.tool("handbook")
    assert checked([handbook, "check", "town"], cwd=installed.work).startswith("ok:")
    checked([handbook, "build", "town"], cwd=installed.work)
    assert (town / "site" / "policies" / "hazard-reporting.html").is_file()

    project = project_at(town)
    record = quiz_attempt(project, "hazard-reporting-self-check", role="safety-coordinator")
    env = {**CLEAN_ENV, "HANDBOOK_ADMIN_TOKEN": TOKEN}
    server = Served([handbook, "serve", "town", "--port", "0"], installed.work, env)
    try:
        status, _, page = get(server.url + "/policies/hazard-reporting.html")
        assert status == 200 and "Hazard and Incident Reporting" in page
        status, _, answer = post(server.url + "/api/records", record)
        assert status == 201 and answer["passed"] is True, answer
        assert get(server.url + "/api/export/quiz-attempts.csv")[0] == 401
        status, _, exported = get(server.url + "/api/export/quiz-attempts.csv",
                                  {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200
        (row,) = csv.DictReader(io.StringIO(exported))
        assert (row["record_id"], row["employee_id"], row["passed"]) == (record["id"], "E100", "yes")
    finally:
        code = server.stop()
    assert stopped_cleanly(code) and "Traceback" not in server.output(), server.output()

    (town / "roster.csv").write_text(ROSTER, encoding="utf-8")
    status_csv = checked([handbook, "report", "--roster", "roster.csv", "--html", "out.html",
                          "--as-of", "2026-02-01"], cwd=town)
    statuses = {(r["employee_id"], r["requirement_id"]): r["status"]
                for r in csv.DictReader(io.StringIO(status_csv))}
    assert statuses == {
        ("E100", "acknowledge-hazard-reporting"): "overdue",
        ("E100", "safety-coordinator-self-check"): "complete",
        ("E200", "acknowledge-hazard-reporting"): "missing",
    }
    html = (town / "out.html").read_text(encoding="utf-8")
    assert "Example Organisation" in html and "Bo Example" in html
