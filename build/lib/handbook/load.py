"""Read YAML source files, keeping the line and column of every node.

Every later stage reports problems as ``path:line:col: message``; this module is where
those positions come from. It never raises for bad input: each problem becomes a
:class:`Problem`, so one run can report them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

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
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)

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
        if key and best in self.key_positions and best == tuple(loc):
            return self.key_positions[best]
        return self.positions.get(best, (1, 1))

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> Problem:
        line, col = self.locate(loc, key=key)
        return Problem(self.display, line, col, message)


# libyaml's parser when PyYAML was built with it (the wheels are): same nodes and marks, ~10x faster.
FastSafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[assignment]

MAX_NODES = 200_000  # far beyond any policy; stops alias bombs ("billion laughs")


class _TooLarge(Exception):
    pass


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

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _TooLarge
        self.source.positions[loc] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            self.loader.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self.construct(key_node)
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
                self.source.key_positions[(*loc, key)] = _mark(key_node)
                result[key] = self.build(value_node, (*loc, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        value = self.construct(node)
        return None if value is _INVALID else value

    def construct(self, node: yaml.Node) -> Any:
        """A scalar's value, or _INVALID (and a problem) for one PyYAML resolves but cannot
        build, such as the date 2022-13-45 or ``!!int x``."""
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError) as error:
            line, col = _mark(node)
            self.problems.append(Problem(self.source.display, line, col, f"invalid value: {error}"))
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


def _decode(raw: bytes, display: str) -> tuple[str | None, Problem | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        col = error.start - (before.rfind(b"\n") + 1) + 1
        message = f"not UTF-8 text: byte 0x{raw[error.start]:02x} cannot be decoded; save as UTF-8"
        return None, Problem(display, line, col, message)


def load_yaml(
    path: Path, root: Path, loader: type[yaml.SafeLoader] = FastSafeLoader
) -> tuple[SourceFile, list[Problem]]:
    """Parse one YAML file into data with positions; problems instead of exceptions."""
    try:
        display = str(path.relative_to(root))
    except ValueError:
        display = str(path)
    source = SourceFile(path=path, display=display)
    if path.is_dir():
        return source, [Problem(display, 1, 1, "expected a YAML file but found a folder")]
    try:
        raw = path.read_bytes()
    except OSError as error:
        return source, [Problem(display, 1, 1, f"cannot read file: {error.strerror}")]
    text, problem = _decode(raw, display)
    if problem:
        return source, [problem]
    assert text is not None
    if text.startswith("\ufeff"):
        text = text[1:]
    yaml_loader = None
    try:
        yaml_loader = loader(text)
        node = yaml_loader.get_single_node()
        if node is None:
            return source, [Problem(display, 1, 1, "file is empty; expected a YAML mapping")]
        builder = _Builder(source, yaml_loader)
        source.data = builder.build(node, ())
    except yaml.YAMLError as error:
        return source, [_yaml_problem(display, text, error)]
    except _TooLarge:
        message = f"more than {MAX_NODES} values (aliases expanding?); split the file"
        return source, [Problem(display, 1, 1, message)]
    except RecursionError:
        return source, [Problem(display, 1, 1, "nested too deeply (a recursive alias?)")]
    finally:
        if yaml_loader is not None:
            yaml_loader.dispose()
    if not isinstance(source.data, dict):
        line, col = source.positions.get((), (1, 1))
        kind = type(source.data).__name__ if source.data is not None else "nothing"
        return source, [Problem(display, line, col, f"expected a YAML mapping at the top, got {kind}")]
    return source, builder.problems
