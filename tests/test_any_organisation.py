"""A handbook of two policies cited two ways: the shipped administrative policy ("Administrative
Policy No. 6", "Procedure 1.b") beside a city ordinance ("Chapter 39", "§ 39.18(B)(3)(a)"),
adopted by a council, with history notes and untitled sections, both defining "Social Media".

Every page kind must name each policy and clause the way its own policy says, and each policy's
pages must explain "Social Media" with that policy's meaning only.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from handbook.build import build
from handbook.records.contract import EXPORTS
from tests.conftest import copy_project
from tests.paperwork import HANDBOOK, check_problems, elements, page_data, words

ORDINANCE = """\
id: chapter-39
series: Code of Ordinances
number: "39"
title: Social Media
effective_date: 2019-04-01
adopted_by: {body: City Council, ordinance: Ord. No. 2019-07, date: 2019-03-12}
amendments:
  - {ordinance: Ord. No. 2021-02, date: 2021-01-05, note: Amended § 39.18(B).}
source_url: https://library.example.org/codes?chapter=39&part=b
version: "3"
citation:
  policy: Chapter {number}
  short: Chapter {number}
  number_label: Chapter
  name: label
  clause: § {name}{labels}
  labels: bracketed
sections:
  - id: s39-17
    label: "39.17"
    title: Definitions
    clauses:
      - id: s39-17.a
        label: (A)
        term: Social Media
        text: A city-run account on a public platform, and nothing else.
  - id: s39-18
    label: "39.18"
    text: Department Heads answer for the Social Media of their departments.
    history: (Ord. No. 2019-07, § 1, 3-12-2019; Ord. No. 2021-02, § 2, 1-5-2021)
    clauses:
      - id: s39-18.b
        label: (B)
        text: "Each Department Head shall:"
        roles: [department-head]
        clauses:
          - id: s39-18.b.3
            label: (3)
            text: "keep a record of"
            clauses:
              - id: s39-18.b.3.a
                label: (a)
                text: every post removed from Social Media, for two years.
                roles: [department-head, mayor]
  - id: s39-19
    label: "39.19"
    text: The Mayor may suspend any account.
    roles: [mayor]
acknowledgement:
  statement: I have read Chapter 39 of the Code of Ordinances.
  requires_quiz: chapter-39-check
"""

ROLES = """
  - id: mayor
    name: Mayor
    description: The city's chief executive.
  - id: department-head
    name: Department Head
    description: Runs a city department and its accounts.
"""

CHECKLIST = """\
id: department-head
policy: chapter-39
role: department-head
version: "1"
title: Department Head checklist
sections:
  - title: Records
    items:
      - id: keep-removed
        text: Keep a record of every post removed from Social Media, for two years.
        cites: [s39-18.b.3.a]
        note: {text: Use the removed-post log., practice: true}
      - id: weekly
        text: Review the log every Monday.
        practice: true
"""

FORM = """\
id: removed-post-log
policy: chapter-39
version: "1"
title: Removed post log
filed_by: [department-head]
send_to: [mayor]
cites: [s39-18.b.3.a]
practice: true
sections:
  - title: The post
    fields:
      - id: post
        label: What was removed
        type: textarea
        required: true
        cites: [s39-18.b.3.a]
      - id: ticket
        label: Help desk ticket
        type: text
        practice: true
"""

QUIZ = """\
id: chapter-39-check
title: Chapter 39 self-check
policy: chapter-39
audience: [department-head, mayor]
version: "1"
pass_mark: 100
questions:
  - id: how-long
    kind: single
    prompt: How long is a record of a removed post kept?
    options:
      - {id: two, text: Two years, correct: true}
      - {id: one, text: One year, feedback: The section says two years.}
    cites: [s39-18.b.3.a]
    explanation: Two years.
"""

REQUIREMENT = """
  - id: acknowledge-chapter-39
    title: Acknowledge Chapter 39
    roles: [department-head]
    acknowledge: chapter-39
    within_days_of_hire: 14
