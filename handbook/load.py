"""Read YAML source files, keeping the line and column of every node.

Every later stage reports problems as ``path:line:col: message``; this module is where
those positions come from. It never raises for bad input: each problem becomes a
:class:`Problem`, so one run can report them all.

Sources are read as YAML 1.2 reads them (the schema editors' YAML language server uses):
``no``, ``yes``, ``on`` and ``off`` are words, not booleans; ``2022-12-09`` is text that a
date field parses; ``1:20`` is not a number. Where a plain number stands for text, the
message says to quote it, because ``39.20`` is still the number 39.2 in YAML 1.2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

from handbook.projectfiles import MAX_SOURCE_BYTES, FileRefused, read_bytes

Loc = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, printable as an editor-clickable line."""

    path: str
    line: int
    col: int
    message: str
    dangling: str | None = field(default=None, compare=False)
    """For a reference to something not found, the source kind it names ("*": any kind).
    It may only mean a file of that kind failed to load."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


@dataclass
class SourceFile:
    """A parsed YAML file and where each of its values and keys stands."""

    path: Path
    display: str
    data: Any = None
    positions: dict[Loc, int] = field(default_factory=dict)
    """Where each value stands and, for a mapping's value, where its key does, packed in one
    int (:func:`_pack`): a large handbook has 400,000 of them, kept as long as the project."""
    plain: dict[Loc, str] = field(default_factory=dict)
    """Unquoted scalars YAML read as something other than text (a number, a boolean), as written."""
    tagged: set[Loc] = field(default_factory=set)
    """Values with an application tag (``!ENV``): what they become is up to their reader."""
    reported: set[Loc] = field(default_factory=set)
    """Values the loader could not build and already reported; the schema need not repeat them."""

    def locate(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the deepest known node on ``loc``.

        Pydantic adds entries that are not keys in the file (union tags, ``[key]`` parts);
        those are skipped, so the position is always a real place in the file.
        """
        best: Loc = ()
        for part in loc:
            candidate = (*best, part)
            if candidate in self.positions:
                best = candidate
        packed = self.positions.get(best)
        if packed is None:
            return 1, 1
        if key and packed >> _KEY and best == tuple(loc):
            packed >>= _KEY
        return (packed >> _LINE) & _MASK, packed & _MASK

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> Problem:
        line, col = self.locate(loc, key=key)
        return Problem(self.display, line, col, message)


_LINE = 21  # bits of a column: a file of at most 1 MiB has fewer than 2**21 lines and columns
_MASK = (1 << _LINE) - 1
_KEY = 2 * _LINE


def _pack(line: int, col: int) -> int:
    """A line and column in one int, as :attr:`SourceFile.positions` keeps them."""
    return line << _LINE | col


