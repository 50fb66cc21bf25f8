"""The shipped handbook built for real: every sentence of the policy, every anchor, every page."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from handbook.build import BuildFailed, build
from handbook.models.policy import MAX_CLAUSE_DEPTH
from handbook.pages import HR_PAGE
from handbook.project import load_project
from handbook.schema import render_schema, schemas
from tests.conftest import ROOT
from tests.test_hostile_sources import nested_policy

# The signed policy as extracted from the PDF (a copy of shared/reference/), the text to be faithful to.
REFERENCE = ROOT / "tests" / "fixtures" / "reference" / "glastonbury-admin-policy-6-social-media.txt"
POLICY_PAGE = "policies/admin-policy-6.html"
FIELD_LABELS = re.compile(
    r"^(Purpose|Policy|Definitions|Procedure|Subject|Effective Date|Approved By"
    r"|Administrative Policy No\.):\s*"
)
OUTSIDE_LOAD = re.compile(  # what a browser would fetch from another host (links to follow are fine)
    r"<(?:script|img|link|iframe|source|audio|video)\b[^>]*?(?:src|href)=\"(?:https?:)?//[^\"]+"
    r"|url\((?:https?:)?//[^)]+"
)
LIST_MARKER = re.compile(r"^(?:-\s*)?(?:[a-z]|\d+)\.\s+")


def visible_text(page: Path) -> str:
    """The article's text as a reader sees it: tags dropped, entities decoded, spaces folded."""
    source = page.read_text(encoding="utf-8")
    article = source[source.index("<article") : source.index("</article>")]
    blocks = r"</?(?:p|div|h[1-6]|li|ul|ol|dt|dd|dl|br|section|blockquote|table|tr|td|th)\b[^>]*>"
    text = re.sub(r"<[^>]+>", "", re.sub(blocks, " ", article))
    return " ".join(html.unescape(text).split())


def reference_segments() -> list[str]:
    """Each sentence (or list item, or line piece) of the signed policy, without list markers."""
    segments = []
    for raw in REFERENCE.read_text(encoding="utf-8").splitlines():
        line = raw.strip().replace("**", "")
        line = FIELD_LABELS.sub("", LIST_MARKER.sub("", line)).strip()
        if not line:
            continue
        for sentence in re.split(r"(?<=[.;:])\s+(?=[A-Z(])", line):
            if sentence.strip():
                segments.append(" ".join(sentence.split()))
    return segments


def test_every_sentence_of_the_reference_is_on_the_policy_page(built_site):
    text = visible_text(built_site / POLICY_PAGE)
    segments = reference_segments()
    assert len(segments) > 45
    missing = [segment for segment in segments if segment not in text]
    # The only mend: the source repeats letter "a." in the nested list under restriction e.
    assert missing == [], missing
    assert "December 9, 2022" in text and "Richard J. Johnson, Town Manager" in text


def test_every_clause_has_an_anchor_and_a_visible_permalink(built_site):
    project, _ = load_project(ROOT)
    assert project is not None
    page = (built_site / POLICY_PAGE).read_text(encoding="utf-8")
    ids = list(project.policy("admin-policy-6").clause_ids())
    assert "procedure.1.b" in ids and "restrictions.e.3" in ids
    for clause_id in ids:
        assert f'id="{clause_id}"' in page, clause_id
        assert f'href="#{clause_id}"' in page, clause_id


def test_role_pages_gather_the_clauses_that_bind_them(built_site):
    sma = visible_text(built_site / "roles" / "sma.html")
    assert "responding to comments/messages in a timely manner" in sma  # procedure.1.e
    assert "Legal ownership interest, copyright" in sma  # restrictions.e.4, under restrictions
    itm = visible_text(built_site / "roles" / "itm.html")
    assert "provide the ITM with all credentials" in itm  # procedure.1.c
    assert "timely manner" not in itm


def test_glossary_and_tooltips(built_site):
    glossary = visible_text(built_site / "glossary.html")
    for term in ("Social Media", "Social Media Activity", "Social Media Administrator (SMA)", "Town"):
        assert term in glossary
    page = (built_site / POLICY_PAGE).read_text(encoding="utf-8")
    assert '<abbr title="Social Media Administrator">SMA</abbr>' in page


