/**
 * Transformer building blocks with one meaning on every backend. On 'native' each runs as one
 * fused C++ kernel (forward and gradient); elsewhere it composes ordinary tfjs ops. Both paths
 * compute the same function within float32 rounding (checked in native-backend.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadNativeAddon } from './native-addon';
import { NATIVE_BACKEND, floatValues, valuesOf } from './native-memory';
import type { NativeBackendCPU } from './native-memory';

const onNative = () => tf.getBackend() === NATIVE_BACKEND;
const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) => tf.engine().runKernel(name, inputs, attrs) as unknown as tf.Tensor[];

/** RMSNorm over the last axis: x · rsqrt(mean(x²) + eps) · weight. */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  if (!onNative()) return tf.tidy(() => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), weight));
  const f = tf.customGrad((xIn, wIn, save) => {
    const [y, rstd] = run('ZsRmsNorm', { x: xIn as tf.Tensor, weight: wIn as tf.Tensor }, { eps });
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, wIn as tf.Tensor, rstd]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [xs, ws, rs] = saved;
        return run('ZsRmsNormGrad', { x: xs, weight: ws, rstd: rs, dy: dy as tf.Tensor });
      },
    };
  });
  return f(x, weight);
}

/** SwiGLU's gating: silu(gate) · up = gate · sigmoid(gate) · up. */
export function swiglu(gate: tf.Tensor, up: tf.Tensor): tf.Tensor {
  if (!onNative()) return tf.tidy(() => tf.mul(tf.mul(gate, tf.sigmoid(gate)), up));
  const f = tf.customGrad((g, u, save) => {
    const [y] = run('ZsSwiglu', { gate: g as tf.Tensor, up: u as tf.Tensor });
    (save as tf.GradSaveFunc)([g as tf.Tensor, u as tf.Tensor]);
    return {
      value: y,
      gradFunc: (dy, saved) => run('ZsSwigluGrad', { gate: saved[0], up: saved[1], dy: dy as tf.Tensor }),
    };
  });
  return f(gate, up);
}

/**
 * Per-position cross-entropy: logits [..., V], integer labels [...] → loss [...] with
 * loss = logsumexp(logits) − logits[label]. Reduce (mask, mean) in the caller. Labels get no gradient.
 */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  const vocab = logits.shape[logits.shape.length - 1];
  if (labels.dtype !== 'int32') throw new Error(`softmaxCrossEntropy: labels must be int32, got ${labels.dtype}`);
  if (labels.shape.join(',') !== logits.shape.slice(0, -1).join(',')) {
    throw new Error(`softmaxCrossEntropy: labels shape [${labels.shape}] must equal logits shape without its last axis [${logits.shape.slice(0, -1)}]`);
  }
  if (!onNative()) {
    return tf.tidy(() => tf.sub(tf.logSumExp(logits, -1), tf.sum(tf.mul(logits, tf.oneHot(labels, vocab)), -1)));
  }
  // Tensors a gradient needs must go through `save`: anything else made inside a differentiated
  // function is disposed before the backward pass runs.
  const f = tf.customGrad((l, save) => {
    const [loss, probs] = run('ZsSoftmaxXent', { logits: l as tf.Tensor, labels });
    (save as tf.GradSaveFunc)([probs, labels]);
    return {
      value: loss,
      gradFunc: (dloss, saved) => run('ZsSoftmaxXentGrad', { probs: saved[0], labels: saved[1], dloss: dloss as tf.Tensor })[0],
    };
  });
  return f(logits);
}

/** RoPE's "rotate half" rule: x·cos + rotate_half(x)·sin, x [rows, heads, hd], tables [rows, 1, hd]. No gradient for the tables. */
export function rotaryEmbedding(x: tf.Tensor3D, cos: tf.Tensor3D, sin: tf.Tensor3D): tf.Tensor3D {
  if (!onNative()) {
    return tf.tidy(() => {
      const [x1, x2] = tf.split(x, 2, -1);
      return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(x2), x1], -1), sin)) as tf.Tensor3D;
    });
  }
  const f = tf.customGrad((xIn, save) => {
    (save as tf.GradSaveFunc)([cos, sin]);
    return {
      value: run('ZsRope', { x: xIn as tf.Tensor, cos, sin }, { transpose: false })[0],
      gradFunc: (dy, saved) => run('ZsRope', { x: dy as tf.Tensor, cos: saved[0], sin: saved[1] }, { transpose: true })[0],
    };
  });
  return f(x) as tf.Tensor3D;
}

