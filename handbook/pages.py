"""Which pages the site has, what each shows, and where each sits in the navigation.

Material writes the whole navigation into every page, so its shape decides whether a build
grows linearly with the handbook. Each policy's pages (text, quizzes, acknowledgement,
checklists, forms) nest under that policy, and past ``BAND_AFTER`` policies the policies are
grouped into bands of about sqrt(n): with ``navigation.prune`` a page then carries only its
own branch, a few dozen links however many policies there are.

Every page rule lives here (what a role page quotes, which form a checklist note names, what
comes next on a person's path), so templates only lay out what they are given.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from handbook import page_data
from handbook.changes import Changes, changed_questions, compare, outdated_versions
from handbook.history import as_policy, current_refs
from handbook.links import html_href, page_path, parse_link, relative
from handbook.models.forms import Form
from handbook.models.handbook import Audience, Step
from handbook.models.history import PublishedVersion
from handbook.models.policy import Clause, Policy
from handbook.models.quiz import Quiz
from handbook.project import Project
from handbook.strings import ENGLISH, Strings
from handbook.textfmt import html_text

BAND_AFTER = 10
HR_PAGE = "hr"
"""Where ``handbook serve`` puts the HR page, from the site's root (handbook.service.hr)."""


@dataclass
class Page:
    """One generated page: where it goes, which template makes it, where it sits in the nav."""

    path: str
    template: str
    title: str
    section: tuple[str, ...] = ()
    context: dict[str, Any] = field(default_factory=dict)
    nav_title: str | None = None
    policy: str | None = None
    """The policy the page belongs to: its terms (and only its terms) get tooltips there."""


@dataclass(frozen=True)
class ClauseView:
    """A clause as a page shows it: its citation, and the children this page shows of it.
    ``context`` marks a clause shown only because a clause below it is the page's subject."""

    clause: Clause
    depth: int
    citation: str
    children: tuple[ClauseView, ...] = ()
    context: bool = False


def clause_views(policy: Policy, keep: Callable[[Clause], bool] | None = None) -> list[ClauseView]:
    """The policy's clause tree; with ``keep``, only kept clauses (whole) and their parents."""
    cited = policy.clause_citations()

    def view(clause: Clause, depth: int, whole: bool) -> ClauseView | None:
        chosen = whole or keep is None or keep(clause)
        children = [v for child in clause.clauses if (v := view(child, depth + 1, chosen))]
        if not (chosen or children):
            return None
        return ClauseView(clause, depth, cited[clause.id], tuple(children), context=not chosen)

    return [v for section in policy.sections if (v := view(section, 0, False))]


def policy_sections(project: Project, strings: Strings = ENGLISH) -> dict[str, tuple[str, ...]]:
    """Each policy's place in the navigation, keyed by policy id."""
    policies = project.policies
    size = math.ceil(math.sqrt(len(policies))) if len(policies) > BAND_AFTER else len(policies)
    sections: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(policies), max(size, 1)):
        band = policies[start : start + size]
        prefix: tuple[str, ...] = (strings.text("nav.policies"),)
        if len(policies) > BAND_AFTER:
            prefix += (strings.text("nav.band", first=band[0].short_citation, last=band[-1].short_citation),)
        for policy in band:
            name = strings.text("nav.policy", citation=policy.short_citation, title=policy.title)
            sections[policy.id] = (*prefix, name)
    return sections


def training(project: Project, policies: list[Policy], role_id: str | None = None) -> dict[str, list[Any]]:
    """The self-checks (for one role, or all) and acknowledgements that go with ``policies``."""
    ids = {policy.id for policy in policies}
    quizzes = [q for q in project.quizzes if q.policy in ids and (role_id is None or role_id in q.audience)]
    return {"quizzes": quizzes, "acknowledge": [policy for policy in policies if policy.acknowledgement]}


def audience(project: Project, quiz: Quiz) -> list[Any]:
    """The roles a quiz is for, in the roles file's order."""
    return [role for role in project.roles if role.id in quiz.audience]


