"""The reader's interface in Simplified Chinese (a Sphinx extension, listed in ``_config.yml``).

Sphinx and the themes leave some strings of a zh_CN book in English or in Taiwan usage ("Color mode",
"Search this book...", "Link to this heading", 列印成 PDF). The book's own catalogs in ``_locale/`` translate them:
``sphinx.po`` through Sphinx's ``locale_dirs``, which come before the themes' catalogs; ``booktheme.po`` is put
here before sphinx-book-theme's own catalog, which Sphinx would otherwise consult first. The strings that are
not messages at all (Jupyter Book's search box text, sphinx-togglebutton's hints) are set as configuration.
"""

from __future__ import annotations

import gettext
from pathlib import Path

SEARCH_BAR_TEXT = "搜索本书……"


def _set_strings(app, config) -> None:
    config.html_theme_options = {**(config.html_theme_options or {}), "search_bar_text": SEARCH_BAR_TEXT}


def _book_catalogs_first(app) -> None:
    from sphinx import locale

    folder = Path(app.srcdir) / "_locale"
    for catalog in ("booktheme",):
        try:
            ours = gettext.translation(catalog, str(folder), [app.config.language])
        except OSError:  # no compiled catalog for this language
            continue
        theirs = locale.translators.get(("general", catalog))
        if theirs is not None:
            ours.add_fallback(theirs)
        locale.translators[("general", catalog)] = ours


def setup(app):
    """Sphinx entry point (``_config.yml``: ``local_extensions``)."""
    app.connect("config-inited", _set_strings)
    app.connect("builder-inited", _book_catalogs_first)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
