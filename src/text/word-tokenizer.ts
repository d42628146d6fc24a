/**
 * Word-level tokenizer for the micro world: one id per word, punctuation mark, newline or tag.
 *
 * Why word-level: the micro world's vocabulary is a few hundred invented names and template words,
 * so a word vocabulary keeps sequences short (fast on a 2-core CPU) and every name one token, which
 * makes copying an answer out of a document a one-step decision for a tiny model.
 *
 * Normalisation (what `decode(encode(x))` gives back):
 * - Unicode NFC, then lower-case: the micro world's names are invented, so case carries nothing.
 * - Pieces: the special tokens, "\n", numbers with inner `.`/`,`/`:` ("3.5", "12:30"), words of
 *   letters/digits/`_` joined by inner hyphens ("well-known"), the clitics 's 't 're 've 'm 'll 'd
 *   right after a word, and any other single non-space character (punctuation).
 * - Decoding joins pieces with one space, except: none next to a newline, none before closing
 *   punctuation `. , ; : ! ? ) ] } %` or a clitic, none after `( [ {`.
 * So "Alice's  home (Paris), 1.5 km.\n<answer> Paris </answer>" decodes as
 * "alice's home (paris), 1.5 km.\n<answer> paris </answer>", and that canonical form round-trips
 * exactly. Words outside the vocabulary become `<unk>`.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DecodeOptions, Tokenizer } from './tokenizer';
import { writeJsonAtomic } from '../util';

/** Special tokens of every WordTokenizer, in id order (so `<pad>` is 0 and `<eos>` is 1). */
export const WORD_SPECIAL_TOKENS = [
  '<pad>',
  '<eos>',
  '<unk>',
  '<think>',
  '</think>',
  '<search>',
  '</search>',
  '<information>',
  '</information>',
  '<answer>',
  '</answer>',
] as const;

