/**
 * The reproduction's result tables, in the paper-table shape of src/report (`values` keyed by column,
 * EM in percent), one per paper table, averaged over seeds (mean ± sample std):
 *   table3  methods × the seven micro sets + Avg (plus table3_cover_em and table3_f1)
 *   table4  the engine RL trained with: none (base), prompt-only simulator, the SFT simulator ladder, BM25
 *   table5  RL algorithm; table6 curriculum vs constant p = 0.5; table7 loss mask vs none
 *   table8  cost: search calls during training, training time, the paper's SerpAPI price applied to them;
 *   table8_phases  wall time of every stage of the run.
 * A table is written only when at least two of its rows were run. Baselines do not depend on the RL seed,
 * so their std over RL seeds is 0 (one evaluation, repeated).
 */
import type { EvalReport } from '../eval/evaluate';
import type { TrainEngine } from './presets';
import { CURRICULUM } from '../rl/curriculum';
import type { NoiseSpec } from '../rl/trainer';
import { averageOverSeeds, EM_COLUMNS, emRow, ResultTable, TableRow } from '../report/paper-tables';

export interface RunSummary {
  engine: TrainEngine;
  steps: { step: number; reward: number; searches: number; noiseProbability: number | null }[];
  /** Engine calls made during training (searches per trajectory × trajectories, summed over steps). */
  searchCalls: number;
  trainSeconds: number;
  /** Mean seconds per step in rollout (policy + engine decoding), prepare (old log-probs) and update. */
  stepSeconds: [number, number, number];
  noise: NoiseSpec;
}

/** One simulator of the ladder: its size and quality-report rates (null when the report was not built). */
export interface LadderRung {
  engine: TrainEngine;
  hiddenSize: number;
  params: number;
  useful: number | null;
  noisy: number | null;
  wellFormed: number | null;
  /** The prompt-only simulator on the same knowledge model (the rung's base before SFT). */
  promptUseful: number | null;
}

export interface SeedResult {
  /** World seed. */
  seed: number;
  /** RL seed of the runs (baselines are shared by every RL seed of a world seed). */
  rlSeed: number;
  preset: string;
  /** Evaluation summaries by method key (direct, rag, base, and the RL run names). */
  evals: Record<string, Omit<EvalReport, 'records'>>;
  /** EM of every evaluated question by method key and set, in the same question order for every method. */
  perQuestion: Record<string, Record<string, number[]>>;
  runs: Record<string, RunSummary>;
  ladder: LadderRung[];
  /** Wall seconds of each stage that ran (cached stages keep the time of the run that made them). */
  timings: Record<string, number>;
}

export type TableName = 'table3' | 'table3_cover_em' | 'table3_f1' | 'table4' | 'table5' | 'table6' | 'table7' | 'table8' | 'table8_phases';
export type ReproduceTables = Partial<Record<TableName, ResultTable>>;

/** Our row names → method key of the run or baseline; the order is the table's. */
export const TABLE_ROWS: Record<'table3' | 'table4' | 'table5' | 'table6' | 'table7', Array<[string, string]>> = {
  table3: [
    ['Direct Answer', 'direct'],
    ['RAG', 'rag'],
    ['R1', 'r1'],
    ['Search-R1', 'search-r1'],
    ['ZeroSearch', 'zerosearch'],
  ],
  table4: [
    ['Base Model', 'base'],
    ['Prompt', 'zerosearch-prompt'],
    ['SFT-small', 'zerosearch-sft-small'],
    ['SFT', 'zerosearch'],
    ['SFT-large', 'zerosearch-sft-large'],
    ['BM25 (real)', 'search-r1'],
  ],
  table5: [
    ['REINFORCE', 'zerosearch-reinforce'],
    ['GRPO', 'zerosearch-grpo'],
    ['PPO', 'zerosearch-ppo'],
    ['RLOO (default)', 'zerosearch'],
  ],
  table6: [
    ['Curriculum', 'zerosearch'],
    ['Random', 'zerosearch-random'],
  ],
  table7: [
    ['w/ mask', 'zerosearch'],
    ['w/o mask', 'zerosearch-nomask'],
  ],
};

const CAPTIONS: Record<TableName, string> = {
  table3: 'Micro-world Table 3: EM (%) of each method on held-out questions of the seven micro sets, real engine (BM25) at evaluation',
  table3_cover_em: 'Micro-world Table 3, cover-EM (%)',
  table3_f1: 'Micro-world Table 3, F1 (%)',
  table4: 'Micro-world Table 4: EM (%) after RL with each search engine (simulators vs the real engine); Base Model = no RL',
  table5: 'Micro-world Table 5: EM (%) of ZeroSearch with each RL algorithm',
  table6: `Micro-world Table 6: EM (%) with the curriculum (p ${CURRICULUM.start} → ${CURRICULUM.end}) vs a constant p = 0.5`,
  table7: 'Micro-world Table 7: EM (%) with and without the loss mask on retrieved tokens',
  table8: "Micro-world Table 8: search calls during RL training and what the real engine would cost at the paper's SerpAPI price",
  table8_phases: 'Wall time of every stage of the reproduction, first world seed (seconds, this machine)',
};