def required_quizzes(project: Project, policy: Policy) -> list[tuple[Quiz, list[Any]]]:
    """The quizzes a policy's acknowledgement asks for, each with the roles that pass it."""
    rule = policy.acknowledgement
    if rule is None:
        return []
    audiences = {quiz.id: quiz.audience for quiz in project.quizzes}
    quizzes = {quiz.id: quiz for quiz in project.quizzes}
    found = []
    for quiz_id in rule.quiz_ids():
        roles = [role for role in project.roles if rule.quiz_for(role.id, audiences) == quiz_id]
        found.append((quizzes[quiz_id], roles))
    return found


def gate_lines(needs: list[tuple[Quiz, list[Any]]]) -> list[tuple[Quiz, str, list[Any]]]:
    """How the acknowledgement page names who passes which quiz: the roles a quiz is for by
    its audience, and "every other role" for those that fall back to it (the string's key)."""
    lines = []
    for quiz, roles in needs:
        own = [role for role in roles if role.id in quiz.audience]
        others = len(own) < len(roles)
        key = "ack.gate_quiz_others" if others else "ack.gate_quiz"
        key = "ack.gate_quiz_and_others" if own and others else key
        lines.append((quiz, key, own))
    return lines


def step_progress(project: Project, step: Step) -> dict[str, Any] | None:
    """What this browser can know of a step on a path (ticks, a pass, an acknowledgement)."""
    kind, ident, _ = parse_link(step.link)
    if kind == "checklist":
        checklist = next(c for c in project.checklists if c.id == ident)
        return {"kind": "checklist", "id": checklist.id, "version": checklist.version,
                "total": len(list(checklist.items()))}
    if kind == "quiz":
        quiz = next(q for q in project.quizzes if q.id == ident)
        return {"kind": "quiz", "id": quiz.id, "version": quiz.version}
    if kind == "acknowledge":
        policy = project.policy(ident or "")
        return {"kind": "acknowledgement", "policy": policy.id, "version": policy.version}
    return None


def next_step(project: Project, link: str, role_id: str) -> Step | None:
    """The step after ``link`` on the path of the audience the role belongs to (or any path)."""
    paths = sorted(project.handbook.audiences, key=lambda a: role_id not in a.roles)
    for path in paths:
        links = [step.link for step in path.steps]
        if link in links and links.index(link) + 1 < len(links):
            return path.steps[links.index(link) + 1]
    return None


def _form_names(forms: list[Form]) -> dict[str, Form]:
    """How a note may name each form: its title, or the title's last two or more words
    ("account registration notice"), unless two forms share those words."""
    names: dict[str, Form | None] = {}
    for form in forms:
        words = form.title.split()
        for i in range(len(words)):
            if i == 0 or len(words) - i >= 2:
                name = " ".join(words[i:]).lower()
                names[name] = form if names.get(name, form) is form else None
    return {name: form for name, form in names.items() if form is not None}


def note_parts(note: str, forms: list[Form]) -> list[tuple[str, Form | None]]:
    """A checklist note cut where it names a form, so the page can link each one:
    [("Ask with the ", None), ("social media account request", form), (" form.", None)]."""
    return note_cutter(forms)(note)


def note_cutter(forms: list[Form]) -> Callable[[str], list[tuple[str, Form | None]]]:
    """:func:`note_parts` for many notes naming the same ``forms``: the pattern of their names is
    made once (a 100-policy handbook has 1,900 notes, each policy's naming the same forms)."""
    names = _form_names(forms)
    if not names:
        return lambda note: [(note, None)]
    longest_first = sorted(names, key=len, reverse=True)
    pattern = re.compile("|".join(rf"\b{re.escape(name)}\w*" for name in longest_first), re.IGNORECASE)
    return functools.partial(_cut, pattern, names, longest_first)


def _cut(pattern: re.Pattern[str], names: dict[str, Form], longest_first: list[str], note: str
         ) -> list[tuple[str, Form | None]]:
    parts: list[tuple[str, Form | None]] = []
    last = 0
    for found in pattern.finditer(note):
        named = next(name for name in longest_first if found.group().lower().startswith(name))
        parts += [(note[last : found.start()], None), (found.group(), names[named])]
        last = found.end()
    parts.append((note[last:], None))
    return [(text, form) for text, form in parts if text]


