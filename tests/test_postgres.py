"""Several `handbook serve` instances on one PostgreSQL database, as a load balancer runs them:
no record lost or stored twice, every 2xx kept when an instance is killed, one evidence chain,
sessions shared; and `records migrate` from SQLite with its count and chain check."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from handbook.records import migrations, once
from handbook.records.database import Database, SqliteDatabase, parse_target, shown, snapshot
from handbook.records.intake import validate
from handbook.records.migrations import Migration
from handbook.records.stores import open_store
from handbook.records.void import void_record
from tests.conftest import ROOT, copy_project
from tests.records_kit import (
    HANDBOOK,
    Process,
    acknowledgement,
    get,
    post,
    project_at,
    wait_for,
)
from tests.test_service_load import CLIENTS, RECORDS, Acknowledged, Client, make_records
from tests.test_service_load import project_dir as project_dir  # the same project, rate limit raised

REPLAYS = 500
LOAD_TIMEOUT = 240
"""Seconds the whole load may take (about 20 s idle here): a bound, not a timing test."""


def pair(project_dir: Path, site: Path, db: str, folder: Path) -> list[Process]:
    """Two instances started together on one (maybe empty) database, the first told by --db,
    the second by HANDBOOK_DB, each in a working folder of its own: they race to migrate it."""
    arguments = ("--port", "0", "--site-dir", str(site))
    for name in "ab":
        (folder / name).mkdir()
    started = [Process("serve", project_dir, *arguments, "--db", db, log=folder / "a.log", cwd=folder / "a"),
               Process("serve", project_dir, *arguments, log=folder / "b.log", cwd=folder / "b",
                       environment={"HANDBOOK_DB": db})]
    for instance in started:
        instance.started()
        assert f"records in {db};" in instance.output()
    return started


def handbook(*arguments: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([HANDBOOK, *arguments], capture_output=True, text=True, timeout=300,
                            env={**os.environ, **(environment or {})})
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def verified(db: str | Path, rows: int) -> str:
    """``records verify`` says the chain holds over ``rows`` rows; its head."""
    result = handbook("records", "verify", str(ROOT), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"ok: {rows} row(s) chained; head "), result.stdout
    return result.stdout.split()[-1]


def test_two_instances_take_5000_records_from_50_clients_once_each(project_dir, built_site, tmp_path,
                                                                   postgres):
    db = postgres.create()
    records = make_records(project_dir, RECORDS)
    instances = pair(project_dir, built_site, db, tmp_path)
    try:
        def run(client_number: int) -> list[int]:
            share = records[client_number::CLIENTS]
            # every tenth client also replays its first records on the other instance
            replays = share[:REPLAYS // (CLIENTS // 10)] if client_number % 10 == 0 else []
            side = client_number % 2
            own, other = Client(instances[side].url), Client(instances[1 - side].url)
            try:
                return [own.send(record) for record in share] + [other.send(record) for record in replays]
            finally:
                own.close()
                other.close()

        started = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = [status for part in pool.map(run, range(CLIENTS)) for status in part]
        assert time.monotonic() - started < LOAD_TIMEOUT
        assert statuses.count(201) == RECORDS + REPLAYS, {s: statuses.count(s) for s in set(statuses)}
        for instance in instances:  # either instance exports every record, whoever took it
            status, _, text = get(f"{instance.url}/api/export/acknowledgements.csv", instance.auth())
            assert status == 200 and text.count("\r\n") == 1 + len(records[0::3])
    finally:
        for instance in instances:
            instance.stop()
    store = open_store(db)
    try:
        assert store.count() == RECORDS and store.ids() == {record["id"] for record in records}
        with store.database.connection() as conn:
            assert conn.execute("SELECT count(DISTINCT id), count(*) FROM records").fetchone() == (RECORDS,
                                                                                                  RECORDS)
            steps = conn.execute("SELECT component, count(*) FROM handbook_migrations "
                                 "GROUP BY component HAVING count(*) > 1").fetchall()
            assert steps == []  # two instances migrating together applied each step once
    finally:
        store.close()
    verified(db, RECORDS)  # the writers of both instances took turns: one unbroken chain


def test_every_2xx_survives_a_kill_9_of_one_instance_under_load(project_dir, built_site, tmp_path, postgres):
    db = postgres.create()
    records = make_records(project_dir, 3_000)
    sent = Acknowledged(600)
    instances = pair(project_dir, built_site, db, tmp_path)
    victim, survivor = instances
    workers = [threading.Thread(target=sent.send, args=(records[i::20], instances[i % 2].url))
               for i in range(20)]
    for worker in workers:
        worker.start()
    try:
        assert sent.enough.wait(LOAD_TIMEOUT), "the instances did not answer 600 records"
        victim.kill()  # kill -9, mid-transaction as likely as not: its advisory lock must go with it
        for worker in workers:
            worker.join(LOAD_TIMEOUT)
        assert not any(worker.is_alive() for worker in workers), "the survivor stopped answering"
        late = acknowledgement(project_at(project_dir), employee_id="E-after-the-kill")
        assert post(f"{survivor.url}/api/records", late)[0] == 201
    finally:
        for instance in instances:
            instance.stop()
    assert len(sent.ids) < len(records), "the kill came too late to test anything"
    store = open_store(db)
    try:
        stored = store.ids()
        assert set(sent.ids) <= stored and late["id"] in stored
        rows = store.count()
    finally:
        store.close()
    verified(db, rows)


def test_a_session_begun_on_one_instance_is_valid_on_the_other(project_dir, built_site, tmp_path, postgres):
    first, second = pair(project_dir, built_site, postgres.create(), tmp_path)
    try:
        page = httpx_get(f"{first.url}/hr")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        form = urlencode({"csrf": csrf, "token": first.token})
        status, headers, _ = post(f"{first.url}/hr/login", form.encode(), {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"handbook_csrf={csrf}"})
        assert status == 303
        session = {"Cookie": headers["set-cookie"].split(";", 1)[0]}
        export = "/api/export/acknowledgements.csv"
        assert get(f"{second.url}{export}")[0] == 401
        assert get(f"{second.url}{export}", session)[0] == 200
        signed_in = httpx_get(f"{second.url}/hr", session)
        assert signed_in.status_code == 200 and 'type="password"' not in signed_in.text
        log = tmp_path / "a" / "audit.log"
        audit = wait_for(lambda: log.exists() and log.read_text(encoding="utf-8"))
        assert "sign-in ok" in audit  # each instance's audit log is in its working directory
    finally:
        first.stop()
        second.stop()


def httpx_get(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=30)


def _filled_sqlite(path: Path, count: int) -> list[str]:
    """A SQLite store with ``count`` records, the second one voided; the ids in order."""
    project = project_at(ROOT)
    store = open_store(path)
    try:
        ids = [store.add(validate(acknowledgement(project, employee_id=f"E{i}")), None, True, 80, None,
                         "test").id for i in range(count)]
        void_record(store, ids[1], "a test record", "hr")
    finally:
        store.close()
    return ids


def test_migrate_copies_a_sqlite_store_and_proves_the_copy(tmp_path, postgres):
    source = tmp_path / "records.sqlite"
    ids = _filled_sqlite(source, 40)
    head = verified(source, 41)
    target = postgres.create()
    result = handbook("records", "migrate", "--from", f"sqlite://{source}", "--to", target)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"copied 40 record(s), 1 void entry(ies), 0 exam attempt(s); verified: "
                                    f"41 row(s) chained, head {head} on both")
    assert verified(target, 41) == head  # the same head as the original: its earlier proofs still hold
    store = open_store(target)
    try:
        assert [row["id"] for row in store.rows(include_void=True, columns=["id"])] == ids
        assert [row["id"] for row in store.rows(columns=["id"])] == ids[:1] + ids[2:]
        again = store.add(validate(acknowledgement(project_at(ROOT), employee_id="E-new")), None, True, 80,
                          None, "test")
        assert not again.replay
    finally:
        store.close()
    verified(target, 42)  # the copy's chain goes on from the original's head
    evidence = handbook("records", "evidence", str(ROOT), "E1", "--json", "--db", target)
    assert evidence.returncode == 0, evidence.stderr
    found = json.loads(evidence.stdout)
    assert (found["chain_holds"], found["chain_rows"], found["store"]) == (True, 42, target)
    assert [record["void"]["reason"] for record in found["records"]] == ["a test record"]
    assert found["records"][0]["proof"]["holds"] is True

    refused = handbook("records", "migrate", "--from", str(source), environment={"HANDBOOK_DB": target})
    assert refused.returncode == 1 and "is not empty (41 records, 1 voids)" in refused.stderr


def test_migrate_refuses_a_broken_source_and_copies_nothing(tmp_path, postgres):
    source = tmp_path / "records.sqlite"
    ids = _filled_sqlite(source, 5)
    with closing(sqlite3.connect(source)) as db, db:
        db.execute("UPDATE records SET name = 'Someone Else' WHERE id = ?", (ids[3],))
    target = postgres.create()
    result = handbook("records", "migrate", "--from", f"sqlite://{source}", "--to", target)
    assert result.returncode == 1
    assert "the source's chain is broken; nothing was copied" in result.stderr and "seq 4" in result.stderr
    store = open_store(target)
    try:
        assert store.count() == 0
    finally:
        store.close()


def test_a_wrong_database_url_is_one_line(tmp_path):
    result = handbook("serve", str(copy_project(tmp_path / "project")), "--port", "0",
                      "--db", "postgresql://nobody:secret@127.0.0.1:1/none")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot connect to the PostgreSQL database" in lines[0]
    assert "secret" not in result.stderr and "nobody:***@127.0.0.1:1/none" in lines[0]


STEPS = (Migration("probe", 1, "CREATE TABLE probe (key TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL)"),
         Migration("probe", 2, "ALTER TABLE probe ADD COLUMN note TEXT"))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_module_migrates_its_own_table_once_on_either_database(kind, tmp_path, request):
    if kind == "sqlite":
        open_store(tmp_path / "records.sqlite").close()
        database: Database = SqliteDatabase(tmp_path / "records.sqlite")
    else:
        store = open_store(request.getfixturevalue("postgres").create())
        database = store.database
        request.addfinalizer(store.close)
    assert migrations.apply(database, STEPS[:1]) == list(STEPS[:1])
    assert migrations.apply(database, STEPS) == list(STEPS[1:])  # only what is new
    assert migrations.apply(database, STEPS) == [] and migrations.version(database, "probe") == 2
    with database.connection() as db:
        db.execute("INSERT INTO probe (key, at, note) VALUES (?, ?, ?)", ("k", 1_800_000_000.25, "50% done"))
    with snapshot(database) as db:
        row = db.execute("SELECT * FROM probe WHERE key = ?", ("k",)).fetchone()
    assert (row["at"], row["note"], row[0]) == (1_800_000_000.25, "50% done", "k")

    once.prepare(database)
    with ThreadPoolExecutor(8) as pool:  # eight "instances" race for one reminder
        wins = list(pool.map(lambda n: once.first_time(database, "reminder:p:E1:2026-03-01", f"i{n}"),
                             range(8)))
    assert wins.count(True) == 1
    assert once.first_time(database, "reminder:p:E2:2026-03-01")


def test_the_benchmark_floor_stores_each_record_once(postgres):
    from benchmarks.servers import running
    from benchmarks.workspace import free_port

    url, port = postgres.create(), free_port()
    record = acknowledgement(project_at(ROOT), employee_id="E-floor")
    with running([sys.executable, "-m", "benchmarks.pgfloor", url, str(port)], port):
        answers = [post(f"http://127.0.0.1:{port}/api/records", record)[0] for _ in range(2)]
        assert post(f"http://127.0.0.1:{port}/api/records", b"[]")[0] == 400
    assert answers == [201, 201] and _rows_in(url) == [record["id"]]  # the second one was a replay


def _rows_in(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url) as db:
        return [row[0] for row in db.execute("SELECT id FROM records")]


def test_db_names_a_file_or_a_url_and_a_password_is_never_shown():
    assert parse_target("sqlite:///var/lib/handbook/r.sqlite") == Path("/var/lib/handbook/r.sqlite")
    assert parse_target("records.sqlite") == Path("records.sqlite")
    assert parse_target("postgresql://db.example.org/handbook") == "postgresql://db.example.org/handbook"
    secret = "postgresql://handbook:pw1@db.example.org:5432/handbook?password=pw2&sslmode=require"
    assert shown(secret) == "postgresql://handbook:***@db.example.org:5432/handbook?password=***&sslmode=require"
    result = handbook("records", "verify", str(ROOT), "--db", "sqlite://records.sqlite")
    assert result.returncode == 2
    assert "write a SQLite file as sqlite:///path/to/records.sqlite" in result.stderr


def test_reminders_sent_and_earlier_acknowledgements_read_from_postgresql(postgres):
    """``handbook remind`` never sends one reminder twice, and a re-acknowledgement of only what
    changed finds the person's earlier acknowledgement, with the records on PostgreSQL too."""
    from datetime import date

    from handbook.records.earlier import acknowledged_versions
    from handbook.records.reminders import ReminderKey, ReminderLog

    store = open_store(postgres.create())
    try:
        key = ReminderKey("ann@example.org", "e1", "acknowledge-admin-policy-6", "missing")
        log = ReminderLog(store.database)
        assert log.last_sent(key) is None
        log.record([key], date(2026, 11, 2))
        assert ReminderLog(store.database).last_sent(key) == date(2026, 11, 2)  # its table made once
        project = project_at(ROOT)
        store.add(validate(acknowledgement(project, employee_id=" e-1 ")), None, None, None, None, "test")
        version = project.policies[0].version
        assert acknowledged_versions(store, project.policies[0].id, "E-1") == {version}
        assert acknowledged_versions(store, project.policies[0].id, "E-2") == set()
    finally:
        store.close()
