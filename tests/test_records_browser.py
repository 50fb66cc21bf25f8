"""records.js and page data in Chromium: receipt names by the contract's one rule, and text from
YAML that reaches the scripts as page data stays text (also with instant navigation, which
re-runs the data as a script)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handbook.records.contract import KINDS, receipt_name
from tests.conftest import copy_project
from tests.quiz_driver import ACKNOWLEDGE, EMPLOYEE, served_with_instant_navigation

pytestmark = pytest.mark.browser

HOSTILE = "</script><img src=x onerror=window.hbInjected=1><!-- & \u2028\u2029 \"q\" 'a' -->"

RECEIPT = st.tuples(
    st.sampled_from(KINDS),
    st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True),
    st.text(max_size=16),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.uuids().map(str),
    st.sampled_from(["json", "csv"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(RECEIPT, min_size=1, max_size=20))
def test_receipt_names_in_the_browser_follow_receipt_name(page, site_url, cases):
    if page.url == "about:blank":
        page.goto(f"{site_url}/forms/violation-report.html")
    names = page.evaluate(
        """cases => cases.map(([kind, policy, who, at, id, extension]) => window.handbookRecords.receiptName(
             {kind: kind, policy: {id: policy}, person: {employee_id: who}, submitted_at: at, id: id},
             extension))""",
        [list(case) for case in cases],
    )
    assert names == [receipt_name(*case) for case in cases]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory, engine: str) -> Iterator[str]:
    """The shipped handbook with markup and line separators in a question and the statement
    (text that reaches pages only as page data and escaped HTML), built for instant navigation."""
    project = copy_project(tmp_path_factory.mktemp("hostile") / "project")
    quiz_file = project / "quizzes" / "admin-policy-6-employee.yaml"
    quiz = yaml.safe_load(quiz_file.read_text(encoding="utf-8"))
    for question in quiz["questions"]:
        question["prompt"] = HOSTILE + question["id"]
    quiz_file.write_text(yaml.safe_dump(quiz, allow_unicode=True), encoding="utf-8")
    (policy_file,) = (project / "policy_source" / "policies").glob("*.yaml")
    policy = yaml.safe_load(policy_file.read_text(encoding="utf-8"))
    policy["acknowledgement"]["statement"] = HOSTILE
    policy_file.write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    with served_with_instant_navigation(project, engine) as base:
        yield base


def prompts(page) -> list[tuple[str, str]]:
    """(prompt as shown, question id) of each question on the page (at least one)."""
    page.locator("[data-hb-question]").first.wait_for()
    script = "sets => sets.map(s => [s.querySelector('.hb-prompt').textContent, s.dataset.hbQuestion])"
    found = page.eval_on_selector_all("[data-hb-question]", script)
    return [tuple(pair) for pair in found]


def test_text_in_page_data_stays_text_loaded_and_by_instant_navigation(page, hostile_site):
    page.goto(f"{hostile_site}/{EMPLOYEE}")
    assert all(shown == HOSTILE + qid for shown, qid in prompts(page))
    page.goto(f"{hostile_site}/policies/admin-policy-6.html")
    page.evaluate("window.hbSamePage = true")  # survives only while navigation stays instant
    page.locator("article a[href$='admin-policy-6-employee.html']").first.click()
    page.wait_for_url(f"**/{EMPLOYEE}")
    assert all(shown == HOSTILE + qid for shown, qid in prompts(page))
    page.go_back()
    page.locator("[data-hb-quiz]").wait_for(state="detached")  # the URL changes before the content
    page.locator("article a[href$='acknowledge/admin-policy-6.html']").first.click()
    page.wait_for_url(f"**/{ACKNOWLEDGE}")
    page.locator("[data-hb-ack]").wait_for(state="attached")  # the URL changes before the content
    assert page.evaluate("window.handbookData(document, 'acknowledgement').statement") == HOSTILE
    # On the page, text from YAML is one line: line and paragraph separators read as spaces.
    assert page.locator("#ack-statement").text_content().split() == HOSTILE.split()
    assert page.evaluate("window.hbSamePage") is True
    assert page.evaluate("window.hbInjected") is None and page.locator("img[src=x]").count() == 0
    assert page.console_errors == []
