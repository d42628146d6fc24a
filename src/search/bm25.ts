/**
 * BM25 over a passage corpus: the kit's *real search engine* (the stand-in for Google / the
 * Search-R1 wiki retriever in the micro world, and a local engine for the real QA samples).
 *
 * The index and scoring are wink-bm25-text-search's, chosen because it is plain BM25:
 *
 *   score(q, d) = Σ_{t ∈ q} idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
 *   idf(t)      = ln((N − n_t + 0.5) / (n_t + 0.5) + k)
 *
 * with |d| in tokens and a repeated query term counted per occurrence; with k = 1 its idf is
 * Lucene's / Pyserini's ln(1 + (N − n_t + 0.5)/(n_t + 0.5)), never negative. (minisearch, the first
 * plan, multiplies each score by the number of query terms matched and measures |d| in distinct
 * terms, neither of which can be turned off: answer-recall@5 on the NQ sample fell from 0.836 to
 * 0.754.) Two things to know about wink: it bakes k1 and b into the index when it consolidates,
 * so they are part of a saved index; and it stores each term's share rounded to `PRECISION`
 * decimals, so scores match the formula to ~1e-9 per query term, not to the last bit. It also
 * refuses corpora of fewer than 3 documents, and so does this engine, with a clear error.
 *
 * k1 = 0.9, b = 0.4 are Pyserini's defaults and the BM25 baseline Search-R1 reports. Like
 * Pyserini's `contents`, a document is indexed as one field, `title\ntext`; tokenisation is
 * tokenize.ts's (accent folding, stopwords, S-stemmer), given to wink as its only prep task.
 * Choosing these, answer-recall@5 (question as query, top 5) over the HotpotQA / 2Wiki / NQ /
 * PopQA / MuSiQue samples in shared/data averaged 0.654 against 0.650 for bare lowercase tokens;
 * title and text as two summed fields also gave 0.653, and all variants were within a few
 * questions of each other per set. recall.test.ts prints ours against plain BM25 on every run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { hashString, readJson, writeFileAtomic } from '../util';
import { corpusHash, readCorpus } from './corpus';
import { describeTermTokenizer, makeTermTokenizer, TermTokenizerOptions } from './tokenize';
import { checkTopk, Doc, SearchEngine, SearchOptions } from './types';
import type { World } from '../world/types';

export interface Bm25Options extends TermTokenizerOptions {
  /** Term-frequency saturation. Default 0.9 (Pyserini). */
  k1?: number;
  /** Length normalisation. Default 0.4 (Pyserini). */
  b?: number;
}

/** The parts of wink-bm25-text-search's engine used here (the package ships no types). */
interface WinkBm25 {
  defineConfig(cfg: { fldWeights: Record<string, number>; bm25Params: { k1: number; b: number; k: number } }): boolean;
  definePrepTasks(tasks: Array<(text: string) => string[]>): number;
  addDoc(doc: Record<string, string>, id: string): number;
  consolidate(precision: number): boolean;
  /** [document id, score] pairs, best first, at most `limit` of them. */
  search(text: string, limit: number): Array<[string, number]>;
  getTotalDocs(): number;
  exportJSON(): string;
  importJSON(json: string): boolean;
}
const winkBm25 = require('wink-bm25-text-search') as () => WinkBm25;

/** wink refuses to consolidate fewer documents than this. */
const MIN_DOCS = 3;
/** Decimals wink keeps of each term's score share: its maximum. */
const PRECISION = 9;
const FIELD = 'contents';

// A saved index must match the corpus (hash), the tokenizer and k1, b (wink bakes them in).
const INDEX_FILE = 'bm25-index.json';
const FORMAT_VERSION = 2;

interface SavedIndex {
  format: 'zerosearch-bm25';
  version: number;
  corpusHash: string;
  tokenizer: string;
  k1: number;
  b: number;
  docs: Doc[];
  /** wink's exportJSON(), parsed. */
  index: unknown;
}

export class Bm25Engine implements SearchEngine {
  readonly name: string;
  readonly k1: number;
  readonly b: number;

  private constructor(
    readonly docs: readonly Doc[],
    private readonly index: WinkBm25,
    readonly corpusHash: string,
    private readonly opts: Bm25Options,
  ) {
    ({ k1: this.k1, b: this.b } = bm25Params(opts));
    // The name keys record/replay caches, so it names everything that changes results.
    const tokenizer = describeTermTokenizer(opts) === describeTermTokenizer() ? '' : `:tok=${hashString(describeTermTokenizer(opts)).toString(16)}`;
    this.name = `bm25:${corpusHash}:k1=${this.k1}:b=${this.b}${tokenizer}`;
  }

  /** Index documents held in memory (the micro world's corpus, a test corpus). */
  static fromDocs(docs: readonly Doc[], opts: Bm25Options = {}): Bm25Engine {
    if (docs.length < MIN_DOCS) {
      throw new Error(`BM25: a corpus needs at least ${MIN_DOCS} documents (wink-bm25-text-search's minimum), got ${docs.length}`);
    }
    const index = newWinkIndex(opts);
    // Ids are corpus positions: wink returns them as strings, and JS objects iterate integer keys
    // in ascending order, so equal scores come back in corpus order.
    docs.forEach((d, i) => index.addDoc({ [FIELD]: d.title ? `${d.title}\n${d.text}` : d.text }, String(i)));
    index.consolidate(PRECISION);
    return new Bm25Engine(docs, index, corpusHash(docs), opts);
  }

