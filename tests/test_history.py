"""`handbook publish` and the history it keeps: words never change under a published version,
versions only go up, and an editorial publication records the lineage that keeps acknowledgements."""

from __future__ import annotations

import pytest
import yaml

from handbook.project import load_project
from tests.conftest import copy_project
from tests.test_check_cli import POLICY, edit, problem_lines, run

HISTORY = "policy_source/history/admin-policy-6"
OLD = "valuable communication tool"


def line_in(path, text):
    content = path.read_text(encoding="utf-8")
    return content[: content.index(text)].count("\n") + 1


def publish(root, *args):
    result = run("publish", str(root), "--policy", "admin-policy-6", *args)
    assert "Traceback" not in result.stderr
    return result


def test_publish_keeps_the_exact_words_and_hash(tmp_path):
    root = copy_project(tmp_path)
    result = publish(root, "--note", "As adopted", "--date", "2026-01-02")
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load((root / HISTORY / "v1.yaml").read_text(encoding="utf-8"))
    project, _ = load_project(root)
    policy = project.policy("admin-policy-6")
    assert data["version"] == "1" and data["hash"] == policy.content_hash()
    assert data["published"] == "2026-01-02" and data["change"] == "material" and data["note"] == "As adopted"
    assert OLD in data["words"]["sections"][1]["text"]
    assert project.history["admin-policy-6"][0].hash == policy.content_hash()
    again = publish(root)
    assert again.returncode == 0 and "already published" in again.stdout
    assert run("check", str(root)).returncode == 0


def test_changed_words_under_a_published_version_fail_check_at_the_clause(tmp_path):
    root = copy_project(tmp_path)
    publish(root)
    edit(root / POLICY, OLD, "vital communication tool")
    lines = problem_lines(run("check", str(root)))
    line = line_in(root / POLICY, "The Town of Glastonbury, (“the Town”)")
    assert lines == [f"{POLICY}:{line - 1}:11: the words of published version '1' changed (published "
                     f"{yaml.safe_load((root / HISTORY / 'v1.yaml').read_text())['published']}, "
                     f"{HISTORY}/v1.yaml); give the policy a new version (version: \"2\") and run "
                     "handbook publish --policy admin-policy-6"]
    refused = publish(root)  # publishing needs sources that check
    assert refused.returncode == 1 and lines[0] in refused.stderr
    assert not (root / HISTORY / "v2.yaml").exists()


def test_a_version_never_goes_backwards(tmp_path):
    root = copy_project(tmp_path)
    edit(root / POLICY, 'version: "1"', 'version: "3"')
    publish(root)
    edit(root / POLICY, 'version: "3"', 'version: "2"')
    line = line_in(root / POLICY, 'version: "2"')
    assert problem_lines(run("check", str(root))) == [
        f"{POLICY}:{line}:10: version '2' is lower than the published version '3' ({HISTORY}/v3.yaml); "
        "versions only go up"]
    refused = publish(root)
    assert refused.returncode == 1 and "lower than the published version '3'" in refused.stderr


def test_an_editorial_publication_records_the_lineage(tmp_path):
    root = copy_project(tmp_path)
    publish(root)
    edit(root / POLICY, OLD, "vital communication tool")
    edit(root / POLICY, 'version: "1"', 'version: "2"')
    assert publish(root, "--note", "Vital").returncode == 0
    edit(root / POLICY, "vital communication tool", "vital communications tool")
    edit(root / POLICY, 'version: "2"', 'version: "2.1"')
    assert publish(root, "--editorial", "--note", "Typo").returncode == 0
    v2 = yaml.safe_load((root / HISTORY / "v2.yaml").read_text(encoding="utf-8"))
    v21 = yaml.safe_load((root / HISTORY / "v2.1.yaml").read_text(encoding="utf-8"))
    assert v2["change"] == "material" and "lineage" not in v2
    assert v2["previous"]["version"] == "1"
    assert v21["change"] == "editorial" and v21["lineage"] == [{"version": "2", "hash": v2["hash"]}]
    assert run("check", str(root)).returncode == 0


def test_a_hand_edited_history_file_is_located(tmp_path):
    root = copy_project(tmp_path)
    publish(root)
    path = root / HISTORY / "v1.yaml"
    edit(path, "Social Media - Business Use", "Social Media - Personal Use")
    line = line_in(path, "hash: ")
    assert problem_lines(run("check", str(root))) == [
        f"{HISTORY}/v1.yaml:{line}:7: hash: does not match the words recorded here (edited by hand?); "
        "restore the file from version control"]
    (root / HISTORY / "v1.yaml").rename(root / HISTORY / "v9.yaml")
    assert any("belongs in v1.yaml, not v9.yaml" in line for line in problem_lines(run("check", str(root))))


def test_publish_names_an_unknown_policy(tmp_path):
    root = copy_project(tmp_path)
    result = run("publish", str(root), "--policy", "no-such")
    assert result.returncode == 2 and "unknown policy 'no-such'; known: admin-policy-6" in result.stderr


BROKEN = [
    ("version: '1'", "version: 1", "version: 1 is read as the number 1; quote it"),
    ("published: '", "published: 'not-a-day' #", "'not-a-day' is not a valid date"),
    ("change: material", "change: sweeping", "change: Input should be 'material' or 'editorial'"),
    ("hash: ", "hash: abc #", "hash: String should match pattern"),
    ("words:\n", "words: 5\nunused:\n", "unknown field 'unused'"),
]


@pytest.mark.parametrize(("old", "new", "message"), BROKEN, ids=[case[2][:20] for case in BROKEN])
def test_a_broken_history_file_is_one_located_line(tmp_path, old, new, message):
    root = copy_project(tmp_path)
    publish(root)
    edit(root / HISTORY / "v1.yaml", old, new)
    lines = problem_lines(run("check", str(root)))
    assert any(line.startswith(f"{HISTORY}/v1.yaml:") and message in line for line in lines), lines


def test_words_that_are_no_policy_are_located(tmp_path):
    root = copy_project(tmp_path)
    publish(root)
    path = root / HISTORY / "v1.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("words:")] + "words: {id: admin-policy-6}\n", encoding="utf-8")
    line = line_in(path, "words:")
    assert problem_lines(run("check", str(root))) == [
        f"{HISTORY}/v1.yaml:{line}:8: words: not the words of this policy version; restore the file from "
        "version control"]
