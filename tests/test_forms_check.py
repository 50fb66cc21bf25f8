"""`handbook check` on broken forms, and the rule that no form collects a credential."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handbook.models.forms import CHOICE_TYPES, FIELD_TYPES, FREE_TEXT_TYPES, FormField, credential_word
from handbook.project import load_project
from tests.conftest import ROOT
from tests.paperwork import at, check_problems, write_broken

FILE = "policy_source/forms/zz-test.yaml"
GOOD = """\
# yaml-language-server: $schema=../../schemas/form.schema.json
id: test-form
policy: admin-policy-6
version: "1"
title: Test form
filed_by: [department-director]
send_to: [itm]
cites: [procedure.1.c]
notices:
  - text: Give credentials to the ITM through the password vault, never on this form.
    cites: [procedure.1.c]
sections:
  - title: The account
    fields:
      - id: platform
        label: Platform
        type: text
        required: true
        cites: [procedure.1.c]
      - id: kind
        label: Kind of account
        type: select
        options:
          - id: department
            label: A department's
          - id: board
            label: A board's
            cites: [procedure.1.b]
        cites: [procedure.1.b]
      - id: credentials-given
        label: I confirm the credentials went to the ITM through the password vault.
        type: checkbox
        required: true
        cites: [procedure.1.c]
"""
CREDENTIAL = "forms must not collect passwords or credentials"


def broken(project, old: str, new: str) -> str:
    return write_broken(project, FILE, GOOD, old, new)


def test_a_good_form_passes_and_a_credential_confirmation_checkbox_is_allowed(project_copy):
    (project_copy / FILE).write_text(GOOD, encoding="utf-8")
    assert check_problems(project_copy) == (0, [])


KNOWN = ", ".join(FIELD_TYPES)
CASES = {
    "unknown field type": (
        "type: text", "type: dropdown", "dropdown",
        f"sections[0].fields[0].type: unknown field type 'dropdown'; known: {KNOWN}",
    ),
    "password type": (
        "type: text", "type: password", "password\n",
        f"sections[0].fields[0].type: field type 'password' is refused: {CREDENTIAL}",
    ),
    "password label": (
        "label: Platform", "label: Account password", "Account password",
        f"field label names a credential ('password'): {CREDENTIAL}",
    ),
    "PIN label": (
        "label: Platform", "label: Voicemail PIN", "Voicemail PIN",
        f"field label names a credential ('PIN'): {CREDENTIAL}",
    ),
    "passcode id": (
        "- id: platform", "- id: account-passcode", "account-passcode",
        f"field id names a credential ('passcode'): {CREDENTIAL}",
    ),
    "credentials id": (
        "- id: platform", "- id: login-credentials", "login-credentials",
        f"field id names a credential ('credential'): {CREDENTIAL}",
    ),
    "secret label": (
        "label: Platform", "label: Shared secret", "Shared secret",
        f"field label names a credential ('secret'): {CREDENTIAL}",
    ),
    "dangling field citation": (
        "        required: true\n        cites: [procedure.1.c]",
        "        required: true\n        cites: [procedure.1.c, procedure.7]",
        "procedure.7", "unknown clause 'procedure.7'",
    ),
    "dangling option citation": (
        "cites: [procedure.1.b]\n        cites", "cites: [moderation.9]\n        cites",
        "moderation.9", "unknown clause 'moderation.9'",
    ),
    "dangling notice citation": (
        "    cites: [procedure.1.c]\nsections", "    cites: [purpose.2]\nsections",
        "purpose.2", "unknown clause 'purpose.2'",
    ),
    "duplicate field id": (
        "- id: kind", "- id: platform", "platform", "duplicate field id 'platform' (first at line 15)",
    ),
    "duplicate option id": (
        "- id: board", "- id: department", "department\n",
        "duplicate option id 'department' (first at line 24)",
    ),
    "select with one option": (
        """          - id: board
            label: A board's
            cites: [procedure.1.b]