/** The paper's SerpAPI price per query: Table 8, Google row (586.7 USD for ~64,000 queries, App. D). */
export const SERPAPI_USD_PER_QUERY = 586.7 / 64000;

export const COST_COLUMNS = [
  'Training search calls',
  'Real-engine calls',
  'Simulator calls',
  'Training time (s)',
  'API cost at SerpAPI price (USD)',
  'API cost avoided (USD)',
];

function metricTable(name: TableName, rowsSpec: Array<[string, string]>, seed: SeedResult, metric: 'em' | 'cover_em' | 'f1'): ResultTable | undefined {
  const model = `micro policy (${seed.preset})`;
  const rows: TableRow<number | null>[] = rowsSpec
    .filter(([, key]) => seed.evals[key])
    .map(([label, key]) => {
      const perSet = Object.fromEntries(Object.entries(seed.evals[key].perDataset).map(([set, d]) => [set, d[metric]]));
      return emRow(label, model, perSet, [seed.rlSeed]);
    });
  return rows.length >= 2 ? { caption: CAPTIONS[name], columns: [...EM_COLUMNS], rows } : undefined;
}

function costTable(seed: SeedResult): ResultTable | undefined {
  const rows = Object.entries(seed.runs).map(([name, run]): TableRow<number | null> => {
    const real = run.engine === 'bm25' ? run.searchCalls : 0;
    const simulated = run.engine.startsWith('simulator') ? run.searchCalls : 0;
    return {
      method: name,
      model: run.engine,
      seeds: [seed.rlSeed],
      values: {
        'Training search calls': run.searchCalls,
        'Real-engine calls': real,
        'Simulator calls': simulated,
        'Training time (s)': run.trainSeconds,
        'API cost at SerpAPI price (USD)': real * SERPAPI_USD_PER_QUERY,
        'API cost avoided (USD)': simulated * SERPAPI_USD_PER_QUERY,
      },
    };
  });
  return rows.length ? { caption: CAPTIONS.table8, columns: COST_COLUMNS, rows } : undefined;
}

function phaseTable(seed: SeedResult): ResultTable | undefined {
  const rows = Object.entries(seed.timings).map(([stage, seconds]) => ({
    method: stage,
    model: 'wall time',
    values: { 'Wall time (s)': seconds },
    seeds: [seed.rlSeed],
  }));
  return rows.length ? { caption: CAPTIONS.table8_phases, columns: ['Wall time (s)'], rows } : undefined;
}

/** One seed's tables. */
export function seedTables(seed: SeedResult): ReproduceTables {
  return {
    table3: metricTable('table3', TABLE_ROWS.table3, seed, 'em'),
    table3_cover_em: metricTable('table3_cover_em', TABLE_ROWS.table3, seed, 'cover_em'),
    table3_f1: metricTable('table3_f1', TABLE_ROWS.table3, seed, 'f1'),
    table4: metricTable('table4', TABLE_ROWS.table4, seed, 'em'),
    table5: metricTable('table5', TABLE_ROWS.table5, seed, 'em'),
    table6: metricTable('table6', TABLE_ROWS.table6, seed, 'em'),
    table7: metricTable('table7', TABLE_ROWS.table7, seed, 'em'),
    table8: costTable(seed),
  };
}

/** Every table, mean ± std over the seeds (a single seed gives its own numbers, std null). */
export function buildTables(seeds: readonly SeedResult[]): ReproduceTables {
  if (seeds.length === 0) throw new Error('buildTables: no seed results');
  const perSeed = seeds.map(seedTables);
  const out: ReproduceTables = {};
  for (const name of Object.keys(perSeed[0]) as TableName[]) {
    const tables = perSeed.map((t) => t[name]).filter((t): t is ResultTable => t !== undefined);
    if (tables.length === 0) continue;
    if (tables.length !== seeds.length)
      throw new Error(`buildTables: ${name} exists for ${tables.length} of ${seeds.length} seeds (run every seed with the same preset)`);
    out[name] = tables.length === 1 ? tables[0] : averageOverSeeds(tables);
  }
  // Stage times are not averaged: each world seed names its own RL-seed runs. The first world seed's are shown.
  const phases = phaseTable(seeds[0]);
  if (phases) out.table8_phases = phases;
  return out;
}
