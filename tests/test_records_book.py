"""Recorded full runs on the pages of a small scratch book: shown, marked stale, missing, or broken."""

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_incremental_build import JUPYTER_BOOK, NOTEBOOK, scratch_env

TRAIN = """import torch
from torch import nn
from mlbook import plot, runs, runtime, select

plot.setup()

g = torch.Generator().manual_seed(0)
X = torch.randint(0, 256, (64, 4, 4), dtype=torch.uint8, generator=g)
y = (X.float().mean(dim=(1, 2)) > 127).long()
b = runtime.budget(3, quick_epochs=1, quick_n_train=32)
runtime.seed(0)
hist = runs.train("tiny/run", nn.Sequential(nn.Flatten(), nn.Linear(16, 2)), (X, y), (X, y), b, lr=0.1,
                  batch_size=16, title="tiny")"""


def write_book(root: Path) -> None:
    (root / "_config.yml").write_text(
        "title: scratch\nonly_build_toc_files: true\nexclude_patterns: [code, _build]\n"
        "execute:\n  execute_notebooks: cache\n  cache: _build/.jupyter_cache\n"
        "sphinx:\n  extra_extensions: [mlbook_build.deps]\n"
        "  config:\n    nb_render_markdown_format: myst\n    nb_output_stderr: warn\n",
        encoding="utf-8")
    (root / "_toc.yml").write_text("format: jb-book\nroot: tiny\n", encoding="utf-8")
    (root / "tiny.md").write_text(NOTEBOOK.format(title="Tiny", prose="A reduced run.", code=TRAIN), encoding="utf-8")
    pkg = root / "code" / "mlbook"  # what the fingerprints hash; the kernel imports the real mlbook
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""scratch copy"""\n', encoding="utf-8")
    (pkg / "runs.py").write_text("from mlbook import records, runtime\n", encoding="utf-8")
    (pkg / "records.py").write_text("SCHEMA = 1\n", encoding="utf-8")
    (pkg / "runtime.py").write_text("PROFILES = 1\n", encoding="utf-8")
    (pkg / "select.py").write_text("K = 1\n", encoding="utf-8")
    (root / "fashion").mkdir()


def env(root: Path, profile: str) -> dict[str, str]:
    return {**scratch_env(root, profile), "MLBOOK_COMMIT": "feed123"}


def run(root: Path, *args: str, profile: str = "quick") -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=root, capture_output=True, text=True, timeout=600, env=env(root, profile))


def build(root: Path, profile: str = "quick") -> str:
    """Execute (as `make book` does) and build the scratch book; return the page's visible text."""
    executed = run(root, sys.executable, "-m", "mlbook_build.execute", profile=profile)
    assert executed.returncode == 0, executed.stdout[-3000:] + executed.stderr[-3000:]
    built = run(root, str(JUPYTER_BOOK), "build", ".", "-W", profile=profile)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    page = (root / "_build" / "html" / "tiny.html").read_text(encoding="utf-8")
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    root = tmp_path_factory.mktemp("records-book")
    write_book(root)
    text = build(root)  # quick, before any record exists
    assert "还没有（ book/records/tiny/run.json 不存在）" in text
    assert "MLBOOK_PROFILE=full make book" in text and "make records" in text
    full = build(root, profile="full")  # a run that was not reduced shows only itself
    assert "完整设置的记录" not in full and "profile full, 64 training images, 3 epochs" in full
    published = run(root, sys.executable, "-m", "mlbook.records", "publish")
    assert published.returncode == 0, published.stderr
    assert (root / "book" / "records" / "tiny" / "run.json").is_file()
    return root


def test_a_reduced_page_shows_the_record_with_its_provenance(book):
    text = build(book)
    assert "profile quick, 32 training images, 1 epochs" in text  # this build's own run comes first
    assert "完整设置的记录：另一次构建中的运行，不是本页这次运行" in text
    assert "feed123" in text and "64 / 64" in text and "fp32" in text  # commit, images, precision
    assert "改动" not in text  # the code is what the record's run used
    figures = re.findall(r"<img[^>]+>", (book / "_build" / "html" / "tiny.html").read_text(encoding="utf-8"))
    assert len(figures) == 2  # this run's curves, then the record's


def test_a_changed_helper_marks_the_record_stale_and_names_the_file(book):
    (book / "code" / "mlbook" / "select.py").write_text("K = 2\n", encoding="utf-8")
    text = build(book)
    assert "完整设置的记录" in text
    assert "这份记录早于以下文件的改动" in text and "code/mlbook/select.py" in text


def test_a_malformed_record_stops_the_build_with_one_line(book):
    path = book / "book" / "records" / "tiny" / "run.json"
    good = path.read_text(encoding="utf-8")
    try:
        path.write_text(good.replace('"epochs": 3', '"epochs": "three"'), encoding="utf-8")
        result = run(book, sys.executable, "-m", "mlbook_build.execute")
        assert result.returncode == 2
        assert result.stderr == f"error: {path}: field 'epochs' has the wrong type (str)\n"
        built = run(book, str(JUPYTER_BOOK), "build", ".", "-W")
        assert built.returncode != 0 and "field 'epochs' has the wrong type" in built.stdout + built.stderr
    finally:
        path.write_text(good, encoding="utf-8")


def test_without_a_record_the_page_says_how_to_make_one(book):
    path = book / "book" / "records" / "tiny" / "run.json"
    good = path.read_text(encoding="utf-8")
    path.unlink()
    try:
        text = build(book)
        assert "还没有（ book/records/tiny/run.json 不存在）" in text and "另一次构建" not in text
    finally:
        path.write_text(good, encoding="utf-8")
