"""Shared fixtures: the shipped project, a real build of it, a local HTTP server, Chromium."""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from handbook.build import build
from handbook.layout import copy_sources

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def copy_project(target: Path) -> Path:
    """A copy of the shipped handbook project that a test may change freely."""
    return copy_sources(ROOT, target)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped handbook, built once per test run by the real pipeline and MkDocs."""
    project = copy_project(tmp_path_factory.mktemp("shipped") / "project")
    result = build(project)
    return result.site_dir


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def answer_json(handler: http.server.BaseHTTPRequestHandler, status: int, body: object) -> None:
    """Answer a request to a test server with ``body`` as JSON."""
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


@contextmanager
def served_folder(folder: Path) -> Iterator[str]:
    """A built site over real HTTP on 127.0.0.1 (an ephemeral port); yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def zensical_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped handbook built once by the real pipeline and Zensical."""
    project = copy_project(tmp_path_factory.mktemp("zensical") / "project")
    return build(project, engine="zensical").site_dir


BOTH_ENGINES = {"test_site_browser", "test_ux_browser", "test_quiz_browser", "test_forms_browser"}
"""Modules whose ``site_url`` tests run on the site of each engine. What an engine changes is the
theme around the pages: every page's axe check, search and anchors, overflow and axe in each
state on a phone and a desktop, and the quiz and form pages. The other page suites drive the
same scripts and markup, so they run on MkDocs' site alone (CI's time is what that saves)."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "site_url" in metafunc.fixturenames:
        both = metafunc.module.__name__.rpartition(".")[2] in BOTH_ENGINES
        metafunc.parametrize("site_url", ["mkdocs", "zensical"] if both else ["mkdocs"], indirect=True,
                             scope="session")


@pytest.fixture(scope="session")
def site_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The built site over real HTTP on 127.0.0.1 (an ephemeral port), by the engine the test
    is parametrised with (see BOTH_ENGINES)."""
    site = request.getfixturevalue("zensical_site" if request.param == "zensical" else "built_site")
    with served_folder(site) as url:
        yield url


@pytest.fixture(scope="session")
def selfcheck_site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The shipped handbook with every quiz a self-check (the SMA certification is an exam as
    shipped), built and served: for the tests of the browser's own grading and quiz UI."""
    project = copy_project(tmp_path_factory.mktemp("selfchecks") / "project")
    for path in (project / "quizzes").glob("*.yaml"):
        path.write_text(path.read_text(encoding="utf-8").replace("grading: service\n", ""), encoding="utf-8")
    with served_folder(build(project).site_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright. Under CI=true a missing browser is a failure."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing at /usr/bin/chromium; .ci/run installs it")
        pytest.skip("Chromium not installed (apt-get install chromium); CI runs these tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A fresh browser page; ``page.outside_requests`` lists any request to another host."""
    context = browser.new_context(accept_downloads=True)
    tab = context.new_page()
    tab.outside_requests = []
    tab.console_errors = []

    def note(request) -> None:
        url = request.url
        if not url.startswith(("http://127.0.0.1", "file://", "data:", "blob:", "about:")):
            tab.outside_requests.append(url)

    tab.on("request", note)
    tab.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
    yield tab
    context.close()


def settle(tab, timeout: float = 10.0) -> None:
    """Wait two frames (a focus move scrolls, and Material starts fading its header title on
    the next frame), then until every CSS animation and transition has ended. Polled from here
    with evaluate: wait_for_function runs a string in the page, which the CSP forbids."""
    import time

    tab.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    deadline = time.monotonic() + timeout
    while not tab.evaluate("() => document.getAnimations().every(a => a.playState !== 'running')"):
        assert time.monotonic() < deadline, "animations still running"
        tab.wait_for_timeout(50)


def axe_violations(tab) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page at rest, one line each: a title
    half-way through a fade would be judged on a contrast no reader ever sees."""
    from axe_playwright_python.sync_playwright import Axe

    settle(tab)
    results = Axe().run(tab, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


def shipped_person(what: str) -> dict[str, str]:
    """The shipped site's word for each person field (``label`` or ``missing``): the English
    table with the shipped handbook's ``wording`` (its own person labels) laid over it."""
    from handbook.project import load_project
    from handbook.records.contract import PERSON_FIELDS
    from handbook.strings import ENGLISH
    from handbook.wording import organisation_strings

    project, _ = load_project(ROOT)
    assert project is not None
    strings = organisation_strings(ENGLISH, project.handbook)
    return {field.id: strings.text(f"browser.person.{field.id}.{what}") for field in PERSON_FIELDS}


STORES = ("sqlite", "postgresql")
"""The records stores every API and export test runs against."""


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """A PostgreSQL server of its own (Debian's package, an initdb cluster in a temporary
    folder on 127.0.0.1); under CI=true a missing server is a failure. Its fsync is off: these
    tests kill service instances, never the database server."""
    from benchmarks.pgserver import Cluster, binaries

    if binaries() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is missing (/usr/lib/postgresql/*/bin/initdb); .ci/run installs it")
        pytest.skip("PostgreSQL not installed (apt-get install postgresql); CI runs these tests")
    with Cluster(fsync=False) as cluster:
        yield cluster


@pytest.fixture(scope="module", params=STORES)
def new_db(request: pytest.FixtureRequest) -> object:
    """Where a test's records go, once per store: ``new_db(folder)`` is a new SQLite file in the
    folder, or the URL of a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return lambda folder: Path(folder) / "records.sqlite"
    cluster = request.getfixturevalue("postgres")
    return lambda folder: cluster.create()
