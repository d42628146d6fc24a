/**
 * Causal attention over a training batch (query i at position i, key s at position s, s ≤ i allowed), computed
 * `chunk` queries at a time with a gradient that recomputes each chunk: the [rows × heads × queries × keys]
 * scores exist for one chunk at a time, in the forward pass and in the backward one. Plain tfjs keeps them
 * whole (and, composed, about 13 copies of them until the backward pass ends): at 4,096 tokens they are most
 * of a layer's memory. What a flash-attention kernel does with on-chip tiles, done here with tensors.
 *
 * The masks are made on the device from positions, chunk by chunk: nothing of size [queries × keys] is saved.
 */
import * as tf from '@tensorflow/tfjs-core';
import { maskedAttention } from '../tensor/ops';
import { MASKED } from './layers';
import { nestedGradients } from './recompute';

/** Additive mask [1, n, S] for queries start..start+n-1 over keys 0..S-1: 0 where key ≤ query, MASKED after. */
function causalRows(start: number, n: number, S: number): tf.Tensor3D {
  return tf.tidy(() => {
    const keys = tf.reshape(tf.range(0, S, 1, 'int32'), [1, 1, S]);
    const queries = tf.reshape(tf.range(start, start + n, 1, 'int32'), [1, n, 1]);
    return tf.mul(tf.cast(tf.greater(keys, queries), 'float32'), MASKED) as tf.Tensor3D;
  });
}

/**
 * Queries [s, s + n) (q holds just them) attending to k, v [B, Hkv, S, hd]. Keys past the chunk's last query are
 * masked for every query in it, so they are left out: the same softmax (their weights are exactly 0), half the work on average.
 */
function piece(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, s: number): tf.Tensor4D {
  const n = q.shape[2];
  const S = Math.min(k.shape[2], s + n);
  return tf.tidy(() => {
    const [kc, vc] = S === k.shape[2] ? [k, v] : [k, v].map((t) => tf.slice(t, [0, 0, 0, 0], [-1, -1, S, -1]) as tf.Tensor4D);
    return maskedAttention(q, kc, vc, causalRows(s, n, S));
  });
}

const sliceQueries = (t: tf.Tensor4D, s: number, n: number) => tf.slice(t, [0, 0, s, 0], [-1, -1, n, -1]) as tf.Tensor4D;

/**
 * q [B, H, T, hd], k and v [B, Hkv, S, hd] (grouped-query heads as in ../tensor/ops maskedAttention) → [B, H, T, hd].
 * `chunk` ≤ 0 or ≥ T: one piece, with the ordinary gradient.
 */
export function causalAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, chunk: number): tf.Tensor4D {
  const T = q.shape[2];
  if (!(chunk > 0 && chunk < T)) return piece(q, k, v, 0);
  const spans: Array<[number, number]> = [];
  for (let s = 0; s < T; s += chunk) spans.push([s, Math.min(chunk, T - s)]);
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [qIn, kIn, vIn, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([qIn, kIn, vIn]);
    const parts = spans.map(([s, n]) => piece(sliceQueries(qIn, s, n), kIn, vIn, s));
    const value = tf.concat(parts, 2) as tf.Tensor4D;
    tf.dispose(parts);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [qs, ks, vs] = saved as tf.Tensor4D[];
        let dk: tf.Tensor = tf.zerosLike(ks);
        let dv: tf.Tensor = tf.zerosLike(vs);
        const dq = spans.map(([s, n]) => {
          // One chunk's scores and their gradients live only inside this scope.
          const [dqc, dkc, dvc] = tf.tidy(() => {
            const qc = sliceQueries(qs, s, n);
            return nestedGradients(() => piece(qc, ks, vs, s), [qc, ks, vs], sliceQueries(dy, s, n));
          });
          const [nextK, nextV] = [tf.add(dk, dkc), tf.add(dv, dvc)];
          tf.dispose([dk, dv, dkc, dvc]);
          [dk, dv] = [nextK, nextV];
          return dqc;
        });
        const dqAll = tf.concat(dq, 2);
        tf.dispose(dq);
        return [dqAll, dk, dv];
      },
    };
  });
  return f(q, k, v) as tf.Tensor4D;
}