export const NEWLINE = '\n';
const CLOSING = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', '%']);
const OPENING = new Set(['(', '[', '{']);
const CLITIC = /^['’](?:s|t|re|ve|m|ll|d)$/u;
/** Default file name inside a checkpoint folder (not `tokenizer.json`, which means an HF tokenizer). */
export const WORD_TOKENIZER_FILE = 'word-tokenizer.json';

export interface WordTokenizerOptions {
  /** Words seen fewer times than this in the corpus map to `<unk>`. Default 1 (keep every word). */
  minCount?: number;
  /** More special tokens after the standard ones, e.g. the simulator's `<useful>` / `<noisy>` markers. */
  extraSpecialTokens?: readonly string[];
}

/** JSON form: the vocabulary in id order; the first `specials.length` entries are the special tokens. */
export interface WordTokenizerJSON {
  type: 'word';
  version: 1;
  specials: string[];
  vocab: string[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function pieceRegExp(specials: readonly string[]): RegExp {
  // Longest specials first so "</search>" is never read as "<" + ...; order of the other branches matters too.
  const alts = [...specials].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(
    [
      ...alts,
      '\\n',
      '\\p{N}+(?:[.,:]\\p{N}+)+',
      "(?<=[\\p{L}\\p{N}_])['’](?:s|t|re|ve|m|ll|d)(?![\\p{L}\\p{N}_])",
      '[\\p{L}\\p{N}_\\p{M}]+(?:-[\\p{L}\\p{N}_\\p{M}]+)*',
      '[^\\s]',
    ].join('|'),
    'gu',
  );
}

function checkSpecials(specials: readonly string[]): void {
  const seen = new Set<string>();
  for (const s of specials) {
    if (typeof s !== 'string' || !s || /\s/u.test(s) || s !== s.normalize('NFC').toLowerCase()) {
      throw new Error(`WordTokenizer: special token ${JSON.stringify(s)} must be a non-empty lower-case string without spaces`);
    }
    if (seen.has(s)) throw new Error(`WordTokenizer: special token ${JSON.stringify(s)} is listed twice`);
    seen.add(s);
  }
}

export class WordTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosId: number;
  readonly padId: number;
  readonly unkId: number;
  readonly newlineId: number;
  readonly specialTokens: Readonly<Record<string, number>>;
  private readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;
  private readonly specials: readonly string[];
  private readonly pieces: RegExp;

  /** Use `fromCorpus` or `fromJSON`; `vocab` lists every entry in id order, specials first. */
  private constructor(specials: readonly string[], vocab: readonly string[]) {
    checkSpecials(specials);
    for (const [i, s] of WORD_SPECIAL_TOKENS.entries()) {
      if (specials[i] !== s) throw new Error(`WordTokenizer: special token ${i} must be ${s} (got ${JSON.stringify(specials[i])})`);
    }
    if (vocab.length < specials.length || specials.some((s, i) => vocab[i] !== s)) {
      throw new Error('WordTokenizer: the vocabulary must start with the special tokens, in order');
    }
    this.ids = new Map();
    vocab.forEach((tok, id) => {
      if (typeof tok !== 'string' || !tok) throw new Error(`WordTokenizer: vocabulary entry ${id} is not a non-empty string`);
      if (this.ids.has(tok)) throw new Error(`WordTokenizer: vocabulary entry ${JSON.stringify(tok)} appears twice`);
      this.ids.set(tok, id);
    });
    if (!this.ids.has(NEWLINE)) throw new Error('WordTokenizer: the vocabulary must contain the newline token');
    this.vocab = vocab;
    this.specials = specials;
    this.vocabSize = vocab.length;
    this.padId = 0;
    this.eosId = 1;
    this.unkId = 2;
    this.newlineId = this.ids.get(NEWLINE)!;
    this.specialTokens = Object.freeze(Object.fromEntries(specials.map((s, i) => [s, i])));
    this.pieces = pieceRegExp(specials);
  }

  /**
   * Build the vocabulary from texts: special tokens, then "\n", then words by descending count
   * (ties in code-point order, so the same corpus always gives the same ids).
   */
  static fromCorpus(texts: Iterable<string>, opts: WordTokenizerOptions = {}): WordTokenizer {
    const minCount = opts.minCount ?? 1;
    if (!Number.isInteger(minCount) || minCount < 1) throw new Error(`WordTokenizer.fromCorpus: minCount must be an integer ≥ 1 (got ${minCount})`);
    const specials = [...WORD_SPECIAL_TOKENS, ...(opts.extraSpecialTokens ?? [])];
    checkSpecials(specials);
    const specialSet = new Set<string>([...specials, NEWLINE]);
    const re = pieceRegExp(specials);
    const counts = new Map<string, number>();
    for (const text of texts) {
      for (const piece of splitPieces(text, re)) {
        if (!specialSet.has(piece)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
      }
    }
    const words = [...counts.entries()]
      .filter(([, c]) => c >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([w]) => w);
    return new WordTokenizer(specials, [...specials, NEWLINE, ...words]);
  }

  static fromJSON(json: unknown, source = 'WordTokenizer JSON'): WordTokenizer {
    const j = json as Partial<WordTokenizerJSON> | null;
    if (!j || j.type !== 'word' || j.version !== 1 || !Array.isArray(j.specials) || !Array.isArray(j.vocab)) {
      throw new Error(`${source}: expected {type: "word", version: 1, specials: string[], vocab: string[]}`);
    }
    try {
      return new WordTokenizer(j.specials, j.vocab);
    } catch (err) {
      throw new Error(`${source}: ${(err as Error).message}`);
    }
  }

  toJSON(): WordTokenizerJSON {
    return { type: 'word', version: 1, specials: [...this.specials], vocab: [...this.vocab] };
  }

  /** The pieces `encode` would map to ids (after NFC + lower-casing). */
  split(text: string): string[] {
    return splitPieces(text, this.pieces);
  }

  encode(text: string): number[] {
    return this.split(text).map((p) => this.ids.get(p) ?? this.unkId);
  }

  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    let out = '';
    let prev: string | undefined;
    for (const id of ids) {
      const tok = this.vocab[id];
      if (tok === undefined) throw new Error(`WordTokenizer.decode: id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
      if (opts.skipSpecialTokens && id < this.specials.length) continue;
      if (prev !== undefined && needsSpace(prev, tok)) out += ' ';
      out += tok;
      prev = tok;
    }
    return out;
  }

  /** `decode(encode(text))`: the canonical form of a text under this tokenizer. */
  normalize(text: string): string {
    return this.decode(this.encode(text));
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.vocab[id];
  }
}

function splitPieces(text: string, re: RegExp): string[] {
  return text.normalize('NFC').toLowerCase().match(re) ?? [];
}

function needsSpace(prev: string, next: string): boolean {
  if (prev === NEWLINE || next === NEWLINE) return false;
  if (CLOSING.has(next) || CLITIC.test(next)) return false;
  return !OPENING.has(prev);
}

/** Save as JSON (atomic write). A folder gets `word-tokenizer.json` inside it. */
export function saveWordTokenizer(tokenizer: WordTokenizer, fileOrDir: string): string {
  const file = fileOrDir.endsWith('.json') ? fileOrDir : path.join(fileOrDir, WORD_TOKENIZER_FILE);
  writeJsonAtomic(file, tokenizer.toJSON());
  return file;
}

/** Load a tokenizer saved by `saveWordTokenizer` (a `.json` file, or a folder holding `word-tokenizer.json`). */
export function loadWordTokenizer(fileOrDir: string): WordTokenizer {
  const file = fileOrDir.endsWith('.json') ? fileOrDir : path.join(fileOrDir, WORD_TOKENIZER_FILE);
  if (!fs.existsSync(file)) throw new Error(`${file}: word tokenizer file not found`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return WordTokenizer.fromJSON(json, file);
}
