"""One string table per language: every word the scripts and templates show comes from it,
English is complete, a language is added as a data file, and a language without a table
builds in English with one warning line."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
import yaml

from handbook.build import build
from handbook.records.contract import PERSON_FIELDS
from handbook.strings import ENGLISH, StringsError, load_strings, read_table
from tests.conftest import ROOT
from tests.paperwork import page_data

TEMPLATES = ROOT / "handbook" / "site_templates"
SCRIPTS = sorted((TEMPLATES / "assets" / "js").glob("*.js"))
PAGES = sorted((TEMPLATES / "pages").glob("*.j2"))

_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'')
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
TECHNICAL = {"use strict", "Enter", "GradingError", "SELECT"}
"""Capitalised literals in the scripts that are names for the browser, never words for people."""


def literals(script: Path) -> list[str]:
    code = _COMMENT.sub("", script.read_text(encoding="utf-8"))
    return [m[1] if m[1] is not None else m[2] for m in _LITERAL.finditer(code)]


def looks_like_words(text: str) -> bool:
    """A sentence or a label: two words in a row, or a capitalised word."""
    return bool(re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", text) or re.fullmatch(r"[A-Z][a-z]+\W*", text))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_script_holds_words_for_people(script):
    words = [text for text in literals(script) if looks_like_words(text) and text not in TECHNICAL]
    assert words == [], f"{script.name} shows English of its own; put it in handbook/strings/en.yaml"


def test_the_scan_finds_a_sentence(tmp_path):
    sample = tmp_path / "x.js"
    sample.write_text('var a = "Sending…", b = \'not recorded yet\', c = "[data-hb-x] input"; // Said here\n')
    assert [text for text in literals(sample) if looks_like_words(text)] == ["Sending…", "not recorded yet"]


def keys_used_by_scripts() -> set[str]:
    """Every quoted dotted key of a section of the browser table that a script names."""
    sections = "|".join(sorted({key.split(".")[0] for key in ENGLISH.browser()["text"]}))
    key = re.compile(rf'"((?:{sections})\.[a-z_.-]*)"')
    return {found for script in SCRIPTS for found in key.findall(script.read_text(encoding="utf-8"))}


def test_every_key_a_script_asks_for_is_in_the_browser_table():
    table = ENGLISH.browser()["text"]
    keys = keys_used_by_scripts()
    assert len(keys) > 40
    assert sorted(key for key in keys if key not in table and not key.endswith(".")) == []
    for field in PERSON_FIELDS:  # records.js asks for these by field id
        assert f"person.{field.id}.missing" in table and f"person.{field.id}.label" in table


def test_every_key_a_template_asks_for_is_in_the_table():
    asked = re.compile(r'\bt\("([a-z_.-]+)"')
    keys = {key for page in PAGES for key in asked.findall(page.read_text(encoding="utf-8"))}
    assert len(keys) > 100
    assert sorted(key for key in keys if key not in ENGLISH.entries and not key.endswith("_")) == []
    for scoring in ("partial", "all-or-nothing"):  # quiz.md.j2 names these by the quiz's scoring
        assert f"quiz.scoring_{scoring}" in ENGLISH.entries


def text_outside_markup(template: str) -> str:
    """What a template says by itself: no Jinja, no tags, no front matter or Markdown syntax."""
    text = re.sub(r"\{#.*?#\}", " ", template, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "\x00", text, flags=re.S)
    text = re.sub(r"\S*\x00\S*", " ", text)  # and the ids and names made with them
    text = re.sub(r"[\w-]+=\"[^\"]*\"", " ", text)  # attributes a macro assembles
    text = re.sub(r"^\s*(?:-\s*)?[a-z_]+(?::(?:\s+true)?)?\s*$", " ", text, flags=re.M)  # front matter
    text = re.sub(r"^!!! [a-z]+", " ", text, flags=re.M)  # an admonition's kind
    return text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_template_holds_words_for_people(page):
    left = re.findall(r"[A-Za-z]{2,}", text_outside_markup(page.read_text(encoding="utf-8")))
    assert left == [], f"{page.name} shows English of its own; put it in handbook/strings/en.yaml"


def test_the_person_block_reads_as_the_contract_declares_it_in_english():
    for field in PERSON_FIELDS:
        assert ENGLISH.text(f"browser.person.{field.id}.label") == field.label
        assert ENGLISH.text(f"browser.person.{field.id}.missing") == field.missing


def test_placeholders_are_filled_and_escaped_for_markdown_and_html():
    assert ENGLISH.text("quiz.questions", count=1, pass_mark=80) == "1 question; pass mark 80%."
    assert ENGLISH.text("quiz.questions", count=12, pass_mark=80) == "12 questions; pass mark 80%."
    link = "[the policy](policies/p.md)"
    assert ENGLISH.markup("ack.intro", policy=link).startswith(f"Read {link} before")
    assert unescape(ENGLISH.markup("common.required")) == "(required)"  # "(" at a line's start: escaped
    assert ENGLISH.markup("records.fixed_value", label="<b>R</b>", value="x") == "<b>R</b>: x"
    assert unescape(ENGLISH.markup("requirements.after_quiz", quizzes="Q")).startswith(", after passing")


def test_an_unknown_language_falls_back_to_english_with_one_warning_line():
    strings, warnings = load_strings("de")
    assert strings.language == "en" and strings.entries == ENGLISH.entries
    assert len(warnings) == 1 and warnings[0].startswith("warning: theme.language 'de': no string table")


def set_language(project: Path, language: str) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("language: en", f"language: {language}"),
                      encoding="utf-8")


def test_a_build_in_a_language_without_a_table_is_english_and_says_so_at_the_setting(project_copy):
    set_language(project_copy, "de")
    result = build(project_copy)
    line = next(n for n, text in enumerate((project_copy / "mkdocs.yml").read_text().splitlines(), 1)
                if "language:" in text)
    assert [w for w in result.warnings if "theme.language" in w] == [
        f"mkdocs.yml:{line}:1: warning: theme.language 'de': no string table for it (add "
        "site_templates/strings/de.yaml); the handbook's own words stay in English"
    ]
    page = (result.site_dir / "quizzes" / "admin-policy-6-employee.html").read_text(encoding="utf-8")
    assert '<html lang="de"' in page  # Material's own words follow the setting
    assert "Check my answers" in page and page_data(page)["strings"]["language"] == "en"


def test_a_second_language_is_a_data_file(project_copy):
    """A project adds French as site_templates/strings/fr.yaml: the pages and the scripts
    use it; what it leaves out shows in English, and the build says how much."""
    tables = project_copy / "site_templates" / "strings"
    tables.mkdir(parents=True)
    french = {"quiz": {"check": "Vérifier mes réponses"},
              "browser": {"quiz": {"answered": {"one": "{answered} réponse sur {count}",
                                                "other": "{answered} réponses sur {count}"}}},
              "dates": {"long": "{day} {month} {year}",
                        "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                                   "septembre", "octobre", "novembre", "décembre"]}}
    (tables / "fr.yaml").write_text(yaml.safe_dump(french, allow_unicode=True), encoding="utf-8")
    set_language(project_copy, "fr")
    result = build(project_copy)
    missing = len(ENGLISH.entries) - 4
    assert any(f"{missing} strings are not translated" in w for w in result.warnings), result.warnings
    quiz = (result.site_dir / "quizzes" / "admin-policy-6-employee.html").read_text(encoding="utf-8")
    assert ">Vérifier mes réponses<" in quiz and ">Check my answers<" not in quiz
    assert "Try the whole quiz again" in quiz  # not translated: English
    data = page_data(quiz)["strings"]
    assert data["language"] == "fr"
    assert data["text"]["quiz.answered"]["other"] == "{answered} réponses sur {count}"
    policy = (result.site_dir / "policies" / "admin-policy-6.html").read_text(encoding="utf-8")
    assert "9 décembre 2022" in policy


def test_a_broken_table_is_one_located_problem(project_copy):
    from handbook.build import check

    tables = project_copy / "site_templates" / "strings"
    tables.mkdir(parents=True)
    (tables / "fr.yaml").write_text("quiz:\n  check: [unclosed\n", encoding="utf-8")
    set_language(project_copy, "fr")
    _, problems = check(project_copy)
    assert [str(p).split(":")[0] for p in problems] == ["site_templates/strings/fr.yaml"]


def test_english_is_the_only_shipped_table_and_others_keep_its_placeholders():
    shipped = sorted(p.stem for p in (ROOT / "handbook" / "strings").glob("*.yaml"))
    assert "en" in shipped
    english = read_table("en")
    assert english is not None
    for language in shipped:
        table = read_table(language)
        assert table is not None and set(table) <= set(english), language
        for key, value in table.items():
            placeholders = re.compile(r"\{(\w+)\}")
            assert set(placeholders.findall(str(value))) <= set(placeholders.findall(str(english[key])))


def test_an_edit_to_a_projects_table_shows_in_the_next_load_and_a_fix_ends_a_broken_one(project_copy):
    """Tables are remembered between loads (a build asks for English three times) only while
    their file is unchanged: a preview picks up the edited word, and a fixed table builds."""
    tables = project_copy / "site_templates" / "strings"
    tables.mkdir(parents=True)
    table = tables / "fr.yaml"
    table.write_text("quiz:\n  check: Vérifier\n", encoding="utf-8")
    first, _ = load_strings("fr", project_copy)
    assert first.text("quiz.check") == "Vérifier"
    first.entries["quiz.check"] = "changed by a caller"  # type: ignore[index]
    table.write_text("quiz:\n  check: Vérifier mes réponses\n", encoding="utf-8")
    again, _ = load_strings("fr", project_copy)
    assert again.text("quiz.check") == "Vérifier mes réponses"
    assert load_strings("fr", project_copy)[0].text("quiz.check") == "Vérifier mes réponses"
    table.write_text("quiz:\n  check: [unclosed\n", encoding="utf-8")
    with pytest.raises(StringsError) as broken:
        load_strings("fr", project_copy)
    assert str(broken.value.problem).startswith("site_templates/strings/fr.yaml:3:1: YAML syntax error")
    table.write_text("quiz:\n  check: Corrigé\n", encoding="utf-8")
    assert load_strings("fr", project_copy)[0].text("quiz.check") == "Corrigé"
    assert ENGLISH.text("quiz.check") == "Check my answers"


def test_a_string_used_again_with_other_values_fills_each_one_in():
    """Each string's words are escaped once and kept; the values are filled in on every use."""
    first = ENGLISH.markup("ack.intro", policy="[one](a.md)")
    second = ENGLISH.markup("ack.intro", policy="[two](b.md)")
    assert first.startswith("Read [one](a.md) before") and second.startswith("Read [two](b.md) before")
    assert first.removeprefix("Read [one](a.md)") == second.removeprefix("Read [two](b.md)")
    assert unescape(ENGLISH.markup("common.required")) == "(required)"
    assert ENGLISH.markup("common.required") == ENGLISH.markup("common.required")
