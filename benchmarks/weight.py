"""Page weight: the bytes a browser fetches for each kind of page, and the quiz runtime's size.

Kinds come from ``handbook.links.PAGES`` (whatever page kinds exist when this runs); each
page's JS and CSS are the files its ``<script src>`` and ``<link rel=stylesheet>`` name.
"""

from __future__ import annotations

import gzip
import re
import statistics
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from benchmarks.report import SuiteResult
from benchmarks.workspace import ROOT, copy_project, size
from handbook.build import build
from handbook.links import PAGES

TITLE = "Page weight"
QUIZ_RUNTIME = ("assets/js/quiz.js", "assets/css/quiz.css")
QUIZ_BUDGET = 20_000


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.scripts.append(found["src"] or "")
        if tag == "link" and "stylesheet" in (found.get("rel") or "").split() and found.get("href"):
            self.styles.append(found["href"] or "")


def kind_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """(kind, regex over site paths); fixed paths first so roles/index.html is not a role page."""
    fixed = [(k, p) for k, p in PAGES.items() if "{id}" not in p]
    many = [(k, p) for k, p in PAGES.items() if "{id}" in p]
    patterns = []
    for kind, pattern in fixed + many:
        html = re.escape(pattern.removesuffix(".md") + ".html").replace(re.escape("{id}"), "[^/]+")
        patterns.append((kind, re.compile(f"^{html}$")))
    return patterns


def page_kind(path: str, patterns: list[tuple[str, re.Pattern[str]]]) -> str:
    return next((kind for kind, pattern in patterns if pattern.match(path)), "other")


def _gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def weigh(site: Path, page: Path) -> dict[str, int]:
    """HTML, JS and CSS bytes of one page (raw, and all of it gzipped), external files apart."""
    parser = _Assets()
    parser.feed(page.read_text(encoding="utf-8"))
    url = page.relative_to(site).as_posix()
    weights = {"html": page.stat().st_size, "js": 0, "css": 0, "gzip": _gzip_size(page), "external": 0}
    for kind, refs in (("js", parser.scripts), ("css", parser.styles)):
        for ref in refs:
            target = urlsplit(urljoin(url, ref))
            if target.scheme or target.netloc:
                weights["external"] += 1
                continue
            file = site / target.path
            if file.is_file():
                weights[kind] += file.stat().st_size
                weights["gzip"] += _gzip_size(file)
    return weights


def _quiz_runtime(result: SuiteResult) -> None:
    files = [ROOT / "handbook" / "site_templates" / name for name in QUIZ_RUNTIME]
    present = [f for f in files if f.is_file()]
    if not present:
        result.figure("quiz runtime", "not present", f"{' + '.join(QUIZ_RUNTIME)} do not exist yet")
        result.target("quiz runtime < 20 KB", "no quiz runtime yet", None)
        return
    raw = sum(f.stat().st_size for f in present)
    packed = sum(_gzip_size(f) for f in present)
    names = " + ".join(f.relative_to(ROOT / "handbook" / "site_templates").as_posix() for f in present)
    result.figure("quiz runtime", f"{raw:,} bytes ({packed:,} gzipped)",
                  f"{names} as shipped in site_templates/ (unminified; gzip -9 for the wire size)")
    result.target("quiz runtime < 20 KB", f"{raw:,} bytes", raw < QUIZ_BUDGET)


def run(work: Path) -> SuiteResult:
    result = SuiteResult("weight", TITLE)
    project = copy_project(work / "project")
    site = build(project, site_dir=project / "site").site_dir
    patterns = kind_patterns()
    by_kind: dict[str, list[dict[str, int]]] = {}
    for page in sorted(site.rglob("*.html")):
        path = page.relative_to(site).as_posix()
        if path == "404.html" or path.startswith("assets/"):
            continue
        by_kind.setdefault(page_kind(path, patterns), []).append(weigh(site, page))
    rows = []
    for kind, weights in by_kind.items():
        def mean(key: str, weights: list[dict[str, int]] = weights) -> float:
            return statistics.mean(w[key] for w in weights)

        total = mean("html") + mean("js") + mean("css")
        rows.append([kind, str(len(weights)), size(mean("html")), size(max(w["html"] for w in weights)),
                     size(mean("js")), size(mean("css")), size(total), size(mean("gzip")),
                     str(max(w["external"] for w in weights))])
    header = ["page kind", "pages", "HTML (mean)", "HTML (largest)", "JS", "CSS", "total", "total gzipped",
              "other-origin files"]
    result.table("Bytes per page of the shipped handbook, by page kind (mean over the pages of that kind)",
                 header, rows)
    result.note("JS and CSS are the files each page's `<script src>` and `<link rel=stylesheet>` name "
                "(Material's bundle, the handbook's assets and the iframe-worker polyfill); the search "
                "index and worker load later, on first search, and are not counted. 1 KB = 1000 bytes.")
    own = sorted((site / "assets" / "js").glob("*.js")) + sorted((site / "assets" / "css").glob("*.css"))
    listed = ", ".join(f"{p.name} {p.stat().st_size:,}" for p in own)
    total = sum(p.stat().st_size for p in own)
    result.figure("the handbook's own assets (on every page)", f"{total:,} bytes",
                  f"assets/js and assets/css in bytes: {listed}")
    index = site / "search" / "search_index.json"
    if index.is_file():
        weight = f"{index.stat().st_size:,} bytes ({_gzip_size(index):,} gzipped)"
        result.figure("search index (fetched on the first search)", weight, "search/search_index.json")
    _quiz_runtime(result)
    return result
