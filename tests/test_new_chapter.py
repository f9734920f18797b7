"""Adding a chapter is writing its file and one line of ``_toc.yml`` (CONTRIBUTING's recipe), with the book's own
configuration and extensions: the build numbers the chapter, executes it alone, writes the line under its title
and a row of the execution report."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from test_book import provenance, report_rows, visible
from test_incremental_build import JUPYTER_BOOK, NOTEBOOK, scratch_env

REPO = Path(__file__).resolve().parents[1]
TOC = """format: jb-book
root: book/index
parts:
  - caption: 第一部分
    numbered: true
    chapters:
      - file: book/part/first
  - caption: 附录
    chapters:
      - file: book/appendix/report
"""
NEW_LINE = "      - file: book/part/second\n"  # the one line the recipe adds, under the numbered part


def write_book(root: Path) -> None:
    """The book's configuration, extensions, catalogs and helpers around a front page, one chapter and a report."""
    for name in ("_config.yml", "references.bib", "requirements.txt", "book/search-terms.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, root / name)
    for name in ("_ext", "_locale", "code"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (root / "_vendor").mkdir()  # MathJax's folder: no page here has a formula
    (root / "_toc.yml").write_text(TOC, encoding="utf-8")
    (root / "book" / "index.md").write_text("# 首页\n\n一本只有两页的书。\n", encoding="utf-8")
    (root / "book" / "appendix").mkdir()
    (root / "book" / "appendix" / "report.md").write_text(
        "(sec-execution-report)=\n# 执行报告\n\n```{execution-report}\n```\n", encoding="utf-8")
    chapter("first", "第一章", root)


def chapter(name: str, title: str, root: Path) -> None:
    (root / "book" / "part").mkdir(exist_ok=True)
    (root / "book" / "part" / f"{name}.md").write_text(
        NOTEBOOK.format(title=title, prose="一段正文。", code=f"print({name!r})"), encoding="utf-8")


def build(root: Path) -> str:
    """``make book``'s two steps in the scratch book; returns what the executor printed."""
    env = scratch_env(root)
    executed = subprocess.run([sys.executable, "-m", "mlbook_build.execute"], cwd=root, capture_output=True,
                              text=True, timeout=600, env=env)
    assert executed.returncode == 0, executed.stdout[-3000:] + executed.stderr[-3000:]
    built = subprocess.run([str(JUPYTER_BOOK), "build", ".", "-W"], cwd=root, capture_output=True, text=True,
                           timeout=600, env=env)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return executed.stdout


def page(root: Path, docname: str) -> str:
    return (root / "_build" / "html" / f"{docname}.html").read_text(encoding="utf-8")


def report(root: Path) -> list[list[str]]:
    return report_rows(page(root, "book/appendix/report"))


def test_a_new_chapter_is_its_file_and_one_toc_line(tmp_path):
    write_book(tmp_path)
    assert "executing 1 chapters" in build(tmp_path)
    assert [row[0] for row in report(tmp_path)[1:]] == ["1 第一章", "合计"]

    chapter("second", "第二章", tmp_path)
    toc = tmp_path / "_toc.yml"
    toc.write_text(toc.read_text(encoding="utf-8").replace("      - file: book/part/first\n",
                                                           "      - file: book/part/first\n" + NEW_LINE),
                   encoding="utf-8")
    out = build(tmp_path)
    assert "executing 1 chapters" in out  # the new one; the first is still in the cache

    second = page(tmp_path, "book/part/second")
    title = re.search(r"<h1><span class=\"section-number\">([^<]*)</span>([^<]*)<a[^>]*>#</a></h1>\s*"
                      r"<p class=\"mlbook-provenance\">(.*?)</p>", second, re.DOTALL)
    assert title, "no line under the new chapter's numbered title"
    assert title.group(1).strip() == "2." and title.group(2) == "第二章"
    line = visible(title.group(3))
    assert re.fullmatch(provenance(device="cpu", profile="quick"), line), line

    rows = report(tmp_path)
    assert rows[0] == ["章节", "执行时刻（UTC）", "用时（秒）"]
    assert [row[0] for row in rows[1:]] == ["1 第一章", "2 第二章", "合计"]  # the report was written again
    seconds = [float(row[2]) for row in rows[1:]]
    assert all(s > 0 for s in seconds) and abs(seconds[-1] - sum(seconds[:-1])) < 0.15
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[1]) for row in rows[1:-1])
    assert "mlbook-provenance" not in page(tmp_path, "book/appendix/report")  # not a chapter: no line
