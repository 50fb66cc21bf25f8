"""One published version of a policy: a committed file that keeps its exact words for good.

``handbook publish`` writes one file per version at ``policy_source/history/<policy>/v<version>.yaml``.
``words`` is the policy as readers saw it (:meth:`handbook.models.policy.Policy.words`), so
the recorded ``hash`` can be recomputed from the file itself, and the "what changed" pages
compare versions without any other copy of the old text.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from handbook.models.base import Document, Id, Model, Text

Change = Literal["material", "editorial"]
HASH_PATTERN = r"^[0-9a-f]{64}$"


class VersionRef(Model):
    """A version of the policy and the hash of its words."""

    version: Text
    hash: str = Field(pattern=HASH_PATTERN)


class PublishedVersion(Document):
    policy: Id
    version: Text
    hash: str = Field(pattern=HASH_PATTERN, description="SHA-256 of the words, as acknowledgements carry it.")
    published: date
    change: Change = Field(
        description="material: readers acknowledge again; editorial (a typo, formatting): earlier "
                    "acknowledgements stay current.")
    note: Text | None = Field(default=None, description="What changed and why, in a sentence or two.")
    previous: VersionRef | None = Field(default=None, description="The version published before this one.")
    lineage: list[VersionRef] = Field(
        default_factory=list,
        description="Earlier versions joined to this one by editorial changes only, newest first: "
                    "an acknowledgement of any of them is current for this version.")
    words: dict[str, Any] = Field(description="The policy's exact words at this version.")

    def counts(self) -> list[VersionRef]:
        """Every (version, hash) whose acknowledgements are current for this version."""
        return [VersionRef(version=self.version, hash=self.hash), *self.lineage]
