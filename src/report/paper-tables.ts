/**
 * Result tables: the paper's published tables (`../shared/reference/paper-tables.json`, spec §11) and
 * the kit's own tables, in one shape so they can be printed, saved and plotted side by side:
 *
 *   { caption, columns: ['NQ', …, 'Avg'], rows: [{ method, model, values: { NQ: 43.0, … } }] }
 *
 * `values` is keyed by column name (that is how paper-tables.json stores it), and `columns` fixes
 * the order. EM is in percent, as in the paper. The kit's tables may add `std` (same keys) and the
 * `seeds` a row was averaged over.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJson, sharedPath, writeFileAtomic, writeJsonAtomic } from '../util';

/** One cell: a number, a descriptive string (Table 8's "1 x A100"), or null for "not measured". */
export type Cell = number | string | null;

export interface TableRow<V extends Cell = Cell> {
  method: string;
  model: string;
  values: Record<string, V>;
  /** Sample standard deviation over seeds, same keys as `values` (kit tables only). */
  std?: Record<string, number | null>;
  /** The seeds this row was measured with (one seed, or the seeds averaged). */
  seeds?: number[];
}

export interface Table<V extends Cell = Cell> {
  caption: string;
  columns: string[];
  rows: TableRow<V>[];
  /** Provenance, present on the paper's tables. */
  source?: string;
  version?: string;
}

/** A table as published (cells may be strings). */
export type PaperTable = Table<Cell>;
/** A table the kit measured: numbers (or null) only, optionally mean ± std over seeds. */
export type ResultTable = Table<number | null>;

/** The paper's seven datasets in its column order, then the average. */
export const DATASET_COLUMNS = ['NQ', 'TriviaQA', 'PopQA', 'HotpotQA', '2Wiki', 'Musique', 'Bamboogle'] as const;
export const EM_COLUMNS: readonly string[] = [...DATASET_COLUMNS, 'Avg'];

/** Dataset names used by the kit (micro world) and by the real data (Search-R1 `data_source`) → paper column. */
const COLUMN_OF_DATASET: Record<string, string> = {
  'micro-nq': 'NQ',
  nq: 'NQ',
  'micro-tqa': 'TriviaQA',
  triviaqa: 'TriviaQA',
  'micro-popqa': 'PopQA',
  popqa: 'PopQA',
  'micro-hotpotqa': 'HotpotQA',
  hotpotqa: 'HotpotQA',
  'micro-2wiki': '2Wiki',
  '2wikimultihopqa': '2Wiki',
  'micro-musique': 'Musique',
  musique: 'Musique',
  'micro-bamboogle': 'Bamboogle',
  bamboogle: 'Bamboogle',
};

/** Paper column for a dataset name (`micro-tqa` → `TriviaQA`); paper column names map to themselves. */
export function paperColumnOf(dataset: string): string {
  if ((DATASET_COLUMNS as readonly string[]).includes(dataset)) return dataset;
  const column = COLUMN_OF_DATASET[dataset];
  if (!column) throw new Error(`dataset "${dataset}": no paper column for it (expected one of ${Object.keys(COLUMN_OF_DATASET).join(', ')})`);
  return column;
}

/**
 * A row of EM results in the paper's columns. `em` maps dataset names (micro or real, see
 * paperColumnOf) to EM as a fraction in [0, 1], as the scorer reports it; the row holds percent.
 * Datasets not given are null, and Avg (mean of the seven) is null unless all seven are present,
 * because the paper's Avg is over all seven.
 */
export function emRow(method: string, model: string, em: Record<string, number>, seeds?: number[]): TableRow<number | null> {
  const values: Record<string, number | null> = Object.fromEntries(EM_COLUMNS.map((c) => [c, null]));
  for (const [dataset, fraction] of Object.entries(em)) {
    if (typeof fraction !== 'number' || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
      throw new Error(`emRow(${method}): em["${dataset}"] = ${fraction}, expected a fraction in [0, 1]`);
    }
    const column = paperColumnOf(dataset);
    if (values[column] !== null) throw new Error(`emRow(${method}): two datasets map to column ${column}`);
    values[column] = 100 * fraction;
  }
  const perDataset = DATASET_COLUMNS.map((c) => values[c]);
  if (perDataset.every((v) => v !== null)) values.Avg = mean(perDataset as number[]);
  return seeds ? { method, model, values, seeds } : { method, model, values };
}