"""

STEP = """
  - id: heads
    title: Department Heads
    summary: Chapter 39 for Department Heads.
    roles: [department-head]
    steps:
      - text: Read Chapter 39
        link: policy:chapter-39
      - text: Open the city's code library
        link: https://library.example.org/codes?chapter=39&x=1
        practice: true
"""

GLASTONBURY_SOCIAL_MEDIA = "Any internet-based website or forum that allows for open communication"
CITY_SOCIAL_MEDIA = "A city-run account on a public platform, and nothing else."


def two_policies(root: Path) -> Path:
    project = copy_project(root / "project")
    sources = project / "policy_source"
    (sources / "policies" / "chapter-39.yaml").write_text(ORDINANCE, encoding="utf-8")
    (sources / "checklists" / "department-head.yaml").write_text(CHECKLIST, encoding="utf-8")
    (sources / "forms" / "removed-post-log.yaml").write_text(FORM, encoding="utf-8")
    (project / "quizzes" / "chapter-39-check.yaml").write_text(QUIZ, encoding="utf-8")
    with (sources / "roles.yaml").open("a", encoding="utf-8") as roles:
        roles.write(ROLES)
    with (sources / "requirements.yaml").open("a", encoding="utf-8") as requirements:
        requirements.write(REQUIREMENT)
    handbook = (sources / "handbook.yaml").read_text(encoding="utf-8")
    handbook = handbook.replace("audiences:\n", "audiences:" + STEP, 1)
    (sources / "handbook.yaml").write_text(handbook, encoding="utf-8")
    site = (project / "mkdocs.yml").read_text(encoding="utf-8")  # a town in green, which white text fails on
    (project / "mkdocs.yml").write_text(site.replace("primary: indigo", "primary: green"), encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = two_policies(tmp_path_factory.mktemp("two"))
    assert check_problems(project) == (0, [])
    return build(project).site_dir


def page(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def text(html: str) -> str:
    """The words a reader sees, tags dropped, entities read."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    shown = words(htmllib.unescape(re.sub(r"<[^>]+>", " ", body))).replace("¶", "")
    return re.sub(r"\s+([,.:;)])", r"\1", re.sub(r"(\(|\w-)\s+", r"\1", shown))


def tooltips(html: str) -> dict[str, set[str]]:
    """Each abbreviated word on the page -> the meanings its tooltips give."""
    found: dict[str, set[str]] = {}
    for element in elements(html, "abbr"):
        found.setdefault(words(element.text), set()).add(element.attrs["title"])
    return found


def nav_titles(html: str) -> list[str]:
    return [words(e.text) for e in elements(html) if "md-nav__link" in e.attrs.get("class", "")]


def h1(html: str) -> str:
    return words(elements(html, "h1")[0].text).removesuffix("¶").strip()


def cites(html: str) -> list[str]:
    return [words(a.text) for a in elements(html, "a") if a.within("span", **{"class": "hb-cites"})]


POLICY_PAGES = {
    "admin-policy-6": ["policies/admin-policy-6.html", "checklists/sma.html",
                       "forms/account-registration.html",
                       "quizzes/admin-policy-6-employee.html", "acknowledge/admin-policy-6.html"],
    "chapter-39": ["policies/chapter-39.html", "checklists/department-head.html",
                   "forms/removed-post-log.html", "quizzes/chapter-39-check.html",
                   "acknowledge/chapter-39.html"],
}


def test_each_policys_pages_explain_its_terms_with_its_own_meaning(site):
    for policy, paths in POLICY_PAGES.items():
        for path in paths:
            meanings = tooltips(page(site, path)).get("Social Media", set())
            other = CITY_SOCIAL_MEDIA if policy == "admin-policy-6" else GLASTONBURY_SOCIAL_MEDIA
            assert not any(other in meaning for meaning in meanings), (path, meanings)
    own = tooltips(page(site, "policies/chapter-39.html"))["Social Media"]
    assert own == {CITY_SOCIAL_MEDIA}
    shipped = tooltips(page(site, "policies/admin-policy-6.html"))["Social Media"]
    assert len(shipped) == 1 and next(iter(shipped)).startswith(GLASTONBURY_SOCIAL_MEDIA)
    # A page of no one policy (a role page quoting both) names both meanings, each with its policy.
    (both,) = tooltips(page(site, "roles/department-head.html"))["Social Media"]
    assert f"Chapter 39: {CITY_SOCIAL_MEDIA}" in both
    assert f"Administrative Policy No. 6: {GLASTONBURY_SOCIAL_MEDIA}" in both


