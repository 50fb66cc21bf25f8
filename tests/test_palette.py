"""A town's colour, by name in mkdocs.yml, on the site and the HR pages at WCAG 2.1 AA: the
header's text, links and focus rings reach their contrast in every one of Material's named
primary colours, in that colour's own hue, and Material's own shades stay wherever they pass."""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

import material
import pytest

from handbook import palette
from handbook.palette import MATERIAL, RING_ON_HEADER, SURFACES, WHITE, contrast, look
from handbook.records.html import render_login
from handbook.resources import builtin_templates

STYLES = Path(material.__file__).parent / "templates" / "assets" / "stylesheets"
THEME_CSS = next(STYLES.glob("palette.*.min.css"))
NAMED = re.compile(r"\[data-md-color-primary=([\w-]+)\](:not\(\[data-md-color-scheme=slate\]\))?")


def _hex(value: str) -> str:
    """A colour as Material's style sheet writes it (#rgb, #rrggbb, #rrggbbaa or hsl()), as #rrggbb[aa]."""
    found = re.fullmatch(r"hsla?\((\d+|var\(--md-hue\)), ?(\d+)%, ?(\d+)%(?:, ?([\d.]+))?\)", value)
    if found:
        hue = 225 if found.group(1).startswith("var") else int(found.group(1))  # Material's light hue
        saturation, lightness = int(found.group(2)), int(found.group(3))
        rgb = colorsys.hls_to_rgb(hue / 360, lightness / 100, saturation / 100)
        alpha = float(found.group(4) or 1)
        return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb) + (
            f"{round(alpha * 255):02x}" if alpha < 1 else "")
    digits = value.lstrip("#")
    return "#" + ("".join(d * 2 for d in digits) if len(digits) == 3 else digits)


def _theme_variables() -> dict[str, dict[str, str]]:
    """Each named primary colour's variables in the installed Material's light scheme."""
    found: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", THEME_CSS.read_text(encoding="utf-8")):
        for selector in selectors.split(","):
            named = NAMED.fullmatch(selector.strip())
            if named:
                settings = dict(part.split(":", 1) for part in body.split(";") if ":" in part)
                found.setdefault(named.group(1), {}).update(settings)
    return found


def test_the_table_is_the_installed_materials_palette():
    theme = _theme_variables()
    for name, shades in MATERIAL.items():
        variables = theme[name]
        assert _hex(variables["--md-primary-fg-color"]) == shades.header, name
        assert _hex(variables["--md-primary-fg-color--dark"]) == shades.dark, name
        assert _hex(variables["--md-primary-bg-color"]) == shades.text, name
        link = variables.get("--md-typeset-a-color", "var(--md-primary-fg-color)")
        assert (shades.link == shades.header) if link.startswith("var(") else _hex(link) == shades.link, name
    assert set(theme) == set(MATERIAL)


@pytest.mark.parametrize("name", MATERIAL)
def test_every_named_colour_reaches_aa_in_its_own_hue(name):
    shades, shade = MATERIAL[name], look(name)
    assert contrast(shade.on_header, shade.header) >= palette.TEXT_CONTRAST
    assert all(contrast(shade.link, surface) >= palette.TEXT_CONTRAST for surface in SURFACES)  # page, notes
    assert contrast(WHITE, shade.link) >= palette.TEXT_CONTRAST  # white on a button of the link's colour
    assert contrast(shade.focus, WHITE) >= palette.UI_CONTRAST
    assert contrast(shade.header_focus, shade.header) >= palette.UI_CONTRAST
    pairs = ((shade.header, shades.header), (shade.link, shades.link), (shade.focus, shades.dark))
    for mine, theirs in pairs:
        hue, _, _ = colorsys.rgb_to_hls(*_channels(mine))
        was_hue, _, was_saturation = colorsys.rgb_to_hls(*_channels(theirs))
        assert abs(hue - was_hue) < 0.02 or was_saturation < 0.05  # darker, never another colour


def _channels(colour: str) -> tuple[float, ...]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))


def test_materials_shades_stay_wherever_they_pass():
    indigo = look("indigo")
    assert (indigo.header, indigo.link, indigo.focus, indigo.header_focus) == (
        "#4051b5", "#4051b5", "#303fa1", RING_ON_HEADER)
    green = look("green")
    assert green.header != MATERIAL["green"].header  # white on Material's green is 2.8:1
    assert contrast(WHITE, MATERIAL["green"].header) < palette.TEXT_CONTRAST
    yellow = look("yellow")
    assert yellow.header == MATERIAL["yellow"].header and yellow.header_focus != RING_ON_HEADER


def test_the_shipped_style_sheet_is_the_one_the_table_makes():
    shipped = builtin_templates() / "assets" / "css" / "palette.css"
    assert shipped.read_text(encoding="utf-8") == palette.site_css()
    assert "[data-md-color-primary=indigo]" not in palette.site_css()  # nothing to mend in the shipped look


@pytest.mark.parametrize(("setting", "expected"), [
    ("  palette:\n    primary: green\n", "green"),
    ("  palette:\n    - scheme: default\n      primary: deep purple\n    - scheme: slate\n", "deep-purple"),
    ("  palette:\n    primary: Blue Grey\n", "blue-grey"),
    ("  palette:\n    primary: custom\n", "indigo"),
    ("", "indigo"),
    ("  palette:\n    primary: 7\n", "indigo"),  # hostile or broken settings: the default, never a traceback
    ("  palette: []\n", "indigo"),
    ("  palette:\n    - 7\n", "indigo"),
    ("  palette: {primary: [unclosed\n", "indigo"),
])
def test_the_primary_colour_is_read_as_material_reads_it(tmp_path, setting, expected):
    config = f"site_name: x\ntheme:\n  name: material\n{setting}"
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    assert palette.project_look(tmp_path).name == expected
    assert palette.primary_name({}) == "indigo"


def test_the_hr_page_follows_an_edited_mkdocs_yml(tmp_path):
    config = tmp_path / "mkdocs.yml"
    config.write_text("theme:\n  name: material\n  palette:\n    primary: indigo\n", encoding="utf-8")
    assert palette.project_look(tmp_path).name == "indigo"
    config.write_text("theme:\n  name: material\n  palette:\n    primary: teal\n", encoding="utf-8")
    page = render_login("Town of Anywhere", "", False, True, look=palette.project_look(tmp_path))
    assert f"--primary: {look('teal').header};" in page and "#4051b5" not in page
