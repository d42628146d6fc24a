/**
 * `zerosearch train --policy <hf dir>`: RL of a real Hugging Face checkpoint (Qwen2.5, LLaMA-3.2) on QA files
 * (JSONL or the paper's Search-R1 parquet) with any engine, on the same trainer as the micro world.
 *
 *   zerosearch train --policy Qwen2.5-3B-Instruct --data train.parquet --engine simulated:http://127.0.0.1:6001 \
 *     --recipe qwen2.5-3b-zerosearch --lora-rank 16 --out runs/zs-3b
 *
 * Writes <out>/rl/: metrics.jsonl, config.json, checkpoint/ (resumed exactly after a kill), and at the end
 * policy/ (HF layout in the input's float type, with the tokenizer files: vLLM / sglang serve it) and, with
 * LoRA, adapter/ (PEFT). <out>/run.json records what the run was given. Evaluate with `zerosearch eval`.
 */
import * as path from 'path';
import type { Command } from 'commander';
import { initBackend } from '../tensor';
import { writeJsonAtomic } from '../util';
import { loadQaFiles } from '../data/qa-files';
import { DEFAULT_LORA, LoraConfig, copyTokenizerFiles, storedDtype } from '../model';
import { loadPolicy } from '../eval/load';
import { POLICY_TEMPLATES, PolicyTemplate, policyPromptFormat } from '../agent/policy-template';
import { resolveTrainerConfig } from '../rl/trainer';
import type { NoiseSpec, TrainerConfig } from '../rl/trainer';
import { trainPolicyStage } from '../rl/pipeline';
import { RECIPES, hfTrainerConfig } from '../rl/recipes';
import { CURRICULUM } from '../rl/curriculum';
import { isSimulatedSpec, openEngineFlag } from './engine-spec';
import { addRetryFlags, parseNumber, retryOptions } from './options';

/** The flags `train` declares for both kinds of policy (train.ts registers them). */
export interface SharedTrainOpts {
  seed: string;
  engine: string;
  out: string;
  estimator?: string;
  steps?: string;
  lr?: string;
  klCoef?: string;
  miniBatch?: string;
  epochs?: string;
  mask: boolean;
}

export interface HfTrainOpts extends SharedTrainOpts {
  policy?: string;
  tokenizer?: string;
  data?: string[];
  limit?: string;
  template: string;
  recipe?: string;
  loraRank: string;
  loraAlpha?: string;
  loraTargets: string;
  corpus?: string;
  cache?: string;
  simulatorStyle: string;
  simulatorMaxTokens: string;
  maxTurns?: string;
  maxTurnTokens?: string;
  maxObsTokens?: string;
  maxContext?: string;
  topk?: string;
  timeout?: number;
  retries?: number;
  questionsPerStep?: string;
  rollouts?: string;
  microBatch?: string;
  activationCheckpointing?: boolean;
  attentionChunk?: string;
  rolloutChunkRows?: string;
  insertChunk?: string;
  warmup?: string;
  entropyCoef?: string;
  checkpointEvery?: string;
}

