"""Load a handbook project: every source file, validated, then cross-referenced.

A project is a folder with ``policy_source/``, ``quizzes/``, ``mkdocs.yml`` and optional
``site_templates/`` overrides. Which files hold what is declared once, in ``SOURCE_KINDS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any, get_origin

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from handbook.load import Loc, Problem, SourceFile, load_yaml
from handbook.models.base import ID_HINT, ID_PATTERN, Document
from handbook.models.checklists import Checklist
from handbook.models.forms import Form
from handbook.models.handbook import HandbookFile
from handbook.models.history import PublishedVersion
from handbook.models.policy import Policy
from handbook.models.quiz import Quiz
from handbook.models.requirements import RequirementsFile
from handbook.models.roles import Role, RolesFile


@dataclass(frozen=True)
class SourceKind:
    """Where one kind of source file lives and which model reads it."""

    name: str
    model: type[Document]
    path: str
    field: str
    many: bool = False
    required: bool = True


SOURCE_KINDS: tuple[SourceKind, ...] = (
    SourceKind("handbook", HandbookFile, "policy_source/handbook.yaml", "handbook"),
    SourceKind("roles", RolesFile, "policy_source/roles.yaml", "roles_file"),
    SourceKind("policy", Policy, "policy_source/policies", "policies", many=True),
    SourceKind("quiz", Quiz, "quizzes", "quizzes", many=True, required=False),
    SourceKind("checklist", Checklist, "policy_source/checklists", "checklists", many=True, required=False),
    SourceKind("form", Form, "policy_source/forms", "forms", many=True, required=False),
    SourceKind("requirements", RequirementsFile, "policy_source/requirements.yaml", "requirements_file",
               required=False),
)


@dataclass
class Project:
    """Everything the later stages need, validated and cross-checked."""

    root: Path
    handbook: HandbookFile
    roles_file: RolesFile
    policies: list[Policy] = field(default_factory=list)
    quizzes: list[Quiz] = field(default_factory=list)
    checklists: list[Checklist] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    requirements_file: RequirementsFile = field(default_factory=RequirementsFile)
    history: dict[str, list[PublishedVersion]] = field(default_factory=dict)
    """Policy id -> its published versions, oldest first (handbook.history)."""

    @property
    def roles(self) -> list[Role]:
        return self.roles_file.roles

    def role(self, role_id: str) -> Role:
        return next(role for role in self.roles if role.id == role_id)

    def policy(self, policy_id: str) -> Policy:
        return next(policy for policy in self.policies if policy.id == policy_id)


def _where(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _value_message(source: SourceFile, item: ErrorDetails, loc: Loc) -> str:
    """What is wrong with one value, said in terms of what the author wrote."""
    kind, value = item["type"], item["input"]
    if kind == "string_type" and value is None:
        return "is empty; write the text"
    if kind == "string_type" and loc in source.plain:
        written = source.plain[loc]
        read_as = f"the boolean {str(value).lower()}" if isinstance(value, bool) else f"the number {value}"
        return f'{written} is read as {read_as}; quote it ("{written}") to keep it as text'
    if kind.startswith(("date_", "datetime_")) and isinstance(value, str):
        reason = item.get("ctx", {}).get("error") or "not a date"
        return f"'{value}' is not a valid date ({reason}); write it as YYYY-MM-DD"
    if kind == "string_pattern_mismatch" and item.get("ctx", {}).get("pattern") == ID_PATTERN:
        return f"{value!r} is not a valid id: {ID_HINT}"
    return item["msg"].removeprefix("Value error, ")


def validation_problems(source: SourceFile, error: ValidationError) -> list[Problem]:
    """One line per pydantic error, pointing at the node it is about.

    A value the loader already reported (an ``!!int x`` it could not build) is not reported
    again; an unquoted number or boolean where text belongs is told to be quoted.
    """
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(part for part in item["loc"] if not str(part).startswith("#"))  # "#..": a union's tag
        if loc in source.reported:
            continue
        if item["type"] == "missing":
            where = _where(loc[:-1])
            message = f"missing required field '{loc[-1]}'" + (f" in {where}" if where else "")
            problems.append(source.problem(loc[:-1], message))
        elif item["type"] == "extra_forbidden":
            problems.append(source.problem(loc, f"unknown field {str(loc[-1])!r}", key=True))  # one line
        else:
            where, message = _where(loc), _value_message(source, item, loc)
            problems.append(source.problem(loc, f"{where}: {message}" if where else message))
    return problems


def _files(root: Path, kind: SourceKind) -> tuple[list[Path], list[Problem]]:
    target = root / kind.path
    if not kind.many:
        if target.exists() or target.is_symlink():
            return [target], []
        if not kind.required:
            return [], []
        return [], [Problem(kind.path, 1, 1, f"missing file: the {kind.name} file is required")]
    if not target.exists():
        if kind.required:
            return [], [Problem(kind.path, 1, 1, f"missing folder: add at least one {kind.name} file")]
        return [], []
    if not target.is_dir():
        return [], [Problem(kind.path, 1, 1, "expected a folder of YAML files but found a file")]
    # Hidden files are editors' (emacs' .#policy.yaml lock links, swap files), not sources.
    files = sorted(p for p in target.iterdir() if p.suffix in {".yaml", ".yml"} and p.name[0] != ".")
    if not files and kind.required:
        return [], [Problem(kind.path, 1, 1, f"no {kind.name} files (*.yaml) in this folder")]
    return files, []


Stamp = tuple[int, int, int, int]


class SourceCache:
    """Each source file's validated document, kept while the file's stamp (size, times, inode)
    stays the same: a long-lived process (the preview) re-reads only the files a save touched.

    Parsing YAML is most of loading a large handbook (1,600 files: seconds); the
    cross-reference checks still run over the whole project every time.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, Path], tuple[Stamp, Document | None, list[Problem]]] = {}

    @staticmethod
    def stamp(path: Path) -> Stamp | None:
        """The file's stamp; None (never cached) for a link or anything that is not a plain file."""
        try:
            info = path.lstat()
        except OSError:
            return None
        if not S_ISREG(info.st_mode):
            return None
        return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino

    def get(self, kind: str, path: Path, stamp: Stamp | None) -> tuple[Document | None, list[Problem]] | None:
        entry = self._entries.get((kind, path))
        if stamp is None or entry is None or entry[0] != stamp:
            return None
        return entry[1], list(entry[2])

    def put(self, kind: str, path: Path, stamp: Stamp | None, document: Document | None,
            problems: list[Problem]) -> None:
        if stamp is not None:
            self._entries[(kind, path)] = (stamp, document, list(problems))


