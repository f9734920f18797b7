"""The execution cache re-runs exactly the chapters whose dependencies changed (a small scratch book)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import zmq
from jupyter_cache import get_cache

from mlbook_build import execute as mlbook_execute

JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"

NOTEBOOK = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# {title}

{prose}

```{{code-cell}} ipython3
{code}
```
"""


def write_book(root: Path) -> None:
    (root / "_config.yml").write_text(
        "title: scratch\nonly_build_toc_files: true\nexclude_patterns: [code, _build]\n"
        "execute:\n  execute_notebooks: cache\n  cache: _build/.jupyter_cache\n"
        "sphinx:\n  extra_extensions: [mlbook_build.deps]\n", encoding="utf-8")
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: uses_select\n"
                                   "  - file: plain\n  - file: uses_data\n", encoding="utf-8")
    (root / "intro.md").write_text("# Intro\n\nNo code here.\n", encoding="utf-8")
    (root / "uses_select.md").write_text(NOTEBOOK.format(title="A", prose="Prose of A.",
                                                         code="from mlbook import select\nprint(1)"),
                                         encoding="utf-8")
    (root / "plain.md").write_text(NOTEBOOK.format(title="B", prose="Prose of B.", code="print(2)"),
                                   encoding="utf-8")
    (root / "uses_data.md").write_text(NOTEBOOK.format(title="C", prose="Prose of C.",
                                                       code="from mlbook import data\n"
                                                            "print(3)  # stands for data.fashion_mnist()"),
                                       encoding="utf-8")
    (root / "requirements.txt").write_text("torch==1\n", encoding="utf-8")
    # stand-ins for the four Fashion-MNIST files, found through MLBOOK_DATA (see build)
    (root / "fashion").mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        (root / "fashion" / name).write_bytes(b"v1")
    pkg = root / "code" / "mlbook"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""scratch copy"""\n', encoding="utf-8")
    (pkg / "select.py").write_text("K = 1\n", encoding="utf-8")
    (pkg / "plot.py").write_text("STYLE = 1\n", encoding="utf-8")
    (pkg / "data.py").write_text("SOURCE = 1\n", encoding="utf-8")


def scratch_env(root: Path, profile: str = "quick") -> dict[str, str]:
    """The scratch book's data, a fixed profile and the CPU, whatever the machine running the tests."""
    return {**os.environ, "MLBOOK_DATA": str(root / "fashion"), "MLBOOK_PROFILE": profile, "MLBOOK_DEVICE": "cpu"}


def build(root: Path, profile: str = "quick") -> set[str]:
    """Build the scratch book; return the names of the chapters that were executed."""
    # run inside the scratch book: the cache path in _config.yml is relative to the working directory
    result = subprocess.run([str(JUPYTER_BOOK), "build", ".", "-W"], cwd=root, capture_output=True, text=True,
                            timeout=600, env=scratch_env(root, profile))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return set(re.findall(r"(\w+)\.md: Executing notebook", result.stdout + result.stderr))


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    root = tmp_path_factory.mktemp("scratch-book")
    write_book(root)
    assert build(root) == {"uses_select", "plain", "uses_data"}
    return root


def test_prose_change_executes_nothing(book):
    path = book / "plain.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Prose of B.", "New prose of B."), encoding="utf-8")
    assert build(book) == set()


def test_helper_change_executes_the_chapters_that_import_it(book):
    (book / "code" / "mlbook" / "plot.py").write_text("STYLE = 2\n", encoding="utf-8")  # imported by no chapter
    assert build(book) == set()
    (book / "code" / "mlbook" / "select.py").write_text("K = 2\n", encoding="utf-8")
    assert build(book) == {"uses_select"}


def test_new_data_executes_the_chapters_that_read_it(book):
    (book / "fashion" / "t10k-labels-idx1-ubyte").write_bytes(b"v2")
    assert build(book) == {"uses_data"}


def test_new_pins_execute_everything(book):
    (book / "requirements.txt").write_text("torch==2\n", encoding="utf-8")
    assert build(book) == {"uses_select", "plain", "uses_data"}


