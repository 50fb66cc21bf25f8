"""Put source text into Markdown and HTML safely: shown as written, never as markup.

Policy words and people's names are data. Escaping them here means a clause containing
``*`` or ``<`` renders literally, and nothing typed in a YAML file becomes live HTML.
"""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!~])")
_LIST_START = re.compile(r"^(\s*)(\d+)([.)])(\s)", re.MULTILINE)
_BULLET_START = re.compile(r"^(\s*)([-+])(\s)", re.MULTILINE)


def md_text(value: object) -> str:
    """Escape text for a Markdown paragraph: no emphasis, links, HTML or list starts."""
    text = str(value).replace("&", "&amp;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _LIST_START.sub(r"\1\2\\\3\4", text)
    return _BULLET_START.sub(r"\1\\\2\3", text)


def html_attr(value: object) -> str:
    """Escape text for an HTML attribute or element body."""
    return html.escape(str(value), quote=True)


def paragraphs(value: object) -> list[str]:
    """Split text on blank lines; a line break inside a paragraph is just a space."""
    blocks = re.split(r"\n\s*\n", str(value).strip())
    return [" ".join(block.split()) for block in blocks if block.strip()]
