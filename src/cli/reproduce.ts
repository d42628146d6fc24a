/**
 * `zerosearch reproduce`: the README's main command. World → simulator → policy base → RL runs →
 * evaluation → tables → figures → summary.md, every stage cached (rerun to continue after a kill).
 *
 *   zerosearch reproduce --preset quick --seed 1 --out results/quick
 *   zerosearch reproduce --preset paper --seed 1 2 3 --out runs/paper     # mean ± std over seeds
 */
import type { Command } from 'commander';
import { reproduce } from '../eval/reproduce';
import type { PresetName } from '../world/config';

export function register(program: Command): void {
  program
    .command('reproduce')
    .description('run the whole micro-world reproduction: tables, figures and summary.md')
    .option('--preset <name>', 'tiny | quick | paper', 'quick')
    .option('--seed <n...>', 'seed(s); several are averaged (mean ± std)', ['1'])
    .requiredOption('--out <dir>', 'run folder (stages found there are reused)')
    .option('--no-png', 'write figures as HTML only (no Chromium needed)')
    .action(async (o: { preset: string; seed: string[]; out: string; png: boolean }) => {
      if (!['tiny', 'quick', 'paper'].includes(o.preset)) throw new Error(`--preset ${o.preset}: expected tiny, quick or paper`);
      const seeds = o.seed.map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n)) throw new Error(`--seed ${s}: expected an integer`);
        return n;
      });
      const t0 = Date.now();
      const result = await reproduce({ preset: o.preset as PresetName, seeds, outDir: o.out, png: o.png });
      process.stdout.write(`${result.files.summary}\n${result.files.tables.length} table files, ${result.files.figures.length} figure files in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    });
}
