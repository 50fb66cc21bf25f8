"""The built form pages: labelled controls, required markers, fieldsets, citations, record data."""

from __future__ import annotations

import pytest
import yaml

from handbook.build import build
from handbook.project import load_project
from tests.conftest import ROOT
from tests.paperwork import elements, page_data, words


@pytest.fixture(scope="module")
def project():
    loaded, problems = load_project(ROOT)
    assert problems == []
    return loaded


def page(site, form_id):
    return (site / "forms" / f"{form_id}.html").read_text(encoding="utf-8")


def test_every_field_is_labelled_marked_and_cites_its_clauses(project, built_site):
    for form in project.forms:
        found = elements(page(built_site, form.id))
        labels = {e.attrs["for"]: words(e.text) for e in found if e.tag == "label"}
        for field, _ in form.fields():
            (wrapper,) = [e for e in found if e.attrs.get("data-hb-field") == field.id]
            assert wrapper.attrs["data-hb-type"] == field.type
            assert ("data-hb-required" in wrapper.attrs) == field.required
            inside = [e for e in found if wrapper in e.parents]
            controls = [e for e in inside if e.tag in {"input", "select", "textarea"}]
            if field.type == "multi-select":
                (legend,) = [e for e in inside if e.tag == "legend"]
                assert words(legend.text).startswith(field.label)
                assert [c.attrs["value"] for c in controls] == [o.id for o in field.options]
                assert [labels[c.attrs["id"]] for c in controls] == [words(o.label) for o in field.options]
            else:
                (control,) = controls
                assert labels[control.attrs["id"]].startswith(words(field.label))
                assert ("required" in control.attrs) == field.required
                assert labels[control.attrs["id"]].endswith("(required)") == field.required
                error = f"{control.attrs['id']}-error"
                assert error in control.attrs["aria-describedby"].split()
                assert [e for e in inside if e.attrs.get("id") == error]
            cites = [a for a in inside if a.tag == "a" and "hb-cites" in a.parents[-1].attrs.get("class", "")]
            field_cites = [
                a.attrs["href"].split("#")[1] for a in cites
                if not any("hb-option" in p.attrs.get("class", "") for p in a.parents)
            ]
            assert field_cites == field.cites
        assert [words(e.text) for e in found if e.tag == "legend" and "hb-fieldset" in
                e.parents[-1].attrs.get("class", "")] == ["About you", *[s.title for s in form.sections]]


def test_the_form_carries_what_the_record_needs(project, built_site):
    for form in project.forms:
        html = page(built_site, form.id)
        (element,) = [e for e in elements(html, "form") if e.within("div", **{"data-hb-form": ""})]
        assert "novalidate" in element.attrs
        policy = project.policy(form.policy)
        data = page_data(html)
        assert data["form"] == {
            "form": {"id": form.id, "version": form.version},
            "policy": {"id": policy.id, "version": policy.version, "hash": policy.content_hash()},
            "send_to": ", ".join(project.role(role).name for role in form.send_to),
        }
        assert data["records"]["endpoint"] == (project.handbook.records.endpoint or "")
        (summary,) = elements(html, data_hb_error_summary="")
        assert summary.attrs["tabindex"] == "-1" and "hidden" in summary.attrs
        (status,) = elements(html, data_hb_record_status="")
        assert status.attrs["aria-live"] == "polite" and status.within("form")
        (receipt,) = elements(html, data_hb_receipt="")
        assert "hidden" in receipt.attrs
        assert words(receipt.text) == "Download receipt (not recorded yet: give this file to HR)"
        buttons = {words(b.text) for b in elements(html, "button")}
        assert {"Submit", "Download as JSON", "Download as CSV", "Print"} <= buttons


def test_no_page_has_a_password_input(built_site):
    for path in built_site.rglob("*.html"):
        assert not elements(path.read_text(encoding="utf-8"), "input", type="password"), path


def test_the_violation_report_states_the_no_retaliation_protection(project, built_site):
    found = elements(page(built_site, "violation-report"))
    (notice,) = [e for e in found if "hb-notice" in e.attrs.get("class", "")]
    text = words(notice.text)
    assert "The Town prohibits taking adverse action against any employee for reporting a possible" in text
    links = [a.attrs.get("href") for a in found if a.tag == "a" and notice in a.parents]
    assert "../policies/admin-policy-6.html#no-retaliation" in links


def test_role_pages_index_and_training_path_link_the_forms(project, built_site):
    index = (built_site / "forms" / "index.html").read_text(encoding="utf-8")
    assert {f"{f.id}.html" for f in project.forms} <= {a.attrs.get("href") for a in elements(index, "a")}
    for role in ("department-director", "staff-liaison", "mcs"):
        html = (built_site / "roles" / f"{role}.html").read_text(encoding="utf-8")
        assert "../forms/account-registration.html" in {a.attrs.get("href") for a in elements(html, "a")}
    html = (built_site / "roles" / "employee.html").read_text(encoding="utf-8")
    assert "../forms/account-request.html" in {a.attrs.get("href") for a in elements(html, "a")}


def test_a_configured_endpoint_reaches_the_form(project_copy, tmp_path):
    handbook = project_copy / "policy_source" / "handbook.yaml"
    data = yaml.safe_load(handbook.read_text(encoding="utf-8"))
    data.setdefault("records", {})["endpoint"] = "/api/records"
    handbook.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    site = build(project_copy, site_dir=tmp_path / "site").site_dir
    assert page_data(page(site, "account-request"))["records"]["endpoint"] == "/api/records"
