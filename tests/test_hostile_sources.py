"""A fixed corpus of hostile sources: each case mutates a copy of the shipped project and pins
the exact outcome of ``handbook check`` (or ``build``): the exit code and the located line.

Format, encoding, file system, size and injection. No case may print a traceback, hang, or
read more than the size limits allow; each runs in-process through click's CliRunner under
an alarm, so a regression that blocks (a FIFO read) fails the case instead of the suite.

Most cases edit small files of their own (``zz-*``), so their line numbers are known here
and do not move when the shipped content is edited.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from handbook.cli import main
from tests.conftest import copy_project

Mutation = Callable[[Path], object]

POLICY = "policy_source/policies/zz-hostile.yaml"
BASE_POLICY = """\
id: zz-hostile
number: "99"
title: Hostile test
effective_date: 2024-01-31
approved_by: {name: A. Person, title: Manager}
version: "1"
sections:
  - id: purpose
    title: Purpose
    text: The words of the policy.
  - id: rules
    clauses:
      - id: rules.a
        label: a.
        text: A rule.
"""
QUIZ = "quizzes/zz-quiz.yaml"
BASE_QUIZ = """\
id: zz-quiz
title: Hostile quiz
policy: zz-hostile
audience: [employee]
version: "1"
pass_mark: 80
questions:
  - id: q1
    kind: true-false
    prompt: A rule exists.
    answer: true
    cites: [rules.a]
    explanation: Rule a.
