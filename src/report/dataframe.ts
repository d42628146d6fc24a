/**
 * A minimal data frame for notebooks: rows of records with a fixed column order, printed as an aligned
 * text table (`toString`, also what `console.log` and tslab show) or written as CSV. It covers what the
 * notebooks do with result tables and per-step RL metrics (look, filter, summarise, save). danfojs was
 * measured and rejected as too heavy for that (environment.md, "Dependencies, and why each").
 */
import { csvCell, csvString } from './paper-tables';
import type { Cell, Table } from './paper-tables';
import type { StepMetrics } from '../rl/trainer';

export type FrameValue = Cell;
export type FrameRecord = Record<string, FrameValue>;

export class Frame {
  readonly columns: readonly string[];
  readonly rows: readonly FrameRecord[];

  /** Rows may omit columns (→ null); a key that is not a column, or a non-cell value, is an error. */
  constructor(columns: readonly string[], rows: readonly FrameRecord[], name = 'frame') {
    if (new Set(columns).size !== columns.length) throw new Error(`${name}: duplicate column names in [${columns.join(', ')}]`);
    this.columns = [...columns];
    this.rows = rows.map((r, i) => {
      for (const k of Object.keys(r)) if (!columns.includes(k)) throw new Error(`${name}: row ${i} has "${k}", which is not a column`);
      return Object.fromEntries(
        columns.map((c) => {
          const v = r[c] ?? null;
          if (v !== null && typeof v !== 'number' && typeof v !== 'string')
            throw new Error(`${name}: row ${i}, ${c} = ${JSON.stringify(v)} is not a number, string or null`);
          return [c, v];
        }),
      );
    });
  }

  get shape(): [number, number] {
    return [this.rows.length, this.columns.length];
  }

  column(name: string): FrameValue[] {
    if (!this.columns.includes(name)) throw new Error(`no column "${name}" (columns: ${this.columns.join(', ')})`);
    return this.rows.map((r) => r[name]);
  }

  /** The frame restricted to some columns, in the order given. */
  select(columns: readonly string[]): Frame {
    for (const c of columns) this.column(c);
    return new Frame(
      columns,
      this.rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]]))),
    );
  }

  filter(keep: (row: FrameRecord, i: number) => boolean): Frame {
    return new Frame(this.columns, this.rows.filter(keep));
  }
  head(n = 5): Frame {
    return new Frame(this.columns, this.rows.slice(0, n));
  }
  toRecords(): FrameRecord[] {
    return this.rows.map((r) => ({ ...r }));
  }

  /** Aligned text table: numbers right-aligned with `digits` decimals (integers as they are), null as "null". */
  toString(digits = 3): string {
    const fmt = (v: FrameValue) => (v === null ? 'null' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : v);
    const cells = this.rows.map((r) => this.columns.map((c) => fmt(r[c])));
    const widths = this.columns.map((c, j) => Math.max(c.length, ...cells.map((row) => row[j].length)));
    const numeric = this.columns.map((c) => this.rows.every((r) => typeof r[c] !== 'string'));
    const line = (row: string[]) =>
      row
        .map((s, j) => (numeric[j] ? s.padStart(widths[j]) : s.padEnd(widths[j])))
        .join('  ')
        .trimEnd();
    return [line([...this.columns]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** CSV with `tableToCsv`'s cells: strings quoted, numbers bare, null empty. */
  toCsv(): string {
    return [this.columns.map(csvString).join(','), ...this.rows.map((r) => this.columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
  }

  /** pandas-style summary of the numeric columns: count (non-null), mean, std (sample), min, max. */
  describe(): Frame {
    const out: FrameRecord[] = [];
    for (const c of this.columns) {
      const col = this.column(c);
      if (col.some((v) => typeof v === 'string')) continue;
      const xs = col.filter((v): v is number => typeof v === 'number');
      const mean = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
      const std = mean !== null && xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : null;
      out.push({ column: c, count: xs.length, mean, std, min: xs.length ? Math.min(...xs) : null, max: xs.length ? Math.max(...xs) : null });
    }
    return new Frame(['column', 'count', 'mean', 'std', 'min', 'max'], out, 'describe');
  }
}

/**
 * One frame row per table row: `method`, `model`, then the table's columns; with `std: true` and std
 * present, `<column>_std` columns follow (tableToCsv's naming). Each row must give exactly the table's columns.
 */
export function tableToFrame(table: Table<Cell>, opts: { std?: boolean } = {}): Frame {
  const name = `tableToFrame("${table?.caption ?? '?'}")`;
  if (!table || !Array.isArray(table.columns) || !Array.isArray(table.rows)) throw new Error(`${name}: expected { caption, columns: string[], rows: [...] }`);
  const { columns } = table;
  for (const c of ['method', 'model']) if (columns.includes(c)) throw new Error(`${name}: column "${c}" clashes with the row label`);
  const withStd = opts.std === true && table.rows.some((r) => r.std);
  const records = table.rows.map((r, i) => {
    const keys = Object.keys(r.values ?? {});
    const missing = columns.filter((c) => !keys.includes(c));
    const extra = keys.filter((k) => !columns.includes(k));
    if (missing.length || extra.length) {
      throw new Error(
        `${name}: row ${i} (${r.method} / ${r.model}) does not match the columns [${columns.join(', ')}]:${missing.length ? ` missing ${missing.join(', ')}` : ''}${extra.length ? ` extra ${extra.join(', ')}` : ''}`,
      );
    }
    const rec: FrameRecord = { method: r.method, model: r.model, ...Object.fromEntries(columns.map((c) => [c, r.values[c]])) };
    if (withStd) for (const c of columns) rec[`${c}_std`] = r.std?.[c] ?? null;
    return rec;
  });
  return new Frame(['method', 'model', ...columns, ...(withStd ? columns.map((c) => `${c}_std`) : [])], records, name);
}

/** One row per RL step; nested objects are flattened with dots (`time.rollout`, `time.total`, …). */
export function metricsToFrame(metrics: readonly StepMetrics[], name = 'metricsToFrame'): Frame {
  if (!Array.isArray(metrics)) throw new Error(`${name}: expected an array of StepMetrics, got ${typeof metrics}`);
  const columns: string[] = [];
  const records = metrics.map((m, i) => {
    if (m === null || typeof m !== 'object') throw new Error(`${name}: step ${i} is ${JSON.stringify(m)}, not a StepMetrics object`);
    const rec: FrameRecord = {};
    const walk = (obj: object, prefix: string) => {
      for (const [k, v] of Object.entries(obj)) {
        const key = prefix + k;
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v, `${key}.`);
        else {
          if (v !== null && typeof v !== 'number' && typeof v !== 'string')
            throw new Error(`${name}: step ${i}, ${key} = ${JSON.stringify(v)} is not a number, string or null`);
          if (!columns.includes(key)) columns.push(key);
          rec[key] = v;
        }
      }
    };
    walk(m, '');
    return rec;
  });
  return new Frame(columns, records, name);
}
