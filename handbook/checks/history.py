"""Published versions stay as published: the words of a version never change under it, and
version numbers only go up. Each history file is checked against itself (its hash, its name)
and the policy against its history."""

from __future__ import annotations

from handbook.checks.policies import _clause_locs
from handbook.history import as_policy, file_name, next_version, version_key
from handbook.load import Loc, Problem
from handbook.models.history import PublishedVersion
from handbook.models.policy import Policy
from handbook.project import Project


def _own_problems(published: PublishedVersion, folder: str) -> list[Problem]:
    """A history file that does not hold what it says: renamed, moved or edited by hand."""
    source, problems = published.source, []
    version, policy_id, restore = published.version, published.policy, "restore the file from version control"
    if source.path.name != file_name(version):
        message = f"version '{version}' belongs in {file_name(version)}, not {source.path.name}"
        problems.append(source.problem(("version",), message))
    if policy_id != folder:
        message = f"policy '{policy_id}' is filed under history/{folder}/; move it to history/{policy_id}/"
        problems.append(source.problem(("policy",), message))
    old = as_policy(published)
    if old is None or old.id != policy_id or old.version != version:
        problems.append(source.problem(("words",), f"words: not the words of this policy version; {restore}"))
    elif old.content_hash() != published.hash:
        message = f"hash: does not match the words recorded here (edited by hand?); {restore}"
        problems.append(source.problem(("hash",), message))
    return problems


_WORDS = ("label", "title", "term", "abbreviation", "text")


def _first_change(policy: Policy, old: Policy | None) -> Loc:
    """Where the policy's words first differ from ``old``: the changed clause, else the version."""
    before = old.clause_ids() if old else {}
    for clause, loc, _ in _clause_locs(policy.sections, ("sections",)):
        earlier = before.get(clause.id)
        changed = [name for name in _WORDS if earlier and getattr(earlier, name) != getattr(clause, name)]
        if earlier is None or changed:
            return (*loc, changed[-1] if changed else "id")
    return ("version",)


def _against_history(policy: Policy, versions: list[PublishedVersion]) -> list[Problem]:
    latest = versions[-1]
    if version_key(policy.version) < version_key(latest.version):
        message = (f"version '{policy.version}' is lower than the published version '{latest.version}' "
                   f"({latest.source.display}); versions only go up")
        return [policy.source.problem(("version",), message)]
    same = next((p for p in versions if p.version == policy.version), None)
    if same is None or same.hash == policy.content_hash():
        return []
    message = (f"the words of published version '{same.version}' changed (published {same.published}, "
               f"{same.source.display}); give the policy a new version (version: "
               f"\"{next_version(same.version)}\") and run handbook publish --policy {policy.id}")
    return [policy.source.problem(_first_change(policy, as_policy(same)), message)]


def check_history(project: Project) -> list[Problem]:
    problems: list[Problem] = []
    for versions in project.history.values():
        for published in versions:
            problems += _own_problems(published, published.source.path.parent.name)
        seen: dict[str, str] = {}
        for published in versions:
            if published.version in seen:
                message = f"version '{published.version}' is published twice (also {seen[published.version]})"
                problems.append(published.source.problem(("version",), message))
            seen.setdefault(published.version, published.source.display)
    for policy in project.policies:
        versions = project.history.get(policy.id, [])
        if versions:
            problems += _against_history(policy, versions)
    return problems
