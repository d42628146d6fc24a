/**
 * Tokenisation for BM25: what a "term" is decides recall more than k1/b do.
 *
 * The default pipeline (chosen by answer-recall@5 on the QA samples in shared/data; bm25.ts has
 * the numbers, recall.test.ts checks them on every run):
 *   1. Unicode NFKD + drop combining marks, so "Beyoncé" and "Beyonce" are one term (queries and
 *      Wikipedia disagree on accents often enough to matter);
 *   2. lowercase;
 *   3. split on anything that is not a letter or digit in any script (`[^\p{L}\p{N}]+`), so
 *      "Wood's" → "wood", "s" and "1994–95" → "1994", "95";
 *   4. drop English stopwords (Lucene's classic 33-word list, the one Pyserini's default analyser
 *      uses): they carry almost no BM25 weight but make every question match every document;
 *   5. a minimal plural stemmer (Harman's S-stemmer, as in Lucene's EnglishMinimalStemFilter):
 *      "films" → "film", "cities" → "city". Pyserini uses the stronger Porter stemmer.
 */

/** Lucene's classic English stopword set (`EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`). */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'but',
  'by',
  'for',
  'if',
  'in',
  'into',
  'is',
  'it',
  'no',
  'not',
  'of',
  'on',
  'or',
  'such',
  'that',
  'the',
  'their',
  'then',
  'there',
  'these',
  'they',
  'this',
  'to',
  'was',
  'will',
  'with',
]);

export interface TermTokenizerOptions {
  /** Words to drop after lowercasing; `null` keeps every word. Default: ENGLISH_STOPWORDS. */
  stopwords?: ReadonlySet<string> | null;
  /** Fold accents (é → e). Default true. */
  foldAccents?: boolean;
  /** 's' = Harman's S-stemmer (plurals only); 'none' keeps words as they are. Default 's'. */
  stem?: 'none' | 's';
}

const NON_ALPHANUMERIC = /[^\p{L}\p{N}]+/u;
const COMBINING_MARKS = /\p{M}+/gu;

/**
 * Harman's S-stemmer (1991) as Lucene's EnglishMinimalStemmer writes it: "...ies" → "...y" (not after
 * a/e), "...es" after a/e/i/o and "...us", "...ss" stay, any other final "s" goes ("films" → "film",
 * "boxes" → "boxe"; documents and queries get the same stem, which is all BM25 needs).
 */
export function sStem(word: string): string {
  const n = word.length;
  if (n < 3 || word[n - 1] !== 's') return word;
  const before = word[n - 2];
  if (before === 'u' || before === 's') return word;
  if (before === 'e') {
    if (n > 3 && word[n - 3] === 'i' && word[n - 4] !== 'a' && word[n - 4] !== 'e') return word.slice(0, -3) + 'y';
    if ('iaoe'.includes(word[n - 3])) return word;
  }
  return word.slice(0, -1);
}

/** A function from text to terms, built once from options (cheap to call per document). */
export type TermTokenizer = (text: string) => string[];

export function makeTermTokenizer(opts: TermTokenizerOptions = {}): TermTokenizer {
  const stopwords = opts.stopwords === undefined ? ENGLISH_STOPWORDS : opts.stopwords;
  const foldAccents = opts.foldAccents ?? true;
  const stem = opts.stem ?? 's';
  return (text: string): string[] => {
    let s = text;
    if (foldAccents) s = s.normalize('NFKD').replace(COMBINING_MARKS, '');
    const out: string[] = [];
    for (const raw of s.toLowerCase().split(NON_ALPHANUMERIC)) {
      if (!raw || (stopwords && stopwords.has(raw))) continue;
      out.push(stem === 's' ? sStem(raw) : raw);
    }
    return out;
  };
}

/** A stable description of the options, stored with a saved index so a reload with other options is caught. */
export function describeTermTokenizer(opts: TermTokenizerOptions = {}): string {
  const stopwords = opts.stopwords === undefined ? ENGLISH_STOPWORDS : opts.stopwords;
  const stopPart = stopwords ? `stop${stopwords.size}:${[...stopwords].sort().join(',')}` : 'nostop';
  return `fold=${opts.foldAccents ?? true};stem=${opts.stem ?? 's'};${stopPart}`;
}