/** The options only an HF policy run reads (the micro-world ones are declared by train.ts). */
export function addHfTrainOptions(cmd: Command): Command {
  return addRetryFlags(cmd)
    .option('--policy <dir>', 'Hugging Face policy folder (config.json + safetensors + tokenizer): RL of a real checkpoint instead of the micro world')
    .option('--tokenizer <dir>', '(--policy) tokenizer folder, default the policy folder')
    .option('--data <files...>', '(--policy) training QA files: JSONL or Search-R1 parquet (the paper: NQ + HotpotQA train)')
    .option('--limit <n>', '(--policy) rows per data file')
    .option('--template <name>', `(--policy) prompt: auto (the tokenizer_config's chat template, else base) | ${POLICY_TEMPLATES.join(' | ')}`, 'auto')
    .option('--recipe <name>', `(--policy) a paper run's hyperparameters: ${Object.keys(RECIPES).join(', ')}`)
    .option('--lora-rank <n>', '(--policy) LoRA rank; 0 = train every weight', '0')
    .option('--lora-alpha <x>', '(--policy) LoRA alpha (default 2 × rank)')
    .option('--lora-targets <list>', '(--policy) projections with adapters', DEFAULT_LORA.targetModules.join(','))
    .option('--corpus <jsonl>', 'corpus for a bare --engine bm25')
    .option('--cache <jsonl>', '(--policy) record/replay searches of a BM25 or HTTP engine')
    .option('--simulator-style <style>', '(--policy) sft | prompt, for --engine simulated:…', 'sft')
    .option('--simulator-max-tokens <n>', '(--policy) simulator tokens per search call (ZeroSearch: 600; capped at --max-obs-tokens)', '600')
    .option('--max-turns <n>', '(--policy) search turns before the final answer (default 5)')
    .option('--max-turn-tokens <n>', '(--policy) tokens per policy turn (default 500)')
    .option('--max-obs-tokens <n>', '(--policy) observation tokens kept (default 2048)')
    .option('--max-context <n>', '(--policy) trajectory token limit (default 4096)')
    .option('--topk <n>', '(--policy) documents per search (default 5)')
    .option('--questions-per-step <n>', '(--policy) prompts per step (paper 64)')
    .option('--rollouts <n>', '(--policy) rollouts per prompt (paper 5)')
    .option('--micro-batch <n>', '(--policy) trajectories per forward/backward pass (default 4)')
    .option(
      '--activation-checkpointing',
      "(--policy) recompute each layer in the backward pass: less memory, ~1/3 more compute (the recipe's setting otherwise)",
    )
    .option('--no-activation-checkpointing', "(--policy) keep every layer's activations")
    .option('--attention-chunk <n>', '(--policy) queries per attention chunk in training passes (0 = whole)')
    .option('--rollout-chunk-rows <n>', '(--policy) rows per rollout KV cache; chunks run one after another (0 = all of the step)')
    .option('--insert-chunk <n>', '(--policy) tokens per extend when inserting a prompt or observation (0 = whole)')
    .option('--warmup <n>', '(--policy) linear learning-rate warm-up steps')
    .option('--entropy-coef <x>', '(--policy) entropy bonus')
    .option('--checkpoint-every <n>', '(--policy) steps between checkpoints (default steps / 10)');
}

