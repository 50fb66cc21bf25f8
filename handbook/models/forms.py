"""A form: the paperwork a policy implies, each field citing the clauses it comes from.

A form never collects a password or other credential: a form's answers end up in CSV files
and email, so credentials are handed over some other way (the handbook's ``wording`` names it).
So a credential type, or a free-text field whose id or label names a credential, is refused.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated

from pydantic import Field, WithJsonSchema, field_validator, model_validator

from handbook.models.base import Document, Id, Model, Text
from handbook.models.grounds import Grounded

FIELD_TYPES = ("text", "textarea", "email", "url", "date", "select", "multi-select", "checkbox", "signature")
CHOICE_TYPES = ("select", "multi-select")
FREE_TEXT_TYPES = ("text", "textarea", "email", "url", "signature")
"""Types that take whatever is typed, so could carry a secret; choices and ticks cannot."""

CREDENTIAL_WORDS = re.compile(
    r"pass\s*(?:word|wd|code|phrase)|credential|\bpins?\b|\bsecrets?\b|\bapi\s*keys?\b"
    r"|\b(?:access|auth)\s*tokens?\b|\botp\b|\bsecurity\s*(?:question|answer)s?\b",
    re.IGNORECASE,
)
CREDENTIAL_RULE = (
    "forms must not collect passwords or credentials: have them handed over outside the handbook, "
    "and at most ask for a confirmation checkbox"
)

PERSON_FIELDS = ("employee_id", "name", "department", "role", "email")
"""Every form asks these itself ("About you"): they fill the record's ``person`` and CSV columns."""

FieldType = Annotated[str, WithJsonSchema({"enum": list(FIELD_TYPES), "type": "string"})]


CONFUSABLES = str.maketrans({
    # Cyrillic letters that look Latin
    "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j", "к": "k", "м": "m",
    "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q",
    "ԝ": "w", "ѡ": "w", "ո": "n", "ս": "u",
    # Greek letters that look Latin
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ѵ": "v",
    # digits and signs used as letters
    "0": "o", "1": "l", "$": "s", "@": "a",
})
"""Look-alikes folded to the Latin letter they imitate (after NFKC and case folding)."""
COMPACT_WORDS = ("password", "passwd", "passcode", "passphrase", "credential")
"""Words found even spelled out with separators (``P-A-S-S-W-O-R-D``): long enough that no
ordinary word hides them."""


def folded(text: str) -> str:
    """``text`` as compared by the credential rule: NFKC, case-folded, zero-width and other
    formatting characters dropped, Cyrillic/Greek look-alikes made Latin."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").translate(CONFUSABLES)


@functools.lru_cache(maxsize=8192)
def credential_word(text: str) -> str | None:
    """The credential word in ``text`` (an id or a label), if it names one, however spelled:
    as written when it is plain, else as the folded form reads. Remembered per text: a large
    handbook's forms repeat the same labels and types thousands of times."""
    fold = folded(text)
    for candidate in (text, fold):
        found = CREDENTIAL_WORDS.search(re.sub(r"[._\-]+", " ", candidate))
        if found:
            return found.group(0)
    compact = re.sub(r"[\W_]+", "", fold)
    return next((word for word in COMPACT_WORDS if word in compact), None)


class Option(Model):
    id: Id = Field(description="The value recorded when this option is chosen.")
    label: Text
    cites: list[Id] = Field(default_factory=list, description="Clause ids this option stands for.")
    practice: bool = Field(default=False, description="The option is the organisation's practice.")


class FormField(Grounded):
    id: Id = Field(description="Unique within the form; the key of its answer in the record and CSV.")
    label: Text
    type: FieldType = Field(description="One of: " + ", ".join(FIELD_TYPES))
    required: bool = False
    help: Text | None = Field(default=None, description="A hint shown under the label.")
    options: list[Option] = Field(default_factory=list, description="Choices of a select or multi-select.")

    @field_validator("id")
    @classmethod
    def _not_person(cls, value: str) -> str:
        if value in PERSON_FIELDS:
            raise ValueError(f"field id '{value}' is taken: every form asks for {', '.join(PERSON_FIELDS)}")
        return value

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if credential_word(value):
            raise ValueError(f"field type '{value}' is refused: {CREDENTIAL_RULE}")
        if value not in FIELD_TYPES:
            raise ValueError(f"unknown field type '{value}'; known: {', '.join(FIELD_TYPES)}")
        return value

    @model_validator(mode="after")
    def _options_fit_type(self) -> FormField:
        if self.type in CHOICE_TYPES and len(self.options) < 2:
            raise ValueError(f"a {self.type} field needs at least two options")
        if self.type not in CHOICE_TYPES and self.options:
            raise ValueError(f"only select and multi-select fields have options, not {self.type}")
        return self

    def credential(self) -> tuple[str, str] | None:
        """(attribute, word) when this field would collect a credential."""
        if self.type not in FREE_TEXT_TYPES:
            return None
        for attribute in ("id", "label"):
            word = credential_word(getattr(self, attribute))
            if word:
                return attribute, word
        return None


class FormSection(Model):
    """A group of fields: a fieldset with this title as its legend."""

    title: Text
    intro: Text | None = None
    fields: list[FormField] = Field(min_length=1)


class Notice(Grounded):
    """Words shown before the fields, such as a protection the policy gives the filer."""

    text: Text


class Form(Document, Grounded):
    """A form carries out the clauses it ``cites``; ``practice: true`` says the form itself (its
    existence and routing) is the organisation's practice rather than a policy's words."""

    id: Id = Field(description="Page address and link target: form:<id>.")
    policy: Id = Field(description="The policy whose clauses the fields cite; the record names it.")
    version: Text = Field(description="Raise it when fields change; records name the version.")
    title: Text
    intro: Text | None = None
    filed_by: list[Id] = Field(min_length=1, description="Role ids of the people who fill it in.")
    send_to: list[Id] = Field(default_factory=list, description="Role ids of the people who receive it.")
    notices: list[Notice] = Field(default_factory=list)
    sections: list[FormSection] = Field(min_length=1)

    def fields(self) -> Iterator[tuple[FormField, tuple[str | int, ...]]]:
        """Every field in order, with its location in the source file."""
        for i, section in enumerate(self.sections):
            for j, field in enumerate(section.fields):
                yield field, ("sections", i, "fields", j)

    def cited(self) -> Iterator[tuple[str, tuple[str | int, ...]]]:
        """Every clause id the form cites, with where it is cited."""
        yield from ((c, ("cites", i)) for i, c in enumerate(self.cites))
        for n, notice in enumerate(self.notices):
            yield from ((c, ("notices", n, "cites", i)) for i, c in enumerate(notice.cites))
        for field, loc in self.fields():
            yield from ((c, (*loc, "cites", i)) for i, c in enumerate(field.cites))
            for k, option in enumerate(field.options):
                yield from ((c, (*loc, "options", k, "cites", i)) for i, c in enumerate(option.cites))
