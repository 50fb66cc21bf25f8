"""The fault suite: the database deleted, replaced, read-only, locked by another process or on
a full disk while the service runs, and the service killed under load. Whatever happens, a
2xx answer means the record is in the file the service opens next time; every other answer
is a JSON 503 with a message (and ``Retry-After`` when waiting helps)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from handbook.records.store import Store
from tests.hostile_requests import unthrottled_project
from tests.records_kit import HANDBOOK, Process, Service, acknowledgement, post, project_at


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unthrottled_project(tmp_path_factory.mktemp("faults"))[0]


@pytest.fixture(scope="module")
def project(project_dir: Path):
    return project_at(project_dir)


@pytest.fixture
def service(project_dir: Path, built_site: Path, tmp_path: Path) -> Iterator[Service]:
    app = Service(project_dir, built_site, tmp_path / "records.sqlite")
    yield app
    app.close()


def stored_ids(db: Path) -> set[str]:
    """The ids in the file as the service would open it after a restart."""
    store = Store(db)
    try:
        return store.ids()
    finally:
        store.close()


def answered_201(service: Service, project, employee_id: str) -> str:
    record = acknowledgement(project, employee_id=employee_id)
    status, _, body = service.post("/api/records", record)
    assert status == 201, body
    return record["id"]


def assert_refused_503(service: Service, project, employee_id: str, words: str) -> str:
    record = acknowledgement(project, employee_id=employee_id)
    status, _, body = service.post("/api/records", record)
    assert status == 503, body
    assert words in body["detail"] and "nothing was stored" in body["detail"], body
    return record["id"]


def test_a_deleted_database_is_refused_not_answered_2xx(service, project):
    kept = answered_201(service, project, "E-before")
    service.db.unlink()
    lost = assert_refused_503(service, project, "E-after", "was removed")
    status, _, body = service.get("/api/export/acknowledgements.csv", service.auth())
    assert status == 503 and "was removed" in body["detail"], body
    assert not service.db.exists(), "a reader must not leave an empty database where the store was"
    assert kept and lost


def test_a_replaced_database_is_refused_and_every_2xx_is_in_the_file_opened_next(service, project, tmp_path):
    kept = answered_201(service, project, "E-before")
    copy = tmp_path / "copy.sqlite"
    shutil.copy(service.db, copy)
    os.replace(copy, service.db)  # the same name, another file
    lost = assert_refused_503(service, project, "E-after", "was replaced")
    status, _, body = service.get("/hr", service.auth())
    assert status == 503 and "was replaced" in body["detail"], body
    ids = stored_ids(service.db)
    assert kept in ids and lost not in ids


def test_a_read_only_database_is_refused_and_still_exports(service, project):
    kept = answered_201(service, project, "E-before")
    service.db.chmod(0o444)
    try:
        assert_refused_503(service, project, "E-after", "read-only")
        status, _, text = service.get("/api/export/acknowledgements.csv", service.auth())
        assert status == 200 and kept in text
    finally:
        service.db.chmod(0o644)
    assert answered_201(service, project, "E-again") in stored_ids(service.db)


LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
"""


def test_a_database_locked_by_another_process_gives_503_with_retry_after_and_files_keep_flowing(
    service, project, built_site
):
    kept = answered_201(service, project, "E-before")
    css = "/" + next(built_site.glob("assets/stylesheets/*.css")).relative_to(built_site).as_posix()
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(service.db), "8"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        results: list[tuple[int, object, object]] = []
        with ThreadPoolExecutor(max_workers=12) as pool:
            posts = [
                pool.submit(service.post, "/api/records", acknowledgement(project, employee_id=f"L{n}"))
                for n in range(12)
            ]
            time.sleep(0.5)  # the store's threads are waiting on the lock now
            begun = time.monotonic()
            status, _, _ = service.get(css)
            css_seconds = time.monotonic() - begun
            results = [future.result() for future in posts]
        assert status == 200 and css_seconds < 2, (status, css_seconds)
    finally:
        locker.wait(30)
    refused = [(headers, body) for status, headers, body in results if status == 503]
    assert refused and all(
        headers["retry-after"] == "5" and "try again shortly" in body["detail"] for headers, body in refused
    ), results
    stored = stored_ids(service.db)
    assert kept in stored
    assert {body["id"] for status, _, body in results if status == 201} <= stored
    assert answered_201(service, project, "E-after-lock") in stored_ids(service.db)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs; skipped (with the reason) only when this machine refuses the mount."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        if os.environ.get("CI") == "true" and os.geteuid() == 0:
            pytest.fail(f"mounting a tmpfs failed under CI: {done.stderr.strip()}")
        pytest.skip(f"this machine refuses to mount a tmpfs: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_gives_503_with_retry_after_and_every_2xx_survives(
    project_dir, built_site, project, small_disk
):
    service = Service(project_dir, built_site, small_disk / "records.sqlite")
    accepted: list[str] = []
    try:
        for n in range(2000):
            record = acknowledgement(project, employee_id=f"F{n}", user_agent="x" * 900)
            status, headers, body = service.post("/api/records", record)
            if status != 201:
                break
            accepted.append(record["id"])
        assert status == 503, body
        assert headers["retry-after"] == "60" and "disk is full" in body["detail"]
        assert accepted
    finally:
        service.close()
    assert set(accepted) <= stored_ids(small_disk / "records.sqlite")


