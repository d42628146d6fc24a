/**
 * Score a predictions file against QA rows: EM, cover-EM and F1 per dataset and overall
 * (the `zerosearch score` command). Joining rules:
 * - rows are matched by `id`, within a `data_source` when the prediction names one. FlashRAG ids
 *   repeat across datasets ("test_0" is in NQ and in Bamboogle), so a prediction without
 *   `data_source` whose id belongs to several datasets is an error;
 * - a prediction whose id is in no data row is an error (it cannot be scored);
 * - a data row without a prediction is handled by `missing`: "error" (default), "empty" (scored as
 *   the empty answer, i.e. 0, so n stays the benchmark size) or "skip" (left out of n);
 * - `prediction: null` (a rollout that never answered) is scored as the empty answer.
 */
import * as fs from 'fs';
import { coverExactMatch, exactMatch, f1Score } from '../text';
import type { QaRow } from './qa';

export interface Prediction {
  id: string;
  prediction: string;
  data_source?: string;
}

export type MissingPolicy = 'error' | 'empty' | 'skip';

/** Means over the scored rows, as fractions in [0, 1]. */
export interface SetScores {
  em: number;
  cover_em: number;
  f1: number;
  n: number;
}

export interface ScoreReport {
  /** Mean over all scored rows (each question counts once). */
  overall: SetScores;
  /** Unweighted mean of the per-dataset means: the paper's "Avg" column. */
  macro_avg: { em: number; cover_em: number; f1: number; datasets: number };
  per_dataset: Record<string, SetScores>;
  predictions: number;
  missing_predictions: number;
  missing_policy: MissingPolicy;
}

/** Read `{id, prediction, data_source?}` per line; errors name file:line and the field. */
export function loadPredictionsJsonl(file: string): Prediction[] {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found (expected JSONL: {id, prediction} per line)`);
  const out: Prediction[] = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${file}:${i + 1}`;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line);
    } catch (err) {
      throw new Error(`${where}: not valid JSON (${(err as Error).message})`);
    }
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new Error(`${where}: expected a JSON object {id, prediction}`);
    if (typeof r.id !== 'string' && !Number.isInteger(r.id)) throw new Error(`${where}: missing or bad field "id" (string or integer)`);
    if (!('prediction' in r)) throw new Error(`${where}: missing field "prediction" (string, or null for no answer)`);
    if (r.prediction !== null && typeof r.prediction !== 'string') throw new Error(`${where}: field "prediction" must be a string or null`);
    if (r.data_source !== undefined && typeof r.data_source !== 'string') throw new Error(`${where}: field "data_source" must be a string`);
    out.push({ id: String(r.id), prediction: (r.prediction as string | null) ?? '', ...(r.data_source ? { data_source: r.data_source as string } : {}) });
  });
  return out;
}

function listSome(items: string[]): string {
  return items.slice(0, 5).join(', ') + (items.length > 5 ? `, … (${items.length} in all)` : '');
}

export function scorePredictions(preds: readonly Prediction[], data: readonly QaRow[], opts: { missing?: MissingPolicy } = {}): ScoreReport {
  const missing = opts.missing ?? 'error';
  const key = (source: string, id: string) => `${source}\u0000${id}`;
  const rowsById = new Map<string, QaRow[]>();
  for (const row of data) {
    const list = rowsById.get(row.id) ?? [];
    if (list.some((r) => r.data_source === row.data_source)) throw new Error(`data: id "${row.id}" appears twice in data source "${row.data_source}"`);
    list.push(row);
    rowsById.set(row.id, list);
  }

  const predicted = new Map<string, string>();
  const unknown: string[] = [];
  for (const p of preds) {
    const candidates = (rowsById.get(p.id) ?? []).filter((r) => p.data_source === undefined || r.data_source === p.data_source);
    const label = p.data_source ? `${p.data_source}/${p.id}` : p.id;
    if (candidates.length === 0) {
      unknown.push(label);
      continue;
    }
    if (candidates.length > 1) {
      throw new Error(`predictions: id "${p.id}" is in several datasets (${candidates.map((r) => r.data_source).join(', ')}); add "data_source" to the prediction rows`);
    }
    const k = key(candidates[0].data_source, p.id);
    if (predicted.has(k)) throw new Error(`predictions: more than one prediction for ${candidates[0].data_source}/${p.id}`);
    predicted.set(k, p.prediction);
  }
  if (unknown.length) throw new Error(`predictions: ${unknown.length} id(s) not found in the data: ${listSome(unknown)}`);

  const absent = data.filter((r) => !predicted.has(key(r.data_source, r.id)));
  if (absent.length && missing === 'error') {
    throw new Error(
      `data: ${absent.length} of ${data.length} row(s) have no prediction: ${listSome(absent.map((r) => `${r.data_source}/${r.id}`))}` +
        ' (use --missing empty to score them as empty answers, or --missing skip to leave them out)',
    );
  }

  const sums = new Map<string, SetScores>();
  const total: SetScores = { em: 0, cover_em: 0, f1: 0, n: 0 };
  for (const row of data) {
    let pred = predicted.get(key(row.data_source, row.id));
    if (pred === undefined) {
      if (missing === 'skip') continue;
      pred = '';
    }
    const s = sums.get(row.data_source) ?? { em: 0, cover_em: 0, f1: 0, n: 0 };
    const em = exactMatch(pred, row.golden_answers);
    const cover = coverExactMatch(pred, row.golden_answers);
    const f1 = f1Score(pred, row.golden_answers);
    for (const acc of [s, total]) {
      acc.em += em;
      acc.cover_em += cover;
      acc.f1 += f1;
      acc.n += 1;
    }
    sums.set(row.data_source, s);
  }
  const mean = (s: SetScores): SetScores => (s.n ? { em: s.em / s.n, cover_em: s.cover_em / s.n, f1: s.f1 / s.n, n: s.n } : s);
  const perDataset = Object.fromEntries([...sums].map(([name, s]) => [name, mean(s)]));
  const sets = Object.values(perDataset);
  const avg = (f: (s: SetScores) => number) => (sets.length ? sets.reduce((a, s) => a + f(s), 0) / sets.length : 0);
  return {
    overall: mean(total),
    macro_avg: { em: avg((s) => s.em), cover_em: avg((s) => s.cover_em), f1: avg((s) => s.f1), datasets: sets.length },
    per_dataset: perDataset,
    predictions: preds.length,
    missing_predictions: absent.length,
    missing_policy: missing,
  };
}