/**
 * Softmax attention with grouped-query heads: q [B, H, T, hd], k and v [B, Hkv, S, hd] (Hkv divides H;
 * query head h reads kv head floor(h / (H/Hkv))), and an additive mask of shape [B|1, 1, 1, T, S] or
 * [B|1, T, S] (no gradient). Returns [B, H, T, hd].
 */
export function maskedAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor): tf.Tensor4D {
  const [B, H, T, hd] = q.shape;
  const [, Hkv, S] = k.shape;
  const maskBatch = mask.shape[0];
  if (mask.size !== maskBatch * T * S || (maskBatch !== 1 && maskBatch !== B)) {
    throw new Error(`maskedAttention: mask shape [${mask.shape}] must hold [${B} or 1, T=${T}, S=${S}] values`);
  }
  const scale = 1 / Math.sqrt(hd);
  if (!onNative()) {
    return tf.tidy(() => {
      const group = H / Hkv;
      const scores = tf.mul(tf.matMul(tf.reshape(q, [B, Hkv, group * T, hd]), k, false, true), scale);
      const masked = tf.add(tf.reshape(scores, [B, Hkv, group, T, S]), tf.reshape(mask, [maskBatch, 1, 1, T, S]));
      const probs = tf.reshape(tf.softmax(masked, -1), [B, Hkv, group * T, S]);
      return tf.reshape(tf.matMul(probs, v), [B, H, T, hd]) as tf.Tensor4D;
    });
  }
  const mask3 = tf.reshape(mask, [maskBatch, T, S]);
  const f = tf.customGrad((qIn, kIn, vIn, save) => {
    const [out, probs] = run('ZsAttention', { q: qIn as tf.Tensor, k: kIn as tf.Tensor, v: vIn as tf.Tensor, mask: mask3 }, { scale });
    (save as tf.GradSaveFunc)([qIn as tf.Tensor, kIn as tf.Tensor, vIn as tf.Tensor, probs]);
    return {
      value: out,
      gradFunc: (dy, saved) => {
        const [qs, ks, vs, ps] = saved;
        return run('ZsAttentionGrad', { q: qs, k: ks, v: vs, probs: ps, dy: dy as tf.Tensor }, { scale });
      },
    };
  });
  const result = f(q, k, v) as tf.Tensor4D;
  mask3.dispose();
  return result;
}

export interface AdamStepSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ. */
  c1: number;
  c2: number;
  /** Decoupled weight decay as a factor on p before the step (1 = none). */
  decay: number;
}

/**
 * One Adam step on `p`, `m`, `v` in place in a single fused C++ pass, when the 'native' backend is
 * active; returns false elsewhere (the caller then composes tfjs ops: same maths).
 */
export function fusedAdamUpdate(p: tf.Variable, m: tf.Variable, v: tf.Variable, g: tf.Tensor, s: AdamStepSettings): boolean {
  if (!onNative()) return false;
  if (p.dtype !== 'float32' || g.dtype !== 'float32') throw new Error(`fusedAdamUpdate: ${p.name} must be float32`);
  const backend = tf.backend() as unknown as NativeBackendCPU;
  if (s.decay !== 1) tf.tidy(() => p.assign(tf.mul(p, s.decay)));
  loadNativeAddon().adam(
    ownedValues(backend, p),
    ownedValues(backend, m),
    ownedValues(backend, v),
    floatValues(backend, g),
    s.lr,
    s.beta1,
    s.beta2,
    s.eps,
    s.c1,
    s.c2,
  );
  return true;
}

/**
 * The variable's values, safe to update in place: a pooled buffer that no other tensor shares.
 * The first time, a variable built from a caller's array (or sharing data with a tensor) gets a
 * private copy, so in-place updates never reach memory someone else can see.
 */
function ownedValues(backend: NativeBackendCPU, variable: tf.Variable): Float32Array {
  const values = valuesOf(backend, variable);
  if (backend.isPooled(values) && backend.refCount(variable.dataId) === 1) return values as Float32Array;
  tf.tidy(() => variable.assign(tf.add(variable, tf.scalar(0))));
  return valuesOf(backend, variable) as Float32Array;
}
