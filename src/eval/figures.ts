/**
 * The reproduction's figures, drawn with src/report and exported as standalone HTML + PNG:
 *   tableN.*          our EM beside the paper's rows of the same table (grouped bars, paper column order)
 *   training-curves.* reward and searches per trajectory vs step, every RL run (the paper's Fig. 2)
 *   curriculum.*      the noise probability each run trained with, and the paper's App. F schedules
 *   cost-ours.*, cost-paper.*   search-API cost of our training runs at the paper's price; the paper's Table 8
 */
import * as path from 'path';
import type { ResultTable, Table, Cell } from '../report/paperTables';
import { loadPaperTables, pickRows } from '../report/paperTables';
import { comparisonBars, costBars, costRows, curriculumSchedules, trainingCurves, PlotlyFigure } from '../report/figures';
import { withFigureExporter, writeFigureHtml } from '../report/export';
import { noiseProbability } from '../rl/curriculum';
import type { ReproduceTables, SeedResult } from './tables';

/** Which published rows each of our tables is compared with (the 3B Qwen rows, the paper's main setting). */
export const PAPER_ROWS: Record<'table3' | 'table4' | 'table5' | 'table6' | 'table7', { table: string; picks: Array<{ method?: string[]; model?: string[] }> }> = {
  table3: {
    table: 'table3_main_results_v2',
    picks: [
      { method: ['Direct Answer', 'RAG'], model: ['Qwen-2.5-3B-Instruct'] },
      { method: ['R1-base', 'Search-R1-base', 'ZeroSearch-base'], model: ['Qwen-2.5-3B-Base'] },
    ],
  },
  table4: { table: 'table4_simulation_llms_v2', picks: [{ method: ['Base Model', 'Prompt-3B', 'SFT-3B', 'SFT-14B', 'Google'] }] },
  table5: { table: 'table5_rl_algorithms_v2', picks: [{}] },
  table6: { table: 'table6_curriculum_vs_random_v2', picks: [{ model: ['Qwen-2.5-3B-Base'] }] },
  table7: { table: 'table7_loss_masking_v2', picks: [{}] },
};

/** The paper's rows for one of our tables (rows of several picks concatenated). */
export function paperRowsFor(name: keyof typeof PAPER_ROWS, published: Record<string, Table<Cell>>): Table<Cell> {
  const spec = PAPER_ROWS[name];
  const table = published[spec.table];
  if (!table) throw new Error(`paper tables: no ${spec.table}`);
  return { ...table, rows: spec.picks.flatMap((p) => (Object.keys(p).length ? pickRows(table, p).rows : table.rows)) };
}

/** Every figure of a reproduction, by file stem. Paper comparisons are left out when the paper's tables are absent. */
export function reproductionFigures(tables: ReproduceTables, seeds: readonly SeedResult[], published: Record<string, Table<Cell>> | null): Record<string, PlotlyFigure> {
  const figs: Record<string, PlotlyFigure> = {};
  for (const name of Object.keys(PAPER_ROWS) as Array<keyof typeof PAPER_ROWS>) {
    const ours = tables[name] as ResultTable | undefined;
    if (!ours || !published?.[PAPER_ROWS[name].table]) continue;
    figs[name] = comparisonBars(ours, paperRowsFor(name, published), { title: `${name}: micro world (ours, solid) vs the paper (hatched)` });
  }
  const first = seeds[0];
  const runs = Object.entries(first.runs);
  if (runs.length) {
    figs['training-curves'] = trainingCurves(runs.map(([name, r]) => ({ name, steps: r.steps })), { title: `Training reward and searches (seed ${first.seed})` });
    const total = Math.max(...runs.map(([, r]) => r.steps.length));
    const schedules = runs
      .filter(([, r]) => r.steps.some((s) => s.noiseProbability !== null))
      .map(([name, r]) => ({ name: `${name} (ours)`, points: r.steps.map((s) => ({ step: s.step, p: s.noiseProbability ?? 0 })) }));
    const paperSchedules = [[0, 0.25], [0, 0.75], [0.25, 0.5]].map(([start, end]) => ({
      name: `paper ${start} → ${end}`,
      points: Array.from({ length: total }, (_, i) => ({ step: i + 1, p: noiseProbability(i + 1, total, { start, end, base: 4 }) })),
    }));
    if (total > 0) figs.curriculum = curriculumSchedules([...schedules, ...paperSchedules], { title: `Noise probability per step (paper schedules rescaled to ${total} steps)` });
  }
  if (tables.table8) {
    figs['cost-ours'] = costBars(tables.table8.rows.map((r) => ({ name: r.method, parts: { 'API cost at SerpAPI price (USD)': Number(r.values['API cost at SerpAPI price (USD)'] ?? 0), 'API cost avoided (USD)': Number(r.values['API cost avoided (USD)'] ?? 0) } })), {
      title: 'Our RL runs: search-API cost at the paper\'s SerpAPI price', yTitle: 'USD',
    });
  }
  if (published?.table8_cost_v2) {
    figs['cost-paper'] = costBars(costRows(published.table8_cost_v2, ['API Cost (USD)', 'GPU Cost (USD)']), { title: 'The paper\'s Table 8 (64k queries)', yTitle: 'USD' });
  }
  return figs;
}

/**
 * Writes every figure into `dir` (HTML always; PNG through headless Chromium when `png` and Chromium
 * works — otherwise a warning and HTML only). Returns the files written.
 */
export async function writeFigures(tables: ReproduceTables, seeds: readonly SeedResult[], dir: string, opts: { png: boolean; quiet?: boolean }): Promise<string[]> {
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
        const out = await exp.export(fig, path.join(dir, name), { width: 900, height: name === 'training-curves' ? 600 : 500 });
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
