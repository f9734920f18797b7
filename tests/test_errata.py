"""The appendix lists every correction of the notes that a chapter makes, and nothing else."""

import re
from pathlib import Path

from mlbook_build import execute

BOOK = Path(__file__).resolve().parents[1] / "book"


def test_every_erratum_box_is_listed_in_the_appendix():
    boxes = set()
    for chapter in BOOK.rglob("*.md"):
        boxes |= set(re.findall(r"^\((erratum-[a-z0-9-]+)\)=$", chapter.read_text(encoding="utf-8"), re.MULTILINE))
    listed = set(re.findall(r"<(erratum-[a-z0-9-]+)>", (BOOK / "appendix" / "errata.md").read_text(encoding="utf-8")))
    assert boxes, "no erratum boxes found"
    assert boxes - listed == set(), "corrections missing from the appendix"
    assert listed - boxes == set(), "the appendix links to boxes that do not exist"


def test_the_appendix_follows_the_book():
    """Rows in reading order: by chapter as _toc.yml lists them, then by where the box stands in the chapter."""
    where = {}
    for number, chapter in enumerate(execute.chapters(BOOK.parent)):  # in _toc.yml's order
        text = chapter.read_text(encoding="utf-8")
        sections = re.findall(r"^\((sec-[\w-]+)\)=$", text, re.MULTILINE)
        for box in re.finditer(r"^\(((?:erratum|note)-[a-z0-9-]+)\)=$", text, re.MULTILINE):
            where[box.group(1)] = (number, box.start(), sections[0] if sections else None)
    rows = re.findall(r"^\| \{ref\}`(sec-[\w-]+)` \|.*<((?:erratum|note)-[a-z0-9-]+)>`? \|$",
                      (BOOK / "appendix" / "errata.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert len(rows) > 50
    for section, box in rows:
        assert where[box][2] == section, f"{box} is listed under {section} but stands in {where[box][2]}"
    positions = [where[box][:2] for _, box in rows]
    assert positions == sorted(positions), "errata rows are not in the order of the book"


def test_every_correction_is_a_titled_warning_box():
    """`{warning} title` would show a generic 警告 with the title as text: the boxes are titled admonitions."""
    for chapter in BOOK.rglob("*.md"):
        text = chapter.read_text(encoding="utf-8")
        for label in re.finditer(r"^\(erratum-[a-z0-9-]+\)=\n(.*)\n(.*)$", text, re.MULTILINE):
            fence, option = label.group(1), label.group(2)
            assert re.match(r"^`{3,}\{admonition\} 笔记勘误：\S", fence), f"{chapter.name}: {fence}"
            assert option == ":class: warning", f"{chapter.name}: {fence}"
