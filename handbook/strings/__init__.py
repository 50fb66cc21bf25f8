"""Every word the site's pages and scripts show, one table per language.

The tables are data (``<language>.yaml`` beside this module, or in a project's
``site_templates/strings/``, which wins): a second language is a new file, never a code change.
A build picks the table of ``theme.language`` in ``mkdocs.yml`` (the same setting that
translates Material's own words); a language without a table builds in English and says so in
one warning line. A table may leave strings out: those show in English, and a warning counts them.

Templates reach the table through the render context (``t``, see :meth:`Strings.markup`);
the browser's scripts through page data (:meth:`Strings.browser`, read by ``handbookText`` in
``handbook.js``). Keys are dotted paths (``quiz.check``); placeholders are ``{name}``; a string
that depends on a number is a mapping of plural forms (``one``, ``other``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from handbook.load import Problem, load_yaml
from handbook.resources import package_path
from handbook.textfmt import md_text

DEFAULT_LANGUAGE = "en"
BROWSER = "browser"
"""The section of the table that pages hand their scripts; the rest is for templates."""

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")

Entry = str | list[str] | dict[str, str]


class StringsError(Exception):
    """A string table is broken; ``problem`` says where."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Entry]:
    """``{"quiz": {"check": "..."}}`` -> ``{"quiz.check": "..."}``; plural forms stay a mapping."""
    flat: dict[str, Entry] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and "other" not in value:
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


PROJECT_TABLES = ("site_templates", "strings")
"""Where a project keeps its own tables (a language the package lacks, or its own wording)."""


_READ: dict[tuple[Path, Path], tuple[tuple[int, ...], dict[str, Entry]]] = {}
"""Each table read, by file and root, with the stamp (size, times, inode) it was read at, as
handbook.project.SourceCache keeps sources: a build asks for English three times (the import,
the check, the gaps of the site's language)."""


def _read(path: Path, root: Path) -> dict[str, Entry]:
    try:
        info = path.stat()
        stamp: tuple[int, ...] | None = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    except OSError:
        stamp = None  # load_yaml says what is wrong with it
    known = _READ.get((path, root))
    if known is not None and known[0] == stamp:
        return dict(known[1])
    source, problems = load_yaml(path, root)
    if problems:
        raise StringsError(problems[0])
    if not isinstance(source.data, dict):
        message = "a string table is a mapping of sections to strings"
        raise StringsError(Problem(source.display, 1, 1, message))
    table = _flatten(source.data)
    if stamp is not None:
        _READ[(path, root)] = (stamp, table)
    return dict(table)


def read_table(language: str, root: Path | None = None) -> dict[str, Entry] | None:
    """The table of ``language``, flattened: the project's when it has one, else the package's;
    None when neither has it. A broken table is one StringsError line, at its place."""
    if not _LANGUAGE.match(language):
        return None
    if root is not None:
        own = root.joinpath(*PROJECT_TABLES, f"{language}.yaml")
        if own.exists() or own.is_symlink():
            return _read(own, root)
    shipped = package_path("strings") / f"{language}.yaml"
    return _read(shipped, shipped.parent) if shipped.is_file() else None


def _plural(entry: Mapping[str, str], count: int) -> str:
    """English-like plural choice; a table with more forms names them, browsers pick by CLDR."""
    return entry["one"] if count == 1 and "one" in entry else entry["other"]


