/**
 * The trainer's configuration: every field with its default (DEFAULT_TRAINER_CONFIG), the one merge of
 * configs (`resolveTrainerConfig`) and the one check (`checkTrainerConfig`), apart from the training loop
 * (./trainer.ts) so presets, the CLI and the run config can resolve and check a config without loading it.
 */
import type { RolloutOptions } from '../agent/rollout';
import { OBS_TOKENS } from '../agent/observation';
import type { AdvantageEstimator } from './advantages';
import type { KlKind, LossAggregation } from './losses';
import { rewardByName } from './rewards';
import { NoiseSchedule, constantSchedule, exponentialSchedule } from './curriculum';

/** Curriculum of the simulator's noise: the paper's schedule, a constant p, or none (real engine / no noise). */
export type NoiseSpec = { start: number; end: number; base?: number } | { constant: number } | null;

export interface TrainerConfig {
  steps: number;
  questionsPerStep: number;
  rolloutsPerQuestion: number;
  /** Trajectories per optimizer update; 0 = the whole step's batch in one update. */
  miniBatchSize: number;
  /** Trajectories per forward/backward pass; an update accumulates its mini-batch's micro-batches (exact; 0 = all at once). */
  microBatchSize: number;
  /**
   * Recompute each layer of the policy (and PPO's critic) in the backward pass instead of keeping its activations
   * (../model/recompute): an update holds the layers' inputs and one layer's activations, for ~1/3 more compute. Same gradients.
   * Default off (absent): micro-world activations fit with room to spare. Memory settings are left out of the defaults so a
   * run without them keeps the config, and the cached stages, it had before they existed.
   */
  activationCheckpointing?: boolean;
  /**
   * Attention of the policy's and the critic's passes in chunks of this many queries (../model/chunked-attention); 0 or
   * absent = whole (the default: at the micro world's ~100-token trajectories the whole scores are small). Same numbers.
   */
  attentionChunk?: number;
  epochs: number;
  lr: number;
  /** AdamW decoupled weight decay on matrices (veRL: 0.01). */
  weightDecay: number;
  warmupSteps: number;
  gradClip: number;
  estimator: AdvantageEstimator;
  clipRatio: number;
  klCoef: number;
  klKind: KlKind;
  klSign: 'add' | 'subtract-released-code-bug';
  entropyCoef: number;
  /** true = loss only on policy tokens (the paper); false = Table 7's "w/o mask". */
  maskDocuments: boolean;
  aggregation: LossAggregation;
  gamma: number;
  lambda: number;
  /** PPO critic: learning rate and value-clip range. */
  criticLr: number;
  valueClip: number;
  reward: 'f1' | 'em' | 'cover-em';
  noise: NoiseSpec;
  rollout: Omit<RolloutOptions, 'seed' | 'searchOptions'>;
  seed: number;
  /** Save a checkpoint every N steps (and at the end); 0 = never. Needs outDir. */
  checkpointEvery: number;
}

/**
 * Defaults = what worked in the micro-world prototype (DESIGN.md): 16 questions × 4 rollouts,
 * temperature 1, group-baseline advantage (rloo: F1 minus the other rollouts' mean), token-mean loss over
 * policy tokens, lr 1e-4, grad-clip 1, no KL, up to 3 searches. The paper's own choices are one field away
 * (estimator 'reinforce', lr 1e-6, klCoef 0.001, entropyCoef 0.001, 64 × 5, maxTurns 5).
 */
export const DEFAULT_TRAINER_CONFIG: TrainerConfig = {
  steps: 100,
  questionsPerStep: 16,
  rolloutsPerQuestion: 4,
  miniBatchSize: 0,
  microBatchSize: 16,
  epochs: 1,
  lr: 1e-4,
  weightDecay: 0.01,
  warmupSteps: 0,
  gradClip: 1,
  estimator: 'rloo',
  clipRatio: 0.2,
  klCoef: 0,
  klKind: 'low_var_kl',
  klSign: 'add',
  entropyCoef: 0,
  maskDocuments: true,
  aggregation: 'token-mean',
  gamma: 1,
  lambda: 1,
  criticLr: 1e-5,
  valueClip: 0.5,
  reward: 'f1',
  noise: null,
  rollout: { temperature: 1, topP: 1, maxTurns: 3, maxTurnTokens: 40, maxObsTokens: OBS_TOKENS, maxContextTokens: 1024, topk: 5 },
  seed: 0,
  checkpointEvery: 0,
};

export function noiseSchedule(spec: NoiseSpec): NoiseSchedule | null {
  if (spec === null) return null;
  if ('constant' in spec) return constantSchedule(spec.constant);
  return exponentialSchedule(spec);
}

/**
 * A trainer config from the defaults and layers of overrides, later layers winning; `rollout` is merged field
 * by field at every layer. The one place trainer configs are merged (presets, runs, the trainer itself).
 */
export function resolveTrainerConfig(...layers: Array<Partial<TrainerConfig> | undefined>): TrainerConfig {
  let cfg: TrainerConfig = DEFAULT_TRAINER_CONFIG;
  for (const layer of layers) if (layer) cfg = { ...cfg, ...layer, rollout: { ...cfg.rollout, ...layer.rollout } };
  return cfg;
}

/** Throw naming the first bad field; callers with flags run it before any work (trainPolicy runs it too). */
export function checkTrainerConfig(c: TrainerConfig): void {
  const positive = ['steps', 'questionsPerStep', 'rolloutsPerQuestion', 'epochs'] as const;
  for (const k of positive) if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`trainer config: ${k} must be a positive integer, got ${c[k]}`);
  for (const k of ['miniBatchSize', 'microBatchSize', 'attentionChunk', 'warmupSteps', 'checkpointEvery'] as const) {
    if (k === 'attentionChunk' && c[k] === undefined) continue;
    if (!Number.isInteger(c[k]) || c[k]! < 0) throw new Error(`trainer config: ${k} must be an integer ≥ 0, got ${c[k]}`);
  }
  for (const k of ['lr', 'gradClip', 'criticLr'] as const) if (!(c[k] > 0)) throw new Error(`trainer config: ${k} must be > 0, got ${c[k]}`);
  for (const k of ['klCoef', 'entropyCoef', 'weightDecay'] as const) if (!(c[k] >= 0)) throw new Error(`trainer config: ${k} must be ≥ 0, got ${c[k]}`);
  noiseSchedule(c.noise);
  rewardByName(c.reward);
}
