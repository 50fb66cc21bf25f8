"""The navigation nests each policy's pages under it and bands many policies, so every page of a
large handbook carries only its own branch and the build grows linearly, not quadratically."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from handbook.build import build
from handbook.pages import collect_pages, navigation, policy_sections
from handbook.project import load_project

POLICY = "policy_source/policies/admin-policy-6.yaml"


def add_policies(project: Path, count: int) -> None:
    """Copies of the shipped policy as Nos. 101.. (ids admin-policy-101..), nothing else."""
    text = (project / POLICY).read_text(encoding="utf-8")
    for number in range(101, 101 + count):
        copy = text.replace("id: admin-policy-6", f"id: admin-policy-{number}", 1)
        copy = copy.replace('number: "6"', f'number: "{number}"', 1)
        copy = re.sub(r"  requires_quiz: .*\n", "", copy)  # those quizzes are No. 6's
        (project / f"policy_source/policies/admin-policy-{number}.yaml").write_text(copy, encoding="utf-8")


def test_each_policys_pages_nest_under_it(project_copy):
    project, problems = load_project(project_copy)
    assert problems == []
    nav = navigation(collect_pages(project))
    policies = next(item["Policies"] for item in nav if "Policies" in item)
    [(title, branch)] = policies[0].items()
    assert title == "No. 6: Social Media - Business Use"
    assert branch[0] == {"The policy": "policies/admin-policy-6.md"}
    names = [next(iter(entry)) for entry in branch]
    assert {"Quizzes", "Acknowledge", "Checklists", "Forms"} <= set(names)


@pytest.mark.parametrize(("extra", "bands"), [(9, 0), (10, 3), (99, 10)])
def test_policies_are_banded_past_ten(project_copy, extra, bands):
    add_policies(project_copy, extra)
    project, problems = load_project(project_copy)
    assert problems == []
    sections = policy_sections(project)
    assert len(sections) == extra + 1
    band_names = {section[1] for section in sections.values() if len(section) == 3}
    assert len(band_names) == bands
    if bands:
        per_band = max(sum(1 for s in sections.values() if s[1] == name) for name in band_names)
        assert per_band <= int((extra + 1) ** 0.5) + 1


def test_a_page_of_a_large_handbook_carries_only_its_branch(project_copy):
    add_policies(project_copy, 24)
    result = build(project_copy)
    policy_page = (result.site_dir / "policies" / "admin-policy-120.html").read_text(encoding="utf-8")
    primary = policy_page[policy_page.index("md-nav--primary") : policy_page.index("md-nav--secondary")]
    links = re.findall(r'class="md-nav__link', primary)
    assert result.pages > 50
    assert len(links) < 40, len(links)  # top level + 5 bands + its band's 5 policies + its own pages
    # A pruned band is one link to its first page; the rest of another band is not in the page.
    assert "admin-policy-101.html" in primary and "admin-policy-102.html" not in primary


def test_navigation_titles_are_escaped_text(project_copy):
    """Material prints nav titles as HTML: a title from YAML is escaped where the nav is made."""
    edit = project_copy / POLICY
    text = edit.read_text(encoding="utf-8").replace(
        "title: Social Media - Business Use", "title: '<img src=x onerror=alert(1)> & \"q\"'", 1
    )
    edit.write_text(text, encoding="utf-8")
    project, problems = load_project(project_copy)
    assert problems == [] and project is not None
    nav = navigation(collect_pages(project))
    policies = next(item["Policies"] for item in nav if "Policies" in item)
    [(title, branch)] = policies[0].items()
    assert title == "No. 6: &lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;"
    assert all("<" not in next(iter(entry)) for entry in branch if isinstance(entry, dict))
