"""How a page reads on a screen, on paper and by keyboard (a Sphinx extension, listed in ``_config.yml``).

- ``static/book.css``: long outputs wrap at the column's width instead of scrolling sideways; on paper, code
  and outputs wrap instead of being cut off, wide formulas shrink to the page, solutions print without their
  toggle buttons, and a code cell never leaves an empty frame at the bottom of a page.
- Citations as list items: docutils marks each entry of the reference list with DPUB-ARIA's ``doc-biblioentry``,
  a role deprecated in DPUB-ARIA 1.1 and not allowed in the ``role="list"`` that holds them (axe-core's
  aria-deprecated-role and aria-required-children); here they become ``listitem``.
- Sphinx tracks pages and templates, not the book's extensions and style sheet: after a change under ``_ext/``
  every page is written again (from the execution cache; nothing executes), so the change reaches the site.
- MathJax without its context menu: the menu puts every formula in the tab order (almost half the tab stops of
  a chapter), and a reader of this book needs none of its settings.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

EXT = Path(__file__).parent
STATIC = EXT / "static"
MATHJAX_OPTIONS = {"enableMenu": False}  # merged into mathjax3_config["options"]


def _configure(app, config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    mathjax = dict(config.mathjax3_config or {})
    mathjax["options"] = {**mathjax.get("options", {}), **MATHJAX_OPTIONS}
    config.mathjax3_config = mathjax


def _citations_as_list_items(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        context["body"] = context["body"].replace(' role="doc-biblioentry"', ' role="listitem"')


def _extensions_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in EXT.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(EXT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _rewrite_all_after_an_extension_changes(app, env, added, changed, removed) -> list[str]:
    # an environment from before this extension has no fingerprint: its pages are written again once
    now, before = _extensions_fingerprint(), getattr(env, "book_extensions", None)
    env.book_extensions = now
    return sorted(env.found_docs - added) if before != now else []


def setup(app):
    """Sphinx entry point (``_config.yml``: ``local_extensions``)."""
    app.connect("config-inited", _configure)
    app.connect("html-page-context", _citations_as_list_items)
    app.connect("env-get-outdated", _rewrite_all_after_an_extension_changes)
    app.add_css_file("book.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