def home_pages(project: Project, strings: Strings) -> Iterable[Page]:
    paths: list[tuple[Audience, list[tuple[str, Step]]]] = []
    progress = []
    for audience_ in project.handbook.audiences:
        steps = []
        for i, step in enumerate(audience_.steps, 1):
            element = f"path-{audience_.id}-{i}"
            steps.append((element, step))
            spec = step_progress(project, step)
            if spec:
                progress.append({"element": element, **spec})
        paths.append((audience_, steps))
    context = {"paths": paths, "progress": page_data.html_json({"steps": progress})}
    yield Page(page_path("home"), "home.md.j2", strings.text("nav.home"), (), context)


def changes_id(policy_id: str, version: str) -> str:
    """The id of the page saying what changed in ``version`` (``changes:<this>`` links to it)."""
    return f"{policy_id}/v{version}"


def versions(project: Project, policy: Policy) -> list[tuple[PublishedVersion, str | None]]:
    """The policy's published versions, newest first, each with the id of its "what changed"
    page (None for the first, which has nothing to compare with)."""
    published = project.history.get(policy.id, [])
    return [(version, changes_id(policy.id, version.version) if i else None)
            for i, version in reversed(list(enumerate(published)))]


def changes_since(project: Project, policy: Policy
                  ) -> list[tuple[PublishedVersion, Changes, list[PublishedVersion]]]:
    """For each earlier published version whose acknowledgements are outdated now, what
    changed from it to the current words, and the later versions that say why (newest first)."""
    published = project.history.get(policy.id, [])
    return [(version, changes, [after for after in reversed(published[i + 1 :]) if after.note])
            for i, version, changes in outdated_versions(project, policy)]


def changes_pages(project: Project, strings: Strings) -> Iterable[Page]:
    """A page per published version that has one before it: what changed, and the note."""
    sections = policy_sections(project, strings)
    for policy in project.policies:
        published = project.history.get(policy.id, [])
        for previous, version in itertools.pairwise(published):
            old, new = as_policy(previous), as_policy(version)
            if old is None or new is None:
                continue  # a history file handbook check refuses
            title = strings.text("nav.changes_title", citation=policy.short_citation, version=version.version)
            context = {"policy": policy, "version": version, "previous": previous,
                       "changes": compare(old, new), "current": version.version == policy.version}
            section = (*sections[policy.id], strings.text("nav.changes"))
            nav_title = strings.text("nav.changes_version", version=version.version)
            path = page_path("changes", changes_id(policy.id, version.version))
            yield Page(path, "changes.md.j2", title, section, context, nav_title, policy.id)


def policy_pages(project: Project, strings: Strings) -> Iterable[Page]:
    sections = policy_sections(project, strings)
    for policy in project.policies:
        title = strings.text("nav.policy", citation=policy.short_citation, title=policy.title)
        path = page_path("policy", policy.id)
        context = {"policy": policy, "training": training(project, [policy]), "clauses": clause_views(policy),
                   "versions": versions(project, policy)}
        yield Page(path, "policy.md.j2", title, sections[policy.id], context, strings.text("nav.the_policy"),
                   policy.id)


def role_pages(project: Project, strings: Strings) -> Iterable[Page]:
    """A role's clauses in each policy, with the clauses above them, so labels read as written."""
    section = (strings.text("nav.roles"),)
    yield Page(page_path("roles"), "roles.md.j2", strings.text("nav.roles"), section)
    for role in project.roles:

        def binds(clause: Clause, role_id: str = role.id) -> bool:
            return role_id in clause.roles

        bound = [(policy, views) for policy in project.policies if (views := clause_views(policy, binds))]
        context = {
            "role": role, "bound": bound, "training": training(project, project.policies, role.id),
            "checklists": [checklist for checklist in project.checklists if checklist.role == role.id],
            "forms": [form for form in project.forms if role.id in form.filed_by],
        }
        yield Page(page_path("role", role.id), "role.md.j2", role.name, section, context)


