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
import { JsonlLog, readJsonl } from '../util';
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

const keyOf = (engine: string, query: string, topk: number) => JSON.stringify([engine, query, topk]);

export class CachedEngine implements SearchEngine {
  readonly name: string;
  private readonly entries = new Map<string, Doc[]>();
  /** Searches answered from the file / from upstream since construction. */
  readonly stats = { hits: 0, misses: 0 };
  /** Opened with the file (or at the first recorded answer); replay never writes. */
  private log: JsonlLog<CacheRow> | null = null;

  constructor(
    private readonly upstream: SearchEngine | null,
    private readonly opts: CacheOptions,
  ) {
    if (!['record', 'replay', 'auto'].includes(opts.mode)) {
      throw new Error(`search cache: mode must be 'record', 'replay' or 'auto', got ${JSON.stringify(opts.mode)}`);
    }
    const name = opts.engineName ?? upstream?.name;
    if (!name) throw new Error('search cache: give engineName (the upstream engine has no name)');
    if (!upstream && opts.mode !== 'replay') throw new Error(`search cache: mode '${opts.mode}' needs an upstream engine`);
    this.name = name;
    if (fs.existsSync(opts.file)) {
      const rows =
        opts.mode === 'replay' ? readJsonl<CacheRow>(opts.file, { tolerateTruncatedTail: true }) : (this.log = JsonlLog.open<CacheRow>(opts.file)).rows;
      rows.forEach((row, i) => {
        if (typeof row?.engine !== 'string' || typeof row.query !== 'string' || typeof row.topk !== 'number' || !Array.isArray(row.docs)) {
          throw new Error(`${opts.file}: row ${i + 1}: expected {engine, query, topk, docs}`);
        }
        this.entries.set(keyOf(row.engine, row.query, row.topk), row.docs);
      });
    } else if (opts.mode === 'replay') {
      throw new Error(`${opts.file}: replay cache not found (record it first with mode 'record' or 'auto')`);
    }
  }

  /** Replay never asks upstream, so only the other modes need it to answer. */
  async check(): Promise<void> {
    if (this.opts.mode !== 'replay') await this.upstream?.check?.();
  }

  randomState(): unknown {
    return this.upstream?.randomState?.();
  }

  restoreRandomState(state: unknown): void {
    if (!this.upstream?.restoreRandomState) throw new Error(`search cache: engine "${this.name}" keeps no random state to restore`);
    this.upstream.restoreRandomState(state);
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
        throw new Error(`${this.opts.file}: replay cache has no answer for engine "${this.name}", topk ${topk}, query ${JSON.stringify(q)}`);
      }
      if (!have && !missing.includes(q)) missing.push(q);
    }
    this.stats.hits += queries.length - missing.length;
    this.stats.misses += missing.length;
    const fresh = new Map<string, Doc[]>();
    if (missing.length > 0) {
      // Each answer is written as it arrives, so a call that fails half-way keeps (and never pays again for) the rest.
      const record = (i: number, docs: Doc[]) => {
        const q = missing[i];
        if (fresh.has(q)) return;
        fresh.set(q, docs);
        if (isNoInformation(docs)) return;
        this.entries.set(keyOf(this.name, q, topk), docs);
        (this.log ??= JsonlLog.open<CacheRow>(this.opts.file)).append([{ engine: this.name, query: q, topk, docs }]);
      };
      const answers = await this.upstream!.search(missing, { ...opts, onAnswer: record });
      if (answers.length !== missing.length) {
        throw new Error(`search cache: engine "${this.name}" returned ${answers.length} lists for ${missing.length} queries`);
      }
      answers.forEach((docs, i) => record(i, docs));
    }
    // Copies, so a caller editing its documents cannot change what later searches replay.
    return queries.map((q) => structuredClone(fresh.get(q) ?? this.entries.get(keyOf(this.name, q, topk))!));
  }
}
