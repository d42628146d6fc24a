/**
 * File helpers: atomic writes (temp file + rename, so a killed run never leaves half a file) and JSONL
 * (appending to a resumable JSONL file is ./jsonl-log's job).
 */
import * as fs from 'fs';
import * as path from 'path';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

export function writeJsonl(file: string, rows: readonly unknown[]): void {
  writeFileAtomic(file, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
}

export function readJsonl<T = unknown>(file: string, opts: { tolerateTruncatedTail?: boolean } = {}): T[] {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found (expected a JSONL file, one JSON object per line)`);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const rows: T[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    try {
      rows.push(JSON.parse(line) as T);
    } catch (err) {
      const isLast = lines.slice(i + 1).every((l) => !l.trim());
      if (opts.tolerateTruncatedTail && isLast) break;
      throw new Error(`${file}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
  }
  return rows;
}

export function readJson<T = unknown>(file: string): T {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}