def test_the_glossary_lists_each_policys_meaning_with_its_policy(site):
    html = page(site, "glossary.html")
    terms = elements(html, "dt")
    social = [e for e in terms if words(e.text).startswith("Social Media (in ")]
    assert [e.attrs["id"] for e in social] == ["social-media-admin-policy-6", "social-media-chapter-39"]
    assert [words(e.text) for e in social] == ["Social Media (in No. 6)", "Social Media (in Chapter 39)"]
    assert [e.attrs["id"] for e in terms if words(e.text) == "Town"] == ["town"]  # one meaning: as before
    shown = text(html)
    assert "§ 39.17(A), Chapter 39: Social Media" in shown
    assert "Definitions 1, Administrative Policy No. 6: Social Media - Business Use" in shown
    ids = [e.attrs["id"] for e in elements(html) if "id" in e.attrs]
    assert len(ids) == len(set(ids))


def test_policy_pages_carry_the_ordinance_fields_and_its_citations(site):
    html = page(site, "policies/chapter-39.html")
    assert h1(html) == "Chapter 39: Social Media"
    meta = {words(dt.text): words(dd.text) for dt, dd in zip(elements(html, "dt"), elements(html, "dd"),
                                                             strict=False)}
    assert meta["Chapter"] == "39"
    assert meta["Adopted by"] == "City Council, Ord. No. 2019-07, March 12, 2019"
    assert "Approved by" not in meta
    assert meta["Version of this text"] == "3"
    (source,) = [a for a in elements(html, "a")
                 if a.within("dd") and "library.example.org" in a.attrs["href"]]
    assert source.attrs["href"] == "https://library.example.org/codes?chapter=39&part=b"
    amendments = [words(li.text) for li in elements(html, "li")
                  if li.within("section", **{"class": "hb-amendments"})]
    assert amendments == ["January 5, 2021: Ord. No. 2021-02. Amended § 39.18(B)."]
    (history,) = [words(p.text) for p in elements(html, "p") if p.attrs.get("class") == "hb-history"]
    assert history == "History: (Ord. No. 2019-07, § 1, 3-12-2019; Ord. No. 2021-02, § 2, 1-5-2021)"
    titles = {a.attrs["title"] for a in elements(html, "a") if a.attrs.get("class") == "hb-anchor"}
    assert {"Link to § 39.18(B)(3)(a)", "Link to § 39.18(B)"} <= titles
    # Every section is a heading, titled or not, so the table of contents lists § 39.18 and § 39.19.
    sections = {e.attrs["id"]: words(e.text).removesuffix("¶").strip() for e in elements(html, "h2")
                if e.attrs.get("id", "").startswith("s39")}
    assert sections == {"s39-17": "39.17 Definitions", "s39-18": "39.18", "s39-19": "39.19"}
    assert "No. 39" not in text(html)
    shipped = page(site, "policies/admin-policy-6.html")
    assert h1(shipped) == "Administrative Policy No. 6: Social Media - Business Use"
    assert "Link to Procedure 1.b" in shipped and "Approved by" in shipped


def test_the_navigation_names_each_policy_in_its_own_style(site):
    for path in ("index.html", "policies/chapter-39.html", "policies/admin-policy-6.html"):
        titles = [title.removesuffix("¶").strip() for title in nav_titles(page(site, path))]
        assert "Chapter 39: Social Media" in titles, (path, titles)
        assert "No. 6: Social Media - Business Use" in titles
        assert not any("No. 39" in title for title in titles)
    assert "Acknowledge Chapter 39" in page(site, "acknowledge/chapter-39.html")


