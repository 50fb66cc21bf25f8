"""`handbook records backup`: an online backup, taken while records arrive, checked and restorable."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from handbook.records.intake import validate
from handbook.records.store import Store
from tests.conftest import ROOT
from tests.records_kit import acknowledgement, project_at

HANDBOOK = str(Path(sys.executable).parent / "handbook")
DONE = re.compile(r"^backed up (\d+) records to (.+) \(\d+\.\d MB, integrity ok\) in \d+\.\d\d s$")
MOST = 400
"""Records the writers add at most: few enough that SQLite never checkpoints (1000 WAL pages),
so the newest records exist only in the -wal file, where a file copy would miss them."""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [HANDBOOK, "records", "backup", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def ids_in(path: Path) -> set[str]:
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        return {row[0] for row in db.execute("SELECT id FROM records")}


def records_in_main_file(path: Path) -> int:
    """What a copy of the main file alone holds: the WAL's pages (even the table) are not in it."""
    copy = path.with_name("file-copy.sqlite")
    shutil.copyfile(path, copy)
    with closing(sqlite3.connect(copy)) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'records'").fetchone():
            return 0
        return db.execute("SELECT count(*) FROM records").fetchone()[0]


@dataclass
class Writers:
    """Threads adding records through the service's Store, as the service does, until finished."""

    store: Store
    committed: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, count: int = 4) -> Writers:
        self.threads = [threading.Thread(target=self._write, args=(i, count)) for i in range(count)]
        for thread in self.threads:
            thread.start()
        return self

    def _write(self, first: int, step: int) -> None:
        project = project_at(ROOT)
        for number in range(first, MOST, step):
            if self.stop.is_set():
                return
            try:
                self.write_one(project, f"E{number}")
            except BaseException as error:
                self.errors.append(error)
                return

    def write_one(self, project, employee_id: str) -> None:
        body = validate(acknowledgement(project, employee_id=employee_id))
        self.committed.append(self.store.add(body, None, True, 80, None, "test").id)

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.committed) < count:
            assert time.monotonic() < deadline and not self.errors, self.errors
            time.sleep(0.01)

    def finish(self) -> set[str]:
        """Stop the writers and the store (as stopping the service does); what they committed."""
        self.stop.set()
        for thread in self.threads:
            thread.join()
        if self.threads:
            self.store.close()
            self.threads = []
        assert self.errors == []
        return set(self.committed)


@pytest.fixture
def writers(tmp_path: Path) -> Iterator[Writers]:
    running = Writers(Store(tmp_path / "records.sqlite")).start()
    try:
        yield running
    finally:
        running.finish()


def test_a_backup_while_records_arrive_holds_every_record_committed_before_it(writers, tmp_path):
    live, out = tmp_path / "records.sqlite", tmp_path / "backups" / "tonight.sqlite"
    writers.wait_for(60)
    before = set(writers.committed)
    assert records_in_main_file(live) < len(before), "the newest records should be in the WAL only"

    result = run(str(tmp_path), "--db", str(live), "--out", str(out))
    committed = writers.finish()
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    done = DONE.match(line)
    assert done, line
    assert Path(done.group(2)) == out

    stored = ids_in(out)
    assert int(done.group(1)) == len(stored)
    assert before <= stored <= committed == ids_in(live)
    # One self-contained file: it needs no -wal or -shm beside it, and passes the check.
    assert sorted(p.name for p in out.parent.iterdir()) == ["tonight.sqlite"]
    with closing(sqlite3.connect(f"{out.as_uri()}?mode=ro", uri=True)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_documented_restore_brings_every_backed_up_record_back(writers, tmp_path):
    live, out = tmp_path / "records.sqlite", tmp_path / "backup.sqlite"
    writers.wait_for(40)
    assert run("--db", str(live), "--out", str(out)).returncode == 0
    backed_up = ids_in(out)
    writers.write_one(project_at(ROOT), "E-after")  # a record that arrives after the backup
    assert len(writers.finish()) > len(backed_up)  # 1. stop the service (records arrived since)
    for stale in (tmp_path / "records.sqlite-wal", tmp_path / "records.sqlite-shm"):
        stale.unlink(missing_ok=True)  # 2. the old -wal would be replayed onto the restored file
    shutil.copyfile(out, live)  # 3. copy the backup back
    restored = Store(live)  # 4. start again
    try:
        assert restored.ids() == backed_up
        assert restored.count("acknowledgement") == len(backed_up)
    finally:
        restored.close()
    export = subprocess.run([HANDBOOK, "records", "export", str(ROOT), "--kind", "acknowledgements",
                             "--db", str(live)], capture_output=True, text=True, timeout=120)
    assert export.returncode == 0, export.stderr
    assert len(export.stdout.splitlines()) == len(backed_up) + 1


def test_an_out_folder_gets_a_dated_file(tmp_path):
    Store(tmp_path / "records.sqlite").close()
    folder = tmp_path / "nightly"
    folder.mkdir()
    result = run(str(tmp_path), "--out", str(folder))
    assert result.returncode == 0, result.stderr
    (made,) = folder.iterdir()
    assert re.fullmatch(r"records-\d{8}T\d{6}Z\.sqlite", made.name)
    assert DONE.match(result.stdout.strip()).group(1) == "0"


def test_no_records_file_is_one_line_and_exit_2(tmp_path):
    result = run(str(tmp_path), "--out", str(tmp_path / "b.sqlite"))
    assert result.returncode == 2
    missing = tmp_path / "records.sqlite"
    assert result.stderr.splitlines() == [f"{missing}: no records file here (use --db PATH)"]
    assert not (tmp_path / "records.sqlite").exists() and not (tmp_path / "b.sqlite").exists()


def test_backing_up_onto_the_records_file_is_refused(tmp_path):
    live = tmp_path / "records.sqlite"
    Store(live).close()
    before = live.read_bytes()
    result = run("--db", str(live), "--out", str(live))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{live}: is the records file itself; back up to another file"]
    assert live.read_bytes() == before


@pytest.mark.parametrize(("content", "message"), [
    (b"not a database, just text" * 100, "file is not a database"),
    (None, "not a records file (it has no records table)"),
])
def test_a_bad_source_fails_in_one_line_and_keeps_the_last_good_backup(tmp_path, content, message):
    good, out = tmp_path / "records.sqlite", tmp_path / "backups" / "records.sqlite"
    Store(good).close()
    assert run("--db", str(good), "--out", str(out)).returncode == 0
    kept = out.read_bytes()
    bad = tmp_path / "bad.sqlite"
    if content is None:
        sqlite3.connect(bad).execute("CREATE TABLE other (x)").connection.close()
    else:
        bad.write_bytes(content)
    result = run("--db", str(bad), "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"{bad}: {message}"]
    assert out.read_bytes() == kept
    assert sorted(p.name for p in out.parent.iterdir()) == ["records.sqlite"], "no partial file left"
