"""Chinese search that finds the book's own terms (a Sphinx extension, listed in ``_config.yml``).

Sphinx's Chinese search cuts text with jieba's general dictionary, where 梯度下降 is 梯度 + 下降 and 过拟合 is
过 + 拟合, and leaves a query typed without spaces whole, so that most terms the book teaches found nothing.

* **Index.** jieba also knows the book's vocabulary, ``book/search-terms.txt`` (one term a line; Sphinx's
  ``html_search_options["dict"]``), and every term of it that a text contains is indexed for that text, also
  inside a longer term (梯度下降 in 小批量随机梯度下降) and across the space the book puts between Latin and
  Chinese (softmax 回归 holds softmax回归).
* **Query.** ``search_split.js`` replaces Sphinx's ``splitQuery`` (the per-language hook, ``js_splitter_code``):
  a query typed without spaces is cut into the index's own terms, longest first, Latin apart from Chinese.
* **Order.** ``search_scorer.js`` (Sphinx's ``html_search_scorer``) puts a page whose title holds every word of
  the query before the pages that only mention it.

    python _ext/search.py candidates   # terms the book marks (bold, 中文（English）) that the dictionary lacks
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from pathlib import Path

from sphinx.search.zh import SearchChinese

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TERMS = ROOT / "book" / "search-terms.txt"
HAN = r"\u3400-\u9fff\uf900-\ufaff"
LATIN_HAN_SPACE = re.compile(rf"(?<=[A-Za-z0-9])\s+(?=[{HAN}])|(?<=[{HAN}])\s+(?=[A-Za-z0-9])")


def read_terms(path: Path = TERMS) -> list[str]:
    """The dictionary's terms (jieba's user-dictionary format: a term, optionally its frequency; # comments)."""
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            terms.append(line.split()[0])
    return terms


class BookChinese(SearchChinese):
    """Sphinx's Chinese search, with the book's vocabulary on both sides of the search."""

    js_splitter_code = (HERE / "search_split.js").read_text(encoding="utf-8")
    book_terms: tuple[str, ...] = ()

    def init(self, options: dict[str, str]) -> None:
        import jieba

        super().init({})
        path = Path(options.get("dict") or TERMS)
        jieba.setLogLevel(logging.WARNING)  # not its "Building prefix dict" lines
        with path.open("rb") as f:  # Sphinx's own loading leaves the file open
            jieba.load_userdict(f)
        self.book_terms = tuple(t.lower() for t in read_terms(path))

    def split(self, input: str) -> list[str]:
        words = super().split(input)
        compact = LATIN_HAN_SPACE.sub("", input).lower()
        return words + [t for t in self.book_terms if t in compact]


def _use_book_dictionary(app, config) -> None:
    config.html_search_scorer = config.html_search_scorer or str(HERE / "search_scorer.js")
    # The scripts go into _static/language_data.js, which Sphinx writes only when it writes pages: a change to
    # them changes this value, and a changed "html" value makes Sphinx write every page again.
    scripts = b"".join((HERE / name).read_bytes() for name in ("search_split.js", "search_scorer.js"))
    config.mlbook_search_scripts = hashlib.sha256(scripts).hexdigest()[:16]
    options = dict(config.html_search_options or {})
    path = Path(options.get("dict") or TERMS)
    options["dict"] = str(path if path.is_absolute() else Path(app.srcdir) / path)
    if not Path(options["dict"]).is_file():
        from sphinx.errors import ConfigError

        raise ConfigError(f"html_search_options dict: no file {options['dict']}")
    config.html_search_options = options


def setup(app):
    """Sphinx entry point (``_config.yml``: ``local_extensions``)."""
    app.add_search_language(BookChinese)
    app.add_config_value("mlbook_search_scripts", "", "html")
    app.connect("config-inited", _use_book_dictionary)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# -- finding terms the dictionary lacks -------------------------------------------------------------------------

BOLD = re.compile(r"\*\*([^*\n]{2,16}?)\*\*")
GLOSSED = re.compile(rf"([{HAN}]{{2,8}})（[A-Za-z][A-Za-z ,\-]*）")  # 过拟合（overfitting）


def candidates(text: str) -> set[str]:
    """Words the text marks as terms: bold spans and a Chinese word glossed in English, 过拟合（overfitting）."""
    found = set()
    for span in BOLD.findall(text):
        if re.fullmatch(rf"[{HAN}A-Za-z0-9 -]+", span) and re.search(f"[{HAN}]", span):
            found.add(LATIN_HAN_SPACE.sub("", span.strip()))
    for run in GLOSSED.findall(text):  # the run ends with the term: cut it after the last small word before it
        term = re.split(r"[的是会为叫称作了在和与或把被即就也都而将其这那个种]", run)[-1]
        if len(term) >= 2:
            found.add(term)
    return found


def missing(book: Path = ROOT / "book", terms: Path = TERMS) -> list[str]:
    """Candidates from the chapters that neither the dictionary nor jieba's own splitting already has as one word."""
    import jieba

    known = {t.lower() for t in read_terms(terms)}
    jieba.setLogLevel(60)
    found = set()
    for path in sorted(book.rglob("*.md")):
        found |= candidates(path.read_text(encoding="utf-8"))
    return sorted(w for w in found if w.lower() not in known and list(jieba.cut(w)) != [w])


if __name__ == "__main__":
    if sys.argv[1:] != ["candidates"]:
        sys.exit("usage: python _ext/search.py candidates")
    for word in missing():
        print(word)
