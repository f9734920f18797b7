from pathlib import Path

import pytest

from mlbook import sources
from mlbook_build import deps

CHAPTER = """
# 标题

```{code-cell} ipython3
from mlbook import alpha
import torch
```

prose mentioning `from mlbook import gamma` outside a code cell does not count
"""


def make_package(root: Path) -> Path:
    pkg = root / "mlbook"
    pkg.mkdir()
    (pkg / "__init__.py").write_text('"""pkg"""\n')
    (pkg / "alpha.py").write_text("from mlbook.beta import helper\n")
    (pkg / "beta.py").write_text("def helper():\n    return 1\n")
    (pkg / "gamma.py").write_text("X = 1\n")
    return pkg


def test_imports_are_followed_through_other_modules(tmp_path):
    pkg = make_package(tmp_path)
    assert [p.name for p in deps.modules_used(sources.code_cells(CHAPTER)[0], pkg)] == [
        "__init__.py", "alpha.py", "beta.py"]


def test_fingerprint_changes_exactly_with_what_the_chapter_uses(tmp_path):
    pkg = make_package(tmp_path)
    req = tmp_path / "requirements.txt"
    req.write_text("torch==1\n")
    before = deps.fingerprint(CHAPTER, pkg, req)
    (pkg / "gamma.py").write_text("X = 2\n")  # not imported by the chapter
    assert deps.fingerprint(CHAPTER, pkg, req) == before
    (pkg / "beta.py").write_text("def helper():\n    return 2\n")  # imported through alpha
    changed = deps.fingerprint(CHAPTER, pkg, req)
    assert changed != before
    req.write_text("torch==2\n")  # a new pin re-executes every chapter
    assert deps.fingerprint(CHAPTER, pkg, req) != changed


PINS = """# Exact pins (a header comment)
torch==2.14.1
numpy==2.4.6  # a comment after a pin
# the book build
jupyter-book==1.0.4.post1
myst-nb==1.4.0
ipykernel==7.4.0
# tests and lint
pytest==9.2.0
ruff==0.17.6
"""


def test_only_the_pins_of_what_runs_in_the_kernel_are_part_of_the_key(tmp_path):
    pkg = make_package(tmp_path)
    req = tmp_path / "requirements.txt"
    req.write_text(PINS)
    assert deps.runtime_pins(req).decode().split() == ["torch==2.14.1", "numpy==2.4.6", "myst-nb==1.4.0",
                                                        "ipykernel==7.4.0"]
    before = deps.fingerprint(CHAPTER, pkg, req)
    for tool in ("pytest==9.2.0", "ruff==0.17.6", "jupyter-book==1.0.4.post1"):  # test, lint and build tools
        req.write_text(PINS.replace(tool, tool.replace("==", "==99.")))
        assert deps.fingerprint(CHAPTER, pkg, req) == before, tool
    for runtime in ("torch==2.14.1", "numpy==2.4.6", "myst-nb==1.4.0", "ipykernel==7.4.0"):
        req.write_text(PINS.replace(runtime, runtime.replace("==", "==99.")))
        assert deps.fingerprint(CHAPTER, pkg, req) != before, runtime


def test_a_checkout_moved_to_another_folder_keeps_its_fingerprints(tmp_path):
    """Files count by name and contents, data files too (packed ones included), never by where they lie."""
    prints = []
    for where in ("here", "there/deeper"):
        root = tmp_path / where
        root.mkdir(parents=True)
        pkg = make_package(root)
        (root / "requirements.txt").write_text(PINS)
        packed = root / "train-images-idx3-ubyte.gz"
        packed.write_bytes(b"\x1f\x8b" + b"\0" * 64)
        prints.append((deps.fingerprint(CHAPTER, pkg, root / "requirements.txt"), deps._hash([packed])))
    assert prints[0] == prints[1]


