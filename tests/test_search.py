"""The book's Chinese search on its own, without a built site: the index side (_ext/search.py) and the query
splitter (_ext/search_split.js, run by Node.js with a small stand-in index)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import search  # _ext/search.py (pytest's pythonpath)

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")


@pytest.fixture(scope="module")
def language():
    lang = search.BookChinese({"dict": str(search.TERMS)})
    lang.init({"dict": str(search.TERMS)})
    return lang


@pytest.mark.parametrize("term", ["过拟合", "欠拟合", "梯度下降", "卷积层", "感受野", "批量大小", "迭代周期"])
def test_the_book_s_terms_are_index_terms(language, term):
    assert term in language.split(f"这一节讨论{term}的含义。")


def test_a_term_inside_a_longer_term_is_indexed_too(language):
    words = language.split("训练用小批量随机梯度下降。")
    assert {"小批量随机梯度下降", "随机梯度下降", "梯度下降"} <= set(words)


def test_latin_and_chinese_with_a_space_give_the_joined_term(language):
    assert "softmax回归" in language.split("本章介绍 softmax 回归。")
    assert "k折交叉验证" in language.split("用 K 折交叉验证选择超参数")


def test_every_dictionary_line_is_one_term():
    terms = search.read_terms()
    assert len(terms) == len(set(terms)), "a term is listed twice"
    assert all(len(t) >= 2 for t in terms), "one-character terms are never indexed"
    for term in ("过拟合", "交叉熵损失函数", "小批量随机梯度下降", "softmax回归", "K折交叉验证"):
        assert term in terms


def test_candidates_are_the_terms_a_chapter_marks():
    text = "这叫作**权重衰减**，也称**L2 正则化**；**看这里！**不是术语。模型会过拟合（overfitting）。"
    assert search.candidates(text) == {"权重衰减", "L2正则化", "过拟合"}


def split(queries: list[str], terms: list[str]) -> list[list[str]]:
    """Run the page's splitQuery in Node.js against an index that holds ``terms``."""
    script = (search.HERE / "search_split.js").read_text(encoding="utf-8") + f"""
const Search = {{ _index: {{ terms: Object.fromEntries({json.dumps(terms)}.map((t) => [t, 0])), titleterms: {{}} }} }};
console.log(JSON.stringify({json.dumps(queries)}.map(splitQuery)));
"""
    out = subprocess.run([NODE, "-e", script], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


@pytest.mark.skipif(NODE is None, reason="no Node.js to run the page's script (Debian: apt-get install nodejs)")
def test_queries_typed_without_spaces_are_cut_into_index_terms():
    terms = ["交叉熵", "损失函数", "交叉熵损失函数", "小批量", "随机梯度下降", "梯度下降", "softmax", "回归",
             "k折交叉验证", "交叉验证", "过拟合"]
    assert split(["交叉熵损失函数", "小批量随机梯度下降", "softmax回归", "K折交叉验证", "防止过拟合", "过拟合 回归",
                  "ReLU", "LeNet 汇聚", "梯度下降法"], terms) == [
        ["交叉熵损失函数"],                 # the longest index term wins
        ["小批量", "随机梯度下降"],
        ["softmax", "回归"],                # Latin apart from Chinese
        ["k折交叉验证"],
        ["过拟合"],                         # 防, 止: lone characters that are no index term
        ["过拟合", "回归"],                 # typed with a space: two words, as before
        ["ReLU"],                           # Latin alone is left to the stemmer
        ["LeNet", "汇聚"],                  # 汇聚 is no term here: kept whole rather than lost
        ["梯度下降"],
    ]