"""
ROLES = "policy_source/roles.yaml"
HANDBOOK = "policy_source/handbook.yaml"
FORM = "policy_source/forms/account-request.yaml"
MKDOCS = "mkdocs.yml"
ASSETS = "site_templates/assets"
PAGES = "site_templates/pages"
OVERRIDES = "site_templates/overrides"


# ---- mutations ---------------------------------------------------------------------------


def put(path: str, content: str | bytes) -> Mutation:
    def apply(root: Path) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)

    return apply


def policy(old: str = "", new: str = "") -> Mutation:
    """The test policy, with ``old`` replaced by ``new`` (it must occur)."""
    assert old in BASE_POLICY, old
    return put(POLICY, BASE_POLICY.replace(old, new, 1) if old else BASE_POLICY)


def quiz(old: str, new: str) -> Mutation:
    assert old in BASE_QUIZ, old
    return both(policy(), put(QUIZ, BASE_QUIZ.replace(old, new, 1)))


def edit(path: str, old: str, new: str) -> Mutation:
    def apply(root: Path) -> None:
        text = (root / path).read_text(encoding="utf-8")
        assert old in text, f"{path}: {old!r} not found"
        (root / path).write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def link(path: str, target: str) -> Mutation:
    def apply(root: Path) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).unlink(missing_ok=True)
        os.symlink(target.replace("{root}", str(root)), root / path)

    return apply


def fifo(path: str) -> Mutation:
    def apply(root: Path) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).unlink(missing_ok=True)
        os.mkfifo(root / path)

    return apply


def unix_socket(path: str) -> Mutation:
    def apply(root: Path) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        server, here = socket.socket(socket.AF_UNIX), os.getcwd()
        os.chdir((root / path).parent)  # a socket's path is limited to 108 bytes; bind a short one
        try:
            server.bind((root / path).name)
        finally:
            os.chdir(here)
            server.close()

    return apply


def sparse(path: str, size: int) -> Mutation:
    """A file of ``size`` bytes made in no time: a hole, never written."""

    def apply(root: Path) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        with open(root / path, "wb") as file:
            file.truncate(size)

    return apply


def remove(path: str) -> Mutation:
    return lambda root: (root / path).unlink()


def folder(path: str) -> Mutation:
    def apply(root: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            (root / path).unlink()
        (root / path).mkdir(parents=True, exist_ok=True)

    return apply


def both(*mutations: Mutation) -> Mutation:
    return lambda root: [mutation(root) for mutation in mutations]


def mkdocs(old: str, new: str) -> Mutation:
    return edit(MKDOCS, old, new)


def nested_policy(levels: int) -> Mutation:
    """The test policy with a chain of ``levels`` clauses, a section being the first."""
    lines = []
    for level in range(levels):
        pad = "    " * level
        lines.append(f"{pad}  - id: deep.{level}\n{pad}    text: Level {level}.\n")
        if level < levels - 1:
            lines.append(f"{pad}    clauses:\n")
    return put(POLICY, BASE_POLICY + "".join(lines))


# ---- cases -------------------------------------------------------------------------------


@dataclass
class Case:
    """One hostile input and what ``handbook <command>`` must answer.

    ``expect`` is (path, line, col, message): ``line`` is a number, or text whose first line
    in the mutated file is the line; the output must hold a line that starts
    ``path:line:col: message``. No expectation means exit 0 with the usual ``ok:`` line.
    """

    name: str
    mutate: Mutation
    expect: tuple[str, int | str, int, str] | None = None
    code: int | None = None  # 1 when a problem is expected, else 0
    command: str = "check"
    lines: int | None = None  # exactly this many problem lines, when it matters
    extra: list[tuple[str, int | str, int, str]] = field(default_factory=list)


NOT_TEXT = "; quote it"
OUTSIDE = "outside the project folder; copy the file into the project instead"

FORMAT = [
    Case("tab-indent", policy("    text: The words", "\ttext: The words"),
         (POLICY, 10, 1, "YAML syntax error: found a tab character that violates indentation")),
    Case("unclosed-flow", policy("approved_by: {name: A. Person, title: Manager}", "approved_by: {name: A"),
         (POLICY, 6, 8, "YAML syntax error: did not find expected ',' or '}' (while parsing a flow")),
    Case("unclosed-quote", policy('version: "1"', 'version: "1'),
         (POLICY, 16, 1, "YAML syntax error: found unexpected end of stream")),
    Case("duplicate-key", policy('version: "1"', 'version: "1"\nversion: "2"'),
         (POLICY, 7, 1, "duplicate key 'version'")),
    Case("top-level-list", put(POLICY, "- a\n- b\n"),
         (POLICY, 1, 1, "expected a YAML mapping at the top, got list")),
    Case("top-level-text", put(POLICY, "just words\n"),
         (POLICY, 1, 1, "expected a YAML mapping at the top, got str")),
    Case("empty-file", put(POLICY, ""), (POLICY, 1, 1, "file is empty; expected a YAML mapping")),
    Case("comments-only", put(POLICY, "# nothing\n"),
         (POLICY, 1, 1, "file is empty; expected a YAML mapping")),
    Case("two-documents", put(POLICY, BASE_POLICY + "---\nid: other\n"),
         (POLICY, 16, 1, "YAML syntax error: but found another document (expected a single document")),
    Case("unknown-field", policy('version: "1"', 'version: "1"\nrevision: 2'),
         (POLICY, 7, 1, "unknown field 'revision'")),
    Case("missing-title", policy("title: Hostile test\n", ""),
         (POLICY, 1, 1, "missing required field 'title'")),
    Case("title-list", policy("title: Hostile test", "title: [a, b]"),
         (POLICY, 3, 8, "title: Input should be a valid string")),
    Case("title-mapping", policy("title: Hostile test", "title: {a: 1}"),
         (POLICY, 3, 8, "title: Input should be a valid string")),
    Case("title-null", policy("title: Hostile test", "title: ~"),
         (POLICY, 3, 8, "title: is empty; write the text")),
    Case("title-blank", policy("title: Hostile test", "title: '   '"),
         (POLICY, 3, 8, "title: String should have at least 1")),
    Case("number-float", policy('number: "99"', "number: 39.20"),
         (POLICY, 2, 9, 'number: 39.20 is read as the number 39.2; quote it ("39.20") to keep it as text')),
    Case("number-int", policy('number: "99"', "number: 99"),
         (POLICY, 2, 9, 'number: 99 is read as the number 99; quote it ("99") to keep it as text')),
    Case("version-octal-looking", policy('version: "1"', "version: 0755"),
         (POLICY, 6, 10, 'version: 0755 is read as the number 755' + NOT_TEXT)),
    Case("version-hex", policy('version: "1"', "version: 0x1F"),
         (POLICY, 6, 10, "version: 0x1F is read as the number 31")),
    Case("title-true", policy("title: Hostile test", "title: true"),
         (POLICY, 3, 8, 'title: true is read as the boolean true; quote it ("true") to keep it as text')),
    Case("yaml12-label-no", policy("label: a.", "label: no")),
    Case("yaml12-role-id-no", edit(ROLES, "roles:\n", "roles:\n  - {id: no, name: No, description: Yes}\n")),
    Case("yaml12-series-on", policy('number: "99"', 'number: "99"\nseries: on')),
    Case("yaml12-sexagesimal-is-text", policy('number: "99"', "number: 1:20")),
    Case("date-impossible", policy("effective_date: 2024-01-31", "effective_date: 2022-13-45"),
         (POLICY, 4, 17, "effective_date: '2022-13-45' is not a valid date (month value is outside "
                         "expected range "
                         "of 1-12); write it as YYYY-MM-DD"), lines=1),
    Case("date-feb-30", policy("effective_date: 2024-01-31", "effective_date: 2023-02-30"),
         (POLICY, 4, 17, "effective_date: '2023-02-30' is not a valid date"), lines=1),
    Case("date-words", policy("effective_date: 2024-01-31", "effective_date: next tuesday"),
         (POLICY, 4, 17, "effective_date: 'next tuesday' is not a valid date"), lines=1),
    Case("date-tagged-bad", policy("effective_date: 2024-01-31", "effective_date: !!timestamp 2022-13-45"),
         (POLICY, 4, 17, "invalid value: month must be in 1..12"), lines=1),
    Case("tag-int-bad", policy('version: "1"', "version: !!int x"),
         (POLICY, 6, 10, "invalid value:"), lines=1),
    Case("tag-python-object", policy('version: "1"', "version: !!python/object:os.system x"),
         (POLICY, 6, 10, "YAML syntax error: could not determine a constructor for the tag")),
    Case("tag-unknown", policy('version: "1"', "version: !secret x"),
         (POLICY, 6, 10, "YAML syntax error: could not determine a constructor for the tag '!secret'")),
    Case("huge-integer", quiz("pass_mark: 80", "pass_mark: " + "9" * 5000),
         (QUIZ, 6, 12, "invalid value: a number of 5000 digits is too long: write a smaller number, "
                       "or quote it if it is text"), lines=1),
    Case("long-integer", quiz("pass_mark: 80", "pass_mark: " + "1" * 101),
         (QUIZ, 6, 12, "invalid value: a number of 101")),
    *[Case(f"pass-mark-{name}", quiz("pass_mark: 80", f"pass_mark: {value}"),
           (QUIZ, 6, 12, f"pass_mark: {why}"))
      for name, value, why in [("zero", "0", "Input should be greater"),
                               ("percent", "80%", "Input should be a valid integer"),
                               ("infinite", ".inf", "Input should be a finite"),
                               ("nan", ".nan", "Input should be a finite")]],
    *[Case(f"id-{name}", policy("id: zz-hostile", f"id: {value}"), (POLICY, 1, 5, f"id: {why}"))
      for name, value, why in [("with-spaces", "Hostile Policy", "'Hostile Policy' is not a valid id: use"),
                               ("accented", "pólicy", "'pólicy' is not a valid id"),
                               ("path", "../../etc", "'../../etc' is not a valid id"),
                               ("too-long", "a" * 121, "String should have at most 120")]],
    Case("clause-empty", policy("    text: A rule.\n", ""),
         (POLICY, 13, 9, "sections[1].clauses[0]: a clause needs text")),
    Case("term-and-title", policy("    title: Purpose", "    title: Purpose\n    term: Purpose"),
         (POLICY, 8, 5, "sections[0]: a clause is either a definition")),
    Case("abbreviation-alone", policy("        label: a.", "        label: a.\n        abbreviation: AB"),
         (POLICY, 13, 9, "sections[1].clauses[0]: abbreviation belongs to a definition")),
    Case("key-is-a-list", policy('version: "1"', 'version: "1"\n? [a, b]\n: x'),
         (POLICY, 7, 3, "keys must be plain text")),
    Case("key-is-null", policy('version: "1"', 'version: "1"\n~: x'),
         (POLICY, 7, 1, "keys must be plain text")),
    Case("alias-bomb", put(POLICY, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))),
         (POLICY, 1, 1, "more than 200000 values (aliases expanding?); split the file")),
    Case("recursive-alias", put(POLICY, "a: &a [*a]\n"),
         (POLICY, 1, 4, "nested more than 64 levels deep; flatten it")),
    Case("nested-flow-100", put(POLICY, "a: " + "[" * 100 + "]" * 100 + "\n"),
         (POLICY, 1, 68, "nested more than 64 levels deep; flatten it")),
    Case("nested-flow-2000", put(POLICY, "a: " + "[" * 2000 + "]" * 2000 + "\n"),
         (POLICY, 1, 1003, "YAML syntax error: exceeded maximum nesting depth")),
    Case("clauses-10-deep", nested_policy(10)),
    Case("clauses-11-deep", nested_policy(11),
         (POLICY, "id: deep.10", 45, "clauses nest more than 10 levels deep (a section is the first level)")),
    Case("clauses-250-deep", nested_policy(250),
         (POLICY, "id: deep.31", 133, "nested more than 64 levels deep")),
    Case("bom", put(POLICY, "\ufeff" + BASE_POLICY)),
    Case("crlf", put(POLICY, BASE_POLICY.replace("\n", "\r\n"))),
    Case("control-escape", policy("text: A rule.", 'text: "A\\x02rule."'),
         (POLICY, 15, 15,
          "sections[1].clauses[0].text: the character U+0002 is not allowed in text; remove it")),
    Case("nul-escape", policy("title: Hostile test", 'title: "Hostile\\0test"'),
         (POLICY, 3, 8, "title: the character U+0000 is not allowed in text")),
    Case("markdown-placeholder", policy("title: Hostile test", 'title: "\\x02wzxhzdk:0\\x03"'),
         (POLICY, 3, 8, "title: the character U+0002 is not allowed in text")),
    Case("raw-control-byte", put(POLICY, BASE_POLICY.replace("Hostile test", "Hostile\x01test")),
         (POLICY, 3, 15, "character U+0001 is not allowed in YAML")),
]

REFERENCES = [
    Case("reserved-role-index", edit(ROLES, "  - id: employee\n", "  - id: index\n"),
         (ROLES, "id: index", 9, "id 'index' is taken by a generated page (roles/index.md); choose another")),
    Case("reserved-policy-index", policy("id: zz-hostile", "id: index"),
         (POLICY, 1, 5, "id 'index' is taken by a generated page (policies/index.md); choose another")),
    Case("reserved-quiz-index", quiz("id: zz-quiz", "id: index"),
         (QUIZ, 1, 5, "id 'index' is taken by a generated page (quizzes/index.md)")),
    Case("reserved-checklist-index", edit("policy_source/checklists/sma.yaml", "id: sma\n", "id: index\n"),
         ("policy_source/checklists/sma.yaml", "id: index", 5, "id 'index' is taken by a generated page")),
    Case("reserved-form-index", edit(FORM, "id: account-request", "id: index"),
         (FORM, "id: index", 5, "id 'index' is taken by a generated page (forms/index.md)")),
    Case("duplicate-clause", policy("id: rules.a", "id: purpose"),
         (POLICY, 13, 13, "duplicate clause id 'purpose' (first at line 8)")),
    Case("duplicate-policy", both(policy(), put("policy_source/policies/zz-copy.yaml", BASE_POLICY)),
         ("policy_source/policies/zz-hostile.yaml", 1, 5, "duplicate policy id 'zz-hostile'")),
    Case("unknown-role", policy("    text: The words", "    roles: [nobody]\n    text: The words"),
         (POLICY, 10, 13, "unknown role 'nobody'")),
    Case("dangling-cite", quiz("cites: [rules.a]", "cites: [rules.z]"),
         (QUIZ, 12, 13, "unknown clause 'rules.z'")),
    Case("unknown-link-kind", edit(HANDBOOK, "link: glossary", "link: javascript:alert(1)"),
         (HANDBOOK, "link: javascript", 15, "unknown link 'javascript:alert(1)'")),
    Case("unknown-anchor", both(policy(), edit(HANDBOOK, "link: glossary",
                                               "link: policy:zz-hostile#nope")),
         (HANDBOOK, "link: policy:zz", 15, "unknown clause 'nope'")),
]

ENCODING = [
    Case("latin-1", put(POLICY, BASE_POLICY.replace("A. Person", "A. Pérson").encode("latin-1")),
         (POLICY, 5, 25, "not UTF-8 text: byte 0xe9 cannot be decoded; save as UTF-8")),
    Case("utf-16", put(POLICY, BASE_POLICY.encode("utf-16")), (POLICY, 1, 1, "not UTF-8 text: byte 0xff")),
    Case("truncated-sequence", put(POLICY, BASE_POLICY.encode() + b"# \xe2\x82"),
         (POLICY, 16, 3, "not UTF-8 text: byte 0xe2")),
    Case("overlong-slash", put(POLICY, BASE_POLICY.encode() + b"# \xc0\xaf\n"),
         (POLICY, 16, 3, "not UTF-8 text: byte 0xc0")),
    Case("encoded-surrogate", put(POLICY, BASE_POLICY.encode() + b"# \xed\xa0\x80\n"),
         (POLICY, 16, 3, "not UTF-8 text: byte 0xed")),
    Case("mkdocs-latin-1", put(MKDOCS, b"site_name: caf\xe9\n"),
         (MKDOCS, 1, 15, "not UTF-8 text: byte 0xe9")),
    Case("page-template-latin-1", put(f"{PAGES}/home.md.j2", b"# caf\xe9\n"),
         (f"{PAGES}/home.md.j2", 1, 6, "not UTF-8 text: byte 0xe9 cannot be decoded; save as UTF-8")),
    Case("override-latin-1", put(f"{OVERRIDES}/main.html", b'{% extends "base.html" %}\n\xff\n'),
         (f"{OVERRIDES}/main.html", 2, 1, "not UTF-8 text: byte 0xff")),
    Case("asset-binary-is-fine", put(f"{ASSETS}/logo.png", b"\x89PNG\r\n\x1a\n\xff\xfe\x00")),
]

FILES = [
    Case("policy-fifo", fifo(POLICY),
         (POLICY, 1, 1, "is not a regular file (a named pipe); only ordinary files are read")),
    Case("roles-fifo", fifo(ROLES), (ROLES, 1, 1, "is not a regular file (a named pipe)")),
    Case("mkdocs-fifo", fifo(MKDOCS), (MKDOCS, 1, 1, "is not a regular file (a named pipe)")),
    Case("policy-socket", unix_socket(POLICY), (POLICY, 1, 1, "is not a regular file (a socket)")),
    Case("policy-dev-zero", link(POLICY, "/dev/zero"), (POLICY, 1, 1, "is a link to /dev/zero, " + OUTSIDE)),
    Case("policy-dev-null", link(POLICY, "/dev/null"), (POLICY, 1, 1, "is a link to /dev/null, " + OUTSIDE)),
    Case("policy-etc-passwd", link(POLICY, "/etc/passwd"),
         (POLICY, 1, 1, "is a link to /etc/passwd, " + OUTSIDE)),
    Case("policy-link-inside", both(put("drafts/zz.yaml", BASE_POLICY),
                                    link(POLICY, "{root}/drafts/zz.yaml"))),
    Case("policy-broken-link", link(POLICY, "{root}/nowhere.yaml"),
         (POLICY, 1, 1, "cannot read file: No such file")),
    Case("policy-is-folder", folder(POLICY), (POLICY, 1, 1, "expected a YAML file but found a folder")),
    Case("policies-missing", lambda root: __import__("shutil").rmtree(root / "policy_source/policies"),
         ("policy_source/policies", 1, 1, "missing folder: add at least one policy file")),
    Case("policies-is-file", both(lambda root: __import__("shutil").rmtree(root / "policy_source/policies"),
                                  put("policy_source/policies", "x")),
         ("policy_source/policies", 1, 1, "expected a folder of YAML files but found a file")),
    Case("roles-missing", remove(ROLES), (ROLES, 1, 1, "missing file: the roles file is required")),
    Case("roles-is-folder", folder(ROLES), (ROLES, 1, 1, "expected a YAML file but found a folder")),
    Case("mkdocs-missing", remove(MKDOCS),
         (MKDOCS, 1, 1, "missing file: mkdocs.yml holds the site settings")),
    Case("mkdocs-outside", link(MKDOCS, "/etc/hostname"),
         (MKDOCS, 1, 1, "is a link to /etc/hostname, " + OUTSIDE)),
    Case("emacs-lock-link-ignored", link("policy_source/policies/.#zz.yaml", "root@host.1234:1700000000")),
    Case("asset-etc-passwd", link(f"{ASSETS}/passwd.txt", "/etc/passwd"),
         (f"{ASSETS}/passwd.txt", 1, 1, "is a link to /etc/passwd, " + OUTSIDE)),
    Case("asset-folder-link", link(f"{ASSETS}/etc", "/etc"),
         (f"{ASSETS}/etc", 1, 1, "is a link to a folder, which is not followed; copy the folder into")),
    Case("asset-fifo", fifo(f"{ASSETS}/pipe.css"),
         (f"{ASSETS}/pipe.css", 1, 1, "is not a regular file (a named pipe)")),
    Case("asset-socket", unix_socket(f"{ASSETS}/sock"),
         (f"{ASSETS}/sock", 1, 1, "is not a regular file (a socket)")),
    Case("asset-broken-link", link(f"{ASSETS}/gone.css", "{root}/gone.css"),
         (f"{ASSETS}/gone.css", 1, 1, "cannot read file: No such file or directory")),
    Case("asset-link-inside", both(put("art/logo.svg", "<svg/>"),
                                   link(f"{ASSETS}/logo.svg", "{root}/art/logo.svg"))),
    Case("page-template-outside", link(f"{PAGES}/home.md.j2", "/etc/passwd"),
         (f"{PAGES}/home.md.j2", 1, 1, "is a link to /etc/passwd, " + OUTSIDE)),
    Case("pages-folder-link", link(PAGES, "/etc"),
         (PAGES, 1, 1, "is a link to a folder, which is not followed; copy the folder into the project")),
    Case("override-outside", link(f"{OVERRIDES}/main.html", "/etc/passwd"),
         (f"{OVERRIDES}/main.html", 1, 1, "is a link to /etc/passwd, " + OUTSIDE)),
    Case("override-dev-zero", link(f"{OVERRIDES}/partials/footer.html", "/dev/zero"),
         (f"{OVERRIDES}/partials/footer.html", 1, 1, "is a link to /dev/zero, " + OUTSIDE)),
]

MiB = 1024 * 1024
SIZE = [
    Case("quiz-50-mib", sparse("quizzes/zz-big.yaml", 50 * MiB),
         ("quizzes/zz-big.yaml", 1, 1, "is 52,428,800 bytes, more than the 1 MiB limit; split it up")),
    Case("policy-1-mib-plus-1", sparse(POLICY, MiB + 1),
         (POLICY, 1, 1, "is 1,048,577 bytes, more than the 1 MiB limit")),
    Case("policy-exactly-1-mib", put(POLICY, BASE_POLICY + "#" * (MiB - len(BASE_POLICY) - 1) + "\n")),
    Case("policy-10-gib-hole", sparse(POLICY, 10 * 1024 * MiB), (POLICY, 1, 1, "is 10,737,418,240 bytes")),
    Case("mkdocs-5-mib", sparse(MKDOCS, 5 * MiB),
         (MKDOCS, 1, 1, "is 5,242,880 bytes, more than the 1 MiB limit")),
    Case("list-of-500k-values", put(POLICY, "a: [" + "1," * 500_000 + "]\n"),
         (POLICY, 1, 1, "more than 200000 values; split the file")),
    Case("asset-30-mib", sparse(f"{ASSETS}/video.mp4", 30 * MiB),
         (f"{ASSETS}/video.mp4", 1, 1, "is 31,457,280 bytes, more than the 20 MiB limit")),
    Case("asset-19-mib", sparse(f"{ASSETS}/manual.pdf", 19 * MiB)),
    Case("page-template-2-mib", sparse(f"{PAGES}/home.md.j2", 2 * MiB),
         (f"{PAGES}/home.md.j2", 1, 1, "is 2,097,152 bytes, more than the 1 MiB limit")),
]

PAYLOAD = ('<img src=x onerror=alert(1)>"><script>alert(2)</script>[x](javascript:alert(3)) '
           "{: onclick=alert(4)}")
INJECTION = [  # all text; the build test proves it stays text on every page
    Case("payload-policy-title", policy("title: Hostile test", f"title: '{PAYLOAD}'")),
    Case("payload-policy-number", policy('number: "99"', f"number: '99{PAYLOAD}'")),
    Case("payload-clause-text", policy("text: A rule.", f"text: '{PAYLOAD}'")),
    Case("payload-clause-label", policy("label: a.", f"label: '{PAYLOAD}'")),
    Case("payload-site-title", edit(HANDBOOK, "site_title: ", f"site_title: '{PAYLOAD}' #")),
    Case("payload-role-name", edit(ROLES, "    name: Employee\n", f"    name: '{PAYLOAD}'\n")),
    Case("payload-quiz-title", quiz("title: Hostile quiz", f"title: '{PAYLOAD}'")),
    Case("snippet-include-is-text", policy("text: A rule.", "text: '--8<-- \"/etc/passwd\"'")),
    Case("abbreviation-backslash", policy("    title: Purpose\n    text: The words of the policy.",
                                          "    term: 'Back\\\\slash'\n    text: The words of the policy.")),
    Case("abbreviation-definition-line", policy("text: A rule.", "text: '*[HTML]: Hyper Text'")),
]

MKDOCS_SETTINGS = [
    Case("features-number", mkdocs("  features:\n", "  features: 7\n  old_features:\n"),
         (MKDOCS, "features: 7", 13, "theme.features must be a list of feature names, not a number")),
    Case("palette-number", mkdocs("  palette:\n", "  palette: 7\n  old_palette:\n"),
         (MKDOCS, "palette: 7", 12, "theme.palette must be a mapping (primary, accent, scheme) or a list")),
    Case("font-number", mkdocs("  font: false", "  font: 7"),
         (MKDOCS, "font: 7", 9, "theme.font must be false or a mapping")),
    Case("language-unknown", mkdocs("  language: en", "  language: xx"),
         (MKDOCS, "language: xx", 13, "theme.language 'xx' is not a language Material knows")),
    Case("language-path", mkdocs("  language: en", "  language: ../../etc"),
         (MKDOCS, "language: ../", 13, "theme.language '../../etc' is not a language Material knows")),
    Case("extra-css-number", mkdocs("theme:", "extra_css: 7\ntheme:"),
         (MKDOCS, "extra_css", 12, "extra_css must be a list of file names, not a number")),
    Case("site-url-list", mkdocs("theme:", "site_url: [a]\ntheme:"),
         (MKDOCS, "site_url", 11, "site_url must be text, not a list")),
    Case("plugins-number", mkdocs("theme:", "plugins: 7\ntheme:"),
         (MKDOCS, "plugins: 7", 10, "plugins must be a list of plugins, not a number")),
    Case("theme-number", mkdocs("theme:\n  name: material\n", "theme: 7\nold_theme:\n  name: material\n"),
         (MKDOCS, "theme: 7", 8, "theme must be a mapping (name: material, ...), not a number")),
    Case("theme-not-material", mkdocs("  name: material", "  name: mkdocs"),
         (MKDOCS, "  name: mkdocs", 3, "theme.name must be material")),
    Case("extensions-the-pages-need-left-out",
         mkdocs("theme:", "markdown_extensions:\n  - attr_list\ntheme:")),
    Case("hooks-number", mkdocs("theme:", "hooks: 7\ntheme:"),
         (MKDOCS, "hooks", 8, "hooks must be a list of file names")),
    Case("env-tag-not-judged", mkdocs("theme:", "site_url: !ENV [SITE_URL, 'http://x']\ntheme:")),
]

HOME = f"{PAGES}/home.md.j2"
HOME_OPEN = '{% extends "_base.md.j2" %}\n{% block content %}\n# Home\n\n'
MAIN = f"{OVERRIDES}/main.html"
MAIN_OPEN = '{% extends "base.html" %}\n{% block content %}\n'
BUILD = [  # what only a build meets; each stops at its first problem, most before MkDocs runs
    *[Case(name, put(path, opening + body + "{% endblock %}\n"), (path, line, 1, f"template error: {why}"),
           command="build", lines=1)
      for name, path, opening, body, line, why in [
          ("template-divides-by-zero", HOME, HOME_OPEN, "{{ 1 / 0 }}\n", 5, "division by zero"),
          ("template-undefined", HOME, HOME_OPEN, "\n{{ nosuch.thing }}\n", 6, "'nosuch' is undefined"),
          ("template-syntax", HOME, HOME_OPEN, "{{ nosuch.thing }\n", 5, "unexpected '}'"),
          ("template-missing-include", HOME, HOME_OPEN, '{% include "nope.md.j2" %}\n', 5, "nope.md.j2"),
          ("template-recursion", HOME, HOME_OPEN, "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}\n", 5,
           "maximum recursion depth exceeded"),
          ("override-divides-by-zero", MAIN, MAIN_OPEN, "\n{{ 1 / 0 }}\n", 4, "division by zero"),
          ("override-syntax", MAIN, MAIN_OPEN, "{{ 1 / }}\n", 3, "unexpected 'end of print statement'"),
          ("override-undefined", MAIN, MAIN_OPEN, "{{ nosuch.thing }}\n", 3, "'nosuch' is undefined"),
      ]],
    Case("template-not-utf8", put(HOME, b"# caf\xe9\n"), (HOME, 1, 6, "not UTF-8 text"), command="build"),
    Case("template-fifo", fifo(HOME), (HOME, 1, 1, "is not a regular file (a named pipe)"), command="build"),
    Case("mkdocs-bad-plugin", mkdocs("theme:", "plugins:\n  - search\n  - 7\ntheme:"),
         (MKDOCS, "  - search\n", 3, "mkdocs: Config value 'plugins': '7' is not a valid plugin name"),
         command="build", lines=1),
    Case("asset-link-refused-by-build", link(f"{ASSETS}/passwd.txt", "/etc/passwd"),
         (f"{ASSETS}/passwd.txt", 1, 1, "is a link to /etc/passwd, " + OUTSIDE), command="build"),
    Case("clauses-11-deep-refused-by-build", nested_policy(11),
         (POLICY, "id: deep.10", 45, "clauses nest more than 10 levels deep"), command="build"),
]

CASES = FORMAT + REFERENCES + ENCODING + FILES + SIZE + INJECTION + MKDOCS_SETTINGS + BUILD


# ---- running -----------------------------------------------------------------------------


class Hung(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail rather than hang: a regression that blocks on a FIFO is interrupted by SIGALRM."""

    def expire(signum: int, frame: object) -> None:
        raise Hung(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("pristine") / "project")


