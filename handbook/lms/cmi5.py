"""cmi5 packages: ``cmi5.xml`` (the course structure) and the zip around it.

The quiz is the course's one assignable unit (AU): ``moveOn="Passed"`` with the pass mark as its
mastery score, launched by the LMS in any window. Its page loads ``cmi5.js``, which follows the
cmi5 launch sequence against the LMS's LRS.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from handbook.lms.package import Unit, wire_adapter, write_zip

NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
ADAPTER = "cmi5.js"


def course_structure(course_id: str, title: str, description: str, unit: Unit, activity_id: str,
                     language: str) -> bytes:
    """``cmi5.xml`` for one AU (the quiz) whose page is ``unit.href``."""
    ET.register_namespace("", NAMESPACE)

    def add(parent: ET.Element, name: str, **attributes: str) -> ET.Element:
        return ET.SubElement(parent, f"{{{NAMESPACE}}}{name}", attributes)

    def words(parent: ET.Element, name: str, text: str) -> None:
        add(add(parent, name), "langstring", lang=language).text = text

    root = ET.Element(f"{{{NAMESPACE}}}courseStructure")
    course = add(root, "course", id=course_id)
    words(course, "title", title)
    words(course, "description", description)
    attributes = {"id": activity_id, "moveOn": "Passed", "launchMethod": "AnyWindow"}
    if unit.pass_mark is not None:
        attributes["masteryScore"] = f"{unit.pass_mark / 100:g}"
    au = add(root, "au", **attributes)
    words(au, "title", unit.title)
    words(au, "description", description)
    add(au, "url").text = unit.href
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


def cmi5_package(site: Path, course_id: str, title: str, description: str, unit: Unit, activity_id: str,
                 language: str, out: Path) -> Path:
    """Wire the quiz page to ``cmi5.js`` and write the package to ``out``."""
    wire_adapter(site, unit.href, ADAPTER, {})
    text = course_structure(course_id, title, description, unit, activity_id, language)
    return write_zip(site, {"cmi5.xml": text}, out)
