/**
 * The RL stage of the pipeline: `trainPolicyStage`, RL from the policy base with a given engine (BM25 = Search-R1
 * setting, the simulator = ZeroSearch, none = R1), cached in `outDir` (a finished stage is loaded, an interrupted
 * one resumes), and the pieces it is built from (presets, the world's engine, the training simulator).
 * Evaluation is ../eval/evaluate's `evaluatePolicy`, the one evaluator of every EM the kit reports.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Transformer, cloneModel } from '../model/transformer';
import { loadCheckpoint, saveCheckpoint, SaveOptions } from '../model/checkpoint';
import { LoraConfig, LoraTransformer, mergeLora, saveLoraAdapter } from '../model/lora';
import type { Tokenizer } from '../text/tokenizer';
import type { SearchEngine } from '../search/types';
import { LocalGenerator, SimulatedSearchEngine } from '../simulator/engine';
import type { PresetName } from '../world/config';
import type { World } from '../world/types';
import { readJson, readJsonl, writeJsonAtomic } from '../util';
import type { RolloutQuestion, Trajectory } from '../agent/rollout';
import { resolveTrainerConfig, StepMetrics, TrainerConfig, trainPolicy } from './trainer';

/**
 * Step and batch budgets per world preset (the rest of the config is DEFAULT_TRAINER_CONFIG). `quick` makes four
 * updates of 16 trajectories per step at lr 2e-4 instead of one of 64 at 1e-4: what unlearnt the policy base's
 * habits in 40 steps (docs/experiments.md).
 */
export const RL_PRESETS: Record<PresetName, Partial<TrainerConfig>> = {
  tiny: { steps: 3, questionsPerStep: 4, rolloutsPerQuestion: 2, rollout: { maxTurns: 2, maxTurnTokens: 24 } },
  quick: { steps: 100, questionsPerStep: 16, rolloutsPerQuestion: 4, miniBatchSize: 16, lr: 2e-4 },
};

/** The config a preset plus overrides resolve to (nested `rollout` merged field by field). */
export function rlConfig(preset: PresetName, overrides: Partial<TrainerConfig> = {}): TrainerConfig {
  const base = RL_PRESETS[preset];
  if (!base) throw new Error(`rl preset: unknown ${JSON.stringify(preset)} (expected ${Object.keys(RL_PRESETS).join(', ')})`);
  return resolveTrainerConfig(base, overrides);
}

/**
 * The simulated engine an RL run trains with (ZeroSearch). It generates at most as many tokens as the rollout
 * keeps of an observation (`maxObsTokens`): the policy never reads the rest, so generating it would only cost
 * time. Every query of a turn is decoded in one batch (up to 128 rows), so a turn costs one generation call.
 */
export function trainingSimulator(
  model: Transformer,
  tokenizer: Tokenizer,
  rolloutOpts: Pick<TrainerConfig['rollout'], 'topk' | 'maxObsTokens'>,
  opts: { seed: number; promptStyle?: 'sft' | 'prompt' },
): SimulatedSearchEngine {
  const maxTokens = Math.min(50 * (rolloutOpts.topk ?? 5), rolloutOpts.maxObsTokens ?? Infinity);
  return new SimulatedSearchEngine({
    generator: new LocalGenerator(model, tokenizer, { batchSize: 128 }),
    promptStyle: opts.promptStyle ?? 'sft',
    seed: opts.seed,
    maxTokens,
  });
}

/** Training questions of a world (micro-nq + micro-hotpotqa train splits, as in the paper). */
export function trainQuestions(world: World): RolloutQuestion[] {
  return world.questions.filter((q) => q.split === 'train');
}

export interface PolicyStage {
  policy: Transformer;
  metrics: StepMetrics[];
  config: TrainerConfig;
  dir?: string;
}

/**
 * RL from `base` (left unchanged unless `inPlace`) on `questions` with `engine`. With `outDir`: metrics and checkpoints go there, a finished
 * stage (policy/ + done.json with the same config) is loaded instead of retrained, and an interrupted one
 * resumes exactly.
 */
export async function trainPolicyStage(args: {
  base: Transformer;
  tokenizer: Tokenizer;
  questions: readonly RolloutQuestion[];
  engine: SearchEngine | null;
  config: TrainerConfig;
  outDir?: string;
  quiet?: boolean;
  onStep?: (m: StepMetrics, trajectories: Trajectory[]) => void;
  /** Train LoRA adapters instead of every weight; the saved policy/ is the merged model, adapter/ the PEFT adapter. */
  lora?: LoraConfig;
  /** How policy/ is written (e.g. dtype BF16 to match the input checkpoint). */
  save?: SaveOptions;
  /** Train `base` itself, for a caller that has no further use for it: one copy of the weights fewer. */
  inPlace?: boolean;
}): Promise<PolicyStage> {
  const { outDir } = args;
  const done = outDir && path.join(outDir, 'done.json');
  if (done && fs.existsSync(done)) {
    const saved = readJson<{ config: TrainerConfig }>(done);
    if (JSON.stringify(saved.config) !== JSON.stringify(args.config))
      throw new Error(`${done}: stage was trained with another config; use another outDir or delete ${args.outDir} to retrain`);
    return {
      policy: loadCheckpoint(path.join(outDir, 'policy')),
      metrics: readJsonl<StepMetrics>(path.join(outDir, 'metrics.jsonl')),
      config: saved.config,
      dir: outDir,
    };
  }
  // LoRA trains adapters on the base in place (the base stays frozen); otherwise a full copy trains, and the
  // untouched base is the KL reference (no second copy), unless the base itself trains.
  const trained = args.lora ? new LoraTransformer(args.base, args.lora) : args.inPlace ? args.base : cloneModel(args.base, true);
  const checkpointEvery = args.config.checkpointEvery || (outDir ? Math.max(1, Math.floor(args.config.steps / 10)) : 0);
  const { metrics } = await trainPolicy({
    policy: trained,
    tokenizer: args.tokenizer,
    questions: args.questions,
    engine: args.engine,
    config: { ...args.config, checkpointEvery },
    outDir,
    quiet: args.quiet,
    onStep: args.onStep,
    reference: args.lora || args.inPlace ? undefined : args.base,
  });
  let policy: Transformer = trained;
  if (trained instanceof LoraTransformer) {
    if (outDir) saveLoraAdapter(trained, path.join(outDir, 'adapter'));
    policy = mergeLora(trained);
    trained.dispose();
  }
  if (outDir) {
    saveCheckpoint(policy, path.join(outDir, 'policy'), args.save);
    writeJsonAtomic(done!, { config: args.config, steps: metrics.length });
  }
  return { policy, metrics, config: args.config, dir: outDir };
}
