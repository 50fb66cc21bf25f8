"""One person per browser session, and honest confirmations, in Chromium against the real
records service: on a shared computer one person's self-check pass never opens the
acknowledgement for the next; a certificate appears only for a record the service stored,
with its id and time; a refusal is shown where the person is looking, keeps their input and
offers the receipt; a new attempt clears the last one's status."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from handbook.build import build
from tests.conftest import copy_project
from tests.quiz_driver import ACKNOWLEDGE, EMPLOYEE, check_answers, fill_person, pass_quiz, presented
from tests.records_kit import Service, set_records_settings

pytestmark = pytest.mark.browser

FORM = "[data-hb-ack-form]"
STATUS = "[data-hb-ack] [data-hb-record-status]"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Path:
    root = copy_project(tmp_path_factory.mktemp("one-person") / "project")
    set_records_settings(root, rate_limit_per_minute=100_000)
    build(root, engine=engine)
    return root


def serve(project: Path, site: Path, db: Path) -> Iterator[Service]:
    service = Service(project, site, db)
    service.listen()
    yield service
    service.close()


@pytest.fixture(scope="module")
def service(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from serve(built, built / "site", tmp_path_factory.mktemp("db") / "records.sqlite")


@pytest.fixture(scope="module")
def refusing(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service of a handbook whose policy has moved on to version 2 since these pages were
    built: it refuses their records (an unknown version), as a real service does."""
    other = copy_project(tmp_path_factory.mktemp("moved-on") / "project")
    policy = other / "policy_source" / "policies" / "admin-policy-6.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace('version: "1"', 'version: "2"', 1), encoding="utf-8")
    yield from serve(other, built / "site", tmp_path_factory.mktemp("db") / "records.sqlite")


def acknowledge_as(page, employee_id: str, name: str) -> None:
    fill_person(page, FORM, employee_id=employee_id, name=name, department="Parks", role="employee")
    page.locator("#ack-agree").check()
    page.locator("#ack-signature").fill(name)
    page.locator(f"{FORM} button[type='submit']").click()


def rows(service: Service, kind: str, employee_id: str) -> list:
    return [row for row in service.store.rows(kind) if row["employee_id"] == employee_id]


def test_on_a_shared_computer_the_next_person_is_gated(page, service):
    pass_quiz(page, f"{service.address}/{EMPLOYEE}", employee_id="E-A", name="Ann First")
    assert len(rows(service, "quiz-attempt", "E-A")) == 1
    page.goto(f"{service.address}/{ACKNOWLEDGE}")
    acknowledge_as(page, "E-B", "Bob Second")
    assert page.locator(STATUS).inner_text().startswith("Not sent: E-B has not passed")
    assert page.locator("[data-hb-ack-gate]").is_visible()
    assert page.locator("[data-hb-ack-passed]").is_hidden()
    assert page.locator("[data-hb-certificate]").is_hidden()
    assert rows(service, "acknowledgement", "E-B") == []
    assert "Acknowledging as Bob Second (E-B)." in page.locator("[data-hb-ack-acting]").inner_text()
    page.locator("[data-hb-ack-restart]").click()  # Not you? Start over
    for field in ("employee_id", "name", "department", "signature"):
        assert page.locator(f"{FORM} [name='{field}']").input_value() == ""
    assert page.locator(STATUS).inner_text() == "" and page.locator("[data-hb-ack-acting]").inner_text() == ""
    acknowledge_as(page, "e-a ", "Ann First")  # A, typed another way, has her own pass
    assert "E-A passed Employee self-check" in page.locator("[data-hb-ack-passed]").inner_text()
    page.locator("[data-hb-certificate]").wait_for()
    (stored,) = rows(service, "acknowledgement", "e-a")
    certificate = page.locator("[data-hb-certificate]")
    assert certificate.locator("[data-hb-cert='id']").inner_text() == f"Record {stored['id']}"  # small print
    received = certificate.locator("[data-hb-cert='received_at']").inner_text()  # the service's, in words
    assert re.fullmatch(r"[A-Z][a-z]+ \d{1,2}, \d{4} at \d{1,2}:\d\d\W[AP]M", received), received
    status = page.locator(STATUS).inner_text()
    assert f"Recorded by the records service on {received}." in status and f"Record {stored['id']}" in status


def test_a_refused_acknowledgement_shows_no_certificate_and_keeps_the_input(page, refusing):
    pass_quiz(page, f"{refusing.address}/{EMPLOYEE}", employee_id="E-C", name="Cy Third")
    page.goto(f"{refusing.address}/{ACKNOWLEDGE}")
    acknowledge_as(page, "E-C", "Cy Third")
    status = page.locator(STATUS)
    status.filter(has_text="Not recorded yet.").wait_for()
    assert "The records service answered: policy.version: unknown version '1'" in status.inner_text()
    assert page.locator("[data-hb-certificate]").is_hidden() and page.locator(FORM).is_visible()
    assert page.locator("#ack-signature").input_value() == "Cy Third"
    receipt = page.locator("[data-hb-ack] [data-hb-receipt] button")
    assert receipt.is_visible() and "not recorded yet: give this file to HR" in receipt.inner_text()
    assert list(refusing.store.rows("acknowledgement")) == []


def test_a_new_attempt_clears_the_last_attempts_status(page, refusing):
    pass_quiz(page, f"{refusing.address}/{EMPLOYEE}", employee_id="E-D", name="Di Fourth")
    status = page.locator("[data-hb-record-form] [data-hb-record-status]")
    assert status.inner_text().startswith("Not recorded yet. The records service answered")
    page.locator("[data-hb-quiz-retry]").click()
    check_answers(page, unanswered=len(presented(page)))
    assert status.inner_text() == "" and page.locator("[data-hb-record-form] [data-hb-receipt]").is_hidden()
