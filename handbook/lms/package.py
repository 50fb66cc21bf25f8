"""What every learning-system package holds: the handbook's own built site, with the quiz page
wired to the runtime adapter of the standard (a script only packages carry), zipped with the
standard's manifest at the top.

The site is built as ``handbook build`` builds it, so a page in the LMS is the page on the site:
its links, glossary and search keep working, and nothing loads from another host.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from pathlib import Path

from handbook.build import BuildFailed, build
from handbook.links import html_href, page_path
from handbook.models.handbook import Engine
from handbook.models.quiz import Quiz
from handbook.project import Project
from handbook.resources import builtin_templates
from handbook.strings import Strings

ADAPTERS = "assets/js/lms"
"""Where a package keeps its adapter scripts (the site never has this folder)."""
ANNOUNCER = "graded.js"
"""Loaded before each adapter: turns a graded attempt into the event the adapters listen for."""


class ExportFailed(Exception):
    """The package cannot be made; ``lines`` are the one-line messages to print."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class Unit:
    """One page of a package: the quiz reports to the LMS, the other pages are there to read."""

    ident: str
    title: str
    href: str
    reports: bool = False
    pass_mark: int | None = None


def find_quiz(project: Project, quiz_id: str) -> Quiz:
    """The self-check ``quiz_id``; an exam needs the records service, which an LMS does not run."""
    quiz = next((quiz for quiz in project.quizzes if quiz.id == quiz_id), None)
    if quiz is None:
        known = ", ".join(sorted(q.id for q in project.quizzes)) or "none"
        raise ExportFailed([f"--quiz: no quiz '{quiz_id}' (quizzes: {known})"])
    if quiz.exam:
        raise ExportFailed([f"--quiz: '{quiz_id}' is an exam graded by the records service; "
                            "a package carries self-checks only"])
    return quiz


def units(project: Project, quiz: Quiz, course: bool, strings: Strings) -> list[Unit]:
    """The quiz alone, or the course around it: the policy, its checklists for the quiz's
    audience, the quiz, and the acknowledgement when the policy asks for one."""
    test = Unit(f"quiz-{quiz.id}", quiz.title, html_href(page_path("quiz", quiz.id)), True, quiz.pass_mark)
    if not course:
        return [test]
    policy = project.policy(quiz.policy)
    before = [Unit(f"policy-{policy.id}", policy.heading, html_href(page_path("policy", policy.id)))]
    before += [Unit(f"checklist-{checklist.id}", checklist.title,
                    html_href(page_path("checklist", checklist.id)))
               for checklist in project.checklists
               if checklist.policy == policy.id and checklist.role in quiz.audience]
    after = []
    if policy.acknowledgement is not None:
        title = strings.text("nav.acknowledge_policy", citation=policy.short_citation)
        after.append(Unit(f"acknowledge-{policy.id}", title, html_href(page_path("acknowledge", policy.id))))
    return [*before, test, *after]


@contextmanager
def built_site(root: Path, engine: Engine | None) -> Iterator[tuple[Project, Path]]:
    """The project built into a temporary folder (removed afterwards), and its project."""
    with tempfile.TemporaryDirectory(prefix="handbook-export-") as work:
        try:
            result = build(root, site_dir=Path(work) / "site", out=Path(work) / "generated", engine=engine)
        except BuildFailed as failed:
            raise ExportFailed(failed.lines) from None
        yield result.project, result.site_dir


def wire_adapter(site: Path, page: str, script: str, attributes: dict[str, str]) -> str:
    """Load ``graded.js`` and then the adapter ``script`` at the end of ``page``."""
    _load(site, page, ANNOUNCER, {})
    return _load(site, page, script, attributes)


def _load(site: Path, page: str, script: str, attributes: dict[str, str]) -> str:
    """Copy ``script`` into the package and load it at the end of ``page``; its path."""
    target = site / ADAPTERS / script
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(builtin_templates() / "lms" / script, target)
    depth = page.count("/")
    source = "../" * depth + f"{ADAPTERS}/{script}"
    extra = "".join(f' {name}="{escape(value)}"' for name, value in attributes.items())
    html = site / page
    text = html.read_text(encoding="utf-8")
    tag = f'<script src="{escape(source)}"{extra}></script>'
    head, body, tail = text.rpartition("</body>")
    html.write_text(f"{head}{tag}\n{body}{tail}" if body else f"{text}{tag}\n", encoding="utf-8")
    return f"{ADAPTERS}/{script}"


def site_files(site: Path) -> list[str]:
    """Every file of the built site, as package paths, in a stable order."""
    return sorted(path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file())


def write_zip(site: Path, manifests: dict[str, bytes], out: Path) -> Path:
    """The package: the manifests first (where an LMS looks), then every file of the site."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in manifests.items():
                archive.writestr(name, data)
            for name in site_files(site):
                archive.write(site / name, name)
    except OSError as error:
        where = error.filename or out
        raise ExportFailed([f"{where}: cannot write the package: {error.strerror or error}"]) from None
    return out