def test_home_page_has_a_path_for_each_audience(built_site):
    home = visible_text(built_site / "index.html")
    for audience in ("Every employee", "New Social Media Administrators", "Board and commission members",
                     "Human Resources"):
        assert audience in home


def test_site_requests_nothing_from_other_hosts(built_site):
    offenders = []
    for file in built_site.rglob("*"):
        if file.suffix in {".html", ".css"} or (file.suffix == ".js" and "assets/js" in file.as_posix()):
            text = file.read_text(encoding="utf-8", errors="replace")
            offenders += [f"{file.name}: {m.group(0)}" for m in OUTSIDE_LOAD.finditer(text)]
            if "fonts.googleapis" in text or "unpkg.com" in text:
                offenders.append(f"{file.name}: third-party asset")
    assert offenders == []


def test_search_index_holds_clause_text_and_works_offline(built_site):
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any("Glassdoor" in doc["text"] for doc in index["docs"])
    assert (built_site / "search" / "search_index.js").is_file()  # the offline plugin's inline copy


def test_generated_folder_is_an_ordinary_mkdocs_project(built_site, tmp_path):
    project_dir = built_site.parent
    out = tmp_path / "plain"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(project_dir / ".handbook" / "mkdocs.yml"),
         "-d", str(out)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Glassdoor" in (out / POLICY_PAGE).read_text(encoding="utf-8")
    # handbook's build lets each page's Markdown, HTML and table of contents go as soon as it can:
    # the site and its search index come out the same as plain MkDocs makes them
    pages = sorted(str(p.relative_to(built_site)) for p in built_site.rglob("*.html"))
    assert len(pages) > 20 and pages == sorted(str(p.relative_to(out)) for p in out.rglob("*.html"))
    for name in [*pages, "search/search_index.json"]:
        assert (built_site / name).read_bytes() == (out / name).read_bytes(), name


def test_build_to_another_site_dir_and_unchanged_files_are_not_rewritten(project_copy, tmp_path):
    from handbook.build import build

    first = build(project_copy, site_dir=tmp_path / "out")
    assert (tmp_path / "out" / POLICY_PAGE).is_file()
    assert first.changed == first.pages
    again = build(project_copy, site_dir=tmp_path / "out")
    assert again.changed == 0


def test_a_one_shot_build_lets_the_project_go_before_mkdocs_runs(project_copy, tmp_path, monkeypatch):
    """`handbook build` holds no loaded project (models, position maps) beside MkDocs' pages; the
    build that serve and the preview use keeps it, to check records against what the pages show."""
    import gc

    import handbook.build
    from handbook.project import Project

    def projects() -> int:
        gc.collect()
        return sum(isinstance(thing, Project) for thing in gc.get_objects())

    engine, alive, before = handbook.build.run_engine, [], projects()  # other tests' projects may live on

    def counting(*args, **kwargs):  # the real engine runs; only what lives while it starts is counted
        alive.append(projects() - before)
        return engine(*args, **kwargs)

    monkeypatch.setattr(handbook.build, "run_engine", counting)
    once = handbook.build.build_once(project_copy, site_dir=tmp_path / "once")
    kept = handbook.build.build(project_copy, site_dir=tmp_path / "kept")
    assert alive == [0, 1]
    assert not hasattr(once, "project") and kept.project.policy("admin-policy-6").id == "admin-policy-6"
    assert once.pages == kept.pages > 20
    assert (tmp_path / "once" / POLICY_PAGE).read_bytes() == (tmp_path / "kept" / POLICY_PAGE).read_bytes()