# libyaml's parser when PyYAML was built with it (the wheels are): same nodes and marks, ~10x faster.
FastSafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_NODES = 200_000  # far beyond any policy; stops alias bombs ("billion laughs")
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists in a source file (a 10-level clause tree needs about 22)."""
MAX_DIGITS = 100
"""Longest integer read as a number; no setting needs more, and longer ones are slow to convert."""

_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
                    r"|\.(?:nan|NaN|NAN))$")
_CORE_SCHEMA = [
    ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    ("tag:yaml.org,2002:int", _INT, "-+0123456789"),
    ("tag:yaml.org,2002:float", _FLOAT, "-+0123456789."),
    ("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), "<"),
]


class SourceLoader(FastSafeLoader):  # type: ignore[misc,valid-type]
    """YAML 1.2's core schema: booleans are only true/false, no timestamps, no sexagesimal."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {}

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node)).replace("_", "")
        digits = len(text.lstrip("+-"))
        if digits > MAX_DIGITS:
            raise ValueError(f"a number of {digits} digits is too long: write a smaller number, "
                             "or quote it if it is text")
        if text.lower().startswith(("0o", "0x", "0b")):
            return int(text, 0)
        return int(text, 10)


    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        """The tag of a node without one: PyYAML's resolver without its path resolvers (none
        here) and list copies; libyaml asks this for every node, 500,000 in a large handbook."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if regexp.match(value):
                        return str(tag)
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


_SCALAR = yaml.ScalarNode
_STR: str = SourceLoader.DEFAULT_SCALAR_TAG
_SEQ: str = SourceLoader.DEFAULT_SEQUENCE_TAG
_MAP: str = SourceLoader.DEFAULT_MAPPING_TAG
for _tag, _pattern, _first in _CORE_SCHEMA:
    SourceLoader.add_implicit_resolver(_tag, _pattern, list(_first))
SourceLoader.add_constructor("tag:yaml.org,2002:int", SourceLoader.construct_yaml_int)


class _TooLarge(Exception):
    def __init__(self, why: str = "") -> None:
        self.why = why


class _TooDeep(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


_INVALID = object()


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns a composed YAML node tree into plain Python data plus positions."""

    def __init__(self, source: SourceFile, loader: yaml.SafeLoader) -> None:
        self.source = source
        self.loader = loader
        self.problems: list[Problem] = []
        self.budget = MAX_NODES

    def build(self, node: yaml.Node, loc: Loc, key_at: int = 0) -> Any:
        """The value of ``node`` at ``loc``; ``key_at``, the packed position of its key if any."""
        self.budget -= 1
        if self.budget < 0:
            raise _TooLarge(" (aliases expanding?)")
        if len(loc) > MAX_DEPTH:
            raise _TooDeep(node)
        mark = node.start_mark
        self.source.positions[loc] = key_at << _KEY | _pack(mark.line + 1, mark.column + 1)
        tag = node.tag
        if tag == _STR and type(node) is yaml.ScalarNode:  # most values: their text as written
            return node.value
        if not tag.startswith("tag:yaml.org,2002:"):
            self.source.tagged.add(loc)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            self.loader.flatten_mapping(node)
            for key_node, value_node in node.value:
                if key_node.tag == _STR and type(key_node) is yaml.ScalarNode:
                    key = key_node.value
                else:
                    key = self.construct(key_node, loc) if isinstance(key_node, yaml.ScalarNode) else None
                    if key is _INVALID:
                        continue
                    if not isinstance(key, str | int | float | bool) or key is None:
                        line, col = _mark(key_node)
                        self.problems.append(
                            Problem(self.source.display, line, col, "keys must be plain text")
                        )
                        continue
                    key = str(key) if not isinstance(key, str) else key
                if key in result:
                    line, col = _mark(key_node)
                    self.problems.append(
                        Problem(self.source.display, line, col, f"duplicate key '{key}'")
                    )
                    continue
                at = key_node.start_mark
                key_at = (at.line + 1) << _LINE | (at.column + 1)
                if len(loc) < MAX_DEPTH and type(value_node) is _SCALAR and value_node.tag == _STR:
                    result[key] = self.text(value_node, (*loc, key), key_at)  # most values: no recursion
                else:
                    result[key] = self.build(value_node, (*loc, key), key_at)
            return result
        if isinstance(node, yaml.SequenceNode):
            shallow = len(loc) < MAX_DEPTH
            return [self.text(item, (*loc, i)) if shallow and type(item) is _SCALAR and item.tag == _STR
                    else self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        value = self.construct(node, loc)
        if value is _INVALID:
            return None
        if isinstance(node, yaml.ScalarNode) and not node.style and not isinstance(value, str | None):
            self.source.plain[loc] = node.value
        return value

    def text(self, node: yaml.ScalarNode, loc: Loc, key_at: int = 0) -> str:
        """:meth:`build` of a text scalar (the tag resolved to str), with fewer steps."""
        self.budget -= 1
        if self.budget < 0:
            raise _TooLarge(" (aliases expanding?)")
        mark = node.start_mark
        self.source.positions[loc] = key_at << _KEY | (mark.line + 1) << _LINE | (mark.column + 1)
        value: str = node.value
        return value

    def construct(self, node: yaml.Node, loc: Loc) -> Any:
        """A scalar's value, or _INVALID (and a problem) for one that is resolved but cannot
        be built, such as ``!!timestamp 2022-13-45`` or ``!!int x``."""
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError) as error:
            line, col = _mark(node)
            self.problems.append(Problem(self.source.display, line, col, f"invalid value: {error}"))
            self.source.reported.add(loc)
            return _INVALID