@dataclass(frozen=True)
class Strings:
    """One language's table, English filling any gap."""

    language: str
    entries: Mapping[str, Entry]

    def entry(self, key: str) -> Entry:
        try:
            return self.entries[key]
        except KeyError:
            raise KeyError(f"no string '{key}' in the string table (handbook/strings/en.yaml)") from None

    def _pattern(self, key: str, count: int | None) -> str:
        entry = self.entry(key)
        if isinstance(entry, dict):
            if count is None:
                raise KeyError(f"string '{key}' has plural forms: pass count=")
            return _plural(entry, count)
        if not isinstance(entry, str):
            raise KeyError(f"string '{key}' is a list, not a sentence")
        return entry

    def text(self, key: str, count: int | None = None, **values: object) -> str:
        """Plain text: the string with its placeholders filled in (for Python callers)."""
        pattern = self._pattern(key, count)
        values = {"count": count, **values}
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group())), pattern)

    def markup(self, key: str, count: int | None = None, **values: object) -> str:
        """For templates: the table's own words escaped for Markdown and HTML attributes alike,
        each placeholder replaced by its value *as given*, which the template has already made
        safe (escaped text, or markup it built from escaped text)."""
        parts = _markup_parts(self._pattern(key, count))
        if len(parts) == 1:
            return parts[0]
        values = {"count": count, **values}
        return "".join(str(values[part]) if i % 2 and part in values else part
                       for i, part in enumerate(parts))

    def words(self, key: str) -> list[str]:
        entry = self.entry(key)
        if not isinstance(entry, list):
            raise KeyError(f"string '{key}' is not a list")
        return entry

    def long_date(self, day: date) -> str:
        """A date in words, as the table writes dates (``December 9, 2022``)."""
        month = self.words("dates.months")[day.month - 1]
        return self.text("dates.long", month=month, day=day.day, year=day.year)

    def browser(self) -> dict[str, Any]:
        """What the scripts need: the language (for dates and plural rules) and the
        ``browser`` section, keys without the section name."""
        prefix = f"{BROWSER}."
        text = {key.removeprefix(prefix): value for key, value in self.entries.items()
                if key.startswith(prefix)}
        return {"language": self.language, "text": text}


@functools.lru_cache(maxsize=4096)
def _markup_parts(pattern: str) -> tuple[str, ...]:
    """A string's words escaped, between its placeholders' names (at odd places): escaped once
    per string, not once per use (a 100-policy build's pages use 80,000 strings)."""
    parts = _PLACEHOLDER.split(pattern)
    return tuple(part if i % 2 else _escaped(part, leading=i == 0) if part else ""
                 for i, part in enumerate(parts))


def _escaped(text: str, leading: bool) -> str:
    """The table's words, shown as written in Markdown, in HTML and in an attribute."""
    core = text.strip()
    escaped = (md_text(core) if leading else md_text("x" + core)[1:]) if core else ""
    before = " " if text[:1].isspace() else ""
    after = " " if text[-1:].isspace() and core else ""
    return before + escaped.replace('"', "&quot;").replace("'", "&#39;") + after


def load_strings(language: str | None, root: Path | None = None) -> tuple[Strings, list[str]]:
    """The table for ``language`` (the project's own first) over English, and a warning line
    for each gap. ``where`` in the warnings is mkdocs.yml's theme.language."""
    english = read_table(DEFAULT_LANGUAGE)
    assert english is not None, "the English table ships with the package"
    language = language or DEFAULT_LANGUAGE
    table = read_table(language, root)
    if table is None:
        warning = (f"warning: theme.language '{language}': no string table for it (add "
                   f"{'/'.join(PROJECT_TABLES)}/{language}.yaml); the handbook's own words stay in English")
        return Strings(DEFAULT_LANGUAGE, english), [warning]
    missing = [key for key in english if key not in table]
    warnings = []
    if missing:
        warnings.append(f"warning: theme.language '{language}': {len(missing)} strings are not translated "
                        f"(e.g. {missing[0]}); they show in English")
    return Strings(language, {**english, **{k: v for k, v in table.items() if k in english}}), warnings


ENGLISH, _ = load_strings(DEFAULT_LANGUAGE)
"""The English table, for callers that have no project settings (tests, tools)."""


def configured_language(user_config: Mapping[str, Any]) -> str:
    """``theme.language`` of a project's mkdocs.yml (Material's own default: English)."""
    theme = user_config.get("theme")
    language = theme.get("language") if isinstance(theme, dict) else None
    return language if isinstance(language, str) and language else DEFAULT_LANGUAGE