def test_kill_9_under_load_loses_no_record_answered_2xx(project_dir, project, tmp_path):
    db = tmp_path / "records.sqlite"
    server = Process(
        "serve", project_dir, "--port", "0", "--db", str(db), log=tmp_path / "serve.log"
    ).started()
    accepted: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def send(worker: int) -> None:
        for n in range(10_000):
            if stop.is_set():
                return
            record = acknowledgement(project, employee_id=f"K{worker}-{n}")
            try:
                status, _, _ = post(server.url + "/api/records", record)
            except Exception:  # the server died mid-request: that record was never answered
                return
            if status == 201:
                with lock:
                    accepted.append(record["id"])

    threads = [threading.Thread(target=send, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(accepted) < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(60)
    assert len(accepted) >= 100
    assert set(accepted) <= stored_ids(db)
    assert "Traceback" not in server.output()


def test_a_reader_never_creates_the_database_it_reads(tmp_path):
    store = Store(tmp_path / "records.sqlite")
    try:
        (tmp_path / "records.sqlite").unlink()
        with pytest.raises(Exception, match="was removed"):
            store.count()
        assert not (tmp_path / "records.sqlite").exists()
        with pytest.raises(sqlite3.Error):
            sqlite3.connect(f"file:{tmp_path / 'records.sqlite'}?mode=rw", uri=True).execute("SELECT 1")
    finally:
        store.close()


ROSTER = str(Path(__file__).resolve().parent / "fixtures" / "roster.csv")


def _odd_db(kind: str, tmp_path: Path) -> tuple[Path, str]:
    """A --db that is not a records file, and the one line saying so."""
    if kind == "text file":
        path = tmp_path / "notes.txt"
        path.write_text("not a database\n" * 100, encoding="utf-8")
        return path, f"{path} is not a records database (SQLite)"
    if kind == "folder":  # click's own usage error for a dir_okay=False option
        return tmp_path, f"Error: Invalid value for '--db': File '{tmp_path}' is a directory."
    return Path("/dev/null"), "/dev/null is not a file; give --db a SQLite file's path"


ODD_DBS = ["text file", "folder", "/dev/null"]


@pytest.mark.parametrize("kind", ODD_DBS)
@pytest.mark.parametrize("command", [["records", "export", "--kind", "forms"], ["report", "--roster", ROSTER],
                                     ["records", "import"]])
def test_a_db_that_is_not_a_records_file_is_one_line_and_exit_2(project_dir, project, tmp_path, kind,
                                                                command):
    db, line = _odd_db(kind, tmp_path)
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(acknowledgement(project)), encoding="utf-8")
    where = [str(project_dir), str(receipt)] if command[-1] == "import" else [str(project_dir)]
    result = subprocess.run([HANDBOOK, *command, *where, "--db", str(db)],
                            capture_output=True, text=True, timeout=120, cwd=project_dir)
    assert (result.returncode, result.stderr.strip().splitlines()[-1]) == (2, line), result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("kind", ODD_DBS)
def test_serve_with_a_db_that_is_not_a_records_file_says_so_in_one_line(project_dir, built_site, tmp_path,
                                                                        kind):
    db, line = _odd_db(kind, tmp_path)
    result = subprocess.run([HANDBOOK, "serve", str(project_dir), "--site-dir",
                             str(built_site), "--port", "0", "--db", str(db)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and line in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero", "folder"])
def test_a_receipt_that_is_not_a_file_is_refused_at_once(project_dir, tmp_path, kind):
    receipt = tmp_path / "receipt.json"
    if kind == "fifo":
        os.mkfifo(receipt)
        message = "is not a regular file (a named pipe); only ordinary files are read"
    elif kind == "folder":
        receipt.mkdir()
        message = "expected a file but found a folder"
    else:
        receipt.symlink_to("/dev/zero")
        message = "is not a regular file (a character device); only ordinary files are read"
    result = subprocess.run([HANDBOOK, "records", "import", str(project_dir), str(receipt), "--db",
                             str(tmp_path / "records.sqlite")], capture_output=True, text=True, timeout=60,
                            cwd=project_dir)
    assert result.returncode == 1 and f"{receipt}: {message}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
