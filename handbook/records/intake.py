"""Accepting a record: parse, check it against the project, re-grade it, store it.

The service and ``handbook records import`` both go through :func:`accept`, so a receipt
that was downloaded instead of sent meets exactly the same checks, and a score that reaches
HR is always the one recomputed here, never the one the browser claimed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from functools import lru_cache
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from pydantic import ValidationError

from handbook.changes import changed_questions
from handbook.grading import Grade, GradingError, grade_attempt
from handbook.history import current_refs, is_current
from handbook.models.forms import Form, FormField
from handbook.models.history import PublishedVersion, VersionRef
from handbook.models.policy import Policy
from handbook.models.quiz import Quiz
from handbook.project import Project
from handbook.records.cleantext import email_problem, text_problem
from handbook.records.contract import PERSON_FIELDS, SignedInAs, normalise_employee_id
from handbook.records.earlier import acknowledged_versions
from handbook.records.errors import Conflict, InvalidRecord, NotCurrent, UnknownReference, Unreadable
from handbook.records.model import Record, error_messages
from handbook.records.store import Store, Stored


@dataclass(frozen=True)
class Grading:
    """What the server computed for a quiz attempt, beside what the client claimed."""

    score: float | None = None
    passed: bool | None = None
    pass_mark: int | None = None
    mismatch: str | None = None


def parse(body: bytes) -> Record:
    """JSON bytes to a :class:`Record`; :class:`Unreadable` or :class:`InvalidRecord` if not one.

    A record is read in one pass by pydantic-core, which parses the JSON and validates it in
    Rust (no Python objects made only to be validated). Its parser refuses all that
    :func:`json.loads` refuses, and a body either refuses goes again through :func:`read_slowly`,
    which is what says why, so every refusal keeps its one message."""
    if b"\\u0000" in body:  # JSON carries a NUL only escaped: rare, so searched for in C first
        return read_slowly(body)
    try:
        return Record.model_validate_json(body)
    except (ValidationError, RecursionError):
        return read_slowly(body)


NUL = "must not contain the NUL character U+0000 (no store can keep it)"


def _with_nul(value: Any, where: str) -> Iterator[str]:
    if isinstance(value, str) and "\x00" in value:
        yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{where}.{key}" if where else str(key)
            yield from [inner.replace("\x00", "\\u0000")] if "\x00" in key else _with_nul(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _with_nul(item, f"{where}.{index}" if where else str(index))


def read_slowly(body: bytes) -> Record:
    """:func:`parse` with Python's JSON parser and then the record model: the messages of a refusal."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise Unreadable("the body is not UTF-8 text") from None
    except RecursionError:
        raise Unreadable("the body is nested too deeply") from None
    except ValueError as error:
        raise Unreadable(f"the body is not valid JSON: {str(error)[:200]}") from None
    return validate(data)


def validate(data: Any) -> Record:
    if not isinstance(data, dict):
        raise InvalidRecord("a record is a JSON object")
    try:
        record = Record.model_validate(data)
    except ValidationError as error:
        raise InvalidRecord(error_messages(error)) from None
    except RecursionError:
        raise Unreadable("the body is nested too deeply") from None
    others = {key: value for key, value in data.items() if key != "answers"}  # the checks judge answers
    nul = [f"{where}: {NUL}" for where in _with_nul(others, "")]
    if nul:  # in text the model lets through; PostgreSQL cannot hold it, so no store takes it
        raise InvalidRecord(nul)
    return record


class _Named(Protocol):
    @property
    def id(self) -> str: ...


class _Versioned(_Named, Protocol):
    @property
    def version(self) -> str: ...
    @property
    def policy(self) -> str: ...


N = TypeVar("N", bound=_Named)
V = TypeVar("V", bound=_Versioned)


def _by_id(items: Sequence[N]) -> dict[str, N]:
    """Each item under its id (the first, should two share one)."""
    found: dict[str, N] = {}
    for item in items:
        found.setdefault(item.id, item)
    return found


