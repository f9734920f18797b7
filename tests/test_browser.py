"""The built site in a real browser: headless Chromium against _build/html served on localhost, no other network.

Run by `make test` after the build (marker ``book``). Every request that leaves localhost is blocked and counted
as a failure. Screenshots of the first chapter of each part land in _build/browser-screenshots/ for people to
look at. MLBOOK_HTML selects another build folder; the test is skipped only where Chromium is not installed
(`make setup` installs Debian's chromium where apt works as root).
"""

import functools
import os
import re
import sys
import threading
from html import unescape
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from search import HAN  # _ext/search.py: what the search counts as Chinese
from test_book import PATH_LIKE  # alt text that is no text alternative

from mlbook_build import execute

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("MLBOOK_HTML", ROOT / "_build" / "html"))
SCREENSHOTS = Path(os.environ.get("MLBOOK_SCREENSHOTS", HTML.parent / "browser-screenshots"))
CHROMIUM = Path(os.environ.get("MLBOOK_CHROMIUM", "/usr/bin/chromium"))
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
# The flags `make pdf` runs Chromium with (no calls home at start, no GPU, no sandbox in a container).
CHROMIUM_ARGS = re.search(r"^CHROMIUM_FLAGS\s*:=\s*((?:.*\\\n)*.*)$", MAKEFILE, re.M)[1].replace("\\\n", " ").split()
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
MATHJAX_VERSION = re.search(r"^MATHJAX_VERSION\s*:=\s*(\S+)", MAKEFILE, re.M)[1]
TIMEOUT_MS = 30_000  # MathJax on the longest page takes a few seconds on a busy 2-core machine

pytestmark = [
    pytest.mark.book,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"no Chromium at {CHROMIUM}: install Debian's chromium "
                                                      "(`make setup` does so as root) to run the browser test"),
]


CHAPTERS = [doc for part in execute.parts(ROOT) for doc in part]
FIRST_OF_PART = [part[0] for part in execute.parts(ROOT)]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The browser may drop a connection it no longer needs; anything else is a real error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def site():
    assert (HTML / "index.html").is_file(), f"no site in {HTML}: run `make book` first"
    server = _Server(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """One browser tab that records what went wrong: console errors, page errors, failed and outside requests."""

    def __init__(self, browser, site):
        self.site = site
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.context.set_default_timeout(TIMEOUT_MS)
        self.outside: list[str] = []
        self.problems: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))

    def _route(self, route):
        url = route.request.url
        if urlsplit(url).scheme in {"http", "https", "ws", "wss"} and urlsplit(url).hostname not in LOCAL_HOSTS:
            self.outside.append(url)
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def open(self, docname: str, query: str = ""):
        self.page.goto(f"{self.site}/{docname}.html{query}", wait_until="load")
        self.wait_for_math()
        return self.page

    def wait_for_math(self):
        if self.page.evaluate("() => document.querySelector('.math') !== null"):
            self.page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
            self.page.evaluate("() => MathJax.startup.promise")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, site):
    v = Visit(browser, site)
    yield v
    v.close()


