"""``handbook serve``: the built site on one ASGI app, rebuilt live as sources change.

Each rebuild goes into a fresh folder and is swapped in only when it succeeded, so an
invalid edit prints its problems while the last good site stays up. Open pages poll a
version number and reload when it changes; that script is added as pages are served,
never written into the built site.
"""

from __future__ import annotations

import itertools
import shutil
import sys
import threading
import time
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from handbook.build import GENERATED, BuildFailed, build

WATCHED = ("policy_source", "quizzes", "site_templates", "mkdocs.yml")
POLL_SECONDS = 0.25

RELOAD_SCRIPT = """<script>
(function () {
  var seen = null;
  function poll() {
    fetch("/__handbook/version", {cache: "no-store"}).then(function (r) { return r.json(); })
      .then(function (d) {
        if (seen !== null && d.version !== seen) { location.reload(); return; }
        seen = d.version; setTimeout(poll, 400);
      }).catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>"""


def snapshot(root: Path) -> dict[str, float]:
    """Modification times of every watched file, to notice saves, additions and deletions."""
    stamps: dict[str, float] = {}
    for name in WATCHED:
        path = root / name
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        for file in files:
            try:
                stamps[str(file)] = file.stat().st_mtime_ns
            except OSError:
                continue
    return stamps


class LiveSite:
    """The folder of the last good build, and a counter that changes with every swap."""

    def __init__(self, root: Path, say=print) -> None:
        self.root = root.resolve()
        self.builds = self.root / GENERATED / "serve"
        self.current: Path | None = None
        self.version = 0
        self.error: str | None = None
        self.say = say
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def rebuild(self) -> bool:
        """Build into a new folder; swap it in on success, keep the old site on failure."""
        with self._lock:
            target = self.builds / f"build-{next(self._numbers)}"
            shutil.rmtree(target, ignore_errors=True)
            try:
                result = build(self.root, site_dir=target)
            except BuildFailed as failed:
                shutil.rmtree(target, ignore_errors=True)
                self.error = "\n".join(failed.lines)
                for line in failed.lines:
                    self.say(line, file=sys.stderr)
                kept = "the last good site is still served" if self.current else "nothing to serve yet"
                self.say(f"build failed; {kept}", file=sys.stderr)
                return False
            previous, self.current = self.current, target
            self.version += 1
            self.error = None
            self.say(f"rebuilt {result.pages} pages in {result.total_seconds:.2f} s")
            if previous:
                shutil.rmtree(previous, ignore_errors=True)
            return True

    def watch(self, stop: threading.Event) -> None:
        """Poll the sources; rebuild once they have stopped changing for a moment."""
        last = snapshot(self.root)
        while not stop.wait(POLL_SECONDS):
            now = snapshot(self.root)
            if now == last:
                continue
            time.sleep(0.05)  # let an editor finish writing (save-as-rename, several files)
            last = snapshot(self.root)
            self.rebuild()

    def file_for(self, url_path: str) -> Path | None:
        if self.current is None:
            return None
        base = self.current.resolve()
        candidate = (base / url_path.lstrip("/")).resolve()
        if not candidate.is_relative_to(base):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None


def site_routes(live: LiveSite, reload: bool = True) -> list[Route]:
    """Routes that serve the live site; the records service adds its own beside them."""

    async def version(request: Request) -> Response:
        return JSONResponse({"version": live.version, "error": live.error})

    async def page(request: Request) -> Response:
        file = live.file_for(request.url.path)
        status = 200
        if file is None:
            file, status = live.file_for("404.html"), 404
            if file is None:
                return HTMLResponse("<h1>Not found</h1>", status_code=404)
        if file.suffix == ".html":
            html = file.read_text(encoding="utf-8")
            if reload:
                html = html.replace("</body>", RELOAD_SCRIPT + "</body>", 1)
            return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
        return FileResponse(file, status_code=status)

    routes = [Route("/{path:path}", page, methods=["GET", "HEAD"])]
    if reload:
        routes.insert(0, Route("/__handbook/version", version))
    return routes


def serve(root: Path, host: str, port: int, db: Path | None = None, site_dir: Path | None = None,
          roster: Path | None = None) -> int:
    """Serve the site and the records service; rebuild on every change until interrupted.

    With ``site_dir`` an already built site is served as it is (no build, no watching).
    """
    import socket

    import uvicorn

    from handbook.records.store import Store
    from handbook.service.app import create_service_app
    from handbook.service.state import ProjectSource, ServiceState, SourcesBroken

    root = root.resolve()
    live = LiveSite(root)
    stop = threading.Event()
    if site_dir is None:
        live.rebuild()
        threading.Thread(target=live.watch, args=(stop,), daemon=True).start()
    else:
        live.current, live.version = site_dir.resolve(), 1
    store = Store(db or root / "records.sqlite")
    state = ServiceState(root, store, ProjectSource(root, lambda: live.version), roster)
    if state.token_problem():
        print(state.token_problem(), file=sys.stderr)
        store.close()
        return 2
    if site_dir is not None:
        try:
            state.projects.get()  # fail now, not on the first record
        except SourcesBroken as broken:
            print(broken, file=sys.stderr)
            return 1
    # IPPROTO_TCP, not 0: asyncio only turns Nagle off (TCP_NODELAY) on sockets that say they
    # are TCP; without it every kept-alive answer waits ~40 ms for the client's delayed ACK.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        print(f"cannot listen on {host}:{port}: {error.strerror} (try --port)", file=sys.stderr)
        store.close()
        return 2
    listener.listen(2048)  # accept (queue) connections from the moment the address is printed
    bound = listener.getsockname()[1]
    print(f"Serving the handbook on http://{host}:{bound}/ (records in {store.path}; Ctrl+C to stop)",
          flush=True)
    config = uvicorn.Config(create_service_app(live, state, reload=site_dir is None), log_level="warning")
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        stop.set()
        store.close()
    return 0
