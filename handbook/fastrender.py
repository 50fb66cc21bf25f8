"""Render one page again with the MkDocs build that made the site on screen (the preview's fast path).

A full MkDocs build of a large handbook takes many seconds, most of it spent on pages nobody is
looking at. Like Hugo's fast render mode, the preview re-renders the pages open in a browser
first: it keeps what the last full build set up (config with its plugins, files, navigation,
theme environment) and passes new Markdown through MkDocs' own page pipeline (the page events,
Markdown with the site's extensions, the theme's template) for just those pages. The rest of
the site (navigation titles, the search index, other pages) follows with the next full build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mkdocs.plugins import BasePlugin

if TYPE_CHECKING:
    import jinja2
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.nav import Navigation

CAPTURE = "handbook-warm"
"""The name the capturing plugin is registered under in a build's plugin collection."""


class WarmSite(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Added to a full build's plugins, keeps what that build set up; then renders single pages.

    Each full build gets a new instance and loads its own config, so a later build never
    touches the objects a WarmSite holds.
    """

    def __init__(self) -> None:
        super().__init__()
        self._config: MkDocsConfig | None = None
        self._files: Files | None = None
        self._nav: Navigation | None = None
        self._env: jinja2.Environment | None = None

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        self._nav, self._files = nav, files
        return nav

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        self._config, self._env = config, env
        return env

    @property
    def ready(self) -> bool:
        """Whether the build got as far as writing pages (a failed build leaves nothing to reuse)."""
        return None not in (self._config, self._files, self._nav, self._env)

    def destination(self, src_uri: str) -> str | None:
        """Where the page made from ``src_uri`` (a docs-relative Markdown path) sits in the site."""
        file = self._files.get_file_from_path(src_uri) if self._files else None
        return file.dest_uri if file is not None and file.page is not None else None

    def render(self, src_uri: str, markdown: str) -> str | None:
        """The page's HTML from new Markdown, exactly as the build's own pipeline makes it; None
        for a page the build did not have (a new policy's pages wait for the next full build)."""
        from mkdocs.commands.build import get_context
        from mkdocs.utils import meta

        config, files, nav, env = self._config, self._files, self._nav, self._env
        file = files.get_file_from_path(src_uri) if files else None
        if config is None or files is None or nav is None or env is None or file is None or file.page is None:
            return None
        page = file.page
        config._current_page = page
        try:
            text, page.meta = meta.get_data(markdown)
            page.markdown = config.plugins.on_page_markdown(text, page=page, config=config, files=files)
            page.render(config, files)
            page.content = config.plugins.on_page_content(page.content or "", page=page, config=config,
                                                          files=files)
            page.active = True
            context: Any = get_context(nav, files.documentation_pages(), config, page)
            template = env.get_template(page.meta.get("template", "main.html"))
            context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
            output: str = config.plugins.on_post_page(template.render(context), page=page, config=config)
            return output
        finally:
            page.active = False
            config._current_page = None