function trainerOverrides(o: HfTrainOpts, noise: NoiseSpec | undefined): Partial<TrainerConfig> {
  const int = (flag: string, v?: string, min = 1) => (v === undefined ? undefined : parseNumber(flag, v, { integer: true, min }));
  const num = (flag: string, v?: string) => (v === undefined ? undefined : parseNumber(flag, v, { min: 0 }));
  const rollout = {
    maxTurns: int('--max-turns', o.maxTurns, 0),
    maxTurnTokens: int('--max-turn-tokens', o.maxTurnTokens),
    maxObsTokens: int('--max-obs-tokens', o.maxObsTokens),
    maxContextTokens: int('--max-context', o.maxContext),
    topk: int('--topk', o.topk),
    chunkRows: int('--rollout-chunk-rows', o.rolloutChunkRows, 0),
    insertChunk: int('--insert-chunk', o.insertChunk, 0),
  };
  const fields: Partial<TrainerConfig> = {
    seed: parseNumber('--seed', o.seed, { integer: true, min: 0 }),
    maskDocuments: o.mask,
    estimator: o.estimator as TrainerConfig['estimator'] | undefined,
    steps: int('--steps', o.steps),
    lr: num('--lr', o.lr),
    klCoef: num('--kl-coef', o.klCoef),
    miniBatchSize: int('--mini-batch', o.miniBatch, 0),
    epochs: int('--epochs', o.epochs),
    questionsPerStep: int('--questions-per-step', o.questionsPerStep),
    rolloutsPerQuestion: int('--rollouts', o.rollouts),
    microBatchSize: int('--micro-batch', o.microBatch, 0),
    activationCheckpointing: o.activationCheckpointing,
    attentionChunk: int('--attention-chunk', o.attentionChunk, 0),
    warmupSteps: int('--warmup', o.warmup, 0),
    entropyCoef: num('--entropy-coef', o.entropyCoef),
    checkpointEvery: int('--checkpoint-every', o.checkpointEvery, 0),
    noise,
    rollout: Object.fromEntries(Object.entries(rollout).filter(([, v]) => v !== undefined)),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<TrainerConfig>;
}

/** The LoRA flags (`zerosearch plan` reads the same ones); undefined for rank 0. */
export function loraConfig(o: Pick<HfTrainOpts, 'loraRank' | 'loraAlpha' | 'loraTargets'>, seed: number): LoraConfig | undefined {
  const rank = parseNumber('--lora-rank', o.loraRank, { integer: true, min: 0 });
  if (rank === 0) return undefined;
  const alpha = o.loraAlpha === undefined ? 2 * rank : parseNumber('--lora-alpha', o.loraAlpha, { min: 0 });
  return {
    rank,
    alpha,
    targetModules: o.loraTargets
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    seed,
  };
}

/** `explicit`: the run's --curriculum / --noise, undefined when neither was given. */
export async function trainHf(o: HfTrainOpts & { policy: string }, explicit: NoiseSpec | undefined): Promise<void> {
  if (!o.data?.length) throw new Error('--policy needs --data <train.parquet | qa.jsonl …>');
  if (!['sft', 'prompt'].includes(o.simulatorStyle)) throw new Error(`--simulator-style ${o.simulatorStyle}: expected sft or prompt`);
  const recipe = o.recipe === undefined ? undefined : RECIPES[o.recipe];
  const noise = explicit !== undefined ? explicit : recipe?.trainer.noise !== undefined ? undefined : isSimulatedSpec(o.engine) ? CURRICULUM : null;
  const partial = hfTrainerConfig(o.recipe, trainerOverrides(o, noise));
  await initBackend();
  const { model, tokenizer, tokenizerDir } = loadPolicy(o.policy, o.tokenizer);
  const format = policyPromptFormat(tokenizer, o.template as PolicyTemplate | 'auto');
  const config = resolveTrainerConfig(partial, { rollout: { prompt: format.prompt, stopTokenIds: format.stopTokenIds } });
  if ((config.rollout.maxContextTokens ?? 0) > model.config.maxPositions) {
    throw new Error(`--max-context ${config.rollout.maxContextTokens}: the policy has ${model.config.maxPositions} positions`);
  }
  const rows = await loadQaFiles(o.data, { limit: o.limit === undefined ? undefined : parseNumber('--limit', o.limit, { integer: true, min: 1 }) });
  const simMax = Math.min(parseNumber('--simulator-max-tokens', o.simulatorMaxTokens, { integer: true, min: 1 }), config.rollout.maxObsTokens ?? Infinity);
  const engine = openEngineFlag({
    engine: o.engine,
    corpus: o.corpus,
    cache: o.cache,
    simulatorStyle: o.simulatorStyle as 'sft' | 'prompt',
    seed: config.seed,
    topk: config.rollout.topk,
    maxTokens: recipe?.simulator.maxTokens === undefined ? simMax : Math.min(recipe.simulator.maxTokens, simMax),
    temperature: recipe?.simulator.temperature,
    retry: retryOptions(o),
  });
  const lora = loraConfig(o, config.seed);
  const outDir = path.join(o.out, 'rl');
  writeJsonAtomic(path.join(o.out, 'run.json'), {
    policy: o.policy,
    data: o.data,
    rows: rows.length,
    engine: o.engine,
    template: format.template,
    recipe: o.recipe ?? null,
    lora: lora ?? null,
  });
  const stage = await trainPolicyStage({
    base: model,
    tokenizer,
    questions: rows,
    engine,
    config,
    outDir,
    lora,
    save: { dtype: storedDtype(o.policy) },
    inPlace: true,
  });
  copyTokenizerFiles(tokenizerDir, path.join(outDir, 'policy'));
  const last = stage.metrics[stage.metrics.length - 1];
  process.stdout.write(
    JSON.stringify({
      policy: path.join(outDir, 'policy'),
      steps: stage.metrics.length,
      template: format.template,
      lora: Boolean(lora),
      reward: last?.reward ?? null,
      searchesPerTrajectory: last?.searchesPerTrajectory ?? null,
      noiseProbability: last?.noiseProbability ?? null,
    }) + '\n',
  );
}
