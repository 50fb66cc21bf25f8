"""The theme's primary colour, made to meet WCAG 2.1 AA wherever the handbook shows it.

Material's named primary colours put white text on many headers that cannot carry it (white
on ``green`` is 2.8:1, on ``blue`` 3.2:1) and colour links on white that a reader can hardly
see (``yellow``'s are 2.3:1). A town picks its colour by name in mkdocs.yml; the handbook keeps
that hue and takes it only as much darker as AA needs: the header until its own text reaches
4.5:1, links until they reach 4.5:1 on white and in every kind of note, the focus ring until
it reaches 3:1. The site gets the result as a style sheet (``assets/css/palette.css``, written
from :func:`site_css`), the HR pages as their header and link colours (:func:`look`), so both
look like one another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

WHITE = "#ffffff"
DARK_TEXT = "#000000de"
"""Material's text on a light header: black at 87 %."""

@dataclass(frozen=True)
class Shades:
    """One of Material's named primary colours in the light scheme: the header's colour
    (``--md-primary-fg-color``) and its darker shade, the header's text
    (``--md-primary-bg-color``) and the links' colour (``--md-typeset-a-color``)."""

    header: str
    dark: str
    text: str
    link: str


def _named(header: str, dark: str, text: str = WHITE, link: str = "") -> Shades:
    return Shades(header, dark, text, link or header)


MATERIAL: dict[str, Shades] = {
    "red": _named("#ef5552", "#e53734"), "pink": _named("#e92063", "#c3185d"),
    "purple": _named("#ab47bd", "#8c24a8"), "deep-purple": _named("#7e56c2", "#673ab6"),
    "indigo": _named("#4051b5", "#303fa1"), "blue": _named("#2094f3", "#1975d2"),
    "light-blue": _named("#02a6f2", "#0287cf"), "cyan": _named("#00bdd6", "#0097a8"),
    "teal": _named("#009485", "#007a6c"), "green": _named("#4cae4f", "#398e3d"),
    "light-green": _named("#8bc34b", "#689f38", link="#72ad2e"),
    "lime": _named("#cbdc38", "#b0b52c", DARK_TEXT, "#8b990a"),
    "yellow": _named("#ffec3d", "#fbc02d", DARK_TEXT, "#b8a500"),
    "amber": _named("#ffc105", "#ffa200", DARK_TEXT, "#d19d00"),
    "orange": _named("#ffa724", "#fa8900", DARK_TEXT, "#e68a00"),
    "deep-orange": _named("#ff6e42", "#f4511f"), "brown": _named("#795649", "#5d4037"),
    "grey": _named("#757575", "#616161", link="#4051b5"),
    "blue-grey": _named("#546d78", "#455a63", link="#4051b5"),
    "white": _named("#ffffff", "#00000012", DARK_TEXT, "#4051b5"),
    "black": _named("#14151a", "#14151a", link="#4051b5"),
}
"""Material's named primary colours as its palette style sheet has them in the light scheme
(white and black drawn in its hue of 225 degrees; a test compares them with the installed
theme's)."""
DEFAULT = "indigo"

TEXT_CONTRAST = 4.5
"""WCAG 2.1 1.4.3 for text under 18.66 px bold: the header's site name, links."""
UI_CONTRAST = 3.0
"""WCAG 2.1 1.4.11 for a focus ring against what is around it."""
SURFACES = (WHITE, *(f"{colour}1a" for colour in (
    "#448aff", "#00b0ff", "#00b8d4", "#00bfa5", "#00c853", "#64dd17", "#ff9100", "#ff5252", "#ff1744",
    "#f50057", "#7c4dff", "#9e9e9e")))
"""What links are read on: the page, and each of Material's admonitions (its colour at 10 %)."""
RING_ON_HEADER = "#ffbf47"
"""The focus ring on a dark header (handbook.css' ``--hb-focus-on-dark``)."""


@dataclass(frozen=True)
class Look:
    """The colours a page takes from the theme: ``header`` behind ``on_header``'s text, ``link``
    on white, ``focus`` the keyboard's ring on white and ``header_focus`` on the header."""

    name: str
    header: str
    on_header: str
    link: str
    focus: str
    header_focus: str


def _channels(colour: str) -> tuple[float, float, float, float]:
    """#rrggbb or #rrggbbaa as red, green, blue (0 to 255) and alpha (0 to 1)."""
    digits = colour.lstrip("#")
    alpha = int(digits[6:8], 16) / 255 if len(digits) == 8 else 1.0
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), alpha


