"""``handbook export``: build the site, pick the units, write the package of one standard."""

from __future__ import annotations

from pathlib import Path

from handbook.lms.cmi5 import cmi5_package
from handbook.lms.package import built_site, find_quiz, units
from handbook.lms.scorm import ScormVersion, scorm_package
from handbook.models.handbook import Engine
from handbook.site import read_user_config
from handbook.strings import configured_language, load_strings


def default_name(quiz_id: str, standard: str, course: bool) -> str:
    """``<quiz>-scorm12.zip``, ``<quiz>-course-scorm2004.zip``, ``<quiz>-cmi5.zip``."""
    return f"{quiz_id}{'-course' if course else ''}-{standard.replace('.', '')}.zip"


def export_scorm(root: Path, quiz_id: str, version: ScormVersion, course: bool, out: Path | None,
                 engine: Engine | None = None) -> Path:
    """The SCORM package of the quiz (or of its course); where it was written."""
    root = root.resolve()
    out = out or root / default_name(quiz_id, f"scorm{version}", course)
    with built_site(root, engine) as (project, site):
        quiz = find_quiz(project, quiz_id)
        strings, _ = load_strings(configured_language(read_user_config(root)[0]), root)
        chosen = units(project, quiz, course, strings)
        title = project.policy(quiz.policy).heading if course else quiz.title
        return scorm_package(site, version, title, chosen, out)


def export_cmi5(root: Path, quiz_id: str, out: Path | None, engine: Engine | None = None) -> Path:
    """The cmi5 package of the quiz (its one AU); where it was written. Activity ids are the
    ones xAPI forwarding uses (``lrs.activity_base``), so both speak of the same quiz."""
    root = root.resolve()
    out = out or root / default_name(quiz_id, "cmi5", False)
    with built_site(root, engine) as (project, site):
        quiz = find_quiz(project, quiz_id)
        user = read_user_config(root)[0]
        strings, _ = load_strings(configured_language(user), root)
        unit = units(project, quiz, False, strings)[0]
        base = project.handbook.lrs.activity_base if project.handbook.lrs else "urn:handbook:"
        description = quiz.intro or quiz.title
        return cmi5_package(site, f"{base}course/{quiz.id}", quiz.title, description, unit,
                            f"{base}quiz/{quiz.id}", configured_language(user), out)
