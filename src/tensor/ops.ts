/**
 * Transformer building blocks with one meaning on every backend. On 'native' each runs as one
 * fused C++ kernel (forward and gradient); elsewhere it composes ordinary tfjs ops. Both paths
 * compute the same function within float32 rounding (checked in native-backend.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND } from './native-backend';

const onNative = () => tf.getBackend() === NATIVE_BACKEND;
const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) =>
  tf.engine().runKernel(name, inputs, attrs) as unknown as tf.Tensor[];

/** RMSNorm over the last axis: x · rsqrt(mean(x²) + eps) · weight. */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  if (!onNative()) return tf.tidy(() => x.mul(tf.rsqrt(x.square().mean(-1, true).add(eps))).mul(weight));
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
  if (!onNative()) return tf.tidy(() => gate.mul(tf.sigmoid(gate)).mul(up));
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
    return tf.tidy(() => tf.logSumExp(logits, -1).sub(logits.mul(tf.oneHot(labels, vocab)).sum(-1)));
  }
  const f = tf.customGrad((l, save) => {
    const [loss, probs] = run('ZsSoftmaxXent', { logits: l as tf.Tensor, labels });
    (save as tf.GradSaveFunc)([probs]);
    return {
      value: loss,
      gradFunc: (dloss, saved) => run('ZsSoftmaxXentGrad', { probs: saved[0], labels, dloss: dloss as tf.Tensor })[0],
    };
  });
  return f(logits);
}
