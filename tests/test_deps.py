from pathlib import Path

from mlbook import deps

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
    assert [p.name for p in deps.modules_used(deps.CODE_CELL.findall(CHAPTER)[0], pkg)] == [
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


def test_magics_do_not_hide_imports(tmp_path):
    pkg = make_package(tmp_path)
    code = "%matplotlib inline\nimport mlbook.gamma\n"
    assert [p.name for p in deps.modules_used(code, pkg)] == ["gamma.py"]


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
    names = [p.name for p in deps.modules_used(deps.CODE_CELL.findall(chapter)[0])]
    assert {"train.py", "data.py", "runtime.py", "report.py"} <= set(names)


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
