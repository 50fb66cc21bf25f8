"""``handbook preview``: the author's live preview. Watch the sources, rebuild, reload open pages.

Each rebuild goes into a new folder and is swapped in, with its project, only when it
succeeded, so an invalid edit keeps the last good site (and records are checked against
it). Open pages poll ``/__handbook/version``: a new version reloads them, and a failed
build's ``path:line:col`` lines show over the page until a fix builds. The script is added
as pages are served, never written into the site.
"""

from __future__ import annotations

import shutil
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from handbook import server
from handbook.app import create_app
from handbook.layout import build_inputs
from handbook.server import Workspace
from handbook.service.site import Served, ServedSite

POLL_SECONDS = 0.25
VERSION_PATH = "/__handbook/version"
SCRIPT_PATH = "/__handbook/reload.js"
SCRIPT_TAG = f'<script src="{SCRIPT_PATH}"></script>'

RELOAD_SCRIPT = """/* handbook preview: reload after each rebuild; show a failed build's problems. */
(function () {
  var seen = null, box = null;
  function show(problems) {
    if (!problems) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "handbook-build-problems";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:10000;max-height:50vh;" +
        "overflow:auto;margin:0;padding:1em;background:#fff0f0;color:#5c0000;" +
        "border-top:4px solid #b00020;font:14px/1.4 monospace;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = "The build failed; this is the last good build.\\n\\n" + problems.join("\\n");
  }
  function poll() {
    fetch("VERSION_PATH", {cache: "no-store"}).then(function (r) { return r.json(); })
      .then(function (d) {
        if (seen !== null && d.version !== seen) { location.reload(); return; }
        seen = d.version; show(d.problems); setTimeout(poll, 400);
      }).catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
""".replace("VERSION_PATH", VERSION_PATH)


def snapshot(root: Path) -> dict[str, int]:
    """Modification times of every file the build reads, to notice saves, additions and deletions."""
    stamps: dict[str, int] = {}
    for name in build_inputs():
        path = root / name
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        for file in files:
            try:
                stamps[str(file)] = file.stat().st_mtime_ns
            except OSError:
                continue
    return stamps


class Preview:
    """Rebuilds into this process's workspace and puts each good build on screen."""

    def __init__(self, root: Path, workspace: Workspace) -> None:
        self.root = root
        self.workspace = workspace
        self.site = ServedSite()
        self.problems: list[str] | None = None
        """The last build's problems while it is failing; None once a build succeeds."""
        self._retired: Path | None = None
        self._warnings: list[str] = []
        self._lock = threading.Lock()

    def rebuild(self) -> bool:
        """Build; swap the new site in on success, keep the one on screen on any failure."""
        with self._lock:
            try:
                result = self.workspace.build(self.root)
            except Exception as error:  # BuildFailed, or anything a plugin raises: the watcher lives on
                self.problems = server.build_lines(error)
                for line in self.problems:
                    server.say(line, error=True)
                kept = "the last good site is still served" if self.site.current else "nothing to serve yet"
                server.say(f"build failed; {kept}", error=True)
                return False
            previous = self.site.swap(Served(result.site_dir, result.project))
            self.problems = None
            server.built(result, again=previous is not None, warn=result.warnings != self._warnings)
            self._warnings = result.warnings
            if self._retired:  # two builds back: no request can still be reading it
                shutil.rmtree(self._retired, ignore_errors=True)
            self._retired = previous.folder if previous else None
            return True

    def watch(self, stop: threading.Event) -> None:
        """Poll the sources; rebuild once they have stopped changing for a moment."""
        last = snapshot(self.root)
        while not stop.wait(POLL_SECONDS):
            if snapshot(self.root) == last:
                continue
            time.sleep(0.05)  # let an editor finish writing (save-as-rename, several files)
            last = snapshot(self.root)
            self.rebuild()

    def state(self) -> dict[str, Any]:
        return {"version": self.site.version, "problems": self.problems}

    def routes(self) -> list[Route]:
        async def version(request: Request) -> Response:
            return JSONResponse(self.state(), headers={"Cache-Control": "no-store"})

        async def script(request: Request) -> Response:
            return Response(RELOAD_SCRIPT, media_type="text/javascript",
                            headers={"Cache-Control": "no-store"})

        return [Route(VERSION_PATH, version), Route(SCRIPT_PATH, script)]

    @staticmethod
    def inject(html: str) -> str:
        """A served page with the reload script added (before ``</body>``, or at the end)."""
        if "</body>" in html:
            return html.replace("</body>", SCRIPT_TAG + "</body>", 1)
        return html + SCRIPT_TAG


def preview(root: Path, host: str, port: int, db: Path | str, *, roster: Path | None = None,
            token: str | None = None) -> int:
    """Preview until Ctrl+C; the exit code for the command."""

    def command(resources: ExitStack) -> None:
        server.check_token(token)
        listener = resources.enter_context(server.bind(host, port))
        store = server.open_store(resources, db)
        live = Preview(root, resources.enter_context(Workspace(root)))
        live.rebuild()
        stop = threading.Event()
        watcher = threading.Thread(target=live.watch, args=(stop,), name="preview-watcher", daemon=True)
        watcher.start()
        resources.callback(watcher.join, 30)
        resources.callback(stop.set)
        app = create_app(live.site, store, token=token, roster=roster, routes=live.routes(),
                         on_html=live.inject)
        server.run(app, listener, token, store.location)

    return server.serving(command)
