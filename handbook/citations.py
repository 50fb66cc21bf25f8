"""How people cite a clause: "Procedure 1.b", "Restrictions b", "§ 39.18(B)(3)(a)", never a raw id.

A citation starts at a *named* clause and adds the labels below it, as the policy's
``citation`` style says. By title (the default), a section is named; so is a titled clause
whose id is its own word rather than its parent's id extended (``restrictions`` under
``procedure``, not ``procedure.1``): the author gave it a name people use. By label, the
section's label names it (``39.18``). Dotted labels lose their trailing dot and join with dots,
except bracketed ones, which join as written: (B)(3)(a); bracketed style puts each label in
brackets ("B." becomes "(B)").
"""

from __future__ import annotations

import re

from handbook.models.policy import CitationStyle, Clause, Policy

_TRAILING = re.compile(r"[\s.:;,]+$")
_BRACKETS = re.compile(r"^[\s(\[§]+|[\s)\].:;,]+$")


def _extends(child: Clause, parent: Clause) -> bool:
    """``procedure.1`` extends ``procedure``; ``restrictions`` does not."""
    return child.id.startswith(parent.id) and not child.id[len(parent.id) : len(parent.id) + 1].isalnum()


def _labels(labels: list[str], style: str = "dotted") -> str:
    if style == "bracketed":
        return "".join(f"({_BRACKETS.sub('', label)})" for label in labels)
    joined = ""
    for label in labels:
        part = _TRAILING.sub("", label)
        if joined and not part.startswith("("):
            joined += "."
        joined += part
    return joined


def _cite(chain: list[Clause], style: CitationStyle) -> str:
    if style.name == "label":
        section = chain[0]
        name = _TRAILING.sub("", section.label or section.title or "")
        labels = _labels([clause.label for clause in chain[1:] if clause.label], style.labels)
        return style.format(style.clause, name=name, labels=labels) or chain[-1].id
    root = 0
    for i, clause in enumerate(chain):
        if clause.title and (i == 0 or not _extends(clause, chain[i - 1])):
            root = i
    named = chain[root]
    name = _TRAILING.sub("", named.title) if named.title else ""
    below = chain[root + 1 :] if named.title else chain[root:]
    labels = _labels([clause.label for clause in below if clause.label], style.labels)
    return style.format(style.clause, name=name, labels=labels) or chain[-1].id


def citations(policy: Policy) -> dict[str, str]:
    """Every clause id of ``policy`` -> how a reader cites that clause."""
    found: dict[str, str] = {}

    def walk(clause: Clause, chain: list[Clause]) -> None:
        chain = [*chain, clause]
        found[clause.id] = _cite(chain, policy.citation)
        for child in clause.clauses:
            walk(child, chain)

    for section in policy.sections:
        walk(section, [])
    return found


def ancestors(policy: Policy) -> dict[str, list[Clause]]:
    """Every clause id -> the clauses above it, outermost first."""
    found: dict[str, list[Clause]] = {}

    def walk(clause: Clause, chain: list[Clause]) -> None:
        found[clause.id] = chain
        for child in clause.clauses:
            walk(child, [*chain, clause])

    for section in policy.sections:
        walk(section, [])
    return found