def test_a_projects_own_mkdocs_hook_sees_every_pages_html(project_copy, tmp_path):
    """handbook's build keeps a page's HTML compressed until the page is written only when no
    plugin of the project's own could read it in between (here a hook, in on_env)."""
    from handbook.build import build_once

    hook = project_copy / "hook.py"
    hook.write_text(
        "import json\nfrom pathlib import Path\n\n"
        "def on_env(env, config, files):\n"
        "    sizes = {f.src_uri: len(f.page.content or '') for f in files.documentation_pages()}\n"
        f"    Path({str(tmp_path / 'sizes.json')!r}).write_text(json.dumps(sizes))\n"
        "    return env\n", encoding="utf-8")
    with (project_copy / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write(f"hooks:\n  - {hook}\n")
    result = build_once(project_copy, site_dir=tmp_path / "site")
    sizes = json.loads((tmp_path / "sizes.json").read_text(encoding="utf-8"))
    assert len(sizes) == result.pages and min(sizes.values()) > 500
    policy = (tmp_path / "site" / POLICY_PAGE).read_text(encoding="utf-8")
    assert sizes["policies/admin-policy-6.md"] > 10_000 and "Glassdoor" in policy


def test_committed_schemas_match_the_models():
    for name, schema in schemas().items():
        committed = ROOT / "schemas" / f"{name}.schema.json"
        assert committed.is_file(), f"run `make schema` to write {committed.name}"
        assert committed.read_text(encoding="utf-8") == render_schema(schema), f"{committed.name} is stale"


def test_every_source_file_points_editors_at_its_schema():
    for file in [*ROOT.glob("policy_source/**/*.yaml"), *ROOT.glob("quizzes/*.yaml")]:
        first = file.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), file
        target = (file.parent / first.split("=", 1)[1]).resolve()
        assert target.is_file(), f"{file}: {target}"


def test_every_local_link_and_anchor_in_the_site_resolves(built_site):
    """MkDocs checks Markdown links only; raw-HTML links (forms, quizzes, glossary) are checked here."""
    pattern = re.compile(r"<(?:a|link|script|img)\b[^>]*?\b(?:href|src)=\"([^\"]+)\"")
    ids: dict[Path, set[str]] = {}

    def anchors(page: Path) -> set[str]:
        if page not in ids:
            ids[page] = set(re.findall(r"\bid=\"([^\"]+)\"", page.read_text(encoding="utf-8")))
        return ids[page]

    broken = []
    for page in built_site.rglob("*.html"):
        if page.name == "404.html":
            continue  # MkDocs gives the 404 page root-absolute links: it is served at any depth
        for target in pattern.findall(page.read_text(encoding="utf-8")):
            target = html.unescape(target)
            if re.match(r"^(?:[a-z]+:|//)", target):
                continue
            path, _, anchor = target.partition("#")
            path = path.split("?")[0]
            resolved = (page.parent / path).resolve() if path else page
            if resolved == (built_site / HR_PAGE).resolve():
                continue  # the HR page: served by the records service beside the site, not a file of it
            if resolved.is_dir():
                resolved = resolved / "index.html"
            if not resolved.is_file():
                broken.append(f"{page.relative_to(built_site)} -> {target}")
            elif anchor and resolved.suffix == ".html" and anchor not in anchors(resolved):
                broken.append(f"{page.relative_to(built_site)} -> {target} (no such anchor)")
    assert broken == []


def test_requirements_page_lists_each_duty_with_its_role_and_deadline(built_site):
    text = visible_text(built_site / "requirements.html")
    assert "Pass the SMA certification quiz" in text
    assert "Social Media Administrator" in text and "Within 30 days of hire" in text
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'href="requirements.html"' in home  # on HR's path


def test_a_projects_template_override_wins_and_an_edit_to_it_shows(project_copy):
    """Templates are compiled once into a cache shared by builds; an edit must still show."""
    from handbook.build import build

    override = project_copy / "site_templates" / "pages" / "glossary.md.j2"
    override.parent.mkdir(parents=True)
    builtin = (ROOT / "handbook" / "site_templates" / "pages" / "glossary.md.j2").read_text(encoding="utf-8")
    heading = '# {{ t("glossary.title") }}'
    assert heading in builtin
    override.write_text(builtin.replace(heading, "# Glossary of terms, first"), encoding="utf-8")
    result = build(project_copy)
    assert "Glossary of terms, first" in (result.site_dir / "glossary.html").read_text(encoding="utf-8")
    override.write_text(builtin.replace(heading, "# Glossary of terms, second"), encoding="utf-8")
    build(project_copy)
    page = (result.site_dir / "glossary.html").read_text(encoding="utf-8")
    assert "Glossary of terms, second" in page and "first" not in page


