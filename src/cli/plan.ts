/**
 * `zerosearch plan --policy <hf dir | config.json>`: what an RL run of that model will hold in memory, before it
 * starts: weights, KL reference, AdamW state, PPO critic, the rollout's KV cache, gradients and activations at
 * the micro-batch and context, the head's logits chunk. A table on stderr, the plan as JSON on stdout.
 * The flags are `zerosearch train --policy`'s, with the same defaults (the paper's budgets; --recipe fills in a run).
 *
 *   zerosearch plan --policy Qwen2.5-3B-Instruct --recipe qwen2.5-3b-zerosearch --lora-rank 16
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { readJson } from '../util';
import { DEFAULT_LORA, ModelConfig, configFromHf } from '../model';
import { ADVANTAGE_ESTIMATORS, AdvantageEstimator } from '../rl/advantages';
import { DEFAULT_TRAINER_CONFIG, TrainerConfig } from '../rl/trainer';
import { RECIPES, hfTrainerConfig } from '../rl/recipes';
import { BACKEND_DTYPES, GIB, MemoryPlan, PHASES, planMemory } from '../rl/memory-plan';
import { loraConfig } from './train-hf';
import { numberFlag } from './options';

interface PlanOpts {
  policy?: string;
  configJson?: string;
  recipe?: string;
  estimator?: string;
  klCoef?: number;
  loraRank: string;
  loraAlpha?: string;
  loraTargets: string;
  questionsPerStep?: number;
  rollouts?: number;
  microBatch?: number;
  miniBatch?: number;
  maxContext?: number;
  maxObsTokens?: number;
  activationCheckpointing?: boolean;
  attentionChunk?: number;
  rolloutChunkRows?: number;
  insertChunk?: number;
  backend: string;
}

/** The model config from a HF folder, a config.json file, or JSON text. */
export function planModelConfig(o: Pick<PlanOpts, 'policy' | 'configJson'>): ModelConfig {
  if ((o.policy === undefined) === (o.configJson === undefined))
    throw new Error('plan: give exactly one of --policy <hf dir | config.json> and --config-json <json>');
  if (o.configJson !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(o.configJson);
    } catch (e) {
      throw new Error(`--config-json: expected a HF config.json object as JSON text (${(e as Error).message})`);
    }
    return configFromHf(json as Record<string, unknown>, '--config-json');
  }
  const file = fs.existsSync(o.policy!) && fs.statSync(o.policy!).isDirectory() ? path.join(o.policy!, 'config.json') : o.policy!;
  if (!fs.existsSync(file))
    throw new Error(`--policy ${o.policy}: no such ${file === o.policy ? 'file' : 'config.json'} (expected a HF model folder or its config.json)`);
  return configFromHf(readJson<Record<string, unknown>>(file), file);
}

