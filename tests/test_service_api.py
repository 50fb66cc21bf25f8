"""The records API, in-process through the ASGI app: validation, idempotency, re-grading,
limits, CORS, tokens, and the same project as the pages on screen; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handbook.records.contract import FORMAT
from handbook.records.errors import RecordError
from handbook.records.intake import NUL, read_slowly
from handbook.service.api import Shortcut, status_for
from tests.conftest import copy_project
from tests.records_kit import (
    ODD,
    TOKEN,
    Service,
    acknowledgement,
    project_at,
    quiz_attempt,
    set_records_settings,
    violation_report,
)

ALLOWED = "https://intranet.example.org"


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("api") / "project")
    set_records_settings(root, endpoint="/api/records", allowed_origins=[ALLOWED],
                         rate_limit_per_minute=100_000)
    return root


@pytest.fixture(scope="module")
def project(project_dir: Path):
    return project_at(project_dir)


@pytest.fixture(scope="module")
def service(project_dir: Path, built_site: Path, tmp_path_factory: pytest.TempPathFactory, new_db):
    app = Service(project_dir, built_site, new_db(tmp_path_factory.mktemp("db")))
    yield app
    app.close()


RECORDS = "/api/records"


def export(service: Service, kind: str) -> list[dict[str, str]]:
    status, _, text = service.get(f"/api/export/{kind}.csv", service.auth())
    assert status == 200, text
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_a_record_is_stored_once_and_a_replay_gets_the_same_answer(service, project):
    record = acknowledgement(project, employee_id="E-replay")
    first = service.post(RECORDS, record)
    again = service.post(RECORDS, record)
    assert first[0] == again[0] == 201
    assert first[2] == again[2]
    assert first[2]["status"] == "stored" and first[2]["score"] == 100.0 and first[2]["passed"] is True
    assert again[1].get("handbook-replay") == "true"
    changed = {**record, "signature": "Someone Else"}
    status, _, body = service.post(RECORDS, changed)
    assert status == 409 and record["id"] in body["detail"]
    rows = [row for row in export(service, "acknowledgements") if row["record_id"] == record["id"]]
    assert len(rows) == 1 and rows[0]["signature"] == "Ann Example"


def test_a_forged_score_is_replaced_by_the_recomputed_one(service, project):
    forged = quiz_attempt(project, "admin-policy-6-board", employee_id="E-forger", correct=False,
                          score=100.0, passed=True)
    status, _, body = service.post(RECORDS, forged)
    assert status == 201
    assert body["score"] == 0.0 and body["passed"] is False and body["score_mismatch"] is True
    assert "differs from the recomputed score" in body["message"]
    row = next(r for r in export(service, "quiz-attempts") if r["record_id"] == forged["id"])
    got = (row["score"], row["passed"], row["client_score"], row["score_mismatch"])
    assert got == ("0", "no", "100", "yes")


def test_an_attempt_of_fewer_questions_than_the_quiz_draws_is_refused(service, project):
    """Otherwise a client could send one easy question, answered right, and score 100."""
    short = quiz_attempt(project, "admin-policy-6-board", employee_id="E-short")
    short["questions"] = short["questions"][:1]
    short["answers"] = {short["questions"][0]: short["answers"][short["questions"][0]]}
    status, _, body = service.post(RECORDS, short)
    assert status == 422
    assert "presents" in body["detail"] and "not 1" in body["detail"]


def test_an_honest_score_is_not_flagged(service, project):
    honest = quiz_attempt(project, "admin-policy-6-board", employee_id="E-honest")
    status, _, body = service.post(RECORDS, honest)
    assert status == 201 and body["score_mismatch"] is False and body["passed"] is True


def test_a_post_through_the_shortcut_is_answered_as_the_router_answers_it(service, project_dir, built_site,
                                                                          project, tmp_path_factory, new_db):
    routed = Service(project_dir, built_site, new_db(tmp_path_factory.mktemp("routed")))
    routed.app.user_middleware = [m for m in routed.app.user_middleware if m.cls is not Shortcut]
    try:
        record = acknowledgement(project, employee_id="E-routed")
        asked: list[tuple[bytes | dict, dict[str, str]]] = [
            (record, {}), (record, {}), ({**record, "signature": "Someone Else"}, {}),
            (acknowledgement(project, employee_id="E-origin"), {"Origin": ALLOWED}),
            (acknowledgement(project), {"Origin": "https://elsewhere.example"}),
            ({**acknowledgement(project), "score": "100"}, {}), (b'{"format": ', {}),
            (record, {"Content-Type": "text/plain"}), (b"", {"Content-Length": "70000"}),
        ]
        for body, headers in asked:
            answers = [app.post(RECORDS, body, headers) for app in (service, routed)]
            (status, got, content), (routed_status, routed_headers, routed_content) = answers
            assert status == routed_status and status != 404
            assert dict(got) == dict(routed_headers)
            if isinstance(content, dict) and "received_at" in content:  # stored a moment apart
                content, routed_content = ({**c, "received_at": None} for c in (content, routed_content))
            assert content == routed_content
    finally:
        routed.close()


@pytest.mark.parametrize("odd", list(ODD.values()), ids=list(ODD))
def test_odd_json_is_answered_as_pythons_json_and_the_record_model_say(service, project, odd):
    body = json.dumps(acknowledgement(project, employee_id="E-odd")).encode()
    body = body[:-1] + b", " + odd + b"}"
    status, headers, answer = service.post(RECORDS, body)
    assert headers["content-type"] == "application/json" and headers["x-content-type-options"] == "nosniff"
    try:
        read_slowly(body)
    except RecordError as refused:
        assert (status, answer["problems"]) == (status_for(refused), refused.messages)
        assert answer["detail"] == "; ".join(refused.messages)
    else:
        assert status == 201 and answer["status"] == "stored"
    if b"a\\u0000b" in odd:  # PostgreSQL cannot store it, so no store takes it: a 422, never a 503
        assert (status, answer["problems"]) == (422, [f"user_agent: {NUL}"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r, p: r["policy"].update(id="admin-policy-99"), "unknown policy 'admin-policy-99'"),
        (lambda r, p: r["policy"].update(version="7"), "unknown version '7' of policy 'admin-policy-6'"),
        (lambda r, p: r["policy"].update(hash="0" * 64), "policy.hash: does not match"),
        (lambda r, p: r["quiz"].update(id="no-such-quiz"), "unknown quiz 'no-such-quiz'"),
        (lambda r, p: r["quiz"].update(version="97"), "unknown version '97' of quiz"),
        (lambda r, p: r["person"].update(role="mayor"), "unknown role 'mayor'"),
        (lambda r, p: r["answers"].update({"no-such-question": ["x"]}), "no-such-question"),
        (lambda r, p: r.update(statement="I agree to nothing."), "statement: not the acknowledgement"),
        (lambda r, p: r.update(kind="form"), "a form needs form"),
    ],
)
def test_unknown_policies_versions_quizzes_and_roles_are_refused_with_422(service, project, change, expected):
    record = acknowledgement(project, employee_id="E-unknown")
    change(record, project)
    status, _, body = service.post(RECORDS, record)
    assert status == 422, body
    assert expected in body["detail"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r["form"].update(id="no-such-form"), "unknown form 'no-such-form'"),
        (lambda r: r["form"].update(version="9"), "unknown version '9' of form"),
        (lambda r: r["answers"].update(password="hunter2"), "answers.password: unknown field"),
        (lambda r: r["answers"].pop("description"), "answers.description: required"),
        (lambda r: r["answers"].update(restrictions="restrictions-a"), "multi-select answer is a list"),
    ],
)
def test_forms_are_checked_against_their_fields(service, project, change, expected):
    record = violation_report(project, employee_id="E-form")
    change(record)
    status, _, body = service.post(RECORDS, record)
    assert status == 422, body
    assert expected in body["detail"]


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (f'{{"format": "{FORMAT}", '.encode(), 400, "not valid JSON"),
        (b"\xff\xfe{}", 400, "not UTF-8"),
        (b"[1, 2, 3]", 422, "a record is a JSON object"),
        (b"null", 422, "a record is a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, 413, "larger than"),
        (b"[" * 30_000 + b"]" * 30_000, 400, "nested too deeply"),
    ],
)
def test_malformed_bodies_get_a_4xx_with_a_json_message(service, body, status, expected):
    got, _, answer = service.post(RECORDS, body)
    assert got == status, answer
    assert expected in answer["detail"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r.update(score="100"), "score: Input should be a valid number"),
        (lambda r: r["person"].update(employee_id=5), "person.employee_id: Input should be a valid string"),
        (lambda r: r.update(passed="yes"), "passed: Input should be a valid boolean"),
        (lambda r: r.update(id="not-a-uuid-but-36-characters-long-xx"), "id: not a UUID"),
        (lambda r: r.update(extra=1), "extra: Extra inputs are not permitted"),
        (lambda r: r.update(submitted_at="2026-02-30T10:00:00Z"),
         "submitted_at: must be a UTC time like 2026-01-05T09:00:00Z"),
        (lambda r: r.update(format="handbook-record/2"), f"format: Input should be {FORMAT!r}"),
        (lambda r: r.pop("person"), "person: Field required"),
        (lambda r: r["person"].update(name="x\ud800"), "person.name: Input should be a valid string, unable "
                                                        "to parse raw data as a unicode string"),
    ],
)
def test_wrong_types_and_fields_are_refused_with_422(service, project, change, expected):
    record = acknowledgement(project)
    change(record)
    status, _, body = service.post(RECORDS, record)
    assert status == 422, body
    assert expected in body["problems"]


def test_oversize_bodies_are_refused_by_content_length_and_by_counting(service):
    status, _, body = service.post(RECORDS, b"", {"Content-Length": "70000"})
    assert status == 413 and "larger than 65536" in body["detail"]
    chunks = [b"x" * 8192] * 9  # 72 KiB, no Content-Length: only counting catches it
    status, headers, body = service.request("POST", RECORDS, chunks, {"Content-Type": "application/json"})
    assert status == 413 and "larger than 65536" in body["detail"]
    assert headers["content-type"] == "application/json"


def test_a_body_that_is_not_json_typed_is_refused(service, project):
    status, _, body = service.post(RECORDS, acknowledgement(project), {"Content-Type": "text/plain"})
    assert status == 415 and "application/json" in body["detail"]


def test_cors_allows_listed_origins_and_same_origin_only(service, project):
    status, headers, _ = service.request("OPTIONS", RECORDS, headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 204
    assert headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in headers["access-control-allow-methods"]
    assert "content-type" in headers["access-control-allow-headers"].lower()
    status, headers, _ = service.request("OPTIONS", RECORDS, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert status == 403 and "access-control-allow-origin" not in headers
    status, _, body = service.post(RECORDS, acknowledgement(project), {"Origin": "https://evil.example"})
    assert status == 403 and "may not send records" in body["detail"]
    status, headers, _ = service.post(RECORDS, acknowledgement(project), {"Origin": ALLOWED})
    assert status == 201 and headers["access-control-allow-origin"] == ALLOWED
    status, _, _ = service.post(RECORDS, acknowledgement(project), {"Origin": service.url})
    assert status == 201


def test_exports_need_the_token(service, project):
    url = "/api/export/acknowledgements.csv"
    assert service.get(url)[0] == 401
    assert service.get(url, {"Authorization": "Bearer wrong"})[0] == 401
    assert service.get(url, {"Authorization": f"Basic {TOKEN}"})[0] == 401
    assert service.get(url + f"?token={TOKEN}")[0] == 401
    assert service.get(url, service.auth())[0] == 200
    status, _, body = service.get("/api/export/passwords.csv", service.auth())
    assert status == 404 and "acknowledgements" in body["detail"]


def test_without_a_token_set_exports_are_disabled(project_dir, built_site, tmp_path, new_db):
    service = Service(project_dir, built_site, new_db(tmp_path), token=None)
    try:
        status, _, body = service.get("/api/export/forms.csv", {"Authorization": "Bearer "})
        assert status == 503 and "HANDBOOK_ADMIN_TOKEN" in body["detail"]
        status, _, body = service.get("/hr")
        assert status == 503 and "HANDBOOK_ADMIN_TOKEN" in body
    finally:
        service.close()


def test_too_many_records_from_one_address_get_429(built_site, tmp_path, new_db):
    root = copy_project(tmp_path / "project")
    set_records_settings(root, rate_limit_per_minute=3)
    project = project_at(root)
    service = Service(root, built_site, new_db(tmp_path))
    try:
        answers = [service.post(RECORDS, acknowledgement(project)) for _ in range(5)]
        assert [status for status, _, _ in answers] == [201, 201, 201, 429, 429]
        assert int(answers[3][1]["retry-after"]) >= 1
        assert "too many records" in answers[3][2]["detail"]
    finally:
        service.close()


def test_other_methods_and_paths_under_api_get_json_answers(service):
    status, headers, body = service.get(RECORDS)
    assert status == 405 and headers["allow"] == "POST, OPTIONS" and "use POST" in body["detail"]
    status, _, body = service.post("/api/export/forms.csv", b"{}")
    assert status == 405 and "use GET" in body["detail"]
    status, _, body = service.get("/api/nothing")
    assert status == 404 and "openapi.json" in body["detail"]


def test_the_api_is_described_by_an_openapi_document(service):
    status, _, document = service.get("/api/openapi.json")
    assert status == 200 and document["openapi"].startswith("3.")
    post_op = document["paths"]["/api/records"]["post"]
    assert {"201", "400", "409", "413", "422", "429"} <= set(post_op["responses"])
    record = document["components"]["schemas"]["Record"]
    assert record["additionalProperties"] is False
    assert set(record["required"]) >= {"format", "id", "kind", "policy", "person", "answers"}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
FIELDS = ["format", "id", "kind", "policy", "quiz", "form", "person", "statement", "signature", "questions",
          "answers", "score", "pass_mark", "passed", "attempt", "started_at", "submitted_at", "user_agent"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mode=st.sampled_from(["bytes", "json", "mutate"]),
    raw=st.binary(max_size=200),
    value=JSON,
    field=st.sampled_from(FIELDS),
)
def test_random_bodies_never_get_a_5xx(service, project, mode, raw, value, field):
    if mode == "bytes":
        body = raw
    elif mode == "json":
        body = json.dumps(value).encode()
    else:
        record = acknowledgement(project)
        record[field] = value
        body = json.dumps(record).encode()
    status, headers, answer = service.post(RECORDS, body)
    assert 200 <= status < 500, answer
    assert headers["content-type"] == "application/json"
    assert isinstance(answer, dict) and ("detail" in answer or answer.get("status") == "stored")


def test_serving_broken_sources_stops_with_their_problems(built_site, tmp_path):
    from click.testing import CliRunner

    from handbook.cli import main

    root = copy_project(tmp_path / "project")
    roles = root / "policy_source" / "roles.yaml"
    text = roles.read_text(encoding="utf-8")
    roles.write_text(text.replace("  - id: itm", "  - id: mcs", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", str(root), "--port", "0", "--site-dir", str(built_site),
                                       "--db", str(tmp_path / "records.sqlite")])
    assert result.exit_code == 1
    assert "policy_source/roles.yaml:" in result.stderr and "duplicate role id 'mcs'" in result.stderr
    assert "Traceback" not in result.output


def test_records_are_checked_against_the_served_project_not_the_files_on_disk(built_site, tmp_path, new_db):
    """The service never reloads the sources by itself: an edit on disk (here a new policy
    version) counts only once a build of it is on screen."""
    root = copy_project(tmp_path / "project")
    served = project_at(root)
    service = Service(root, built_site, new_db(tmp_path))
    try:
        policy = root / "policy_source" / "policies" / "admin-policy-6.yaml"
        policy.write_text(policy.read_text(encoding="utf-8").replace('version: "1"', 'version: "2"', 1),
                          encoding="utf-8")
        on_disk = project_at(root)
        assert on_disk.policy("admin-policy-6").version == "2"
        assert service.post(RECORDS, acknowledgement(served, employee_id="E-served"))[0] == 201
        status, _, body = service.post(RECORDS, acknowledgement(on_disk, employee_id="E-disk"))
        assert status == 422 and "unknown version '2' of policy 'admin-policy-6'" in body["detail"]
    finally:
        service.close()
