/**
 * Policy-gradient losses on tfjs tensors (veRL `core_algos.py` / `dp_actor.py` as used by ZeroSearch).
 * All per-token tensors are [batch, tokens]; `mask` is 1 on policy tokens and 0 on prompt, document
 * (environment) and padding tokens (spec §7). Masked positions are replaced by 0 *before* any arithmetic,
 * so whatever sits there (−Infinity log-probs of padding, NaN) neither changes the loss nor leaks into
 * gradients: the gradient of every loss here is exactly 0 at mask-0 positions.
 *
 * Aggregation over tokens:
 * - `token-mean` (veRL's `masked_mean`, the released code): sum over all policy tokens / their count.
 * - `seq-mean-token-mean`: mean over sequences of each sequence's token-mean, so long trajectories do
 *   not outweigh short ones (the DESIGN notes a length-weighting pitfall).
 * An empty mask gives 0 rather than NaN.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TokenAggregation } from '../model/micro-batches';

export type LossAggregation = TokenAggregation;
export type KlKind = 'k1' | 'low_var_kl';

/** x at mask-1 positions, 0 elsewhere (via `where`, so NaN/±Inf outside the mask cannot propagate). */
export function applyMask(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  if (!tf.util.arraysEqual(x.shape, mask.shape)) {
    throw new Error(`mask: shape [${mask.shape}] does not match the per-token tensor's shape [${x.shape}]`);
  }
  return tf.where(tf.greater(mask, 0), x, tf.zerosLike(x));
}

/** Reduce a per-token tensor [B, T] to a scalar over mask-1 tokens. */
export function aggregateTokens(x: tf.Tensor, mask: tf.Tensor, mode: LossAggregation = 'token-mean'): tf.Scalar {
  return tf.tidy(() => {
    const m = tf.cast(tf.greater(mask, 0), 'float32');
    const xm = applyMask(x, mask);
    if (mode === 'token-mean') return tf.div(tf.sum(xm), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
    if (mode !== 'seq-mean-token-mean') throw new Error(`aggregation: unknown '${mode}'; expected token-mean or seq-mean-token-mean`);
    if (x.rank !== 2) throw new Error(`seq-mean-token-mean: expected [batch, tokens] tensors, got rank ${x.rank}`);
    const count = tf.sum(m, 1);
    const seqMean = tf.div(tf.sum(xm, 1), tf.maximum(count, 1));
    const nonEmpty = tf.sum(tf.cast(tf.greater(count, 0), 'float32'));
    return tf.div(tf.sum(seqMean), tf.maximum(nonEmpty, 1)) as tf.Scalar;
  });
}

export interface PolicyLossInput {
  /** log π_θ(token) under the current parameters (differentiable). */
  logProbs: tf.Tensor;
  /** log π_old(token) from rollout time (constant). */
  oldLogProbs: tf.Tensor;
  advantages: tf.Tensor;
  mask: tf.Tensor;
  /** PPO ε; 0.2 in every ZeroSearch script. */
  clipRatio?: number;
  aggregation?: LossAggregation;
}

/**
 * PPO clipped surrogate: mean over policy tokens of max(−A·r, −A·clip(r, 1−ε, 1+ε)), r = exp(logπ − logπ_old).
 * With REINFORCE and one PPO epoch r = 1 on the first mini-batch, so this is plain −A·logπ in gradient.
 * `clipFraction` = share of policy tokens where the clipped term is active; `approxKl` = mean(logπ_old − logπ).
 */
export function policyLoss(input: PolicyLossInput): { loss: tf.Scalar; clipFraction: tf.Scalar; approxKl: tf.Scalar } {
  const { mask, clipRatio = 0.2, aggregation = 'token-mean' } = input;
  if (!(clipRatio > 0)) throw new Error(`clipRatio: expected a positive number, got ${clipRatio}`);
  return tf.tidy(() => {
    const logRatio = tf.sub(applyMask(input.logProbs, mask), applyMask(input.oldLogProbs, mask));
    const ratio = tf.exp(logRatio);
    const adv = applyMask(input.advantages, mask);
    const unclipped = tf.neg(tf.mul(adv, ratio));
    const clipped = tf.neg(tf.mul(adv, tf.clipByValue(ratio, 1 - clipRatio, 1 + clipRatio)));
    return {
      loss: aggregateTokens(tf.maximum(unclipped, clipped), mask, aggregation),
      clipFraction: aggregateTokens(tf.cast(tf.greater(clipped, unclipped), 'float32'), mask),
      approxKl: aggregateTokens(tf.neg(logRatio), mask),
    };
  });
}

/**
 * Per-token KL estimate between the policy and the reference model (veRL `kl_penalty`).
 * - `k1`: logπ − logπ_ref.
 * - `low_var_kl` (Schulman's k3, ZeroSearch's `kl_loss_type`): exp(ref − logπ) − (ref − logπ) − 1,
 *   clamped to [−10, 10] as veRL does; ≥ 0 and unbiased for KL(π‖π_ref) under samples from π.
 * Not masked: reduce it with `klLoss` (or `aggregateTokens`), which also masks the inputs.
 */
export function klPenalty(logProbs: tf.Tensor, refLogProbs: tf.Tensor, kind: KlKind = 'low_var_kl'): tf.Tensor {
  return tf.tidy(() => {
    if (kind === 'k1') return tf.sub(logProbs, refLogProbs);
    if (kind !== 'low_var_kl') throw new Error(`kind: unknown KL estimator '${kind}'; expected k1 or low_var_kl`);
    const kl = tf.sub(refLogProbs, logProbs);
    return tf.clipByValue(tf.sub(tf.sub(tf.exp(kl), kl), 1), -10, 10);
  });
}

/** The KL loss term: `klPenalty` on masked inputs, aggregated over policy tokens. */
export function klLoss(input: { logProbs: tf.Tensor; refLogProbs: tf.Tensor; mask: tf.Tensor; kind?: KlKind; aggregation?: LossAggregation }): tf.Scalar {
  return tf.tidy(() => {
    const kl = klPenalty(applyMask(input.logProbs, input.mask), applyMask(input.refLogProbs, input.mask), input.kind);
    return aggregateTokens(kl, input.mask, input.aggregation);
  });
}

/** Entropy of the next-token distribution at each position: logits [..., V] → [...]. */
export function entropyFromLogits(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const logZ = tf.logSumExp(logits, -1);
    const p = tf.softmax(logits);
    return tf.sub(logZ, tf.sum(tf.mul(p, logits), -1));
  });
}

