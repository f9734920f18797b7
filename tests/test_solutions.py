"""Every solution that shows code runs it: a solution's code is in executed cells (sphinx-exercise's gated
``solution-start``/``solution-end`` form), never in a static ```python block the build does not run, unless the
block is marked ``<!-- not run: reason -->`` and the page says why."""

import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
OPEN = re.compile(r"^(`{3,}|:{3,})\{solution(-start)?\}")
STATIC = re.compile(r"^\s*(`{3,}|~{3,})\s*(python|py|ipython3?)\s*$")
NOT_RUN = re.compile(r"<!-- not run: \S.* -->")


def static_blocks_in_solutions(text: str) -> list[int]:
    """Line numbers (1-based) of unmarked static Python blocks inside solutions."""
    found, fence, gated, previous = [], None, False, ""
    for number, line in enumerate(text.splitlines(), 1):
        opening = OPEN.match(line)
        if fence is None and not gated and opening:
            gated = bool(opening[2])
            fence = None if gated else opening[1]
        elif gated and "{solution-end}" in line:
            gated = False
        elif fence is not None and line.strip() == fence:
            fence = None
        elif (fence is not None or gated) and STATIC.match(line) and not NOT_RUN.search(previous):
            found.append(number)
        if line.strip():
            previous = line
    return found


def test_the_check_finds_a_static_block_and_accepts_a_marked_one():
    solution = "````{solution} ex-1\n:class: dropdown\ntext\n```python\nx = 1\n```\n````\n"
    gated = "````{solution-start} ex-2\n````\n```python\ny = 2\n```\n```{solution-end}\n```\n"
    marked = "````{solution} ex-3\n<!-- not run: it needs a GPU -->\n```python\nz = 3\n```\n````\n"
    outside = "```python\nw = 4\n```\n"
    assert static_blocks_in_solutions(solution) == [4]
    assert static_blocks_in_solutions(gated) == [3]
    assert static_blocks_in_solutions(marked) == []
    assert static_blocks_in_solutions(outside) == []


@pytest.mark.parametrize("chapter", sorted(BOOK.rglob("*.md")), ids=lambda p: str(p.relative_to(BOOK)))
def test_no_solution_holds_code_the_build_does_not_run(chapter):
    assert static_blocks_in_solutions(chapter.read_text(encoding="utf-8")) == []
