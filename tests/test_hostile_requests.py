"""Hostile requests get the exact JSON answer they should, and never a traceback: the corpus in
``tests/hostile_requests.py`` in-process against ``create_app``, raw paths over real HTTP (an
ASGI client would tidy them), one canonical spelling per record id, and stored rows from
before the strict checks that must not break HR's report."""

from __future__ import annotations

import csv
import io
import logging
import shutil
import socket
import sqlite3
from pathlib import Path

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from click.testing import CliRunner
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from handbook.app import create_app
from handbook.cli import main
from handbook.records.store import Store
from handbook.serve import prebuilt
from handbook.service.site import ServedSite
from tests.hostile_requests import CASES, Case, request_body, unthrottled_project
from tests.records_kit import TOKEN, Service, acknowledgement, set_records_settings

ROSTER = Path(__file__).resolve().parent / "fixtures" / "roster.csv"


@pytest.fixture(scope="module")
def copied(tmp_path_factory: pytest.TempPathFactory):
    return unthrottled_project(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def project_dir(copied) -> Path:
    return copied[0]


@pytest.fixture(scope="module")
def project(copied):
    return copied[1]


@pytest.fixture(scope="module")
def service(project_dir: Path, built_site: Path, tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("hostile-db")
    shutil.copy(ROSTER, base / "roster.csv")
    app = Service(project_dir, built_site, base / "records.sqlite", roster=base / "roster.csv")
    yield app
    app.close()


def test_the_corpus_is_large_and_every_case_is_named_once():
    assert len(CASES) >= 150
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_hostile_record_gets_its_exact_answer_and_nothing_is_stored(service, project, case: Case, caplog):
    before = service.store.count()
    status, _, body = service.request(case.method, case.path, request_body(case, project), case.headers)
    assert (status, body["detail"]) == (case.status, case.detail), body
    assert "; ".join(body["problems"]) == case.detail and body["error"]
    assert service.store.count() == before
    assert "Traceback" not in caplog.text


PATHS = [
    ("GET", "/api/nothing", 404, "no API at /api/nothing; see /api/openapi.json"),
    ("GET", "/api/records", 405, "GET is not allowed here; use POST, OPTIONS"),
    ("DELETE", "/api/records", 405, "DELETE is not allowed here; use POST, OPTIONS"),
    ("PUT", "/api/openapi.json", 405, "PUT is not allowed here; use GET"),
    ("POST", "/api/export/acknowledgements.csv", 405, "POST is not allowed here; use GET"),
    (
        "GET",
        "/api/export/acknowledgements.csv",
        401,
        "a valid bearer token (HANDBOOK_ADMIN_TOKEN) is required",
    ),
    ("GET", "/api/" + "a" * 300, 404, f"no API at /api/{'a' * 300}; see /api/openapi.json"),
]


@pytest.mark.parametrize(("method", "path", "status", "detail"), PATHS)
def test_api_paths_answer_json(service, method, path, status, detail):
    answer, _, body = service.request(method, path)
    assert (answer, body["detail"]) == (status, detail)


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic eDp5"},
        {"Authorization": f"Bearer {TOKEN}\u00e9".encode()},
    ],
)
def test_a_wrong_token_is_refused(service, headers):
    status, _, body = service.get("/api/export/acknowledgements.csv", headers)
    assert (status, body["detail"]) == (401, "a valid bearer token (HANDBOOK_ADMIN_TOKEN) is required")


@pytest.mark.parametrize("name", ["nothing.csv", "acknowledgements", "..%2f..%2fetc%2fpasswd.csv"])
def test_an_unknown_export_is_a_json_404(service, name):
    status, _, body = service.get(f"/api/export/{name}", service.auth())
    assert status == 404 and body["detail"].startswith("no export '"), body


def test_every_spelling_of_a_record_id_is_one_record(service, project):
    record = acknowledgement(project, employee_id="E-case")
    lower = record["id"]
    spellings = [lower.upper(), lower, lower[:18].upper() + lower[18:], f"  {lower.upper()} "]
    answers = [service.post("/api/records", {**record, "id": spelling}) for spelling in spellings]
    assert [status for status, _, _ in answers] == [201] * 4
    assert {body["id"] for _, _, body in answers} == {lower}
    assert [headers.get("handbook-replay") for _, headers, _ in answers] == [None, "true", "true", "true"]
    with sqlite3.connect(service.db) as db:
        assert db.execute("SELECT count(*) FROM records WHERE lower(id) = ?", (lower,)).fetchone()[0] == 1


