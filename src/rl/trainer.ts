/**
 * The RL trainer (spec §8; veRL's `ray_trainer.fit` as ZeroSearch runs it), one step =
 *   1. sample `questionsPerStep` training questions (seeded by step), repeat each `rolloutsPerQuestion` times;
 *   2. roll out with the search engine of the run, passing the curriculum's noise probability p_i of this
 *      step to the engine (`searchOptions.noiseProbability`; a real engine ignores it);
 *   3. reward every trajectory (F1 of its final answer by default);
 *   4. old log-probs (and reference log-probs / critic values when needed) in a no-grad pass;
 *   5. advantages over the loss mask; `epochs` passes over shuffled mini-batches, each one Adam update on
 *      the clipped policy loss ± KL − entropy (AdamW, ../model/adamw), gradients clipped to a global norm, linear warm-up.
 *      Passes run on length-sorted micro-batches of `microBatchSize` rows whose gradients add up to the
 *      mini-batch's (../model/micro-batches: the same update, ~2× faster than one pass over 64 rows), with
 *      activation checkpointing and chunked attention when set (the policy's passes and the critic's trunk).
 *
 * Loss mask: 1 on tokens the policy wrote. `maskDocuments: false` is the paper's Table 7 ablation: every
 * response token (documents and the invalid-action message too) gets the policy-gradient loss.
 *
 * KL: to a frozen copy of the starting policy (LoRA: the base with adapters off; none at all when β = 0). For `gae` (PPO) the KL sits in the reward (−β·KL per token,
 * veRL `kl_ctrl`, k1 estimator), otherwise it is a loss term whose sign is `klSign` ('add' is correct;
 * 'subtract-released-code-bug' reproduces ZeroSearch). Default β = 0: the micro-world prototype needed none.
 *
 * Exact resume: with `outDir` and `checkpointEvery`, the weights, the Adam state (the critic's too), the step
 * and the search engine's random state are saved; started again on the same `outDir` with the same starting
 * policy, engine and config, the run continues from the last checkpoint and writes the same metrics an
 * uninterrupted run writes (same backend). The trainer's own draws carry no state across steps: each step
 * derives its questions and rollout seed from (seed, step).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Transformer, cloneModel } from '../model/transformer';
import { LoraTransformer } from '../model/lora';
import type { Tokenizer } from '../text/tokenizer';
import type { SearchEngine } from '../search/types';
import { exactMatch } from '../text/metrics';
import { JsonlLog, Rng, writeJsonAtomic, progress } from '../util';
import { rollout, rolloutStats, RolloutQuestion, Trajectory } from '../agent/rollout';
import { computeAdvantages } from './advantages';
import { combineLoss, entropyLoss, klLoss, policyLoss, valueLoss } from './losses';
import { RewardFunction, rewardByName } from './rewards';
import { Critic } from './critic';
import { accumulateGradients, clipByGlobalNorm, microBatchWeights, microBatches } from '../model/micro-batches';
import { loadTrainState, readTrainState, saveTrainState, TrainState } from './train-state';
import { checkTrainerConfig, noiseSchedule, resolveTrainerConfig, TrainerConfig } from './trainer-config';

// The config lives in ./trainer-config; importers of the trainer get it here too.
export { checkTrainerConfig, DEFAULT_TRAINER_CONFIG, noiseSchedule, resolveTrainerConfig } from './trainer-config';
export type { NoiseSpec, TrainerConfig } from './trainer-config';
import { AdamW } from '../model/adamw';

export interface StepMetrics {
  step: number;
  reward: number;
  em: number;
  searchesPerTrajectory: number;
  validActionRatio: number;
  finishRatio: number;
  responseLength: number;
  policyTokens: number;
  noiseProbability: number | null;
  /** Share of this step's searches the engine reported noisy (null: the engine reports none). */
  noisyFraction: number | null;
  pgLoss: number;
  /** KL to the reference over policy tokens (the loss's estimator; k1 for PPO's in-reward KL); null without a reference. */
  kl: number | null;
  entropy: number;
  clipFraction: number;
  approxKl: number;
  gradNorm: number;
  valueLoss: number | null;
  lr: number;
  time: { rollout: number; prepare: number; update: number; total: number };
}

