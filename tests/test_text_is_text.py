"""Everything from YAML is text: a payload in every text field of every source, built for real.

The built HTML and the search index are parsed (not grepped): no element or attribute of the
payload may exist, every ``<script>`` holding it must be JSON that parses, and wherever the
payload shows, it shows whole, as written (Markdown made nothing of it). Then Chromium opens
pages and searches for it, and no dialog may open.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from handbook.build import build
from tests.conftest import copy_project, served_folder

PAYLOAD = (
    "<img src=x onerror=alert(1)>\"><svg onload=alert(2)>'><script>alert(3)</script>"
    "<iframe src=\"javascript:alert(4)\"></iframe> [click](javascript:alert(5)) {: onclick=alert(6) }"
    " *em* _u_ `code` &lt;b&gt; --8<-- \"/etc/hostname\" <!-- x --> \\< a < b"
)
MARK = "<img src=x"
"""The payload's first characters: wherever they show, the whole payload must follow."""
TEXT_FIELDS = {
    "title", "name", "email", "phone", "ask_about", "text", "summary", "organization", "site_title",
    "site_description", "abbreviation", "description", "series", "number", "version", "label", "term",
    "statement", "intro", "note", "help", "feedback", "scenario", "prompt", "explanation",
}
"""Every text field of the source schema (ids, links, references, types and numbers are not text)."""


def poison(value: Any, key: str | None = None) -> Any:
    """``value`` with the payload after every text field's words."""
    if isinstance(value, dict):
        return {k: poison(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(item, key) for item in value]
    if key in TEXT_FIELDS and isinstance(value, str):
        return f"{value} {PAYLOAD}"
    return value


def poison_project(root: Path) -> int:
    """Put the payload into every source file; returns how many values were changed."""
    changed = 0
    for path in sorted((root / "policy_source").rglob("*.yaml")) + sorted((root / "quizzes").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.name == "handbook.yaml":
            data["contacts"][0]["email"] = "first_last@example.org"
        poisoned = poison(data)
        changed += json.dumps(poisoned, default=str).count("onerror")
        path.write_text(yaml.safe_dump(poisoned, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return changed


class Page(HTMLParser):
    """Elements, attributes, scripts and visible text of one HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, content = self.scripts[-1]
            self.scripts[-1] = (attrs, content + data)
        else:
            self.text.append(data)


def parse(markup: str) -> Page:
    page = Page()
    page.feed(markup)
    page.close()
    return page


def injected(page: Page) -> list[str]:
    """Everything in ``page`` that the payload made: elements, handlers, script: URLs, broken JSON."""
    found = []
    for tag, attrs in page.elements:
        if (tag == "img" and ("src", "x") in attrs) or tag == "iframe":
            found.append(f"<{tag} {attrs}>")
        for name, value in attrs:
            if name.startswith("on"):
                found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                found.append(f"<{tag} {name}={value!r}>")
    for attrs, content in page.scripts:
        if "alert(" in content:
            if attrs.get("type") != "application/json":
                found.append(f"<script {attrs}>{content[:80]}")
            else:
                json.loads(content)  # the payload never ends the script early
    return found


def broken_payloads(text: str) -> int:
    """How many times the payload's start shows without the whole payload after it."""
    return text.count(MARK) - text.count(PAYLOAD)


@pytest.fixture(scope="module")
def poisoned_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("poisoned") / "project")
    assert poison_project(root) > 300
    return build(root).site_dir


def html_pages(site: Path) -> list[Path]:
    return sorted(path for path in site.rglob("*.html") if "assets" not in path.parts)


def test_no_page_holds_an_element_or_attribute_from_the_payload(poisoned_site):
    pages = html_pages(poisoned_site)
    assert len(pages) > 25
    problems = {}
    for path in pages:
        found = injected(parse(path.read_text(encoding="utf-8")))
        if found:
            problems[path.relative_to(poisoned_site).as_posix()] = found[:3]
    assert problems == {}


def test_the_payload_shows_whole_and_as_written_wherever_it_shows(poisoned_site):
    shown = 0
    for path in html_pages(poisoned_site):
        page = parse(path.read_text(encoding="utf-8"))
        text = "".join(page.text)
        attributes = [value or "" for _, attrs in page.elements for _, value in attrs]
        assert broken_payloads(text) == 0, path
        assert sum(broken_payloads(value) for value in attributes) == 0, path
        shown += text.count(PAYLOAD)
    assert shown > 200


def test_titles_navigation_and_headings_are_the_words_of_the_source(poisoned_site):
    policy = parse((poisoned_site / "policies" / "admin-policy-6.html").read_text(encoding="utf-8"))
    text = "".join(policy.text)
    title = f"Social Media - Business Use {PAYLOAD}"
    assert f"No. 6 {PAYLOAD}: {title}" in text  # navigation, heading and <title>
    assert f"Town of Glastonbury Policy Handbook {PAYLOAD}" in text  # site name in the header
    glossary = parse((poisoned_site / "glossary.html").read_text(encoding="utf-8"))
    assert f"Social Media {PAYLOAD}" in "".join(glossary.text)


def test_the_search_index_holds_only_text(poisoned_site):
    index = json.loads((poisoned_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    problems = []
    shown = 0
    for doc in index["docs"]:
        for key in ("title", "text"):
            page = parse(doc[key])
            problems += [f"{doc['location']} {key}: {item}" for item in injected(page)]
            assert broken_payloads("".join(page.text)) == 0, doc["location"]
            shown += "".join(page.text).count(PAYLOAD)
    assert problems == []
    assert shown > 50


def test_the_abbreviation_lines_never_show(poisoned_site):
    for path in html_pages(poisoned_site):
        assert "*[" not in "".join(parse(path.read_text(encoding="utf-8")).text), path


@pytest.fixture(scope="module")
def poisoned_url(poisoned_site: Path) -> Iterator[str]:
    with served_folder(poisoned_site) as url:
        yield url


@pytest.mark.browser
def test_no_script_runs_in_chromium(page, poisoned_url):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in ("index.html", "policies/admin-policy-6.html", "quizzes/admin-policy-6-sma.html",
                 "forms/removed-content.html", "roles/sma.html", "glossary.html"):
        page.goto(f"{poisoned_url}/{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{poisoned_url}/quizzes/admin-policy-6-employee.html")  # the SMA exam's come from the service
    page.locator("[data-hb-quiz-questions] fieldset").first.wait_for(timeout=10_000)
    assert PAYLOAD in page.locator("[data-hb-quiz-questions]").inner_text()
    page.goto(f"{poisoned_url}/index.html")
    page.keyboard.press("/")
    page.keyboard.type("onerror")
    page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.outside_requests == []
