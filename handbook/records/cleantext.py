"""What typed text may hold before it is stored: one rule for ids, names and answers.

Text typed in a browser ends up in HR's page, CSV files and spreadsheets, so characters that
cannot belong there (NUL and other controls; bidi overrides and zero-width marks that make
``E\u200b1`` look like ``E1``) are refused, not stored, and ids are compared in one form.
"""

from __future__ import annotations

import re
import unicodedata

JOINERS = frozenset("\u200c\u200d")
"""Zero-width (non-)joiners: formatting characters some scripts and emoji need inside a name."""
LINE_BREAKS = frozenset("\t\n\r")


def normalise_id(value: str) -> str:
    """An id as compared everywhere: NFKC (full-width digits are digits) and trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


def text_problem(value: str, *, lines: bool = False, joiners: bool = True) -> str | None:
    """Why ``value`` cannot be stored as typed text, or None. ``lines`` allows tabs and line
    breaks (a textarea); ``joiners`` allows the zero-width joiners inside words (not in ids)."""
    if value.isprintable():  # no Cc, Cf, Zl, Zp, Cs or Co character at all: the usual case, in C
        return None
    for character in value:
        category = unicodedata.category(character)
        if category == "Cc" and not (lines and character in LINE_BREAKS):
            return f"must not contain the control character U+{ord(character):04X}"
        if category in {"Cf", "Zl", "Zp", "Cs", "Co"} and not (joiners and character in JOINERS):
            return f"must not contain the formatting character U+{ord(character):04X}"
    return None


_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def email_problem(text: str) -> str | None:
    """Why ``text`` is not an email address (one @, a dotted domain, no spaces), or None."""
    if _EMAIL.fullmatch(text) and len(text) <= 254:
        return None
    return "must be an email address like name@example.org"
