"""The loader: positions for every node, and a clean Problem for every kind of bad file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handbook.load import Problem, load_yaml
from handbook.projectfiles import MAX_SOURCE_BYTES, FileRefused, read_bytes, tree_files


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


def test_positions_far_down_and_far_along_a_line_stay_exact(tmp_path):
    """Positions are kept packed (a large handbook has 400,000); a 1 MiB file's last line and
    column still come back exactly, for the value and for its key."""
    far = 'far: {a: "' + "x" * 300_000 + '", b: [c, d]}'
    path = write(tmp_path, "pad:\n" + "- 1\n" * 70_000 + far + "\n")
    source, problems = load_yaml(path, tmp_path)
    assert problems == [] and source.data["far"]["b"] == ["c", "d"]
    assert source.locate(("far", "b", 1)) == (70_002, far.index(" d]") + 2)
    assert source.locate(("far", "b"), key=True) == (70_002, far.index(" b:") + 2)
    assert source.locate(("far", "b")) == (70_002, far.index("[c") + 1)
    assert source.locate(("pad", 69_999)) == (70_001, 3) and source.locate(("pad",), key=True) == (1, 1)


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


def test_yaml_12_words_and_dates_stay_text_and_plain_numbers_are_remembered(tmp_path):
    path = write(tmp_path, "a: no\nb: yes\nc: on\nd: 2022-12-09\ne: 1:20\nf: 39.20\ng: '39.20'\nh: true\n")
    source, problems = load_yaml(path, tmp_path)
    assert problems == []
    assert source.data == {"a": "no", "b": "yes", "c": "on", "d": "2022-12-09", "e": "1:20", "f": 39.2,
                           "g": "39.20", "h": True}
    assert source.plain == {("f",): "39.20", ("h",): "true"}


@pytest.mark.parametrize(("content", "value"), [("n: 0755\n", 755), ("n: 0o17\n", 15), ("n: 0x1F\n", 31),
                                                 ("n: -12\n", -12), ("n: 1e3\n", 1000.0)])
def test_numbers_are_read_as_yaml_12_reads_them(tmp_path, content, value):
    source, problems = load_yaml(write(tmp_path, content), tmp_path)
    assert problems == [] and source.data["n"] == value


def test_nesting_deeper_than_the_limit_is_located(tmp_path):
    content = "".join("  " * level + f"k{level}:\n" for level in range(70)) + "  " * 70 + "x\n"
    _, problems = load_yaml(write(tmp_path, content), tmp_path)
    assert [str(p) for p in problems] == ["x.yaml:66:131: nested more than 64 levels deep; flatten it"]


def test_files_that_are_not_regular_or_too_large_are_refused_before_reading(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    with open(tmp_path / "hole.yaml", "wb") as hole:
        hole.truncate(MAX_SOURCE_BYTES + 1)
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    outside = [load_yaml(tmp_path / name, tmp_path)[1] for name in ("pipe.yaml", "hole.yaml", "zero.yaml")]
    assert [str(p[0]) for p in outside] == [
        "pipe.yaml:1:1: is not a regular file (a named pipe); only ordinary files are read",
        f"hole.yaml:1:1: is {MAX_SOURCE_BYTES + 1:,} bytes, more than the 1 MiB limit; split it up",
        "zero.yaml:1:1: is a link to /dev/zero, outside the project folder; copy the file into the project "
        "instead",
    ]


def test_a_tree_lists_only_regular_files_inside_the_project(tmp_path):
    folder = tmp_path / "assets"
    (folder / "css").mkdir(parents=True)
    (folder / "css" / "a.css").write_text("a{}", encoding="utf-8")
    (tmp_path / "shared.css").write_text("b{}", encoding="utf-8")
    (folder / "inside.css").symlink_to(tmp_path / "shared.css")
    (folder / "passwd").symlink_to("/etc/passwd")
    (folder / "etc").symlink_to("/etc")
    os.mkfifo(folder / "pipe")
    files, refused = tree_files(folder, tmp_path, 1024)
    assert sorted(files) == [folder / "css" / "a.css", folder / "inside.css"]
    assert {path.name: why.split(" (")[0].split(",")[0] for path, why in refused} == {
        "etc": "is a link to a folder",
        "passwd": "is a link to /etc/passwd",
        "pipe": "is not a regular file",
    }
    with pytest.raises(FileRefused, match="outside the project folder"):
        read_bytes(folder / "passwd", tmp_path, 1024)


@pytest.mark.parametrize(("inner", "last"), [("x", ()), ("[x]", (0,)), ("{k: x}", ("k",))])
def test_text_at_the_deepest_level_allowed_is_read_and_one_level_below_it_is_refused(tmp_path, inner, last):
    """Text values (read without the general path) keep the same depth limit as every value:
    64 levels deep is allowed, wherever the text sits; a 65th level is refused at its place."""
    def nested(depth: int) -> str:
        keys = depth - len(last)  # a list or mapping around the text is a level of its own
        lines = ["  " * level + f"k{level}:" for level in range(keys)]
        return "\n".join([*lines[:-1], f"{lines[-1]} {inner}"]) + "\n"

    text = nested(64)
    source, problems = load_yaml(write(tmp_path, text), tmp_path)
    loc = (*(f"k{level}" for level in range(64 - len(last))), *last)
    lines = text.splitlines()
    assert problems == [] and len(loc) == 64
    assert source.locate(loc) == (len(lines), lines[-1].rindex("x") + 1)
    _, problems = load_yaml(write(tmp_path, nested(65)), tmp_path)
    too_deep = "nested more than 64 levels deep; flatten it"
    assert [(p.line, p.message) for p in problems] == [(65 - len(last), too_deep)]