export interface TrainPolicyArgs {
  policy: Transformer;
  tokenizer: Tokenizer;
  questions: readonly RolloutQuestion[];
  /** BM25 (Search-R1 setting), a simulator (ZeroSearch), or null (R1: no search). */
  engine: SearchEngine | null;
  config?: Partial<TrainerConfig>;
  /** Metrics (metrics.jsonl), config.json and checkpoints go here; a checkpoint here is resumed. */
  outDir?: string;
  /** Frozen reference for the KL; default a copy of `policy` as passed in. */
  reference?: Transformer;
  onStep?: (m: StepMetrics, trajectories: Trajectory[]) => void;
  quiet?: boolean;
}

/** Which questions step `step` (1-based) trains on: consecutive slices of a reshuffled order per epoch. */
export function stepQuestionIndices(n: number, perStep: number, seed: number, step: number): number[] {
  const out: number[] = [];
  let order: number[] = [];
  let orderEpoch = -1;
  for (let k = (step - 1) * perStep; out.length < perStep; k++) {
    const epoch = Math.floor(k / n);
    if (epoch !== orderEpoch) {
      order = new Rng(seed).fork(`questions epoch ${epoch}`).shuffle(Array.from({ length: n }, (_, i) => i));
      orderEpoch = epoch;
    }
    out.push(order[k % n]);
  }
  return out;
}

/** Throw naming the step and quantity when a number is NaN or infinite. */
export function assertFinite(step: number, name: string, value: number): void {
  if (!Number.isFinite(value)) throw new Error(`step ${step}: ${name} is ${value} (NaN/inf guard; training stopped)`);
}

/**
 * The loss mask of a trajectory aligned with `tokenStats` targets (entry j is token j+1): its policy mask,
 * or with `maskDocuments` false every response token (policy and environment), never the prompt.
 */
export function targetLossMask(t: Pick<Trajectory, 'ids' | 'mask' | 'promptLength'>, maskDocuments: boolean): number[] {
  return t.ids.slice(1).map((_, j) => (maskDocuments ? t.mask[j + 1] : j + 1 >= t.promptLength ? 1 : 0));
}

function padRows(rows: number[][], width: number): tf.Tensor2D {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, b) => out.set(r.slice(0, width), b * width));
  return tf.tensor2d(out, [rows.length, width]);
}

/** Per-row arrays of a [B, W] tensor, row b cut to `lengths[b]`. */
function unpad(t: tf.Tensor2D, lengths: number[]): number[][] {
  const a = t.arraySync();
  t.dispose();
  return a.map((r, b) => r.slice(0, lengths[b]));
}