/** Mean entropy over policy tokens, from per-token entropies (e.g. `entropyFromLogits`). */
export function entropyLoss(entropy: tf.Tensor, mask: tf.Tensor, aggregation: LossAggregation = 'token-mean'): tf.Scalar {
  return aggregateTokens(entropy, mask, aggregation);
}

/**
 * PPO critic loss with value clipping (veRL `compute_value_loss`, `cliprange_value` 0.5):
 * 0.5 · mean(max((V − R)², (clip(V, V_old ± c) − R)²)) over policy tokens.
 */
export function valueLoss(input: {
  values: tf.Tensor;
  oldValues: tf.Tensor;
  returns: tf.Tensor;
  mask: tf.Tensor;
  clipRange?: number;
  aggregation?: LossAggregation;
}): { loss: tf.Scalar; clipFraction: tf.Scalar } {
  const { mask, clipRange = 0.5, aggregation = 'token-mean' } = input;
  if (!(clipRange > 0)) throw new Error(`clipRange: expected a positive number, got ${clipRange}`);
  return tf.tidy(() => {
    const v = applyMask(input.values, mask);
    const vOld = applyMask(input.oldValues, mask);
    const ret = applyMask(input.returns, mask);
    const vClipped = tf.add(vOld, tf.clipByValue(tf.sub(v, vOld), -clipRange, clipRange));
    const l1 = tf.square(tf.sub(v, ret));
    const l2 = tf.square(tf.sub(vClipped, ret));
    return {
      loss: tf.mul(0.5, aggregateTokens(tf.maximum(l1, l2), mask, aggregation)) as tf.Scalar,
      clipFraction: aggregateTokens(tf.cast(tf.greater(l2, l1), 'float32'), mask),
    };
  });
}

export interface CombineLossInput {
  pg: tf.Scalar;
  /** KL loss (`klLoss`); omit when the KL sits in the reward (PPO). */
  kl?: tf.Scalar;
  /** Mean entropy (`entropyLoss`); omit for no entropy bonus. */
  entropy?: tf.Scalar;
  /** β; 0.001 in all ZeroSearch scripts. */
  klCoef?: number;
  /** 0.001 (veRL yaml). */
  entropyCoef?: number;
  /**
   * `add` (default, correct): pg − c_ent·H + β·KL, i.e. the KL is a penalty.
   * `subtract-released-code-bug`: pg − c_ent·H − β·KL, as in ZeroSearch `dp_actor.py` L271 (spec §8.2),
   * which *rewards* drifting from the reference; offered only to reproduce the released runs.
   */
  klSign?: 'add' | 'subtract-released-code-bug';
}

/** The actor's total loss: pg − entropyCoef·entropy ± klCoef·kl. */
export function combineLoss(input: CombineLossInput): tf.Scalar {
  const { pg, kl, entropy, klCoef = 0.001, entropyCoef = 0.001, klSign = 'add' } = input;
  if (klSign !== 'add' && klSign !== 'subtract-released-code-bug') {
    throw new Error(`klSign: expected 'add' or 'subtract-released-code-bug', got '${klSign}'`);
  }
  return tf.tidy(() => {
    let total: tf.Tensor = pg;
    if (entropy) total = tf.sub(total, tf.mul(entropyCoef, entropy));
    if (kl) total = klSign === 'add' ? tf.add(total, tf.mul(klCoef, kl)) : tf.sub(total, tf.mul(klCoef, kl));
    return total as tf.Scalar;
  });
}