def requirements_pages(project: Project, strings: Strings) -> Iterable[Page]:
    """What HR tracks: who must acknowledge or pass what, and by when."""
    requirements = project.requirements_file.requirements
    policies = {policy.id: policy for policy in project.policies}
    quizzes = {quiz.id: quiz for quiz in project.quizzes}
    rows = []
    for requirement in requirements:
        policy = policies.get(requirement.acknowledge or "")
        needs = required_quizzes(project, policy) if policy else []
        rows.append((requirement, [project.role(role) for role in requirement.roles], policy,
                     quizzes.get(requirement.pass_quiz or ""), needs))
    path = page_path("requirements")
    hr_href = html_href(relative(path, HR_PAGE))
    context = {"rows": rows, "hr_href": hr_href}
    yield Page(path, "requirements.md.j2", strings.text("nav.requirements"), (), context)


def term_anchor(term: str) -> str:
    return "-".join(term.lower().split())


def glossary_entries(project: Project) -> list[tuple[Policy, Clause, str, str, bool]]:
    """Every definition with its citation, its anchor on the glossary page and whether other
    policies define the term too, by term; a term that several policies define is listed once
    per policy, each anchor naming its policy, and the page names the policy beside it."""
    found = [(policy, clause, policy.clause_citations()[clause.id]) for policy in project.policies
             for clause in policy.definitions()]
    count: dict[str, int] = {}
    for _, clause, _ in found:
        count[term_anchor(clause.term or "")] = count.get(term_anchor(clause.term or ""), 0) + 1
    entries = []
    for policy, clause, citation in found:
        anchor = term_anchor(clause.term or "")
        shared = count[anchor] > 1
        entries.append((policy, clause, citation, f"{anchor}-{policy.id}" if shared else anchor, shared))
    return sorted(entries, key=lambda entry: ((entry[1].term or "").lower(), entry[0].id))


def glossary_pages(project: Project, strings: Strings) -> Iterable[Page]:
    """The glossary, when any policy defines a term (an empty one is no page and no link)."""
    terms = glossary_entries(project)
    if terms:
        title = strings.text("nav.glossary")
        yield Page(page_path("glossary"), "glossary.md.j2", title, (), {"terms": terms})


def checklist_pages(project: Project, strings: Strings) -> Iterable[Page]:
    sections = policy_sections(project, strings)
    rows = [(checklist, project.role(checklist.role), len(list(checklist.items())))
            for checklist in project.checklists]
    title = strings.text("nav.checklists")
    yield Page(page_path("checklists"), "checklists.md.j2", title, (), {"rows": rows})
    forms: dict[str, list[Form]] = {}
    for form in project.forms:
        forms.setdefault(form.policy, []).append(form)
    cutters: dict[str, Callable[[str], list[tuple[str, Form | None]]]] = {}
    for checklist, role, total in rows:
        policy = project.policy(checklist.policy)
        if policy.id not in cutters:
            cutters[policy.id] = note_cutter(forms.get(policy.id, []))
        notes = {item.id: cutters[policy.id](text)
                 for item, _ in checklist.items() if (text := item.note_text)}
        context = {"checklist": checklist, "policy": policy, "role": role, "total": total, "notes": notes,
                   "next": next_step(project, f"checklist:{checklist.id}", role.id),
                   "data": page_data.checklist_data(checklist)}
        section = (*sections[policy.id], strings.text("nav.checklists"))
        yield Page(page_path("checklist", checklist.id), "checklist.md.j2", checklist.title, section, context,
                   policy=policy.id)


def form_pages(project: Project, strings: Strings) -> Iterable[Page]:
    sections = policy_sections(project, strings)
    rows = [(form, [project.role(r) for r in form.filed_by], [project.role(r) for r in form.send_to])
            for form in project.forms]
    yield Page(page_path("forms"), "forms.md.j2", strings.text("nav.forms"), (), {"rows": rows})
    records = page_data.records_data(project)
    for form, filed_by, send_to in rows:
        policy = project.policy(form.policy)
        recipients = ", ".join(role.name for role in send_to)
        context = {"form": form, "policy": policy, "filed_by": filed_by, "send_to": send_to,
                   "person": page_data.person_block("p", filed_by, strings=strings), "records": records,
                   "data": page_data.form_data(form, policy, recipients)}
        section = (*sections[policy.id], strings.text("nav.forms"))
        yield Page(page_path("form", form.id), "form.md.j2", form.title, section, context, policy=policy.id)


