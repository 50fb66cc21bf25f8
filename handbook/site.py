"""Run MkDocs (Material) on the generated docs, as an ordinary MkDocs project.

The generated ``.handbook/mkdocs.yml`` INHERITs the project's ``mkdocs.yml`` and adds only
what the generator owns: site name, nav, paths, the handbook's assets, the Markdown extensions,
plugins and theme features its pages need (whatever the project's file lists: INHERIT replaces
lists, so the generated lists are the project's plus what is missing), and the settings that
keep the site self-contained (no web fonts; offline search with a local iframe-worker).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from handbook.load import FastSafeLoader, Problem, SourceFile, load_yaml
from handbook.textfmt import html_text

PAGE_EXTENSIONS: tuple[str | dict[str, Any], ...] = (
    "abbr", "admonition", "attr_list", "md_in_html", "tables",
    {"toc": {"permalink": True, "permalink_title": "Link to this section"}},
)
"""Markdown extensions the generated pages are written for: tooltips (abbr), notes (admonition),
raw HTML with Markdown inside (md_in_html), ids on headings (attr_list), clause anchors (toc)."""
PAGE_PLUGINS = ("search", "offline")
"""Search, and ``offline`` so it works opened from disk."""
PAGE_FEATURES = ("content.tooltips", "navigation.indexes", "navigation.prune")
"""Tooltips for defined terms; section index pages (the nav lists them bare); a nav that holds
only the page's own branch (pages.py relies on it to keep builds linear)."""
SEARCH_SEPARATOR = r'[\s\-“”‘’„«»"]+'
"""Material's English separator plus typographic quotes: “hacking” is found by hacking."""
IFRAME_WORKER = "assets/vendor/iframe-worker/shim.js"


class SiteError(Exception):
    """MkDocs could not build the site; the message is one line for the user."""


class _TolerantLoader(FastSafeLoader):  # type: ignore[misc,valid-type]
    """Reads mkdocs.yml without running its tags (``!ENV``, ``!!python/name:``)."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_TolerantLoader.add_multi_constructor("", _any_tag)


def _extension_names(value: Any) -> set[str]:
    names = set()
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str):
            names.add(item)
        elif isinstance(item, dict):
            names.update(str(key) for key in item)
    return {name.removeprefix("markdown.extensions.") for name in names}


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_mapping(value: Any) -> bool:
    return isinstance(value, dict)


def _is_list(value: Any) -> bool:
    return isinstance(value, list)


def _is_texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_palette(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and all(isinstance(v, dict) for v in value))


def _is_font(value: Any) -> bool:
    return value is False or isinstance(value, dict)


SETTINGS: dict[tuple[str, ...], tuple[Callable[[Any], bool], str]] = {
    **{(key,): (_is_text, "text") for key in (
        "site_name", "site_url", "site_description", "site_author", "copyright", "repo_url", "repo_name",
        "edit_uri", "dev_addr", "remote_branch", "remote_name")},
    ("theme",): (lambda v: isinstance(v, str | dict), "a mapping (name: material, ...)"),
    **{("theme", key): (_is_text, "text") for key in ("name", "language", "logo", "favicon", "custom_dir")},
    ("theme", "features"): (_is_texts, "a list of feature names"),
    ("theme", "palette"): (_is_palette, "a mapping (primary, accent, scheme) or a list of them"),
    ("theme", "font"): (_is_font, "false or a mapping (text, code)"),
    ("theme", "icon"): (_is_mapping, "a mapping"),
    ("plugins",): (lambda v: isinstance(v, list | dict), "a list of plugins"),
    ("markdown_extensions",): (lambda v: isinstance(v, list | dict), "a list of extensions"),
    ("extra",): (_is_mapping, "a mapping"),
    ("validation",): (_is_mapping, "a mapping"),
    ("extra_css",): (_is_texts, "a list of file names"),
    ("extra_javascript",): (_is_list, "a list of scripts"),
    ("hooks",): (_is_texts, "a list of file names"),
    ("watch",): (_is_texts, "a list of paths"),
    ("nav",): (_is_list, "a list (the generator replaces it)"),
    ("strict",): (lambda v: isinstance(v, bool), "true or false"),
    ("use_directory_urls",): (lambda v: isinstance(v, bool), "true or false"),
}
"""The type of each MkDocs and Material setting a wrong type of would break the build with an
unlocated error (``argument of type 'int' is not iterable``); checked with a located message."""


def _what(value: Any) -> str:
    kinds = [(bool, "true/false"), (int | float, "a number"), (str, "text"), (list, "a list"),
             (dict, "a mapping")]
    return next((name for kind, name in kinds if isinstance(value, kind)), "nothing")


def _setting_problems(source: SourceFile) -> list[Problem]:
    """Settings of the wrong type; a tagged value (``!ENV``) is MkDocs' to judge."""
    problems = []
    for loc, (fits, expected) in SETTINGS.items():
        parent = source.data.get(loc[0]) if len(loc) > 1 else source.data
        if not isinstance(parent, dict) or loc[-1] not in parent or loc in source.tagged:
            continue
        value = parent[loc[-1]]
        if not fits(value):
            problems.append(source.problem(loc, f"{'.'.join(loc)} must be {expected}, not {_what(value)}"))
        elif loc == ("theme", "language") and not _material_knows(value):
            problems.append(source.problem(loc, f"theme.language '{value}' is not a language Material knows"))
    return problems


