"""The store's group commit: many writers at once, each answered only after its record is on disk;
and what the write path remembers between records (a batch's ids, a quiz's grades) never answers
for another record or another quiz."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from contextlib import closing
from dataclasses import replace

from handbook.records import chain
from handbook.records.contract import PERSON_FIELDS, PERSON_IDS
from handbook.records.intake import grade, validate
from handbook.records.store import Store, _Pending, connect, write_batch
from tests.conftest import ROOT
from tests.records_kit import acknowledgement, project_at


def test_concurrent_writers_each_get_their_own_answer_and_every_row_is_on_disk(tmp_path):
    project = project_at(ROOT)
    store = Store(tmp_path / "records.sqlite")
    bodies = [acknowledgement(project, employee_id=f"E{i}") for i in range(300)]
    replays = bodies[:50]  # the same body again: the same answer
    conflicts = [{**body, "signature": "someone else"} for body in bodies[50:80]]  # same id, other body
    results: dict[int, object] = {}

    def send(index: int, body: dict) -> None:
        results[index] = store.add(validate(body), None, True, 80, None, "test")

    work = list(enumerate(bodies + replays + conflicts))
    threads = [threading.Thread(target=send, args=item) for item in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()

    answers = [results[i] for i in range(len(work))]
    assert sum(1 for a in answers if not a.replay and not a.conflict) == 300
    assert sum(1 for a in answers if a.conflict) == 30
    first = {a.id: a for a in answers[:300]}
    for answer in answers[300:350]:
        if answer.replay:
            assert answer.received_at == first[answer.id].received_at
    # A fresh connection (as after a crash and restart) sees every row, each once.
    with sqlite3.connect(tmp_path / "records.sqlite") as db:
        assert db.execute("SELECT count(*), count(DISTINCT id) FROM records").fetchone() == (300, 300)


def test_a_closed_and_reopened_store_keeps_answering(tmp_path):
    project = project_at(ROOT)
    path = tmp_path / "records.sqlite"
    body = acknowledgement(project, employee_id="E1")
    first = Store(path)
    stored = first.add(validate(body), None, True, 80, None, "test")
    first.close()
    again = Store(path)
    replay = again.add(validate(body), None, True, 80, None, "test")
    fresh = again.add(validate({**body, "id": str(uuid.uuid4())}), None, True, 80, None, "test")
    again.close()
    assert replay.replay and replay.received_at == stored.received_at
    assert not fresh.replay and not fresh.conflict


def test_the_store_keeps_each_person_field_of_the_contract_in_its_own_column(tmp_path):
    """Where the person's values land in a stored row: exactly the contract's person columns,
    each NOT NULL when the field is required."""
    project = project_at(ROOT)
    person = {"employee_id": "P-col-1", "name": "Column Name", "department": "Column Dept",
              "role": "staff-liaison", "email": "column@example.org"}
    assert set(person) == set(PERSON_IDS)
    store = Store(tmp_path / "records.sqlite")
    try:
        store.add(validate(acknowledgement(project, person=person, signature="Signed")), None, True, 80,
                  None, "test")
        row = next(iter(store.rows()))
    finally:
        store.close()
    columns = row.keys()  # a sqlite3.Row iterates over its values
    landed = [name for name in columns if row[name] in person.values()]
    assert landed == list(PERSON_IDS)
    with sqlite3.connect(tmp_path / "records.sqlite") as db:
        not_null = {name: bool(flag) for _, name, _, flag, *_ in db.execute("PRAGMA table_info(records)")}
    assert {field.id: not_null[field.id] for field in PERSON_FIELDS} == {
        field.id: field.required for field in PERSON_FIELDS}


def test_one_batch_with_a_record_its_replay_and_a_conflict_stores_one_row_on_an_unbroken_chain(tmp_path):
    project = project_at(ROOT)
    store = Store(tmp_path / "records.sqlite")
    store.close()  # its writer thread gone: the batch below is written here, in one transaction
    body = acknowledgement(project, employee_id="E1")
    other = acknowledgement(project, employee_id="E2")
    batch = [_Pending(record, 100.0, True, 80, None, "test", record.canonical()) for record in (
        validate(body), validate(body), validate({**body, "signature": "someone else"}), validate(other))]
    db = connect(tmp_path / "records.sqlite")
    with closing(db):
        db.execute("BEGIN IMMEDIATE")
        write_batch(db, batch)
        db.execute("COMMIT")
        first, replay, conflict, second = (pending.result for pending in batch)
        assert not first.replay and not first.conflict and not second.replay and not second.conflict
        assert replay.replay and (replay.received_at, replay.score, replay.passed) == (
            first.received_at, first.score, first.passed)
        assert conflict.conflict and not conflict.replay
        again = _Pending(validate(body), 100.0, True, 80, None, "test", validate(body).canonical())
        db.execute("BEGIN IMMEDIATE")
        write_batch(db, [again])  # a later batch: the stored row answers the replay
        db.execute("COMMIT")
        assert again.result.replay and again.result.received_at == first.received_at
        stored = [row[0] for row in db.execute("SELECT id FROM records ORDER BY seq")]
        assert stored == [body["id"], other["id"]]
        verdict = chain.verify(db)
        assert verdict.rows == 2 and verdict.problems == []


def test_a_quiz_edited_without_a_new_version_is_graded_by_its_new_key_not_a_remembered_grade():
    project = project_at(ROOT)
    record = validate(acknowledgement(project, employee_id="E1"))
    assert grade(project, record).passed and grade(project, record).score == 100.0  # now remembered
    quiz = next(q for q in project.quizzes if q.id == record.quiz.id)
    edited = quiz.model_copy(deep=True)  # the preview's reload of an edited file: a new quiz object
    for question in edited.questions:  # every key moved to another option: the answers sent are wrong
        if question.kind == "true-false":
            question.answer = not question.answer
        else:
            for option in question.options:
                option.correct = not option.correct
    reloaded = replace(project, quizzes=[edited if q is quiz else q for q in project.quizzes])
    regraded = grade(reloaded, record)
    assert regraded.score == 0.0 and regraded.passed is False
    assert grade(project, record).score == 100.0  # the project on screen before keeps its own grade