/** Mean of a − b over mask-1 entries (k1 KL of rollout-time log-probs). */
function maskedMean(a: number[][], b: number[][], mask: number[][]): number {
  let sum = 0;
  let n = 0;
  mask.forEach((row, i) =>
    row.forEach((m, j) => {
      if (m === 1) {
        sum += a[i][j] - b[i][j];
        n++;
      }
    }),
  );
  return n ? sum / n : 0;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Put the engine's random stream where the checkpoint left it; a stream the checkpoint lacks is said aloud, not ignored. */
function restoreEngineState(engine: SearchEngine | null, saved: TrainState, ckptDir: string): void {
  if (saved.engineRandomState !== undefined) {
    if (!engine?.restoreRandomState)
      throw new Error(`${ckptDir}: checkpoint holds a search engine's random state, but this run's engine keeps none (another engine?)`);
    engine.restoreRandomState(saved.engineRandomState);
  } else if (engine?.randomState?.() !== undefined) {
    process.stderr.write(
      `warning: ${ckptDir} holds no random state of the search engine (written by an older kit); the resumed run will differ from an uninterrupted one\n`,
    );
  }
}

/** Train `policy` in place; returns every step's metrics (including steps done before a resume). */
export async function trainPolicy(args: TrainPolicyArgs): Promise<{ metrics: StepMetrics[]; config: TrainerConfig }> {
  const cfg = resolveTrainerConfig(args.config);
  checkTrainerConfig(cfg);
  const { policy, tokenizer, engine } = args;
  if (args.questions.length === 0) throw new Error('trainPolicy: questions is empty');
  args.questions.forEach((q, i) => {
    if (!Array.isArray(q.golden_answers) || q.golden_answers.length === 0) throw new Error(`questions[${i}].golden_answers: expected a non-empty array`);
  });
  await engine?.check?.(); // an unreachable remote engine fails the run now, not at the first search
  const rewardFn: RewardFunction = rewardByName(cfg.reward);
  const schedule = noiseSchedule(cfg.noise);
  const { checkpointEvery, ...keyed } = cfg;
  const configKey = JSON.stringify(keyed);
  const usesKl = cfg.klCoef > 0;
  // With LoRA the reference is the base with the adapters off (the same weights, no copy); no KL, no reference.
  const ownReference = usesKl && !args.reference && !(policy instanceof LoraTransformer);
  const reference = usesKl ? (args.reference ?? (policy instanceof LoraTransformer ? policy.base : cloneModel(policy, false))) : null;
  const optimizer = new AdamW(policy.trainableVariables(), { weightDecay: cfg.weightDecay });
  const critic = cfg.estimator === 'gae' ? Critic.fromPolicy(policy) : null;
  const criticOpt = critic ? new AdamW(critic.variables(), { weightDecay: cfg.weightDecay }) : null;
  const parts = { policy, optimizer, critic: critic ? { model: critic.model, extra: [critic.head, critic.bias], optimizer: criticOpt! } : undefined };

  // ---- resume ------------------------------------------------------------------------------------------
  const out = args.outDir;
  const ckptDir = out ? path.join(out, 'checkpoint') : '';
  let metrics: StepMetrics[] = [];
  let metricsLog: JsonlLog<StepMetrics> | null = null;
  let startStep = 1;
  const disposeAll = () => {
    optimizer.dispose();
    criticOpt?.dispose();
    critic?.dispose();
    if (ownReference) reference!.dispose();
  };
  if (out) {
    fs.mkdirSync(out, { recursive: true });
    const saved = readTrainState(ckptDir);
    if (saved && saved.configKey !== configKey) {
      disposeAll();
      throw new Error(`${ckptDir}: checkpoint was written with another config; use a new outDir`);
    }
    if (saved) {
      await loadTrainState(ckptDir, parts);
      restoreEngineState(engine, saved, ckptDir);
      startStep = saved.step + 1;
    }
    // Steps the killed run did after its last checkpoint are dropped; they are redone identically.
    metricsLog = JsonlLog.open<StepMetrics>(path.join(out, 'metrics.jsonl'), { key: (m) => String(m.step), keep: (m) => m.step < startStep });
    metrics = [...metricsLog.rows];
    writeJsonAtomic(path.join(out, 'config.json'), cfg);
  }

  const bar = progress('rl', cfg.steps - startStep + 1, { quiet: args.quiet });
  try {
    for (let step = startStep; step <= cfg.steps; step++) {
      const t0 = Date.now();
      // ---- 1–2. rollouts ---------------------------------------------------------------------------
      const p = schedule ? schedule(step, cfg.steps) : null;
      const picked = stepQuestionIndices(args.questions.length, cfg.questionsPerStep, cfg.seed, step);
      const batch = picked.flatMap((qi) => Array.from({ length: cfg.rolloutsPerQuestion }, () => args.questions[qi]));
      const groupIds = picked.flatMap((qi, g) => Array.from({ length: cfg.rolloutsPerQuestion }, () => `${g}:${qi}`));
      const trajs = await rollout(policy, tokenizer, batch, engine, {
        ...cfg.rollout,
        seed: new Rng(cfg.seed).fork(`rollout ${step}`).nextUint32(),
        ...(p !== null && { searchOptions: { noiseProbability: p } }),
      });
      const t1 = Date.now();
      // ---- 3. rewards --------------------------------------------------------------------------------
      const rewards = trajs.map((t) => rewardFn(t.response, t.golden_answers));
      rewards.forEach((r, i) => assertFinite(step, `reward of trajectory ${i}`, r));
      const em = mean(trajs.map((t) => (t.answer === null ? 0 : exactMatch(t.answer, t.golden_answers))));
      // ---- 4. no-grad passes -------------------------------------------------------------------------
      const ids = trajs.map((t) => t.ids);
      const lengths = ids.map((r) => r.length - 1);
      const lossMask = trajs.map((t) => targetLossMask(t, cfg.maskDocuments));
      const mb = cfg.miniBatchSize > 0 ? cfg.miniBatchSize : trajs.length;
      const micro = cfg.microBatchSize > 0 ? cfg.microBatchSize : trajs.length;
      const passes = microBatches(
        trajs.map((_, i) => i),
        lengths,
        micro,
      );
      const forEachChunk = (fn: (rows: number[][]) => tf.Tensor2D) => {
        const out: number[][] = new Array(trajs.length);
        for (const idx of passes) {
          unpad(
            tf.tidy(() => fn(idx.map((i) => ids[i]))),
            idx.map((i) => lengths[i]),
          ).forEach((r, k) => {
            out[idx[k]] = r;
          });
        }
        return out;
      };
      const memory = { activationCheckpointing: cfg.activationCheckpointing, attentionChunk: cfg.attentionChunk };
      const oldLogProbs = forEachChunk((rows) => policy.tokenLogProbs(rows, memory));
      const refLogProbs = reference ? forEachChunk((rows) => reference.tokenLogProbs(rows, memory)) : null;
      const oldValues = critic ? forEachChunk((rows) => critic.values(rows, memory)) : null;
      const tokenRewards = critic && refLogProbs ? oldLogProbs.map((r, b) => r.map((lp, j) => -cfg.klCoef * (lp - refLogProbs[b][j]))) : undefined;
      const { advantages, returns } = computeAdvantages({
        estimator: cfg.estimator,
        rewards,
        mask: lossMask,
        groupIds,
        values: oldValues ?? undefined,
        gamma: cfg.gamma,
        lambda: cfg.lambda,
        tokenRewards,
      });
      const t2 = Date.now();
      // ---- 5. updates --------------------------------------------------------------------------------
      const warm = cfg.warmupSteps > 0 ? Math.min(1, step / cfg.warmupSteps) : 1;
      const lr = cfg.lr * warm;
      const acc = {
        pg: [] as number[],
        kl: [] as number[],
        ent: [] as number[],
        clip: [] as number[],
        approxKl: [] as number[],
        norm: [] as number[],
        value: [] as number[],
      };
      const shuffleRng = new Rng(cfg.seed).fork(`minibatches ${step}`);
      for (let epoch = 0; epoch < cfg.epochs; epoch++) {
        const order = shuffleRng.shuffle(trajs.map((_, i) => i));
        for (let s = 0; s < order.length; s += mb) {
          const groups = microBatches(order.slice(s, s + mb), lengths, micro);
          const weights = microBatchWeights(groups, lossMask, cfg.aggregation);
          const padded = (rows: number[], a: number[][]) =>
            padRows(
              rows.map((i) => a[i]),
              Math.max(...rows.map((i) => lengths[i])),
            );
          const r = accumulateGradients(policy.trainableVariables(), groups, weights, (rows) => {
            const mask = padded(rows, lossMask);
            const stats = policy.tokenStats(
              rows.map((i) => ids[i]),
              { entropy: true, ...memory },
            );
            const pg = policyLoss({
              logProbs: stats.logProbs,
              oldLogProbs: padded(rows, oldLogProbs),
              advantages: padded(rows, advantages),
              mask,
              clipRatio: cfg.clipRatio,
              aggregation: cfg.aggregation,
            });
            const entropy = entropyLoss(stats.entropy!, mask, cfg.aggregation);
            const ref = refLogProbs && !critic ? padded(rows, refLogProbs) : null;
            const kl = ref ? klLoss({ logProbs: stats.logProbs, refLogProbs: ref, mask, kind: cfg.klKind, aggregation: cfg.aggregation }) : tf.scalar(0);
            const loss = combineLoss({
              pg: pg.loss,
              kl: ref ? kl : undefined,
              entropy: cfg.entropyCoef > 0 ? entropy : undefined,
              klCoef: cfg.klCoef,
              entropyCoef: cfg.entropyCoef,
              klSign: cfg.klSign,
            });
            return { loss, extras: [pg.loss, kl, entropy, pg.clipFraction, pg.approxKl] };
          });
          const [pgV, klV, entV, clipV, akV] = r.extras;
          assertFinite(step, 'policy loss', r.loss);
          const { clipped, norm } = clipByGlobalNorm(r.grads, cfg.gradClip);
          assertFinite(step, 'gradient norm', norm);
          optimizer.apply(clipped, lr);
          tf.dispose(clipped);
          acc.pg.push(pgV);
          acc.kl.push(klV);
          acc.ent.push(entV);
          acc.clip.push(clipV);
          acc.approxKl.push(akV);
          acc.norm.push(norm);
          if (critic && criticOpt && oldValues && returns) {
            const v = accumulateGradients(critic.variables(), groups, weights, (rows) => ({
              loss: valueLoss({
                values: critic.values(
                  rows.map((i) => ids[i]),
                  memory,
                ),
                oldValues: padded(rows, oldValues),
                returns: padded(rows, returns),
                mask: padded(rows, lossMask),
                clipRange: cfg.valueClip,
                aggregation: cfg.aggregation,
              }).loss,
              extras: [],
            }));
            assertFinite(step, 'value loss', v.loss);
            const c = clipByGlobalNorm(v.grads, cfg.gradClip);
            criticOpt.apply(c.clipped, cfg.criticLr * warm);
            tf.dispose(c.clipped);
            acc.value.push(v.loss);
          }
        }
      }
      const t3 = Date.now();
      const noisy = trajs.flatMap((t) => t.noisy).filter((x): x is boolean => x !== null);
      const m: StepMetrics = {
        step,
        reward: mean(rewards),
        em,
        ...rolloutStats(trajs),
        noiseProbability: p,
        noisyFraction: noisy.length ? noisy.filter(Boolean).length / noisy.length : null,
        pgLoss: mean(acc.pg),
        kl: !refLogProbs ? null : critic ? maskedMean(oldLogProbs, refLogProbs, lossMask) : mean(acc.kl),
        entropy: mean(acc.ent),
        clipFraction: mean(acc.clip),
        approxKl: mean(acc.approxKl),
        gradNorm: mean(acc.norm),
        valueLoss: critic ? mean(acc.value) : null,
        lr,
        time: { rollout: (t1 - t0) / 1000, prepare: (t2 - t1) / 1000, update: (t3 - t2) / 1000, total: (t3 - t0) / 1000 },
      };
      metrics.push(m);
      metricsLog?.append([m]);
      if (metricsLog && checkpointEvery > 0 && (step % checkpointEvery === 0 || step === cfg.steps)) {
        metricsLog.sync();
        const engineRandomState = engine?.randomState?.();
        await saveTrainState(ckptDir, parts, { step, configKey, ...(engineRandomState !== undefined && { engineRandomState }) });
      }
      bar.tick(1, { reward: m.reward, search: m.searchesPerTrajectory });
      args.onStep?.(m, trajs);
    }
  } finally {
    bar.done();
    disposeAll();
  }
  return { metrics, config: cfg };
}