def _material_knows(language: str) -> bool:
    import material  # type: ignore[import-untyped]

    folder = Path(material.__file__).parent / "templates" / "partials" / "languages"
    return "/" not in language and (folder / f"{language}.html").is_file()


def read_user_config(root: Path) -> tuple[dict[str, Any], list[Problem]]:
    """The project's mkdocs.yml, checked for what the generated pages rely on."""
    path = root / "mkdocs.yml"
    if not (path.exists() or path.is_symlink()):
        return {}, [Problem("mkdocs.yml", 1, 1, "missing file: mkdocs.yml holds the site settings")]
    source, problems = load_yaml(path, root, loader=_TolerantLoader)
    if problems:
        return {}, problems
    config: dict[str, Any] = source.data
    problems += _setting_problems(source)
    theme = config.get("theme")
    name = theme.get("name") if isinstance(theme, dict) else theme
    if name != "material":
        problems.append(source.problem(("theme",), "theme.name must be material"))
    return config, problems


SHARED_SCRIPTS = ("assets/js/handbook.js", "assets/js/records.js")
"""Helpers the page scripts call at load (handbookOnPage, handbookRecords), so they load first."""


def _shared_first(path: str) -> tuple[int, str]:
    return (SHARED_SCRIPTS.index(path) if path in SHARED_SCRIPTS else len(SHARED_SCRIPTS), path)


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _named(item: Any) -> str:
    return str(next(iter(item))) if isinstance(item, dict) and item else str(item)


def _with(user: Any, needed: tuple[str | dict[str, Any], ...], prefix: str = "") -> list[Any]:
    """The project's list (a list or a mapping of names to settings) with each needed entry it
    lacks added at the end."""
    items: list[Any] = ([{key: value} for key, value in user.items()] if isinstance(user, dict)
                        else list(user) if isinstance(user, list) else [])
    have = {_named(item).removeprefix(prefix) for item in items}
    return items + [item for item in needed if _named(item) not in have]


def _plugins(user: Any, language: str) -> list[Any]:
    """The project's plugins plus search and offline; search splits words at curly quotes too,
    unless the project set its own separator or its language has its own."""
    plugins = _with(user, PAGE_PLUGINS)
    if language not in ("en", ""):
        return plugins
    for i, plugin in enumerate(plugins):
        if _named(plugin) == "search":
            settings = plugin.get("search") if isinstance(plugin, dict) else None
            settings = dict(settings) if isinstance(settings, dict) else {}
            settings.setdefault("separator", SEARCH_SEPARATOR)
            plugins[i] = {"search": settings}
    return plugins


_FastSafeDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's writer when PyYAML has it: the same text, a fifth of the time for a large nav."""


def write_config(
    root: Path, out: Path, site_dir: Path, site_name: str, nav: list[Any], user: dict[str, Any]
) -> Path:
    """Write the generated mkdocs.yml beside the generated docs; returns its path."""
    user_theme: dict[str, Any] = user["theme"] if isinstance(user.get("theme"), dict) else {}
    language = user_theme["language"] if isinstance(user_theme.get("language"), str) else "en"
    theme: dict[str, Any] = {"font": False, "features": _with(user_theme.get("features"), PAGE_FEATURES)}
    if (out / "overrides").is_dir():
        theme["custom_dir"] = "overrides"
    extra: dict[str, Any] = user["extra"] if isinstance(user.get("extra"), dict) else {}
    docs = out / "docs"
    css = sorted(p.relative_to(docs).as_posix() for p in (docs / "assets" / "css").glob("*.css"))
    scripts = (docs / "assets" / "js").glob("*.js")
    js = sorted((p.relative_to(docs).as_posix() for p in scripts), key=_shared_first)
    config = {
        "INHERIT": os.path.relpath(root / "mkdocs.yml", out),
        "site_name": html_text(site_name),  # Material prints it as HTML
        "docs_dir": "docs",
        "site_dir": str(site_dir.resolve()),
        "use_directory_urls": False,
        "theme": theme,
        "extra_css": [*css, *_strings(user.get("extra_css"))],
        "extra_javascript": [*js, *_strings(user.get("extra_javascript"))],
        "extra": {"polyfills": [IFRAME_WORKER, *_strings(extra.get("polyfills"))]},
        "markdown_extensions": _with(user.get("markdown_extensions"), PAGE_EXTENSIONS,
                                     "markdown.extensions."),
        "plugins": _plugins(user.get("plugins"), language),
        "nav": nav,
    }
    header = "# Generated by `handbook build` from ../mkdocs.yml and the YAML sources. Do not edit.\n"
    text = header + yaml.dump(config, Dumper=_FastSafeDumper, sort_keys=False, allow_unicode=True)
    path = out / "mkdocs.yml"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