def test_a_failure_in_any_stage_is_build_failed_with_located_lines(project_copy, tmp_path):
    """build() raises BuildFailed and nothing else, so the CLI and the preview's watcher report
    every failure and carry on: here the generated folder and the site folder cannot be made."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    for kwargs in ({"out": blocker / "generated"}, {"site_dir": blocker / "site"}):
        with pytest.raises(BuildFailed) as failed:
            build(project_copy, **kwargs)
        assert len(failed.value.lines) == 1
        assert str(blocker) in failed.value.lines[0] and "Traceback" not in failed.value.lines[0]


def test_a_clause_tree_as_deep_as_allowed_builds_every_level(project_copy):
    """The limit check enforces (10 levels) is one the build renders: no RecursionError below it."""
    nested_policy(MAX_CLAUSE_DEPTH)(project_copy)
    site = build(project_copy).site_dir
    page = (site / "policies" / "zz-hostile.html").read_text(encoding="utf-8")
    assert all(f'id="deep.{level}"' in page for level in range(MAX_CLAUSE_DEPTH))


def test_a_build_hands_the_cyclic_collector_back_as_it_found_it(project_copy, tmp_path):
    """The build pauses Python's cyclic collector while it loads and keeps the loaded project out
    of its sight while it renders; the long-lived callers (serve, the preview) get the collector
    back on, with nothing left frozen, after a build that worked and one that failed; a caller
    that had it off keeps it off."""
    import gc

    broken = tmp_path / "a-file"
    broken.write_text("not a folder", encoding="utf-8")
    try:
        for enabled in (True, False):
            gc.enable() if enabled else gc.disable()
            build(project_copy, site_dir=tmp_path / "site")
            assert (gc.isenabled(), gc.get_freeze_count()) == (enabled, 0)
            with pytest.raises(BuildFailed):
                build(project_copy, out=broken / "generated")
            assert (gc.isenabled(), gc.get_freeze_count()) == (enabled, 0)
    finally:
        gc.enable()


OLD_BASE_LOOP = """{% for term, meaning in abbreviations %}
*[{{ term }}]: {{ meaning | paragraphs | join(" ") | attr }}
{% endfor %}
"""


def test_a_projects_own_tooltip_templates_win_and_an_edited_term_shows(project_copy):
    """Each policy's tooltip lines are rendered once (``_abbreviations.md.j2``) and handed to
    every page: a project's own ``_base.md.j2`` that still loops over ``abbreviations`` builds the
    same pages, a project's own ``_abbreviations.md.j2`` wins on every page, and an edited
    definition shows in the next build."""
    pages = project_copy / "site_templates" / "pages"
    pages.mkdir(parents=True)
    shipped = build(project_copy)
    before = {name: (shipped.site_dir / name).read_text(encoding="utf-8")
              for name in (POLICY_PAGE, "roles/itm.html", "glossary.html")}

    builtin = (ROOT / "handbook" / "site_templates" / "pages" / "_base.md.j2").read_text(encoding="utf-8")
    assert "{{ abbreviation_lines -}}\n" in builtin
    (pages / "_base.md.j2").write_text(builtin.replace("{{ abbreviation_lines -}}\n", OLD_BASE_LOOP),
                                       encoding="utf-8")
    own_base = build(project_copy)
    assert {name: (own_base.site_dir / name).read_text(encoding="utf-8") for name in before} == before

    (pages / "_base.md.j2").unlink()
    (pages / "_abbreviations.md.j2").write_text(
        '{% for term, meaning in abbreviations %}\n*[{{ term }}]: Own: {{ meaning | attr }}\n{% endfor %}\n',
        encoding="utf-8")
    own_block = build(project_copy)
    tooltip = '<abbr title="Social Media Administrator">SMA</abbr>'
    shown = [name for name, page in before.items() if tooltip in page]
    assert shown == [POLICY_PAGE, "roles/itm.html"]
    for name in shown:
        page = (own_block.site_dir / name).read_text(encoding="utf-8")
        assert tooltip.replace('title="', 'title="Own: ') in page and tooltip not in page, name

    (pages / "_abbreviations.md.j2").unlink()
    policy = project_copy / "policy_source" / "policies" / "admin-policy-6.yaml"
    text = policy.read_text(encoding="utf-8")
    assert text.count("abbreviation: SMA") == 1
    policy.write_text(text.replace("abbreviation: SMA", "abbreviation: SMAX"), encoding="utf-8")
    edited = build(project_copy)
    page = (edited.site_dir / POLICY_PAGE).read_text(encoding="utf-8")
    assert '<abbr title="Social Media Administrator">SMAX</abbr>' in page
