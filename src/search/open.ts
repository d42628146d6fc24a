/**
 * Build an engine from a plain description (what the CLI flags and eval configs say): BM25 over a
 * corpus file, a Search-R1 retriever URL, or SerpAPI, optionally behind a record/replay cache.
 */
import { Bm25Engine, Bm25Options } from './bm25';
import { CachedEngine, CacheMode } from './cache';
import { OnFailure, RetryOptions } from './http';
import { RetrieverClient } from './retriever-client';
import { SerpApiEngine } from './serpapi';
import { SearchEngine } from './types';

export interface EngineSpec {
  /** BM25 over this JSONL corpus ({id,title,text} or {id,contents}). */
  corpus?: string;
  /** With `corpus`: keep the BM25 index here and reuse it while the corpus is unchanged. */
  indexDir?: string;
  bm25?: Bm25Options;
  /** A Search-R1 retriever endpoint, e.g. http://127.0.0.1:8000/retrieve. */
  retrieverUrl?: string;
  retrieverApiKey?: string;
  /** Google through SerpAPI (key from SERPAPI_API_KEY). */
  serpapi?: boolean;
  /** For the HTTP engines: 'empty' answers "No information available" after the retries fail. */
  onFailure?: OnFailure;
  /** For the HTTP engines: per-attempt timeout and retries (defaults: ./http). */
  retry?: RetryOptions;
  /** Record/replay every search in this JSONL file. */
  cacheFile?: string;
  /** Default 'auto'. */
  cacheMode?: CacheMode;
}

export function openSearchEngine(spec: EngineSpec): SearchEngine {
  const chosen = [spec.corpus && 'corpus', spec.retrieverUrl && 'retriever URL', spec.serpapi && 'serpapi'].filter(Boolean);
  if (chosen.length !== 1) {
    throw new Error(`search engine: give exactly one of a corpus, a retriever URL or serpapi (got ${chosen.join(', ') || 'none'})`);
  }
  const onFailure = spec.onFailure ?? 'throw';
  let engine: SearchEngine;
  if (spec.corpus) engine = Bm25Engine.fromCorpusFile(spec.corpus, { ...spec.bm25, indexDir: spec.indexDir });
  else if (spec.retrieverUrl) engine = new RetrieverClient(spec.retrieverUrl, { ...spec.retry, apiKey: spec.retrieverApiKey, onFailure });
  else engine = new SerpApiEngine({ ...spec.retry, onFailure });
  return spec.cacheFile ? new CachedEngine(engine, { file: spec.cacheFile, mode: spec.cacheMode ?? 'auto' }) : engine;
}
