"""The organisation's own words (handbook.yaml ``wording``) laid over the language's string table.

The string table holds neutral words any organisation can ship ("ID number", "Local practice");
the handbook file may name things its own way ("Employee or member ID", "Town practice", "the
password vault"). Pages and scripts read one table, so the settings become entries of it here.
"""

from __future__ import annotations

from dataclasses import replace

from handbook.models.handbook import HandbookFile
from handbook.records.contract import in_sentence
from handbook.strings import Strings


def organisation_strings(strings: Strings, handbook: HandbookFile) -> Strings:
    """``strings`` with the handbook's wording in place of the neutral defaults."""
    wording = handbook.wording
    own: dict[str, str] = {}
    if wording.practice:
        own["practice.label"] = wording.practice
    if wording.person_id:
        own["browser.person.employee_id.label"] = own["ack.cert_employee_id"] = wording.person_id
        own["browser.person.employee_id.missing"] = strings.text("person.missing",
                                                                 label=in_sentence(wording.person_id))
    if wording.department:
        own["browser.person.department.label"] = own["ack.cert_department"] = wording.department
        own["browser.person.department.missing"] = strings.text("person.missing",
                                                                label=in_sentence(wording.department))
    if wording.credentials_holder and wording.credentials_store:
        own["forms.credentials"] = strings.text("forms.credentials_to", holder=wording.credentials_holder,
                                                store=wording.credentials_store)
    return replace(strings, entries={**strings.entries, **own}) if own else strings
