"""What the learning-system tests share: the npm packages of tests/scorm (installed once per run
with ``npm ci`` from the lockfile), a package unzipped beside the test LMS page, and serving it."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.installs import one_process_at_a_time

NPM_FOLDER = Path(__file__).resolve().parent / "scorm"
MODULES = NPM_FOLDER / "node_modules"


@one_process_at_a_time(NPM_FOLDER / ".install.lock")
def npm_modules() -> Path:
    """tests/scorm/node_modules as its lockfile says (``npm ci`` when it is missing or older).
    Under CI=true a missing npm is a failure; elsewhere the tests that need it skip."""
    stamp = MODULES / ".package-lock.json"
    lock = NPM_FOLDER / "package-lock.json"
    if stamp.is_file() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return MODULES
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("CI") == "true":
            pytest.fail("npm is missing; .ci/run installs it (apt-get install npm)")
        pytest.skip("npm not installed (apt-get install npm); CI runs these tests")
    done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=NPM_FOLDER,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"npm ci failed in {NPM_FOLDER}:\n{done.stdout}\n{done.stderr}"
    return MODULES


def lms_folder(modules: Path, package: Path, where: Path) -> Path:
    """A folder to serve: the test LMS page, scorm-again's runtime, and ``package`` unzipped
    under ``pkg/``, all on one origin as an LMS serves them."""
    where.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(NPM_FOLDER / "lms.html", where / "lms.html")
    shutil.copytree(modules / "scorm-again" / "dist", where / "scorm-again", dirs_exist_ok=True)
    with zipfile.ZipFile(package) as archive:
        archive.extractall(where / "pkg")
    return where