def fresh_copy(pristine: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(pristine, target, symlinks=True)
    return target


def run(command: str, root: Path) -> tuple[int, list[str], str]:
    """(exit code, output lines, all output) of ``handbook <command> root``, in this process."""
    with deadline(60):
        result = CliRunner().invoke(main, [command, str(root)])
    output = result.output + (result.stderr if result.stderr not in result.output else "")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{command} raised {result.exception!r}:\n{output}") from result.exception
    return result.exit_code, output.splitlines(), output


def line_in(root: Path, path: str, at: int | str) -> int:
    if isinstance(at, int):
        return at
    text = (root / path).read_text(encoding="utf-8")
    assert at in text, f"{at!r} not in {path}"
    start = text.index(at) + len(at) - len(at.lstrip("\n"))  # "\n  - x": the line of "  - x"
    return text[:start].count("\n") + 1


LOCATED = re.compile(r"^[^:\s][^:]*:\d+:\d+: \S")


def assert_outcome(case: Case, root: Path, code: int, lines: list[str], output: str) -> None:
    assert "Traceback" not in output, output
    assert code == (case.code if case.code is not None else 1 if case.expect else 0), output
    if case.expect is None:
        assert code == 0 and (case.command != "check" or lines[0].startswith("ok:")), output
        return
    problems = [line for line in lines if not line.endswith("problem(s) found")]
    for line in problems:
        assert LOCATED.match(line), f"not a located line: {line!r}"
    for path, at, col, message in [case.expect, *case.extra]:
        prefix = f"{path}:{line_in(root, path, at)}:{col}: {message}"
        assert any(line.startswith(prefix) for line in problems), f"{prefix!r} not in:\n{output}"
    if case.lines is not None:
        assert len(problems) == case.lines, output


def test_the_corpus_is_large_and_named_uniquely():
    assert len(CASES) >= 100
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_source(case: Case, pristine: Path, tmp_path: Path):
    root = fresh_copy(pristine, tmp_path / "project")
    case.mutate(root)
    code, lines, output = run(case.command, root)
    assert_outcome(case, root, code, lines, output)
