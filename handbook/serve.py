"""``handbook serve``: production. The site, the records service, the exports and the HR page.

It builds once (or serves ``--site-dir`` as it is) and never watches or reloads: a page
open in a visitor's browser stays as it is while the sources change, and no source error
is ever shown to a visitor (a broken build stops the start with its problems instead).
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from handbook import server
from handbook.app import DEFAULT_POLICY, create_app
from handbook.project import load_project
from handbook.server import DEFAULT_OPTIONS, Fail, Options, Workspace
from handbook.service import logs
from handbook.service.sessions import SessionPolicy
from handbook.service.site import Served, ServedSite


def prebuilt(root: Path, site_dir: Path) -> Served:
    """An already built site, with the project its sources make now."""
    project, problems = load_project(root)
    if project is None:
        raise Fail([str(problem) for problem in problems])
    return Served(site_dir.resolve(), project)


def build_once(root: Path, workspace: Workspace) -> Served:
    try:
        result = workspace.build(root)
    except Exception as error:  # BuildFailed, or anything a plugin raises: lines, never a traceback
        raise Fail(server.build_lines(error)) from None
    server.built(result, again=False)
    return Served(result.site_dir, result.project)


def serve(root: Path, host: str, port: int, db: Path | str, *, roster: Path | None = None,
          token: str | None = None, site_dir: Path | None = None, options: Options = DEFAULT_OPTIONS,
          sessions: SessionPolicy = DEFAULT_POLICY) -> int:
    """Serve until Ctrl+C or SIGTERM; the exit code for the command. ``options`` say which
    proxies to believe, the read timeout and how much to log (:mod:`handbook.service.logs`);
    ``sessions`` how long an HR sign-in lasts."""

    def command(resources: ExitStack) -> None:
        server.check_token(token)
        listener = resources.enter_context(server.bind(host, port))
        store = server.open_store(resources, db)
        server.start_logs(options.verbosity, logs.audit_file(store.path))
        if site_dir is None:
            served = build_once(root, resources.enter_context(Workspace(root)))
        else:
            served = prebuilt(root, site_dir)
        app = create_app(ServedSite(served), store, token=token, roster=roster, sessions=sessions)
        server.run(app, listener, token, store.location, options)

    return server.serving(command)
