/**
 * BM25 over a passage corpus: the kit's *real search engine* (the stand-in for Google / the
 * Search-R1 wiki retriever in the micro world, and a local engine for the real QA samples).
 *
 * Plain BM25 (inverted-index.ts has the formula) with k1 = 0.9, b = 0.4, Pyserini's defaults and
 * the BM25 baseline Search-R1 reports. Like Pyserini's `contents`, a document is indexed as one
 * field, `title\ntext`; tokenisation is tokenize.ts's (accent folding, stopwords, S-stemmer).
 * Choosing these, answer-recall@5 (question as query, top 5) over the HotpotQA / 2Wiki / NQ /
 * PopQA / MuSiQue samples in shared/data averaged 0.654 against 0.650 for bare lowercase tokens;
 * title and text as two summed fields also gave 0.653, and all variants were within a few
 * questions of each other per set. recall.test.ts prints ours against plain BM25 on every run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { hashString, readJson, writeFileAtomic } from '../util';
import { corpusHash, readCorpus } from './corpus';
import { FieldIndex, FieldIndexJson } from './inverted-index';
import { describeTermTokenizer, makeTermTokenizer, TermTokenizer, TermTokenizerOptions } from './tokenize';
import { checkTopk, Doc, SearchEngine, SearchOptions } from './types';

export interface Bm25Options extends TermTokenizerOptions {
  /** Term-frequency saturation. Default 0.9 (Pyserini). */
  k1?: number;
  /** Length normalisation. Default 0.4 (Pyserini). */
  b?: number;
}

// A saved index must match the corpus (hash) and the tokenizer it is loaded with; k1 and b
// apply at query time, so they can change freely between save and load.
const INDEX_FILE = 'bm25-index.json';
const FORMAT_VERSION = 1;

interface SavedIndex {
  format: 'zerosearch-bm25';
  version: number;
  corpusHash: string;
  tokenizer: string;
  docs: Doc[];
  index: FieldIndexJson;
}

export class Bm25Engine implements SearchEngine {
  readonly name: string;
  private readonly tokenize: TermTokenizer;
  private readonly k1: number;
  private readonly b: number;

  private constructor(
    readonly docs: readonly Doc[],
    private readonly index: FieldIndex,
    readonly corpusHash: string,
    private readonly opts: Bm25Options,
  ) {
    this.k1 = opts.k1 ?? 0.9;
    this.b = opts.b ?? 0.4;
    if (!(this.k1 >= 0) || !(this.b >= 0 && this.b <= 1)) {
      throw new Error(`BM25 options: need k1 ≥ 0 and 0 ≤ b ≤ 1, got k1=${opts.k1}, b=${opts.b}`);
    }
    this.tokenize = makeTermTokenizer(opts);
    // The name keys record/replay caches, so it names everything that changes results.
    const tokenizer = describeTermTokenizer(opts) === describeTermTokenizer() ? '' : `:tok=${hashString(describeTermTokenizer(opts)).toString(16)}`;
    this.name = `bm25:${corpusHash}:k1=${this.k1}:b=${this.b}${tokenizer}`;
  }

  /** Index documents held in memory (the micro world's corpus, a test corpus). */
  static fromDocs(docs: readonly Doc[], opts: Bm25Options = {}): Bm25Engine {
    if (docs.length === 0) throw new Error('BM25: cannot index an empty corpus');
    const tokenize = makeTermTokenizer(opts);
    const index = FieldIndex.build(docs.map((d) => tokenize(d.title ? `${d.title}\n${d.text}` : d.text)));
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
      if (saved.corpusHash === corpusHash(docs) && saved.tokenizer === describeTermTokenizer(bm25)) {
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
    if (saved.tokenizer !== describeTermTokenizer(bm25)) {
      throw new Error(`${path.join(dir, INDEX_FILE)}: index was built with other tokenizer options (${saved.tokenizer})`);
    }
    return Bm25Engine.fromSaved(saved, bm25, dir);
  }

  private static fromSaved(saved: SavedIndex, opts: Bm25Options, dir: string): Bm25Engine {
    const where = path.join(dir, INDEX_FILE);
    const index = FieldIndex.fromJSON(saved.index, where);
    if (index.docCount !== saved.docs.length) {
      throw new Error(`${where}: index covers ${index.docCount} documents but holds ${saved.docs.length}`);
    }
    return new Bm25Engine(saved.docs, index, saved.corpusHash, opts);
  }

  /** Every document sharing a term with the query, best first; ties broken by corpus order. */
  scoreQuery(query: string): Array<{ index: number; score: number }> {
    const tokens = this.tokenize(query);
    const scores = new Float64Array(this.docs.length);
    const touched: number[] = [];
    this.index.accumulate(tokens, this.k1, this.b, scores, touched);
    return touched.map((index) => ({ index, score: scores[index] })).sort((x, y) => y.score - x.score || x.index - y.index);
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
