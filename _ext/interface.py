"""The reader's interface in Simplified Chinese (a Sphinx extension, listed in ``_config.yml``).

Sphinx and the themes leave some strings of a zh_CN book in English or in Taiwan usage ("Color mode",
"Search this book...", "Link to this heading", 列印成 PDF). The book's own catalogs in ``_locale/`` translate them:
``sphinx.po`` through Sphinx's ``locale_dirs``, which come before the themes' catalogs; ``booktheme.po`` is put
here before sphinx-book-theme's own catalog, which Sphinx would otherwise consult first. ``exercise.po`` likewise
comes before sphinx-exercise's. The strings that are not messages at all are set as configuration (Jupyter
Book's search box text, sphinx-togglebutton's hints) or come from the theme's templates in ``templates/``
with the label in Chinese (the sidebar buttons' titles, the navigation's ``aria-label``), and the site's root
``index.html`` gets a language and a title.
"""

from __future__ import annotations

import gettext
import html
from pathlib import Path

SEARCH_BAR_TEXT = "搜索本书……"
BEFORE_THE_THEMES = ("booktheme", "exercise")  # catalogs of ours that must win over a theme's or extension's own
# Templates of the theme whose English labels are written into the HTML instead of being messages.
TEMPLATES = Path(__file__).parent / "templates"


def _set_strings(app, config) -> None:
    config.html_theme_options = {**(config.html_theme_options or {}), "search_bar_text": SEARCH_BAR_TEXT}
    config.templates_path = [str(TEMPLATES), *config.templates_path]


def _book_catalogs_first(app) -> None:
    from sphinx import locale
    from sphinx.util.i18n import CatalogRepository

    # Sphinx compiles the .po files of locale_dirs only after this event; the theme's strings are needed sooner
    repo = CatalogRepository(app.srcdir, app.config.locale_dirs, app.config.language, app.config.source_encoding)
    for info in repo.catalogs:
        if info.domain in BEFORE_THE_THEMES and info.is_outdated():
            info.write_mo(app.config.language)
    for catalog in BEFORE_THE_THEMES:
        found = [d for d in repo.locale_dirs if gettext.find(catalog, d, [app.config.language])]
        if not found:  # no compiled catalog for this language
            continue
        ours = gettext.translation(catalog, found[0], [app.config.language])
        theirs = locale.translators.get(("general", catalog))
        if theirs is not None:
            ours.add_fallback(theirs)
        locale.translators[("general", catalog)] = ours


def _root_page(app, exception) -> None:
    """The site's ``index.html``, which sends a browser to the book's first page: with the page's language and a
    title (sphinx-external-toc, which runs after this, writes a bare redirect only where none exists)."""
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index":
        return
    target = f"{app.config.root_doc}.html"
    title = html.escape(app.config.html_title or app.config.project)
    (Path(app.outdir) / "index.html").write_text(
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
        f'<meta http-equiv="Refresh" content="0; url={target}">\n<link rel="canonical" href="{target}">\n'
        f'</head>\n<body><p><a href="{target}">{title}</a></p></body>\n</html>\n', encoding="utf-8")


def setup(app):
    """Sphinx entry point (``_config.yml``: ``local_extensions``)."""
    app.connect("config-inited", _set_strings)
    app.connect("builder-inited", _book_catalogs_first)
    app.connect("build-finished", _root_page, priority=400)  # before sphinx-external-toc's (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
