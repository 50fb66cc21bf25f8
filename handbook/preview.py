"""``handbook preview``: the author's live preview. Watch the sources, rebuild, reload open pages.

Each rebuild goes into a new folder and is swapped in, with its project, only when it
succeeded, so an invalid edit keeps the last good site (and records are checked against
it). Open pages poll ``/__handbook/version``: a new version reloads them, and a failed
build's ``path:line:col`` lines show over the page until a fix builds. The script is added
as pages are served, never written into the site.

A full build of a large handbook takes seconds, so a save first re-renders just the pages open
in a browser (Hugo's "fast render"; :mod:`handbook.fastrender`) into the site on screen, and
the pages say the rest is updating until the full build, in a background thread, is swapped in.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from contextlib import ExitStack
from itertools import chain
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from handbook import server
from handbook.app import create_app
from handbook.fastrender import CAPTURE, WarmSite
from handbook.layout import CONFIG, OVERRIDES, build_inputs
from handbook.pages import PAGE_KINDS
from handbook.project import SourceCache, load_project
from handbook.render import Renderer, template_cache
from handbook.server import Workspace
from handbook.service.site import Served, ServedSite
from handbook.site import read_user_config
from handbook.strings import configured_language, load_strings

POLL_SECONDS = 0.25
VERSION_PATH = "/__handbook/version"
SCRIPT_PATH = "/__handbook/reload.js"
SCRIPT_TAG = f'<script src="{SCRIPT_PATH}"></script>'
OPEN_SECONDS = 2.0
"""A page that asked for the version this recently is open in a browser (pages ask every 0.4 s)."""
MAX_OPEN = 16
UPDATING = ("Updating after your last save: pages open in a browser show it now; the navigation, search "
            "and other pages follow when the rebuild finishes.")

RELOAD_SCRIPT = """/* handbook preview: reload after each rebuild; show a failed build's problems,
   or that the rest of the site is still being rebuilt. */
