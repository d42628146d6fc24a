/**
 * The one way the kit appends to a resumable JSONL file (eval predictions, RL and LM metrics, simulator
 * quality rows, search caches). A killed run can leave a partial last line; opening cuts it off, so the
 * next row never glues onto it. With `key`, the file holds exactly one row per key, however often a run
 * was killed and resumed. Each `append` is a single write; `sync` makes what was appended durable, which
 * callers do at their checkpoints.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonl } from './files';

export interface JsonlLogOptions<T> {
  /** Rows with the same key are the same row: opening keeps the first of each, `append` refuses a key already held. */
  key?: (row: T) => string;
  /** Opening drops the rows this rejects (e.g. metrics past the checkpoint a run resumes from). */
  keep?: (row: T) => boolean;
}

export class JsonlLog<T> {
  private readonly keys = new Set<string>();

  /** `rows`: what the file held when opened (appends are not added: callers keep their own view). */
  private constructor(
    readonly file: string,
    readonly rows: readonly T[],
    private readonly opts: JsonlLogOptions<T>,
  ) {
    if (opts.key) for (const r of rows) this.keys.add(opts.key(r));
  }

  /** Open `file` for appending (created at the first append); `rows` holds what it already had, repaired as described above. */
  static open<T>(file: string, opts: JsonlLogOptions<T> = {}): JsonlLog<T> {
    if (!fs.existsSync(file)) return new JsonlLog<T>(file, [], opts);
    const text = fs.readFileSync(file, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const rows: T[] = [];
    const seen = new Set<string>();
    let dropped = false;
    complete.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let row: T;
      try {
        row = JSON.parse(line) as T;
      } catch (err) {
        throw new Error(
          `${file}:${i + 1}: not valid JSON (${(err as Error).message}); a complete line is never cut, so the file was edited or written by something else: fix or remove that line, then rerun`,
        );
      }
      const key = opts.key?.(row);
      if ((opts.keep && !opts.keep(row)) || (key !== undefined && seen.has(key))) {
        dropped = true;
        return;
      }
      if (key !== undefined) seen.add(key);
      rows.push(row);
    });
    if (dropped) writeJsonl(file, rows);
    else if (complete.length < text.length) fs.truncateSync(file, Buffer.byteLength(complete));
    return new JsonlLog<T>(file, rows, opts);
  }

  /** Append rows with one write; a row whose key the file already holds is an error (nothing is written). */
  append(rows: readonly T[]): void {
    if (rows.length === 0) return;
    if (this.opts.key) {
      const fresh = new Set<string>();
      for (const r of rows) {
        const k = this.opts.key(r);
        if (this.keys.has(k) || fresh.has(k)) throw new Error(`${this.file}: already holds a row with key ${JSON.stringify(k)} (one row per key)`);
        fresh.add(k);
      }
      for (const k of fresh) this.keys.add(k);
    }
    fs.mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
    // Opened per append, so a log needs no closing and a long-lived one (a search cache) holds no descriptor.
    fs.appendFileSync(this.file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  /** Flush appended rows to the disk (a checkpoint: what it covers survives a power cut). */
  sync(): void {
    if (!fs.existsSync(this.file)) return;
    const fd = fs.openSync(this.file, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}
