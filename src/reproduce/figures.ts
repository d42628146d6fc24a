/**
 * The reproduction's figures, drawn with src/report and exported as standalone HTML + PNG:
 *   tableN.*          our EM (solid, with 95% intervals) beside the paper's rows of the same table (hatched);
 *                     a method keeps one colour in both
 *   training-curves.* reward and searches per trajectory vs step, every run of Table 3 (the paper's Fig. 2);
 *   curves-tableN.*   the same for each ablation table; with several RL seeds, the mean and a ± std band
 *   ladder.*          EM after RL against simulator size, the real engine as a line, prompt-only beside it
 *   curriculum.*      the noise probability each run trained with, and the paper's App. F schedules
 *   cost-ours.*, cost-paper.*   search-API cost of our training runs at the paper's price; the paper's Table 8
 */
import * as path from 'path';
import type { ResultTable, Table, Cell } from '../report/paper-tables';
import { loadPaperTables, pickRows } from '../report/paper-tables';
import { paperColumnOf } from '../report/paper-tables';
import { comparisonBars, costBars, costRows, curriculumSchedules, simulatorLadder, trainingCurves, PlotlyFigure, TrainingRun } from '../report/figures';
import { withFigureExporter, writeFigureHtml } from '../report/export';
import { noiseProbability } from '../rl/curriculum';
import type { ReproduceTables, SeedResult } from './tables';
import { TABLE_ROWS } from './tables';
import { methodValues } from './findings';
import { bootstrapInterval } from '../eval/paired';

/** Which published rows each of our tables is compared with (the 3B Qwen rows, the paper's main setting). */
export const PAPER_ROWS: Record<
  'table3' | 'table4' | 'table5' | 'table6' | 'table7',
  { table: string; picks: Array<{ method?: string[]; model?: string[] }> }
> = {
  table3: {
    table: 'table3_main_results_v2',
    picks: [
      { method: ['Direct Answer', 'RAG'], model: ['Qwen-2.5-3B-Instruct'] },
      { method: ['R1-base', 'Search-R1-base', 'ZeroSearch-base'], model: ['Qwen-2.5-3B-Base'] },
    ],
  },
  table4: { table: 'table4_simulation_llms_v2', picks: [{ method: ['Base Model', 'Prompt-7B', 'SFT-3B', 'SFT-7B', 'SFT-14B', 'Google'] }] },
  table5: { table: 'table5_rl_algorithms_v2', picks: [{}] },
  table6: { table: 'table6_curriculum_vs_random_v2', picks: [{ model: ['Qwen-2.5-3B-Base'] }] },
  table7: { table: 'table7_loss_masking_v2', picks: [{}] },
};

/** Our row → the paper row it stands for (they share a colour); the ladder's three sizes stand for 3B, 7B and 14B. */
export const PAPER_PAIRS: Record<keyof typeof PAPER_ROWS, Record<string, string>> = {
  table3: { 'Direct Answer': 'Direct Answer', RAG: 'RAG', R1: 'R1-base', 'Search-R1': 'Search-R1-base', ZeroSearch: 'ZeroSearch-base' },
  table4: { 'Base Model': 'Base Model', Prompt: 'Prompt-7B', 'SFT-small': 'SFT-3B', SFT: 'SFT-7B', 'SFT-large': 'SFT-14B', 'BM25 (real)': 'Google' },
  table5: { REINFORCE: 'REINFORCE', GRPO: 'GRPO', PPO: 'PPO' },
  table6: { Curriculum: 'Curriculum', Random: 'Random' },
  table7: { 'w/ mask': 'w/ mask', 'w/o mask': 'w/o mask' },
};

/** 95% interval (EM %) of a method per table column, first world seed: each set's and the seven-set average's. */
function columnIntervals(seeds: readonly SeedResult[], key: string): Record<string, [number, number]> | null {
  const results = seeds.filter((s) => s.seed === seeds[0].seed);
  const values = methodValues(results, key);
  if (!values) return null;
  const sets = Object.keys(results[0].perQuestion[key]);
  const pct = (v: typeof values) => {
    const iv = bootstrapInterval(v, { replicates: 1000, seed: seeds[0].seed });
    return [100 * iv.low, 100 * iv.high] as [number, number];
  };
  const out: Record<string, [number, number]> = { Avg: pct(values) };
  sets.forEach((set, j) => (out[paperColumnOf(set)] = pct(values.map((bySeed) => [bySeed[j]]))));
  return out;
}

