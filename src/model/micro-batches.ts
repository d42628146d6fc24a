/**
 * Gradient accumulation over micro-batches (veRL's `ppo_micro_batch_size`): one optimizer update on a
 * batch, computed as forward/backward passes on a few rows at a time. Used by the RL trainer and `trainLm`.
 *
 * Why: the per-token log-softmax of a batch is [rows × tokens × vocabulary]; for 64 trajectories of ~500
 * tokens and a 3k-word vocabulary that is ~400 MB per pass, and every row is padded to the longest one.
 * Rows sorted by length and cut into micro-batches pad little and stay in cache: about 2× faster steps
 * (docs/experiments.md).
 *
 * Exact: each micro-batch's aggregated loss is weighted by its share of the mini-batch (policy tokens for
 * `token-mean`, non-empty rows for `seq-mean-token-mean`), so the weighted sum is the mini-batch's loss and
 * the summed gradients are its gradient, up to float rounding.
 */
import * as tf from '@tensorflow/tfjs-core';

/** How a per-token loss is reduced (../rl/losses `aggregateTokens`): over all tokens, or per sequence first. */
export type TokenAggregation = 'token-mean' | 'seq-mean-token-mean';

/** `rows` (indices into `lengths`) sorted by length, longest first, cut into groups of at most `size`. */
export function microBatches(rows: readonly number[], lengths: readonly number[], size: number): number[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`microBatches: size must be a positive integer, got ${size}`);
  const sorted = [...rows].sort((a, b) => lengths[b] - lengths[a] || a - b);
  return Array.from({ length: Math.ceil(sorted.length / size) }, (_, k) => sorted.slice(k * size, (k + 1) * size));
}

/**
 * Weights w_k with Σ_k w_k · aggregate(group k) = aggregate(all groups) (see losses.ts `aggregateTokens`):
 * the group's mask-1 tokens over all mask-1 tokens (`token-mean`), or its rows with any mask-1 token over all
 * such rows (`seq-mean-token-mean`). An empty total gives weight 0 (the loss is 0 then anyway).
 */
export function microBatchWeights(groups: readonly number[][], mask: readonly number[][], aggregation: TokenAggregation): number[] {
  const tokens = (i: number) => mask[i].reduce((a, m) => a + (m > 0 ? 1 : 0), 0);
  const share = (i: number) => (aggregation === 'token-mean' ? tokens(i) : tokens(i) > 0 ? 1 : 0);
  const parts = groups.map((g) => g.reduce((a, i) => a + share(i), 0));
  const total = parts.reduce((a, b) => a + b, 0);
  return parts.map((p) => (total > 0 ? p / total : 0));
}

/**
 * Σ_k w_k · ∇ loss(group k) over `variables`, and the weighted sums of the loss and of the extra scalars
 * `lossOf` reports (metrics such as the clip fraction). `lossOf` runs inside the gradient tape: tensors it
 * makes are freed with it.
 */
export function accumulateGradients(
  variables: tf.Variable[],
  groups: readonly number[][],
  weights: readonly number[],
  lossOf: (rows: number[]) => { loss: tf.Scalar; extras: tf.Scalar[] },
): { grads: tf.Tensor[]; loss: number; extras: number[] } {
  let sums: tf.Tensor[] | null = null;
  let loss = 0;
  let extras: number[] = [];
  // Groups of weight 0 add nothing; if every group has weight 0, the first still runs (zero gradients).
  const live = groups.map((_, k) => k).filter((k) => weights[k] > 0);
  (live.length ? live : [0]).forEach((k) => {
    const rows = groups[k];
    const w = weights[k];
    let kept: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const r = lossOf(rows);
      kept = r.extras.map((x) => tf.keep(x));
      return tf.mul(r.loss, w) as tf.Scalar;
    }, variables);
    const list = variables.map((v) => {
      const g = grads[v.name];
      if (!g) throw new Error(`accumulateGradients: no gradient for variable ${v.name}`);
      return g;
    });
    loss += value.dataSync()[0];
    const values = kept.map((x) => x.dataSync()[0] * w);
    extras = extras.length ? extras.map((e, i) => e + values[i]) : values;
    // Added and freed one variable at a time, so the sum and this micro-batch's gradients are the only full sets.
    sums =
      sums === null
        ? list
        : sums.map((s, i) => {
            const next = tf.add(s, list[i]);
            tf.dispose([s, list[i]]);
            return next;
          });
    tf.dispose([value, ...kept]);
  });
  if (sums === null) throw new Error('accumulateGradients: no micro-batches (groups is empty)');
  return { grads: sums, loss, extras };
}

/**
 * Gradients scaled to a global L2 norm ≤ `maxNorm` (0 = no clipping), and the norm before clipping. Takes
 * `grads`: the result holds them, or their scaled copies with `grads` disposed. A non-finite norm is returned
 * for the caller to reject; the gradients are then left unscaled or zeroed, never to be applied.
 */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: number } {
  // Squared and scaled one gradient at a time: a second full set of gradients would be the run's largest temporary.
  let total: tf.Scalar = tf.scalar(0);
  for (const g of grads) {
    const next = tf.tidy(() => tf.add(total, tf.sum(tf.square(g))) as tf.Scalar);
    total.dispose();
    total = next;
  }
  const norm = tf.tidy(() => tf.sqrt(total).dataSync()[0]);
  total.dispose();
  if (!(maxNorm > 0 && norm > maxNorm)) return { clipped: grads, norm };
  const scale = maxNorm / (norm + 1e-6);
  const clipped = grads.map((g) => {
    const c = tf.mul(g, scale);
    g.dispose();
    return c;
  });
  return { clipped, norm };
}