""", "", "id: kind", "sections[0].fields[1]: a select field needs at least two options",
    ),
    "person field id": (
        "- id: platform", "- id: email", "email",
        "sections[0].fields[0].id: field id 'email' is taken: every form asks for "
        "employee_id, name, department, role, email",
    ),
    "unknown recipient role": ("send_to: [itm]", "send_to: [it-desk]", "it-desk", "unknown role 'it-desk'"),
}
SECOND = {"duplicate field id": 2, "duplicate option id": 2}


@pytest.mark.parametrize("case", CASES)
def test_a_broken_form_is_reported_exactly(project_copy, case):
    old, new, needle, message = CASES[case]
    text = broken(project_copy, old, new)
    code, lines = check_problems(project_copy)
    assert code == 1
    where = at(text, needle, SECOND.get(case, 1))
    if case == "select with one option":  # a whole-field rule points at the field's first key
        where = at(text, "id: kind")
    wanted = f"{FILE}:{where}: {message}"
    assert any(line.startswith(wanted) for line in lines), (wanted, lines)


def test_the_shipped_forms_cite_only_real_clauses_and_ask_no_credential():
    project, problems = load_project(ROOT)
    assert problems == [] and project is not None
    assert {f.id for f in project.forms} >= {
        "account-request", "sma-designation", "account-registration", "removed-content", "violation-report"
    }
    clauses = project.policy("admin-policy-6").clause_ids()
    for form in project.forms:
        assert all(c in clauses for c, _ in form.cited()), form.id
        assert all(field.credential() is None for field, _ in form.fields()), form.id
    registration = next(f for f in project.forms if f.id == "account-registration")
    types = {field.id: field.type for field, _ in registration.fields()}
    assert types["credentials-via-vault"] == "checkbox"


def shipped_forms() -> dict:
    project, problems = load_project(ROOT)
    assert problems == [] and project is not None
    return {form.id: form for form in project.forms}


def ground_options(form_id: str, field_id: str) -> dict[str, list[str]]:
    form = shipped_forms()[form_id]
    field = next(field for field, _ in form.fields() if field.id == field_id)
    return {option.id: option.cites for option in field.options}


@pytest.mark.parametrize(("form_id", "field_id"), [("removed-content", "restrictions-broken"),
                                                  ("violation-report", "restrictions")])
def test_grounds_are_the_restrictions_preamble_and_each_item_once(form_id, field_id):
    """The preamble's grounds (safety, security, operations, reputation) are a choice, and no two
    choices stand for the same item (an "another Town policy" choice would repeat e.1)."""
    options = ground_options(form_id, field_id)
    leaves = [cites[-1] for cites in options.values()]
    wanted = ["restrictions", "restrictions.a", "restrictions.b", "restrictions.c", "restrictions.d",
              "restrictions.e.1", "restrictions.e.2", "restrictions.e.3", "restrictions.e.4"]
    assert [leaf for leaf in leaves if leaf != "moderation"] == wanted
    if form_id == "removed-content":  # public content may also go at the Town's discretion
        assert leaves.count("moderation") == 1


def test_a_board_account_needs_no_sma_on_its_registration():
    registration = shipped_forms()["account-registration"]
    fields = {field.id: field for field, _ in registration.fields()}
    assert not fields["smas"].required
    assert fields["staff-liaison"].cites == ["procedure.1.b"]


def test_the_violation_report_cites_no_retaliation_only_where_it_states_it():
    report = shipped_forms()["violation-report"]
    citing = [field.id for field, _ in report.fields() if "no-retaliation" in field.cites]
    assert citing == ["cooperate"]
    assert [n.cites for n in report.notices] == [["no-retaliation"]]


WORDS = ["password", "Passwords", "passcode", "PIN", "pins", "secret", "Credentials", "credential",
         "pass word", "passphrase", "API key", "access token", "security answer"]
SAFE = ["account", "title", "platform", "spinning", "secretary", "pinned", "address", "date", "opinion",
        "compass", "passing", "tokenism", "division"]


@given(
    before=st.lists(st.sampled_from(SAFE), max_size=3),
    word=st.sampled_from(WORDS),
    after=st.lists(st.sampled_from(SAFE), max_size=3),
    joiner=st.sampled_from([" ", "-", ".", "_"]),
    kind=st.sampled_from(FREE_TEXT_TYPES),
)
def test_a_free_text_field_naming_a_credential_is_refused(before, word, after, joiner, kind):
    label = joiner.join([*before, word, *after])
    field = FormField(id="answer", label=label, type=kind, cites=["x"])
    assert field.credential() is not None


@given(words=st.lists(st.sampled_from(SAFE), min_size=1, max_size=6), kind=st.sampled_from(FIELD_TYPES))
def test_ordinary_labels_are_never_refused(words, kind):
    assert credential_word(" ".join(words)) is None
    options = [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}] if kind in CHOICE_TYPES else []
    field = FormField(id="-".join(words), label=" ".join(words), type=kind, options=options, cites=["x"])
    assert field.credential() is None


@given(word=st.sampled_from(WORDS), kind=st.sampled_from(["checkbox", "select", "multi-select", "date"]))
def test_choices_and_ticks_may_mention_credentials(word, kind):
    """A confirmation ("credentials went to the vault") collects no secret, so it is allowed."""
    options = [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}] if kind in CHOICE_TYPES else []
    label = f"I gave the {word} to the ITM"
    field = FormField(id="confirm", label=label, type=kind, options=options, cites=["x"])
    assert field.credential() is None


@given(kind=st.text(min_size=1, max_size=20).filter(lambda t: t not in FIELD_TYPES))
def test_any_other_type_is_refused_with_the_known_types(kind):
    with pytest.raises(ValueError, match=r"unknown field type|is refused"):
        FormField(id="answer", label="Answer", type=kind, cites=["x"])


@pytest.mark.parametrize(("label", "word"), [
    ("p\u0430ssword", "password"),  # Cyrillic а
    ("pass\u200bword", "password"),  # zero-width space
    ("P-A-S-S-W-O-R-D", "password"),
    ("\u0440\u0430\u0455\u0455word", "password"),  # Cyrillic р а ѕ ѕ
    ("\u03c1assword", "password"),  # Greek rho
    ("\uff30\uff41\uff53\uff53\uff57\uff4f\uff52\uff44", "password"),  # full-width
    ("Pa$$w0rd", "password"),
    ("C.R.E.D.E.N.T.I.A.L.S", "credential"),
    ("Voicemail P\u0406N", "pin"),  # Cyrillic І
])
def test_the_credential_rule_sees_through_look_alikes_and_separators(project_copy, label, word):
    assert credential_word(label) == word
    path = broken(project_copy, "label: Platform", f'label: "{label}"')
    problems = check_problems(project_copy)[1]
    assert any(f"field label names a credential ('{word}')" in line for line in problems), (path, problems)


@pytest.mark.parametrize("label", ["Passport number", "Department", "Spinning class", "Secretary",
                                   "Pinned post"])
def test_ordinary_words_are_not_credentials(label):
    assert credential_word(label) is None
