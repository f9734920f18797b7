"""The appendix lists every correction of the notes that a chapter makes, and nothing else."""

import re
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / "book"


def test_every_erratum_box_is_listed_in_the_appendix():
    boxes = set()
    for chapter in BOOK.rglob("*.md"):
        boxes |= set(re.findall(r"^\((erratum-[a-z0-9-]+)\)=$", chapter.read_text(encoding="utf-8"), re.MULTILINE))
    listed = set(re.findall(r"<(erratum-[a-z0-9-]+)>", (BOOK / "appendix" / "errata.md").read_text(encoding="utf-8")))
    assert boxes, "no erratum boxes found"
    assert boxes - listed == set(), "corrections missing from the appendix"
    assert listed - boxes == set(), "the appendix links to boxes that do not exist"
