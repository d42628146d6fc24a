/**
 * Record/replay cache around any engine: every answer is appended to a JSONL file as it arrives,
 * keyed by (engine name, query, topk), so an evaluation against a paid API (SerpAPI) or a server
 * that will not be running later can be replayed exactly and for free.
 *
 *   mode 'record': always ask the upstream engine, append every answer (a later row for the same
 *                  key wins when the file is read back);
 *   mode 'auto':   answer from the file when it has the key, else ask upstream and append;
 *   mode 'replay': answer only from the file; a missing key is an error (upstream may be null).
 *
 * "No information available" answers (searches that failed under onFailure 'empty') are passed
 * through but never recorded, so a transient outage is not frozen into the cache.
 */
import * as fs from 'fs';
import { appendJsonl, readJsonl } from '../util';
import { checkTopk, Doc, isNoInformation, SearchEngine, SearchOptions } from './types';

export type CacheMode = 'record' | 'replay' | 'auto';

export interface CacheOptions {
  /** JSONL file; created on the first recorded answer. */
  file: string;
  mode: CacheMode;
  /** Engine name used in the keys. Default: upstream.name (required when upstream is null). */
  engineName?: string;
}

interface CacheRow {
  engine: string;
  query: string;
  topk: number;
  docs: Doc[];
}

/**
 * A run killed mid-append leaves a last line without its newline; appending after it would glue the
 * next row onto it. Cut it off (it was never a complete answer).
 */
function dropPartialLastLine(file: string): void {
  const text = fs.readFileSync(file, 'utf8');
  if (text === '' || text.endsWith('\n')) return;
  fs.truncateSync(file, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
}

const keyOf = (engine: string, query: string, topk: number) => JSON.stringify([engine, query, topk]);

export class CachedEngine implements SearchEngine {
  readonly name: string;
  private readonly entries = new Map<string, Doc[]>();
  /** Searches answered from the file / from upstream since construction. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly upstream: SearchEngine | null, private readonly opts: CacheOptions) {
    if (!['record', 'replay', 'auto'].includes(opts.mode)) {
      throw new Error(`search cache: mode must be 'record', 'replay' or 'auto', got ${JSON.stringify(opts.mode)}`);
    }
    const name = opts.engineName ?? upstream?.name;
    if (!name) throw new Error('search cache: give engineName (the upstream engine has no name)');
    if (!upstream && opts.mode !== 'replay') throw new Error(`search cache: mode '${opts.mode}' needs an upstream engine`);
    this.name = name;
    if (fs.existsSync(opts.file)) {
      if (opts.mode !== 'replay') dropPartialLastLine(opts.file);
      readJsonl<CacheRow>(opts.file, { tolerateTruncatedTail: true }).forEach((row, i) => {
        if (typeof row?.engine !== 'string' || typeof row.query !== 'string' || typeof row.topk !== 'number' || !Array.isArray(row.docs)) {
          throw new Error(`${opts.file}: row ${i + 1}: expected {engine, query, topk, docs}`);
        }
        this.entries.set(keyOf(row.engine, row.query, row.topk), row.docs);
      });
    } else if (opts.mode === 'replay') {
      throw new Error(`${opts.file}: replay cache not found (record it first with mode 'record' or 'auto')`);
    }
  }

  /** Number of distinct (engine, query, topk) answers held. */
  get size(): number {
    return this.entries.size;
  }

  async search(queries: string[], opts: SearchOptions): Promise<Doc[][]> {
    checkTopk(opts.topk);
    const { topk } = opts;
    const missing: string[] = [];
    for (const q of queries) {
      const key = keyOf(this.name, q, topk);
      const have = this.opts.mode !== 'record' && this.entries.has(key);
      if (!have && this.opts.mode === 'replay') {
        throw new Error(
          `${this.opts.file}: replay cache has no answer for engine "${this.name}", topk ${topk}, query ${JSON.stringify(q)}`,
        );
      }
      if (!have && !missing.includes(q)) missing.push(q);
    }
    this.stats.hits += queries.length - missing.length;
    this.stats.misses += missing.length;
    const fresh = new Map<string, Doc[]>();
    if (missing.length > 0) {
      const answers = await this.upstream!.search(missing, opts);
      if (answers.length !== missing.length) {
        throw new Error(`search cache: engine "${this.name}" returned ${answers.length} lists for ${missing.length} queries`);
      }
      const rows: CacheRow[] = [];
      missing.forEach((q, i) => {
        fresh.set(q, answers[i]);
        if (isNoInformation(answers[i])) return;
        this.entries.set(keyOf(this.name, q, topk), answers[i]);
        rows.push({ engine: this.name, query: q, topk, docs: answers[i] });
      });
      appendJsonl(this.opts.file, rows);
    }
    // Copies, so a caller editing its documents cannot change what later searches replay.
    return queries.map((q) => structuredClone(fresh.get(q) ?? this.entries.get(keyOf(this.name, q, topk))!));
  }
}