# Raw TeX that MathJax should have replaced, in the text a reader sees (code blocks left out).
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$")
VISIBLE_TEXT = """() => {
  const body = document.querySelector('article') || document.body;
  const copy = body.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, .highlight').forEach(e => e.remove());
  return copy.textContent;
}"""


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_loads_cleanly_with_typeset_math_and_figures(visit, docname):
    page = visit.open(docname)
    assert page.locator("article h1").first.is_visible()
    math = page.locator(".math")
    if math.count():
        typeset = page.evaluate("() => [...document.querySelectorAll('.math')]"
                                ".filter(e => !e.querySelector('mjx-container')).map(e => e.textContent)")
        assert not typeset, f"formulas MathJax left as TeX: {typeset[:3]}"
        assert page.locator("mjx-container").count() >= math.count()
        assert page.evaluate("MathJax.version") == MATHJAX_VERSION  # the copy the Makefile pinned
        errors = page.locator("mjx-merror, [data-mjx-error]")
        assert errors.count() == 0, f"MathJax could not typeset: {errors.first.get_attribute('data-mjx-error')}"
    raw = RAW_TEX.findall(page.evaluate(VISIBLE_TEXT))
    assert not raw, f"raw TeX left in the text: {raw[:5]}"
    images = page.locator("article img")
    broken = page.evaluate("() => [...document.querySelectorAll('article img')]"
                           ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert not broken, f"images that did not load: {broken}"
    figures = page.locator("article img[src$='.svg']")
    if figures.count():
        figure = figures.first
        figure.scroll_into_view_if_needed()
        box = figure.bounding_box()
        assert figure.is_visible() and box and box["width"] > 50 and box["height"] > 50, box
    assert images.count() >= figures.count()
    assert not visit.outside, f"requests that left localhost (blocked): {visit.outside}"
    assert not visit.problems, "\n".join(visit.problems)


AXE = Path(os.environ.get("MLBOOK_AXE", ROOT / "_build" / "axe-core" / "axe.min.js"))  # `make setup` puts it there
AXE_RUN = """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => r.violations.flatMap(v => v.nodes.map(n => ({
    rule: v.id, target: n.target.join(' ') + ' ' + n.html,
    inArticle: !!document.querySelector(n.target[0])?.closest('article')}))))"""
# What the themes themselves violate on every page, outside the book's content (rule -> elements), with where it
# comes from. WCAG 2.5.3 (label in name): pydata-sphinx-theme 0.17.1's search button is labelled 搜索 but also
# shows the shortcut Ctrl+K (components/search-button-field.html), and its theme switcher shows its icons' titles
# (components/theme-switcher.html); no upstream issue reports either yet.
THEME_VIOLATIONS = {("label-content-name-mismatch", "search-button-field"),
                    ("label-content-name-mismatch", "theme-switch-button")}
WIDE = """selector => [...document.querySelectorAll(selector)]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.split('\\n')[0].slice(0, 80))"""


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_reads_with_a_screen_reader_a_keyboard_and_on_a_wide_screen(visit, docname):
    """axe-core's WCAG 2.1 A/AA rules find nothing in the book's content; formulas are not tab stops; no code cell
    scrolls sideways at 1400 px; every figure has a text alternative written by its chapter."""
    assert AXE.is_file(), f"no {AXE}: run `make setup`"
    visit.page.set_viewport_size({"width": 1400, "height": 900})
    page = visit.open(docname)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(AXE_RUN)
    content = [f"{v['rule']}: {v['target']}" for v in found if v["inArticle"]]
    assert content == [], "accessibility violations in the book's content"
    theme = {(v["rule"], v["target"]) for v in found if not v["inArticle"]}
    unknown = [(rule, target) for rule, target in theme
               if not any(rule == r and part in target for r, part in THEME_VIOLATIONS)]
    assert unknown == [], "new accessibility violations outside the content: fix them or list them as the theme's"
    assert page.locator("mjx-container[tabindex]:not([tabindex='-1'])").count() == 0, "formulas are tab stops"
    assert page.evaluate(WIDE, "div.cell_input pre") == [], "code lines wider than the column"
    assert page.evaluate(WIDE, "div.cell_output pre") == [], "outputs wider than the column"
    alts = page.evaluate("() => [...document.querySelectorAll('article img')].map(i => i.getAttribute('alt') || '')")
    assert [a for a in alts if PATH_LIKE.fullmatch(a.strip())] == [], "figures without a text alternative"


def test_search_finds_a_chapter_by_a_chinese_word(visit):
    """Sphinx's search runs in the browser: type a word on the search page and follow the hit."""
    page = visit.open("search")
    box = page.locator("form.bd-search:has(+ #search-results) input[name=q]")  # the page's box, not the dialog's
    box.fill("贝叶斯")
    box.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    page.wait_for_function(SEARCH_FINISHED)
    hits = page.locator("#search-results ul.search li a")
    targets = [urlsplit(h).path for h in hits.evaluate_all("links => links.map(a => a.href)")]
    assert "/book/basics/probability.html" in targets, targets
    page.locator("#search-results ul.search li a[href*='book/basics/probability']").first.click()
    page.wait_for_url(re.compile(r"/book/basics/probability\.html"))
    assert "概率" in page.locator("article h1").first.inner_text()
    assert not visit.outside and not visit.problems, visit.outside + visit.problems


def test_previous_next_and_table_of_contents_links(visit):
    first, second = CHAPTERS[1], CHAPTERS[2]
    page = visit.open(first)
    page.locator("a.right-next").first.click()
    page.wait_for_url(f"**/{second}.html")
    page.locator("a.left-prev").first.click()
    page.wait_for_url(f"**/{first}.html")
    # The sidebar's table of contents: the last chapter of the book is one click away from the first.
    target = CHAPTERS[-1]
    link = page.locator(f"nav.bd-docs-nav a[href$='{Path(target).name}.html']").first
    title = link.inner_text().strip()
    link.click()
    page.wait_for_url(f"**/{target}.html")
    heading = page.locator("article h1").first.inner_text()
    assert title.split()[-1] in heading, (title, heading)
    assert not visit.outside and not visit.problems, visit.outside + visit.problems


def test_screenshot_of_each_part(visit):
    """One picture per part (its first chapter) for people to look at; checks that it is not blank."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    for i, docname in enumerate(FIRST_OF_PART):
        page = visit.open(docname)
        path = SCREENSHOTS / f"{i:02d}-{docname.replace('/', '-')}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 20_000, f"{path} looks blank"
    assert len(list(SCREENSHOTS.glob("*.png"))) == len(FIRST_OF_PART)
    assert not visit.outside and not visit.problems, visit.outside + visit.problems


# Terms a reader types, without spaces, as the book writes them (at least 40: the search issue's recall list).
SEARCH_QUERIES = [
    "过拟合", "欠拟合", "卷积层", "感受野", "特征图", "批量大小", "迭代周期", "随机梯度下降", "均方误差", "条件概率",
    "softmax回归", "梯度下降", "交叉熵损失函数", "小批量随机梯度下降", "权重衰减", "K折交叉验证", "暂退法", "汇聚层",
    "最大汇聚", "平均汇聚", "全连接层", "激活函数", "隐藏层", "多层感知机", "学习率", "损失函数", "交叉熵", "独热编码",
    "贝叶斯定理", "链式法则", "反向传播", "偏导数", "泛化误差", "训练误差", "验证集", "正则化", "梯度消失", "梯度爆炸",
    "局部响应归一化", "模型并行", "平移不变性", "互相关", "卷积核", "步幅", "输出通道", "全局平均汇聚", "矩阵乘法",
    "线性回归", "超参数", "大数定律", "独立同分布", "嵌套交叉验证", "模型选择", "多项式回归", "ReLU", "LeNet",
]


def article_text(docname: str, html: Path = HTML) -> str:
    """A page's article as the search truth sees it: text only, lower case, no space next to a Chinese character
    (the book writes softmax 回归, a reader types softmax回归), one space between Latin words."""
    page = (html / f"{docname}.html").read_text(encoding="utf-8")
    body = page.split("<article", 1)[1].split("</article>", 1)[0]
    body = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", body)
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).lower()
    return re.sub(rf" (?=[{HAN}])|(?<=[{HAN}]) ", "", text)


def contains(text: str, query: str) -> bool:
    """Whether ``text`` holds ``query``: anywhere for Chinese, as a whole word for Latin (LeNet, not GoogLeNet)."""
    query = query.lower()
    if re.search(f"[{HAN}]", query):
        return query in text
    return re.search(rf"(?<![a-z0-9_]){re.escape(query)}(?![a-z0-9_])", text) is not None


SEARCH_READY = "() => typeof Search !== 'undefined' && Search.hasIndex()"
# The results page lists its hits one by one; it is complete when Sphinx writes the summary line.
SEARCH_FINISHED = ("() => typeof Search !== 'undefined' && Search._pulse_status === -1 "
                   "&& !!Search.status?.innerText")
# The pages searchtools.js finds for a query, best first (it shows its list from the end).
SEARCH = """(query) => {
  const [q, terms, excluded, highlight, objects] = Search._parseQuery(query);
  return [...new Set(Search._performSearch(q, terms, excluded, highlight, objects).reverse().map((r) => r[0]))];
}"""


def search_recall(page, html: Path = HTML) -> tuple[int, int, list[str], dict[str, list[str]]]:
    """Over SEARCH_QUERIES on the search page open in ``page``: the pages found and expected (those whose article
    contains the query), the queries with expected pages that found nothing, and the pages each query missed."""
    page.wait_for_function(SEARCH_READY)
    texts = {doc: article_text(doc, html) for doc in CHAPTERS}
    found = expected = 0
    empty, misses = [], {}
    for query in SEARCH_QUERIES:
        truth = {doc for doc, text in texts.items() if contains(text, query)}
        hits = set(page.evaluate(SEARCH, query))
        found += len(truth & hits)
        expected += len(truth)
        if truth and not hits:
            empty.append(query)
        if truth - hits:
            misses[query] = sorted(truth - hits)
    return found, expected, empty, misses


def test_search_recall_over_the_book_s_terms(visit):
    """For each query, the pages whose text contains it must come back: recall at least 0.95, no query empty."""
    found, expected, empty, misses = search_recall(visit.open("search"))
    assert len(SEARCH_QUERIES) >= 40 and expected > 0
    recall = found / expected
    assert not empty, f"queries with matching pages that found nothing: {empty}"
    assert recall >= 0.95, f"recall {recall:.3f} ({found}/{expected}); missed: {misses}"
    assert not visit.outside and not visit.problems, visit.outside + visit.problems


@pytest.mark.parametrize(("query", "docname"), [
    ("过拟合", "book/mlp/underfit-overfit"), ("暂退法", "book/mlp/dropout"), ("汇聚层", "book/cnn/pooling"),
    ("权重衰减", "book/mlp/weight-decay"), ("K折交叉验证", "book/mlp/kfold"), ("多层感知机", "book/mlp/mlp"),
    ("softmax回归", "book/linear/softmax-regression"), ("条件概率", "book/basics/probability"),
])
def test_the_page_titled_with_the_term_comes_first(visit, query, docname):
    page = visit.open("search")
    page.wait_for_function(SEARCH_READY)
    assert page.evaluate(SEARCH, query)[0] == docname


def test_a_query_typed_without_spaces_finds_its_pages_in_the_search_box(visit):
    page = visit.open("search")
    box = page.locator("form.bd-search:has(+ #search-results) input[name=q]")
    box.fill("小批量随机梯度下降")
    box.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    page.wait_for_function(SEARCH_FINISHED)
    hits = page.locator("#search-results ul.search li a")
    targets = {urlsplit(h).path for h in hits.evaluate_all("links => links.map(a => a.href)")}
    assert "/book/linear/linear-regression.html" in targets, targets
    assert not visit.outside and not visit.problems, visit.outside + visit.problems
