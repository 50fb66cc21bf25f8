"""Helpers shared by the checklist and form tests: run `handbook check` on a broken copy and
say exactly where a problem must be reported."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

HANDBOOK = str(Path(sys.executable).parent / "handbook")
PROBLEM = re.compile(r"^[^:\s]+:\d+:\d+: .+$")


def at(text: str, needle: str, occurrence: int = 1) -> str:
    """``line:col`` of the ``occurrence``-th ``needle`` in ``text`` (1-based, like the checker)."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    before = text[:index]
    return f"{before.count(chr(10)) + 1}:{index - (before.rfind(chr(10)) + 1) + 1}"


def write_broken(project: Path, file: str, good: str, old: str, new: str) -> str:
    """Write ``good`` with ``old`` replaced by ``new`` into the project's ``file``; returns the text."""
    assert old in good, old
    text = good.replace(old, new, 1)
    (project / file).write_text(text, encoding="utf-8")
    return text


def check_problems(project: Path) -> tuple[int, list[str]]:
    """Exit code and problem lines of a real `handbook check` run on ``project``."""
    result = subprocess.run([HANDBOOK, "check", str(project)], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    if result.returncode == 0:
        return 0, []
    assert lines[-1].endswith("problem(s) found"), result.stderr
    for line in lines[:-1]:
        assert PROBLEM.match(line), line
    return result.returncode, lines[:-1]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass(eq=False)
class Element:
    """One element of a parsed page; ``parents`` are its open ancestors, outermost first."""

    tag: str
    attrs: dict[str, str]
    text: str = ""
    parents: tuple[Element, ...] = ()

    def within(self, tag: str, **attrs: str) -> bool:
        return any(p.tag == tag and all(p.attrs.get(k) == v for k, v in attrs.items()) for p in self.parents)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Element] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, parents=tuple(self.open))
        self.found.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                break

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data


def elements(html: str, tag: str | None = None, **attrs: str) -> list[Element]:
    """Elements of a built page (optionally of one tag with given attribute values), with their text."""
    collector = _Collector()
    collector.feed(html)
    wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
    return [
        e for e in collector.found
        if (tag is None or e.tag == tag) and all(e.attrs.get(k) == v for k, v in wanted.items())
    ]


def words(text: str) -> str:
    return " ".join(text.split())


_PAGE_DATA = re.compile(
    r'<div data-hb-data="([^"]+)" hidden><script type="application/json">(.*?)</script></div>', re.S
)


def page_data(html: str) -> dict[str, Any]:
    """The data a built page hands its scripts, by name (handbook.page_data; one-item arrays)."""
    found: dict[str, Any] = {}
    for name, text in _PAGE_DATA.findall(html):
        assert name not in found, f"page data {name!r} appears twice"
        (found[name],) = json.loads(text)
    return found


@dataclass(frozen=True)
class ShownPersonField:
    """One field of a built page's person block, as a person and records.js meet it."""

    id: str
    label: str
    required: bool
    control: Element


def person_fields(html: str) -> list[ShownPersonField]:
    """The person block of a built page: each field's id, visible label, whether it must be
    filled (marker, ``required`` and records.js's flag all agree) and its control."""
    found = elements(html)
    shown = []
    for wrapper in (e for e in found if "data-hb-person" in e.attrs):
        inside = [e for e in found if wrapper in e.parents]
        (control,) = [e for e in inside if e.tag in {"input", "select"}]
        if wrapper.attrs["data-hb-type"] == "fixed":
            fixed = [e for e in inside if "hb-fixed-label" in e.attrs.get("class", "")]
            (label,) = [words(e.text).removesuffix(":") for e in fixed]
            required = "data-hb-required" in wrapper.attrs
        else:
            labels = [e for e in inside if e.tag == "label" and e.attrs["for"] == control.attrs["id"]]
            (label,) = [words(e.text) for e in labels]
            required = label.endswith("(required)")
            assert required == ("required" in control.attrs) == ("data-hb-required" in wrapper.attrs), label
            label = label.removesuffix(" (required)")
        shown.append(ShownPersonField(wrapper.attrs["data-hb-person"], label, required, control))
    return shown
