"""Concurrency and crash safety of the records service, over real HTTP with a real SQLite file."""

from __future__ import annotations

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from handbook.records.store import Store
from tests.conftest import copy_project
from tests.records_kit import (
    Process,
    acknowledgement,
    get,
    post,
    project_at,
    quiz_attempt,
    set_records_settings,
    violation_report,
)

CLIENTS = 50
RECORDS = 5_000


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("load") / "project")
    set_records_settings(root, rate_limit_per_minute=1_000_000)
    return root


def make_records(project_dir: Path, count: int) -> list[dict]:
    """A mix of the three kinds, each from its own (made-up) employee."""
    project = project_at(project_dir)
    makers = [
        lambda i: acknowledgement(project, employee_id=f"A{i}", name=f"Person {i}"),
        lambda i: quiz_attempt(project, "admin-policy-6-board", employee_id=f"Q{i}", correct=i % 2 == 0),
        lambda i: violation_report(project, employee_id=f"F{i}", description=f"Report number {i}"),
    ]
    return [makers[i % 3](i) for i in range(count)]


def serve(project_dir: Path, site: Path, db: Path, log: Path) -> Process:
    """``handbook serve --site-dir`` as a real process on a free port."""
    arguments = ("--port", "0", "--site-dir", str(site), "--db", str(db))
    return Process("serve", project_dir, *arguments, log=log).started()


class Client:
    """One keep-alive connection, as a browser would hold."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def send(self, record: dict) -> int:
        body = json.dumps(record).encode()
        self.connection.request("POST", "/api/records", body, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self.connection.close()


def test_50_concurrent_clients_posting_5000_records_lose_and_duplicate_nothing(
    project_dir, built_site, tmp_path
):
    db = tmp_path / "records.sqlite"
    records = make_records(project_dir, RECORDS)
    service = serve(project_dir, built_site, db, tmp_path / "serve.log")
    try:
        def run(share: list[dict]) -> list[int]:
            client = Client(service.url)
            try:
                return [client.send(record) for record in share]
            finally:
                client.close()

        with ThreadPoolExecutor(CLIENTS) as pool:
            shares = [records[i::CLIENTS] for i in range(CLIENTS)]
            statuses = [status for part in pool.map(run, shares) for status in part]
        assert statuses.count(201) == RECORDS, {s: statuses.count(s) for s in set(statuses)}
        status, _, text = get(f"{service.url}/api/export/acknowledgements.csv", service.auth())
        assert status == 200 and text.count("\r\n") == 1 + len(records[0::3])
    finally:
        service.stop()
    store = Store(db)
    try:
        assert store.count() == RECORDS
        assert store.ids() == {record["id"] for record in records}
        assert store.count("form") == len(records[2::3])
    finally:
        store.close()


@dataclass
class Acknowledged:
    """Client threads sending records until their service dies: the ids answered with a 2xx,
    and ``enough`` set once ``enough_at`` of them were."""

    enough_at: int
    ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    enough: threading.Event = field(default_factory=threading.Event)

    def send(self, share: list[dict], url: str) -> None:
        client = Client(url)
        try:
            for record in share:
                if client.send(record) // 100 == 2:
                    with self.lock:
                        self.ids.append(record["id"])
                        if len(self.ids) >= self.enough_at:
                            self.enough.set()
        except (OSError, http.client.HTTPException):
            return  # the service died under us: whatever was not answered may or may not be stored
        finally:
            client.close()


def test_records_that_got_a_2xx_survive_a_kill_9(project_dir, built_site, tmp_path):
    db = tmp_path / "records.sqlite"
    records = make_records(project_dir, 3_000)
    sent = Acknowledged(500)
    acknowledged = sent.ids
    service = serve(project_dir, built_site, db, tmp_path / "serve.log")
    workers = [threading.Thread(target=sent.send, args=(records[i::20], service.url)) for i in range(20)]
    for worker in workers:
        worker.start()
    try:
        assert sent.enough.wait(120), "the service did not answer 500 records"
        service.kill()
    finally:
        for worker in workers:
            worker.join(60)
        service.stop()
    assert len(acknowledged) < len(records), "the kill came too late to test anything"

    restarted = serve(project_dir, built_site, db, tmp_path / "restarted.log")
    try:
        store = Store(db)
        try:
            stored = store.ids()
        finally:
            store.close()
        missing = set(acknowledged) - stored
        assert not missing, f"{len(missing)} acknowledged records lost"
        first = next(r for r in records if r["id"] == acknowledged[0])
        status, _, body = post(f"{restarted.url}/api/records", first)
        assert status == 201 and body["id"] == first["id"]
        rest = [r for r in records if r["id"] not in stored][:50]
        assert all(post(f"{restarted.url}/api/records", r)[0] == 201 for r in rest)
    finally:
        restarted.stop()
