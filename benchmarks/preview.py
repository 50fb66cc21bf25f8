"""Preview at scale: from a save to the open page's new words, and to the whole site, at 1, 10 and
100 policies; beside the full rebuild each save used to wait for (the peer, same run)."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.reload import _edit_title, _policy, fetch, wait_for
from benchmarks.report import SuiteResult
from benchmarks.servers import running
from benchmarks.synthetic import make_handbook
from benchmarks.workspace import HANDBOOK, free_port, median

TITLE = "Preview of a large handbook"
SIZES = (1, 10, 100)
EDITS = {1: 3, 10: 3, 100: 2}
TARGET = 1.0  # seconds from a save to the open page's new words, at 100 policies
WAIT = 3600.0  # seconds a first build or a full rebuild may take on a machine shared with others
BROWSER_POLL = 0.4  # the open page's version check (RELOAD_SCRIPT in handbook/preview.py)
REBUILT = re.compile(r"rebuilt \d+ pages in ([\d.]+) s")
RENDERED = re.compile(r"rendered \S+ in ([\d.]+) s")


class OpenPage:
    """What an open page does: ask for the version, with its address, every 0.4 s."""

    def __init__(self, base: str, page: str) -> None:
        self.url = f"{base}/__handbook/version?page=/{page}"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self.stop.wait(BROWSER_POLL):
            try:
                fetch(self.url)
            except OSError:
                continue

    def state(self) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(fetch(self.url))
        return answer

    def __enter__(self) -> OpenPage:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)


def _measure(base: str, policy: Path, page: str, edits: int) -> tuple[list[float], list[float]]:
    """Seconds from each save to the open page's new words, and to the full build being served."""
    original = policy.read_text(encoding="utf-8")
    to_page: list[float] = []
    to_site: list[float] = []
    with OpenPage(base, page) as browser:
        for n in range(edits):
            wait_for(lambda: not browser.state()["updating"], WAIT, 0.1)
            version = browser.state()["version"]
            time.sleep(1.0)  # a new mtime, the page known to be open, the watcher idle
            marker = f"FastMark{n}x"
            saved = time.perf_counter()
            _edit_title(policy, original, marker)
            wait_for(lambda: marker in fetch(f"{base}/{page}"), WAIT, 0.02)  # noqa: B023
            to_page.append(time.perf_counter() - saved)
            wait_for(lambda: (s := browser.state())["version"] > version and not s["updating"],  # noqa: B023
                     WAIT, 0.05)
            to_site.append(time.perf_counter() - saved)
    policy.write_text(original, encoding="utf-8")
    return to_page, to_site


def run(work: Path) -> SuiteResult:
    result = SuiteResult("preview", TITLE)
    rows = []
    page_at: dict[int, float] = {}
    rebuild_at: dict[int, float] = {}
    for count in SIZES:
        project = make_handbook(work / f"synthetic-{count}", count)
        policy = _policy(project)
        page = f"policies/{policy.stem}.html"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = work / f"preview-{count}.log"
        with running([*HANDBOOK, "preview", str(project), "--port", str(port)], port, log_path, WAIT):
            wait_for(lambda: json.loads(fetch(f"{base}/__handbook/version"))["version"] >= 1, WAIT, 0.1)  # noqa: B023
            to_page, to_site = _measure(base, policy, page, EDITS[count])
        log = log_path.read_text(encoding="utf-8")
        rebuilds = [float(s) for s in REBUILT.findall(log)]
        renders = [float(s) for s in RENDERED.findall(log)]
        page_at[count], rebuild_at[count] = median(to_page), median(rebuilds)
        rows.append([
            str(count), f"{median(to_page):.2f} s ({max(to_page):.2f} s)",
            f"{median(renders):.2f} s" if renders else "none",
            f"{median(to_site):.2f} s ({max(to_site):.2f} s)", f"{median(rebuilds):.2f} s",
            f"{page_at[count] / rebuild_at[count]:.2f}x",
        ])
    result.table(
        "Save to served, `handbook preview` with the edited policy's page open (median (max))",
        ["policies", "save to the open page's new words", "fast render itself", "save to the whole site",
         "full rebuild (the peer: what a save used to wait for)", "open page / full rebuild"], rows)
    result.note(
        f"Each size: {', '.join(f'{n} (size {s})' for s, n in EDITS.items())} edits of the policy's title "
        "(it is in the page, the navigation and the search index), each after the previous full build was "
        "served. A client asks for /__handbook/version?page=... every 0.4 s as an open page does; the save "
        "is timed to the new title in the policy page (polled every 20 ms) and to the version bump with "
        "nothing left updating. The fast render is what the preview prints: load (changed files only), "
        "pages, one page's Markdown and MkDocs' page pipeline. The full rebuild is what it prints per "
        "rebuild, in the same process and run; before the fast path every save waited for it.")
    seen = page_at[100] + BROWSER_POLL
    result.figure("save to the open page's new words, 100 policies", f"{page_at[100]:.2f} s",
                  "median; an open browser sees it after its next version check, up to 0.4 s later")
    result.target(f"author edit to updated page, 100 policies, <= {TARGET:.0f} s",
                  f"{page_at[100]:.2f} s served ({seen:.2f} s worst case in a browser); "
                  f"{page_at[100] / rebuild_at[100]:.2f}x the full rebuild ({rebuild_at[100]:.1f} s)",
                  page_at[100] <= TARGET)
    return result