@dataclass(frozen=True)
class _Index:
    """What every record's checks look up in a project, made once per loaded project instead
    of by a walk through its lists for each record."""

    policies: dict[str, Policy]
    quizzes: dict[str, Quiz]
    forms: dict[str, Form]
    roles: frozenset[str]
    audiences: dict[str, list[str]]
    required: dict[tuple[str, str], str | None] = dataclass_field(default_factory=dict)
    """(policy id, role) -> the quiz its acknowledgement requires, filled as roles come."""
    refs: dict[str, list[VersionRef]] = dataclass_field(default_factory=dict)
    """Policy id -> the (version, hash) pairs still current (:func:`~handbook.history.current_refs`)."""

    def current(self, policy: Policy, published: list[PublishedVersion]) -> list[VersionRef]:
        """:func:`~handbook.history.current_refs` of a policy of this project, made once."""
        found = self.refs.get(policy.id)
        if found is None:
            found = self.refs[policy.id] = current_refs(policy, published)
        return found

    def required_quiz(self, policy: Policy, role: str) -> str | None:
        """The policy's ``requires_quiz`` rule for ``role``; kept only for the handbook's roles."""
        key = (policy.id, role)
        if key in self.required:
            return self.required[key]
        assert policy.acknowledgement is not None
        quiz = policy.acknowledgement.quiz_for(role, self.audiences)
        if role in self.roles:
            self.required[key] = quiz
        return quiz

    @classmethod
    def of(cls, project: Project) -> _Index:
        return cls(_by_id(project.policies), _by_id(project.quizzes), _by_id(project.forms),
                   frozenset(role.id for role in project.roles),
                   {quiz.id: quiz.audience for quiz in project.quizzes})


_indexes: dict[int, tuple[Project, _Index]] = {}


def _index(project: Project) -> _Index:
    """The :class:`_Index` of ``project`` (kept for the few projects loaded last: a preview
    loads a new one on each save)."""
    found = _indexes.get(id(project))
    if found is not None and found[0] is project:
        return found[1]
    if len(_indexes) >= 8:
        _indexes.clear()
    made = _Index.of(project)
    _indexes[id(project)] = (project, made)
    return made


@lru_cache(maxsize=256)
def _words(text: str) -> str:
    """``text`` with its runs of white space made one space: how statements are compared."""
    return " ".join(text.split())


def _current(items: Mapping[str, V], kind: str, ident: str, version: str, policy_id: str) -> V:
    """The quiz or form a record names: known, at its current version, on the record's policy."""
    item = items.get(ident)
    if item is None:
        raise UnknownReference(f"{kind}.id: unknown {kind} '{ident}'")
    if item.version != version:
        raise UnknownReference(f"{kind}.version: unknown version '{version}' of {kind} '{ident}' "
                               f"(current: '{item.version}')")
    if item.policy != policy_id:
        raise UnknownReference(f"{kind}.id: {kind} '{ident}' belongs to policy '{item.policy}', "
                               f"not '{policy_id}'")
    return item


def check_policy(project: Project, store: Store, record: Record, source: str = "api") -> None:
    """The policy must be one this project has, at its current text or one already on record
    (stored, or published in its history). Through the service, an acknowledgement must be of
    the current version (or one its editorial lineage keeps current): :class:`NotCurrent` says
    which version is."""
    ref = record.policy
    policy = _index(project).policies.get(ref.id)
    if policy is None:
        known = ", ".join(p.id for p in project.policies)
        raise UnknownReference(f"policy.id: unknown policy '{ref.id}' (known: {known})")
    published = project.history.get(policy.id, [])
    if is_current(_index(project).current(policy, published), ref.version, ref.hash):
        return
    if ref.version == policy.version:
        raise UnknownReference(f"policy.hash: does not match the text of policy '{ref.id}' version "
                               f"'{ref.version}' (edited, or the policy changed without a new version)")
    known_version = (any(p.version == ref.version and p.hash == ref.hash for p in published)
                     or store.knows_policy_version(ref.id, ref.version, ref.hash))
    if known_version and record.kind == "acknowledgement" and source == "api":
        raise NotCurrent(f"policy.version: version '{ref.version}' of policy '{ref.id}' is no longer "
                         f"current; the current version is '{policy.version}': reload the page, read what "
                         "changed and acknowledge that version")
    if known_version:
        return  # an earlier version, accepted while it was current: still a true record of it
    raise UnknownReference(f"policy.version: unknown version '{ref.version}' of policy '{ref.id}' "
                           f"(current: '{policy.version}')")


