/**
 * `zerosearch simulator train|eval`: the simulator pipeline of src/simulator (knowledge pretraining, SFT
 * data from BM25, labels, SFT) on a micro world, with stage caching in --out. `train` stops before the
 * quality report; `eval` runs whatever is missing and prints the quality table (simulator.json, simulator.md).
 */
import type { Command } from 'commander';
import { buildSimulator, SIMULATOR_PRESETS } from '../simulator';
import type { LabelName } from '../simulator';
import { initBackend } from '../tensor';
import { generateWorld, loadWorld } from '../world';
import type { PresetName } from '../world';

interface Options {
  preset: string;
  seed: string;
  worldSeed: string;
  world?: string;
  out: string;
  labels: string;
  judgeUrl?: string;
  judgeModel?: string;
}

async function run(opts: Options, skipQuality: boolean): Promise<void> {
  if (!(opts.preset in SIMULATOR_PRESETS)) throw new Error(`--preset: expected one of ${Object.keys(SIMULATOR_PRESETS).join(', ')}, got "${opts.preset}"`);
  const seed = Number(opts.seed);
  const worldSeed = Number(opts.worldSeed);
  if (!Number.isInteger(seed) || !Number.isInteger(worldSeed)) throw new Error('--seed and --world-seed must be integers');
  if (!['oracle', 'trajectory', 'judge'].includes(opts.labels)) throw new Error(`--labels: expected oracle, trajectory or judge, got "${opts.labels}"`);
  if (opts.labels === 'judge' && !opts.judgeUrl) throw new Error('--labels judge needs --judge-url (an OpenAI-compatible server)');
  await initBackend();
  const world = opts.world ? loadWorld(opts.world) : generateWorld(opts.preset as PresetName, worldSeed);
  const build = await buildSimulator(world, opts.preset as keyof typeof SIMULATOR_PRESETS, {
    seed,
    outDir: opts.out,
    labels: opts.labels as LabelName,
    judge: opts.judgeUrl ? { baseUrl: opts.judgeUrl, model: opts.judgeModel, apiKey: process.env.ZS_JUDGE_API_KEY } : undefined,
    skipQuality,
  });
  process.stdout.write(JSON.stringify({ out: opts.out, knowledge: build.knowledge, sftData: build.sftData, quality: build.quality?.rows }, null, 2) + '\n');
  if (build.quality) process.stdout.write(`${build.quality.table}\n`);
}

export function register(program: Command): void {
  const sim = program.command('simulator').description('build and evaluate the simulation LLM on a micro world');
  for (const [name, skipQuality, what] of [['train', true, 'knowledge pretraining, SFT data and SFT'], ['eval', false, 'every missing stage, then the quality report']] as const) {
    sim
      .command(name)
      .description(`run ${what} (stages whose outputs exist in --out are reused)`)
      .option('--preset <name>', 'tiny | quick | paper (model size, steps, batch sizes)', 'quick')
      .option('--seed <n>', 'training seed', '1')
      .option('--world-seed <n>', 'micro-world seed (ignored with --world)', '1')
      .option('--world <dir>', 'a world written by `zerosearch world` instead of generating one')
      .requiredOption('--out <dir>', 'output folder (checkpoints, data, loss curves, simulator.json)')
      .option('--labels <name>', 'oracle | trajectory | judge', 'oracle')
      .option('--judge-url <url>', 'OpenAI-compatible judge server for --labels judge (key: $ZS_JUDGE_API_KEY)')
      .option('--judge-model <name>', 'model name sent to the judge server')
      .action((opts: Options) => run(opts, skipQuality));
  }
}