def test_one_definition_of_reading_the_data():
    """The cache key and the notebook's install cell agree on which chapters read Fashion-MNIST."""
    import publish  # _ext/publish.py

    reader = "X, y = data.fashion_mnist(train=True)\n"
    other = "from mlbook import data\nprint(data.labels_text([0]))\n"
    assert deps.reads_data(reader) and not deps.reads_data(other)
    cell = lambda code: {"cell_type": "code", "source": [code], "metadata": {}, "outputs": []}  # noqa: E731
    for code, fetches in ((reader, True), (other, False)):
        nb = publish.for_readers({"cells": [cell(code)]}, "https://example.org/r", "main")
        assert ("--fetch" in "".join(nb["cells"][0]["source"])) is fetches


@pytest.mark.parametrize(("code", "found"), [
    ("%matplotlib inline\nimport mlbook.gamma\n", ["gamma.py"]),  # a magic
    ("import torch\nfrom mlbook import (\n    gamma,\n)\n", ["__init__.py", "gamma.py"]),  # over lines
    ("def f():\n    from mlbook import gamma\n    return gamma\n", ["__init__.py", "gamma.py"]),  # in a function
    ("from mlbook import \\\n    gamma\n", ["__init__.py", "gamma.py"]),  # a backslash continuation
    ("import torch, mlbook.gamma as g\n", ["gamma.py"]),
    ("x = 1; import mlbook.gamma\n", ["gamma.py"]),  # after another statement on the line
    ("import torch; from mlbook import gamma; y = 2\n", ["__init__.py", "gamma.py"]),
])
def test_every_form_of_import_is_found(tmp_path, code, found):
    pkg = make_package(tmp_path)
    assert [p.name for p in deps.modules_used(code, pkg)] == found


def test_a_mention_that_is_no_import_adds_nothing(tmp_path):
    pkg = make_package(tmp_path)
    assert deps.modules_used("# from mlbook import gamma\nprint('import mlbook.gamma')\n", pkg) == []


def test_fingerprint_appends_one_hidden_cell():
    text, files = deps.with_fingerprint(CHAPTER)
    assert text.count(deps.MARKER) == 1 and ":tags: [remove-cell]" in text
    assert deps.REPO_DIR / "requirements.txt" in files
    assert deps.with_fingerprint(text) == (text, [])  # once only
    assert deps.with_fingerprint("# 只有文字\n") == ("# 只有文字\n", [])


def test_fingerprint_names_the_profile_and_device(monkeypatch):
    monkeypatch.setenv("MLBOOK_DEVICE", "cpu")
    monkeypatch.setenv("MLBOOK_PROFILE", "quick")
    quick, _ = deps.with_fingerprint(CHAPTER)
    assert "profile quick, cpu" in quick
    monkeypatch.setenv("MLBOOK_PROFILE", "full")
    full, _ = deps.with_fingerprint(CHAPTER)
    assert "profile full, cpu" in full and full != quick


def test_real_chapters_depend_on_the_data_module():
    chapter = "```{code-cell} ipython3\nfrom mlbook import train\n```\n"
    names = [p.name for p in deps.modules_used(sources.code_cells(chapter)[0])]
    assert {"train.py", "data.py", "runtime.py"} <= set(names)
    assert "report.py" not in names  # data flows one way: training never imports the presentation helpers


def test_a_file_is_read_once_per_process_until_it_changes(tmp_path, monkeypatch):
    big = tmp_path / "train-images-idx3-ubyte"  # unpacked data: hashed by content, shared by many chapters
    big.write_bytes(b"\0" * 4096)
    reads = []
    real_open = Path.open
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: reads.append(self) or real_open(self, *a, **k))
    first = [deps._hash([big]) for _ in range(3)]
    assert len(set(first)) == 1 and reads == [big]
    big.write_bytes(b"\1" * 4096)  # same size, new content and time
    reads.clear()
    assert deps._hash([big]) != first[0] and reads == [big]


def test_code_cells_leave_out_the_options():
    """Both forms of a cell's options, as MyST reads them; alt text with full-width punctuation is no code."""
    chapter = ("```{code-cell} ipython3\n:tags: [remove-input]\nx = 1\n```\n\n"
               "```{code-cell} ipython3\n---\nmystnb:\n  image:\n    alt: 曲线：先降后升\n---\ny = 2\n```\n\n"
               "```{code-cell} ipython3\nz = 3  # no options\n```\n")
    assert sources.code_cells(chapter) == ["x = 1\n", "y = 2\n", "z = 3  # no options\n"]