def quiz_pages(project: Project, strings: Strings) -> Iterable[Page]:
    if not project.quizzes:
        return
    sections = policy_sections(project, strings)
    rows = [(quiz, project.policy(quiz.policy), audience(project, quiz)) for quiz in project.quizzes]
    yield Page(page_path("quizzes"), "quizzes.md.j2", strings.text("nav.quizzes"), (), {"rows": rows})
    records = page_data.records_data(project)
    for quiz, policy, roles in rows:
        path = page_path("quiz", quiz.id)
        policy_href = html_href(relative(path, page_path("policy", policy.id)))
        unlocks = policy.acknowledgement is not None and quiz.id in policy.acknowledgement.quiz_ids()
        cited = policy.clause_citations()
        section, context = (*sections[policy.id], strings.text("nav.quizzes")), {
            "quiz": quiz, "policy": policy, "audience": roles, "records": records, "unlocks": unlocks,
            "person": page_data.person_block(f"quiz-{quiz.id}", project.roles, quiz.audience[0], strings),
            "data": (page_data.exam_data(quiz, project, policy_href, cited) if quiz.exam
                     else page_data.quiz_data(quiz, policy, policy_href, cited,
                                              changed_questions(project, quiz))),
            "self_checks": [q for q in project.quizzes if q.policy == policy.id and not q.exam],
        }
        yield Page(path, "exam.md.j2" if quiz.exam else "quiz.md.j2", quiz.title, section, context,
                   policy=policy.id)


def acknowledge_pages(project: Project, strings: Strings) -> Iterable[Page]:
    sections = policy_sections(project, strings)
    records = page_data.records_data(project)
    for policy in project.policies:
        if policy.acknowledgement:
            path = page_path("acknowledge", policy.id)
            needs = required_quizzes(project, policy)
            hrefs = {quiz.id: html_href(relative(path, page_path("quiz", quiz.id))) for quiz, _ in needs}
            since = changes_since(project, policy)
            refs = current_refs(policy, project.history.get(policy.id, []))
            context = {"policy": policy, "needs": needs, "gate": gate_lines(needs), "records": records,
                       "person": page_data.person_block("ack", project.roles, strings=strings),
                       "since": since,
                       "data": page_data.acknowledgement_data(policy, needs, hrefs, project.roles, refs,
                                                              [version.version for version, _, _ in since])}
            title = strings.text("nav.acknowledge_policy", citation=policy.short_citation)
            nav_title = strings.text("nav.acknowledge")
            yield Page(path, "acknowledge.md.j2", title, sections[policy.id], context, nav_title, policy.id)


PAGE_KINDS: list[Callable[[Project, Strings], Iterable[Page]]] = [
    home_pages,
    policy_pages,
    quiz_pages,
    acknowledge_pages,
    changes_pages,
    checklist_pages,
    form_pages,
    role_pages,
    requirements_pages,
    glossary_pages,
]
"""Every page kind, in the order their first pages appear in the navigation."""


def collect_pages(project: Project, strings: Strings = ENGLISH) -> list[Page]:
    return [page for kind in PAGE_KINDS for page in kind(project, strings)]


def navigation(pages: list[Page]) -> list[Any]:
    """MkDocs ``nav``: each page under its section path, sections in order of first use.

    A section's ``index.md`` is listed bare, so ``navigation.indexes`` makes it the section page.
    Titles are plain text from the sources; Material prints nav titles as HTML, so every one
    is escaped here, the one place the navigation is made.
    """
    sections: dict[tuple[str, ...], list[Any]] = {(): []}

    def entries(path: tuple[str, ...]) -> list[Any]:
        if path not in sections:
            sections[path] = []
            entries(path[:-1]).append({html_text(path[-1]): sections[path]})
        return sections[path]

    for page in pages:
        bare = page.path.endswith("index.md") and page.section
        title = html_text(page.nav_title or page.title)
        entries(page.section).append(page.path if bare else {title: page.path})
    return sections[()]
