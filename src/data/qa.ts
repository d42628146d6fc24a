/**
 * QA rows in the FlashRAG / Search-R1 JSONL format: `{id, question, golden_answers: [...]}` per line,
 * plus the `data_source` tag the trainer and the score tables group by.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface QaRow {
  id: string;
  question: string;
  /** Every accepted answer (answer + aliases); scored with max over the list. */
  golden_answers: string[];
  /** Which dataset the row belongs to, e.g. "nq"; per-dataset scores group by it. */
  data_source: string;
}

export interface LoadQaOptions {
  /** Tag for every row. Default: the row's own `data_source`, else the file's folder name ("nq/test.jsonl" → "nq"). */
  dataSource?: string;
  /** Read only the first `limit` rows. */
  limit?: number;
}

/** Search-R1 / ZeroSearch question preprocessing (spec §2.1): strip, then end with "?". */
export function preprocessQuestion(question: string): string {
  if (typeof question !== 'string') throw new Error(`question: expected a string, got ${typeof question}`);
  const q = question.trim();
  if (!q) throw new Error('question: expected a non-empty string after trimming whitespace');
  return q.endsWith('?') ? q : `${q}?`;
}

function fail(where: string, msg: string): never {
  throw new Error(`${where}: ${msg}`);
}

/** Check one parsed JSONL object and turn it into a QaRow; `where` is "file:line" for errors. */
export function toQaRow(raw: unknown, where: string, dataSource: string): QaRow {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(where, 'expected a JSON object {id, question, golden_answers}');
  const r = raw as Record<string, unknown>;
  if (r.id === undefined) fail(where, 'missing field "id" (string or integer)');
  if (typeof r.id !== 'string' && !Number.isInteger(r.id)) fail(where, `field "id" must be a string or an integer (got ${JSON.stringify(r.id)})`);
  if (r.question === undefined) fail(where, 'missing field "question" (string)');
  if (typeof r.question !== 'string' || !r.question.trim()) fail(where, 'field "question" must be a non-empty string');
  if (r.golden_answers === undefined) fail(where, 'missing field "golden_answers" (non-empty array of strings)');
  const golds = r.golden_answers;
  if (!Array.isArray(golds) || golds.length === 0) fail(where, 'field "golden_answers" must be a non-empty array of strings');
  const answers = golds.map((g, k) => {
    if (typeof g === 'string') return g;
    if (typeof g === 'number' && Number.isFinite(g)) return String(g); // some sets store years as numbers
    return fail(where, `golden_answers[${k}] must be a string (got ${JSON.stringify(g)})`);
  });
  const source = typeof r.data_source === 'string' && r.data_source ? r.data_source : dataSource;
  return { id: String(r.id), question: r.question, golden_answers: answers, data_source: source };
}

/** Read a QA JSONL file; every row is validated, and errors name `file:line` and the field. */
export function loadQaJsonl(file: string, opts: LoadQaOptions = {}): QaRow[] {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found (expected QA JSONL: {id, question, golden_answers} per line)`);
  const limit = opts.limit ?? Infinity;
  if (!(limit >= 0)) throw new Error(`loadQaJsonl: limit must be ≥ 0 (got ${opts.limit})`);
  const defaultSource = opts.dataSource ?? path.basename(path.dirname(path.resolve(file)));
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const rows: QaRow[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < lines.length && rows.length < limit; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const where = `${file}:${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      fail(where, `not valid JSON (${(err as Error).message})`);
    }
    const row = toQaRow(raw, where, defaultSource);
    if (opts.dataSource) row.data_source = opts.dataSource;
    const key = `${row.data_source}\u0000${row.id}`;
    if (seen.has(key)) fail(where, `duplicate id ${JSON.stringify(row.id)} (first on line ${seen.get(key)})`);
    seen.set(key, i + 1);
    rows.push(row);
  }
  return rows;
}
