"""``handbook records import``: receipts re-graded, de-duplicated; each bad one is one line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from handbook.cli import main
from handbook.records.contract import FORMAT
from handbook.records.store import Store
from tests.records_kit import acknowledgement, project_at, quiz_attempt, violation_report


def receipt(folder: Path, name: str, record: dict | str) -> Path:
    path = folder / name
    path.write_text(record if isinstance(record, str) else json.dumps(record, indent=2), encoding="utf-8")
    return path


def test_good_receipts_import_and_each_bad_one_is_reported_on_one_line(project_copy, tmp_path):
    project = project_at(project_copy)
    db = tmp_path / "records.sqlite"
    good = [acknowledgement(project, "E1"), violation_report(project, "E2"),
            quiz_attempt(project, "admin-policy-6-board", "E3")]
    tampered_text = acknowledgement(project, "E4")
    tampered_text["policy"]["hash"] = "f" * 64
    edited_statement = acknowledgement(project, "E5", statement="I have read nothing.")
    forged = quiz_attempt(project, "admin-policy-6-board", "E6", correct=False, score=95.0, passed=True)
    files = [receipt(tmp_path, f"good-{i}.json", record) for i, record in enumerate(good)]
    files += [
        receipt(tmp_path, "tampered.json", tampered_text),
        receipt(tmp_path, "statement.json", edited_statement),
        receipt(tmp_path, "forged.json", forged),
        receipt(tmp_path, "broken.json", f'{{"format": "{FORMAT}",'),
        receipt(tmp_path, "again.json", good[0]),
        tmp_path / "missing.json",
    ]
    result = CliRunner().invoke(main, ["records", "import", str(project_copy), *map(str, files),
                                       "--db", str(db)])
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    failed = [line for line in errors if not line.startswith(("imported", str(tmp_path / "forged.json")))]
    assert failed == [
        f"{tmp_path / 'tampered.json'}: policy.hash: does not match the text of policy 'admin-policy-6' "
        "version '1' (edited, or the policy changed without a new version)",
        f"{tmp_path / 'statement.json'}: statement: not the acknowledgement statement of policy "
        "'admin-policy-6' version '1'",
        f"{tmp_path / 'broken.json'}: the body is not valid JSON: Expecting property name enclosed in "
        "double quotes: line 1 column 32 (char 31)",
        f"{tmp_path / 'missing.json'}: cannot read file: No such file or directory",
    ]
    forged_line = next(line for line in errors if line.startswith(str(tmp_path / "forged.json")))
    assert "imported, but the score sent (95.0, passed=True) differs from the recomputed score (0.0" \
        in forged_line
    assert errors[-1] == "imported 4, already stored 1, failed 4"
    store = Store(db)
    try:
        assert store.ids() == {record["id"] for record in [*good, forged]}
        row = next(r for r in store.rows("quiz-attempt") if r["id"] == forged["id"])
        assert (row["score"], row["passed"], row["client_score"], row["source"]) == (0.0, 0, 95.0, "import")
    finally:
        store.close()


def test_importing_the_same_receipts_twice_changes_nothing(project_copy, tmp_path):
    project = project_at(project_copy)
    db = tmp_path / "records.sqlite"
    files = [str(receipt(tmp_path, f"r{i}.json", acknowledgement(project, f"E{i}"))) for i in range(3)]
    args = ["records", "import", str(project_copy), *files, "--db", str(db)]
    assert CliRunner().invoke(main, args).stdout.strip() == "imported 3, already stored 0, failed 0"
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and again.stdout.strip() == "imported 0, already stored 3, failed 0"


def test_export_to_a_file_writes_crlf_csv(project_copy, tmp_path):
    project = project_at(project_copy)
    db = tmp_path / "records.sqlite"
    name = "Zoë Ångström"
    path = receipt(tmp_path, "r.json", acknowledgement(project, "E1", name, signature=name))
    CliRunner().invoke(main, ["records", "import", str(project_copy), str(path), "--db", str(db)])
    out = tmp_path / "acks.csv"
    result = CliRunner().invoke(main, ["records", "export", str(project_copy), "--kind", "acknowledgements",
                                       "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b'"record_id","received_at",') and raw.count(b"\r\n") == 2
    assert "Zoë Ångström".encode() in raw


def test_export_without_a_store_says_so(project_copy, tmp_path):
    args = ["records", "export", "--kind", "forms", "--db", str(tmp_path / "no.sqlite")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "no records file here" in result.stderr
