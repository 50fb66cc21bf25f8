"""Shared fixtures: the shipped project, a real build of it, a local HTTP server, Chromium."""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
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


def _self_checks(project: Path) -> None:
    """Every quiz a self-check (the SMA certification is an exam as shipped)."""
    for path in (project / "quizzes").glob("*.yaml"):
        path.write_text(path.read_text(encoding="utf-8").replace("grading: service\n", ""), encoding="utf-8")


VARIANTS: dict[str, Callable[[Path], None]] = {"shipped": lambda project: None, "selfchecks": _self_checks}
"""The ways the shared sites differ from the shipped handbook, by name."""


@pytest.fixture(scope="session")
def site_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``site_of(engine, variant="shipped")``: that engine's site of the handbook ``VARIANTS``
    names, built by the real pipeline on first use and then shared by every test of the run."""
    built: dict[tuple[str, str], Path] = {}

    def site(engine: str, variant: str = "shipped") -> Path:
        if (engine, variant) not in built:
            project = copy_project(tmp_path_factory.mktemp(f"{variant}-{engine}") / "project")
            VARIANTS[variant](project)
            built[engine, variant] = build(project, engine=engine).site_dir
        return built[engine, variant]

    return site


@pytest.fixture(scope="session")
def built_site(site_of: Callable[..., Path]) -> Path:
    """The shipped handbook, built once per test run by the real pipeline and MkDocs."""
    return site_of("mkdocs")


SEARCH_INDEXES = {"mkdocs": "search/search_index.json", "zensical": "search.json"}
"""Where each engine writes the site's search index."""


def search_index(site: Path, engine: str) -> str:
    """The text of ``site``'s search index, as ``engine`` wrote it."""
    return (site / SEARCH_INDEXES[engine]).read_text(encoding="utf-8")


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
def zensical_site(site_of: Callable[..., Path]) -> Path:
    """The shipped handbook built once by the real pipeline and Zensical."""
    return site_of("zensical")


ENGINES = ("mkdocs", "zensical")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every browser suite (a module named ``*_browser``) runs each test that reaches the
    ``engine`` fixture (through ``site_url``, ``engine_site`` or a fixture of its own) once on
    each engine's site: the theme around the pages is what an engine changes, and every suite
    looks at pages through it. Tests of the build output alone run once."""
    if "engine" in metafunc.fixturenames and metafunc.module.__name__.endswith("_browser"):
        metafunc.parametrize("engine", ENGINES, indirect=True, scope="module")


@pytest.fixture(scope="module")
def engine(request: pytest.FixtureRequest) -> str:
    """The engine a test's site is built by: each in turn in the browser suites, else MkDocs."""
    return str(getattr(request, "param", "mkdocs"))


@pytest.fixture(scope="session")
def served_once() -> Iterator[Callable[[Path], str]]:
    """``served_once(folder)``: the base URL of ``folder`` over real HTTP on 127.0.0.1, one
    server per folder for the whole run (tests share nothing through it: each browser context
    starts with empty storage)."""
    with ExitStack() as servers:
        urls: dict[Path, str] = {}

        def url(folder: Path) -> str:
            if folder not in urls:
                urls[folder] = servers.enter_context(served_folder(folder))
            return urls[folder]

        yield url


@pytest.fixture(scope="module")
def engine_site(site_of: Callable[..., Path], engine: str) -> Path:
    """The shipped handbook's site by the test's engine (its project is the folder above)."""
    return site_of(engine)


@pytest.fixture(scope="module")
def site_url(served_once: Callable[[Path], str], engine_site: Path) -> str:
    """The test's engine's site of the shipped handbook over real HTTP on 127.0.0.1."""
    return served_once(engine_site)


@pytest.fixture(scope="module")
def selfcheck_site_url(site_of: Callable[..., Path], served_once: Callable[[Path], str], engine: str) -> str:
    """The shipped handbook with every quiz a self-check, by the test's engine, served: for the
    tests of the browser's own grading and quiz UI."""
    return served_once(site_of(engine, "selfchecks"))


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
