"""``handbook serve``: production. The site, the records service, the exports and the HR page.

It builds once (or serves ``--site-dir`` as it is) and never watches or reloads: a page
open in a visitor's browser stays as it is while the sources change, and no source error
is ever shown to a visitor (a broken build stops the start with its problems instead).
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

from handbook import server
from handbook.app import DEFAULT_POLICY, create_app
from handbook.project import load_project
from handbook.records.xapi import forwarding
from handbook.server import DEFAULT_OPTIONS, Fail, Options, Workspace
from handbook.service import logs
from handbook.service.oidc import Provider, ProviderUnavailable, discover
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


def sign_in(served: Served) -> Provider | None:
    """The organisation's OpenID provider, discovered now; a provider that cannot be used stops
    the start with one line, so records are never marked self-asserted by surprise."""
    settings = served.project.handbook.sign_in
    try:
        provider = discover(settings, os.environ)
    except ProviderUnavailable as error:
        raise Fail([f"sign-in: {error}"], 2) from None
    if provider is not None:
        server.say(f"Sign-in through {provider.issuer} (client {provider.settings.client_id})")
    return provider


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
        provider = sign_in(served)
        app = create_app(ServedSite(served), store, token=token, roster=roster, sessions=sessions,
                         provider=provider)
        lrs = served.project.handbook.lrs  # records to an LRS as xAPI, when the handbook file says so
        resources.enter_context(forwarding(store, lrs, lambda line: server.say(line, error=True)))
        server.run(app, listener, token, store.location, options)

    return server.serving(command)
