/**
 * Client for a Search-R1 retriever server (`search_r1/search/retrieval_server.py`: e5 + FAISS over
 * wiki-18, or the kit's own `serveRetriever`), or a ZeroSearch "wiki" server.
 *
 *   protocol 'search-r1' (default): POST url {"queries", "topk", "return_scores": true}
 *                                   → {"result": [[{"document": {"id", "contents"}, "score"}]]}
 *   protocol 'wiki':                POST url {"query", "top_k"} → [{"text"}], one request per query
 *
 * `url` is the full endpoint, as Search-R1's `retriever.url` (e.g. http://127.0.0.1:8000/retrieve).
 */
import { OnFailure, requestJson, RetryOptions, withFailurePolicy } from './http';
import { checkTopk, Doc, parseContents, SearchEngine, SearchOptions } from './types';

export interface RetrieverClientOptions extends RetryOptions {
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  protocol?: 'search-r1' | 'wiki';
  /** Queries per request; bigger batches are split. Default 64. */
  maxBatch?: number;
  /** Default 'throw'. */
  onFailure?: OnFailure;
}

function fail(message: string): never {
  throw new Error(message);
}

/** Search-R1 items are `{document: {id, contents}, score}` (return_scores) or bare `{id, contents}`. */
function parseSearchR1Item(item: unknown, where: string): Doc {
  if (typeof item !== 'object' || item === null) fail(`${where}: expected an object`);
  const it = item as Record<string, unknown>;
  const doc = (typeof it.document === 'object' && it.document !== null ? it.document : it) as Record<string, unknown>;
  if (typeof doc.contents !== 'string') fail(`${where}: expected a string "contents"`);
  const parsed = parseContents(doc.contents);
  return {
    ...(doc.id !== undefined && { id: String(doc.id) }),
    ...parsed,
    ...(typeof it.score === 'number' && { score: it.score }),
  };
}

function parseSearchR1(json: unknown, count: number): Doc[][] {
  const result = (json as { result?: unknown })?.result;
  if (!Array.isArray(result)) fail('expected {"result": [[...], ...]}');
  if (result.length !== count) fail(`expected ${count} result lists, got ${result.length}`);
  return result.map((docs, q) => {
    if (!Array.isArray(docs)) fail(`result[${q}] is not a list`);
    return docs.map((item, i) => parseSearchR1Item(item, `result[${q}][${i}]`));
  });
}

function parseWiki(json: unknown): Doc[] {
  if (!Array.isArray(json)) fail('expected a JSON list of {"text": ...}');
  return json.map((item, i) => {
    const text = (item as { text?: unknown })?.text;
    if (typeof text !== 'string') fail(`item ${i}: expected a string "text"`);
    return { text };
  });
}

export class RetrieverClient implements SearchEngine {
  readonly name: string;
  private readonly headers: Record<string, string>;

  constructor(
    readonly url: string,
    private readonly opts: RetrieverClientOptions = {},
  ) {
    try {
      new URL(url);
    } catch {
      throw new Error(`RetrieverClient: not a URL: ${JSON.stringify(url)} (expected e.g. http://127.0.0.1:8000/retrieve)`);
    }
    this.name = `retriever:${url}`;
    this.headers = opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {};
  }

  async search(queries: string[], opts: SearchOptions): Promise<Doc[][]> {
    checkTopk(opts.topk);
    const out: Doc[][] = [];
    const batch = this.opts.protocol === 'wiki' ? 1 : (this.opts.maxBatch ?? 64);
    for (let start = 0; start < queries.length; start += batch) {
      const chunk = queries.slice(start, start + batch);
      const docs = await withFailurePolicy(this.opts.onFailure ?? 'throw', chunk.length, () => this.request(chunk, opts.topk));
      docs.forEach((d, j) => opts.onAnswer?.(start + j, d));
      out.push(...docs);
    }
    return out;
  }

  /** One one-document search, whatever the failure policy (an outage must show now, not as empty answers). */
  async check(): Promise<void> {
    try {
      await this.request(['health check'], 1);
    } catch (err) {
      throw new Error(`search engine ${this.name} does not answer: ${(err as Error).message}`);
    }
  }

  private async request(queries: string[], topk: number): Promise<Doc[][]> {
    if (this.opts.protocol === 'wiki') {
      const docs = await requestJson(
        { url: this.url, label: `retriever ${this.url}`, method: 'POST', headers: this.headers, body: { query: queries[0], top_k: topk } },
        this.opts,
        parseWiki,
      );
      return [docs];
    }
    return requestJson(
      {
        url: this.url,
        label: `retriever ${this.url}`,
        method: 'POST',
        headers: this.headers,
        body: { queries, topk, return_scores: true },
      },
      this.opts,
      (json) => parseSearchR1(json, queries.length),
    );
  }
}