/** The trainer config `zerosearch train --policy` would run with these flags. */
export function planTrainerConfig(o: PlanOpts): TrainerConfig {
  if (o.estimator !== undefined && !ADVANTAGE_ESTIMATORS.includes(o.estimator as AdvantageEstimator)) {
    throw new Error(`--estimator ${o.estimator}: expected one of ${ADVANTAGE_ESTIMATORS.join(', ')}`);
  }
  const rollout = { maxContextTokens: o.maxContext, maxObsTokens: o.maxObsTokens, chunkRows: o.rolloutChunkRows, insertChunk: o.insertChunk };
  const fields: Partial<TrainerConfig> = {
    estimator: o.estimator as AdvantageEstimator | undefined,
    klCoef: o.klCoef,
    questionsPerStep: o.questionsPerStep,
    rolloutsPerQuestion: o.rollouts,
    microBatchSize: o.microBatch,
    miniBatchSize: o.miniBatch,
    activationCheckpointing: o.activationCheckpointing,
    attentionChunk: o.attentionChunk,
    rollout: Object.fromEntries(Object.entries(rollout).filter(([, v]) => v !== undefined)),
  };
  const partial = hfTrainerConfig(o.recipe, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
  return { ...DEFAULT_TRAINER_CONFIG, ...partial, rollout: { ...DEFAULT_TRAINER_CONFIG.rollout, ...partial.rollout } };
}

const gib = (bytes: number) => (bytes / GIB).toFixed(2);

/** The plan as an aligned table: one line per row, then each phase and the peak. */
export function formatPlan(plan: MemoryPlan): string {
  const s = plan.setting;
  const lines: string[][] = [['item', 'phase', 'GiB f32 (tfjs)', 'GiB bf16 (not in tfjs)', 'note']];
  for (const r of plan.rows) lines.push([r.item, r.phase, gib(r.bytes), gib(r.bf16Bytes), r.note]);
  for (const p of PHASES) if (plan.totals[p] > 0) lines.push([`total ${p}`, '', gib(plan.totals[p]), gib(plan.bf16Totals[p]), '']);
  lines.push(['peak = resident + largest phase', '', gib(plan.totals.peak), gib(plan.bf16Totals.peak), '']);
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const table = lines.map((l) =>
    l
      .map((cell, c) => (c >= 2 && c <= 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd(),
  );
  return [
    `${plan.parameters.toLocaleString('en')} parameters, ${plan.trainableParameters.toLocaleString('en')} trainable; ${s.estimator}, KL coef ${s.klCoef}, ${s.lora ? `LoRA rank ${s.lora.rank}` : 'full'}; ` +
      `rollout ${s.rolloutRows} rows (${s.rolloutChunkRows} per cache), micro-batch ${s.microBatch} × context ${s.context}, observation ${s.insertTokens} tokens (${s.insertChunk} per extend); ` +
      `activation checkpointing ${s.activationCheckpointing ? 'on' : 'off'}, attention chunk ${s.attentionChunk || 'whole'}; ${s.fused ? 'native fused kernels' : 'composed tfjs ops'}`,
    ...table,
    'tfjs holds float32 on every backend (node-gpu, webgpu, native, wasm, cpu): the f32 column is the plan; bf16 is where a backend stores it (frozen weights, activations, KV cache).',
    'Activation coefficients were measured with tf.profile on tiny models on CPU (src/rl/memory-plan.test.ts); not checked on a GPU.',
  ].join('\n');
}

export function register(program: Command): void {
  const int = (flag: string, min = 1) => numberFlag(flag, { integer: true, min });
  program
    .command('plan')
    .description(
      'memory an RL run will need (weights, reference, optimizer, critic, rollout, gradients, activations), before it starts: table on stderr, JSON on stdout',
    )
    .option('--policy <path>', 'Hugging Face model folder or its config.json')
    .option('--config-json <json>', 'a HF config.json object given inline instead of --policy')
    .option('--recipe <name>', `a paper run's settings: ${Object.keys(RECIPES).join(', ')}`)
    .option('--estimator <name>', `advantage estimator: ${ADVANTAGE_ESTIMATORS.join(' | ')} (gae adds the PPO critic)`)
    .option('--kl-coef <x>', 'KL coefficient (0 = no reference model)', numberFlag('--kl-coef', { min: 0 }))
    .option('--lora-rank <n>', 'LoRA rank; 0 = train every weight', '0')
    .option('--lora-alpha <x>', 'LoRA alpha (default 2 × rank)')
    .option('--lora-targets <list>', 'projections with adapters', DEFAULT_LORA.targetModules.join(','))
    .option('--questions-per-step <n>', 'prompts per step (paper 64)', int('--questions-per-step'))
    .option('--rollouts <n>', 'rollouts per prompt (paper 5)', int('--rollouts'))
    .option('--micro-batch <n>', 'trajectories per forward/backward pass (default 4)', int('--micro-batch', 0))
    .option('--mini-batch <n>', 'trajectories per optimizer update (0 = the whole step)', int('--mini-batch', 0))
    .option('--max-context <n>', 'trajectory token limit (default 4096)', int('--max-context', 2))
    .option('--max-obs-tokens <n>', 'observation tokens kept (default 2048)', int('--max-obs-tokens'))
    .option('--activation-checkpointing', "recompute each layer in the backward pass (the recipe's setting otherwise; default off)")
    .option('--no-activation-checkpointing', "keep every layer's activations")
    .option('--attention-chunk <n>', 'queries per attention chunk in training passes (0 = whole; default 0)', int('--attention-chunk', 0))
    .option('--rollout-chunk-rows <n>', 'rows per rollout KV cache (0 = all of the step; default 0)', int('--rollout-chunk-rows', 0))
    .option('--insert-chunk <n>', 'tokens per extend when inserting a prompt or observation (0 = whole; default 0)', int('--insert-chunk', 0))
    .option(
      '--backend <name>',
      `activations as kept by: ${Object.keys(BACKEND_DTYPES).join(' | ')} (native fuses kernels; the others compose tfjs ops)`,
      'node-gpu',
    )
    .action((o: PlanOpts) => {
      if (!(o.backend in BACKEND_DTYPES)) throw new Error(`--backend ${o.backend}: expected one of ${Object.keys(BACKEND_DTYPES).join(', ')}`);
      const config = planModelConfig(o);
      const trainer = planTrainerConfig(o);
      const lora = loraConfig(o, 0);
      const plan = planMemory(config, trainer, { lora: lora && { rank: lora.rank, targetModules: lora.targetModules }, fused: o.backend === 'native' });
      process.stderr.write(formatPlan(plan) + '\n');
      process.stdout.write(
        JSON.stringify({
          ...plan,
          backend: o.backend,
          dtypes: BACKEND_DTYPES,
          gib: Object.fromEntries(Object.entries(plan.totals).map(([k, v]) => [k, Number(gib(v))])),
        }) + '\n',
      );
    });
}