/** Default location of the published tables: `$ZS_PAPER_TABLES`, else `reference/paper-tables.json` of the shared folder (util/shared). */
export function defaultPaperTablesPath(): string {
  return process.env.ZS_PAPER_TABLES ?? sharedPath('reference', 'paper-tables.json');
}

/** Every published table by name (`table3_main_results_v2`, …), each checked by validateTable. */
export function loadPaperTables(file: string = defaultPaperTablesPath()): Record<string, PaperTable> {
  if (!fs.existsSync(file)) {
    throw new Error(`${file}: paper tables not found (pass the path of paper-tables.json, or set ZS_PAPER_TABLES)`);
  }
  const raw = readJson<unknown>(file);
  if (!isObject(raw)) throw new Error(`${file}: expected an object of tables by name`);
  const tables: Record<string, PaperTable> = {};
  for (const [name, table] of Object.entries(raw)) tables[name] = validateTable(table, `${file}: ${name}`);
  return tables;
}

/**
 * Checks the table shape and returns the table typed. Errors name the table and the row, e.g.
 * `table3: row 4 (CoT / Qwen-2.5-7B-Instruct): values.NQ is "12,8", expected a number, string or null`.
 * `opts.numeric` additionally rejects string cells (the kit's own tables are numbers only).
 */
export function validateTable(t: unknown, name = 'table', opts: { numeric?: boolean } = {}): PaperTable {
  if (!isObject(t)) throw new Error(`${name}: expected an object {caption, columns, rows}`);
  if (typeof t.caption !== 'string') throw new Error(`${name}: caption must be a string`);
  const { columns, rows } = t;
  if (!Array.isArray(columns) || columns.length === 0 || !columns.every((c) => typeof c === 'string' && c !== '')) {
    throw new Error(`${name}: columns must be a non-empty array of column names`);
  }
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate !== undefined) throw new Error(`${name}: column "${duplicate}" appears twice`);
  if (!Array.isArray(rows)) throw new Error(`${name}: rows must be an array`);
  rows.forEach((row, i) => {
    const where = `${name}: row ${i}` + (isObject(row) ? ` (${String(row.method)} / ${String(row.model)})` : '');
    if (!isObject(row)) throw new Error(`${where}: expected an object {method, model, values}`);
    if (typeof row.method !== 'string' || typeof row.model !== 'string') throw new Error(`${where}: method and model must be strings`);
    checkCells(row.values, 'values', columns as string[], where, opts.numeric ? NUMBER_OR_NULL : CELL);
    if (row.std !== undefined) checkCells(row.std, 'std', columns as string[], where, STD);
    if (row.seeds !== undefined && !(Array.isArray(row.seeds) && row.seeds.every((s) => Number.isInteger(s)))) {
      throw new Error(`${where}: seeds must be an array of integers`);
    }
  });
  return t as unknown as PaperTable;
}

/** validateTable for the kit's own tables: numbers or null only. */
export function validateResultTable(t: unknown, name = 'table'): ResultTable {
  return validateTable(t, name, { numeric: true }) as ResultTable;
}

interface CellRule {
  ok: (v: unknown) => boolean;
  expected: string;
}
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const CELL: CellRule = { ok: (v) => v === null || typeof v === 'string' || finite(v), expected: 'a finite number, a string or null' };
const NUMBER_OR_NULL: CellRule = { ok: (v) => v === null || finite(v), expected: 'a finite number or null' };
const STD: CellRule = { ok: (v) => v === null || (finite(v) && v >= 0), expected: 'a number ≥ 0 or null' };

