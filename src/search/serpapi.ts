/**
 * Google search through SerpAPI, the engine ZeroSearch evaluates with (spec §3 "Real engines"):
 * `GET https://serpapi.com/search.json?engine=google&q=<query>&api_key=<key>&num=<topk>`.
 *
 * Each organic result becomes one document whose text is `title + snippet` concatenated with NO
 * separator, exactly as ZeroSearch builds it (so "Paris - WikipediaParis is the capital..."), and
 * which renderDocs shows as `Doc i: {text}`. The title is therefore not put in `Doc.title` (that
 * would print it twice); the result's link is the document id. Queries run 10 at a time, like
 * ZeroSearch's ThreadPoolExecutor(max_workers=10); each is retried (3 times by default) with
 * exponential backoff. SerpAPI bills per search: wrap this engine in a CachedEngine to record an
 * evaluation once and replay it for free.
 */
import { OnFailure, requestJson, RetryOptions, withFailurePolicy } from './http';
import { checkTopk, Doc, SearchEngine, SearchOptions } from './types';
import { mapWithConcurrency } from '../util';

export interface SerpApiOptions extends RetryOptions {
  /** Default: the SERPAPI_API_KEY environment variable, read at the first search. */
  apiKey?: string;
  /** Default https://serpapi.com/search.json (tests point it at a loopback stand-in). */
  baseUrl?: string;
  /** Extra query parameters, e.g. {gl: 'us', hl: 'en'}; ZeroSearch sends none. */
  params?: Record<string, string>;
  /** Searches in flight at once. Default 10. */
  concurrency?: number;
  /** Default 'throw'. */
  onFailure?: OnFailure;
}

const NO_RESULTS = /hasn't returned any results/i;

/** The documents in one SerpAPI Google response (first `topk` organic results). */
export function parseSerpApiResponse(json: unknown, topk: number): Doc[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('expected a JSON object');
  const r = json as { error?: unknown; organic_results?: unknown };
  if (typeof r.error === 'string') {
    if (NO_RESULTS.test(r.error)) return [];
    throw new Error(`SerpAPI error: ${r.error}`);
  }
  if (r.organic_results === undefined) return [];
  if (!Array.isArray(r.organic_results)) throw new Error('"organic_results" is not a list');
  return r.organic_results.slice(0, topk).map((item, i) => {
    const it = (item ?? {}) as { title?: unknown; snippet?: unknown; link?: unknown };
    const title = typeof it.title === 'string' ? it.title : '';
    const snippet = typeof it.snippet === 'string' ? it.snippet : '';
    if (!title && !snippet) throw new Error(`organic_results[${i}] has neither "title" nor "snippet"`);
    return { ...(typeof it.link === 'string' && { id: it.link }), text: title + snippet };
  });
}

export class SerpApiEngine implements SearchEngine {
  readonly name = 'serpapi:google';

  constructor(private readonly opts: SerpApiOptions = {}) {}

  private apiKey(): string {
    const key = this.opts.apiKey ?? process.env.SERPAPI_API_KEY;
    if (!key) throw new Error('SerpAPI: no API key; set SERPAPI_API_KEY (or pass apiKey). Keys: https://serpapi.com/manage-api-key');
    return key;
  }

  async search(queries: string[], opts: SearchOptions): Promise<Doc[][]> {
    checkTopk(opts.topk);
    const apiKey = this.apiKey();
    const base = this.opts.baseUrl ?? 'https://serpapi.com/search.json';
    return mapWithConcurrency(queries, this.opts.concurrency ?? 10, async (query, i) => {
      const url = new URL(base);
      const params = { ...this.opts.params, engine: 'google', q: query, api_key: apiKey, num: String(opts.topk) };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      const [docs] = await withFailurePolicy(this.opts.onFailure ?? 'throw', 1, async () => [
        await requestJson({ url: url.toString(), label: `SerpAPI query ${JSON.stringify(query)}` }, this.opts, (json) => parseSerpApiResponse(json, opts.topk)),
      ]);
      opts.onAnswer?.(i, docs);
      return docs;
    });
  }

  /** Only the key: every SerpAPI search is billed, so no search is spent on a check. */
  async check(): Promise<void> {
    this.apiKey();
  }
}
