"""`handbook records evidence`: one person's file, parsed back and held against their stored records."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from handbook.cli import main
from handbook.records.intake import validate
from handbook.records.store import Store
from handbook.records.void import void_record
from tests.conftest import ROOT
from tests.records_kit import acknowledgement, project_at, quiz_attempt, violation_report


class Sections(HTMLParser):
    """Each record section of the page: its id, the (header, cell) pairs of its tables, its text."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[dict] = []
        self.scripts = 0
        self._cell: list[str] | None = None
        self._row: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "section":
            self.sections.append({"id": found["data-record-id"], "pairs": [], "text": []})
        if tag in ("th", "td"):
            self._cell = []
        if tag == "tr":
            self._row = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self.sections and len(self._row) == 2:
            self.sections[-1]["pairs"].append(tuple(self._row))

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self.sections:
            self.sections[-1]["text"].append(data)


@pytest.fixture()
def store_of_person(tmp_path: Path):
    project = project_at(ROOT)
    policy = project.policy("admin-policy-6")
    path = tmp_path / "records.sqlite"
    bodies = [
        acknowledgement(project, "E7", "Eve <script>alert(1)</script>", user_agent="Firefox/140 on test"),
        quiz_attempt(project, "admin-policy-6-sma", " e 7 ", "Eve Example"),
        acknowledgement(project, "E8", "Someone Else"),
        violation_report(project, "E7", "Eve Example"),
        acknowledgement(project, "E7", "Eve Example",
                        policy={"id": policy.id, "version": "0", "hash": "ab" * 32}),
    ]
    store = Store(path)
    try:
        for body in bodies:
            store.add(validate(body), 100.0, True, 80, None, "api")
        void_record(store, bodies[3]["id"], "sent for the wrong incident", "hr-tester")
    finally:
        store.close()
    return path, [b for b in bodies if b["person"]["employee_id"].strip().upper().replace(" ", "") == "E7"]


def evidence(path: Path, *extra: str):
    result = CliRunner().invoke(main, ["records", "evidence", str(ROOT), "e7", "--db", str(path), *extra])
    return result.exit_code, result.stdout, result.stderr


def test_the_html_file_holds_every_record_of_the_person_and_its_proof(tmp_path, store_of_person):
    path, mine = store_of_person
    out = tmp_path / "e7.html"
    code, _, err = evidence(path, "--out", str(out))
    assert code == 0, err
    page = Sections()
    page.feed(out.read_text(encoding="utf-8"))
    assert page.scripts == 0  # the name's <script> is text
    assert "<script>alert(1)</script>" not in out.read_text(encoding="utf-8")
    assert [s["id"] for s in page.sections] == [b["id"] for b in mine]
    with sqlite3.connect(path) as db:
        chains = dict(db.execute("SELECT id, chain FROM records"))
        voided_id = db.execute("SELECT record_id FROM voids").fetchone()[0]
    project = project_at(ROOT)
    for section, body in zip(page.sections, mine, strict=True):
        pairs: dict[str, str] = {}
        for header, value in section["pairs"]:
            pairs.setdefault(header, value)  # the record's own proof comes before its void's
        text = " ".join(section["text"])
        assert pairs["Employee id"] == body["person"]["employee_id"].strip()  # stored trimmed
        assert pairs["Name"] == body["person"]["name"]
        assert pairs["Submitted (UTC, browser clock)"] == body["submitted_at"]
        assert pairs["Browser (user agent)"] == body["user_agent"]
        assert pairs["Identity"].startswith("Self-asserted")
        assert pairs["Chain value"] == chains[body["id"]]
        # every proof re-checks by hand: sha256(previous + content) is the chain value
        proofs = [value for header, value in section["pairs"]
                  if header in ("Previous chain value", "Content", "Chain value")]
        assert len(proofs) == (6 if body["id"] == voided_id else 3)
        for previous, content, chained in zip(proofs[::3], proofs[1::3], proofs[2::3], strict=True):
            assert hashlib.sha256((previous + content).encode()).hexdigest() == chained
        if body["statement"]:
            assert pairs["Statement shown"] == body["statement"]
        for question_id, chosen in (body["answers"] if body["quiz"] else {}).items():
            quiz = next(q for q in project.quizzes if q.id == body["quiz"]["id"])
            question = next(q for q in quiz.questions if q.id == question_id)
            assert question.prompt in text
            for option in question.choices():
                if option.id in chosen:
                    assert option.text in text
    policy = project.policy("admin-policy-6")
    first_clause = next(clause.text for clause, _ in policy.walk() if clause.text)
    current, quiz, form, old = page.sections
    assert first_clause in " ".join(current["text"])
    assert "not available" in " ".join(old["text"]) and first_clause not in " ".join(old["text"])
    assert "Voided" in " ".join(form["text"]) and "sent for the wrong incident" in " ".join(form["text"])
    assert "Voided" not in " ".join(current["text"])


def test_the_json_variant_matches_the_stored_records(store_of_person):
    path, mine = store_of_person
    code, out, err = evidence(path, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["employee_id"] == "E7" and data["chain_holds"] and data["chain_problems"] == []
    with sqlite3.connect(path) as db:
        head = db.execute("SELECT chain FROM voids ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert data["chain_head"] == head  # the void was the last row written
    assert [r["id"] for r in data["records"]] == [b["id"] for b in mine]
    for record, body in zip(data["records"], mine, strict=True):
        assert record["person"] == {key: value.strip() for key, value in body["person"].items()}
        assert (record["statement"], record["signature"]) == (body["statement"], body["signature"])
        assert (record["started_at"], record["submitted_at"]) == (body["started_at"], body["submitted_at"])
        assert record["policy"]["version"] == body["policy"]["version"]
        assert record["identity"] == "self-asserted"
        if body["quiz"]:
            assert {q["id"]: [o["id"] for o in q["chosen"]] for q in record["questions"]} == body["answers"]
    voided = next(r for r in data["records"] if r["void"])
    assert voided["kind"] == "form" and voided["void"]["reason"] == "sent for the wrong incident"
    assert voided["void"]["voided_by"] == "hr-tester" and voided["void_proof"]["holds"]


def test_a_tampered_store_says_so_in_the_file_and_the_exit_status(tmp_path, store_of_person):
    path, mine = store_of_person
    forge = f"UPDATE records SET signature = 'forged' WHERE id = '{mine[0]['id']}'"
    subprocess.run(["sqlite3", str(path), forge], check=True)
    code, out, _ = evidence(path, "--json")
    data = json.loads(out)
    assert code == 1 and not data["chain_holds"]
    assert data["chain_problems"][0].startswith("seq 1 (record ")
    assert data["records"][0]["proof"]["holds"] is False and data["records"][1]["proof"]["holds"] is True


def test_no_records_is_one_line_and_exit_1(tmp_path, store_of_person):
    path, _ = store_of_person
    result = CliRunner().invoke(main, ["records", "evidence", str(ROOT), "Z404", "--db", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip() == "no records of employee id Z404"
