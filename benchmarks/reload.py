"""Live reload: from saving a YAML file to the rebuilt page being served by ``handbook preview``."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.report import SuiteResult
from benchmarks.servers import running
from benchmarks.workspace import HANDBOOK, copy_project, free_port, median

TITLE = "Live reload"
EDITS = 7
BROWSER_POLL = 0.4  # seconds between the open page's version checks (RELOAD_SCRIPT in preview.py)
REBUILT = re.compile(r"rebuilt \d+ pages in ([\d.]+) s")


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        text: str = response.read().decode("utf-8")
        return text


def wait_for(check: Callable[[], Any], timeout: float, step: float = 0.01) -> Any:
    """Poll ``check`` until it returns something true; its value, or TimeoutError."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(step)
    raise TimeoutError("handbook preview did not answer in time")


def _policy(project: Path) -> Path:
    return sorted((project / "policy_source" / "policies").glob("*.yaml"))[0]


def _edit_title(path: Path, original: str, marker: str) -> None:
    """Append a marker to the policy's top-level title (a JSON string is a valid YAML scalar)."""
    match = re.search(r"^title:\s*(.*)$", original, re.M)
    assert match, f"no top-level title in {path}"
    current = json.loads(match[1]) if match[1].startswith('"') else match[1].strip().strip("'")
    new = f"{original[: match.start()]}title: {json.dumps(f'{current} {marker}')}{original[match.end():]}"
    path.write_text(new, encoding="utf-8")


def _measure_edits(base: str, policy: Path, page: str) -> tuple[list[float], list[float]]:
    original = policy.read_text(encoding="utf-8")
    to_version: list[float] = []
    to_page: list[float] = []

    def current() -> int:
        number: int = json.loads(fetch(f"{base}/__handbook/version"))["version"]
        return number

    version = current()
    for n in range(EDITS):
        time.sleep(0.6)  # a new mtime, and the watcher idle again, as after a person's edit
        marker = f"ReloadMark{n}x"
        saved = time.perf_counter()
        _edit_title(policy, original, marker)
        wait_for(lambda: current() > version, 30)  # noqa: B023 (called before the loop moves on)
        to_version.append(time.perf_counter() - saved)
        wait_for(lambda: marker in fetch(f"{base}/{page}"), 30)  # noqa: B023
        to_page.append(time.perf_counter() - saved)
        version = current()
    policy.write_text(original, encoding="utf-8")
    return to_version, to_page


def run(work: Path) -> SuiteResult:
    result = SuiteResult("reload", TITLE)
    project = copy_project(work / "project")
    policy = _policy(project)
    page = f"policies/{policy.stem}.html"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = work / "preview.log"
    started = time.perf_counter()
    with running([*HANDBOOK, "preview", str(project), "--port", str(port)], port, log_path):
        wait_for(lambda: json.loads(fetch(f"{base}/__handbook/version"))["version"] >= 1, 120, 0.05)
        startup = time.perf_counter() - started
        to_version, to_page = _measure_edits(base, policy, page)
    rebuilds = [float(s) for s in REBUILT.findall(log_path.read_text(encoding="utf-8"))]
    how = f"{EDITS} edits of the policy's title in a copy of the shipped project, 0.6 s apart; median (max)"
    result.figure("start: process start to first page served", f"{startup:.2f} s",
                  "`handbook preview` on a free port; until /__handbook/version reports the first build")
    result.figure("save to /__handbook/version bumped",
                  f"{median(to_version):.2f} s ({max(to_version):.2f} s)",
                  f"{how}; the file watcher polls every 0.25 s, then waits 0.05 s for the editor to finish")
    result.figure("save to the rebuilt page served", f"{median(to_page):.2f} s ({max(to_page):.2f} s)",
                  f"{how}; polling the policy page every 10 ms until the new title is in it")
    if rebuilds:
        result.figure("rebuild itself", f"{median(rebuilds):.2f} s ({max(rebuilds):.2f} s)",
                      "what `handbook preview` prints per rebuild (load, render, MkDocs into a new folder)")
    seen = median(to_page) + BROWSER_POLL
    result.figure("save to reload in an open browser (worst case)", f"{seen:.2f} s",
                  f"the median above plus the open page's {BROWSER_POLL} s version poll")
    result.target("YAML edit to reloaded page < 2 s (shipped handbook)",
                  f"{median(to_page):.2f} s served, {seen:.2f} s worst case in a browser", seen < 2)
    return result
