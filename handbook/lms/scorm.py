"""SCORM 1.2 and SCORM 2004 (4th edition) packages: ``imsmanifest.xml`` and the zip around it.

One organisation lists the units in order. The quiz is the one SCO (it reports to the LMS through
``scorm.js``); the other pages are assets to read. Every file of the site is one shared asset
resource the units depend on, so an LMS copies the whole site and every link inside it works.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Literal, get_args

from handbook.lms.package import Unit, site_files, wire_adapter, write_zip

ScormVersion = Literal["1.2", "2004"]
SCORM_VERSIONS: tuple[str, ...] = get_args(ScormVersion)
ADAPTER = "scorm.js"
SHARED = "site-files"
"""The identifier of the resource holding every file of the site."""

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NAMESPACES: dict[str, dict[str, str]] = {
    "1.2": {
        "": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
    },
    "2004": {
        "": "http://www.imsglobal.org/xsd/imscp_v1p1",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
        "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3",
        "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
        "imsss": "http://www.imsglobal.org/xsd/imsss",
    },
}
_SCHEMA_FILES: dict[str, dict[str, str]] = {
    "1.2": {"": "imscp_rootv1p1p2.xsd", "adlcp": "adlcp_rootv1p2.xsd"},
    "2004": {"": "imscp_v1p1.xsd", "adlcp": "adlcp_v1p3.xsd", "adlseq": "adlseq_v1p3.xsd",
             "adlnav": "adlnav_v1p3.xsd", "imsss": "imsss_v1p0.xsd"},
}
_SCHEMA_VERSION = {"1.2": "1.2", "2004": "2004 4th Edition"}


class _Tree:
    """Elements in the namespaces of one SCORM version, written ``prefix:name``."""

    def __init__(self, version: ScormVersion) -> None:
        self.spaces = _NAMESPACES[version]
        for prefix, uri in self.spaces.items():
            ET.register_namespace(prefix, uri)
        ET.register_namespace("xsi", _XSI)

    def name(self, name: str) -> str:
        prefix, _, local = name.rpartition(":")
        return f"{{{self.spaces[prefix]}}}{local}" if prefix != "xsi" else f"{{{_XSI}}}{local}"

    def add(self, parent: ET.Element | None, name: str, text: str | None = None, /,
            **attributes: str) -> ET.Element:
        """A child (or the root); ``adlcp__scormtype=`` stands for the attribute ``adlcp:scormtype``."""
        attrib = {self.name(k.replace("__", ":")) if "__" in k else k: v for k, v in attributes.items()}
        element = ET.Element(self.name(name), attrib) if parent is None else ET.SubElement(
            parent, self.name(name), attrib)
        element.text = text
        return element


def manifest(version: ScormVersion, identifier: str, title: str, units: list[Unit],
             files: list[str]) -> bytes:
    """``imsmanifest.xml`` for ``units`` over the site's ``files``: valid against ADL's schemas."""
    tree = _Tree(version)
    add = tree.add
    locations = " ".join(f"{tree.spaces[p]} {_SCHEMA_FILES[version][p]}" for p in tree.spaces)
    root = add(None, "manifest", identifier=identifier, version="1", xsi__schemaLocation=locations)
    metadata = add(root, "metadata")
    add(metadata, "schema", "ADL SCORM")
    add(metadata, "schemaversion", _SCHEMA_VERSION[version])
    organization = add(add(root, "organizations", default="course"), "organization", identifier="course")
    add(organization, "title", title)
    for unit in units:
        item = add(organization, "item", identifier=f"item-{unit.ident}", identifierref=f"res-{unit.ident}")
        add(item, "title", unit.title)
        if unit.pass_mark is not None:
            _mastery(tree, item, version, unit.ident, unit.pass_mark)
    if version == "2004":  # the LMS offers next/previous and the list of units
        add(add(organization, "imsss:sequencing"), "imsss:controlMode", choice="true", flow="true")
    resources = add(root, "resources")
    kind = "adlcp__scormtype" if version == "1.2" else "adlcp__scormType"
    for unit in units:
        resource = add(resources, "resource", identifier=f"res-{unit.ident}", type="webcontent",
                       href=unit.href, **{kind: "sco" if unit.reports else "asset"})
        add(resource, "file", href=unit.href)
        add(resource, "dependency", identifierref=SHARED)
    shared = add(resources, "resource", identifier=SHARED, type="webcontent", **{kind: "asset"})
    for name in files:
        add(shared, "file", href=name)
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


def _mastery(tree: _Tree, item: ET.Element, version: ScormVersion, ident: str, pass_mark: int) -> None:
    """The pass mark where the LMS reads it: 1.2's masteryscore, 2004's primary objective."""
    if version == "1.2":
        tree.add(item, "adlcp:masteryscore", str(pass_mark))
        return
    objectives = tree.add(tree.add(item, "imsss:sequencing"), "imsss:objectives")
    primary = tree.add(objectives, "imsss:primaryObjective", objectiveID=f"{ident}-passed",
                       satisfiedByMeasure="true")
    tree.add(primary, "imsss:minNormalizedMeasure", f"{pass_mark / 100:g}")


def scorm_package(site: Path, version: ScormVersion, title: str, units: list[Unit], out: Path) -> Path:
    """Wire the quiz page to ``scorm.js`` and write the package to ``out``."""
    for unit in units:
        if unit.reports:
            wire_adapter(site, unit.href, ADAPTER, {"data-scorm-version": version})
    identifier = "handbook-" + "-".join(unit.ident for unit in units if unit.reports)
    text = manifest(version, identifier, title, units, site_files(site))
    return write_zip(site, {"imsmanifest.xml": text}, out)
