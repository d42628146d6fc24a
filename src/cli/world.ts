/**
 * `zerosearch world --preset quick --seed 1 --out data/worlds/quick-1`: generate a micro world, write it
 * (corpus.jsonl, <set>/<split>.jsonl, world.json, stats.json) and print its statistics, including
 * BM25 answer recall@k per question set. `--second-out <dir>` also writes the world the policy base
 * model is pretrained on (same names and templates, next seed, no fact in common).
 */
import type { Command } from 'commander';
import { worldEngine } from '../search';
import { exportWorld, formatWorldStats, generateSecondWorld, generateWorld, worldStats, WORLD_PRESETS } from '../world';
import type { PresetName, World } from '../world';
import { writeJsonAtomic } from '../util';
import * as path from 'path';
import { parseNumber, presetOption } from './options';

async function statsWithRecall(world: World, topk: number | undefined) {
  if (topk === undefined) return worldStats(world);
  const engine = worldEngine(world);
  return worldStats(world, { topk, search: (queries, k) => engine.search(queries, { topk: k }) });
}

export function register(program: Command): void {
  program
    .command('world')
    .description('generate a micro world (entities, documents, question sets), write it and print its statistics')
    .addOption(presetOption(Object.keys(WORLD_PRESETS), 'world size'))
    .option('--seed <n>', 'seed: decides every fact', '1')
    .requiredOption('--out <dir>', 'output directory')
    .option('--topk <k>', 'BM25 documents per query for the answer-recall figures', '3')
    .option('--no-recall', 'skip the BM25 answer-recall figures')
    .option('--second-out <dir>', 'also write the policy-pretraining world (seed + 1, no fact in common)')
    .action(async (opts: { preset: string; seed: string; out: string; topk: string; recall: boolean; secondOut?: string }) => {
      const seed = parseNumber('--seed', opts.seed, { integer: true });
      const topk = opts.recall ? parseNumber('--topk', opts.topk, { integer: true, min: 1 }) : undefined;
      const world = generateWorld(opts.preset as PresetName, seed);
      exportWorld(world, opts.out);
      const stats = await statsWithRecall(world, topk);
      writeJsonAtomic(path.join(opts.out, 'stats.json'), stats);
      process.stdout.write(`${formatWorldStats(stats)}\nwritten to ${opts.out}\n`);
      if (opts.secondOut) {
        const second = generateSecondWorld(world);
        exportWorld(second, opts.secondOut);
        process.stdout.write(`\nsecond world (policy pretraining):\n${formatWorldStats(await worldStats(second))}\nwritten to ${opts.secondOut}\n`);
      }
    });
}
