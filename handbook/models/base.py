"""Shared pieces of the schema: the strict base model, id types and the source link."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, PrivateAttr, StringConstraints

from handbook.load import SourceFile

ID_PATTERN = r"^[a-z0-9]+(?:[.\-][a-z0-9]+)*$"
ID_HINT = "use lower-case letters, digits, '.' and '-' (e.g. procedure.1.b)"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=120)]
"""A stable id: becomes a URL, an HTML anchor and what other files cite."""

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _printable(value: str) -> str:
    """Text is what people read: control characters (which a YAML escape such as ``"\\x02"``
    can produce, and which Markdown uses internally) and lone surrogates are refused."""
    found = _UNPRINTABLE.search(value)
    if found:
        raise ValueError(f"the character U+{ord(found.group()):04X} is not allowed in text; remove it")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_printable)]
"""Non-empty text; YAML block scalars leave trailing newlines, which mean nothing here."""


class Model(BaseModel):
    """Every part of a source file: unknown fields are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", strict=False, str_strip_whitespace=False)


class Document(Model):
    """A whole source file; remembers where it came from so later checks can point into it."""

    _source: SourceFile | None = PrivateAttr(default=None)

    @property
    def source(self) -> SourceFile:
        assert self._source is not None, "documents are made by handbook.project"
        return self._source
