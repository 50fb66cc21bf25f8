"""Load a handbook project: every source file, validated, then cross-referenced.

A project is a folder with ``policy_source/``, ``quizzes/``, ``mkdocs.yml`` and optional
``site_templates/`` overrides. Which files hold what is declared once, in ``SOURCE_KINDS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
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


def _read(root: Path, kind: SourceKind) -> tuple[list[Document], list[Problem]]:
    paths, problems = _files(root, kind)
    documents: list[Document] = []
    for path in paths:
        source, file_problems = load_yaml(path, root)
        problems += file_problems
        if not isinstance(source.data, dict):
            continue
        try:
            document = kind.model.model_validate(source.data)
        except ValidationError as error:
            problems += validation_problems(source, error)
            continue
        document._source = source
        documents.append(document)
    return documents, problems


def load_project(root: Path) -> tuple[Project | None, list[Problem]]:
    """Read and check the whole project; a project only when there are no problems."""
    from handbook.checks import check_project  # the checks need the Project type

    loaded: dict[str, list[Document]] = {}
    problems: list[Problem] = []
    failed: set[str] = set()
    for kind in SOURCE_KINDS:
        loaded[kind.name], kind_problems = _read(root, kind)
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
