"""Security headers on every response, and a Content-Security-Policy the built site passes:
in Chromium, no page kind reports a violation while it is used (quiz, form, checklist, search),
and a script the policy does not list is blocked (the listener works)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.quiz_driver import EMPLOYEE, pass_quiz
from tests.records_kit import Service

ALWAYS = {"x-content-type-options": {"nosniff"}, "x-frame-options": {"DENY"},
          "referrer-policy": {"strict-origin-when-cross-origin", "same-origin"}}  # HR: the stricter one
PAGE_KINDS = ["index.html", "policies/admin-policy-6.html", "checklists/index.html", "forms/index.html",
              "acknowledge/admin-policy-6.html", "glossary.html", "requirements.html", "404.html"]
WATCH = """window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));"""


@pytest.fixture(scope="module")
def service(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    app = Service(built_site.parent, built_site, tmp_path_factory.mktemp("headers") / "records.sqlite")
    yield app
    app.close()


@pytest.mark.parametrize("path", ["/", "/policies/admin-policy-6.html", "/assets/js/records.js", "/hr",
                                  "/api/openapi.json", "/api/nothing", "/no-such-page"])
def test_every_response_carries_the_security_headers(service, path):
    _, headers, _ = service.get(path)
    for name, value in ALWAYS.items():
        assert headers[name] in value, (path, name)
    if "html" in headers["content-type"]:
        assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_a_page_allows_exactly_its_own_inline_scripts(service, built_site):
    _, headers, html = service.get("/policies/admin-policy-6.html")
    policy = headers["content-security-policy"]
    inline = [m[1] for m in re.finditer(r"<script>(.*?)</script>", html, re.S)]
    assert inline  # Material's own
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    allowed = re.search(r"script-src ([^;]*)", policy)
    assert allowed is not None
    assert "'unsafe-inline'" not in allowed[1] and "'unsafe-eval'" not in allowed[1]
    assert allowed[1].count("'sha256-") == len(set(inline))
    assert "default-src 'self'" in policy and "object-src 'none'" in policy


def test_the_hr_page_keeps_its_own_stricter_policy(service):
    _, headers, _ = service.get("/hr")
    assert headers["content-security-policy"].startswith("default-src 'none'")


@pytest.fixture(scope="module")
def address(service) -> str:
    return service.listen()


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH)
    return page


def violations(page) -> list[str]:
    reported = page.evaluate("window.__violations")
    console = [text for text in page.console_errors if "Content Security Policy" in text]
    return reported + console


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGE_KINDS)
def test_no_page_kind_breaks_the_policy(address, watched, path):
    watched.goto(f"{address}/{path}")
    watched.wait_for_load_state("networkidle")
    assert violations(watched) == []
    assert watched.outside_requests == []


@pytest.mark.browser
def test_a_quiz_a_checklist_and_search_work_under_the_policy(address, watched):
    pass_quiz(watched, f"{address}/{EMPLOYEE}")
    watched.goto(f"{address}/checklists/sma.html")
    before = watched.locator("[data-hb-progress]").inner_text()
    watched.locator("input[data-hb-item]").first.check()
    assert watched.locator("[data-hb-progress]").inner_text() != before  # checklist.js ran
    watched.goto(f"{address}/index.html")
    watched.keyboard.press("/")  # Material's shortcut to the search box
    watched.keyboard.type("Glassdoor")
    watched.locator(".md-search-result__item").first.wait_for()
    assert violations(watched) == []


@pytest.mark.browser
def test_a_script_the_policy_does_not_list_is_blocked_and_reported(address, watched):
    watched.goto(f"{address}/index.html")
    watched.evaluate("""() => { const s = document.createElement('script');
                          s.textContent = 'window.__ran = true'; document.body.append(s); }""")
    watched.wait_for_function("window.__violations.length > 0")
    assert watched.evaluate("window.__ran === undefined")
    assert any(v.startswith("script-src") for v in violations(watched))
