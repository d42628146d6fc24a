/**
 * log p(target) and entropy of softmax(h·W) over the vocabulary, `chunkRows` positions at a time, with a
 * gradient that recomputes each chunk's logits: the full [positions × vocab] logits tensor never exists, in
 * the forward pass or the backward one. With Qwen2.5's 151,936-token vocabulary, 8 trajectories of 4,096
 * tokens would otherwise need 20 GB of f32 logits (plus as much again for their gradient).
 *
 * Gradients per chunk, with p = softmax(logits), H = entropy:
 *   ∂ log p_y / ∂ logits = onehot(y) − p,    ∂H / ∂ logits = −p ⊙ (log p + H).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface HeadWeight {
  /** lm_head stored [d, V], or the tied embedding [V, d] (`transposed`). */
  w: tf.Tensor2D;
  transposed: boolean;
}

/** Default chunk: 2^24 logits (64 MiB of f32) at a time. */
export const DEFAULT_HEAD_CHUNK_ELEMENTS = 1 << 24;

function logits(h: tf.Tensor2D, head: HeadWeight, w: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(h, w, false, head.transposed);
}

/**
 * `[N, 2]`: column 0 = log p(targets[n]), column 1 = entropy, for hidden states `h` [N, d] (already normed).
 * Differentiable with respect to `h` and the head weight.
 */
export function chunkedHeadStats(h: tf.Tensor2D, head: HeadWeight, targets: Int32Array, chunkRows: number): tf.Tensor2D {
  const N = h.shape[0];
  if (targets.length !== N) throw new Error(`chunkedHeadStats: ${targets.length} targets for ${N} positions`);
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new Error(`chunkedHeadStats: chunkRows must be a positive integer, got ${chunkRows}`);
  const V = head.transposed ? head.w.shape[0] : head.w.shape[1];
  const spans: Array<[number, number]> = [];
  for (let s = 0; s < N; s += chunkRows) spans.push([s, Math.min(N, s + chunkRows)]);
  // One chunk's log-probabilities and one-hot targets, the quantities both passes need.
  const chunk = (hIn: tf.Tensor2D, wIn: tf.Tensor2D, [s, e]: [number, number]) => {
    const hc = tf.slice(hIn, [s, 0], [e - s, -1]);
    const logp = tf.logSoftmax(logits(hc, head, wIn));
    const onehot = tf.oneHot(tf.tensor1d(targets.subarray(s, e), 'int32'), V);
    return { hc, logp, onehot };
  };
  const f = tf.customGrad((hIn, wIn, save) => {
    (save as tf.GradSaveFunc)([hIn as tf.Tensor, wIn as tf.Tensor]);
    const parts = spans.map((span) =>
      tf.tidy(() => {
        const { logp, onehot } = chunk(hIn as tf.Tensor2D, wIn as tf.Tensor2D, span);
        const picked = tf.sum(tf.mul(logp, onehot), -1, true);
        const ent = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1, true));
        return tf.concat([picked, ent], 1);
      }),
    );
    const value = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
    if (parts.length > 1) tf.dispose(parts);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [hs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        let dw: tf.Tensor = tf.zerosLike(ws);
        const dh = spans.map((span) => {
          const [s, e] = span;
          const { dhc, dwc } = tf.tidy(() => {
            const { hc, logp, onehot } = chunk(hs, ws, span);
            const p = tf.exp(logp);
            const dyc = tf.slice(dy as tf.Tensor2D, [s, 0], [e - s, 2]);
            const [dLogp, dEnt] = tf.split(dyc, 2, 1);
            const ent = tf.neg(tf.sum(tf.mul(p, logp), -1, true));
            const g = tf.add(tf.mul(dLogp, tf.sub(onehot, p)), tf.mul(dEnt, tf.neg(tf.mul(p, tf.add(logp, ent))))) as tf.Tensor2D;
            return {
              dhc: tf.matMul(g, ws, false, !head.transposed),
              dwc: head.transposed ? tf.matMul(g, hc, true, false) : tf.matMul(hc, g, true, false),
            };
          });
          const next = tf.add(dw, dwc);
          tf.dispose([dw, dwc]);
          dw = next;
          return dhc;
        });
        const dhAll = dh.length === 1 ? dh[0] : tf.concat(dh, 0);
        if (dh.length > 1) tf.dispose(dh);
        return [dhAll, dw];
      },
    };
  });
  return f(h, head.w) as tf.Tensor2D;
}
