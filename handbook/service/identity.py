"""Who is acting: the one place the service decides which person a request speaks for.

Without sign-in identity is self-asserted: the person block the page sends, with the employee
id normalised so "e 100" and "E100" are one person. A person signed in through the
organisation's OpenID provider (:class:`SignedIn`) speaks only for themselves: the fields their
sign-in gives come from it, and a block naming someone else is refused
(:func:`bound_person`). Everything bound to a person (records, exam attempts and their limits)
asks here.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError

from handbook.project import Project
from handbook.records.contract import PERSON_FIELDS, SignedInAs, in_sentence
from handbook.records.errors import InvalidRecord, NotAllowed, SignInRequired, UnknownReference
from handbook.records.model import Person, error_messages


def employee_key(employee_id: str) -> str:
    """An employee id as one person: compatibility-folded, without spaces, upper case."""
    return "".join(unicodedata.normalize("NFKC", employee_id).split()).upper()


def acting_person(project: Project, body: Any) -> dict[str, Any]:
    """The person block of ``body`` (``{"person": {...}}``), checked as a record's, its
    employee id normalised; :class:`InvalidRecord` says what is wrong."""
    data = body.get("person") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise InvalidRecord("person: send the person block (employee_id, name, ...) as an object")
    try:
        person = Person.model_validate(data)
    except ValidationError as error:
        raise InvalidRecord([f"person.{line}" for line in error_messages(error)]) from None
    found = person.model_dump()
    found["employee_id"] = employee_key(found["employee_id"])
    if not found["employee_id"]:
        raise InvalidRecord("person.employee_id: enter your employee or member ID")
    if found["role"] not in {role.id for role in project.roles}:
        raise UnknownReference(f"person.role: unknown role '{found['role']}'")
    return found


def acting_employee(body: Any) -> str:
    """The employee id a submission speaks for, normalised."""
    value = body.get("employee_id") if isinstance(body, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecord("employee_id: send the employee id of the person answering")
    return employee_key(value)


@dataclass(frozen=True)
class SignedIn:
    """A person the organisation's OpenID provider confirmed: the person fields its claims fill
    (``person``: employee id, name, email as the handbook's claim mapping says), the provider
    (``issuer``) and who they are there (``subject``), and whether they are HR."""

    issuer: str
    subject: str
    person: dict[str, str]
    hr: bool = False

    @property
    def label(self) -> str:
        """How pages and refusals name them: their name, and their email or employee id."""
        name = self.person.get("name") or self.person.get("employee_id", "")
        other = self.person.get("email") or self.person.get("employee_id", "")
        return f"{name} ({other})" if other and other != name else name

    @property
    def record_identity(self) -> SignedInAs:
        return SignedInAs("oidc", self.issuer, self.subject)

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> SignedIn | None:
        """The signed-in person a session keeps; None for a session without one (the admin token)."""
        if not text:
            return None
        data = json.loads(text)
        return cls(str(data["issuer"]), str(data["subject"]), dict(data["person"]), bool(data["hr"]))


def _same(field_id: str, given: object, known: str) -> bool:
    if field_id == "employee_id":
        return isinstance(given, str) and employee_key(given) == employee_key(known)
    return isinstance(given, str) and " ".join(given.split()).casefold() == " ".join(known.split()).casefold()


def bound_person(signed: SignedIn, person: dict[str, Any]) -> dict[str, Any]:
    """The person block a signed-in person sends, with every field their sign-in gives taken
    from the sign-in; :class:`NotAllowed` when the block names someone else."""
    differing = [f"{in_sentence(field.label)} '{person[field.id]}'" for field in PERSON_FIELDS
                 if field.id in signed.person and person.get(field.id) not in (None, "")
                 and not _same(field.id, person[field.id], signed.person[field.id])]
    if differing:
        raise NotAllowed(f"you are signed in as {signed.label}: a record you send is filed as you, not as "
                         f"{', '.join(differing)}")
    return {**person, **signed.person}


def signed_in_if_required(signed: SignedIn | None, required: bool) -> SignedIn | None:
    """``signed``, or :class:`SignInRequired` when nobody is signed in and sign-in is ``required``
    (an exam, when the handbook's sign-in says so)."""
    if signed is None and required:
        raise SignInRequired("sign in first (Sign in, at the top of the page): exams are taken signed in, "
                             "so HR knows who sat them")
    return signed


def only_own_attempt(signed: SignedIn | None, employee_id: str) -> None:
    """A signed-in person answers only attempts of their own employee id."""
    if signed is not None and employee_id != employee_key(signed.person["employee_id"]):
        raise NotAllowed(f"you are signed in as {signed.label}: you answer only your own attempts")