def _read_one(root: Path, kind: SourceKind, path: Path) -> tuple[Document | None, list[Problem]]:
    source, problems = load_yaml(path, root)
    if not isinstance(source.data, dict):
        return None, problems
    try:
        document = kind.model.model_validate(source.data)
    except ValidationError as error:
        return None, problems + validation_problems(source, error)
    source.data = None  # the document holds it now; a large handbook's raw copy is tens of MB
    document._source = source
    return document, problems


def _read(root: Path, kind: SourceKind, cache: SourceCache | None) -> tuple[list[Document], list[Problem]]:
    paths, problems = _files(root, kind)
    documents: list[Document] = []
    for path in paths:
        stamp = SourceCache.stamp(path) if cache else None
        known = cache.get(kind.name, path, stamp) if cache else None
        document, file_problems = known if known else _read_one(root, kind, path)
        if cache and not known:
            cache.put(kind.name, path, stamp, document, file_problems)
        problems += file_problems
        if document is not None:
            documents.append(document)
    return documents, problems


def load_project(root: Path, cache: SourceCache | None = None) -> tuple[Project | None, list[Problem]]:
    """Read and check the whole project; a project only when there are no problems.

    With a ``cache``, unchanged files are not parsed again (see :class:`SourceCache`).
    """
    from handbook.checks import check_project  # the checks need the Project type

    loaded: dict[str, list[Document]] = {}
    problems: list[Problem] = []
    failed: set[str] = set()
    for kind in SOURCE_KINDS:
        loaded[kind.name], kind_problems = _read(root, kind, cache)
        problems += kind_problems
        if kind_problems:
            failed.add(kind.name)
    # Cross-check what did load, so one run reports schema and reference problems alike.
    fields = {k.field: loaded[k.name] if k.many else _first(loaded[k.name], k) for k in SOURCE_KINDS}
    project = Project(root=root, **fields)  # type: ignore[arg-type]
    from handbook.history import read_history

    project.history, history_problems = read_history(root)
    problems += history_problems
    problems += check_project(project, frozenset(failed))
    return (project, []) if not problems else (None, sorted(set(problems)))


def _first(documents: list[Document], kind: SourceKind) -> Document:
    """The single file of a kind, or an empty stand-in when it failed to load (already reported)."""
    if documents:
        return documents[0]
    fields = kind.model.model_fields.items()
    empty: dict[str, Any] = {
        name: [] for name, info in fields if info.is_required() and get_origin(info.annotation) is list
    }
    return kind.model.model_construct(None, **empty)