def _position(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _yaml_problem(display: str, text: str, error: yaml.YAMLError) -> Problem:
    if isinstance(error, yaml.reader.ReaderError) and isinstance(error.character, int):
        line, col = _position(text, error.position)
        return Problem(display, line, col, f"character U+{error.character:04X} is not allowed in YAML")
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    message = f"YAML syntax error: {what}" + (f" ({context})" if context else "")
    return Problem(display, line, col, message)


def decode_utf8(raw: bytes, display: str) -> tuple[str | None, Problem | None]:
    """The text of UTF-8 bytes, or a problem at the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        col = error.start - (before.rfind(b"\n") + 1) + 1
        message = f"not UTF-8 text: byte 0x{raw[error.start]:02x} cannot be decoded; save as UTF-8"
        return None, Problem(display, line, col, message)


_VALUE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)


def _count_values(text: str, loader: type[yaml.SafeLoader]) -> None:
    """Refuse a file of more than MAX_NODES values before composing any: parser events cost a
    tenth of nodes, so a 1 MiB list of 500,000 numbers is refused in a fraction of a second.

    A value takes at least a character or two of YAML, so a text of fewer than MAX_NODES / 4
    characters cannot hold too many and is not parsed twice (a tenth of loading a handbook)."""
    if len(text) < MAX_NODES // 4:
        return
    events = loader(text)
    try:
        count = 0
        while events.check_event():
            count += isinstance(events.get_event(), _VALUE_EVENTS)  # type: ignore[no-untyped-call]
            if count > MAX_NODES:
                raise _TooLarge
    finally:
        events.dispose()


def display_path(path: Path, root: Path) -> str:
    """How problems name a file: relative to the project folder when it is inside it."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def load_yaml(
    path: Path, root: Path, loader: type[yaml.SafeLoader] = SourceLoader
) -> tuple[SourceFile, list[Problem]]:
    """Parse one YAML file into data with positions; problems instead of exceptions.

    The file must be a regular file inside ``root`` of at most MAX_SOURCE_BYTES, checked
    before it is read (a FIFO, a device or a 50 MB list is refused at once).
    """
    display = display_path(path, root)
    source = SourceFile(path=path, display=display)
    if path.is_dir():
        return source, [Problem(display, 1, 1, "expected a YAML file but found a folder")]
    try:
        raw = read_bytes(path, root, MAX_SOURCE_BYTES)
    except FileRefused as refused:
        return source, [Problem(display, 1, 1, str(refused))]
    text, problem = decode_utf8(raw, display)
    if problem:
        return source, [problem]
    assert text is not None
    if text.startswith("\ufeff"):
        text = text[1:]
    yaml_loader = None
    try:
        _count_values(text, loader)
        yaml_loader = loader(text)
        node = yaml_loader.get_single_node()
        if node is None:
            return source, [Problem(display, 1, 1, "file is empty; expected a YAML mapping")]
        builder = _Builder(source, yaml_loader)
        source.data = builder.build(node, ())
    except yaml.YAMLError as error:
        return source, [_yaml_problem(display, text, error)]
    except _TooLarge as large:
        message = f"more than {MAX_NODES} values{large.why}; split the file"
        return source, [Problem(display, 1, 1, message)]
    except _TooDeep as deep:
        line, col = _mark(deep.node)
        return source, [Problem(display, line, col, f"nested more than {MAX_DEPTH} levels deep; flatten it")]
    except RecursionError:
        return source, [Problem(display, 1, 1, "nested too deeply (a recursive alias?)")]
    finally:
        if yaml_loader is not None:
            yaml_loader.dispose()
    if not isinstance(source.data, dict):
        line, col = source.locate(())
        kind = type(source.data).__name__ if source.data is not None else "nothing"
        return source, [Problem(display, line, col, f"expected a YAML mapping at the top, got {kind}")]
    return source, builder.problems
