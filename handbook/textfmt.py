"""Put source text into Markdown and HTML safely: shown as written, never as markup.

Policy words and people's names are data. Whatever a YAML value holds (``<img onerror>``,
``*stars*``, ``[a link](javascript:...)``, ``---``, ``# heading``, ``{: onclick=...}``) it
must reach the reader as those characters, wherever a template puts it: a Markdown paragraph,
a heading, a table cell, a raw HTML attribute, or HTML inside a ``markdown`` block, where
Python-Markdown still reads emphasis and links. So every character that means something to
HTML or to Markdown (core, the extensions the site uses, and common pymdownx ones) becomes a
numeric character reference: browsers show the character, Markdown sees no syntax.
Backslash escapes are not used: Python-Markdown only knows some of them, so ``\\<`` shows a
stray backslash.

Each value becomes one line: a line break in a YAML value never starts a new block. Where a
template wants paragraphs (a clause's text), it splits with ``paragraphs`` first.
"""

from __future__ import annotations

import functools
import html
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Characters no text needs; STX/ETX are Python-Markdown's own placeholder markers."""

_MARKUP = re.compile(r"[&<>\\`*\[\]{}|~^=$#]|(?<!\w)_|_(?!\w)")
"""HTML's specials, Markdown's inline syntax, and ``_`` where it can open or close emphasis
(between two letters it cannot, so ``first_last@example.org`` stays an address)."""
_MARKUP_OR_QUOTE = re.compile(_MARKUP.pattern + r"""|["']""")
"""The same, and the quotes that would end an HTML attribute."""

_LINE_START = re.compile(r"^(?:[!-/:-@\[-`{-~]|\d+[.)])")
"""What can open a block at the start of a line: ``#``, ``>``, ``-``, ``+``, ``1.``, ``!!!``,
``:``, ``|``, ``---``, ``=``... (any ASCII punctuation, or a number and a dot)."""

_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def _reference(match: re.Match[str]) -> str:
    text = match.group()
    return "".join(_NAMED.get(char) or f"&#{ord(char)};" if not char.isdigit() else char for char in text)


def _one_line(value: object) -> str:
    return " ".join(_CONTROL.sub("\ufffd", str(value)).split())


def md_text(value: object) -> str:
    """Text for anywhere in a Markdown page: one line, no block or inline syntax, no HTML."""
    text = str(value)
    return _md_text_remembered(text) if len(text) <= SHORT else _md_text(text)


def html_attr(value: object) -> str:
    """Text for an HTML attribute or element body in a Markdown page (which may still be read
    as Markdown inside a ``markdown`` block): one line, escaped for both."""
    text = str(value)
    return _html_attr_remembered(text) if len(text) <= SHORT else _html_attr(text)


def _md_text(text: str) -> str:
    text = _one_line(text)
    lead = _LINE_START.match(text)
    start = _reference(lead) if lead else ""
    return start + _MARKUP.sub(_reference, text[lead.end() if lead else 0 :])


def _html_attr(text: str) -> str:
    return _MARKUP_OR_QUOTE.sub(_reference, _one_line(text))


SHORT = 200
"""Pages repeat the same short values (role names, titles, labels) page after page: a 100-policy
handbook's pages escape 180,000 values, 4,000 of them different. Those of up to SHORT characters
are escaped once and remembered; longer ones (a page's data, a clause) are rarely repeated."""
_md_text_remembered = functools.lru_cache(maxsize=16_384)(_md_text)
_html_attr_remembered = functools.lru_cache(maxsize=16_384)(_html_attr)


def forget() -> None:
    """Let the remembered values go (once a build's pages are rendered): a few thousand small
    strings, but scattered, they keep the memory of the freed project from being reused (a
    100-policy build's peak was 24 MB higher with them kept)."""
    _md_text_remembered.cache_clear()
    _html_attr_remembered.cache_clear()


def html_text(value: object) -> str:
    """Text for HTML that Markdown never reads: the navigation, the site name, a page's
    ``<title>``. MkDocs and Material print those as HTML, so they are escaped here."""
    return html.escape(_one_line(value), quote=True)


def paragraphs(value: object) -> list[str]:
    """Split text on blank lines; a line break inside a paragraph is just a space."""
    blocks = re.split(r"\n\s*\n", str(value).strip())
    return [" ".join(block.split()) for block in blocks if block.strip()]
