"""How a page reads on a screen, on paper and by keyboard (a Sphinx extension, listed in ``_config.yml``).

- ``static/book.css``: long outputs wrap at the column's width instead of scrolling sideways; on paper, code
  and outputs wrap instead of being cut off, wide formulas shrink to the page, solutions print without their
  toggle buttons, and a code cell never leaves an empty frame at the bottom of a page.
- MathJax without its context menu: the menu puts every formula in the tab order (almost half the tab stops of
  a chapter), and a reader of this book needs none of its settings.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).parent / "static"
MATHJAX_OPTIONS = {"options": {"enableMenu": False}}


def _configure(app, config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    mathjax = dict(config.mathjax3_config or {})
    mathjax["options"] = {**mathjax.get("options", {}), **MATHJAX_OPTIONS["options"]}
    config.mathjax3_config = mathjax


def setup(app):
    """Sphinx entry point (``_config.yml``: ``local_extensions``)."""
    app.connect("config-inited", _configure)
    app.add_css_file("book.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
