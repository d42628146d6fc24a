/**
 * BM25 over a passage corpus: the kit's *real search engine* (the stand-in for Google / the
 * Search-R1 wiki retriever in the micro world, and a local engine for the real QA samples).
 *
 * Built on minisearch, whose score is BM25+ `idf · (d + tf(k+1) / (tf + k(1 − b + b·len/avglen)))`
 * with Lucene's `idf = ln(1 + (N − n + 0.5)/(n + 0.5))`. d = 0 gives plain BM25 (Lucene's, up to
 * the constant factor k+1, which does not change rankings). k1 = 0.9, b = 0.4 are Pyserini's
 * defaults, the BM25 baseline Search-R1 reports.
 *
 * Title and text are indexed as two fields and the per-field BM25 scores are summed (title
 * weighted by `titleBoost`). On the HotpotQA / 2Wiki / NQ / PopQA / MuSiQue samples this gave
 * answer-recall@5 at least as high as one joined `title\ntext` field, and higher on most sets
 * (recall.test.ts prints the comparison). Tokenisation: see tokenize.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import MiniSearch from 'minisearch';
import { readJson, writeFileAtomic } from '../util';
import { corpusHash, readCorpus } from './corpus';
import { describeTokenizer, makeTokenizer, TokenizerOptions } from './tokenize';
import { checkTopk, Doc, SearchEngine, SearchOptions } from './types';

export interface Bm25Options extends TokenizerOptions {
  /** Term-frequency saturation. Default 0.9 (Pyserini). */
  k1?: number;
  /** Length normalisation. Default 0.4 (Pyserini). */
  b?: number;
  /** Weight of the title field's score relative to the text's. Default 1. */
  titleBoost?: number;
}

/** A document as minisearch indexes it: `i` is its position in `docs`. */
type IndexedDoc = { i: number; title: string; text: string };

const INDEX_FILE = 'bm25-index.json';
// A saved index must match the corpus (hash) and the tokenizer it is loaded with; k1, b and
// titleBoost apply at query time, so they can change freely between save and load.
const FORMAT_VERSION = 1;

interface SavedIndex {
  format: 'zerosearch-bm25';
  version: number;
  corpusHash: string;
  tokenizer: string;
  docs: Doc[];
  index: unknown;
}

function miniSearchOptions(opts: Bm25Options) {
  const tokenize = makeTokenizer(opts);
  return {
    idField: 'i',
    fields: ['title', 'text'],
    tokenize,
    // The tokenizer already lowercased / filtered; minisearch's default processTerm would lowercase again.
    processTerm: (term: string) => term,
  };
}

export class Bm25Engine implements SearchEngine {
  readonly name: string;
  readonly corpusHash: string;
  private readonly k1: number;
  private readonly b: number;
  private readonly titleBoost: number;

  private constructor(
    readonly docs: readonly Doc[],
    private readonly index: MiniSearch<IndexedDoc>,
    hash: string,
    private readonly opts: Bm25Options,
  ) {
    this.k1 = opts.k1 ?? 0.9;
    this.b = opts.b ?? 0.4;
    this.titleBoost = opts.titleBoost ?? 1;
    if (!(this.k1 >= 0) || !(this.b >= 0 && this.b <= 1)) {
      throw new Error(`BM25 options: need k1 ≥ 0 and 0 ≤ b ≤ 1, got k1=${opts.k1}, b=${opts.b}`);
    }
    this.corpusHash = hash;
    this.name = `bm25:${hash}`;
  }

  /** Index documents held in memory (the micro world's corpus, a test corpus). */
  static fromDocs(docs: readonly Doc[], opts: Bm25Options = {}): Bm25Engine {
    if (docs.length === 0) throw new Error('BM25: cannot index an empty corpus');
    const index = new MiniSearch<IndexedDoc>(miniSearchOptions(opts));
    index.addAll(docs.map((d, i) => ({ i, title: d.title ?? '', text: d.text })));
    return new Bm25Engine(docs, index, corpusHash(docs), opts);
  }

  /**
   * Open a JSONL corpus; with `indexDir`, reuse the index saved there if it was built from the same
   * documents with the same tokenizer, else build it and save it there.
   */
  static fromCorpusFile(file: string, opts: Bm25Options & { indexDir?: string } = {}): Bm25Engine {
    const docs = readCorpus(file);
    const { indexDir, ...bm25 } = opts;
    if (indexDir && fs.existsSync(path.join(indexDir, INDEX_FILE))) {
      const saved = readSavedIndex(indexDir);
      if (saved.corpusHash === corpusHash(docs) && saved.tokenizer === describeTokenizer(bm25)) {
        return Bm25Engine.fromSaved(saved, bm25);
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
      tokenizer: describeTokenizer(this.opts),
      docs: [...this.docs],
      index: this.index.toJSON(),
    };
    writeFileAtomic(path.join(dir, INDEX_FILE), JSON.stringify(saved));
  }

  /**
   * Load an index saved by `save`. `expectCorpusHash` (from `corpusHash(readCorpus(file))`) makes a
   * stale index an error instead of silently searching old documents.
   */
  static load(dir: string, opts: Bm25Options & { expectCorpusHash?: string } = {}): Bm25Engine {
    const { expectCorpusHash, ...bm25 } = opts;
    const saved = readSavedIndex(dir);
    if (expectCorpusHash !== undefined && saved.corpusHash !== expectCorpusHash) {
      throw new Error(
        `${path.join(dir, INDEX_FILE)}: stale index (built from corpus ${saved.corpusHash}, expected ${expectCorpusHash}); rebuild it`,
      );
    }
    if (saved.tokenizer !== describeTokenizer(bm25)) {
      throw new Error(`${path.join(dir, INDEX_FILE)}: index was built with other tokenizer options (${saved.tokenizer})`);
    }
    return Bm25Engine.fromSaved(saved, bm25);
  }

  private static fromSaved(saved: SavedIndex, opts: Bm25Options): Bm25Engine {
    const index = MiniSearch.loadJS<IndexedDoc>(saved.index as never, miniSearchOptions(opts));
    return new Bm25Engine(saved.docs, index, saved.corpusHash, opts);
  }

  /** Scores of every matching document for one query, best first; ties broken by corpus order. */
  scoreQuery(query: string): Array<{ index: number; score: number }> {
    const results = this.index.search(query, {
      bm25: { k: this.k1, b: this.b, d: 0 },
      boost: { title: this.titleBoost },
      combineWith: 'OR',
      prefix: false,
      fuzzy: false,
    });
    return results
      .map((r) => ({ index: r.id as number, score: r.score }))
      .sort((x, y) => y.score - x.score || x.index - y.index);
  }

  async search(queries: string[], opts: SearchOptions): Promise<Doc[][]> {
    checkTopk(opts.topk);
    return queries.map((q) =>
      this.scoreQuery(q)
        .slice(0, opts.topk)
        .map(({ index, score }) => ({ ...this.docs[index], score })),
    );
  }
}

function readSavedIndex(dir: string): SavedIndex {
  const file = path.join(dir, INDEX_FILE);
  const saved = readJson<SavedIndex>(file);
  if (saved?.format !== 'zerosearch-bm25' || saved.version !== FORMAT_VERSION || !Array.isArray(saved.docs)) {
    throw new Error(`${file}: not a zerosearch BM25 index (format version ${FORMAT_VERSION})`);
  }
  return saved;
}
