/**
 * The search-engine contract every engine (BM25, Search-R1 retriever, SerpAPI, simulator, cache)
 * fulfils, and how documents become the observation the policy reads.
 */

/** One search result. `text` is what the policy reads; `title` is prefixed to it when present. */
export interface Doc {
  id?: string;
  title?: string;
  text: string;
  /** The engine's relevance score, where it has one (BM25, the Search-R1 retriever). */
  score?: number;
}

export interface SearchOptions {
  /** Documents wanted per query (ZeroSearch uses 5 everywhere; Search-R1 3). */
  topk: number;
  /**
   * Called with a query's documents as soon as they arrive, so what finished survives a later failure of
   * the same call (the record cache writes it). Engines that answer a call at once need not call it.
   */
  onAnswer?: (queryIndex: number, docs: Doc[]) => void;
}

/**
 * A batch search engine: one list of documents per query, in query order. Engines may return
 * fewer than `topk` documents (BM25 when few documents share a term with the query).
 */
export interface SearchEngine {
  /** Identifies the engine in caches and logs (e.g. `bm25:<corpus hash>:k1=0.9:b=0.4`, `serpapi:google`);
   * it should change whenever the same query would get different documents. */
  readonly name?: string;
  search(queries: string[], opts: SearchOptions): Promise<Doc[][]>;
  /** Remote engines: throw a clear error unless the engine answers, so a run fails as it starts, not when the policy first searches. */
  check?(): Promise<void>;
  /** Engines that draw random numbers: their generator's state, for a checkpoint to restore (exact resume). */
  randomState?(): unknown;
  restoreRandomState?(state: unknown): void;
}

/** Engines call this first: a bad topk is a caller bug, never a search failure. */
export function checkTopk(topk: unknown): asserts topk is number {
  if (typeof topk !== 'number' || !Number.isInteger(topk) || topk < 1) {
    throw new Error(`search: topk must be a positive integer, got ${JSON.stringify(topk)}`);
  }
}

/**
 * What a failed search returns in ZeroSearch (`llm_agent/generation.py`: a failed search yields
 * the string 'No information available' in place of the documents). Engines configured with
 * `onFailure: 'empty'` return `[NO_INFORMATION_DOC]` for a query that failed after its retries.
 */
export const NO_INFORMATION_TEXT = 'No information available';
export const NO_INFORMATION_DOC: Readonly<Doc> = Object.freeze({ id: 'no-information', text: NO_INFORMATION_TEXT });

export function isNoInformation(docs: readonly Doc[]): boolean {
  return docs.length === 1 && docs[0].id === NO_INFORMATION_DOC.id && docs[0].text === NO_INFORMATION_TEXT;
}

/**
 * ZeroSearch's rendering (google/wiki modes): `Doc {i}: {text}` per document, 1-based, one per line.
 * A document with a title renders as `Doc {i}: {title} {text}`. (Search-R1 renders
 * `Doc {i}(Title: {title}) {text}` instead; ZeroSearch changed it, see spec §9.)
 * The failure marker renders as the bare sentence, as in ZeroSearch, not as "Doc 1: ...".
 */
export function renderDocs(docs: readonly Doc[]): string {
  if (isNoInformation(docs)) return NO_INFORMATION_TEXT;
  return docs.map((d, i) => `Doc ${i + 1}: ${d.title ? `${d.title} ${d.text}` : d.text}`).join('\n');
}

/** The observation appended after `</search>`: `'\n\n<information>' + rendered.strip() + '</information>\n\n'`. */
export function wrapObservation(rendered: string): string {
  return `\n\n<information>${rendered.trim()}</information>\n\n`;
}

/**
 * FlashRAG / Search-R1 corpus rows carry `contents = '"Title"\ntext'`. Split it back into title and
 * text: the first line is the title (surrounding double quotes removed), the rest is the text.
 * A single-line `contents` has no title.
 */
export function parseContents(contents: string): { title?: string; text: string } {
  const nl = contents.indexOf('\n');
  if (nl < 0) return { text: contents.trim() };
  let title = contents.slice(0, nl).trim();
  if (title.length >= 2 && title.startsWith('"') && title.endsWith('"')) title = title.slice(1, -1);
  const text = contents.slice(nl + 1).trim();
  return title ? { title, text } : { text };
}

/** The inverse of parseContents, used by the retriever server: `"Title"\ntext` (or just text). */
export function toContents(doc: Doc): string {
  return doc.title ? `"${doc.title}"\n${doc.text}` : doc.text;
}
