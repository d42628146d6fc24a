/**
 * `zerosearch compare`: our result table(s) beside a published table, as a grouped-bar figure
 * (HTML + PNG). Several --ours files are taken as seeds of one experiment and averaged (mean ± std,
 * written next to the figure as <out>-mean.json/.csv).
 *
 *   zerosearch compare --ours results/seed1/em.json results/seed2/em.json \
 *     --paper table3_main_results_v2 --model Qwen-2.5-3B-Base --method ZeroSearch-base Search-R1-base \
 *     --out results/figures/table3
 */
import * as path from 'path';
import type { Command } from 'commander';
import { readJson } from '../util';
import { numberFlag } from './options';
import { averageOverSeeds, comparisonBars, exportFigure, loadPaperTables, pickRows, validateResultTable, writeTable } from '../report';

export function register(program: Command): void {
  program
    .command('compare')
    .description('plot our EM table(s) beside a table of the paper (HTML + PNG)')
    .requiredOption('--ours <files...>', 'our result table(s), JSON as written by writeTable; several = seeds, averaged')
    .requiredOption('--paper <name>', 'published table, e.g. table3_main_results_v2 (see paper-tables.json)')
    .option('--method <names...>', 'paper rows to show, by method')
    .option('--model <names...>', 'paper rows to show, by model')
    .option('--tables <file>', 'paper-tables.json (default ../shared/reference/paper-tables.json or ZS_PAPER_TABLES)')
    .option('--title <text>', 'figure title')
    .option('--width <px>', 'figure width', numberFlag('--width', { integer: true, min: 10 }), 900)
    .option('--height <px>', 'figure height', numberFlag('--height', { integer: true, min: 10 }), 500)
    .option('--no-png', 'write only the HTML (no Chromium needed)')
    .requiredOption('--out <base>', 'output base path: writes <base>.html and <base>.png')
    .action(
      async (o: {
        ours: string[];
        paper: string;
        method?: string[];
        model?: string[];
        tables?: string;
        title?: string;
        width: number;
        height: number;
        png: boolean;
        out: string;
      }) => {
        const published = loadPaperTables(o.tables);
        const table = published[o.paper];
        if (!table) throw new Error(`--paper ${o.paper}: no such table (have ${Object.keys(published).join(', ')})`);
        const paper = o.method || o.model ? pickRows(table, { method: o.method, model: o.model }) : table;
        const seeds = o.ours.map((file) => validateResultTable(readJson(file), file));
        let ours = seeds[0];
        if (seeds.length > 1) {
          ours = averageOverSeeds(seeds);
          const written = writeTable(ours, path.dirname(o.out), `${path.basename(o.out)}-mean`);
          process.stdout.write(`${written.json}\n${written.csv}\n`);
        }
        const files = await exportFigure(comparisonBars(ours, paper, { title: o.title }), o.out, { width: o.width, height: o.height, png: o.png });
        for (const f of Object.values(files)) process.stdout.write(`${f}\n`);
      },
    );
}
