/**
 * RL settings for real Hugging Face policies (`zerosearch train --policy <hf dir>`), as plain objects over
 * DEFAULT_TRAINER_CONFIG (the micro world's, whose budgets stay as they are for micro-world policies).
 *
 * HF_POLICY_DEFAULTS: the paper's rollout budgets (spec §3, §8.1): 5 turns, 500 tokens per turn, observations
 * cut at 2,048 tokens, a 4,096-token context, top-5 documents. Micro-batches of 4 trajectories bound the
 * activation memory of one backward pass; the update is the same whatever their size.
 *
 * RECIPES: a named paper run, every hyperparameter of the spec's table filled in, and memory settings under
 * which `zerosearch plan` puts Qwen2.5-3B within 24 GiB (LoRA) and 80 GiB (full, KL reference) in f32 on tfjs:
 * activation checkpointing, attention in chunks of 256 queries, micro-batches of one trajectory, rollouts eight
 * rows at a time with observations inserted 256 tokens per pass (a whole 2,048-token observation's pass holds
 * ~3.7 GiB of attention per row). They change memory and speed, not the update (with a stateful engine, which
 * row gets which draw: see RolloutOptions.chunkRows).
 */
import type { TrainerConfig } from './trainer';

export const HF_POLICY_DEFAULTS: Partial<TrainerConfig> = {
  microBatchSize: 4,
  rollout: { temperature: 1, topP: 1, maxTurns: 5, maxTurnTokens: 500, maxObsTokens: 2048, maxContextTokens: 4096, topk: 5 },
};

export interface Recipe {
  description: string;
  trainer: Partial<TrainerConfig>;
  /** The simulator's sampling temperature and generation budget per search call (ZeroSearch: 0.8, 600 tokens). */
  simulator: { temperature: number; maxTokens: number };
}

const STEPS = 203;

export const RECIPES: Record<string, Recipe> = {
  'qwen2.5-3b-zerosearch': {
    description: 'ZeroSearch train_reinforce.sh on Qwen2.5-3B(-Instruct): REINFORCE, 64 prompts × 5 rollouts, 203 steps, curriculum 0 → 0.5 (spec §5, §8.1)',
    trainer: {
      estimator: 'reinforce',
      steps: STEPS,
      questionsPerStep: 64,
      rolloutsPerQuestion: 5,
      miniBatchSize: 256,
      microBatchSize: 1, // one 4,096-token trajectory's activations per backward pass: ~8 GiB with checkpointing
      activationCheckpointing: true, // the layers' inputs instead of their activations: ~1/3 more compute
      attentionChunk: 256, // 0.8 GiB of a chunk's scores (with tfjs's copies) instead of 13 GiB of the whole
      epochs: 1,
      lr: 1e-6,
      weightDecay: 0.01,
      warmupSteps: Math.floor(0.95 * STEPS),
      gradClip: 1,
      clipRatio: 0.2,
      klCoef: 0.001,
      klKind: 'low_var_kl',
      klSign: 'add',
      entropyCoef: 0.001,
      reward: 'f1',
      maskDocuments: true,
      noise: { start: 0, end: 0.5, base: 4 },
      checkpointEvery: 50,
      // chunkRows 8, insertChunk 256: eight rows' KV caches and observation passes (~1 GiB per row) at a time, 40 chunks one after another.
      rollout: {
        temperature: 1,
        topP: 0.95,
        maxTurns: 5,
        maxTurnTokens: 500,
        maxObsTokens: 2048,
        maxContextTokens: 4096,
        topk: 5,
        chunkRows: 8,
        insertChunk: 256,
      },
    },
    simulator: { temperature: 0.8, maxTokens: 600 },
  },
};

/** The config of an HF run: defaults, then the recipe, then explicit overrides (nested `rollout` merged field by field). */
export function hfTrainerConfig(recipe: string | undefined, overrides: Partial<TrainerConfig>): Partial<TrainerConfig> {
  const r = recipe === undefined ? undefined : RECIPES[recipe];
  if (recipe !== undefined && !r) throw new Error(`--recipe ${recipe}: expected one of ${Object.keys(RECIPES).join(', ')}`);
  return {
    ...HF_POLICY_DEFAULTS,
    ...r?.trainer,
    ...overrides,
    rollout: { ...HF_POLICY_DEFAULTS.rollout, ...r?.trainer.rollout, ...overrides.rollout },
  };
}
