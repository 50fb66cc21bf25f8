"""The evidence chain: `records verify` names every changed, removed or reordered row, the chain
holds under concurrent writers, old stores are chained at open, and voids join the chain."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
from pathlib import Path

from click.testing import CliRunner

from handbook.cli import main
from handbook.records import chain
from handbook.records.csv import export_store
from handbook.records.intake import validate
from handbook.records.store import Store
from tests.conftest import ROOT
from tests.records_kit import acknowledgement, project_at


def _store_with(path: Path, count: int) -> list[str]:
    project = project_at(ROOT)
    store = Store(path)
    try:
        ids = []
        for i in range(count):
            body = acknowledgement(project, employee_id=f"E{i}")
            ids.append(store.add(validate(body), None, True, 80, None, "test").id)
        return ids
    finally:
        store.close()


def _verify(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["records", "verify", str(path.parent), "--db", str(path)])
    return result.exit_code, result.output


def _shell(path: Path, sql: str) -> None:
    """The real sqlite3 command-line shell, as someone tampering with the file would use it."""
    subprocess.run(["sqlite3", str(path), sql], check=True, capture_output=True)


def test_an_untouched_store_verifies_with_its_count_and_head(tmp_path):
    path = tmp_path / "records.sqlite"
    _store_with(path, 5)
    code, output = _verify(path)
    with sqlite3.connect(path) as db:
        last = db.execute("SELECT chain FROM records ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert code == 0, output
    assert output.strip() == f"ok: 5 row(s) chained; head {last}"


def _tampered(tmp_path: Path, sql: str) -> tuple[list[str], list[str]]:
    """Five records, then ``sql`` run by the sqlite3 shell: the ids, and the rows verify names."""
    path = tmp_path / "records.sqlite"
    ids = _store_with(path, 5)
    _shell(path, sql)
    code, output = _verify(path)
    assert code == 1
    assert output.splitlines()[-1].startswith("chain broken: ")
    return ids, [line for line in output.splitlines() if line.startswith("seq ")]


def test_a_row_edited_with_the_sqlite3_shell_is_named(tmp_path):
    ids, broken = _tampered(tmp_path, "UPDATE records SET name = 'Someone Else' WHERE seq = 3")
    assert broken == [f"seq 3 (record {ids[2]}): chain does not match: this row was changed or inserted, "
                      "or a row before it was removed or moved"]


def test_a_deleted_row_is_named_by_the_row_after_it(tmp_path):
    ids, broken = _tampered(tmp_path, "DELETE FROM records WHERE seq = 2")
    assert broken == [f"seq 3 (record {ids[2]}): chain does not match: seq 2-2 are missing (removed); "
                      "this row was changed or inserted, or a row before it was removed or moved"]


def test_the_last_row_deleted_is_caught_by_the_head(tmp_path):
    path = tmp_path / "records.sqlite"
    _store_with(path, 4)
    _shell(path, "DELETE FROM records WHERE seq = 4")
    code, output = _verify(path)
    assert code == 1
    assert "head: the store records 4 row(s) ending at seq 4, found 3 ending at seq 3" in output


def test_a_reordered_pair_names_both_rows(tmp_path):
    swap = ("UPDATE records SET seq = -1 WHERE seq = 2; UPDATE records SET seq = 2 WHERE seq = 3; "
            "UPDATE records SET seq = 3 WHERE seq = -1;")
    ids, broken = _tampered(tmp_path, swap)
    named = [line.split(":")[0] for line in broken]
    # the swapped pair, and the row after them (its predecessor is no longer the one it was chained to)
    assert named == [f"seq 2 (record {ids[2]})", f"seq 3 (record {ids[1]})", f"seq 4 (record {ids[3]})"]


def test_eight_writers_at_once_leave_an_unbroken_chain(tmp_path):
    project = project_at(ROOT)
    path = tmp_path / "records.sqlite"
    store = Store(path)
    bodies = [[acknowledgement(project, employee_id=f"T{t}-{i}") for i in range(200)] for t in range(8)]

    def write(mine: list[dict]) -> None:
        for body in mine:
            store.add(validate(body), None, True, 80, None, "test")

    threads = [threading.Thread(target=write, args=(mine,)) for mine in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()
    code, output = _verify(path)
    assert code == 0, output
    assert output.startswith("ok: 1600 row(s) chained")
    with sqlite3.connect(path) as db:
        assert [row[0] for row in db.execute("SELECT seq FROM records ORDER BY seq")] == list(range(1, 1601))


def test_a_store_from_before_the_chain_is_chained_at_open(tmp_path):
    path = tmp_path / "records.sqlite"
    _store_with(path, 3)
    with sqlite3.connect(path) as db:
        chained = [row[0] for row in db.execute("SELECT chain FROM records ORDER BY seq")]
    _shell(path, "ALTER TABLE records DROP COLUMN chain; ALTER TABLE records DROP COLUMN identity; "
                 "DROP TABLE voids; DROP TABLE handbook_schema;")
    Store(path).close()
    with sqlite3.connect(path) as db:
        assert [row[0] for row in db.execute("SELECT chain FROM records ORDER BY seq")] == chained
        assert {row[0] for row in db.execute("SELECT identity FROM records")} == {"self-asserted"}
        assert db.execute("SELECT value FROM handbook_schema WHERE name = 'version'").fetchone() == (
            str(chain.SCHEMA_VERSION),)
    assert _verify(path)[0] == 0


def test_a_void_is_chained_leaves_exports_and_cannot_be_repeated_or_faked(tmp_path):
    path = tmp_path / "records.sqlite"
    ids = _store_with(path, 3)
    runner = CliRunner()
    args = ["records", "void", str(tmp_path), ids[1], "--db", str(path)]
    done = runner.invoke(main, [*args, "--reason", "test record", "--by", "hr-anna"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"voided {ids[1]} at ") and done.output.rstrip().endswith("(seq 4)")
    again = runner.invoke(main, [*args, "--reason", "twice", "--by", "hr-anna"])
    assert again.exit_code == 1 and "already voided" in again.output
    unknown = runner.invoke(main, ["records", "void", str(tmp_path), "no-such-id", "--db", str(path),
                                   "--reason", "x"])
    assert unknown.exit_code == 1 and "no record with id 'no-such-id'" in unknown.output
    assert _verify(path)[0] == 0
    store = Store(path)
    try:
        exported = "".join(export_store(store, "acknowledgements"))
        everything = "".join(export_store(store, "acknowledgements", include_void=True))
    finally:
        store.close()
    assert ids[0] in exported and ids[2] in exported and ids[1] not in exported
    assert ids[1] in everything
    _shell(path, "UPDATE voids SET reason = 'nothing to see'")
    code, output = _verify(path)
    assert code == 1 and f"seq 4 (void of {ids[1]})" in output
    with sqlite3.connect(path) as db:  # the record itself stays
        assert db.execute("SELECT count(*) FROM records WHERE id = ?", (ids[1],)).fetchone() == (1,)
