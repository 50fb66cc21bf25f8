"""The record format and the checks against the project, without HTTP: any input gives a
:class:`RecordError` with a message, or a stored record; never another exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handbook.records.errors import RecordError
from handbook.records.intake import accept, parse, read_slowly
from handbook.records.store import Store
from handbook.service.api import status_for
from handbook.service.ratelimit import RateLimiter
from tests.conftest import ROOT
from tests.records_kit import ODD, acknowledgement, project_at, quiz_attempt, violation_report

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=15), inner, max_size=5),
    max_leaves=30,
)


@pytest.fixture(scope="module")
def project():
    return project_at(ROOT)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    opened = Store(tmp_path_factory.mktemp("model") / "records.sqlite")
    yield opened
    opened.close()


def paths(value, prefix=()):
    """Every (path) inside a nested record, so a mutation can hit any depth."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))


def mutate(record: dict, path: tuple, value) -> dict:
    copy = json.loads(json.dumps(record))
    if not path:
        return value
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["ack", "quiz", "form"]), pick=st.integers(0, 10_000), value=JSON,
       raw=st.binary(max_size=100), use_raw=st.booleans())
def test_any_body_is_stored_or_refused_with_a_message(project, store, kind, pick, value, raw, use_raw):
    makers = {"ack": lambda: acknowledgement(project),
              "quiz": lambda: quiz_attempt(project, "admin-policy-6-board"),
              "form": lambda: violation_report(project)}
    record = makers[kind]()
    places = list(paths(record))
    body = raw if use_raw else json.dumps(mutate(record, places[pick % len(places)], value)).encode()
    try:
        stored = accept(project, store, parse(body), "test")
    except RecordError as refused:
        assert refused.messages and all(refused.messages)
        assert 400 <= status_for(refused) < 500
    else:
        assert stored.id


def outcome(reader, body: bytes):
    """What a reader makes of a body: the record's canonical body and fields, or the refusal."""
    try:
        record = reader(body)
    except RecordError as refused:
        return type(refused).__name__, refused.messages
    return record.canonical(), record.model_dump()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["ack", "quiz", "form"]), pick=st.integers(0, 10_000), value=JSON)
def test_the_one_pass_reader_takes_and_refuses_what_python_json_and_the_model_do(project, kind, pick, value):
    record = {"ack": acknowledgement, "form": violation_report}.get(kind, lambda p: quiz_attempt(
        p, "admin-policy-6-board"))(project)
    places = list(paths(record))
    body = json.dumps(mutate(record, places[pick % len(places)], value), ensure_ascii=pick % 2 == 0).encode()
    assert outcome(parse, body) == outcome(read_slowly, body)


@pytest.mark.parametrize("odd", list(ODD.values()), ids=list(ODD))
def test_odd_json_gets_the_same_answer_from_the_one_pass_reader(project, odd):
    body = json.dumps(acknowledgement(project)).encode()
    body = body[:-1] + b", " + odd + b"}"
    assert outcome(parse, body) == outcome(read_slowly, body)
    for edge in (b"\xef\xbb\xbf" + body, body + b" x", body[:40], b"[" + body + b"]", b""):
        assert outcome(parse, edge) == outcome(read_slowly, edge)


def test_the_rate_limiter_allows_a_burst_then_refills_with_time():
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(60)] == [0.0] * 60
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0.0  # another address has its own allowance
    now[0] += 2.0
    assert limiter.take("a") == 0.0 and limiter.take("a") == 0.0 and limiter.take("a") > 0


def test_a_store_reopened_keeps_its_rows_and_settings(tmp_path: Path, project):
    db = tmp_path / "records.sqlite"
    first = Store(db)
    record = parse(json.dumps(acknowledgement(project)).encode())
    accept(project, first, record, "test")
    first.close()
    again = Store(db)
    try:
        assert again.ids() == {record.id}
        with again._reader() as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
            assert connection.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    finally:
        again.close()