def check_person(project: Project, record: Record) -> None:
    """A person field that names a role names one of the handbook's roles."""
    roles = _index(project).roles
    for field in PERSON_FIELDS:
        value = record.person.value(field.id)
        if field.input == "role" and value not in roles:
            raise UnknownReference(f"person.{field.id}: unknown role '{value}'")
    if not normalise_employee_id(str(record.person.value("employee_id"))):
        raise InvalidRecord("person.employee_id: an employee id needs letters or digits, not only spaces")


def _changed_only(project: Project, store: Store | None, record: Record, quiz: Quiz, asked: list[str]
                  ) -> bool:
    """An attempt of only the questions on what changed since a version this person
    acknowledged, for a quiz that allows it (``reacknowledge: changed``)."""
    changed = changed_questions(project, quiz)
    versions = [version for version, ids in changed.items() if sorted(ids) == sorted(asked)]
    if not versions or store is None:
        return False
    mine = acknowledged_versions(store, record.policy.id, str(record.person.value("employee_id")))
    return bool(mine & set(versions))


GRADES_KEPT = 4096
_grades: dict[tuple[int, tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]], tuple[Quiz, Grade]] = {}


def graded(quiz: Quiz, asked: list[str], answers: dict[str, list[str]]) -> Grade:
    """:func:`~handbook.grading.grade_attempt`, remembered per quiz and attempt: the attempts that
    pass are mostly the same answers (the key), and grading one costs more than the rest of a
    record's checks. Keyed by the quiz object itself (a changed quiz is a new object), so a
    grade is never reused for another quiz; errors are not remembered."""
    key = (id(quiz), tuple(asked), tuple((question, tuple(chosen)) for question, chosen in answers.items()))
    found = _grades.get(key)
    if found is not None and found[0] is quiz:
        return found[1]
    result = grade_attempt(quiz, asked, answers)
    if len(_grades) >= GRADES_KEPT:
        _grades.clear()  # a plain bound: refilled by the attempts that come next
    _grades[key] = (quiz, result)
    return result


def grade(project: Project, record: Record, source: str = "api", store: Store | None = None) -> Grading:
    """Re-grade the attempt against the quiz of the stated version; report a forged score."""
    if record.quiz is None:
        return Grading()
    quiz = _current(_index(project).quizzes, "quiz", record.quiz.id, record.quiz.version, record.policy.id)
    if quiz.exam and source != "exam":  # its attempts are drawn, counted and graded by the service
        raise InvalidRecord(f"quiz: '{quiz.id}' is an exam: take it on its page, where the service grades it")
    asked = list(record.questions or [])
    if len(asked) != quiz.presented and not _changed_only(project, store, record, quiz, asked):
        # a client picks no easier, shorter attempt than others sit
        raise InvalidRecord(f"questions: an attempt of quiz '{quiz.id}' presents {quiz.presented} "
                            f"questions, not {len(asked)}")
    try:
        result = graded(quiz, asked, record.quiz_answers())
    except GradingError as error:
        raise InvalidRecord(f"answers: {error}") from None
    mismatch = None
    if record.score is None or abs(record.score - result.score) > 0.005 or record.passed != result.passed:
        mismatch = (f"the score sent ({record.score}, passed={record.passed}) differs from the "
                    f"recomputed score ({result.score}, passed={result.passed}), which is stored")
    return Grading(result.score, result.passed, quiz.pass_mark, mismatch)


def check_acknowledgement(project: Project, record: Record, grading: Grading) -> None:
    """The statement signed is the policy's, and the quiz the person's role requires (the policy's
    ``requires_quiz`` rule) was passed; current version only."""
    index = _index(project)
    policy = index.policies.get(record.policy.id)
    if policy is None or record.kind != "acknowledgement" or policy.version != record.policy.version:
        return
    if policy.acknowledgement is None:
        return
    if " ".join((record.statement or "").split()) != _words(policy.acknowledgement.statement):
        raise InvalidRecord(f"statement: not the acknowledgement statement of policy '{policy.id}' "
                            f"version '{policy.version}'")
    role = record.person.value("role") or ""
    required = index.required_quiz(policy, role)
    if not required:
        return
    if record.quiz is None or record.quiz.id != required:
        raise InvalidRecord(f"quiz: acknowledging policy '{policy.id}' as role '{role}' requires passing "
                            f"quiz '{required}'")
    if not grading.passed:
        raise InvalidRecord(f"answers: the attempt of quiz '{required}' does not pass "
                            f"(recomputed score {grading.score})")


