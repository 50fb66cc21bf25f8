"""A cmi5 package launched as an LMS launches it, against a real LRS (Ralph on 127.0.0.1): the
quiz fetches its auth token, reads LMS.LaunchData, and sends initialized, failed, passed,
completed and terminated with the context the cmi5 spec asks for, which the LRS stores.

The test LMS serves the package, the fetch URL and the LMS.LaunchData state document (Ralph has
no State API; in a real LMS the LMS writes that document to its LRS), and passes every statement
on to Ralph unchanged."""

from __future__ import annotations

import base64
import functools
import http.server
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.conftest import answer_json, copy_project
from tests.lrs_kit import Lrs, lrs_venv, running_lrs
from tests.quiz_driver import EMPLOYEE, answer_by_click, key, presented, quiz_data

HANDBOOK = str(Path(sys.executable).with_name("handbook"))
QUIZ = "admin-policy-6-employee"
ACTIVITY = f"urn:handbook:quiz/{QUIZ}"
SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVE_ON = "https://w3id.org/xapi/cmi5/context/categories/moveon"
NS = {"c": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}


@pytest.fixture(scope="module")
def lrs(tmp_path_factory: pytest.TempPathFactory):
    with running_lrs(lrs_venv(), tmp_path_factory.mktemp("lrs")) as running:
        yield running


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("cmi5") / "project")
    out = tmp_path_factory.mktemp("out") / "quiz-cmi5.zip"
    done = subprocess.run([HANDBOOK, "export", "cmi5", str(project), "--quiz", QUIZ, "--out", str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == f"wrote cmi5 package {out}", done.stderr
    return out


def test_the_course_structure_has_the_quiz_as_its_assignable_unit(package):
    with zipfile.ZipFile(package) as archive:
        root = ET.fromstring(archive.read("cmi5.xml"))
        names = set(archive.namelist())
    au = root.find("c:au", NS)
    assert au is not None and au.get("id") == ACTIVITY
    attributes = (au.get("moveOn"), au.get("masteryScore"), au.get("launchMethod"))
    assert attributes == ("Passed", "0.8", "AnyWindow")
    assert au.findtext("c:url", namespaces=NS) == EMPLOYEE and EMPLOYEE in names
    assert "assets/js/lms/cmi5.js" in names
    title = root.find("c:course/c:title/c:langstring", NS).text
    assert title == "Employee self-check: Social Media - Business Use"


SCHEMA = Path(__file__).resolve().parent / "cmi5" / "course-structure.xsd"


def schema_errors(document: bytes) -> list[str]:
    """Errors of a course structure against the cmi5 course structure schema (see its header)."""
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    schema.validate(etree.fromstring(document))
    return [f"{error.line}: {error.message}" for error in schema.error_log]


def test_the_course_structure_is_valid_against_the_cmi5_schema(package):
    with zipfile.ZipFile(package) as archive:
        document = archive.read("cmi5.xml")
    assert schema_errors(document) == []
    # The schema holds the spec's rules, so a course structure breaking them is refused.
    broken = {
        b'moveOn="Passed"': b'moveOn="Pass"',
        b'masteryScore="0.8"': b'masteryScore="80"',
        b'launchMethod="AnyWindow"': b'launchMethod="NewWindow"',
    }
    for good, bad in broken.items():
        assert good in document and len(schema_errors(document.replace(good, bad))) == 1, bad
    url = document.index(b"<url>")
    moved = document[:url] + document[document.index(b"</url>") + 6:]  # an AU without its url
    assert any("url" in error for error in schema_errors(moved))


class LmsHandler(http.server.SimpleHTTPRequestHandler):
    """The LMS side of a cmi5 launch (see the module's docstring)."""

    lrs: Lrs
    launch_data: dict
    seen: list[str]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        if self.path == "/fetch":
            self.seen.append("fetch")
            token = base64.b64encode(f"{self.lrs.user}:{self.lrs.password}".encode()).decode()
            answer_json(self, 200, {"auth-token": token})
        else:
            answer_json(self, 404, {})

    def do_GET(self) -> None:
        if self.path.startswith("/xapi/activities/state"):
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            self.seen.append(f"state {query['stateId'][0]} {query['activityId'][0]}")
            answer_json(self, 200, self.launch_data)
        else:
            super().do_GET()

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        target = self.lrs.url + self.path.removeprefix("/xapi/")
        request = urllib.request.Request(target, data=body, method="PUT", headers={
            "Authorization": self.headers["Authorization"], "Content-Type": "application/json",
            "X-Experience-API-Version": self.headers["X-Experience-API-Version"]})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        self.seen.append(f"statement {json.loads(body)['verb']['id'].rsplit('/', 1)[1]} {status}")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.mark.browser
def test_a_cmi5_launch_sends_the_statements_the_lrs_stores(page, package, lrs, tmp_path):
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path / "pkg")
    registration, session = str(uuid.uuid4()), str(uuid.uuid4())
    actor = {"objectType": "Agent", "name": "Ada Lee",
             "account": {"homePage": "https://lms.example.org", "name": "E-77"}}
    handler = type("Lms", (LmsHandler,), {"lrs": lrs, "seen": [], "launch_data": {
        "contextTemplate": {"contextActivities": {"grouping": [{"id": f"urn:handbook:course/{QUIZ}"}]},
                            "extensions": {SESSION: session}},
        "launchMode": "Normal", "masteryScore": 0.8, "moveOn": "Passed"}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(handler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    query = urllib.parse.urlencode({"endpoint": f"{base}/xapi/", "fetch": f"{base}/fetch",
                                    "actor": json.dumps(actor), "registration": registration,
                                    "activityId": ACTIVITY})
    try:
        page.goto(f"{base}/pkg/{EMPLOYEE}?{query}")
        page.locator("[data-hb-question]").first.wait_for()
        page.wait_for_function("window.handbookCmi5.active()")
        data = quiz_data(page)
        asked = [qid for qid, _ in presented(page)]
        answer_by_click(page, {qid: key(data, qid, right=i >= 4) for i, qid in enumerate(asked)})  # 4 wrong
        page.locator("[data-hb-quiz-retry]").click()
        answer_by_click(page, {qid: key(data, qid) for qid, _ in presented(page)})
        page.evaluate("window.handbookCmi5.sent()")
        page.goto("about:blank")  # the learner leaves: terminated
        statements = []
        for _ in range(100):
            statements = [s for s in lrs.statements() if s["context"].get("registration") == registration]
            if len(statements) == 5:
                break
            page.wait_for_timeout(100)
    finally:
        server.shutdown()
        server.server_close()
    assert handler.seen[:2] == ["fetch", f"state LMS.LaunchData {ACTIVITY}"]
    verbs = [s["verb"]["id"].rsplit("/", 1)[1] for s in sorted(statements, key=lambda s: s["timestamp"])]
    assert verbs == ["initialized", "failed", "passed", "completed", "terminated"]
    by_verb = {s["verb"]["id"].rsplit("/", 1)[1]: s for s in statements}
    for verb, statement in by_verb.items():
        assert statement["actor"]["account"] == actor["account"]
        assert statement["object"]["id"] == ACTIVITY
        context = statement["context"]
        assert context["extensions"][SESSION] == session  # from the LMS's context template
        assert context["contextActivities"]["grouping"] == [{"id": f"urn:handbook:course/{QUIZ}"}]
        categories = [c["id"] for c in context["contextActivities"]["category"]]
        assert categories == ([CMI5, MOVE_ON] if verb in ("failed", "passed", "completed") else [CMI5])
    expected = round(100 * (len(asked) - 4) / len(asked), 2)
    assert by_verb["failed"]["result"]["score"]["raw"] == expected
    assert by_verb["failed"]["result"]["success"] is False
    assert by_verb["passed"]["result"]["score"] == {"scaled": 1, "raw": 100, "min": 0, "max": 100}
    mastery = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
    assert by_verb["passed"]["context"]["extensions"][mastery] == 0.8
    assert by_verb["completed"]["result"]["completion"] is True
    assert by_verb["terminated"]["result"]["duration"].startswith("PT")
