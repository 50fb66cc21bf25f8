"""What built pages hand their scripts: data made in Python and safe inside HTML, the record
contract once on every page that makes a record, and on each of those pages the person block
exactly as the contract declares it."""

from __future__ import annotations

import json

import pytest

from handbook.page_data import html_json
from handbook.project import load_project
from handbook.records.contract import PERSON_FIELDS, browser_contract
from tests.conftest import ROOT, shipped_person
from tests.paperwork import Element, elements, page_data, person_fields

RECORD_PAGES = {
    "forms/account-request.html": ["employee", "board-member"],
    "forms/sma-designation.html": ["department-director"],  # one role: shown as text
    "quizzes/admin-policy-6-sma.html": None,  # None: every role of the handbook
    "acknowledge/admin-policy-6.html": None,
}


@pytest.fixture(scope="module")
def project():
    loaded, problems = load_project(ROOT)
    assert problems == []
    return loaded


def options_of(html: str, select: Element) -> list[Element]:
    return [o for o in elements(html, "option") if o.within("select", id=select.attrs["id"])]


def test_json_for_a_page_cannot_end_its_script_and_reads_back_as_written():
    hostile = {"title": "</script><script>alert(1)</script><!-- a & b --> \u2028\u2029 'q' \"d\""}
    text = html_json(hostile)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == [hostile]


@pytest.mark.parametrize("path", sorted(RECORD_PAGES))
def test_every_person_block_is_the_one_the_contract_declares(built_site, project, path):
    html = (built_site / path).read_text(encoding="utf-8")
    shown = person_fields(html)
    labels = shipped_person("label")  # the contract's fields, labelled in the shipped handbook's words
    declared_fields = [(f.id, labels[f.id], f.required) for f in PERSON_FIELDS]
    assert [(f.id, f.label, f.required) for f in shown] == declared_fields
    for field, declared in zip(shown, PERSON_FIELDS, strict=True):
        control = field.control
        assert control.attrs["name"] == declared.id
        if declared.input != "role":
            assert control.attrs["type"] == declared.input
            assert control.attrs["autocomplete"] == declared.autocomplete
            assert int(control.attrs["maxlength"]) == declared.max_length
    (role,) = [f.control for f in shown if f.id == "role"]
    roles = RECORD_PAGES[path] or [r.id for r in project.roles]
    if len(roles) == 1:
        assert (role.tag, role.attrs["type"], role.attrs["value"]) == ("input", "hidden", roles[0])
    else:
        assert [o.attrs["value"] for o in options_of(html, role)] == ["", *roles]
    assert html.count("<legend>About you</legend>") == 1
    data = page_data(html)
    endpoint = project.handbook.records.endpoint or ""
    assert data["records"] == {"contract": browser_contract(), "endpoint": endpoint,
                               "sign_in": project.handbook.sign_in is not None}
    assert data["records"]["sign_in"] is False  # the shipped handbook has no sign_in block


def test_a_quiz_offers_every_role_and_starts_at_its_audience(built_site, project):
    for quiz in project.quizzes:
        html = (built_site / "quizzes" / f"{quiz.id}.html").read_text(encoding="utf-8")
        (role,) = [f.control for f in person_fields(html) if f.id == "role"]
        chosen = [o.attrs["value"] for o in options_of(html, role) if "selected" in o.attrs]
        assert chosen == [quiz.audience[0]]


def test_pages_that_make_no_record_carry_no_contract(built_site):
    for path in ("index.html", "policies/admin-policy-6.html", "checklists/sma.html", "forms/index.html"):
        assert "records" not in page_data((built_site / path).read_text(encoding="utf-8")), path
