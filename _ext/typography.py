"""Chinese typography in the built pages (a Sphinx extension, listed in ``_config.yml``).

A chapter's source wraps its lines, and Markdown turns each line break into a space: between two Chinese
characters (or after full-width punctuation) that space is wrong in Chinese text ("送到输出， 它们"). This
transform drops a line break, with the spaces around it, wherever a Chinese character or full-width punctuation
stands on both sides; a break next to Latin text, a number or code stays the one space the book's style puts there.
Code, math and raw HTML are never touched.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform

# Chinese characters and full-width forms: CJK punctuation, ideographs, full-width ASCII variants
CJK = "\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
BREAK = re.compile(rf"(?<=[{CJK}])[ \t]*\n[ \t]*(?=[{CJK}])")
OPAQUE = (nodes.literal, nodes.literal_block, nodes.math, nodes.math_block, nodes.raw, nodes.comment)


def _opaque(node: nodes.Node) -> bool:
    return any(isinstance(a, OPAQUE) for a in _ancestors(node))


def _ancestors(node: nodes.Node):
    while node is not None:
        yield node
        node = node.parent


def _edge(texts, end: int) -> str:
    """The character next to a text node: the nearest non-empty neighbour's first or last (``end``) character;
    none when that neighbour is code or math."""
    for text in texts:
        if str(text):
            return "" if _opaque(text) else str(text)[end]
    return ""


def join_lines(block: nodes.Element) -> int:
    """Drop the line breaks between Chinese characters in ``block``'s text; returns how many were dropped."""
    texts = list(block.findall(nodes.Text))
    dropped = 0
    for i, text in enumerate(texts):
        if "\n" not in text or _opaque(text):
            continue
        before = _edge(reversed(texts[:i]), -1)
        after = _edge(texts[i + 1:], 0)
        # neighbours' edge characters give the context at the node's ends, and are cut off again afterwards
        joined, n = BREAK.subn("", before + str(text) + after)
        if n:
            new = joined[len(before):len(joined) - len(after)]
            parent = text.parent  # by identity: Element.replace finds the first child *equal* to a Text
            parent[next(k for k, child in enumerate(parent.children) if child is text)] = nodes.Text(new)
            dropped += n
    return dropped


class JoinChineseLines(SphinxTransform):
    """Applied to every page after parsing, executed outputs included, before the search index reads it."""

    default_priority = 800

    def apply(self, **kwargs) -> None:
        for block in self.document.findall(nodes.TextElement):
            if isinstance(block.parent, nodes.TextElement):  # handled with the outermost block of text
                continue
            join_lines(block)


def setup(app):
    """Sphinx entry point (``_config.yml``: ``local_extensions``)."""
    app.add_transform(JoinChineseLines)
    # Pages are transformed when read: a change to this file must make Sphinx read every page again ("env").
    app.add_config_value("mlbook_typography", hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16], "env")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