def _raw_get(address: str, path: bytes) -> tuple[int, bytes]:
    host, port = address.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(
            b"GET " + path + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


@pytest.mark.parametrize(
    "path",
    [
        b"/%00",
        b"/index.html%00.txt",
        b"/" + b"a" * 300,
        b"/" + b"a" * 300 + b"/x",
        b"/%2e%2e/%2e%2e/etc/passwd",
        b"/..%2f..%2fetc%2fpasswd",
        b"/%ff%fe",
        b"/assets/%00/x.css",
        b"/" + b"%e2%80%ae" * 100,
    ],
)
def test_raw_paths_over_real_http_are_a_plain_404(service, path, caplog):
    address = service.address or service.listen()
    with caplog.at_level(logging.INFO):
        status, data = _raw_get(address, path)
    assert status == 404, data[:300]
    assert b"root:" not in data
    assert "Traceback" not in caplog.text


def test_stored_rows_from_before_the_strict_checks_do_not_break_hr_or_the_report(
    project_dir, built_site, project, tmp_path
):
    shutil.copy(ROSTER, tmp_path / "roster.csv")
    set_records_settings(project_dir)  # unchanged settings: the shipped requirements
    service = Service(project_dir, built_site, tmp_path / "records.sqlite", roster=tmp_path / "roster.csv")
    try:
        for employee in ("E1", "E2"):
            assert service.post("/api/records", acknowledgement(project, employee_id=employee))[0] == 201
    finally:
        service.close()
    with sqlite3.connect(tmp_path / "records.sqlite") as db:  # as an older version stored them
        db.execute("UPDATE records SET submitted_at = '2026-1-5T9:0:0Z' WHERE employee_id = 'E1'")
        db.execute("UPDATE records SET submitted_at = '9999-12-31T00:00:00Z' WHERE employee_id = 'E2'")
    service = Service(project_dir, built_site, tmp_path / "records.sqlite", roster=tmp_path / "roster.csv")
    try:
        status, _, html = service.get("/hr", service.auth())
        assert status == 200 and "None: every record belongs" in html, html
        status, _, text = service.get("/hr/status.csv", service.auth())
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert status == 200 and {row[0] for row in rows if "complete" in row} >= {"E1", "E2"}, text
    finally:
        service.close()
    result = CliRunner().invoke(
        main,
        [
            "report",
            str(project_dir),
            "--roster",
            str(tmp_path / "roster.csv"),
            "--db",
            str(tmp_path / "records.sqlite"),
        ],
    )
    assert "Traceback" not in result.output and not isinstance(result.exception, (ValueError, OverflowError))
    # exit 1 for the fixture's one bad roster row, not for the stored records
    assert result.exit_code == 1 and "roster.csv:8: unknown role 'mayor'" in result.output
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert {row[0] for row in rows if "complete" in row} >= {"E1", "E2"}


def test_anything_unexpected_is_a_json_500_and_one_log_line(project_dir, built_site, tmp_path, caplog):
    """The catch-all: a route that fails in a way nobody planned answers JSON, logs one line."""

    async def broken(request: Request) -> Response:
        raise ZeroDivisionError("division by zero")

    store = Store(tmp_path / "records.sqlite")
    app = create_app(ServedSite(prebuilt(project_dir, built_site)), store, routes=[Route("/boom", broken)])

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return await client.get("/boom")

    try:
        with caplog.at_level(logging.INFO), start_blocking_portal() as portal:  # a loop of its own thread
            response = portal.call(call)
    finally:
        store.close()
    assert response.status_code == 500
    assert response.json()["detail"] == "the service failed to answer this request; it has been logged"
    lines = [record.getMessage() for record in caplog.records if record.name == "handbook.service"]
    assert lines == ["GET /boom failed: ZeroDivisionError: division by zero"]
    assert "Traceback" not in caplog.text
