"""Checks of the built book in _build/html: run by `make test` right after `make book`."""

import json
import re
from html import unescape
from pathlib import Path

import pytest
from typography import CJK  # _ext/typography.py: Chinese characters and full-width forms

from mlbook_build import execute

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"

pytestmark = pytest.mark.book


def toc_files() -> list[str]:
    return [doc for part in execute.parts(ROOT) for doc in part]


def page(docname: str) -> str:
    path = HTML / f"{docname}.html"
    assert path.is_file(), f"{path} was not built: run `make book` first"
    return path.read_text(encoding="utf-8")


def has_code(docname: str) -> bool:
    return "```{code-cell}" in (ROOT / f"{docname}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("docname", toc_files())
def test_page_is_built_without_errors(docname):
    html = page(docname)
    assert "Traceback" not in html
    assert "missing from font" not in html and "missing from current font" not in html
    assert 'class="output stderr"' not in html
    # a cell's last expression shown by accident: <torch._C.Generator at 0x7f...>, [<matplotlib.lines.Line2D ...>]
    stray = re.search(r"&lt;[\w.]+[^&]{0,40} at 0x[0-9a-f]+&gt;", html)
    assert stray is None, f"{docname} shows an object's repr: {stray.group(0) if stray else ''}"
    if has_code(docname):
        assert "cell_output" in html, f"{docname} shows no executed output"


@pytest.mark.parametrize("docname", toc_files())
def test_no_markup_is_left_unparsed(docname):
    """A directive MyST could not parse (e.g. a backtick in a fenced directive's title) shows up as raw text."""
    text = re.sub(r"<pre[^>]*>.*?</pre>", "", page(docname), flags=re.DOTALL)  # code listings may show fences
    for raw in ("```{", "{glue:", "{ref}`", "{cite:"):
        assert raw not in text, f"{docname} shows unparsed markup {raw!r}"


@pytest.mark.parametrize("docname", toc_files())
def test_every_referenced_image_exists(docname):
    html = page(docname)
    base = (HTML / docname).parent
    for src in re.findall(r'<img [^>]*src="([^"]+)"', html):
        if src.startswith(("http:", "https:", "data:")):
            continue
        assert (base / src).resolve().is_file(), f"{docname} references a missing image {src}"


def test_figures_are_svg():
    images = [p for p in (HTML / "_images").iterdir() if p.suffix in {".png", ".svg", ".jpg"}]
    assert images, "the book has no figures"
    assert all(p.suffix == ".svg" for p in images), [p.name for p in images if p.suffix != ".svg"]


def search_index() -> dict:
    text = (HTML / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1: text.rindex(")")])


@pytest.mark.parametrize(("word", "docname"), [("范数", "book/basics/linear-algebra"),
                                               ("贝叶斯", "book/basics/probability")])
def test_search_finds_chinese_words(word, docname):
    index = search_index()
    hits = set()
    for table in ("terms", "titleterms"):  # the search box looks in both, as Sphinx's searchtools.js does
        found = index[table].get(word, [])
        hits |= set(found if isinstance(found, list) else [found])
    assert hits, f"{word!r} is not in the search index (is jieba installed?)"
    assert index["docnames"].index(docname) in hits


def chapters() -> list[str]:
    return execute.numbered(execute.toc(ROOT))


def visible(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def report_rows(html: str) -> list[list[str]]:
    """The execution report's table (``_ext/execution.py``) as the reader sees it, header row first."""
    table = re.search(r"<table[^>]*execution-report.*?</table>", html, re.DOTALL)
    assert table, "the execution report has no table"
    return [[visible(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.DOTALL)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.DOTALL)]


def provenance(device: str = "(cpu|cuda:0|mps)", profile: str = "(quick|full)") -> str:
    """The pattern of the line under a chapter's title (``_ext/execution.py``), as the reader sees it."""
    return (r"本章的输出在构建时计算：\d{4}-\d\d-\d\d \d\d:\d\d UTC 执行，用时 \d+\.\d 秒，"
            rf"设备 {device}，{profile} 配置（见执行报告）。")


def test_execution_report_has_a_row_for_every_chapter_in_reading_order():
    rows = report_rows(page("book/appendix/execution-report"))
    assert rows[0] == ["章节", "执行时刻（UTC）", "用时（秒）"] and rows[-1][0] == "合计"
    titles = [re.search(r"<h1>(?:<span[^>]*>[^<]*</span>)?([^<]+)<a", page(doc)).group(1) for doc in chapters()]
    assert [row[0] for row in rows[1:-1]] == [f"{n} {title}" for n, title in enumerate(titles, 1)]
    for row in rows[1:-1]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[1]) and float(row[2]) > 0, row
    assert float(rows[-1][2]) == pytest.approx(sum(float(row[2]) for row in rows[1:-1]), abs=0.1 * len(rows))


@pytest.mark.parametrize("docname", toc_files())
def test_a_chapter_says_under_its_title_where_its_outputs_were_computed(docname):
    """Chapters (pages of the numbered parts) do; the front page and the appendix do not."""
    line = re.search(r"</h1>\s*<p class=\"mlbook-provenance\">(.*?)</p>", page(docname), re.DOTALL)
    if docname not in chapters():
        assert line is None
        return
    assert line, f"{docname} has no line under its title"
    assert re.fullmatch(provenance(), visible(line.group(1)))


