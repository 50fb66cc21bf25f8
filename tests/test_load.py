"""The loader: positions for every node, and a clean Problem for every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handbook.load import Problem, load_yaml


def write(tmp_path: Path, content: bytes | str, name: str = "x.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_positions_point_at_values_and_keys(tmp_path):
    path = write(tmp_path, "id: a\nsections:\n  - id: b\n    text: hello\n")
    source, problems = load_yaml(path, tmp_path)
    assert problems == []
    assert source.data == {"id": "a", "sections": [{"id": "b", "text": "hello"}]}
    assert source.locate(("sections", 0, "text")) == (4, 11)
    assert source.locate(("sections", 0, "text"), key=True) == (4, 5)
    # Parts of a pydantic location that are not in the file fall back to the deepest real node.
    assert source.locate(("sections", 0, "function-after[x]", "text")) == (4, 11)


@pytest.mark.parametrize(
    ("content", "line", "col", "message"),
    [
        ("id: a\n  bad: [\n", 2, 6, "YAML syntax error"),
        ("", 1, 1, "file is empty"),
        ("# only a comment\n", 1, 1, "file is empty"),
        ("- a\n- b\n", 1, 1, "expected a YAML mapping at the top, got list"),
        ("id: a\nid: b\n", 2, 1, "duplicate key 'id'"),
        ("date: !!timestamp 2022-13-45\n", 1, 7, "invalid value"),
        ("a: &x [*x]\n", 1, 1, ""),
    ],
)
def test_bad_yaml_gives_one_clean_problem(tmp_path, content, line, col, message):
    _, problems = load_yaml(write(tmp_path, content), tmp_path)
    assert problems, "expected a problem"
    assert (problems[0].line, problems[0].col) == (line, col) or not message
    assert message in problems[0].message
    assert str(problems[0]).startswith("x.yaml:")


def test_non_utf8_bytes_are_located(tmp_path):
    path = write(tmp_path, b"id: a\ntitle: caf\xe9\n")
    _, problems = load_yaml(path, tmp_path)
    assert problems == [Problem("x.yaml", 2, 11, problems[0].message)]
    assert "not UTF-8" in problems[0].message


def test_folder_where_a_file_should_be(tmp_path):
    (tmp_path / "x.yaml").mkdir()
    _, problems = load_yaml(tmp_path / "x.yaml", tmp_path)
    assert [str(p) for p in problems] == ["x.yaml:1:1: expected a YAML file but found a folder"]


def test_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    _, problems = load_yaml(write(tmp_path, "\n".join(lines) + "\n"), tmp_path)
    assert problems and "more than" in problems[0].message


yaml_text = st.text(
    alphabet=st.sampled_from(list("abc:- \n\t'\"[]{}&*!|>#%@`,?0123456789é\\")), max_size=200
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=yaml_text)
def test_random_text_never_raises(tmp_path, text):
    source, problems = load_yaml(write(tmp_path, text), tmp_path)
    for problem in problems:
        assert problem.line >= 1 and problem.col >= 1 and problem.message
    if not problems:
        assert isinstance(source.data, dict)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=120))
def test_random_bytes_never_raise(tmp_path, raw):
    _, problems = load_yaml(write(tmp_path, raw), tmp_path)
    assert all(isinstance(p, Problem) for p in problems)


@pytest.mark.parametrize("content", ["!!int x: 1\n", "a: !!int x\n", "!!float nope: [1]\n"])
def test_tags_that_cannot_be_built_are_problems(tmp_path, content):
    _, problems = load_yaml(write(tmp_path, content), tmp_path)
    assert [p.line for p in problems] == [1]
    assert "invalid value" in problems[0].message
