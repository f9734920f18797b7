import unicodedata
from pathlib import Path

import pytest

from mlbook_build import lint

BOOK = Path(__file__).resolve().parents[1] / "book"

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


def columns(line: str) -> int:
    """A line's width in a monospace font: Chinese characters and full-width forms take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


@pytest.mark.parametrize("chapter", sorted(BOOK.rglob("*.md")), ids=lambda p: str(p.relative_to(BOOK)))
def test_every_code_line_fits_the_page(chapter):
    """Ruff's E501 lets a line through when it is one unbroken word after its indentation (a long string, a
    call chain); the page does not, so every code-cell line is measured here too."""
    code = lint.as_python(chapter.read_text(encoding="utf-8"))
    wide = [(n, columns(line)) for n, line in enumerate(code.split("\n"), 1) if columns(line) > lint.LINE_LENGTH]
    assert wide == [], f"lines wider than {lint.LINE_LENGTH} columns (line, width)"