def _over(colour: str, background: str) -> tuple[float, float, float]:
    red, green, blue, alpha = _channels(colour)
    under = _channels(background)
    return (red * alpha + under[0] * (1 - alpha), green * alpha + under[1] * (1 - alpha),
            blue * alpha + under[2] * (1 - alpha))


def _luminance(rgb: tuple[float, float, float]) -> float:
    def linear(channel: float) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(foreground: str, background: str) -> float:
    """WCAG's contrast ratio of ``foreground`` (which may be translucent) on ``background``."""
    top, bottom = _luminance(_over(foreground, background)), _luminance(_over(background, WHITE))
    lighter, darker = max(top, bottom), min(top, bottom)
    return (lighter + 0.05) / (darker + 0.05)


def _darker(colour: str, step: int) -> str:
    """``colour`` with ``step`` hundredths of the way to black (the hue stays)."""
    red, green, blue, _ = _channels(colour)
    keep = 1 - step / 100
    return "#" + "".join(f"{round(channel * keep):02x}" for channel in (red, green, blue))


def _until(colour: str, enough: Any) -> str:
    """The lightest shade of ``colour`` (hundredth steps towards black) that ``enough`` accepts."""
    return next(shade for shade in (_darker(colour, step) for step in range(101)) if enough(shade))


def look(name: str) -> Look:
    """The accessible look of Material's primary colour ``name`` (indigo when it is not one):
    Material's own shades wherever they pass, the nearest darker shade where they do not."""
    known = name if name in MATERIAL else DEFAULT
    shades = MATERIAL[known]
    header = _until(shades.header, lambda shade: contrast(shades.text, shade) >= TEXT_CONTRAST)
    link = _until(shades.link, lambda shade: all(contrast(shade, on) >= TEXT_CONTRAST for on in SURFACES))
    focus = _until(shades.dark, lambda shade: contrast(shade, WHITE) >= UI_CONTRAST)
    ring = next(colour for colour in (RING_ON_HEADER, shades.text) if contrast(colour, header) >= UI_CONTRAST)
    return Look(known, header, shades.text, link, focus, ring)


def primary_name(user_config: Mapping[str, Any]) -> str:
    """The primary colour a project's mkdocs.yml names (its first palette, for a toggle)."""
    theme = user_config.get("theme")
    palette = theme.get("palette") if isinstance(theme, dict) else None
    first = palette[0] if isinstance(palette, list) and palette else palette
    name = first.get("primary") if isinstance(first, dict) else None
    return str(name).replace(" ", "-").lower() if isinstance(name, str) else DEFAULT


def site_css() -> str:
    """Material's variables, in the light scheme, for each named primary colour whose own
    shades fall short (``handbook/site_templates/assets/css/palette.css`` is this text)."""
    lines = ["/* Written by `python -m handbook.palette`: Material's primary colours that fall short of",
             "   WCAG 2.1 AA, each as much darker as AA needs (header text 4.5:1, links 4.5:1 on white,",
             "   focus ring 3:1; on a light header the ring is dark). The others are Material's own. */"]
    for name, shades in MATERIAL.items():
        shade = look(name)
        changed = [(variable, value) for variable, value, was in (
            ("--md-primary-fg-color", shade.header, shades.header),
            ("--hb-focus", shade.focus, shades.dark),
            ("--md-typeset-a-color", shade.link, shades.link),
            ("--hb-focus-on-dark", shade.header_focus, RING_ON_HEADER)) if value != was]
        if changed:
            settings = " ".join(f"{variable}: {value};" for variable, value in changed)
            lines.append(f"[data-md-color-primary={name}]:not([data-md-color-scheme=slate]) {{ {settings} }}")
    return "\n".join(lines) + "\n"


def project_look(root: Path) -> Look:
    """The look of the project at ``root`` (its mkdocs.yml's primary colour), read again only
    when the file changes: the HR pages ask on every request."""
    path = root / "mkdocs.yml"
    try:
        status = path.stat()
        stamp = (status.st_mtime_ns, status.st_size)
    except OSError:
        stamp = (0, 0)
    return _look_of(path, stamp)


@lru_cache(maxsize=8)
def _look_of(path: Path, stamp: tuple[int, int]) -> Look:
    from handbook.site import read_user_config

    config, _ = read_user_config(path.parent) if any(stamp) else ({}, [])
    return look(primary_name(config))


if __name__ == "__main__":
    print(site_css(), end="")
