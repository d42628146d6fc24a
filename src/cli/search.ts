/**
 * `zerosearch search --corpus passages.jsonl --queries q.jsonl --topk 5`: run a batch of searches
 * and print one JSON line per query, `{"query", "docs": [{id, title, text, score}]}`, in input
 * order (with --render, `"observation"` too: the exact text the policy would read). Queries come
 * from a JSONL file with a `query` or `question` field per row, or from --query. The engine is BM25
 * over --corpus, a Search-R1 retriever (--retriever URL) or Google via SerpAPI (--serpapi), with
 * an optional record/replay cache (--cache).
 */
import type { Command } from 'commander';
import { openSearchEngine, renderDocs, wrapObservation } from '../search';
import type { CacheMode, OnFailure } from '../search';
import { readJsonl } from '../util';
import { addRetryFlags, parseNumber, retryOptions, secretFlag } from './options';

interface SearchCliOptions {
  corpus?: string;
  indexDir?: string;
  retriever?: string;
  retrieverApiKey?: string;
  serpapi?: boolean;
  queries?: string;
  query?: string[];
  topk: string;
  cache?: string;
  cacheMode: string;
  onFailure: string;
  render?: boolean;
  timeout?: number;
  retries?: number;
}

/** Queries from a JSONL file: each row needs a string `query` or `question`. */
export function readQueries(file: string): string[] {
  return readJsonl<Record<string, unknown>>(file).map((row, i) => {
    const q = row?.query ?? row?.question;
    if (typeof q !== 'string' || !q.trim()) throw new Error(`${file}: row ${i + 1}: expected a string field "query" or "question"`);
    return q;
  });
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new Error(`${flag}: expected one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

export function register(program: Command): void {
  addRetryFlags(program.command('search'))
    .description('search a batch of queries (BM25 over a corpus, a Search-R1 retriever, or SerpAPI); one JSON line per query')
    .option('--corpus <jsonl>', 'passages, {id, title, text} or {id, contents} per line (BM25)')
    .option('--index-dir <dir>', 'with --corpus: keep the BM25 index here and reuse it while the corpus is unchanged')
    .option('--retriever <url>', 'a Search-R1 retriever endpoint, e.g. http://127.0.0.1:8000/retrieve')
    .option('--retriever-api-key <key>', 'sent as "Authorization: Bearer <key>" (default: $ZS_RETRIEVER_API_KEY)')
    .option('--serpapi', 'Google through SerpAPI (needs SERPAPI_API_KEY)')
    .option('--queries <jsonl>', 'queries, a string "query" or "question" field per line')
    .option('--query <text...>', 'queries given on the command line')
    .option('--topk <k>', 'documents per query', '5')
    .option('--cache <jsonl>', 'record/replay searches in this file')
    .option('--cache-mode <mode>', 'record | replay | auto', 'auto')
    .option('--on-failure <policy>', 'HTTP engines, after retries: throw | empty ("No information available")', 'throw')
    .option('--render', 'add "observation": the <information> block the policy would read')
    .action(async (opts: SearchCliOptions) => {
      const topk = parseNumber('--topk', opts.topk, { integer: true, min: 1 });
      const queries = [...(opts.queries ? readQueries(opts.queries) : []), ...(opts.query ?? [])];
      if (queries.length === 0) throw new Error('give --queries <jsonl> or --query <text>');
      const engine = openSearchEngine({
        corpus: opts.corpus,
        indexDir: opts.indexDir,
        retrieverUrl: opts.retriever,
        retrieverApiKey: secretFlag('--retriever-api-key', opts.retrieverApiKey, 'ZS_RETRIEVER_API_KEY'),
        serpapi: opts.serpapi,
        cacheFile: opts.cache,
        cacheMode: oneOf<CacheMode>('--cache-mode', opts.cacheMode, ['record', 'replay', 'auto']),
        onFailure: oneOf<OnFailure>('--on-failure', opts.onFailure, ['throw', 'empty']),
        retry: retryOptions(opts),
      });
      // Batches of 64 keep memory flat and print results as they come, so a long run shows progress.
      for (let start = 0; start < queries.length; start += 64) {
        const batch = queries.slice(start, start + 64);
        const results = await engine.search(batch, { topk });
        const lines = batch.map((query, i) => {
          const row: Record<string, unknown> = { query, docs: results[i] };
          if (opts.render) row.observation = wrapObservation(renderDocs(results[i]));
          return JSON.stringify(row);
        });
        process.stdout.write(lines.join('\n') + '\n');
      }
    });
}