def check_form(project: Project, record: Record) -> None:
    """A form record names a form of this policy, at its current version, and answers its fields."""
    if record.form is None:
        return
    form = _current(_index(project).forms, "form", record.form.id, record.form.version, record.policy.id)
    fields = {field.id: field for field, _ in form.fields()}
    problems = [f"answers.{name}: unknown field of form '{form.id}'"
                for name in sorted(set(record.answers) - set(fields))]
    for field in fields.values():
        problem = answer_problem(field, record.answers.get(field.id))
        if problem:
            problems.append(f"answers.{field.id}: {problem}")
    if problems:
        raise InvalidRecord(problems)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _date_problem(text: str) -> str | None:
    try:
        if _DATE.fullmatch(text):
            date.fromisoformat(text)
            return None
    except ValueError:
        pass
    return "a date answer is a real day written YYYY-MM-DD"


def _url_problem(text: str) -> str | None:
    parts = urlsplit(text)
    if parts.scheme.lower() in {"http", "https"} and parts.netloc and " " not in text:
        return None
    return "a url answer is an http:// or https:// address"


TEXT_CHECKS: dict[str, Callable[[str], str | None]] = {
    "date": _date_problem, "url": _url_problem, "email": email_problem,
}
"""Field type -> what its text answer must look like (other text types take any text)."""


def answer_problem(field: FormField, answer: object) -> str | None:
    """What is wrong with one form answer for its field's type, if anything."""
    if isinstance(answer, str):
        answer = answer.strip()  # spaces alone answer nothing; around a word they do no harm
        problem = text_problem(answer, lines=field.type == "textarea")
        if problem:
            return problem
    if answer is None or answer == "" or answer == []:
        return "required" if field.required else None
    options = {option.id for option in field.options}
    if field.type == "checkbox":
        if not isinstance(answer, bool):
            return "a checkbox answer is true or false"
        return "must be ticked" if field.required and not answer else None
    if field.type == "multi-select":
        if not isinstance(answer, list):
            return "a multi-select answer is a list of option ids"
        unknown = [item for item in answer if item not in options]
        return f"unknown option '{unknown[0]}'" if unknown else None
    if not isinstance(answer, str):
        return f"a {field.type} answer is text"
    if field.type == "select" and answer not in options:
        return f"unknown option '{answer}'"
    check = TEXT_CHECKS.get(field.type)
    return check(answer) if check else None


def checked(project: Project, store: Store, record: Record, source: str) -> Grading:
    """Every check of one record and its re-grading; a :class:`~handbook.records.errors.RecordError`
    says why it cannot be stored. Reads the store only for a policy version that is not the
    current one (:func:`reads_store`)."""
    check_policy(project, store, record, source)
    check_person(project, record)
    grading = grade(project, record, source, store)
    check_acknowledgement(project, record, grading)
    check_form(project, record)
    return grading


def reads_store(project: Project, record: Record) -> bool:
    """Whether checking ``record`` asks the store (an earlier policy version, or an earlier
    acknowledgement that lets a shorter attempt count, may be on record),
    so it must not run where blocking is not allowed (an event loop)."""
    index = _index(project)
    policy = index.policies.get(record.policy.id)
    if policy is None or policy.version != record.policy.version:
        return True
    quiz = index.quizzes.get(record.quiz.id) if record.quiz else None
    # an attempt of only the questions on what changed: whether the person may, is on record
    return quiz is not None and len(record.questions or []) != quiz.presented


def settled(record: Record, stored: Stored) -> Stored:
    """The store's answer, or :class:`Conflict` when another record already has this id."""
    if stored.conflict:
        raise Conflict(f"id: a different record with id {record.id} is already stored")
    return stored


def accept(project: Project, store: Store, record: Record, source: str,
           identity: SignedInAs | None = None) -> Stored:
    """Check, re-grade and store one record; a :class:`~handbook.records.errors.RecordError`
    says why it cannot be. ``identity``: who sign-in says sent it (None: self-asserted)."""
    grading = checked(project, store, record, source)
    return settled(record, store.add(record, grading.score, grading.passed, grading.pass_mark,
                                     grading.mismatch, source, identity))
