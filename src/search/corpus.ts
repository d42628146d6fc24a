/**
 * Passage corpora as JSONL, in either of the two shapes in the wild:
 *   - `{id, title, text}` (the kit's own and shared/data/corpus/*_passages.jsonl);
 *   - FlashRAG / Search-R1 `{id, contents}` with `contents = '"Title"\ntext'` (wiki-18).
 */
import { createHash } from 'crypto';
import { readJsonl } from '../util';
import { Doc, parseContents } from './types';

/** Turn one parsed JSONL row into a Doc, or throw naming the file, line and field. */
export function corpusRowToDoc(row: unknown, where: string): Doc {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw new Error(`${where}: expected a JSON object {id, title, text} or {id, contents}`);
  }
  const r = row as Record<string, unknown>;
  if (r.id !== undefined && typeof r.id !== 'string' && typeof r.id !== 'number') {
    throw new Error(`${where}: field "id" must be a string or number, got ${typeof r.id}`);
  }
  const id = r.id === undefined ? undefined : String(r.id);
  if (typeof r.text === 'string') {
    if (r.title !== undefined && typeof r.title !== 'string') {
      throw new Error(`${where}: field "title" must be a string, got ${typeof r.title}`);
    }
    const title = typeof r.title === 'string' && r.title.trim() ? r.title.trim() : undefined;
    return { ...(id !== undefined && { id }), ...(title && { title }), text: r.text };
  }
  if (typeof r.contents === 'string') return { ...(id !== undefined && { id }), ...parseContents(r.contents) };
  throw new Error(`${where}: expected a string field "text" ({id, title, text}) or "contents" ({id, contents})`);
}

/**
 * Read a corpus file. Rows without an id get their 0-based line index as id, so every document
 * has a stable id; duplicate ids are an error (the retriever API and caches key on them).
 */
export function readCorpus(file: string): Doc[] {
  const rows = readJsonl(file);
  if (rows.length === 0) throw new Error(`${file}: corpus is empty (expected JSONL rows {id, title, text} or {id, contents})`);
  const seen = new Set<string>();
  return rows.map((row, i) => {
    const doc = corpusRowToDoc(row, `${file}: row ${i + 1}`);
    const id = doc.id ?? String(i);
    if (seen.has(id)) throw new Error(`${file}: row ${i + 1}: duplicate id "${id}"`);
    seen.add(id);
    return { ...doc, id };
  });
}

/** A content hash of a corpus (ids, titles, texts, order): a saved index built from other documents is stale. */
export function corpusHash(docs: readonly Doc[]): string {
  const h = createHash('sha256');
  for (const d of docs) h.update(JSON.stringify([d.id ?? null, d.title ?? null, d.text]) + '\n');
  return h.digest('hex').slice(0, 16);
}
