"""A policy's published versions: read them, publish a new one, and say which count as current.

History is optional: a policy without it builds and acknowledges as before. Once a version is
published, ``handbook check`` holds its words still (``handbook.checks.history``), the site shows
what changed from one version to the next, and an editorial publication keeps the earlier
acknowledgements current through the hash lineage its file records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from handbook.load import Problem, load_yaml
from handbook.models.history import Change, PublishedVersion, VersionRef
from handbook.models.policy import Policy

HISTORY = "policy_source/history"
_SAFE_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")
_NUMERIC = re.compile(r"^\d+(?:\.\d+)*$")

History = dict[str, list[PublishedVersion]]
"""Policy id -> its published versions, oldest first."""


def version_key(version: str) -> tuple[int, tuple[int, ...], str]:
    """Orders versions as people number them: "2" after "1", "1.10" after "1.9"; other
    spellings (rare) after every number, in text order."""
    if _NUMERIC.match(version):
        return 0, tuple(int(part) for part in version.split(".")), ""
    return 1, (), version


def file_name(version: str) -> str:
    return f"v{version}.yaml"


def policy_folder(root: Path, policy_id: str) -> Path:
    return root / HISTORY / policy_id


def read_history(root: Path) -> tuple[History, list[Problem]]:
    """Every history file under ``policy_source/history/<policy>/``, validated and ordered."""
    from handbook.project import validation_problems  # the project module reads history through here

    found: History = {}
    problems: list[Problem] = []
    base = root / HISTORY
    if not base.is_dir():
        return found, problems
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and p.name[0] != "."):
        for path in sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.name[0] != "."):
            source, file_problems = load_yaml(path, root)
            problems += file_problems
            if not isinstance(source.data, dict):
                continue
            try:
                published = PublishedVersion.model_validate(source.data)
            except ValidationError as error:
                problems += validation_problems(source, error)
                continue
            published._source = source
            found.setdefault(published.policy, []).append(published)
    for versions in found.values():
        versions.sort(key=lambda p: version_key(p.version))
    return found, problems


def as_policy(published: PublishedVersion) -> Policy | None:
    """The policy as it read at a published version (None when its words no longer validate)."""
    try:
        return Policy.model_validate(published.words)
    except ValidationError:
        return None


def current_refs(policy: Policy, versions: list[PublishedVersion]) -> list[VersionRef]:
    """The (version, hash) pairs an acknowledgement may carry and still be current: the policy's
    own, and when its version is published, the earlier ones its editorial lineage names."""
    own = VersionRef(version=policy.version, hash=policy.content_hash())
    published = next((p for p in versions if p.version == policy.version and p.hash == own.hash), None)
    return published.counts() if published else [own]


def is_current(refs: list[VersionRef], version: str, content_hash: str) -> bool:
    return any(ref.version == version and ref.hash == content_hash for ref in refs)


def _clean(value: Any) -> Any:
    """Policy words without the empty fields (``label: null``), as an author would write them."""
    if isinstance(value, Mapping):
        return {key: _clean(item) for key, item in value.items() if item is not None and item != []}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


class PublishRefused(Exception):
    """Why a version cannot be published, one line per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class Published:
    path: Path
    version: PublishedVersion
    already: bool = False


def publish(root: Path, policy: Policy, versions: list[PublishedVersion], change: Change, note: str | None,
            on: date) -> Published:
    """Write the history file of the policy's current version; the same words published again
    are a no-op, other words under a published version or a lower version are refused."""
    version = policy.version
    where = f"{policy.source.display}:{policy.source.locate(('version',))[0]}"
    if not _SAFE_VERSION.match(version):
        raise PublishRefused([f"{where}: version '{version}' cannot name a file; use digits, letters, '.' "
                              "and '-' (such as 2 or 2.1)"])
    same = next((p for p in versions if p.version == version), None)
    if same is not None and same.hash == policy.content_hash():
        return Published(policy_folder(root, policy.id) / file_name(version), same, already=True)
    if same is not None:
        raise PublishRefused([f"{where}: version '{version}' is already published with other words; "
                              "give the policy a new version (such as "
                              f"version: \"{next_version(version)}\") and publish again"])
    latest = versions[-1] if versions else None
    if latest and version_key(version) < version_key(latest.version):
        raise PublishRefused([f"{where}: version '{version}' is lower than the published version "
                              f"'{latest.version}'; versions only go up"])
    previous = VersionRef(version=latest.version, hash=latest.hash) if latest else None
    lineage = [previous, *latest.lineage] if latest and previous and change == "editorial" else []
    if change == "editorial" and latest is None:
        change = "material"  # the first publication: nothing earlier for acknowledgements to carry over
    record = PublishedVersion(policy=policy.id, version=version, hash=policy.content_hash(), published=on,
                              change=change, note=note, previous=previous, lineage=lineage,
                              words=policy.words())
    path = policy_folder(root, policy.id) / file_name(version)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = _clean(record.model_dump(mode="json", exclude={"words"}))
    data["words"] = _clean(record.words)
    header = (f"# Published version {version} of policy {policy.id}, written by `handbook publish`.\n"
              "# Commit it; never edit it: `handbook check` compares the policy with these words.\n")
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(header + text, encoding="utf-8")
    return Published(path, record)


def next_version(version: str) -> str:
    """The version after ``version`` as people would likely write it ("2" after "1")."""
    if _NUMERIC.match(version):
        *head, last = version.split(".")
        return ".".join([*head, str(int(last) + 1)])
    return f"{version}.1"