@pytest.mark.parametrize("docname", ["book/linear/softmax-regression", "book/mlp/mlp"])
def test_training_pages_show_the_result_line(docname):
    text = re.sub(r"<[^>]+>", "", page(docname))
    assert re.search(r"profile (full|quick), \d+ training images, \d+ epochs", text)
    assert re.search(r"loss \d\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}; \d+ examples/sec on (cpu|cuda:0|mps)",
                     text)
    assert "batch 1/" not in text  # no live-progress residue in the built page


def runs_of(docname: str) -> list[str]:
    """The record keys of the training runs a chapter reports (its ``runs.train("<chapter>/<run>", ...)`` calls)."""
    source = (ROOT / f"{docname}.md").read_text(encoding="utf-8")
    return re.findall(r'runs\.train\(\s*"([a-z0-9-]+/[a-z0-9-]+)"', source)


def visible_text(docname: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page(docname))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("docname", [f for f in toc_files() if "/cnn/" in f or "/linear/" in f or "/mlp/" in f])
def test_every_reduced_run_is_followed_by_its_record_or_the_no_record_line(docname):
    """A page whose run the quick profile cut shows the recorded full run, or says there is none; a run that was
    not cut shows only itself."""
    keys = runs_of(docname)
    text = visible_text(docname)
    reduced = text.count("缩减运行 本页在 quick 配置下执行")
    shown = [k for k in keys if f"读自 book/records/{k}.json" in text]
    missing = [k for k in keys if f"还没有（ book/records/{k}.json 不存在）" in text]
    assert len(shown) + len(missing) == reduced, (docname, reduced, shown, missing)
    for key in shown:
        assert (ROOT / "book" / "records" / f"{key}.json").is_file()
    for key in missing:
        assert not (ROOT / "book" / "records" / f"{key}.json").exists()


def test_the_execution_report_lists_every_record():
    from mlbook import records

    text = visible_text("book/appendix/execution-report")
    keys = [r["key"] for r in records.load_all(ROOT / "book" / "records")]
    assert keys, "the repository has no records"
    for key in keys:
        assert key in text, f"{key} is missing from the execution report's table of records"


def stray_spaces(docname: str) -> list[str]:
    """Line breaks of the source left between two Chinese characters (or full-width punctuation) in a page's
    running text, where the browser shows them as spaces."""
    body = page(docname).split("<article", 1)[1].split("</article>", 1)[0]
    body = re.sub(r"(?s)<(pre|script|style)\b.*?</\1>", "", body)
    # code and math stand for Latin text here: the space the book puts next to them is wanted
    body = re.sub(r'(?s)<code\b.*?</code>|<span class="math[^"]*">.*?</span>', "x", body)
    found = []
    for block in re.findall(r"(?s)<(?:p|h[1-6]|td|th|figcaption|caption)\b[^>]*>(.*?)</", body):
        text = unescape(re.sub(r"<[^>]+>", "", block))
        found += [m.group(0) for m in re.finditer(rf".{{0,6}}[{CJK}][ \t]*\n\s*[{CJK}].{{0,6}}", text)]
    return found


@pytest.mark.parametrize("docname", toc_files())
def test_no_space_between_chinese_characters(docname):
    """Line breaks in a chapter's source are not spaces in Chinese text (_ext/typography.py)."""
    assert stray_spaces(docname) == []


# Interface strings Sphinx, the themes and their extensions left in English or in Taiwan usage on this zh_CN book,
# now translated (_ext/interface.py, _locale/, _ext/templates/).
ENGLISH_INTERFACE = ["Click to show", "Click to hide", "Color mode", "System Settings", "Search this book",
                     "Link to this heading", "Launch interactive content", "Launch on", "Print to PDF", "列印",
                     "Toggle primary sidebar", "Toggle secondary sidebar", 'aria-label="Main"', "解答<a"]


@pytest.mark.parametrize("docname", toc_files())
def test_the_interface_speaks_simplified_chinese(docname):
    html = page(docname)
    assert [s for s in ENGLISH_INTERFACE if s in html] == []


def test_the_root_page_has_a_language_and_a_title():
    text = (HTML / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in text and "<title>动手学机器学习" in text
    assert 'url=book/index.html"' in text


ARTICLE_IMAGE = re.compile(r"<img\b[^>]*>")
PATH_LIKE = re.compile(r"|\S*\.(svg|png|jpe?g|gif)", re.IGNORECASE)  # empty, or a file name or path


@pytest.mark.parametrize("docname", toc_files())
def test_every_figure_has_a_text_alternative(docname):
    """The chapter writes each figure's alt text (MyST-NB's ``mystnb: image: alt``); MyST-NB's default is the
    image's own file path, which a screen reader would read out."""
    article = page(docname).split("<article", 1)[1].split("</article>", 1)[0]
    alts = [re.search(r'\balt="([^"]*)"', tag) for tag in ARTICLE_IMAGE.findall(article)]
    bad = [m[1] if m else "(no alt)" for m in alts if not m or PATH_LIKE.fullmatch(m[1].strip())]
    assert bad == [], "figures whose alt text is empty or a file path"


@pytest.mark.parametrize("docname", [f for f in toc_files() if "/cnn/" in f or "/mlp/" in f])
def test_a_training_setting_is_announced_once_per_output(docname):
    """A sweep of several runs prints its "profile ..." line once (``fit(announce=False)``), not once per run."""
    for output in re.findall(r'<div class="cell_output docutils container">(.*?)</div>\s*</div>', page(docname),
                             re.DOTALL):
        lines = re.findall(r"profile (?:quick|full), [^\n<]*", unescape(output))
        assert len(lines) == len(set(lines)), f"the same setting printed {len(lines)} times: {lines[0]}"
