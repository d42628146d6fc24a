/**
 * `zerosearch reproduce`: the README's main command. World → simulator → policy base → RL runs →
 * evaluation → tables → figures → findings → summary.md, every stage cached (rerun to continue after a kill).
 *
 *   zerosearch reproduce --preset quick --seed 1 --out results/quick
 *   zerosearch reproduce --preset ablations --seed 1 --out results/ablations --reuse results/quick
 *   zerosearch reproduce --preset ablations --seed 1 --rl-seeds 1 2 3 4 5 --out runs/five-seeds
 *   zerosearch reproduce --preset quick --set rl.lr=3e-4 --out runs/quick-lr3e-4
 */
import type { Command } from 'commander';
import { reproduce } from '../reproduce/reproduce';
import { REPRODUCE_PRESETS } from '../reproduce/presets';
import { formatFindings } from '../reproduce/findings';
import { parseNumber, presetOption } from './options';

const integers = (flag: string, values: string[] | undefined) => values?.map((v) => parseNumber(flag, v, { integer: true }));

export function register(program: Command): void {
  program
    .command('reproduce')
    .description('run the whole micro-world reproduction: tables, figures, findings and summary.md')
    .addOption(presetOption(Object.keys(REPRODUCE_PRESETS), 'reproduce preset'))
    .option('--seed <n...>', 'world seed(s); several are averaged (mean ± std)', ['1'])
    .option('--rl-seeds <n...>', "RL seeds of every world seed (default: the preset's count, starting at the world seed)")
    .requiredOption('--out <dir>', 'run folder (stages found there are reused)')
    .option('--reuse <dir>', 'copy the stages of another run folder (e.g. a quick run) where --out lacks them')
    .option('--set <path=value...>', 'edit the resolved run config, e.g. rl.lr=3e-4 (see zerosearch config)')
    .option('--no-png', 'write figures as HTML only (no Chromium needed)')
    .action(async (o: { preset: string; seed: string[]; rlSeeds?: string[]; out: string; reuse?: string; set?: string[]; png: boolean }) => {
      const seeds = integers('--seed', o.seed)!;
      const rlSeeds = integers('--rl-seeds', o.rlSeeds);
      const t0 = Date.now();
      const result = await reproduce({ preset: o.preset, seeds, rlSeeds, outDir: o.out, reuse: o.reuse, set: o.set, png: o.png });
      process.stdout.write(
        `${result.files.summary}\n${result.files.tables.length} table files, ${result.files.figures.length} figure files in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
      );
      process.stdout.write(`${formatFindings(result.findings.filter((f) => f.result))}\n`);
    });
}
