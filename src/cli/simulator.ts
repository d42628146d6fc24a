/**
 * `zerosearch simulator train|eval`: the simulator pipeline of src/simulator (knowledge pretraining, SFT
 * data from BM25, labels, SFT) on a micro world, with stage caching in --out. `train` stops before the
 * quality report; `eval` runs whatever is missing and prints the quality table (simulator.json, simulator.md).
 * `collect` gathers SFT data on real questions with a real engine (./simulator-collect); `finetune` tunes a real HF checkpoint (e.g. Qwen2.5-Instruct) on SFT examples with LoRA and saves it merged.
 */
import type { Command } from 'commander';
import { buildSimulator, finetuneSimulator } from '../simulator';
import type { LabelName, SftExample } from '../simulator';
import { DEFAULT_LORA } from '../model';
import { readJsonl } from '../util';
import { initBackend } from '../tensor';
import { generateWorld, loadWorld } from '../world';
import { resolveRunConfig } from '../reproduce/run-config';
import { parseNumber, presetOption } from './options';
import { registerCollect } from './simulator-collect';

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
  // The simulator and world of the run config `reproduce` would resolve for this preset (one source of both).
  const config = resolveRunConfig(opts.preset);
  const seed = parseNumber('--seed', opts.seed, { integer: true });
  const worldSeed = parseNumber('--world-seed', opts.worldSeed, { integer: true });
  if (!['oracle', 'trajectory', 'judge'].includes(opts.labels)) throw new Error(`--labels: expected oracle, trajectory or judge, got "${opts.labels}"`);
  if (opts.labels === 'judge' && !opts.judgeUrl) throw new Error('--labels judge needs --judge-url (an OpenAI-compatible server)');
  await initBackend();
  const world = opts.world ? loadWorld(opts.world) : generateWorld(config.world, worldSeed);
  const build = await buildSimulator(world, config.simulator, {
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
  for (const [name, skipQuality, what] of [
    ['train', true, 'knowledge pretraining, SFT data and SFT'],
    ['eval', false, 'every missing stage, then the quality report'],
  ] as const) {
    sim
      .command(name)
      .description(`run ${what} (stages whose outputs exist in --out are reused)`)
      .addOption(presetOption(['tiny', 'quick'], 'model size, steps, batch sizes'))
      .option('--seed <n>', 'training seed', '1')
      .option('--world-seed <n>', 'micro-world seed (ignored with --world)', '1')
      .option('--world <dir>', 'a world written by `zerosearch world` instead of generating one')
      .requiredOption('--out <dir>', 'output folder (checkpoints, data, loss curves, simulator.json)')
      .option('--labels <name>', 'oracle | trajectory | judge', 'oracle')
      .option('--judge-url <url>', 'OpenAI-compatible judge server for --labels judge (key: $ZS_JUDGE_API_KEY)')
      .option('--judge-model <name>', 'model name sent to the judge server')
      .action((opts: Options) => run(opts, skipQuality));
  }
  registerCollect(sim);
  sim
    .command('finetune')
    .description('LoRA SFT of a Hugging Face checkpoint on simulator SFT examples; saves the merged model (HF layout) and the adapter')
    .requiredOption('--model <dir>', 'HF model folder (config.json, safetensors, tokenizer.json)')
    .requiredOption('--examples <jsonl>', 'SFT examples, e.g. <simulator out>/sft-examples.jsonl')
    .requiredOption('--out <dir>', 'output folder (merged/, adapter/, sft-loss.jsonl, train-state/)')
    .option('--lora-rank <n>', 'LoRA rank (0 = full fine-tuning)', String(DEFAULT_LORA.rank))
    .option('--lora-alpha <x>', 'LoRA alpha', String(DEFAULT_LORA.alpha))
    .option('--lora-targets <list>', 'comma-separated projection names', DEFAULT_LORA.targetModules.join(','))
    .option('--steps <n>', 'training steps (paper: 1000)', '1000')
    .option('--batch-size <n>', 'sequences per step (paper: 2)', '2')
    .option('--lr <x>', 'peak learning rate (paper: 1e-6 full fine-tuning; LoRA usually needs ~1e-4)', '1e-4')
    .option('--warmup <n>', 'linear learning-rate warm-up steps', '10')
    .option('--seed <n>', 'seed', '1')
    .action(
      async (o: {
        model: string;
        examples: string;
        out: string;
        loraRank: string;
        loraAlpha: string;
        loraTargets: string;
        steps: string;
        batchSize: string;
        lr: string;
        warmup: string;
        seed: string;
      }) => {
        await initBackend();
        const { result, dir } = await finetuneSimulator({
          modelDir: o.model,
          examples: readJsonl<SftExample>(o.examples),
          outDir: o.out,
          lora: {
            rank: parseNumber('--lora-rank', o.loraRank, { integer: true, min: 0 }),
            alpha: parseNumber('--lora-alpha', o.loraAlpha, { min: 0 }),
            targetModules: o.loraTargets
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          },
          train: {
            steps: parseNumber('--steps', o.steps, { integer: true, min: 0 }),
            batchSize: parseNumber('--batch-size', o.batchSize, { integer: true, min: 0 }),
            lr: parseNumber('--lr', o.lr, { min: 0 }),
            warmup: parseNumber('--warmup', o.warmup, { integer: true, min: 0 }),
            seed: parseNumber('--seed', o.seed, { integer: true, min: 0 }),
          },
        });
        process.stdout.write(JSON.stringify({ merged: dir, steps: result.step, finalLoss: result.losses.at(-1)?.loss ?? null }) + '\n');
      },
    );
}
