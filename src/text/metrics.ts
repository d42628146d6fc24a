/**
 * Answer scoring: SQuAD normalisation, exact match, cover exact match, token F1.
 *
 * Which number is which in ZeroSearch (spec §6.2, §10):
 * - The RL **reward** is `f1Score` (max over gold answers), computed on normalised strings.
 * - The paper's tables are labelled "EM" and the text describes strict EM (`exactMatch`), but the
 *   validation code that produced the RL rows logs substring containment: normalised gold ⊆
 *   normalised prediction. That is `coverExactMatch` here. Report both; compare with the paper's
 *   tables using `coverExactMatch` for the RL rows.
 * - Search-R1's own reward/`em_check` is strict equality (`exactMatch`).
 *
 * Normalisation is the SQuAD v1.1 `normalize_answer`, reproduced so that results equal the
 * Python reference code character for character (checked in metrics.test.ts against python3):
 *   1. lower-case (`toLowerCase`, same as Python's `str.lower` for all but a few exotic code points);
 *   2. delete the 32 ASCII characters of Python's `string.punctuation`. Non-ASCII punctuation
 *      (curly quotes ’ “ ”, dashes – —, «», ¿, …) is **kept**, exactly as in SQuAD / Search-R1 /
 *      ZeroSearch, so that scores stay comparable with theirs. We do not apply Unicode (NFC/NFKC)
 *      normalisation either, for the same reason;
 *   3. replace the whole words a / an / the by a space. "Whole word" uses Python's Unicode `\b`:
 *      a word character is a Unicode letter, number or `_` (JS's own `\b` is ASCII-only, which would
 *      delete the "a" in "éa");
 *   4. split on Python's `str.split()` whitespace set and join with single spaces.
 */

const ASCII_PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/** Python's `\b(a|an|the)\b` for str patterns: word characters are Unicode letters, numbers and `_`. */
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** The characters Python's `str.split()` treats as whitespace (differs from JS `\s`: has \x1c-\x1f, \x85; lacks \ufeff). */
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/** Python `' '.join(s.split())`. */
function collapseWhitespace(s: string): string {
  return s
    .split(PY_WHITESPACE)
    .filter((t) => t.length > 0)
    .join(' ');
}

/** SQuAD `normalize_answer`: lower-case, drop ASCII punctuation, drop articles, collapse whitespace. */
export function normalizeAnswer(s: string): string {
  if (typeof s !== 'string') throw new Error(`normalizeAnswer: expected a string, got ${s === null ? 'null' : typeof s}`);
  let out = '';
  for (const ch of s.toLowerCase()) if (!ASCII_PUNCTUATION.has(ch)) out += ch;
  return collapseWhitespace(out.replace(ARTICLES, ' '));
}

function goldList(golds: string | readonly string[], fn: string): readonly string[] {
  const list = typeof golds === 'string' ? [golds] : golds;
  if (!Array.isArray(list) || list.length === 0) {
    throw new Error(`${fn}: golds must be a string or a non-empty array of strings (got ${JSON.stringify(golds)})`);
  }
  for (const g of list) {
    if (typeof g !== 'string') throw new Error(`${fn}: every gold answer must be a string (got ${JSON.stringify(g)})`);
  }
  return list;
}

/** Strict exact match: 1 if the normalised prediction equals any normalised gold answer, else 0. */
export function exactMatch(pred: string, golds: string | readonly string[]): 0 | 1 {
  const p = normalizeAnswer(pred);
  return goldList(golds, 'exactMatch').some((g) => normalizeAnswer(g) === p) ? 1 : 0;
}

/**
 * Cover exact match (what ZeroSearch's code logs as "EM"): 1 if some normalised gold answer is a
 * substring of the normalised prediction. Plain substring, as in the reference (`gold in pred`):
 * gold "art" covers prediction "martial arts", and a gold that normalises to "" (e.g. "The") covers
 * every prediction.
 */
export function coverExactMatch(pred: string, golds: string | readonly string[]): 0 | 1 {
  const p = normalizeAnswer(pred);
  return goldList(golds, 'coverExactMatch').some((g) => p.includes(normalizeAnswer(g))) ? 1 : 0;
}

/** SQuAD token F1 of one prediction against one gold: multiset (Counter) overlap; 0 when nothing overlaps. */
function tokenF1(pred: string, gold: string): number {
  const predTokens = normalizeAnswer(pred)
    .split(' ')
    .filter((t) => t);
  const goldTokens = normalizeAnswer(gold)
    .split(' ')
    .filter((t) => t);
  const goldCounts = new Map<string, number>();
  for (const t of goldTokens) goldCounts.set(t, (goldCounts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of predTokens) {
    const left = goldCounts.get(t) ?? 0;
    if (left > 0) {
      same++;
      goldCounts.set(t, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / predTokens.length;
  const recall = same / goldTokens.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Token F1 (the ZeroSearch reward, spec §6.1): max over gold answers of SQuAD token F1, in [0, 1]. */
export function f1Score(pred: string, golds: string | readonly string[]): number {
  let best = 0;
  for (const g of goldList(golds, 'f1Score')) best = Math.max(best, tokenF1(pred, g));
  return best;
}

/** All three metrics of one prediction, as the `score` CLI and evaluation tables report them. */
export interface AnswerScores {
  em: number;
  cover_em: number;
  f1: number;
}

export function scoreAnswer(pred: string, golds: string | readonly string[]): AnswerScores {
  return { em: exactMatch(pred, golds), cover_em: coverExactMatch(pred, golds), f1: f1Score(pred, golds) };
}
