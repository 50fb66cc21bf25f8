"""What the browser's scripts read from a page, built here once in Python: never in models or
templates.

Each piece of data is emitted by one template macro (``page_data`` in ``_page_data.md.j2``) as
JSON inside ``<div data-hb-data="NAME"><script type="application/json">[...]</script></div>``
and read by one function in ``handbook.js`` (``handbookData``). The JSON is a one-item array
because Material's instant navigation re-inserts inline scripts *without their attributes* so
that they run: an array literal runs harmlessly where an object literal would be a syntax
error, and the wrapping ``div`` keeps the name the script lost. The person block that
``_person.md.j2`` renders is made here too, from the record contract.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from handbook.models.checklists import Checklist
from handbook.models.forms import Form
from handbook.models.history import VersionRef
from handbook.models.policy import Policy
from handbook.models.quiz import Quiz
from handbook.models.roles import Role
from handbook.project import Project
from handbook.records.contract import PERSON_FIELDS, browser_contract
from handbook.strings import ENGLISH, Strings

_UNSAFE_IN_SCRIPT = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                     ("\u2029", "\\u2029"))


def html_json(value: Any) -> str:
    """``value`` as a one-item JSON array that cannot end its ``<script>`` element or open a
    comment in it, and that parses the same as JSON and as JavaScript."""
    text = json.dumps([value], ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _UNSAFE_IN_SCRIPT:  # str.replace scans in C: a quiz's data is tens of KB
        text = text.replace(char, escaped)
    return text


def strings_data(strings: Strings) -> str:
    """The browser's part of the string table, on every page whose scripts say something."""
    return html_json(strings.browser())


def policy_ref(policy: Policy) -> dict[str, str]:
    """The policy as a record names it: the exact words, by version and content hash."""
    return {"id": policy.id, "version": policy.version, "hash": policy.content_hash()}


def records_data(project: Project) -> str:
    """The record contract and where records go: once on every page that makes records; and
    whether the handbook has sign-in, so pages ask the service who is signed in only then."""
    return html_json({"contract": browser_contract(), "endpoint": project.handbook.records.endpoint or "",
                      "sign_in": project.handbook.sign_in is not None})


def quiz_data(quiz: Quiz, policy: Policy, policy_href: str, cited: Mapping[str, str],
              changed: Mapping[str, list[str]] | None = None) -> str:
    """What quiz.js needs, answer key included: the page is a self-check, and says so.
    Each question's clauses come with their citations (``cited``: clause id -> citation);
    ``changed`` maps an earlier policy version to the questions on what changed since it."""
    questions = [
        {
            "id": q.id,
            "kind": q.kind,
            "select": "multiple" if q.multiple else "single",
            "scenario": q.scenario,
            "prompt": q.prompt,
            "options": [o.model_dump() for o in q.choices()],
            "explanation": q.explanation,
            "cites": [{"id": clause, "text": cited[clause]} for clause in q.cites],
        }
        for q in quiz.questions
    ]
    return html_json({
        "id": quiz.id,
        "version": quiz.version,
        "title": quiz.title,
        "policy": policy_ref(policy),
        "policy_href": policy_href,
        "pass_mark": quiz.pass_mark,
        "scoring": quiz.scoring,
        "shuffle": quiz.shuffle.model_dump(),
        "draw": quiz.presented,
        "attempts": quiz.attempts,
        "questions": questions,
        "changed": dict(changed or {}),
    })


def exams_url(project: Project) -> str:
    """Where exam attempts start: beside the records endpoint (``/api/records`` -> ``/api/exams``);
    none when records go elsewhere or nowhere."""
    endpoint = project.handbook.records.endpoint or ""
    return endpoint.removesuffix("/records") + "/exams" if endpoint.endswith("/records") else ""


def exam_data(quiz: Quiz, project: Project, policy_href: str, cited: Mapping[str, str]) -> str:
    """What exam.js needs: where to ask the service for an attempt, and how people cite the
    policy's clauses (``cited``) for the feedback. No questions, no key: the service hands out
    the questions of each attempt and grades the answers."""
    return html_json({"id": quiz.id, "version": quiz.version, "title": quiz.title, "api": exams_url(project),
                      "policy_href": policy_href, "pass_mark": quiz.pass_mark, "attempts": quiz.attempts,
                      "citations": dict(cited)})


def acknowledgement_data(policy: Policy, needs: list[tuple[Quiz, list[Role]]], hrefs: Mapping[str, str],
                         roles: list[Role], current: Sequence[VersionRef] = (),
                         since: Sequence[str] = ()) -> str:
    """What acknowledge.js puts in the record, and the self-checks whose pass it needs: each
    quiz the rule names, and for every role the quiz that role passes (null: none). ``current``
    are the versions whose acknowledgements still count (an editorial lineage); ``since`` the
    earlier versions the page can show the changes from."""
    assert policy.acknowledgement is not None, "only policies with an acknowledgement have the page"
    quizzes = [{"id": quiz.id, "version": quiz.version, "title": quiz.title, "href": hrefs[quiz.id],
                "roles": [role.id for role in passing]} for quiz, passing in needs]
    by_role = {role.id: next((quiz.id for quiz, passing in needs if role in passing), None) for role in roles}
    return html_json({"policy": policy_ref(policy), "statement": policy.acknowledgement.statement,
                      "quizzes": quizzes, "by_role": by_role, "since": list(since),
                      "current": [ref.model_dump() for ref in current] or [policy_ref(policy)]})


def form_data(form: Form, policy: Policy, send_to: str) -> str:
    """What forms.js puts in the record, and whom the person is told to send a download to."""
    return html_json({"form": {"id": form.id, "version": form.version}, "policy": policy_ref(policy),
                      "send_to": send_to})


def checklist_data(checklist: Checklist) -> str:
    """Ticks are kept per checklist id and version, so a new version starts afresh."""
    return html_json({"id": checklist.id, "version": checklist.version})


@dataclass(frozen=True)
class PersonInput:
    """One field of the person block as a page shows it: the contract's field, its control's
    id on this page, and for the role the choices this page offers."""

    id: str
    html_id: str
    label: str
    required: bool
    autocomplete: str
    max_length: int
    input: Literal["text", "email", "role"]
    choices: tuple[Role, ...] = ()
    selected: str = ""

    @property
    def fixed(self) -> Role | None:
        """The one role there is to choose, shown as text rather than as a choice of one."""
        return self.choices[0] if self.input == "role" and len(self.choices) == 1 else None

    @property
    def type(self) -> str:
        """The field's type in the markup records.js checks, the same words as a form field's."""
        if self.input != "role":
            return self.input
        return "fixed" if self.fixed else "select"


def person_block(prefix: str, roles: list[Role], selected: str = "",
                 strings: Strings = ENGLISH) -> list[PersonInput]:
    """The person block of a page, field by field as the contract declares it, labelled in the
    site's language; ``roles`` are those a person may act as here (a form: who files it)."""
    return [
        PersonInput(field.id, f"{prefix}-{field.id.replace('_', '-')}",
                    strings.text(f"browser.person.{field.id}.label"), field.required,
                    field.autocomplete, field.max_length, field.input,
                    tuple(roles) if field.input == "role" else (), selected if field.input == "role" else "")
        for field in PERSON_FIELDS
    ]
