from pathlib import Path

import pytest

from mlbook import lint

CHAPTER = """---
kernelspec:
  name: python3
---

# 标题

```{code-cell} ipython3
:tags: [remove-input]
import os
```

正文。

```{code-cell} ipython3
---
tags: [hide-output]
---
print(os.sep)
```
"""


def test_code_stays_on_its_line_and_the_rest_is_blank():
    lines = lint.as_python(CHAPTER).split("\n")
    source = CHAPTER.split("\n")
    assert lines[source.index("import os")] == "import os"
    assert lines[source.index("print(os.sep)")] == "print(os.sep)"
    assert [line for line in lines if line] == ["import os", "print(os.sep)"]  # no options, prose or fences


def write(root: Path, name: str, text: str) -> Path:
    (root / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["F"]\n', encoding="utf-8")
    path = root / "book" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_findings_name_the_chapter_and_its_line(tmp_path):
    write(tmp_path, "part/ok.md", CHAPTER)
    bad = write(tmp_path, "part/bad.md", CHAPTER.replace("print(os.sep)", "import sys\nprint(os.sep)"))
    line = bad.read_text(encoding="utf-8").split("\n").index("import sys") + 1
    status, report = lint.run([tmp_path / "book"], root=tmp_path)
    assert status == 1
    assert f"book/part/bad.md:{line}:8: F401" in report and "ok.md" not in report
    assert "_build/lint" not in report


def test_a_clean_book_passes_and_prose_only_pages_are_skipped(tmp_path):
    write(tmp_path, "ok.md", CHAPTER)
    write(tmp_path, "intro.md", "# 前言\n\nimport nothing\n")
    assert lint.run([tmp_path / "book"], root=tmp_path)[0] == 0
    assert sorted(p.name for p in (tmp_path / "_build" / "lint").rglob("*.py")) == ["ok.py"]


def test_a_missing_path_says_what_to_name():
    with pytest.raises(FileNotFoundError, match="name chapter files or folders"):
        lint.find_chapters([Path("no/such/chapter.md")])
