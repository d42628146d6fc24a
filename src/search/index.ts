/**
 * Search engines: the SearchEngine contract and observation rendering, BM25 (the kit's real
 * engine), the Search-R1 retriever HTTP API (client and server), SerpAPI (Google), and a
 * record/replay cache around any of them.
 */
export { checkTopk, isNoInformation, NO_INFORMATION_DOC, NO_INFORMATION_TEXT, parseContents, renderDocs, toContents, wrapObservation } from './types';
export type { Doc, SearchEngine, SearchOptions } from './types';
export { ENGLISH_STOPWORDS, makeTermTokenizer, sStem } from './tokenize';
export type { TermTokenizer, TermTokenizerOptions } from './tokenize';
export { corpusHash, corpusRowToDoc, readCorpus } from './corpus';
export { Bm25Engine, worldEngine } from './bm25';
export type { Bm25Options } from './bm25';
export { requestJson, SearchHttpError, withFailurePolicy } from './http';
export type { OnFailure, RetryOptions } from './http';
export { RetrieverClient } from './retriever-client';
export type { RetrieverClientOptions } from './retriever-client';
export { serveRetriever } from './retriever-server';
export type { RetrieverServerOptions, RunningRetriever } from './retriever-server';
export { parseSerpApiResponse, SerpApiEngine } from './serpapi';
export type { SerpApiOptions } from './serpapi';
export { CachedEngine } from './cache';
export type { CacheMode, CacheOptions } from './cache';
export { openSearchEngine } from './open';
export type { EngineSpec } from './open';