def test_role_pages_cite_each_policys_clauses_its_own_way(site):
    html = page(site, "roles/department-head.html")
    headings = [words(e.text).removesuffix("¶").strip() for e in elements(html, "h3")]
    assert "Chapter 39: Social Media" in headings
    titles = {a.attrs["title"] for a in elements(html, "a") if a.attrs.get("class") == "hb-anchor"}
    assert {"Link to § 39.18(B)", "Link to § 39.18(B)(3)(a)"} <= titles
    assert "Clauses that apply to this role" in text(html)
    mayor = page(site, "roles/mayor.html")
    assert "Link to § 39.19" in mayor and "Link to § 39.18(B)(3)(a)" in mayor


def test_checklists_and_forms_cite_clauses_and_mark_practice(site):
    checklist = page(site, "checklists/department-head.html")
    assert cites(checklist) == ["§ 39.18(B)(3)(a)"]
    practice = [words(e.text) for e in elements(checklist) if e.attrs.get("class") == "hb-practice"]
    assert practice == ["Town practice", "Town practice"]  # the practice note, the practice item
    assert "Town practice Use the removed-post log." in text(checklist)
    form = page(site, "forms/removed-post-log.html")
    assert cites(form)[:1] == ["§ 39.18(B)(3)(a)"]
    assert "Clauses: § 39.18(B)(3)(a)" in text(form)
    assert "Chapter 39: Social Media, version 3" in text(form)
    form_practice = [e for e in elements(form) if e.attrs.get("class") == "hb-practice"]
    assert len(form_practice) == 2  # the form itself, the ticket field
    shipped_form = page(site, "forms/account-registration.html")
    assert "Clauses: Procedure 1.c" in text(shipped_form)
    index = text(page(site, "forms/index.html"))
    assert "paperwork the policies ask for" not in index
    assert "account credentials go to the IT owner through the password vault" in index


def test_quiz_data_and_acknowledgement_name_the_policy_in_its_style(site):
    quiz = page(site, "quizzes/chapter-39-check.html")
    data = page_data(quiz)["quiz"]
    assert data["questions"][0]["cites"] == [{"id": "s39-18.b.3.a", "text": "§ 39.18(B)(3)(a)"}]
    assert "On Chapter 39: Social Media, version 3" in text(quiz)
    ack = page(site, "acknowledge/chapter-39.html")
    assert h1(ack) == "Acknowledge Chapter 39"
    assert "Chapter 39: Social Media, version 3" in text(ack)
    assert "Employee or member ID" in ack  # the shipped handbook's wording
    shipped = page(site, "acknowledge/admin-policy-6.html")
    assert h1(shipped) == "Acknowledge Administrative Policy No. 6"


def test_requirements_name_policies_in_their_style_and_say_deadlines_are_settings(site):
    shown = text(page(site, "requirements.html"))
    assert "An acknowledgement of the current version of Chapter 39: Social Media" in shown
    assert "are HR settings (policy_source/requirements.yaml), not words of the policies" in shown
    assert "Town practice Within 14 days of hire" in shown


def test_home_steps_may_point_to_another_site_and_be_marked_practice(site):
    html = page(site, "index.html")
    (step,) = [a for a in elements(html, "a") if "library.example.org" in a.attrs.get("href", "")]
    assert step.attrs["href"] == "https://library.example.org/codes?chapter=39&x=1"
    assert "Town practice Open the city's code library" in text(html)


def test_exports_name_policies_by_id_never_by_a_citation():
    """Records name a policy by id, version and hash: no export column holds a citation, so no
    numbering style can leak into HR's spreadsheets."""
    for export in EXPORTS.values():
        assert "policy_id" in export.columns
        assert not [column for column in export.columns if "citation" in column or "number" in column]