/** Training curves of `keys` (mean over the first world seed's RL seeds, ± std band when there are several). */
function meanCurves(seeds: readonly SeedResult[], keys: Array<[string, string]>): TrainingRun[] {
  const results = seeds.filter((s) => s.seed === seeds[0].seed);
  return keys
    .filter(([, key]) => results.every((r) => r.runs[key]))
    .map(([label, key]) => {
      const runs = results.map((r) => r.runs[key].steps);
      const n = Math.min(...runs.map((r) => r.length));
      const stat = (field: 'reward' | 'searches', j: number) => {
        const xs = runs.map((r) => r[j][field]);
        const m = xs.reduce((a, x) => a + x, 0) / xs.length;
        return { m, sd: xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : 0 };
      };
      const steps = Array.from({ length: n }, (_, j) => ({ step: runs[0][j].step, reward: stat('reward', j).m, searches: stat('searches', j).m }));
      const spread = runs.length > 1 ? { reward: steps.map((_, j) => stat('reward', j).sd), searches: steps.map((_, j) => stat('searches', j).sd) } : undefined;
      return { name: label, steps, spread };
    });
}

/** The ladder figure from the first world seed's results (null unless at least two sizes and the real engine ran). */
function ladderFigure(seeds: readonly SeedResult[]): PlotlyFigure | null {
  const first = seeds[0];
  const keyOf: Record<string, [string, string]> = {
    'simulator-sft-small': ['SFT-small', 'zerosearch-sft-small'],
    'simulator-sft': ['SFT', 'zerosearch'],
    'simulator-sft-large': ['SFT-large', 'zerosearch-sft-large'],
  };
  const point = (label: string, key: string, params: number, useful: number | null) => {
    const results = seeds.filter((s) => s.seed === first.seed);
    const v = methodValues(results, key);
    if (!v) return null;
    const iv = bootstrapInterval(v, { replicates: 1000, seed: first.seed });
    return { name: label, params, em: 100 * iv.estimate, low: 100 * iv.low, high: 100 * iv.high, useful };
  };
  const points = first.ladder
    .map((r) => point(keyOf[r.engine][0], keyOf[r.engine][1], r.params, r.useful))
    .filter((p): p is NonNullable<typeof p> => p !== null);
  const real = point('BM25', 'search-r1', 0, null);
  if (points.length < 2 || !real) return null;
  const mid = first.ladder.find((r) => r.engine === 'simulator-sft');
  const prompt = mid ? (point('Prompt', 'zerosearch-prompt', mid.params, mid.promptUseful) ?? undefined) : undefined;
  return simulatorLadder(
    points,
    { real, prompt },
    { title: `Simulator size (world seed ${first.seed}, mean of ${seeds.filter((s) => s.seed === first.seed).length} RL seed(s), 95% intervals)` },
  );
}

/** The paper's rows for one of our tables (rows of several picks concatenated). */
export function paperRowsFor(name: keyof typeof PAPER_ROWS, published: Record<string, Table<Cell>>): Table<Cell> {
  const spec = PAPER_ROWS[name];
  const table = published[spec.table];
  if (!table) throw new Error(`paper tables: no ${spec.table}`);
  return { ...table, rows: spec.picks.flatMap((p) => (Object.keys(p).length ? pickRows(table, p).rows : table.rows)) };
}

