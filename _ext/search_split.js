/* The book's query splitter (_ext/search.py): a query typed without spaces is cut into the search index's own
 * terms, longest first, so that 交叉熵损失函数 or 小批量随机梯度下降 finds the pages that discuss them, and
 * softmax回归 finds softmax and 回归. Words typed with spaces stay as they are; so does a Latin word (ReLU). */
var splitQuery = (query) => {
  const HAN = /\p{Script=Han}/u;
  const isLatin = (c) => /[\p{Letter}\p{Number}_]/u.test(c) && !HAN.test(c);
  const chunks = query.split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu).filter((term) => term);
  const index = typeof Search === "undefined" ? null : Search._index;
  if (!index) return chunks;
  if (splitQuery.index !== index) {  // the index's terms, gathered once per index
    splitQuery.terms = new Set([...Object.keys(index.terms), ...Object.keys(index.titleterms)]);
    splitQuery.longest = Math.max(2, ...[...splitQuery.terms].map((term) => term.length));
    splitQuery.index = index;
  }
  const { terms, longest } = splitQuery;
  const cut = (chunk) => {
    const text = chunk.toLowerCase();
    const words = [];
    for (let i = 0; i < text.length; ) {
      let n = Math.min(longest, text.length - i);  // the longest index term that starts here
      while (n > 1 && !terms.has(text.slice(i, i + n))) n -= 1;
      let run = 0;  // Latin letters and digits: one word, stemmed by the search as usual
      while (i + run < text.length && isLatin(text[i + run])) run += 1;
      const take = run > 0 && run >= n ? run : n > 1 ? n : 1;  // a lone character is skipped below
      words.push(text.slice(i, i + take));
      i += take;
    }
    const kept = words.filter((word) => word.length > 1);  // the index holds no one-character terms
    return kept.length ? kept : [chunk];
  };
  const words = chunks.flatMap((chunk) => (HAN.test(chunk) ? cut(chunk) : [chunk]));
  splitQuery.words = words.map((word) => word.toLowerCase());  // for the scorer (search_scorer.js)
  return words;
};
