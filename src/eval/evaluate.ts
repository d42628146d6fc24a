/**
 * Evaluation of a policy (spec §10): greedy rollouts (temperature 0) through the same `rollout` as
 * training, on every row of the given QA sets, scored with EM, cover-EM and F1 per dataset and averaged
 * (the paper's Avg = unweighted mean of the sets).
 *
 * Unlike the reference code (veRL's validation dataloader drops the last partial batch and may shuffle),
 * every row is evaluated in file order, the last partial batch included.
 *
 * Resumable: with `predictionsFile`, each finished batch is appended as JSONL (one record per row: the
 * prediction, its scores and the trajectory) and synced; started again, rows already in the file are skipped
 * and their records reused, and the file keeps one record per (data_source, id) (see util/jsonl-log).
 */
import type { Transformer } from '../model/transformer';
import type { Tokenizer } from '../text/tokenizer';
import { scoreAnswer } from '../text/metrics';
import type { SearchEngine } from '../search/types';
import { JsonlLog, progress } from '../util';
import { rollout, RolloutOptions, Trajectory } from '../agent/rollout';
import { DEFAULT_TRAINER_CONFIG } from '../rl/trainer';

/** One QA row to evaluate (QaRow of src/data, or a micro-world question). */
export interface EvalRow {
  id: string;
  question: string;
  golden_answers: string[];
  data_source: string;
}

/** What the predictions JSONL holds per row. */
export interface EvalRecord {
  id: string;
  data_source: string;
  question: string;
  golden_answers: string[];
  /** The final `<answer>` content, or null when the trajectory never answered (scored as ''). */
  prediction: string | null;
  em: number;
  cover_em: number;
  f1: number;
  searches: number;
  queries: string[];
  finish_reason: Trajectory['finishReason'];
  /** Everything the policy and the environment wrote after the prompt. */
  response: string;
}

export interface DatasetScores {
  em: number;
  cover_em: number;
  f1: number;
  /** Mean search calls per question. */
  searches: number;
  n: number;
}

export interface EvalReport {
  /** Per data_source, in the order the sets first appear in the rows. */
  perDataset: Record<string, DatasetScores>;
  /** Unweighted mean over the datasets (the paper's Avg). */
  average: Omit<DatasetScores, 'n'> & { datasets: number };
  /** Search calls made (all rows, including rows reused from a previous run). */
  searchCalls: number;
  records: EvalRecord[];
}

export interface EvaluateOptions {
  /** Rows per rollout batch (default 32). */
  batchSize?: number;
  /** Rollout limits; temperature is always 0. Default: the trainer's rollout settings (what RL trained with). */
  rollout?: Omit<RolloutOptions, 'temperature' | 'topP' | 'seed'>;
  /** Append records here and skip rows already in it. */
  predictionsFile?: string;
  /** Progress bar label. */
  label?: string;
  quiet?: boolean;
}

const rowKey = (r: { id: string; data_source: string }) => `${r.data_source}\u0000${r.id}`;

function checkRows(rows: readonly EvalRow[]): void {
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    if (!r || typeof r.question !== 'string' || !Array.isArray(r.golden_answers) || typeof r.data_source !== 'string' || r.id === undefined) {
      throw new Error(`evaluate: rows[${i}] must have id, question, golden_answers[] and data_source`);
    }
    const key = rowKey(r);
    if (seen.has(key)) throw new Error(`evaluate: rows[${i}] repeats id ${r.id} in ${r.data_source} (ids must be unique per dataset)`);
    seen.add(key);
  });
}

/** The record of one evaluated row. */
export function toRecord(row: EvalRow, t: Trajectory): EvalRecord {
  const scores = scoreAnswer(t.answer ?? '', row.golden_answers);
  return {
    id: String(row.id),
    data_source: row.data_source,
    question: row.question,
    golden_answers: row.golden_answers,
    prediction: t.answer,
    ...scores,
    searches: t.queries.length,
    queries: t.queries,
    finish_reason: t.finishReason,
    response: t.response,
  };
}

/** Per-dataset means and their unweighted average, from records (in the order of `rows` when given). */
export function summarizeRecords(records: readonly EvalRecord[]): Omit<EvalReport, 'records'> {
  const perDataset: Record<string, DatasetScores> = {};
  let searchCalls = 0;
  for (const r of records) {
    const d = (perDataset[r.data_source] ??= { em: 0, cover_em: 0, f1: 0, searches: 0, n: 0 });
    d.em += r.em;
    d.cover_em += r.cover_em;
    d.f1 += r.f1;
    d.searches += r.searches;
    d.n++;
    searchCalls += r.searches;
  }
  const sets = Object.values(perDataset);
  for (const d of sets) {
    d.em /= d.n;
    d.cover_em /= d.n;
    d.f1 /= d.n;
    d.searches /= d.n;
  }
  const mean = (k: 'em' | 'cover_em' | 'f1' | 'searches') => (sets.length ? sets.reduce((a, d) => a + d[k], 0) / sets.length : 0);
  return {
    perDataset,
    average: { em: mean('em'), cover_em: mean('cover_em'), f1: mean('f1'), searches: mean('searches'), datasets: sets.length },
    searchCalls,
  };
}

/**
 * Evaluate `policy` on every row. `engine` is the search engine at evaluation (the real one in the paper),
 * or null for no search. Baselines (Direct, RAG) pass their own `prompt` in `opts.rollout`.
 */
export async function evaluatePolicy(
  policy: Pick<Transformer, 'config' | 'newCache' | 'extend'>,
  tokenizer: Tokenizer,
  rows: readonly EvalRow[],
  engine: SearchEngine | null,
  opts: EvaluateOptions = {},
): Promise<EvalReport> {
  checkRows(rows);
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`evaluate: batchSize must be a positive integer, got ${batchSize}`);
  const rolloutOpts: RolloutOptions = { ...DEFAULT_TRAINER_CONFIG.rollout, ...opts.rollout, temperature: 0, topP: 1, seed: 0 };

  const done = new Map<string, EvalRecord>();
  const log = opts.predictionsFile ? JsonlLog.open<EvalRecord>(opts.predictionsFile, { key: rowKey }) : null;
  const wanted = new Set(rows.map(rowKey));
  for (const r of log?.rows ?? []) if (wanted.has(rowKey(r))) done.set(rowKey(r), r);
  const todo = rows.filter((r) => !done.has(rowKey(r)));
  const bar = progress(opts.label ?? 'eval', rows.length, { quiet: opts.quiet });
  bar.tick(rows.length - todo.length);
  for (let start = 0; start < todo.length; start += batchSize) {
    const batch = todo.slice(start, start + batchSize);
    const trajs = await rollout(policy, tokenizer, batch, engine, rolloutOpts);
    const records = batch.map((row, i) => toRecord(row, trajs[i]));
    log?.append(records);
    log?.sync();
    for (const r of records) done.set(rowKey(r), r);
    const sofar = [...done.values()];
    bar.tick(batch.length, { em: (sofar.reduce((a, r) => a + r.em, 0) / sofar.length).toFixed(3) });
  }
  bar.done();
  const records = rows.map((r) => done.get(rowKey(r))!);
  return { ...summarizeRecords(records), records };
}

/** EM per set as fractions, and their unweighted mean: what `emRow` of src/report and a printed summary take. */
export function emPerSet(report: Pick<EvalReport, 'perDataset' | 'average'>): { em: Record<string, number>; average: number } {
  return { em: Object.fromEntries(Object.entries(report.perDataset).map(([set, d]) => [set, d.em])), average: report.average.em };
}
