"""The built site works offline: every page loads its scripts, styles, fonts and images from the site itself.

Run by `make test` after the build (marker ``book``). Only plain links (<a href>, launch buttons, references)
may leave the site. Set MLBOOK_HTML to check another build folder than _build/html.
"""

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("MLBOOK_HTML", ROOT / "_build" / "html"))
MATHJAX = HTML / "_static" / "mathjax" / "tex-svg-full.js"

pytestmark = pytest.mark.book

# <link rel=...> values that make the browser fetch something (prev/next/search/index are only links).
FETCHING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "shortcut", "apple-touch-icon",
                 "manifest", "mask-icon", "dns-prefetch", "preconnect"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class Resources(HTMLParser):
    """Collects every URL that a browser loads when it opens the page (not the ones a reader may click)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (what, url)
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and set((a.get("rel") or "").lower().split()) & FETCHING_RELS and a.get("href"):
            self.urls.append((f"<link rel={a.get('rel')}>", a["href"]))
        for attr in ("src", "poster", "data"):
            if a.get(attr) and tag in {"script", "img", "iframe", "embed", "source", "video", "audio", "track",
                                       "input", "object"}:
                self.urls.append((f"<{tag} {attr}>", a[attr]))
        for attr in ("srcset", "imagesrcset"):
            for item in (a.get(attr) or "").split(","):
                if item.strip():
                    self.urls.append((f"<{tag} {attr}>", item.split()[0]))
        if tag == "image" and (a.get("href") or a.get("xlink:href")):
            self.urls.append(("<image href>", a.get("href") or a["xlink:href"]))
        if a.get("style"):
            self.urls += [("style attribute", u or i) for u, i in CSS_URL.findall(a["style"])]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += [("<style>", u or i) for u, i in CSS_URL.findall(data)]


def pages() -> list[Path]:
    # _static holds the themes' Jinja macro files (*.html), which no reader opens
    found = sorted(p for p in HTML.rglob("*.html") if p.relative_to(HTML).parts[0] not in {"_static", "_sources"})
    assert found, f"no HTML in {HTML}: run `make book` first"
    return found


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme and parts.scheme not in {"data", "blob"}) or url.startswith("//")


def local_file(base: Path, url: str) -> Path:
    return (base / unquote(urlsplit(url).path)).resolve()


def test_pages_load_nothing_from_outside():
    problems = []
    for path in pages():
        parser = Resources()
        parser.feed(path.read_text(encoding="utf-8"))
        name = path.relative_to(HTML)
        problems += [f"{name}: loads {what} {url} from outside" for what, url in parser.urls if is_external(url)]
        problems += [f"{name}: {what} {url} is not in the build" for what, url in parser.urls
                     if not is_external(url) and not url.startswith(("data:", "#"))
                     and not local_file(path.parent, url).is_file()]
    assert not problems, "\n".join(problems)


def test_stylesheets_load_nothing_from_outside():
    sheets = sorted((HTML / "_static").rglob("*.css"))
    assert sheets
    for sheet in sheets:
        for url, imported in CSS_URL.findall(sheet.read_text(encoding="utf-8", errors="replace")):
            url = url or imported
            if url.startswith("data:"):
                continue
            assert not is_external(url), f"{sheet.relative_to(HTML)} loads {url}"
            assert local_file(sheet.parent, url).is_file(), f"{sheet.relative_to(HTML)} refers to a missing {url}"


def test_figures_load_nothing_from_outside():
    figures = sorted((HTML / "_images").glob("*.svg"))
    assert figures, "the book has no figures"
    for figure in figures:
        text = figure.read_text(encoding="utf-8")
        hrefs = re.findall(r"""(?:xlink:)?href=["']([^"']+)""", text)
        assert not [h for h in hrefs if is_external(h)], f"{figure.name} refers to outside resources"


def test_math_pages_use_the_local_mathjax():
    """Sphinx adds MathJax to the pages that have formulas; it must be the copy in _static, not a CDN."""
    assert MATHJAX.is_file(), f"{MATHJAX} is missing: `make setup` (target mathjax) copies it from the npm package"
    math_pages = [p for p in pages() if 'class="math' in p.read_text(encoding="utf-8")]
    assert len(math_pages) >= 3, "the book should have several pages with formulas"
    for path in math_pages:
        scripts = re.findall(r'<script[^>]*src="([^"]*mathjax[^"]*)"', path.read_text(encoding="utf-8"))
        assert scripts, f"{path.relative_to(HTML)} has formulas but loads no MathJax"
        assert all(local_file(path.parent, s) == MATHJAX.resolve() for s in scripts), scripts


def test_the_check_sees_what_a_browser_would_fetch():
    """The parser is not blind: a page with a CDN script, a web font and a remote image is caught."""
    parser = Resources()
    parser.feed('<link rel="stylesheet" href="//fonts.example/css"><link rel="next" href="https://x.example/">'
                '<script src="https://cdn.example/mathjax.js"></script><img srcset="https://i.example/a.png 2x">'
                '<div style="background: url(https://i.example/b.png)"></div><style>@import "https://c.example/s";'
                '</style><a href="https://colab.research.google.com/">Colab</a><img src="data:image/png;base64,AA">')
    assert sorted(url for _, url in parser.urls if is_external(url)) == [
        "//fonts.example/css", "https://c.example/s", "https://cdn.example/mathjax.js", "https://i.example/a.png",
        "https://i.example/b.png"]
