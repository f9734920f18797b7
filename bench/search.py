"""How big the search index is and how soon the search page answers, in headless Chromium.

    .venv/bin/python bench/search.py [--html _build/html [OTHER_BUILD ...]] [--runs 7]

With several builds (say, one made with an older _config.yml), each figure is measured for all of them in one
run, the builds taking turns, so that a busy machine slows them alike.

Prints the sizes of searchindex.js (plain and gzipped, as a server would send it) and language_data.js; the
recall over the browser test's list of the book's terms (for each query, the share of pages whose text contains it
that the search returns); then for a few queries the median milliseconds from opening ``search.html?q=...`` to
the finished result list, and the number of pages found. The site is served on 127.0.0.1; nothing else is reached.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "_ext")]
# the browser test's server, Chromium settings, list of terms and their truth
from test_browser import CHROMIUM, CHROMIUM_ARGS, SEARCH_FINISHED, SEARCH_QUERIES, _Quiet, _Server, search_recall  # noqa: E402

QUERIES = ["过拟合", "交叉熵损失函数", "小批量随机梯度下降", "softmax回归", "卷积层", "ReLU"]
# searchtools.js stops its pulse and writes the closing status once the result list is complete


def recall(page, html: Path) -> str:
    """Recall over the browser test's terms (truth: the pages whose article contains the term)."""
    found, expected, empty, _ = search_recall(page, html)
    return (f"recall {found / expected:.3f} ({found}/{expected} pages over {len(SEARCH_QUERIES)} terms), "
            f"{len(empty)} terms with matching pages found nothing")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, nargs="+", default=[Path("_build/html")])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    for html in args.html:
        index = (html / "searchindex.js").read_bytes()
        language = (html / "_static" / "language_data.js").read_bytes()
        print(f"{html}: searchindex.js {len(index) / 1024:.0f} KiB ({len(gzip.compress(index)) / 1024:.0f} KiB "
              f"gzipped), language_data.js {len(language) / 1024:.1f} KiB")

    from playwright.sync_api import sync_playwright

    sites = []
    for html in args.html:
        server = _Server(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        sites.append((html, server, f"http://127.0.0.1:{server.server_address[1]}"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        for html, _, site in sites:
            page.goto(f"{site}/search.html", wait_until="load")
            print(f"{html}: {recall(page, html)}")
        print(f"median ms from opening search.html?q=... to the finished result list (of {args.runs}), pages found")
        for query in QUERIES:
            times = {html: [] for html in args.html}
            found = {}
            for _ in range(args.runs):
                for html, _, site in sites:  # the builds take turns
                    start = time.perf_counter()
                    page.goto(f"{site}/search.html?q={quote(query)}", wait_until="domcontentloaded")
                    page.wait_for_function(SEARCH_FINISHED, polling=20, timeout=30_000)
                    times[html].append((time.perf_counter() - start) * 1000)
                    found[html] = page.locator("#search-results ul.search li").count()
            print(f"  {query:<10}" + "".join(f"  {html}: {statistics.median(times[html]):4.0f} ms, {found[html]:2d}"
                                               for html in args.html))
        browser.close()
    for _, server, _ in sites:
        server.shutdown()


if __name__ == "__main__":
    main()