/** Every figure of a reproduction, by file stem. Paper comparisons are left out when the paper's tables are absent. */
export function reproductionFigures(
  tables: ReproduceTables,
  seeds: readonly SeedResult[],
  published: Record<string, Table<Cell>> | null,
): Record<string, PlotlyFigure> {
  const figs: Record<string, PlotlyFigure> = {};
  const rlSeeds = seeds.filter((s) => s.seed === seeds[0].seed).length;
  for (const name of Object.keys(PAPER_ROWS) as Array<keyof typeof PAPER_ROWS>) {
    const ours = tables[name] as ResultTable | undefined;
    if (!ours || !published?.[PAPER_ROWS[name].table]) continue;
    const intervals = Object.fromEntries(TABLE_ROWS[name].map(([label, key]) => [label, columnIntervals(seeds, key)]).filter(([, iv]) => iv !== null));
    figs[name] = comparisonBars(ours, paperRowsFor(name, published), {
      title: `${name}: micro world (ours, solid, 95% intervals) vs the paper (hatched)`,
      pairs: PAPER_PAIRS[name],
      intervals,
    });
  }
  for (const name of ['table3', 'table4', 'table5', 'table6', 'table7'] as const) {
    const curves = meanCurves(seeds, TABLE_ROWS[name]);
    const stem = name === 'table3' ? 'training-curves' : `curves-${name}`;
    if (curves.length >= (name === 'table3' ? 1 : 2))
      figs[stem] = trainingCurves(curves, {
        title: `${name}: training reward and searches (world seed ${seeds[0].seed}${rlSeeds > 1 ? `, mean ± std over ${rlSeeds} RL seeds` : ''})`,
      });
  }
  const ladder = ladderFigure(seeds);
  if (ladder) figs.ladder = ladder;
  const first = seeds[0];
  const runs = Object.entries(first.runs);
  if (runs.length) {
    const total = Math.max(...runs.map(([, r]) => r.steps.length));
    const schedules = runs
      .filter(([, r]) => r.steps.some((s) => s.noiseProbability !== null))
      .map(([name, r]) => ({ name: `${name} (ours)`, points: r.steps.map((s) => ({ step: s.step, p: s.noiseProbability ?? 0 })) }));
    const paperSchedules = [
      [0, 0.25],
      [0, 0.75],
      [0.25, 0.5],
    ].map(([start, end]) => ({
      name: `paper ${start} → ${end}`,
      points: Array.from({ length: total }, (_, i) => ({ step: i + 1, p: noiseProbability(i + 1, total, { start, end, base: 4 }) })),
    }));
    if (total > 0)
      figs.curriculum = curriculumSchedules([...schedules, ...paperSchedules], {
        title: `Noise probability per step (paper schedules rescaled to ${total} steps)`,
      });
  }
  if (tables.table8) {
    figs['cost-ours'] = costBars(
      tables.table8.rows.map((r) => ({
        name: r.method,
        parts: {
          'API cost at SerpAPI price (USD)': Number(r.values['API cost at SerpAPI price (USD)'] ?? 0),
          'API cost avoided (USD)': Number(r.values['API cost avoided (USD)'] ?? 0),
        },
      })),
      {
        title: "Our RL runs: search-API cost at the paper's SerpAPI price",
        yTitle: 'USD',
      },
    );
  }
  if (published?.table8_cost_v2) {
    figs['cost-paper'] = costBars(costRows(published.table8_cost_v2, ['API Cost (USD)', 'GPU Cost (USD)']), {
      title: "The paper's Table 8 (64k queries)",
      yTitle: 'USD',
    });
  }
  return figs;
}

/**
 * Writes every figure into `dir` (HTML always; PNG through headless Chromium when `png` and Chromium
 * works — otherwise a warning and HTML only). Returns the files written.
 */
export async function writeFigures(
  tables: ReproduceTables,
  seeds: readonly SeedResult[],
  dir: string,
  opts: { png: boolean; quiet?: boolean },
): Promise<string[]> {
  let published: Record<string, Table<Cell>> | null = null;
  try {
    published = loadPaperTables();
  } catch (err) {
    if (!opts.quiet) process.stderr.write(`[reproduce] figures without the paper's numbers: ${(err as Error).message}\n`);
  }
  const figs = reproductionFigures(tables, seeds, published);
  const files: string[] = [];
  const htmlOnly = () => {
    for (const [name, fig] of Object.entries(figs)) files.push(writeFigureHtml(fig, path.join(dir, name), { width: 900, height: 500 }));
    return files;
  };
  if (!opts.png) return htmlOnly();
  try {
    await withFigureExporter(async (exp) => {
      for (const [name, fig] of Object.entries(figs)) {
        const out = await exp.export(fig, path.join(dir, name), { width: name.startsWith('table') ? 1100 : 900, height: name.includes('curves') ? 600 : 500 });
        files.push(...Object.values(out).filter((f): f is string => typeof f === 'string'));
      }
    });
    return files;
  } catch (err) {
    if (!opts.quiet) process.stderr.write(`[reproduce] PNG export failed (${(err as Error).message}); writing HTML only\n`);
    files.length = 0;
    return htmlOnly();
  }
}
