"""The book's Chinese line joining (_ext/typography.py) on small document trees."""

from docutils import nodes
from typography import join_lines


def paragraph(*children) -> nodes.paragraph:
    return nodes.paragraph("", "", *children)


def test_a_break_between_chinese_characters_goes_and_one_next_to_latin_stays():
    p = paragraph(nodes.Text("信号从输入送到输出，\n它们在这里\n相遇；softmax\n回归和 ReLU 的\n2 倍"))
    assert join_lines(p) == 2
    assert p.astext() == "信号从输入送到输出，它们在这里相遇；softmax\n回归和 ReLU 的\n2 倍"


def test_breaks_at_the_edge_of_inline_markup_see_the_neighbouring_text():
    p = paragraph(nodes.Text("这叫作\n"), nodes.Text(""), nodes.strong("", "过拟合"), nodes.Text("\n，见下文"),
                  nodes.Text("\n"), nodes.emphasis("", "第二节"))
    join_lines(p)
    assert p.astext() == "这叫作过拟合，见下文第二节"


def test_code_and_math_are_left_alone():
    p = paragraph(nodes.Text("代码\n"), nodes.literal("", "中文\n中文"), nodes.Text("\n之后"),
                  nodes.math("", "\\text{中}\n\\text{文}"))
    join_lines(p)
    assert p.astext() == "代码\n中文\n中文\n之后\\text{中}\n\\text{文}"


def test_equal_text_nodes_are_told_apart():
    """Two "\n" nodes in one paragraph: only the one between Chinese characters goes."""
    p = paragraph(nodes.Text("要写"), nodes.Text("\n"), nodes.literal("", "Q"), nodes.Text(" 时，"), nodes.Text("\n"),
                  nodes.Text("行和"))
    assert join_lines(p) == 1
    assert p.astext() == "要写\nQ 时，行和"
