"""Which engine builds the site, apart from the models so the command line names the choices
without loading pydantic (a records export never needs it)."""

from __future__ import annotations

from typing import Literal

Engine = Literal["mkdocs", "zensical"]
"""What builds the site: Material for MkDocs, or Zensical (its successor, by the same team)."""
