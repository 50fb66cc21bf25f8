"""Synthetic handbooks of N policies, each a copy of a shipped policy, to measure scaling.

Policy 1 is the shipped policy itself, so every link in handbook.yaml and every file that
names it stays valid. Policies 2..N are copies with a new id, number and title, and each
gets a copy of every checklist, form, quiz (any source kind kept as many files, read from
``handbook.project.SOURCE_KINDS``) that names the shipped policy, with those ids rewritten
too. Usage: ``python -m benchmarks.synthetic COUNT OUT [--source DIR] [--policy ID]``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import yaml

from benchmarks.workspace import ROOT, copy_project
from handbook.project import SOURCE_KINDS


def _mentions(value: Any, pattern: re.Pattern[str]) -> bool:
    if isinstance(value, str):
        return bool(pattern.search(value))
    if isinstance(value, dict):
        return any(_mentions(item, pattern) for item in value.values())
    if isinstance(value, list):
        return any(_mentions(item, pattern) for item in value)
    return False


class Renamer:
    """Rewrites one copy's references: the policy id anywhere, artefact ids where they are ids.

    A checklist may share its id with a role (the SMA checklist is ``sma``), so a bare value
    that is also a role id is left alone; ``kind:id`` links say which kind they mean.
    """

    def __init__(
        self, policy_id: str, new_policy_id: str, artefacts: dict[tuple[str, str], str], roles: set[str]
    ) -> None:
        self.policy = re.compile(rf"(?<![\w.-]){re.escape(policy_id)}(?![\w-])")
        self.new_policy_id = new_policy_id
        self.artefacts = artefacts
        self.bare = {old: new for (_, old), new in artefacts.items() if old not in roles}
        self.link = re.compile(r"^([\w-]+):([\w.-]+)(#.*)?$")

    def rename(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self.rename(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.rename(item) for item in value]
        if not isinstance(value, str):
            return value
        if value in self.bare:
            return self.bare[value]
        link = self.link.match(value)
        if link and (link[1], link[2]) in self.artefacts:
            return f"{link[1]}:{self.artefacts[link[1], link[2]]}{link[3] or ''}"
        return self.policy.sub(self.new_policy_id, value)


def _dump(path: Path, data: dict[str, Any]) -> None:
    text = "# Synthetic copy made by benchmarks/synthetic.py\n"
    path.write_text(text + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _artefact_files(project: Path, pattern: re.Pattern[str]) -> list[tuple[str, Path, dict[str, Any]]]:
    """(kind, path, data) of every many-file kind but policies whose file names the copied policy."""
    found = []
    for kind in SOURCE_KINDS:
        folder = project / kind.path
        if not kind.many or kind.name == "policy" or not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.y*ml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and "id" in data and _mentions(data, pattern):
                found.append((kind.name, path, data))
    return found


def make_handbook(target: Path, count: int, source: Path = ROOT, policy_id: str = "admin-policy-6") -> Path:
    """Write a handbook project of ``count`` policies into ``target``; returns ``target``."""
    project = copy_project(target, source)
    policy_path = project / "policy_source" / "policies" / f"{policy_id}.yaml"
    policy = yaml.safe_load(policy_path.read_text(encoding="utf-8"))
    pattern = re.compile(rf"(?<![\w.-]){re.escape(policy_id)}(?![\w-])")
    artefacts = _artefact_files(project, pattern)
    roles_file = yaml.safe_load((project / "policy_source" / "roles.yaml").read_text(encoding="utf-8"))
    roles = {str(role["id"]) for role in roles_file.get("roles", [])}
    for n in range(2, count + 1):
        suffix = f"copy-{n}"
        new_id = f"{policy_id}-{suffix}"
        ids = {(kind, str(data["id"])): f"{data['id']}-{suffix}" for kind, _, data in artefacts}
        renamer = Renamer(policy_id, new_id, ids, roles)
        copy = renamer.rename(policy)
        copy.update(id=new_id, number=f"{policy['number']}.{n}", title=f"{policy['title']} (copy {n})")
        _dump(policy_path.with_name(f"{new_id}.yaml"), copy)
        for kind, path, data in artefacts:
            renamed = renamer.rename(data)
            renamed["id"] = ids[kind, str(data["id"])]
            if isinstance(renamed.get("title"), str):
                renamed["title"] = f"{renamed['title']} (copy {n})"
            _dump(path.with_name(f"{path.stem}-{suffix}.yaml"), renamed)
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="how many policies (>= 1)")
    parser.add_argument("out", type=Path, help="folder to write the project into (replaced)")
    parser.add_argument("--source", type=Path, default=ROOT, help="the project to copy [this repository]")
    parser.add_argument("--policy", default="admin-policy-6", help="id of the policy to copy")
    args = parser.parse_args()
    project = make_handbook(args.out, max(1, args.count), args.source, args.policy)
    print(f"wrote a handbook of {max(1, args.count)} policies into {project}")


if __name__ == "__main__":
    main()
