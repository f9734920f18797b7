/* The book's search scorer (_ext/search.py, Sphinx's html_search_scorer): Sphinx's weights, and a page whose
 * title holds every word of the query comes first (过拟合 finds 模型选择、欠拟合与过拟合 before the pages that
 * mention it). splitQuery (search_split.js) keeps the words of the query being searched. */
var Scorer = {
  score: (result) => {
    const [, title, , , score] = result;
    const words = (typeof splitQuery !== "undefined" && splitQuery.words) || [];
    const page = String(title).split(" > ")[0].replace(/<[^>]*>/g, "").toLowerCase()  // "<span>5. </span>softmax 回归"
      .replace(/\s+(?=\p{Script=Han})|(?<=\p{Script=Han})\s+/gu, "");  // the book's softmax 回归 is softmax回归 typed
    return score + (words.length && words.every((word) => page.includes(word)) ? 30 : 0);
  },
  // Sphinx's own weights (searchtools.js)
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
