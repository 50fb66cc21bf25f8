"""In Chromium, served with the records service: the "what changed" page of a material change,
and the acknowledgement page of a person whose acknowledgement is outdated, who reads what
changed since their version and acknowledges again. WCAG (axe) clean at phone and desk widths;
the change marks carry words for screen readers and paper, not colour alone."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from handbook.build import build
from tests.conftest import axe_violations, copy_project
from tests.lifecycle_kit import NEW_WORDS, OLD_WORDS, change_words, edit, publish, store_records
from tests.quiz_driver import ACKNOWLEDGE, EMPLOYEE, fill_person, pass_quiz, presented
from tests.records_kit import Service, acknowledgement, project_at

pytestmark = pytest.mark.browser

CHANGES = "changes/admin-policy-6/v2.html"
NEW_SECTION = """  - id: review
    title: Review
    text: >-
      The Marketing & Communications Specialist reviews this policy every year and proposes changes
      to the Town Manager.

acknowledgement:"""
WIDTHS = (375, 1280)
QUIZ = "quizzes/admin-policy-6-employee.yaml"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Iterator[Service]:
    """Version 1 published and acknowledged by W375 and W1280; version 2 changes a word and adds
    a section (material); the employees' self-check asks again only about what changed."""
    base = tmp_path_factory.mktemp("lifecycle-browser")
    root, db = copy_project(base / "project"), base / "records.sqlite"
    edit(root, 'version: "2"\n', 'version: "2"\nreacknowledge: changed\n', QUIZ)
    publish(root)
    v1 = project_at(root)
    store_records(db, root, *[acknowledgement(v1, f"W{width}", "Dana Reader") for width in WIDTHS])
    change_words(root, OLD_WORDS, NEW_WORDS, "2")
    edit(root, "\nacknowledgement:", "\n" + NEW_SECTION)
    publish(root, "--note", "Social media is vital; a yearly review")
    app = Service(root, build(root, engine=engine).site_dir, db)
    app.listen()
    yield app
    app.close()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_what_changed_page_marks_words_for_every_reader(service, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{service.address}/{CHANGES}")
    changes = page.locator(".hb-changes > li")
    assert changes.count() == 2
    changed, added = changes.nth(0), changes.nth(1)
    assert changed.locator("del").text_content() == "[removed: valuable]"
    assert changed.locator("ins").text_content() == "[added: vital]"
    assert changed.locator(".hb-change-title").inner_text() == "Changed: Policy"
    assert added.locator(".hb-change-title").inner_text() == "Added: Review"
    cue = changed.locator("del .hb-cue").first
    assert cue.bounding_box()["width"] <= 1  # heard, not seen: the strike-through shows it
    assert changed.locator("del").evaluate("e => getComputedStyle(e).textDecorationLine") == "line-through"
    assert changed.locator("ins").evaluate("e => getComputedStyle(e).textDecorationLine") == "underline"
    assert "Social media is vital; a yearly review" in page.locator(".hb-policy-meta").inner_text()
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    assert cue.evaluate("e => getComputedStyle(e).position") == "static"  # printed: "[removed: ...]"


def test_the_policy_page_links_to_what_changed(service, page):
    page.goto(f"{service.address}/policies/admin-policy-6.html")
    page.locator(".hb-latest-change a").click()
    page.wait_for_url(f"**/{CHANGES}")
    assert page.locator("h1").inner_text().startswith("What changed in No. 6, version 2")


@pytest.mark.parametrize("width", WIDTHS)
def test_an_outdated_acknowledgement_shows_what_changed_then_acknowledges_again(service, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    policy = project_at(service.project).policy("admin-policy-6")
    page.goto(f"{service.address}/{ACKNOWLEDGE}")
    remembered = {f"W{width}": {"name": "Dana Reader", "version": "1", "hash": "0" * 64,
                                "at": "2026-01-05T09:00:00Z", "id": "00000000-0000-4000-8000-000000000000"}}
    page.evaluate("([key, value]) => localStorage.setItem(key, value)",
                  ["handbook:acknowledged:admin-policy-6", json.dumps(remembered)])
    page.reload()
    earlier = page.locator("[data-hb-ack-earlier]")
    assert earlier.inner_text().startswith(f"Dana Reader (ID W{width}) acknowledged version 1")
    since = page.locator("[data-hb-ack-since='1']")
    assert since.is_visible() and since.locator("h2").inner_text() == "What changed since version 1"
    assert since.locator("del").first.text_content() == "[removed: valuable]"
    assert since.locator(".hb-change-title").all_inner_texts() == ["Changed: Policy", "Added: Review"]
    notes = since.locator(".hb-ack-since-notes").inner_text()
    assert notes == "Version 2: Social media is vital; a yearly review"
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []

    answered = pass_quiz(page, f"{service.address}/{EMPLOYEE}?since=1", employee_id=f"W{width}",
                         name="Dana Reader")
    assert list(answered) == ["who-it-guides"] and [q for q, _ in presented(page)] == ["who-it-guides"]
    round_heading = page.locator("[data-hb-quiz-round]").inner_text()
    assert "the questions on what changed since version 1" in round_heading
    page.goto(f"{service.address}/{ACKNOWLEDGE}")
    fill_person(page, "[data-hb-ack-form]", name="Dana Reader", employee_id=f"W{width}", department="Library",
                role="employee")
    page.locator("#ack-agree").check()
    page.locator("#ack-signature").fill("Dana Reader")
    page.locator("[data-hb-ack-form] button[type='submit']").click()
    page.locator("[data-hb-certificate]").wait_for()
    assert not since.is_visible()
    stored = [row for row in service.store.rows("acknowledgement") if row["employee_id"] == f"W{width}"]
    assert [row["policy_version"] for row in stored] == ["1", "2"]  # version 1 from the fixture
    assert stored[-1]["policy_hash"] == policy.content_hash()
    assert json.loads(stored[-1]["questions"]) == ["who-it-guides"]


def test_a_reminder_link_shows_what_changed_on_any_browser(service, page):
    page.goto(f"{service.address}/{ACKNOWLEDGE}?since=1")
    section = page.locator("[data-hb-ack-since='1']")
    assert section.is_visible() and section.locator("ins").first.text_content() == "[added: vital]"
    page.goto(f"{service.address}/{ACKNOWLEDGE}")
    assert not section.is_visible()