def test_search_finds_a_word_inside_curly_quotes(site):
    index = json.loads(page(site, "search/search_index.json"))
    separator = re.compile(index["config"]["separator"])
    assert "hacking" in separator.split("the word “hacking” in ‘quotes’")
    assert "quotes" in separator.split("the word “hacking” in ‘quotes’")


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("adopted_by: {body: City Council, ordinance: Ord. No. 2019-07, date: 2019-03-12}\n", "",
     "1:1: give exactly one of approved_by (a person: name, title) or adopted_by"),
    ("source_url: https://", "source_url: javascript://",
     "9:13: source_url: source_url must be an http:// or https:// address"),
    ("title: Definitions\n", "title: Definitions\n    history: ''\n", "22:14: sections[0].history: "),
])
def test_ordinance_fields_are_checked_at_their_line(tmp_path, old, new, expected):
    project = two_policies(tmp_path)
    path = project / "policy_source" / "policies" / "chapter-39.yaml"
    path.write_text(ORDINANCE.replace(old, new, 1), encoding="utf-8")
    code, lines = check_problems(project)
    assert code == 1
    file = "policy_source/policies/chapter-39.yaml"
    assert [line for line in lines if line.startswith(f"{file}:{expected}")], lines


def test_an_unknown_step_link_lists_the_kinds_of_link(tmp_path):
    project = two_policies(tmp_path)
    path = project / "policy_source" / "handbook.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("link: https://library", "link: ftp://library"),
                    encoding="utf-8")
    code, lines = check_problems(project)
    assert code == 1
    (line,) = lines
    address = "ftp://library.example.org/codes?chapter=39&x=1"
    assert f"unknown link '{address}': a link is kind:id (policy, role" in line
    assert "another site's address (https://...)" in line


def test_an_empty_glossary_is_no_page_and_no_nav_entry(tmp_path):
    project = copy_project(tmp_path / "project")
    path = project / "policy_source" / "policies" / "admin-policy-6.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    (definitions,) = [section for section in data["sections"] if section["id"] == "definitions"]
    for clause in definitions["clauses"]:  # the same clauses, no longer definitions of terms
        for key in ("term", "abbreviation", "tooltip"):
            clause.pop(key, None)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    handbook = project / "policy_source" / "handbook.yaml"
    handbook.write_text(handbook.read_text(encoding="utf-8").replace(
        "      - text: Look up the terms it defines\n        link: glossary\n", ""), encoding="utf-8")
    site = build(project).site_dir
    assert not (site / "glossary.html").exists()
    assert "Glossary" not in nav_titles(page(site, "index.html"))


def test_the_starter_speaks_neutrally_and_labels_its_practice(tmp_path):
    """A new handbook carries none of the shipped town's words: neutral person labels, its own
    practice label, no vault or IT owner."""
    subprocess.run([HANDBOOK, "new", str(tmp_path / "new")], check=True, capture_output=True, timeout=120)
    assert check_problems(tmp_path / "new") == (0, [])
    site = build(tmp_path / "new").site_dir
    checklist = text(page(site, "checklists/employee.html"))
    assert "Local practice Use the hazard and incident report form" in checklist
    form = page(site, "forms/hazard-report.html")
    assert "ID number" in text(form) and "Department (required)" in text(form)
    forms = text(page(site, "forms/index.html"))
    assert "No form ever asks for a password or other credential." in forms
    every_page = " ".join(text(path.read_text(encoding="utf-8")) for path in site.rglob("*.html"))
    for shipped in ("password vault", "IT owner", "Town practice", "Employee or member ID",
                    "board/commission", "Glastonbury"):
        assert shipped not in every_page, shipped


def test_the_credential_error_names_where_the_handbook_says_credentials_go(tmp_path):
    project = two_policies(tmp_path)
    form = project / "policy_source" / "forms" / "removed-post-log.yaml"
    form.write_text(FORM.replace("label: Help desk ticket", "label: Account password"), encoding="utf-8")
    code, lines = check_problems(project)
    assert code == 1
    (line,) = lines
    assert line.endswith("field label names a credential ('password'): forms must not collect passwords or "
                         "credentials: give them to the IT owner through the password vault, and at most ask "
                         "for a confirmation checkbox")
    handbook = project / "policy_source" / "handbook.yaml"
    settings = handbook.read_text(encoding="utf-8")
    handbook.write_text(settings.replace("  credentials_holder: the IT owner\n", ""), encoding="utf-8")
    code, lines = check_problems(project)
    assert lines[0].endswith("credentials: have them handed over outside the handbook, and at most ask for a "
                             "confirmation checkbox")