(function () {
  var seen = null, box = null, kind = null;
  function show(what, text) {
    if (what !== kind && box) { box.remove(); box = null; }
    kind = what;
    if (!what) { return; }
    if (!box) {
      var failed = what === "failed";
      box = document.createElement("pre");
      box.id = failed ? "handbook-build-problems" : "handbook-updating";
      box.setAttribute("role", failed ? "alert" : "status");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:10000;max-height:50vh;" +
        "overflow:auto;margin:0;padding:1em;font:14px/1.4 monospace;white-space:pre-wrap;" +
        (failed ? "background:#fff0f0;color:#5c0000;border-top:4px solid #b00020"
                : "background:#fffbe6;color:#3d3000;border-top:4px solid #8a6d00");
      document.body.appendChild(box);
    }
    box.textContent = text;
  }
  function poll() {
    fetch("VERSION_PATH?page=" + encodeURIComponent(location.pathname), {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        var now = d.version + "." + d.fresh;
        if (seen !== null && now !== seen) { location.reload(); return; }
        seen = now;
        if (d.problems) {
          show("failed", "The build failed; this is the last good build.\\n\\n" + d.problems.join("\\n"));
        } else if (d.updating) {
          show("updating", "UPDATING");
        } else { show(null); }
        setTimeout(poll, 400);
      }).catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
""".replace("VERSION_PATH", VERSION_PATH).replace("UPDATING", UPDATING)


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


def changed_files(before: dict[str, int], after: dict[str, int]) -> set[str]:
    """Files saved, added or deleted between two snapshots."""
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def page_file(url_path: str) -> str:
    """The site file an open page's address names (``/`` and folders mean their index.html)."""
    name = url_path.lstrip("/")
    return name + "index.html" if not name or name.endswith("/") else name


class Preview:
    """Rebuilds into this process's workspace and puts each good build on screen.

    A save first re-renders the pages open in a browser (:meth:`render_open_pages`, with the
    MkDocs build on screen kept warm), writes them into the site on screen and says the rest
    is updating; a full build then follows in the background and is swapped in whole.
    """

    def __init__(self, root: Path, workspace: Workspace) -> None:
        self.root = root
        self.workspace = workspace
        self.site = ServedSite()
        self.problems: list[str] | None = None
        """The last build's problems while it is failing; None once a build succeeds."""
        self.fresh = 0
        """How many times pages were re-rendered ahead of a full build (open pages reload on it)."""
        self.sources = SourceCache()
        self.wanted = threading.Event()
        """A save the full build has not caught up with yet."""
        self._building = False
        self._changes = 0
        self._warm: WarmSite | None = None
        self._open: dict[str, float] = {}
        self._ahead: dict[str, tuple[int, str]] = {}
        """Pages rendered ahead of the full build: site file -> (change number, HTML)."""
        self._retired: Path | None = None
        self._warnings: list[str] = []
        self._lock = threading.Lock()
        self._swap = threading.Lock()

    @property
    def updating(self) -> bool:
        return self.wanted.is_set() or self._building

    def rebuild(self) -> bool:
        """Build; swap the new site in on success, keep the one on screen on any failure."""
        with self._lock:
            started = self._changes
            warm = WarmSite()
            try:
                result = self.workspace.build(self.root, cache=self.sources, plugins={CAPTURE: warm})
            except Exception as error:  # BuildFailed, or anything a plugin raises: the watcher lives on
                self.problems = server.build_lines(error)
                for line in self.problems:
                    server.say(line, error=True)
                kept = "the last good site is still served" if self.site.current else "nothing to serve yet"
                server.say(f"build failed; {kept}", error=True)
                return False
            with self._swap:
                self._building = False  # the version and "updating" change together
                self._keep_ahead(result.site_dir, started)
                previous = self.site.swap(Served(result.site_dir, result.project))
                self._warm = warm if warm.ready else None
            self.problems = None
            server.built(result, again=previous is not None, warn=result.warnings != self._warnings)
            self._warnings = result.warnings
            if self._retired:  # two builds back: no request can still be reading it
                shutil.rmtree(self._retired, ignore_errors=True)
            self._retired = previous.folder if previous else None
            return True

    def _keep_ahead(self, folder: Path, started: int) -> None:
        """Pages rendered from saves the new build began too early to see stay on screen."""
        self._ahead = {name: entry for name, entry in self._ahead.items() if entry[0] > started}
        for name, (_, html) in self._ahead.items():
            _write(folder / name, html)

    def opened(self, url_path: str) -> None:
        """An open page asked for the version: it is rendered first after the next save."""
        now = time.monotonic()
        self._open = {path: seen for path, seen in self._open.items() if now - seen < OPEN_SECONDS}
        if len(self._open) < MAX_OPEN:
            self._open[page_file(url_path)] = now

    def render_open_pages(self, changed: set[str]) -> int:
        """Re-render the open pages from the saved sources into the site on screen, ahead of the
        full build; how many were written. Nothing when a save touched the site's settings or
        templates (every page changes), the sources have problems (the full build reports them),
        or no page is open."""
        now = time.monotonic()
        wanted = {path for path, seen in self._open.items() if now - seen < OPEN_SECONDS}
        warm, change = self._warm, self._changes
        settings = [self.root / CONFIG, self.root / OVERRIDES]
        every_page = any(Path(name).is_relative_to(s) for name in changed for s in settings)
        if not wanted or warm is None or every_page:
            return 0
        started = time.perf_counter()
        try:
            project, _ = load_project(self.root, self.sources)
            if project is None:
                return 0
            user, _ = read_user_config(self.root)
            strings, _ = load_strings(configured_language(user), self.root)
            renderer = Renderer(project, cache=template_cache(), strings=strings)
            rendered: dict[str | None, str | None] = {}
            for page in chain.from_iterable(kind(project, strings) for kind in PAGE_KINDS):
                name = warm.destination(page.path)
                if name in wanted:
                    rendered[name] = warm.render(page.path, renderer.render(page))
                    if len(rendered) == len(wanted):
                        break  # the later kinds' pages (quizzes' data is the costliest) are not needed
        except Exception as error:  # the full build that follows reports it, at its line
            server.say(f"fast render skipped: {type(error).__name__}: {error}", error=True)
            return 0
        written = [name for name, html in rendered.items() if name and html is not None]
        with self._swap:
            folder = self.site.folder()
            if folder is None or warm is not self._warm:
                return 0  # a full build was swapped in meanwhile; it follows the save itself
            for name in written:
                html = rendered[name]
                assert name is not None and html is not None
                _write(folder / name, html)
                self._ahead[name] = (change, html)
            self.fresh += bool(written)
        if written:
            server.say(f"rendered {', '.join(sorted(written))} in {time.perf_counter() - started:.2f} s; "
                       "the rest of the site follows")
        return len(written)

    def watch(self, stop: threading.Event) -> None:
        """Poll the sources; once they stop changing for a moment, render the open pages and ask
        the builder for a full build."""
        last = snapshot(self.root)
        while not stop.wait(POLL_SECONDS):
            if snapshot(self.root) == last:
                continue
            time.sleep(0.05)  # let an editor finish writing (save-as-rename, several files)
            now = snapshot(self.root)
            changed, last = changed_files(last, now), now
            self._changes += 1
            self.render_open_pages(changed)  # before the full build starts to compete for the CPU
            self.wanted.set()

    def build_in_background(self, stop: threading.Event) -> None:
        """Full builds, one at a time, while saves are waiting for one."""
        while not stop.is_set():
            if not self.wanted.wait(POLL_SECONDS):
                continue
            self._building = True
            self.wanted.clear()
            try:
                self.rebuild()
            finally:
                self._building = False

    def state(self) -> dict[str, Any]:
        return {"version": self.site.version, "fresh": self.fresh, "updating": self.updating,
                "problems": self.problems}

    def routes(self) -> list[Route]:
        async def version(request: Request) -> Response:
            page = request.query_params.get("page")
            if page:
                self.opened(page)
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


def _write(path: Path, html: str) -> None:
    """Replace one page of a site whole, so a request reads either the old page or the new one."""
    temporary = path.with_name(f".{path.name}.new")
    temporary.write_bytes(html.encode("utf-8", errors="xmlcharrefreplace"))
    os.replace(temporary, path)


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
        for work, name in ((live.watch, "preview-watcher"), (live.build_in_background, "preview-builder")):
            thread = threading.Thread(target=work, args=(stop,), name=name, daemon=True)
            thread.start()
            resources.callback(thread.join, 30)
        resources.callback(stop.set)
        app = create_app(live.site, store, token=token, roster=roster, routes=live.routes(),
                         on_html=live.inject)
        server.run(app, listener, token, store.location, settled=False)  # each save loads anew

    return server.serving(command)
