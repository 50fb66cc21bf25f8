"""The staff sign-in in Chromium, against the real provider (tests/oidc_kit.py): the person
block says who is signed in and its fields are the sign-in's, locked; the self-check and the
acknowledgement are recorded as that person; the pages and the refusal page are axe-clean."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from handbook.build import build
from handbook.service.oidc import discover
from tests.conftest import copy_project
from tests.oidc_kit import (
    SECRET_VARIABLE,
    account,
    client,
    configure,
    free_port,
    oidc_issuer,  # noqa: F401 (the session fixture)
    settings,
)
from tests.quiz_driver import (
    ACKNOWLEDGE,
    EMPLOYEE,
    answer_by_click,
    key,
    presented,
    quiz_data,
    settled_axe_violations,
)
from tests.records_kit import Service, project_at

pytestmark = pytest.mark.browser
WIDTHS = (375, 1280)


@pytest.fixture(scope="module")
def signed_site(tmp_path_factory: pytest.TempPathFactory, engine: str,
                oidc_issuer: str) -> Iterator[Service]:  # noqa: F811
    """The shipped handbook with a sign_in block, built, served with its provider discovered."""
    base = tmp_path_factory.mktemp("signin-browser")
    port, project = free_port(), copy_project(base / "project")
    redirect = f"http://127.0.0.1:{port}/auth/callback"
    configure(project, settings(oidc_issuer, "handbook", redirect))
    site = build(project, engine=engine).site_dir
    secret = {SECRET_VARIABLE: client("handbook")["client_secret"]}
    found = discover(project_at(project).handbook.sign_in, secret)  # as handbook serve does at start
    service = Service(project, site, base / "records.sqlite", provider=found)
    service.listen(port)
    yield service
    service.close()


def shots(page, folder: Path, name: str, part: str | None = None) -> None:
    """The top of the page, and ``part`` of it, as a phone and a desktop show them, for people
    to look at."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(folder / f"{name}-{width}.png"))
        if part:
            page.locator(part).screenshot(path=str(folder / f"{name}-part-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def locked(page, scope: str, field: str) -> str:
    box = page.locator(f"{scope} [data-hb-person='{field}'] input")
    assert box.evaluate("input => input.readOnly") is True
    return box.input_value()


def test_staff_sign_in_fills_and_locks_the_person_and_records_them(page, signed_site: Service,
                                                                    tmp_path: Path) -> None:
    ann, base = account("ann"), signed_site.address
    page.goto(f"{base}/{EMPLOYEE}")
    banner = page.locator("[data-hb-signin]")
    expect(banner).to_contain_text("Sign in so the record shows it was you")
    banner.get_by_role("link", name="Sign in with your organisation account").click()
    page.locator("#login").fill("ann")  # the provider's own sign-in page
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/{EMPLOYEE}")
    expect(banner).to_contain_text(f"Signed in as {ann['name']} ({ann['email']}).")
    scope = "[data-hb-record-form]"
    shown = [locked(page, scope, field) for field in ("employee_id", "name", "email")]
    assert shown == [ann["employee_id"], ann["name"], ann["email"]]

    data = quiz_data(page)
    answer_by_click(page, {qid: key(data, qid) for qid, _ in presented(page)})
    page.locator(f"{scope} [name='department']").fill("Parks")
    assert settled_axe_violations(page) == []
    shots(page, tmp_path, "quiz-signed-in", scope)
    page.locator(f"{scope} button[type='submit']").click()
    status = page.locator(f"{scope} [data-hb-record-status]")
    expect(status).to_contain_text("Recorded by the records service")

    page.goto(f"{base}/{ACKNOWLEDGE}")
    form = "[data-hb-ack-form]"
    expect(page.locator("[data-hb-signin]")).to_contain_text(f"Signed in as {ann['name']}")
    note = page.locator(f"{form} [data-hb-signin-note]")
    expect(note).to_contain_text("come from your organisation account")
    assert locked(page, form, "employee_id") == ann["employee_id"]
    assert page.locator("[data-hb-ack-restart]").is_hidden()  # "Not you?": sign out instead
    page.locator(f"{form} [name='department']").fill("Parks")
    page.locator(f"{form} [name='role']").select_option("employee")
    page.locator("#ack-agree").check()
    page.locator("#ack-signature").fill(ann["name"])
    assert settled_axe_violations(page) == []
    shots(page, tmp_path, "acknowledge-signed-in", form)
    page.locator(f"{form} button[type='submit']").click()
    page.locator("[data-hb-certificate]").wait_for()

    with sqlite3.connect(signed_site.db) as db:
        rows = db.execute("SELECT kind, employee_id, identity, identity_subject FROM records "
                          "ORDER BY seq").fetchall()
    assert rows == [("quiz-attempt", "E100", "oidc", ann["sub"]),
                    ("acknowledgement", "E100", "oidc", ann["sub"])]

    for other in ("forms/violation-report.html", "quizzes/admin-policy-6-sma.html"):  # a form, the exam
        page.goto(f"{base}/{other}")
        expect(page.locator("[data-hb-signin]")).to_contain_text(f"Signed in as {ann['name']}")
        first = page.locator("fieldset.hb-person").first
        expect(first.locator("[data-hb-person='employee_id'] input")).to_have_value(ann["employee_id"])
        assert first.locator("[data-hb-person='name'] input").evaluate("input => input.readOnly") is True

    page.goto(f"{base}/{ACKNOWLEDGE}")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/{ACKNOWLEDGE}")
    expect(page.locator("[data-hb-signin]")).to_contain_text("Sign in so the record shows it was you")
    employee = page.locator(f"{form} [data-hb-person='employee_id'] input")
    assert employee.evaluate("i => i.readOnly") is False
    assert page.outside_requests == []


def test_a_refused_sign_in_ends_on_a_clear_accessible_page(page, signed_site: Service,
                                                           tmp_path: Path) -> None:
    page.goto(f"{signed_site.address}/auth/callback?state=not-a-sign-in-of-this-browser&code=x")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in did not work")
    expect(page.get_by_role("alert")).to_contain_text("This sign-in link was already used")
    again = page.get_by_role("link", name="start the sign-in again")
    assert again.get_attribute("href") == "/auth/login?next=/"
    assert settled_axe_violations(page) == []
    shots(page, tmp_path, "sign-in-refused")


def test_hr_signs_in_with_their_account_and_downloads(page, signed_site: Service, tmp_path: Path) -> None:
    hana, base = account("hana"), signed_site.address
    page.goto(f"{base}/hr")
    assert settled_axe_violations(page) == []
    shots(page, tmp_path, "hr-sign-in")
    page.get_by_role("link", name="Sign in with your organisation account").click()
    page.locator("#login").fill("hana")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/hr")
    expect(page.locator("#signed-in")).to_have_text(f"Signed in as {hana['name']} ({hana['email']}).")
    assert settled_axe_violations(page) == []
    shots(page, tmp_path, "hr-signed-in")
    with page.expect_download() as download:
        page.get_by_role("link", name="acknowledgements.csv").click()
    assert Path(download.value.path()).read_text(encoding="utf-8-sig").startswith('"record_id"')
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in with your organisation account")).to_be_visible()