function checkCells(cells: unknown, field: string, columns: string[], where: string, rule: CellRule): void {
  if (!isObject(cells)) throw new Error(`${where}: ${field} must be an object keyed by column (${columns.join(', ')})`);
  const missing = columns.filter((c) => !(c in cells));
  if (missing.length) throw new Error(`${where}: ${field} has no value for column(s) ${missing.join(', ')} (use null for "not measured")`);
  const extra = Object.keys(cells).filter((k) => !columns.includes(k));
  if (extra.length) throw new Error(`${where}: ${field} has column(s) ${extra.join(', ')} that are not in columns`);
  for (const c of columns) {
    if (!rule.ok(cells[c]))
      throw new Error(`${where}: ${field}.${c} is ${typeof cells[c] === 'number' ? String(cells[c]) : JSON.stringify(cells[c])}, expected ${rule.expected}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The rows whose method / model match (exact names, or any of a list); errors if nothing matches. */
export function pickRows<T extends Table<Cell>>(table: T, match: { method?: string | string[]; model?: string | string[] }): T {
  const accepts = (want: string | string[] | undefined, got: string) => want === undefined || (Array.isArray(want) ? want.includes(got) : want === got);
  const rows = table.rows.filter((r) => accepts(match.method, r.method) && accepts(match.model, r.model));
  if (rows.length === 0) {
    const models = [...new Set(table.rows.map((r) => r.model))].join(', ');
    throw new Error(`${table.caption.slice(0, 60)}…: no row matches ${JSON.stringify(match)} (models: ${models})`);
  }
  return { ...table, rows };
}

// ---------------------------------------------------------------------------------------------
// CSV: header `method,model,<columns>` then `<column>_std` and `seeds` when rows carry them.
// Strings are always quoted and numbers never are, so a round trip restores the cell types exactly.

export function tableToCsv(t: Table<Cell>): string {
  const hasStd = t.rows.some((r) => r.std);
  const hasSeeds = t.rows.some((r) => r.seeds);
  const header = ['method', 'model', ...t.columns, ...(hasStd ? t.columns.map((c) => `${c}_std`) : []), ...(hasSeeds ? ['seeds'] : [])];
  const lines = [header.map(csvString).join(',')];
  for (const r of t.rows) {
    const cells = [csvString(r.method), csvString(r.model), ...t.columns.map((c) => csvCell(r.values[c]))];
    if (hasStd) cells.push(...t.columns.map((c) => csvCell(r.std?.[c] ?? null)));
    if (hasSeeds) cells.push(r.seeds ? csvString(r.seeds.join(' ')) : '');
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

/** A CSV field holding a string: always quoted (shared with the notebooks' Frame). */
export function csvString(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** A CSV field holding a cell: numbers bare, strings quoted, null empty. */
export function csvCell(v: Cell): string {
  if (v === null) return '';
  return typeof v === 'number' ? String(v) : csvString(v);
}

/** Parses tableToCsv's output back into a table (the caption is not in the CSV: pass it). */
export function tableFromCsv(csv: string, caption: string, name = 'csv'): PaperTable {
  const records = parseCsv(csv, name);
  if (records.length === 0) throw new Error(`${name}: empty CSV (expected a header line)`);
  const header = records[0].map((f) => f.text);
  if (header[0] !== 'method' || header[1] !== 'model') throw new Error(`${name}: header must start with method,model`);
  const hasSeeds = header[header.length - 1] === 'seeds';
  const rest = header.slice(2, hasSeeds ? -1 : undefined);
  const stdAt = rest.findIndex((h) => h.endsWith('_std') && rest.includes(h.slice(0, -4)));
  const columns = stdAt >= 0 ? rest.slice(0, stdAt) : rest;
  const rows = records.slice(1).map((rec, i) => {
    if (rec.length !== header.length) throw new Error(`${name}: line ${i + 2} has ${rec.length} fields, header has ${header.length}`);
    const cell = (j: number): Cell =>
      rec[j].quoted ? rec[j].text : rec[j].text === '' ? null : parseNumber(rec[j].text, `${name}: line ${i + 2}, ${header[j]}`);
    const row: TableRow = { method: rec[0].text, model: rec[1].text, values: Object.fromEntries(columns.map((c, k) => [c, cell(2 + k)])) };
    if (stdAt >= 0) row.std = Object.fromEntries(columns.map((c, k) => [c, cell(2 + columns.length + k) as number | null]));
    if (hasSeeds && rec[header.length - 1].text !== '') row.seeds = rec[header.length - 1].text.split(' ').map(Number);
    return row;
  });
  return validateTable({ caption, columns, rows }, name);
}

function parseNumber(text: string, where: string): number {
  const x = Number(text);
  if (!Number.isFinite(x)) throw new Error(`${where}: "${text}" is not a number (strings must be quoted)`);
  return x;
}

/** RFC 4180 fields, remembering which were quoted. */
function parseCsv(csv: string, name: string): { text: string; quoted: boolean }[][] {
  const records: { text: string; quoted: boolean }[][] = [];
  let i = 0;
  while (i < csv.length) {
    const record: { text: string; quoted: boolean }[] = [];
    for (;;) {
      let text = '';
      let quoted = false;
      if (csv[i] === '"') {
        quoted = true;
        i++;
        for (;;) {
          if (i >= csv.length) throw new Error(`${name}: unterminated quoted field on record ${records.length + 1}`);
          if (csv[i] === '"') {
            if (csv[i + 1] === '"') {
              text += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          text += csv[i++];
        }
      } else {
        while (i < csv.length && csv[i] !== ',' && csv[i] !== '\n' && csv[i] !== '\r') text += csv[i++];
      }
      record.push({ text, quoted });
      if (csv[i] === ',') {
        i++;
        continue;
      }
      if (csv[i] === '\r') i++;
      if (csv[i] === '\n') i++;
      break;
    }
    records.push(record);
  }
  return records;
}

/** Writes `<dir>/<name>.json` and `<dir>/<name>.csv` (each atomically); returns both paths. */
export function writeTable(t: Table<Cell>, dir: string, name: string): { json: string; csv: string } {
  validateTable(t, name);
  if (!/^[\w.-]+$/.test(name)) throw new Error(`writeTable: name "${name}" must be a plain file stem (letters, digits, _ . -)`);
  const json = path.join(dir, `${name}.json`);
  const csv = path.join(dir, `${name}.csv`);
  writeJsonAtomic(json, t);
  writeFileAtomic(csv, tableToCsv(t));
  return { json, csv };
}

// ---------------------------------------------------------------------------------------------

/**
 * Mean ± sample std (n − 1) over per-seed tables with the same columns and rows (rows matched by
 * method + model). A cell is null when any seed lacks it; std is null with a single seed.
 * Each output row lists the seeds of its inputs (from their `seeds`).
 */
export function averageOverSeeds(tables: ResultTable[]): ResultTable {
  if (tables.length === 0) throw new Error('averageOverSeeds: no tables given');
  const [first] = tables;
  const key = (r: TableRow<Cell>) => `${r.method}\u0000${r.model}`;
  tables.forEach((t, i) => {
    validateResultTable(t, `averageOverSeeds: table ${i}`);
    if (t.columns.join('\u0000') !== first.columns.join('\u0000')) {
      throw new Error(`averageOverSeeds: table ${i} has columns ${t.columns.join(',')}, table 0 has ${first.columns.join(',')}`);
    }
    if (t.rows.length !== first.rows.length) throw new Error(`averageOverSeeds: table ${i} has ${t.rows.length} rows, table 0 has ${first.rows.length}`);
    for (const r of t.rows) {
      if (r.std) throw new Error(`averageOverSeeds: table ${i} row ${r.method} / ${r.model} already carries std; pass one table per seed`);
    }
  });
  const rows = first.rows.map((r0) => {
    const matches = tables.map((t, i) => {
      const r = t.rows.find((r) => key(r) === key(r0));
      if (!r) throw new Error(`averageOverSeeds: table ${i} has no row ${r0.method} / ${r0.model}`);
      return r;
    });
    const values: Record<string, number | null> = {};
    const std: Record<string, number | null> = {};
    for (const c of first.columns) {
      const xs = matches.map((r) => r.values[c]);
      if (xs.some((x) => x === null)) {
        values[c] = std[c] = null;
        continue;
      }
      values[c] = mean(xs as number[]);
      std[c] = sampleStd(xs as number[]);
    }
    const seeds = matches.flatMap((r) => r.seeds ?? []);
    return { method: r0.method, model: r0.model, values, std, ...(seeds.length ? { seeds } : {}) };
  });
  return { caption: `${first.caption} (mean ± sample std over ${tables.length} seeds)`, columns: [...first.columns], rows };
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (divides by n − 1); null for a single value. */
function sampleStd(xs: number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}
