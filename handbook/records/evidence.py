"""One person's evidence file: what HR hands a lawyer to show a named person read a given text
and passed a given test.

Everything comes from one read snapshot of the store: the person's records (voided ones as
voided, with who, when and why), the exact policy text they acknowledged when the current
project still has that version and hash (said plainly when it does not), the statement they
signed, the quiz questions with the options they chose, their timestamps and browser, how their
identity was established, and the chain proof: each row's chain value, the value before it and
its canonical content, with the whole store's verdict and head. The same data is written as
JSON (``--json``) or as one self-contained, printable HTML page (no scripts, nothing loaded).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import jinja2

from handbook.history import as_policy
from handbook.models.policy import Policy
from handbook.project import Project
from handbook.records import chain
from handbook.records.contract import PERSON_IDS, normalise_employee_id
from handbook.records.labels import Labels
from handbook.records.store import Store, utc_now
from handbook.resources import hr_templates

FORMAT = "handbook-evidence/1"

IDENTITY_MEANING = {
    "self-asserted": "Self-asserted: the person typed their employee id and name; no sign-in confirmed them.",
    "signed-in": "Signed in: the organisation's sign-in provider confirmed the person before the record "
                 "was sent.",
    "oidc": "Signed in: the organisation's OpenID Connect provider confirmed the person before the record "
            "was sent.",
}


def verify_store(store: Store) -> chain.Verdict:
    """The chain of the whole store, recomputed from one snapshot."""
    with store.database.connection() as db:
        return chain.verify(db)


@dataclass(frozen=True)
class PolicyLine:
    """One clause of the policy text as the person saw it, flattened for printing."""

    depth: int
    label: str
    heading: str
    text: str


@dataclass
class PolicyShown:
    id: str
    version: str
    hash: str
    title: str | None
    available: bool
    note: str
    text: list[PolicyLine] = field(default_factory=list)


@dataclass(frozen=True)
class QuestionAnswered:
    id: str
    prompt: str
    chosen: list[dict[str, str]]


@dataclass(frozen=True)
class FieldAnswered:
    id: str
    label: str
    answer: Any
    shown: str


@dataclass(frozen=True)
class ChainProof:
    seq: int
    previous: str
    content: str
    chain: str | None
    holds: bool


@dataclass
class RecordEvidence:
    id: str
    kind: str
    seq: int
    person: dict[str, Any]
    identity: str
    identity_meaning: str
    started_at: str
    submitted_at: str
    received_at: str
    user_agent: str
    source: str
    policy: PolicyShown
    statement: str | None
    signature: str | None
    quiz: dict[str, Any] | None
    form: dict[str, Any] | None
    score: float | None
    passed: bool | None
    pass_mark: int | None
    client_score: float | None
    score_note: str | None
    questions: list[QuestionAnswered]
    answers: list[FieldAnswered]
    void: dict[str, Any] | None
    proof: ChainProof | None = None
    void_proof: ChainProof | None = None


@dataclass
class Evidence:
    format: str
    employee_id: str
    generated_at: str
    store: str
    chain_holds: bool
    chain_rows: int
    chain_head: str
    chain_problems: list[str]
    how_to_check: str
    records: list[RecordEvidence]

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


def _policy_text(project: Project | None, policy_id: str, version: str, content_hash: str) -> PolicyShown:
    """The exact words of that version, if this project still has them (same version and hash)."""
    shown = PolicyShown(policy_id, version, content_hash, None, False, "")
    policy = next((p for p in project.policies if p.id == policy_id), None) if project else None
    if policy is None:
        shown.note = (f"The text of policy {policy_id} version {version} is not available: "
                      "the current project does not have this policy." if project else
                      "The text is not available: the project's sources did not load.")
        return shown
    shown.title = policy.heading
    published = next((p for p in project.history.get(policy_id, []) if p.version == version
                      and p.hash == content_hash), None) if project else None
    earlier = as_policy(published) if published else None
    if published and earlier and (policy.version != version or policy.content_hash() != content_hash):
        shown.available, shown.title = True, earlier.heading
        shown.note = (f"The text of version {version} as published ({published.source.display}); its SHA-256 "
                      "content hash matches the record.")
        shown.text = _lines(earlier)
        return shown
    if policy.version != version or policy.content_hash() != content_hash:
        shown.note = (f"The text of version {version} (hash {content_hash}) is not available: the current "
                      f"project has version {policy.version} (hash {policy.content_hash()}). The hash above "
                      "identifies the exact words the person saw; a copy of that version's sources "
                      "reproduces it.")
        return shown
    shown.available = True
    shown.note = (f"The current project's text of version {version}; its SHA-256 content hash matches "
                  "the record.")
    shown.text = _lines(policy)
    return shown


def _lines(policy: Policy) -> list[PolicyLine]:
    return [PolicyLine(depth, clause.label or "", clause.title or clause.term or "", clause.text or "")
            for clause, depth in policy.walk()]


def _questions(labels: Labels, quiz_id: str | None, asked: list[str] | None,
               answers: dict[str, Any]) -> list[QuestionAnswered]:
    if not quiz_id:
        return []
    order = [q for q in asked or [] if q in answers] + [q for q in answers if q not in (asked or [])]
    order += [q for q in asked or [] if q not in answers]  # asked, left unanswered
    return [QuestionAnswered(q, labels.prompt(quiz_id, q),
                             [{"id": o, "text": labels.option(quiz_id, q, o)} for o in answers.get(q, [])])
            for q in order]


def _fields(labels: Labels, form_id: str | None, answers: dict[str, Any]) -> list[FieldAnswered]:
    if not form_id:
        return []
    out = []
    for field_id, answer in answers.items():
        shown = labels.form_answer(form_id, field_id, answer)
        text = "; ".join(map(str, shown)) if isinstance(shown, list) else (
            ("yes" if shown else "no") if isinstance(shown, bool) else str(shown))
        out.append(FieldAnswered(field_id, labels.fields.get((form_id, field_id), field_id), answer, text))
    return out


def _signed_in_by(row: sqlite3.Row) -> str:
    """Which provider confirmed the person, and who they are there, when sign-in did."""
    keys = row.keys()
    issuer = row["identity_issuer"] if "identity_issuer" in keys else None
    subject = row["identity_subject"] if "identity_subject" in keys else None
    return f" Provider: {issuer}; subject there: {subject}." if issuer and subject else ""


def _record(row: sqlite3.Row, project: Project | None, labels: Labels) -> RecordEvidence:
    answers = json.loads(row["answers"])
    asked = json.loads(row["questions"]) if row["questions"] else None
    identity = row["identity"]
    return RecordEvidence(
        id=row["id"], kind=row["kind"], seq=row["seq"],
        person={name: row[name] for name in PERSON_IDS},
        identity=identity, identity_meaning=IDENTITY_MEANING.get(identity, identity) + _signed_in_by(row),
        started_at=row["started_at"], submitted_at=row["submitted_at"], received_at=row["received_at"],
        user_agent=row["user_agent"], source=row["source"],
        policy=_policy_text(project, row["policy_id"], row["policy_version"], row["policy_hash"]),
        statement=row["statement"], signature=row["signature"],
        quiz={"id": row["quiz_id"], "version": row["quiz_version"]} if row["quiz_id"] else None,
        form={"id": row["form_id"], "version": row["form_version"]} if row["form_id"] else None,
        score=row["score"], passed=None if row["passed"] is None else bool(row["passed"]),
        pass_mark=row["pass_mark"], client_score=row["client_score"], score_note=row["score_note"],
        questions=_questions(labels, row["quiz_id"], asked, answers if row["quiz_id"] else {}),
        answers=_fields(labels, row["form_id"], answers), void=None,
    )


def _proof(link: chain.Link) -> ChainProof:
    return ChainProof(link.seq, link.previous, link.content, link.stored, link.stored == link.expected)


def gather(store: Store, employee_id: str, project: Project | None) -> Evidence:
    """Every record of the person (by normalised employee id) with its chain proof, from one snapshot."""
    wanted = normalise_employee_id(employee_id)
    labels = Labels.of(project)
    with store.database.connection() as db, chain.snapshot(db):
        records = {row["id"]: _record(row, project, labels) for row in _rows_of(db, wanted)}
        for void in db.execute("SELECT * FROM voids ORDER BY seq"):
            if void["record_id"] in records and records[void["record_id"]].void is None:
                records[void["record_id"]].void = {key: void[key] for key in
                                                   ("seq", "reason", "voided_by", "voided_at")}

        def keep(link: chain.Link) -> None:
            found = records.get(link.record_id)
            if found is None:
                return
            if link.table == "records":
                found.proof = _proof(link)
            elif found.void and found.void["seq"] == link.seq:
                found.void_proof = _proof(link)

        verdict = chain.check(db, keep)
    return Evidence(FORMAT, wanted, utc_now(), store.location, not verdict.problems, verdict.rows,
                    verdict.head, verdict.problems, chain.HOW_TO_CHECK, list(records.values()))


def _rows_of(db: sqlite3.Connection, wanted: str) -> Iterator[sqlite3.Row]:
    """The person's rows, in seq order; ids compared in their normal form (so ``e 1`` is ``E1``)."""
    cursor = db.execute("SELECT * FROM records ORDER BY seq")
    while batch := cursor.fetchmany(500):
        yield from (row for row in batch if normalise_employee_id(row["employee_id"]) == wanted)


_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(hr_templates()), autoescape=True, undefined=jinja2.StrictUndefined
)


def render_html(evidence: Evidence, organisation: str) -> str:
    """The evidence as one self-contained, printable HTML page."""
    return _environment.get_template("evidence.html.j2").render(evidence=evidence, organisation=organisation)
