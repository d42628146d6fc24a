/**
 * Test-only: a textbook BM25 written from the formula, independent of the engine (wink-bm25-text-search),
 * to check the engine's scores and to be the "plain BM25" baseline in the recall test. Not exported.
 *
 *   score(q, d) = Σ_{t ∈ q} idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
 *   idf(t)      = ln(1 + (N − n_t + 0.5) / (n_t + 0.5))          (Lucene's, never negative)
 *
 * A term repeated in the query counts once per occurrence (as in Lucene's bag-of-words queries).
 */
export class PlainBm25 {
  private readonly postings = new Map<string, Map<number, number>>();
  private readonly lengths: number[];
  private readonly avgdl: number;

  constructor(
    docsTokens: string[][],
    private readonly k1 = 0.9,
    private readonly b = 0.4,
  ) {
    this.lengths = docsTokens.map((t) => t.length);
    this.avgdl = this.lengths.reduce((a, c) => a + c, 0) / docsTokens.length;
    docsTokens.forEach((tokens, d) => {
      for (const t of tokens) {
        let p = this.postings.get(t);
        if (!p) this.postings.set(t, (p = new Map()));
        p.set(d, (p.get(d) ?? 0) + 1);
      }
    });
  }

  /** Score of every document containing a query term (others score 0). */
  scores(queryTokens: string[]): Map<number, number> {
    const n = this.lengths.length;
    const out = new Map<number, number>();
    for (const t of queryTokens) {
      const p = this.postings.get(t);
      if (!p) continue;
      const idf = Math.log(1 + (n - p.size + 0.5) / (p.size + 0.5));
      for (const [d, tf] of p) {
        const norm = this.k1 * (1 - this.b + (this.b * this.lengths[d]) / this.avgdl);
        out.set(d, (out.get(d) ?? 0) + (idf * tf * (this.k1 + 1)) / (tf + norm));
      }
    }
    return out;
  }

  /** Document indices of the k best, ties broken by index. */
  top(queryTokens: string[], k: number): number[] {
    return [...this.scores(queryTokens)]
      .sort((x, y) => y[1] - x[1] || x[0] - y[0])
      .slice(0, k)
      .map(([d]) => d);
  }
}

/** The simplest tokenizer: lowercase, split on non-alphanumerics. No stopwords, no accent folding. */
export const plainTokens = (s: string): string[] =>
  s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