class _Collector(logging.Handler):
    """Keeps MkDocs' warnings so a failed build can say what went wrong in one line each."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(" ".join(record.getMessage().split()))


LEAN = "handbook-lean"
QUIET_PLUGINS = frozenset({"material/search", "material/offline", "search", "offline"})
"""Plugins known to read a page's HTML only while that page is being written (search, offline)."""


def _lean_plugin(hold_compressed: bool) -> Any:
    """A plugin that keeps a large build's memory near one page's worth of HTML.

    MkDocs renders every page's Markdown before it writes any, so otherwise a large handbook's
    whole Markdown and HTML (80 MB at 100 policies) stay in memory beside the search index to the
    end of the build. Each page's Markdown goes once its HTML is made; with ``hold_compressed``
    (only plugins that read HTML while its page is written), the HTML waits zlib-compressed
    (a tenth of the size) until its page is written; HTML and table of contents go once it is
    written (the other pages' navigation needs only titles and addresses).
    """
    import zlib

    from mkdocs.plugins import BasePlugin, event_priority

    class Lean(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
        def __init__(self) -> None:
            super().__init__()
            self.waiting: dict[int, bytes] = {}

        @event_priority(-100)  # after every other plugin's: they see the HTML
        def on_page_content(self, html: str, /, *, page: Any, config: Any, files: Any) -> str:
            page.markdown = None
            if not hold_compressed:
                return html
            self.waiting[id(page)] = zlib.compress(html.encode("utf-8"), 1)
            return ""

        @event_priority(100)  # before every other plugin's: the search index reads the HTML here
        def on_page_context(self, context: Any, /, *, page: Any, config: Any, nav: Any) -> Any:
            if id(page) in self.waiting:
                page.content = zlib.decompress(self.waiting.pop(id(page))).decode("utf-8")
            return context

        def on_post_page(self, output: str, /, *, page: Any, config: Any) -> str:
            page.content, page.toc = None, []
            return output

    return Lean()


_CONFIG_VALUE = re.compile(r"Config value '([\w.-]+)'")


def _located(details: str, user_config: Path | None) -> str:
    """MkDocs' message about a setting, at that setting's line in the project's mkdocs.yml."""
    found = _CONFIG_VALUE.search(details)
    if not (found and user_config):
        return f"mkdocs: {details}"
    source, _ = load_yaml(user_config, user_config.parent, loader=_TolerantLoader)
    line, col = source.locate((found.group(1),)) if isinstance(source.data, dict) else (1, 1)
    return f"{source.display}:{line}:{col}: mkdocs: {details}"


def run_mkdocs(config_file: Path, user_config: Path | None = None, plugins: Mapping[str, Any] | None = None
               ) -> list[str]:
    """Build with MkDocs in this process (strict: a warning fails the build); returns warnings.

    A problem with a setting is reported at its line in ``user_config`` (the project's mkdocs.yml).
    ``plugins`` are added after the configured ones, so their events see the final nav and env.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    logger = logging.getLogger("mkdocs")
    collector = _Collector()
    logger.addHandler(collector)
    logger.propagate = False
    try:
        config = load_config(config_file=str(config_file), strict=True)
        lean = _lean_plugin(hold_compressed=set(config.plugins) <= QUIET_PLUGINS)
        for name, plugin in {LEAN: lean, **(plugins or {})}.items():
            config.plugins[name] = plugin
        build(config)
    except MkDocsException as error:
        details = "; ".join(collector.messages) or str(error)
        raise SiteError(_located(details, user_config)) from None
    except OSError as error:
        raise SiteError(f"{error.filename or config_file}: mkdocs: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise SiteError(f"mkdocs: {error}") from None
    finally:
        logger.removeHandler(collector)
    return collector.messages