def test_a_test_or_lint_tool_pin_executes_nothing(book):
    (book / "requirements.txt").write_text("torch==2\n# tests and lint\npytest==9\n", encoding="utf-8")
    assert build(book) == set()
    (book / "requirements.txt").write_text("torch==2\n# tests and lint\npytest==10\n", encoding="utf-8")
    assert build(book) == set()


def test_a_checkout_moved_to_another_folder_executes_nothing(book):
    moved = book.parent / "moved" / "elsewhere"
    shutil.copytree(book, moved)
    assert build(moved) == set()


def test_another_profile_executes_everything_and_the_first_stays_cached(book):
    assert build(book, profile="full") == {"uses_select", "plain", "uses_data"}
    assert build(book, profile="quick") == set()


def execute(root: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m mlbook_build.execute`` in the scratch book."""
    env = scratch_env(root)
    env.pop("OMP_NUM_THREADS", None)
    return subprocess.run([sys.executable, "-m", "mlbook_build.execute", *args], cwd=root, capture_output=True,
                          text=True, timeout=600, env=env)


def test_parallel_execution_leaves_the_build_nothing_to_execute(tmp_path):
    write_book(tmp_path)
    first = execute(tmp_path, "--jobs", "2")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "3 chapters, 2 at a time" in first.stdout and "executed 3 of 3 chapters" in first.stdout
    if zmq.has("curve"):  # the kernels' sockets are encrypted, so ipykernel has nothing to warn about
        assert "without encryption" not in first.stderr, first.stderr
    assert build(tmp_path) == set()  # MyST-NB found every chapter in the cache
    page = (tmp_path / "_build" / "html" / "plain.html").read_text(encoding="utf-8")
    assert re.search(r'class="cell_output.*?<pre><span></span>2\n</pre>', page, re.DOTALL)  # its output, shown
    again = execute(tmp_path)
    assert again.returncode == 0 and "every chapter is in the cache" in again.stdout


def test_a_failing_chapter_is_reported_and_not_cached(tmp_path):
    write_book(tmp_path)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: plain\n"
                                       "  - file: broken\n  - file: threads\n", encoding="utf-8")
    (tmp_path / "broken.md").write_text(NOTEBOOK.format(title="D", prose="", code="raise ValueError('boom')"),
                                        encoding="utf-8")
    (tmp_path / "threads.md").write_text(NOTEBOOK.format(
        title="E", prose="", code="import os\nprint(os.environ['OMP_NUM_THREADS'])"), encoding="utf-8")
    result = execute(tmp_path, "--jobs", "2")
    assert result.returncode == 1
    assert "FAILED broken.md" in result.stdout and "ValueError: boom" in result.stdout
    assert "1 chapter(s) failed" in result.stderr and "executed 2 of 3 chapters" in result.stdout
    # the two that worked are cached, and each kernel got an equal share of the cores
    again = execute(tmp_path, "--jobs", "2")
    assert again.returncode == 1 and "executing 1 chapters" in again.stdout
    cache = get_cache(str(tmp_path / "_build" / ".jupyter_cache"))
    record = next(r for r in cache.list_cache_records() if r.uri.endswith("threads.md"))
    outputs = [o["text"] for c in cache.get_cache_bundle(record.pk).nb.cells for o in c.get("outputs", [])]
    assert outputs == [f"{max(1, len(os.sched_getaffinity(0)) // 2)}\n"]


def test_jobs_must_be_a_positive_number_or_auto():
    assert mlbook_execute.jobs_for("3", 10) == 3
    assert 1 <= mlbook_execute.jobs_for("auto", 2) <= 2
    for bad in ("0", "-1", "many"):
        with pytest.raises(ValueError, match="--jobs"):
            mlbook_execute.jobs_for(bad, 5)


def test_execute_runs_only_the_chapters_named(tmp_path):
    write_book(tmp_path)
    result = execute(tmp_path, "plain.md")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "executing 1 chapters" in result.stdout and "plain.md" in result.stdout
    assert "uses_select.md" not in result.stdout
    unknown = execute(tmp_path, "nowhere.md")
    assert unknown.returncode == 2 and "not chapters of _toc.yml" in unknown.stderr