  /**
   * Open a JSONL corpus; with `indexDir`, reuse the index saved there if it was built from the same
   * documents with the same tokenizer, k1 and b, else build it and save it there.
   */
  static fromCorpusFile(file: string, opts: Bm25Options & { indexDir?: string } = {}): Bm25Engine {
    const docs = readCorpus(file);
    const { indexDir, ...bm25 } = opts;
    if (indexDir && fs.existsSync(path.join(indexDir, INDEX_FILE))) {
      const saved = readSavedIndex(indexDir, true);
      const { k1, b } = bm25Params(bm25);
      if (saved && saved.corpusHash === corpusHash(docs) && saved.tokenizer === describeTermTokenizer(bm25) && saved.k1 === k1 && saved.b === b) {
        return Bm25Engine.fromSaved(saved, bm25, indexDir);
      }
    }
    const engine = Bm25Engine.fromDocs(docs, bm25);
    if (indexDir) engine.save(indexDir);
    return engine;
  }

  /** Write the index (documents included) to `dir/bm25-index.json`, atomically. */
  save(dir: string): void {
    const saved: SavedIndex = {
      format: 'zerosearch-bm25',
      version: FORMAT_VERSION,
      corpusHash: this.corpusHash,
      tokenizer: describeTermTokenizer(this.opts),
      k1: this.k1,
      b: this.b,
      docs: [...this.docs],
      index: JSON.parse(this.index.exportJSON()),
    };
    writeFileAtomic(path.join(dir, INDEX_FILE), JSON.stringify(saved));
  }

  /**
   * Load an index saved by `save`. `expectCorpusHash` (from `corpusHash(readCorpus(file))`) makes a
   * stale index an error instead of silently searching old documents. Asking for other k1 or b than
   * it was saved with re-indexes its documents (wink fixes them at indexing time).
   */
  static load(dir: string, opts: Bm25Options & { expectCorpusHash?: string } = {}): Bm25Engine {
    const { expectCorpusHash, ...bm25 } = opts;
    const saved = readSavedIndex(dir);
    if (expectCorpusHash !== undefined && saved.corpusHash !== expectCorpusHash) {
      throw new Error(`${path.join(dir, INDEX_FILE)}: stale index (built from corpus ${saved.corpusHash}, expected ${expectCorpusHash}); rebuild it`);
    }
    if (saved.tokenizer !== describeTermTokenizer(bm25)) {
      throw new Error(`${path.join(dir, INDEX_FILE)}: index was built with other tokenizer options (${saved.tokenizer})`);
    }
    const { k1, b } = bm25Params(bm25);
    if (saved.k1 !== k1 || saved.b !== b) return Bm25Engine.fromDocs(saved.docs, bm25);
    return Bm25Engine.fromSaved(saved, bm25, dir);
  }

  private static fromSaved(saved: SavedIndex, opts: Bm25Options, dir: string): Bm25Engine {
    const where = path.join(dir, INDEX_FILE);
    const index = newWinkIndex(opts);
    try {
      index.importJSON(JSON.stringify(saved.index));
    } catch (e) {
      throw new Error(`${where}: malformed index (${(e as Error).message})`);
    }
    if (index.getTotalDocs() !== saved.docs.length) {
      throw new Error(`${where}: index covers ${index.getTotalDocs()} documents but holds ${saved.docs.length}`);
    }
    return new Bm25Engine(saved.docs, index, saved.corpusHash, opts);
  }

  /** Every document sharing a term with the query, best first; ties broken by corpus order. */
  scoreQuery(query: string): Array<{ index: number; score: number }> {
    return this.index.search(query, this.docs.length).map(([id, score]) => ({ index: Number(id), score }));
  }

  async search(queries: string[], opts: SearchOptions): Promise<Doc[][]> {
    checkTopk(opts.topk);
    return queries.map((q) => this.index.search(q, opts.topk).map(([id, score]) => ({ ...this.docs[Number(id)], score })));
  }
}

function bm25Params(opts: Bm25Options): { k1: number; b: number } {
  const k1 = opts.k1 ?? 0.9;
  const b = opts.b ?? 0.4;
  // wink would silently swap bad values for its own defaults; fail instead.
  if (!(k1 >= 0) || !(b >= 0 && b <= 1)) throw new Error(`BM25 options: need k1 ≥ 0 and 0 ≤ b ≤ 1, got k1=${opts.k1}, b=${opts.b}`);
  return { k1, b };
}

/** An empty wink index: one field, our tokenizer, k = 1 for Lucene's idf. */
function newWinkIndex(opts: Bm25Options): WinkBm25 {
  const index = winkBm25();
  index.defineConfig({ fldWeights: { [FIELD]: 1 }, bm25Params: { ...bm25Params(opts), k: 1 } });
  index.definePrepTasks([makeTermTokenizer(opts)]);
  return index;
}

/**
 * The index saved in `dir`. One from another format version is an error, or with `outdatedOk`
 * undefined (fromCorpusFile then rebuilds it).
 */
function readSavedIndex(dir: string): SavedIndex;
function readSavedIndex(dir: string, outdatedOk: true): SavedIndex | undefined;
function readSavedIndex(dir: string, outdatedOk = false): SavedIndex | undefined {
  const file = path.join(dir, INDEX_FILE);
  const saved = readJson<SavedIndex>(file);
  if (saved?.format !== 'zerosearch-bm25' || !Array.isArray(saved.docs)) {
    throw new Error(`${file}: not a zerosearch BM25 index`);
  }
  if (saved.version !== FORMAT_VERSION) {
    if (outdatedOk) return undefined;
    throw new Error(`${file}: BM25 index format version ${saved.version}, expected ${FORMAT_VERSION}; rebuild it`);
  }
  return saved;
}

/** A micro world's real search engine: BM25 over its corpus. */
export function worldEngine(world: Pick<World, 'documents'>): Bm25Engine {
  return Bm25Engine.fromDocs(world.documents.map((d) => ({ id: d.id, title: d.title, text: d.text })));
}
